"""How sure a ranking is (DESIGN.md §5.1): one module per analysis.

`weight_space` (admissible weights and sampling), `stability` (weight stability intervals),
`preference` (necessary/possible preference, rank ranges), `smaa` (rank acceptability),
`scenarios` (ranking per scenario, minimax regret), `verdicts` (sentences), and `analysis`,
which runs them for one request.
"""

from service.engine.robustness.analysis import RobustnessRequest, analyse

__all__ = ["RobustnessRequest", "analyse"]
