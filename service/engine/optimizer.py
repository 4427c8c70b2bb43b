"""The package search beyond enumeration: the only module that imports PuLP (and HiGHS behind it).

A `PackageProgram` turns a performance table and its constraints into a PuLP model once
(`PackageModel`: binaries x_i, y_ab = x_a AND x_b, each constraint's rows), hands it to HiGHS
in-process, and then keeps the HiGHS model to re-solve it: new weights change only the objective, the k best packages come from
no-good cuts added as rows, "best package containing option i" fixes one column's bounds, and
a minimal conflict switches constraint rows off and on. Every solve checks HiGHS's own model
status and gets only the time the request has left (`linear_programs.solved`).
"""

from __future__ import annotations

import highspy
import numpy as np
import pulp

from service.engine.constraints import SourcedConstraint, linear_rows
from service.engine.cost import require_solves
from service.engine.linear_programs import INFINITY, configure_highs, quiet_highs, solved
from service.engine.ordering import tie_group_floor
from service.engine.packages import ScoredPackage, deletion_filter, rank_scored
from service.engine.performance import VALUE_SCALE, PerformanceTable
from service.engine.settings import SolverSettings

# Ties at the k-th place are settled exactly; this bounds the extra solves that takes.
MAX_TIE_SOLVES = 200


def solver_description() -> str:
    return f"HiGHS {quiet_highs().version()} via PuLP {pulp.__version__}"


def solver_available() -> bool:
    """True when HiGHS answers a trivial solve (used by /healthz)."""
    highs = quiet_highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", SolverSettings().threads)
    highs.addVar(0.0, 1.0)
    highs.run()
    return highs.getModelStatus() == highspy.HighsModelStatus.kOptimal


class PackageModel:
    """Packages as a mixed-integer program built through PuLP and kept as its HiGHS model: binary
    x_i per option, y_t = x_a AND x_b per interaction (exact linearization), and the rows of each
    constraint (`constraints.linear_rows`; a range is two rows).

    `rows[c]` are the row indices of constraint c. Toggling a constraint's rows between their
    bounds and (-inf, inf) asks about any subset of the constraints without building anything
    again (`feasible`), which is what the conflict search does many times.
    """

    def __init__(self, table: PerformanceTable, constraints, settings: SolverSettings):
        self.table, self.settings = table, settings
        n, t = len(table.option_ids), len(table.interactions)
        self.n, self.t = n, t
        problem = pulp.LpProblem("packages", pulp.LpMaximize)
        # Names sort as the columns are meant to be numbered: PuLP hands variables to HiGHS by name.
        columns = ([problem.add_variable(f"x{i:06d}", 0, 1, cat=pulp.LpBinary) for i in range(n)]
                   + [problem.add_variable(f"y{k:06d}", 0, 1) for k in range(t)])
        rows: list[tuple[float, float]] = []

        def add(lower: float, upper: float, coefficients: dict[int, float]) -> list[int]:
            """The row lower <= sum(c * column) <= upper as PuLP constraints (a range is two)."""
            expression = pulp.LpAffineExpression([(columns[c], v) for c, v in coefficients.items()])
            senses = ([(pulp.LpConstraintEQ, lower, lower, upper)] if lower == upper else
                      [(pulp.LpConstraintGE, lower, lower, INFINITY)] * (lower > -INFINITY)
                      + [(pulp.LpConstraintLE, upper, -INFINITY, upper)] * (upper < INFINITY))
            added = []
            for sense, rhs, row_lower, row_upper in senses:
                problem.addConstraint(pulp.LpConstraint(expression, sense=sense, rhs=rhs), name=f"r{len(rows):07d}")
                added.append(len(rows))
                rows.append((row_lower, row_upper))
            return added

        for k, term in enumerate(table.interactions):
            add(-INFINITY, 0.0, {n + k: 1.0, term.first: -1.0})
            add(-INFINITY, 0.0, {n + k: 1.0, term.second: -1.0})
            add(-1.0, INFINITY, {n + k: 1.0, term.first: -1.0, term.second: -1.0})
        interaction_effects = table.interaction_effects
        self.first_constraint_row = len(rows)
        self.rows = [np.array([row for lower, upper, coefficients in
                               linear_rows(constraint, table.option_index, table.effects, interaction_effects,
                                           table.criterion_ids)
                               for row in add(lower, upper, coefficients)], dtype=np.int32)
                     for constraint in constraints]
        self.row_lower = np.array([lower for lower, _ in rows[self.first_constraint_row:]], dtype=float)
        self.row_upper = np.array([upper for _, upper in rows[self.first_constraint_row:]], dtype=float)
        # A placeholder objective that names every column, so PuLP hands them all to HiGHS; the real
        # costs are set on the HiGHS model for each set of weights (`set_objective`).
        problem.setObjective(pulp.lpSum(columns))
        solver = pulp.HiGHS(msg=False, threads=settings.threads, gapRel=0.0, gapAbs=0.0)
        quiet_highs()  # mute HiGHS's banner before PuLP makes its instance
        solver.createAndConfigureSolver(problem)
        solver.buildSolverModel(problem)
        self.highs: highspy.Highs = problem.solverModel
        configure_highs(self.highs, settings, integer=True)
        self.solves = 0

    def solve(self) -> bool:
        """`solved` for this model, counted (`seconds_per_solve`)."""
        self.solves += 1
        return solved(self.highs, self.settings)

    @property
    def seconds_per_solve(self) -> float:
        """The mean time of this model's solves so far (HiGHS sums its run time over runs)."""
        return self.highs.getRunTime() / max(1, self.solves)

    def set_objective(self, costs: np.ndarray, *, maximize: bool) -> None:
        """Costs of the x and y columns (any further columns keep theirs)."""
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize)
        self.highs.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), np.asarray(costs, dtype=float))

    def value_costs(self, weights: np.ndarray, table: PerformanceTable | None = None) -> np.ndarray:
        """value(S) at `weights` as costs of the x and y columns (of `table`, by default the model's)."""
        table = table or self.table
        return np.concatenate([table.effects @ weights, table.interaction_effects @ weights]) / VALUE_SCALE

    def chosen(self) -> list[int]:
        values = self.highs.getSolution().col_value
        return [i for i in range(self.n) if values[i] > 0.5]

    def _activate(self, active, forced: int | None) -> None:
        """Switch on the rows of the constraints in `active`, off all others; fix `forced` at 1."""
        count = len(self.row_lower)
        if count:
            on = np.zeros(count, dtype=bool)
            for c in active:
                on[self.rows[c] - self.first_constraint_row] = True
            self.highs.changeRowsBounds(count, np.arange(self.first_constraint_row, self.first_constraint_row + count,
                                                         dtype=np.int32),
                                        np.where(on, self.row_lower, -INFINITY), np.where(on, self.row_upper, INFINITY))
        columns = self.n + self.t
        self.highs.changeColsCost(columns, np.arange(columns, dtype=np.int32), np.zeros(columns))
        if forced is not None:
            self.highs.changeColBounds(forced, 1.0, 1.0)

    def _restore(self, forced: int | None) -> None:
        if forced is not None:
            self.highs.changeColBounds(forced, 0.0, 1.0)
        count = len(self.row_lower)
        if count:
            self.highs.changeRowsBounds(count, np.arange(self.first_constraint_row, self.first_constraint_row + count,
                                                         dtype=np.int32), self.row_lower, self.row_upper)

    def feasible(self, active, forced: int | None = None) -> bool:
        """Whether a package satisfies the constraints indexed by `active` (the others switched off)
        and, when `forced` is given, contains that option."""
        self._activate(active, forced)
        try:
            return self.solve()
        finally:
            self._restore(forced)

    def infeasible_subset(self, active, forced: int | None = None) -> list[int] | None:
        """Constraints of `active` that admit no package together (with `forced`), read off a Farkas
        certificate of the LP relaxation: the rows its dual ray combines. None when the relaxation
        is feasible (the constraints exclude only integer packages) or gives no certificate."""
        n = self.n
        self._activate(active, forced)
        self.highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kContinuous))
        # Presolve can prove infeasibility without a certificate; the plain simplex always leaves one.
        self.highs.setOptionValue("presolve", "off")
        try:
            if self.solve():
                return None
            _, has_ray, ray = self.highs.getDualRay()
            if not has_ray:
                return None
            rows = np.flatnonzero(np.abs(np.asarray(ray)) > 1e-9)
            owners = {int(row): c for c in active for row in self.rows[c]}
            return sorted({owners[int(row)] for row in rows if int(row) in owners})
        finally:
            self.highs.setOptionValue("presolve", "choose")
            self.highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger))
            self._restore(forced)



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
