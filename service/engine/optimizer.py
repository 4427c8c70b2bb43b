"""The package search beyond enumeration: a mixed-integer program solved by HiGHS in-process.

A `PackageProgram` builds the HiGHS model of a performance table and its constraints once
(`linear_programs.PackageModel`: binaries x_i, y_ab = x_a AND x_b, each constraint's rows) and
then re-solves it: new weights change only the objective, the k best packages come from
no-good cuts added as rows, "best package containing option i" fixes one column's bounds, and
a minimal conflict switches constraint rows off and on. Every solve checks HiGHS's own model
status and gets only the time the request has left (`linear_programs.solved`).
"""

from __future__ import annotations

import highspy
import numpy as np

from service.engine.constraints import SourcedConstraint
from service.engine.cost import require_solves
from service.engine.linear_programs import INFINITY, PackageModel, quiet_highs
from service.engine.ordering import tie_group_floor
from service.engine.packages import ScoredPackage, deletion_filter, rank_scored
from service.engine.performance import VALUE_SCALE, PerformanceTable
from service.engine.settings import SolverSettings

# Ties at the k-th place are settled exactly; this bounds the extra solves that takes.
MAX_TIE_SOLVES = 200


def solver_description() -> str:
    return f"HiGHS {quiet_highs().version()} in-process (highspy)"


def solver_available() -> bool:
    """True when HiGHS answers a trivial solve (used by /healthz)."""
    highs = quiet_highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", SolverSettings().threads)
    highs.addVar(0.0, 1.0)
    highs.run()
    return highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


class PackageProgram:
    """The package space of one table and its constraints, answered by re-solving one MILP."""

    method = "milp"

    def __init__(self, table: PerformanceTable, constraints: list[SourcedConstraint], settings: SolverSettings):
        self.table = table
        self.settings = settings
        self.constraints = constraints
        self.model = PackageModel(table, [item.constraint for item in constraints], settings)
        self.highs = self.model.highs
        self.highs.setOptionValue("mip_heuristic_run_feasibility_jump", len(table.option_ids) > settings.small_model_binaries)
        self.all_constraints = range(len(constraints))
        self.forbidding_conflicts: dict[int, list] = {}

    # -- solving -----------------------------------------------------------------------------

    def _run(self) -> list[int] | None:
        """Solve; return the chosen option indices, or None when infeasible."""
        return self.model.chosen() if self.model.solve() else None

    def _scored(self, members: list[int], weights: np.ndarray) -> ScoredPackage:
        # Values are recomputed from the table, not read from the solver, so both paths agree exactly.
        performance = self.table.package_performance(set(members))
        return ScoredPackage(tuple(sorted(self.table.option_ids[i] for i in members)),
                             float(performance @ weights) / VALUE_SCALE, performance)

    def _cut(self, members: list[int]) -> int:
        """Add the no-good cut that forbids exactly this package; return its row index."""
        n = self.model.n
        chosen = set(members)
        coefficients = np.array([(-1.0 if i in chosen else 1.0) for i in range(n)])
        self.highs.addRow(1.0 - len(chosen), INFINITY, n, np.arange(n, dtype=np.int32), coefficients)
        return self.highs.getNumRow() - 1

    def _drop_rows(self, rows: list[int]) -> None:
        if rows:
            self.highs.deleteRows(len(rows), np.array(sorted(rows), dtype=np.int32))

    def is_feasible(self) -> bool:
        return self.model.feasible(self.all_constraints)

    def best(self, weights: np.ndarray, k: int) -> list[tuple[int, ScoredPackage]]:
        """The k best packages in rank order, by re-solving with no-good cuts."""
        self.model.set_objective(self.model.value_costs(weights), maximize=True)
        found: list[ScoredPackage] = []
        cuts: list[int] = []
        try:
            while len(found) < k + MAX_TIE_SOLVES:
                members = self._run()
                if members is None:
                    break
                package = self._scored(members, weights)
                floor = tie_group_floor(sorted((p.value for p in found), reverse=True), k)
                if floor is not None and package.value < floor:
                    break  # below every tie group that reaches the k-th place
                found.append(package)
                cuts.append(self._cut(members))
                if len(found) == 1:
                    require_solves(self.settings, k - 1, self.model.seconds_per_solve, f"Finding the {k} best packages")
        finally:
            self._drop_rows(cuts)
        return rank_scored(found)[:k]

    def best_containing(self, weights: np.ndarray, option_index: int) -> ScoredPackage | None:
        self.highs.changeColBounds(option_index, 1.0, 1.0)
        try:
            best = self.best(weights, 1)
        finally:
            self.highs.changeColBounds(option_index, 0.0, 1.0)
        return best[0][1] if best else None

    def minimal_conflict(self, forced: int | None = None) -> list[SourcedConstraint]:
        """A minimal set of the constraints that admit no package (containing option `forced`, when given).

        The LP relaxation is solved first: when it is infeasible too, the rows its dual ray
        (a Farkas certificate) combines are an infeasible subset, usually a handful of
        constraints, and the deletion filter runs over those alone. Otherwise (infeasible only
        for integer packages) it runs over every constraint. Either way each test is one solve of
        this model with the other constraints' rows switched off.
        """
        candidates = self.model.infeasible_subset(self.all_constraints, forced)
        if candidates is None or self.model.feasible(candidates, forced):
            candidates = list(self.all_constraints)
        kept = deletion_filter(candidates, lambda subset: self.model.feasible(subset, forced), self.settings)
        return [self.constraints[c] for c in kept]
