"""The mixed-integer program: the only module that imports PuLP (and HiGHS behind it).

A `PackageProgram` turns a performance table and its constraints into a PuLP
model once, hands it to HiGHS in-process, and then keeps the HiGHS model to
re-solve it: new weights change only the objective, the k best packages come
from no-good cuts added as rows, and "best package containing option i" fixes
one column's bounds. Every solve checks HiGHS's own model status, so a time
limit or a silent "not solved" never passes for an answer.
"""

from __future__ import annotations

import os
import sys

import highspy
import numpy as np
import pulp

from service.engine.constraints import SourcedConstraint, linear_rows
from service.engine.settings import SolverSettings
from service.engine.errors import SolverFailure, SolverTimeLimit
from service.engine.ordering import tie_group_floor
from service.engine.packages import ScoredPackage, rank_scored
from service.engine.performance import VALUE_SCALE, PerformanceTable

# Ties at the k-th place are settled exactly; this bounds the extra solves that takes.
MAX_TIE_SOLVES = 200


def solver_description() -> str:
    return f"HiGHS {_quiet_highs().version()} via PuLP {pulp.__version__}"


def _quiet_highs() -> highspy.Highs:
    """A Highs instance; the first one of a process is made with stdout muted.

    HiGHS prints its banner on the C++ stdout when the first instance is made, which
    would corrupt the CLI's JSON output; Python-level redirection cannot catch it.
    """
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_SHOWN = True
    return highs


_BANNER_SHOWN = False


def solver_available() -> bool:
    """True when HiGHS answers a trivial solve (used by /healthz)."""
    highs = _quiet_highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", SolverSettings().threads)
    highs.addVar(0.0, 1.0)
    highs.run()
    return highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


class PackageProgram:
    """Binary x_i per option, y_ab = x_a AND x_b per interaction (exact linearization)."""

    method = "milp"

    def __init__(self, table: PerformanceTable, constraints: list[SourcedConstraint], settings: SolverSettings):
        self.table = table
        self.settings = settings
        self.option_index = table.option_index
        n = len(table.option_ids)
        problem = pulp.LpProblem("packages", pulp.LpMaximize)
        self.x = [problem.add_variable(f"x{i:05d}", 0, 1, cat=pulp.LpBinary) for i in range(n)]
        self.y = [problem.add_variable(f"y{t:05d}", 0, 1) for t in range(len(table.interactions))]
        for term, y in zip(table.interactions, self.y):
            a, b = self.x[term.first], self.x[term.second]
            problem += y <= a
            problem += y <= b
            problem += y >= a + b - 1
        for item in constraints:
            for row in self._rows(item):
                problem += row
        # A placeholder objective that names every column, so PuLP hands them all to HiGHS;
        # the real costs are set on the HiGHS model for each set of weights.
        problem += pulp.lpSum(self.x + self.y)
        solver = pulp.HiGHS(
            msg=False, threads=settings.threads, timeLimit=settings.time_limit_seconds,
            gapRel=0.0, gapAbs=0.0,
            mip_heuristic_run_feasibility_jump=n > settings.small_model_binaries,
        )
        _quiet_highs()  # mute the banner before PuLP makes its instance
        solver.createAndConfigureSolver(problem)
        solver.buildSolverModel(problem)
        self.highs: highspy.Highs = problem.solverModel
        self.problem = problem
        self.x_columns = [v.index for v in self.x]
        self.forbidding_conflicts: dict[int, list] = {}
        self.y_columns = [v.index for v in self.y]

    def _rows(self, item: SourcedConstraint):
        """The constraint as PuLP constraints, from the engine's one translation to linear rows."""
        table = self.table
        columns = self.x + self.y
        rows = []
        for lower, upper, coefficients in linear_rows(item.constraint, self.option_index, table.effects,
                                                      table.interaction_effects, table.criterion_ids):
            expression = pulp.lpSum(coefficient * columns[column] for column, coefficient in coefficients.items())
            if lower == upper:
                rows.append(expression == lower)
                continue
            if lower > -np.inf:
                rows.append(expression >= lower)
            if upper < np.inf:
                rows.append(expression <= upper)
        return rows

    # -- solving -----------------------------------------------------------------------------

    def _set_weights(self, weights: np.ndarray) -> None:
        table = self.table
        costs = table.effects @ weights / VALUE_SCALE
        interaction_costs = [float(term.effects @ weights) / VALUE_SCALE for term in table.interactions]
        columns = self.x_columns + self.y_columns
        # HiGHS minimizes by default; PuLP built the model as a maximization of these costs.
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.highs.changeColsCost(len(columns), np.array(columns, dtype=np.int32),
                                  np.array(list(costs) + interaction_costs, dtype=float))

    def _run(self) -> list[int] | None:
        """Solve; return the chosen option indices, or None when infeasible."""
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            values = self.highs.getSolution().col_value
            return [i for i, column in enumerate(self.x_columns) if values[column] > 0.5]
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt):
            raise SolverTimeLimit(f"HiGHS did not prove optimality within {self.settings.time_limit_seconds:g} s.")
        raise SolverFailure(f"HiGHS stopped with status {self.highs.modelStatusToString(status)}.")

    def _scored(self, members: list[int], weights: np.ndarray) -> ScoredPackage:
        # Values are recomputed from the table, not read from the solver, so both paths agree exactly.
        performance = self.table.package_performance(set(members))
        return ScoredPackage(tuple(sorted(self.table.option_ids[i] for i in members)),
                             float(performance @ weights) / VALUE_SCALE, performance)

    def _cut(self, members: list[int]) -> int:
        """Add the no-good cut that forbids exactly this package; return its row index."""
        chosen = set(members)
        coefficients = [(-1.0 if i in chosen else 1.0) for i in range(len(self.x_columns))]
        lower = 1.0 - len(chosen)
        self.highs.addRow(lower, highspy.kHighsInf, len(self.x_columns),
                          np.array(self.x_columns, dtype=np.int32), np.array(coefficients))
        return self.highs.getNumRow() - 1

    def _drop_rows(self, rows: list[int]) -> None:
        if rows:
            self.highs.deleteRows(len(rows), np.array(sorted(rows), dtype=np.int32))

    def is_feasible(self) -> bool:
        self._set_weights(np.zeros(len(self.table.criterion_ids)))
        return self._run() is not None

    def best(self, weights: np.ndarray, k: int) -> list[tuple[int, ScoredPackage]]:
        """The k best packages in rank order, by re-solving with no-good cuts."""
        self._set_weights(weights)
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
        finally:
            self._drop_rows(cuts)
        return rank_scored(found)[:k]

    def best_containing(self, weights: np.ndarray, option_index: int) -> ScoredPackage | None:
        column = self.x_columns[option_index]
        self.highs.changeColBounds(column, 1.0, 1.0)
        try:
            best = self.best(weights, 1)
        finally:
            self.highs.changeColBounds(column, 0.0, 1.0)
        return best[0][1] if best else None


def milp_feasibility(table: PerformanceTable, settings: SolverSettings):
    """A feasibility test over constraint subsets, for the conflict search."""

    def feasible(constraints: list[SourcedConstraint]) -> bool:
        return PackageProgram(table, constraints, settings).is_feasible()

    return feasible
