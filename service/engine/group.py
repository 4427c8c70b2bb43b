"""Group analysis for scenario workshops (DESIGN.md §5.2, §7): plain Python, no Flask.

Each participant has normalized weights and may move the most likely value of
some effects within the model's low..high range (`EffectOverride`). From these
`group_results` computes each participant's ranking, the group ranking (mean of
normalized weights, and a Borda count over the individual package rankings),
the consensus (Kendall's W over the option rankings), the most contested
criteria, and the compromise package that minimizes the largest regret.

All participants choose among the same packages: those feasible under the
workshop's constraints evaluated with the model's own effects, so that a
`min_performance` constraint means the same for everyone. Overrides change
values, never feasibility.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np

from models.domain import STATUS_QUO, DecisionModel, EffectOverride
from models.validation import Problem, check_effect_overrides
from service.engine.agreement import agreement_level
from service.engine.constraints import SourcedConstraint, sourced_constraints
from service.engine.cost import require_solves
from service.engine.errors import InfeasibleConstraints, RequestInvalid
from service.engine.linear_programs import INFINITY
from service.engine.optimizer import PackageProgram
from service.engine.ordering import ranked
from service.engine.packages import ENUMERATION_LIMIT, EnumeratedSpace
from service.engine.performance import TIE_TOLERANCE, VALUE_SCALE, PerformanceTable, performance_table
from service.engine.settings import SolverSettings
from service.engine.ranking import excluded_options

# Packages listed in the Borda count (all are counted; the list is cut for the response).
BORDA_LISTED = 50
# Beyond enumeration the Borda count runs over each participant's few best packages.
BORDA_TOP_PER_PARTICIPANT = 3


@dataclass(frozen=True)
class ParticipantPriorities:
    participant_id: str
    display_name: str
    weights: dict[str, float]  # normalized to sum 1 over the model's criteria
    effect_overrides: tuple[EffectOverride, ...] = ()
    profile: str | None = None  # the profile the participant started from (DESIGN.md §8.1)
    comment: str | None = None  # their comment for the group (DESIGN.md §8.3)


def checked_effect_overrides(model: DecisionModel, overrides: list[dict]) -> tuple[EffectOverride, ...]:
    """Overrides as typed values; raise `RequestInvalid` (pointers under /effect_overrides)
    for unknown ids, the status quo, an option or criterion named twice, or a value
    outside the effect's low..high range."""
    problems = []

    def effect_range(option, criterion):
        estimate = model.effect(option, criterion)
        return estimate.low, estimate.high

    check_effect_overrides(overrides, effect_range, set(model.package_option_ids), set(model.criterion_ids),
                           lambda sub, detail: problems.append(Problem(f"/effect_overrides{sub}", detail)))
    if problems:
        raise RequestInvalid(problems)
    # `reason` is what submissions stored before DESIGN.md §8.3 named it `rationale`.
    return tuple(EffectOverride(item["option"], item["criterion"], float(item["likely"]),
                                item.get("rationale") or item.get("reason") or "") for item in overrides)


def starting_overrides(model: DecisionModel, profile_id: str | None,
                       own: tuple[EffectOverride, ...]) -> tuple[EffectOverride, ...]:
    """A participant's overrides when they start from a profile: the profile's, with the
    participant's own replacing the profile's for the cells they name (DESIGN.md §8.1)."""
    if profile_id is None:
        return own
    named = {item.cell for item in own}
    return tuple(o for o in model.profile(profile_id).effect_overrides if o.cell not in named) + own


# -- Consensus -------------------------------------------------------------------------------


def tie_group_starts(sorted_values: np.ndarray) -> np.ndarray:
    """For rows of values in descending order, where each value's tie group starts: a value
    joins the group of the first value not yet placed when within 1e-9 of it (DESIGN.md §2).
    One pass along the columns, every row at once."""
    rows, n = sorted_values.shape
    starts = np.zeros((rows, n), dtype=np.int64)
    if n == 0:
        return starts
    anchor, current = sorted_values[:, 0].copy(), np.zeros(rows, dtype=np.int64)
    for position in range(1, n):
        column = sorted_values[:, position]
        new = column < anchor - TIE_TOLERANCE
        anchor[new] = column[new]
        current[new] = position
        starts[:, position] = current
    return starts


def tied_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks 1..n by value within each row of `values` (raters, objects), highest first;
    values equal within 1e-9 share their mean rank.

    Returns the ranks and, per row, the sum of t³ − t over its tie groups of sizes t.
    """
    rows, n = values.shape
    order = np.argsort(-values, axis=1, kind="stable")
    starts = tie_group_starts(np.take_along_axis(values, order, axis=1))
    positions = np.arange(n)
    first = starts == positions
    # The end of each group is the start of the next one (n after the last).
    next_start = np.minimum.accumulate(np.where(first, positions, n)[:, ::-1], axis=1)[:, ::-1]
    next_start = np.hstack([next_start[:, 1:], np.full((rows, 1), n)])
    ends = np.take_along_axis(next_start, starts, axis=1)
    ranks = np.empty((rows, n))
    np.put_along_axis(ranks, order, (starts + 1 + ends) / 2.0, axis=1)
    sizes = np.where(first, ends - starts, 0)
    return ranks, (sizes ** 3 - sizes).sum(axis=1)


def kendall_w(scores: np.ndarray) -> float | None:
    """Kendall's coefficient of concordance with the correction for ties.

    `scores` is (raters, objects), higher is better. W = 12 S / (m²(n³ − n) − m Σ T),
    S the sum of squared deviations of the objects' rank sums from their mean and
    T = Σ (t³ − t) over each rater's tie groups (Kendall & Babington Smith 1939;
    Siegel & Castellan 1988, §9.4). None when undefined: fewer than two raters or
    objects, or every rater ties every object.
    """
    m, n = scores.shape
    if m < 2 or n < 2:
        return None
    ranks, ties = tied_ranks(scores)
    rank_sums = ranks.sum(axis=0)
    s = float(((rank_sums - rank_sums.mean()) ** 2).sum())
    denominator = m * m * (n ** 3 - n) - m * float(ties.sum())
    if denominator <= 0:
        return None
    return 12.0 * s / denominator


def contested_criteria(criterion_ids: tuple[str, ...], weights: np.ndarray) -> list[dict]:
    """Criteria by the standard deviation (population, ddof=0) across participants of their
    normalized weight, most contested first; ties keep the model's order."""
    spreads = weights.std(axis=0) if len(weights) else np.zeros(len(criterion_ids))
    means = weights.mean(axis=0) if len(weights) else np.zeros(len(criterion_ids))
    order = sorted(range(len(criterion_ids)), key=lambda j: -spreads[j])
    return [{"criterion": criterion_ids[j], "spread": float(spreads[j]), "mean_weight": float(means[j])} for j in order]


def borda_points(values: np.ndarray) -> np.ndarray:
    """Borda points of candidates (columns) over raters (rows of values, higher is better).

    With m candidates a rater gives m − position points (m − 1 to the first, 0 to the
    last); tied candidates share the mean of the points of the positions they occupy.
    """
    m = values.shape[1]
    ranks, _ = tied_ranks(values)
    return (m - ranks).sum(axis=0)


# -- The package search ------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageChoice:
    options: tuple[str, ...]
    members: frozenset[int]


class _EnumeratedGroupSpace:
    """Every feasible package and every participant's value of each (exact, small models)."""

    method = "enumeration"

    def __init__(self, base: PerformanceTable, constraints: list[SourcedConstraint], tables: list[PerformanceTable],
                 weights: np.ndarray):
        space = self.space = EnumeratedSpace(base, constraints)
        self.base = base
        self.membership = space.packages.membership[space.feasible_rows]
        base_performance = space.feasible_performance
        # (packages, participants); those without overrides share the model's table: one product.
        self.values = np.zeros((len(self.membership), len(tables)))
        own = [p for p, table in enumerate(tables) if table is not base]
        shared = [p for p, table in enumerate(tables) if table is base]
        if shared:
            self.values[:, shared] = base_performance @ weights[shared].T / VALUE_SCALE
        for p in own:
            self.values[:, p] = (base_performance + self.membership @ (tables[p].effects - base.effects)) @ weights[p] / VALUE_SCALE
        self.choices = [PackageChoice(tuple(sorted(base.option_ids[i] for i in np.flatnonzero(row))),
                                      frozenset(int(i) for i in np.flatnonzero(row))) for row in self.membership]

    def __len__(self):
        return len(self.choices)

    def bests(self) -> list[PackageChoice]:
        """Every participant's best package: among those within 1e-9 of their best value, the first
        listed (fewer options, then ids), as `_first_ranked` chooses."""
        if not self.values.shape[1]:
            return []
        places = np.empty(len(self.choices), dtype=np.int64)
        places[sorted(range(len(self.choices)), key=lambda i: (len(self.choices[i].options), self.choices[i].options))] = \
            np.arange(len(self.choices))
        near = self.values >= self.values.max(axis=0) - TIE_TOLERANCE
        chosen = np.where(near, places[:, None], len(places)).argmin(axis=0)
        return [self.choices[i] for i in chosen]

    def best_for_weights(self, weights: np.ndarray) -> PackageChoice:
        values = (self.membership @ self.base.effects + _interaction_performance(self.base, self.membership)) @ weights
        return _first_ranked(self.choices, values / VALUE_SCALE)

    def compromise(self, bests: np.ndarray) -> PackageChoice:
        worst_regret = (bests[None, :] - self.values).max(axis=1)
        return _first_ranked(self.choices, -worst_regret)

    def borda_candidates(self) -> list[PackageChoice]:
        return self.choices


def _interaction_performance(table: PerformanceTable, membership: np.ndarray) -> np.ndarray:
    extra = np.zeros((len(membership), len(table.criterion_ids)))
    for term in table.interactions:
        extra[membership[:, term.first] & membership[:, term.second]] += term.effects
    return extra


def _first_ranked(choices: list[PackageChoice], values: np.ndarray) -> PackageChoice:
    top = values.max()
    near = [(choices[i], float(values[i])) for i in np.flatnonzero(values >= top - 2 * TIE_TOLERANCE)]
    return ranked(near, value=lambda item: item[1], members=lambda item: item[0].options)[0][1][0]


class MinimaxRegretProgram:
    """The package search as a mixed-integer program in HiGHS (for models beyond enumeration).

    The package program of the workshop's constraints on the model's own effects
    (`optimizer.PackageProgram`). Participant p's value of a package is linear: c_p·x + d_p·y.
    Their best value b_p comes from maximizing it; the compromise minimizes z subject to
    z ≥ b_p − (c_p·x + d_p·y) for every p.
    """

    method = "milp"

    def __init__(self, base: PerformanceTable, constraints: list[SourcedConstraint], settings: SolverSettings):
        self.base, self.settings = base, settings
        self.space = PackageProgram(base, constraints, settings)
        self.highs, self.n, self.t = self.space.highs, self.space.model.n, self.space.model.t

    def _row(self, lower: float, upper: float, coefficients: dict[int, float]) -> int:
        columns = np.array(list(coefficients), dtype=np.int32)
        self.highs.addRow(lower, upper, len(columns), columns, np.array(list(coefficients.values()), dtype=float))
        return self.highs.getNumRow() - 1

    @staticmethod
    def value_costs(table: PerformanceTable, weights: np.ndarray) -> np.ndarray:
        """The objective coefficients of one participant's value over the x and y columns."""
        return np.concatenate([table.effects @ weights, table.interaction_effects @ weights]) / VALUE_SCALE

    def _solve(self, costs: np.ndarray, sense) -> frozenset[int] | None:
        columns = self.highs.getNumCol()
        full = np.zeros(columns)
        full[:len(costs)] = costs
        if len(costs) < columns:
            full[len(costs):] = 1.0  # the regret column z, when present
        self.highs.changeObjectiveSense(sense)
        self.highs.changeColsCost(columns, np.arange(columns, dtype=np.int32), full)
        if not self.space.model.solve():
            return None
        values = self.highs.getSolution().col_value
        return frozenset(i for i in range(self.n) if values[i] > 0.5)

    def choice(self, members: frozenset[int]) -> PackageChoice:
        return PackageChoice(tuple(sorted(self.base.option_ids[i] for i in members)), members)

    def best_packages(self, costs: np.ndarray, k: int) -> list[PackageChoice]:
        """The k best packages for one objective, by re-solving with no-good cuts."""
        found, cuts = [], []
        try:
            while len(found) < k:
                members = self._solve(costs, highspy.ObjSense.kMaximize)
                if members is None:
                    break
                found.append(self.choice(members))
                coefficients = {i: (-1.0 if i in members else 1.0) for i in range(self.n)}
                cuts.append(self._row(1.0 - len(members), INFINITY, coefficients))
        finally:
            if cuts:
                self.highs.deleteRows(len(cuts), np.array(cuts, dtype=np.int32))
        return found

    def compromise(self, costs_by_participant: list[np.ndarray], bests: np.ndarray) -> PackageChoice:
        z = self.highs.getNumCol()
        self.highs.addVar(-INFINITY, INFINITY)
        rows = [self._row(float(best), INFINITY,
                          {**{c: float(v) for c, v in enumerate(costs) if v != 0}, z: 1.0})
                for costs, best in zip(costs_by_participant, bests)]
        try:
            members = self._solve(np.zeros(self.n + self.t), highspy.ObjSense.kMinimize)
        finally:
            self.highs.deleteRows(len(rows), np.array(rows, dtype=np.int32))
            self.highs.deleteCols(1, np.array([z], dtype=np.int32))
        return self.choice(members)


# -- Results ------------------------------------------------------------------------------------


def group_results(model: DecisionModel, scenario_id: str | None, request_constraints: list,
                  participants: list[ParticipantPriorities], settings: SolverSettings = SolverSettings(),
                  method: str = "auto") -> dict:
    """The analysis of DESIGN.md §5.2 (without `round`, which the caller knows) as a JSON-ready dict.

    `method` is "enumeration", "milp" or "auto" (enumeration up to ENUMERATION_LIMIT options).
    Raises `InfeasibleConstraints` when no package satisfies the constraints, and the
    solver errors of `service.engine.errors`.
    """
    base = performance_table(model, scenario_id, "likely")
    constraints = sourced_constraints(model, scenario_id, list(request_constraints))
    excluded = excluded_options(model, scenario_id, constraints)
    criteria = base.criterion_ids
    # Each participant ranks the model as they see it (DESIGN.md §7): the one override mechanism.
    tables = [performance_table(model.with_effect_overrides(p.effect_overrides), scenario_id, "likely")
              for p in participants]
    weights = np.array([[p.weights.get(c, 0.0) for c in criteria] for p in participants]).reshape(len(participants), len(criteria))

    enumerate_all = method == "enumeration" or (method == "auto" and len(base.option_ids) <= ENUMERATION_LIMIT)
    if enumerate_all:
        space = _EnumeratedGroupSpace(base, constraints, tables, weights)
        if not len(space):
            _raise_infeasible(space.space)
        bests = space.bests()
    else:
        space = MinimaxRegretProgram(base, constraints, settings)
        if not space.best_packages(np.zeros(space.n + space.t), 1):
            _raise_infeasible(space.space)
        costs = [space.value_costs(table, w) for table, w in zip(tables, weights)]
        tops = []
        for number, participant_costs in enumerate(costs):
            settings.check_time()
            tops.append(space.best_packages(participant_costs, BORDA_TOP_PER_PARTICIPANT))
            if number == 0:
                # Each participant's best packages, then the group's best and the compromise.
                require_solves(settings, BORDA_TOP_PER_PARTICIPANT * (len(costs) - 1) + 2,
                               space.space.model.seconds_per_solve, "The workshop's results")
        bests = [top[0] for top in tops]

    performances: dict[tuple, np.ndarray] = {}

    def value(p: int, choice: PackageChoice) -> float:
        # Recomputed from the participant's table so both search methods report identical numbers;
        # participants without overrides share the model's table, so each package is summed once.
        key = (id(tables[p]), choice.members)
        if key not in performances:
            performances[key] = tables[p].package_performance(set(choice.members))
        return float(performances[key] @ weights[p]) / VALUE_SCALE

    best_values = np.array([value(p, bests[p]) for p in range(len(participants))])
    group_weights = weights.mean(axis=0) if len(participants) else np.zeros(len(criteria))

    listed, option_values = _option_values(model, base, tables, weights, excluded)
    rankings = _option_rankings(listed, option_values)
    result = {
        "scenario": scenario_id,
        "method": space.method,
        "participants": [
            {"participant_id": p.participant_id, "display_name": p.display_name, "profile": p.profile,
             "weights": dict(zip(criteria, map(float, weights[i]))),
             "effect_overrides": [_override_document(o) for o in p.effect_overrides],
             "best_package": list(bests[i].options), "best_value": float(best_values[i]),
             "options": rankings[i], "comment": p.comment}
            for i, p in enumerate(participants)
        ],
        "group": None,
        "consensus": {"kendall_w": None, "raters": len(participants), "options": 0, "agreement": None},
        "contested_criteria": contested_criteria(criteria, weights),
        "compromise": None,
    }
    if not participants:
        return result

    group_options = _option_rankings(*_option_values(model, base, [base], group_weights[None, :], excluded))[0]
    group_best = space.best_for_weights(group_weights) if enumerate_all else \
        space.best_packages(space.value_costs(base, group_weights), 1)[0]
    if enumerate_all:
        candidates = space.borda_candidates()
        candidate_values = space.values.T
    else:
        seen = {}
        for choice in [c for top in tops for c in top] + [group_best]:
            seen.setdefault(choice.options, choice)
        candidates = list(seen.values())
        candidate_values = np.array([[value(p, c) for c in candidates] for p in range(len(participants))])
    points = borda_points(candidate_values)
    borda = ranked(list(zip(candidates, points)), value=lambda item: float(item[1]), members=lambda item: item[0].options)
    result["group"] = {
        "weights": dict(zip(criteria, map(float, group_weights))),
        "options": group_options,
        "best_package": list(group_best.options),
        "borda": [{"rank": r, "package": list(c.options), "points": float(pts)} for r, (c, pts) in borda[:BORDA_LISTED]],
        "borda_candidates": len(candidates),
        "borda_over": "every feasible package" if enumerate_all else
                      f"each participant's {BORDA_TOP_PER_PARTICIPANT} best packages and the group's best",
    }
    column = {option: c for c, option in enumerate(listed)}
    option_order = [entry["option"] for entry in group_options]
    option_scores = option_values[:, [column[o] for o in option_order]]
    concordance = kendall_w(option_scores)
    result["consensus"] = {"kendall_w": concordance, "raters": len(participants), "options": len(option_order),
                           "agreement": agreement_level(concordance)}

    if enumerate_all:
        compromise = space.compromise(np.array([space.values[:, p].max() for p in range(len(participants))]))
    else:
        compromise = space.compromise(costs, best_values)
    regrets = {p.participant_id: max(0.0, float(best_values[i] - value(i, compromise))) for i, p in enumerate(participants)}
    result["compromise"] = {"package": list(compromise.options), "max_regret": max(regrets.values()), "regrets": regrets}
    return result


def _option_values(model: DecisionModel, base: PerformanceTable, tables: list[PerformanceTable], weights: np.ndarray,
                   excluded) -> tuple[list[str], np.ndarray]:
    """The options ranked on their own (the status quo's value is 0; `excluded` left out), listed
    as DESIGN.md §2 lists equal values (status quo, then by id), and each rater's value of each:
    (options, (raters, options)). Raters who share a table are valued in one product."""
    listed = sorted((o for o in model.option_ids if o not in excluded), key=lambda o: (o != STATUS_QUO, o))
    rows = [base.option_index.get(o) for o in listed]
    present = [c for c, row in enumerate(rows) if row is not None]
    values = np.zeros((len(weights), len(listed)))
    by_table: dict[int, list[int]] = {}
    for rater, table in enumerate(tables):
        by_table.setdefault(id(table), []).append(rater)
    for raters in by_table.values():
        effects = tables[raters[0]].effects[[rows[c] for c in present]]
        values[np.ix_(raters, present)] = weights[raters] @ effects.T / VALUE_SCALE
    return listed, values


def _override_document(override: EffectOverride) -> dict:
    document = {"option": override.option, "criterion": override.criterion, "likely": override.likely}
    if override.rationale:
        document["rationale"] = override.rationale
    return document


def _option_rankings(listed: list[str], values: np.ndarray) -> list[list[dict]]:
    """`{option, rank, value}` lists in rank order, one per row of `values` (as `ranking.option_ranking`
    gives them without contributions): equal values (to 1e-9) share a rank and are listed in the
    order of `listed`."""
    m = len(listed)
    order = np.argsort(-values, axis=1, kind="stable")
    starts = tie_group_starts(np.take_along_axis(values, order, axis=1))
    # Within a tie group, listing order: sort by (group start, column), columns being in listing order.
    regroup = np.argsort(starts * m + order, axis=1, kind="stable")
    order = np.take_along_axis(order, regroup, axis=1)
    ranks = np.take_along_axis(starts, regroup, axis=1) + 1
    ordered_values = np.take_along_axis(values, order, axis=1)
    return [[{"option": listed[c], "rank": r, "value": v} for c, r, v in zip(*row)]
            for row in zip(order.tolist(), ranks.tolist(), ordered_values.tolist())]


def _raise_infeasible(space) -> None:
    conflict = space.minimal_conflict()
    raise InfeasibleConstraints([c.source for c in conflict],
                                "No package satisfies the workshop's constraints together: "
                                + "; ".join(c.describe() for c in conflict) + ".")


def round_changes(previous: dict, current: dict) -> dict:
    """What changed between two results of `group_results` (earlier first): group weights,
    consensus, the compromise, and each participant present in both rounds."""
    before = {p["participant_id"]: p for p in previous["participants"]}
    after = {p["participant_id"]: p for p in current["participants"]}
    group_before = (previous.get("group") or {}).get("weights", {})
    group_after = (current.get("group") or {}).get("weights", {})
    return {
        "group_weights": {c: group_after[c] - group_before[c] for c in group_after if c in group_before},
        "kendall_w": {"previous": previous["consensus"]["kendall_w"], "current": current["consensus"]["kendall_w"]},
        "compromise": {"previous": (previous.get("compromise") or {}).get("package"),
                       "current": (current.get("compromise") or {}).get("package")},
        "participants": [
            {"participant_id": pid,
             "weights": {c: after[pid]["weights"][c] - before[pid]["weights"][c] for c in after[pid]["weights"]},
             "best_package": {"previous": before[pid]["best_package"], "current": after[pid]["best_package"]},
             "moved": math.fsum(abs(after[pid]["weights"][c] - before[pid]["weights"][c])
                                for c in after[pid]["weights"]) / 2}
            for pid in after if pid in before
        ],
        "new_participants": [pid for pid in after if pid not in before],
        "missing_participants": [pid for pid in before if pid not in after],
    }
