"""The linear programs of the engine built in highspy directly, and the one way every solve is run.

`service.engine.optimizer` stays the only module that imports PuLP (the package program); the
weight programs here are small, solved many times or built per scenario, so each is one HiGHS
model built in a few bulk calls whose objective, bounds or active rows change between solves.
Every solve goes through `solved`: it gets only the time the request has left, and a time limit
or an unexpected status raises, never passes for an answer.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np

from models.domain import Constraint
from service.engine.constraints import linear_rows
from service.engine.errors import SolverFailure, SolverTimeLimit
from service.engine.settings import SolverSettings

INFINITY = highspy.kHighsInf
_OPTIMAL = highspy.HighsModelStatus.kOptimal
_INFEASIBLE = (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible)
_OUT_OF_TIME = (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt)


def quiet_highs() -> highspy.Highs:
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


def solved(highs: highspy.Highs, settings: SolverSettings) -> bool:
    """Run HiGHS within the time the request has left: True when optimal, False when infeasible;
    `SolverTimeLimit` when out of time, `SolverFailure` on any other status.

    HiGHS compares its `time_limit` with the run time summed over every run of one model, so
    the limit is set before each run to that sum plus the time left.
    """
    highs.setOptionValue("time_limit", highs.getRunTime() + settings.solve_time_limit())
    highs.run()
    status = highs.getModelStatus()
    if status == _OPTIMAL:
        return True
    if status in _INFEASIBLE:
        return False
    if status in _OUT_OF_TIME:
        raise SolverTimeLimit(f"HiGHS did not prove optimality within the time limit of {settings.time_limit_seconds:g} s.")
    raise SolverFailure(f"HiGHS stopped with status {highs.modelStatusToString(status)}.")


@dataclass(frozen=True)
class PolytopeRows:
    """A set of criterion weights as linear rows: `lower <= w <= upper`, `sum(w) = 1`,
    `w[a] >= w[b]` for each `(a, b)` in `at_least`, `w[a] = w[b]` for each pair in `equal`,
    and `w[a] <= ratio * w[b]` for each `(a, b, ratio)` in `ratios`."""

    lower: np.ndarray
    upper: np.ndarray
    at_least: tuple[tuple[int, int], ...] = ()
    equal: tuple[tuple[int, int], ...] = ()
    ratios: tuple[tuple[int, int, float], ...] = ()


def _highs(settings: SolverSettings, *, integer: bool = False) -> highspy.Highs:
    return configure_highs(quiet_highs(), settings, integer=integer)


def configure_highs(highs: highspy.Highs, settings: SolverSettings, *, integer: bool = False) -> highspy.Highs:
    """The engine's options on a HiGHS model: quiet, its threads, exact MIP gaps, tight tolerances."""
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", settings.threads)
    if integer:
        highs.setOptionValue("mip_rel_gap", 0.0)
        highs.setOptionValue("mip_abs_gap", 0.0)
        # Feasibility jump costs most of a small solve and finds nothing presolve does not.
        highs.setOptionValue("mip_heuristic_run_feasibility_jump", False)
        # Rank programs separate values by margins of 1e-7: rows must hold far tighter than that.
        highs.setOptionValue("mip_feasibility_tolerance", 1e-9)
        highs.setOptionValue("primal_feasibility_tolerance", 1e-9)
    return highs


def _add_row(highs: highspy.Highs, lower: float, upper: float, coefficients: dict[int, float]) -> None:
    columns = np.array(list(coefficients), dtype=np.int32)
    highs.addRow(lower, upper, len(columns), columns, np.array(list(coefficients.values()), dtype=float))


class RowBatch:
    """Rows gathered for one bulk `addRows` call (one Python call per row costs more than the solve)."""

    def __init__(self):
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.starts: list[int] = []
        self.indices: list[int] = []
        self.values: list[float] = []

    def add(self, lower: float, upper: float, coefficients: dict[int, float]) -> int:
        """Queue a row; return its position in this batch."""
        self.lower.append(lower)
        self.upper.append(upper)
        self.starts.append(len(self.indices))
        self.indices.extend(coefficients)
        self.values.extend(coefficients.values())
        return len(self.lower) - 1

    def add_to(self, highs: highspy.Highs) -> int:
        """Add the queued rows to `highs`; return the index of the first."""
        first = highs.getNumRow()
        if self.lower:
            highs.addRows(len(self.lower), np.array(self.lower, dtype=float), np.array(self.upper, dtype=float),
                          len(self.indices), np.array(self.starts, dtype=np.int32),
                          np.array(self.indices, dtype=np.int32), np.array(self.values, dtype=float))
        return first


def _add_weight_rows(highs: highspy.Highs, rows: PolytopeRows) -> int:
    """Add the weight columns (0..n-1) and the polytope's rows; return n."""
    n = len(rows.lower)
    highs.addVars(n, np.asarray(rows.lower, dtype=float), np.asarray(rows.upper, dtype=float))
    _add_row(highs, 1.0, 1.0, dict.fromkeys(range(n), 1.0))
    for a, b in rows.at_least:
        _add_row(highs, 0.0, INFINITY, {a: 1.0, b: -1.0})
    for a, b in rows.equal:
        _add_row(highs, 0.0, 0.0, {a: 1.0, b: -1.0})
    batch = RowBatch()
    for a, b, ratio in rows.ratios:
        batch.add(-INFINITY, 0.0, {a: 1.0, b: -float(ratio)})
    batch.add_to(highs)
    return n


def _clean(weights) -> np.ndarray:
    """Weights read back from HiGHS, with round-off below 1e-12 set to 0 and clipped to be >= 0."""
    weights = np.asarray(weights, dtype=float)
    weights = np.where(np.abs(weights) < 1e-12, 0.0, weights)
    return np.maximum(weights, 0.0)


class WeightProgram:
    """Linear objectives over a weight polytope: one HiGHS model, objective changed per solve."""

    def __init__(self, rows: PolytopeRows, settings: SolverSettings = SolverSettings()):
        self.settings = settings
        self.highs = _highs(settings)
        self.n = _add_weight_rows(self.highs, rows)
        self._columns = np.arange(self.n, dtype=np.int32)

    def is_feasible(self) -> bool:
        self.highs.changeColsCost(self.n, self._columns, np.zeros(self.n))
        return solved(self.highs, self.settings)

    def optimum(self, objective: np.ndarray, *, maximize: bool) -> tuple[float, np.ndarray]:
        """The extreme value of `objective @ w` over the polytope and a weight vector attaining it.

        Raises `SolverFailure` when the polytope is empty (callers check feasibility first).
        """
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize)
        self.highs.changeColsCost(self.n, self._columns, np.asarray(objective, dtype=float))
        if not solved(self.highs, self.settings):
            raise SolverFailure("The admissible weight set is empty.")
        weights = _clean(self.highs.getSolution().col_value[:self.n])
        return float(np.asarray(objective) @ weights), weights


def _counting_program(rows: PolytopeRows, count: int, settings: SolverSettings):
    """A MILP over the weight polytope with `count` binaries after the weight columns."""
    highs = _highs(settings, integer=True)
    n = _add_weight_rows(highs, rows)
    highs.addVars(count, np.zeros(count), np.ones(count))
    binaries = np.arange(n, n + count, dtype=np.int32)
    highs.changeColsIntegrality(count, binaries, np.array([highspy.HighsVarType.kInteger] * count))
    return highs, n, binaries


def fewest_beating(rows: PolytopeRows, differences: np.ndarray, largest: np.ndarray,
                   settings: SolverSettings = SolverSettings()) -> tuple[int, np.ndarray]:
    """The fewest rows of `differences` that must be positive somewhere on the polytope.

    Row b of `differences` is d_b with d_b @ w = value(b) - value(a); `largest[b] > 0` is its
    maximum over the polytope. Binary z_b may be 0 only where d_b @ w <= 0 (b does not beat a):
    minimize sum z_b s.t. d_b @ w <= largest[b] * z_b. No tolerance enters: ties count for a.
    Returns the count and a weight vector attaining it.
    """
    highs, n, binaries = _counting_program(rows, len(differences), settings)
    count = len(differences)
    for b, (difference, bound) in enumerate(zip(differences, largest)):
        _add_row(highs, -INFINITY, 0.0, {**dict(enumerate(difference)), n + b: -float(bound)})
    highs.changeColsCost(count, binaries, np.ones(count))
    if not solved(highs, settings):
        raise SolverFailure("The rank-range program has no solution although the weight set is not empty.")
    solution = highs.getSolution().col_value
    return int(round(sum(solution[n:n + count]))), _clean(solution[:n])


def most_beating(rows: PolytopeRows, differences: np.ndarray, smallest: np.ndarray, margin: float,
                 settings: SolverSettings = SolverSettings()) -> tuple[int, np.ndarray]:
    """The most rows of `differences` that can be at least `margin` at one point of the polytope.

    Binary z_b = 1 forces d_b @ w >= margin (b beats a by at least `margin`); with z_b = 0
    the row is relaxed to d_b @ w >= smallest[b], its minimum over the polytope.
    Returns the count and a weight vector attaining it.
    """
    highs, n, binaries = _counting_program(rows, len(differences), settings)
    count = len(differences)
    for b, (difference, low) in enumerate(zip(differences, smallest)):
        # d_b @ w - (margin - low) z_b >= low
        _add_row(highs, float(low), INFINITY, {**dict(enumerate(difference)), n + b: -(margin - float(low))})
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    highs.changeColsCost(count, binaries, np.ones(count))
    if not solved(highs, settings):
        raise SolverFailure("The rank-range program has no solution although the weight set is not empty.")
    solution = highs.getSolution().col_value
    return int(round(sum(solution[n:n + count]))), _clean(solution[:n])


def chebyshev_centre(equalities: np.ndarray, targets: np.ndarray, inequalities: np.ndarray, limits: np.ndarray,
                     settings: SolverSettings = SolverSettings()) -> tuple[np.ndarray, float]:
    """The centre and radius of the largest ball, within {x : equalities @ x = targets},
    inside {x : inequalities @ x <= limits} (Boyd & Vandenberghe 2004, §8.5.1).

    A radius of 0 means the set has no interior in that affine space. Raises
    `SolverFailure` when the set is empty.
    """
    highs = _highs(settings)
    n = equalities.shape[1]
    # The radius is capped at 1 (weights live in the unit simplex): when every bound has become
    # an equality no inequality limits it, and an uncapped radius would make the LP unbounded.
    highs.addVars(n + 1, np.array([-INFINITY] * n + [0.0]), np.array([INFINITY] * n + [1.0]))
    for row, target in zip(equalities, targets):
        _add_row(highs, float(target), float(target), {j: float(c) for j, c in enumerate(row) if c != 0})
    for row, limit in zip(inequalities, limits):
        coefficients = {j: float(c) for j, c in enumerate(row) if c != 0}
        coefficients[n] = float(np.linalg.norm(row))
        _add_row(highs, -INFINITY, float(limit), coefficients)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    highs.changeColCost(n, 1.0)
    if not solved(highs, settings):
        raise SolverFailure("The admissible weight set is empty.")
    solution = np.asarray(highs.getSolution().col_value)
    return solution[:n], float(solution[n])


def largest_slacks(equalities: np.ndarray, targets: np.ndarray, inequalities: np.ndarray, limits: np.ndarray,
                   settings: SolverSettings = SolverSettings()) -> np.ndarray:
    """For each inequality row i, the largest `limits[i] - inequalities[i] @ x` over the set
    (0 where the row holds with equality everywhere: an implicit equality)."""
    highs = _highs(settings)
    n = equalities.shape[1]
    highs.addVars(n, np.full(n, -INFINITY), np.full(n, INFINITY))
    for row, target in zip(equalities, targets):
        _add_row(highs, float(target), float(target), {j: float(c) for j, c in enumerate(row) if c != 0})
    for row, limit in zip(inequalities, limits):
        _add_row(highs, -INFINITY, float(limit), {j: float(c) for j, c in enumerate(row) if c != 0})
    columns = np.arange(n, dtype=np.int32)
    slacks = []
    for row, limit in zip(inequalities, limits):
        highs.changeColsCost(n, columns, np.asarray(row, dtype=float))
        if not solved(highs, settings):
            raise SolverFailure("The admissible weight set is empty.")
        slacks.append(float(limit) - float(highs.getInfo().objective_function_value))
    return np.array(slacks)


# -- packages across scenarios ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioObjective:
    """One scenario's side of the minimax-regret program.

    `option_values[i]` and `interaction_values[t]` make up value(S) in that scenario;
    `best_value` is the best value of a package feasible in it; `effects` and
    `interaction_effects` (options x criteria, terms x criteria) give perf[j](S) for its
    `min_performance` constraints; `constraints` are every constraint that must hold in it.
    """

    option_values: np.ndarray
    interaction_values: np.ndarray
    best_value: float
    effects: np.ndarray
    interaction_effects: np.ndarray
    constraints: tuple[Constraint, ...]


def minimax_regret_package(option_ids: tuple[str, ...], interaction_pairs: tuple[tuple[int, int], ...],
                           criterion_ids: tuple[str, ...], scenarios: list[ScenarioObjective],
                           settings: SolverSettings = SolverSettings()) -> tuple[list[int], float] | None:
    """The package feasible in every scenario with the smallest maximum regret, by a MILP.

    Binary x_i per option, y_t = x_a AND x_b per interaction (exact linearization) and a free r:
    minimize r s.t. r >= best_s - value_s(x, y) for every scenario s, and every scenario's
    constraints hold. Returns the chosen option indices and r, or None when no package is
    feasible in every scenario.
    """
    highs = _highs(settings, integer=True)
    n, terms = len(option_ids), len(interaction_pairs)
    highs.addVars(n + terms, np.zeros(n + terms), np.ones(n + terms))
    highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
    regret = n + terms
    highs.addVar(-INFINITY, INFINITY)
    for t, (a, b) in enumerate(interaction_pairs):
        _add_row(highs, -INFINITY, 0.0, {n + t: 1.0, a: -1.0})
        _add_row(highs, -INFINITY, 0.0, {n + t: 1.0, b: -1.0})
        _add_row(highs, -1.0, INFINITY, {n + t: 1.0, a: -1.0, b: -1.0})
    index = {option: i for i, option in enumerate(option_ids)}
    for scenario in scenarios:
        # r + value_s(x, y) >= best_s
        coefficients = {regret: 1.0}
        coefficients.update({i: float(v) for i, v in enumerate(scenario.option_values) if v != 0})
        coefficients.update({n + t: float(v) for t, v in enumerate(scenario.interaction_values) if v != 0})
        _add_row(highs, scenario.best_value, INFINITY, coefficients)
        for constraint in scenario.constraints:
            for lower, upper, row in linear_rows(constraint, index, scenario.effects, scenario.interaction_effects, criterion_ids):
                _add_row(highs, lower, upper, row)
    highs.changeColCost(regret, 1.0)
    if not solved(highs, settings):
        return None
    solution = highs.getSolution().col_value
    return [i for i in range(n) if solution[i] > 0.5], float(solution[regret])
