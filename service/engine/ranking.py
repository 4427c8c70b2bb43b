"""Rank options and packages against a user's priorities and explain the result (DESIGN.md §5).

`RankingRequest.from_fields` checks a request against a model (ids it names,
priorities); `rank` computes the response. Both are plain Python: the API, the
CLI and the tests call them alike.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from models.domain import STATUS_QUO, Constraint, DecisionModel, EffectOverride, Profile
from models.loader import canonical_json, constraint_from_fields
from models.validation import Problem, check_constraint_references
from service.engine import ENGINE_VERSION
from service.engine.constraints import SourcedConstraint, sourced_constraints
from service.engine.cost import require_solves
from service.engine.errors import InfeasibleConstraints, RequestInvalid
from service.engine.optimizer import PackageProgram
from service.engine.ordering import ranked
from service.engine.packages import ENUMERATION_LIMIT, EnumeratedSpace, PackageSpace, ScoredPackage
from service.engine.performance import VALUE_SCALE, PerformanceTable, performance_table
from service.engine.priorities import normalized_weights, rank_order_centroid_weights
from service.engine.settings import DEFAULT_K, SolverSettings

MAX_EXPLAINED_BY_MILP = 20


@dataclass(frozen=True)
class RankingRequest:
    """A checked ranking request: weights normalized, scenario resolved, constraints typed."""

    weights: dict[str, float]
    scenario: str | None
    score_case: str = "likely"
    constraints: tuple[Constraint, ...] = ()
    k: int = DEFAULT_K
    warnings: tuple[str, ...] = field(default=(), compare=False)
    profile: str | None = None  # the profile the priorities came from (DESIGN.md §8.1)
    effect_overrides: tuple[EffectOverride, ...] = ()  # the profile's: applied to the model when ranking

    @classmethod
    def from_fields(cls, model: DecisionModel, fields: dict) -> RankingRequest:
        """Check a loaded request (see `service.schemas.rankings`) against the model.

        Raises `RequestInvalid` with a pointer for each problem found.
        """
        problems: list[Problem] = []
        scenario = resolve_scenario(model, fields.get("scenario"), problems)
        constraints = check_request_constraints(model, fields.get("constraints", []), problems)
        score_case = fields.get("score_case", "likely")
        weights, warnings, profile = {}, [], None
        try:
            fields, profile = with_profile_priorities(model, fields, exclusive=True)
            weights, warnings = priorities_from_fields(model, fields)
        except RequestInvalid as error:
            problems.extend(error.problems)
        if problems:
            raise RequestInvalid(problems)
        overrides = profile.effect_overrides if profile else ()
        if overrides:
            warnings = list(warnings) + [overrides_warning(model, profile.id, overrides, score_case)]
        return cls(weights=weights, scenario=scenario, score_case=score_case,
                   constraints=tuple(constraints), k=fields.get("k", DEFAULT_K), warnings=tuple(warnings),
                   profile=profile.id if profile else None, effect_overrides=overrides)

    def canonical(self, model: DecisionModel) -> dict:
        # Rounded so that equal priorities written differently (2:1 or 4:2) hash alike.
        weights = {c: round(w, 12) for c, w in self.weights.items()}
        canonical = {"model": model.id, "model_version": model.version, "weights": weights,
                     "scenario": self.scenario, "score_case": self.score_case,
                     "constraints": [c.to_document() for c in self.constraints], "k": self.k}
        if self.profile is not None:  # only then, so that hashes of requests without a profile stay as they were
            canonical["profile"] = self.profile
            canonical["effect_overrides"] = [[o.option, o.criterion, o.likely] for o in self.effect_overrides]
        return canonical


PRIORITY_FIELDS = ("weights", "priority_order", "profile")


def with_profile_priorities(model: DecisionModel, fields: dict, *, exclusive: bool) -> tuple[dict, Profile | None]:
    """The request's fields with a named profile's priorities in place of `profile` (DESIGN.md §8.1).

    With `exclusive` (rankings, robustness) a profile cannot come with `weights` or
    `priority_order`; otherwise (a workshop participant starting from a profile) the
    participant's own priorities, when given, take the place of the profile's.
    Raises `RequestInvalid` with pointer /profile for a profile the model lacks.
    """
    if "profile" not in fields:
        return fields, None
    profile_id = fields["profile"]
    try:
        profile = model.profile(profile_id)
    except KeyError:
        known = ", ".join(p.id for p in model.profiles) or "none"
        raise RequestInvalid([Problem("/profile", f"Unknown profile '{profile_id}' (this model's profiles: {known}).")]) from None
    own = [name for name in ("weights", "priority_order") if name in fields]
    if exclusive and own:
        raise RequestInvalid([Problem("", f"Give exactly one of {', '.join(map(repr, PRIORITY_FIELDS))}: "
                                          f"the profile brings its own priorities.")])
    resolved = {name: value for name, value in fields.items() if name != "profile"}
    if not own:
        resolved.update(profile.priority_fields())
    return resolved, profile


def overrides_warning(model: DecisionModel, profile_id: str, overrides, score_case: str) -> str:
    moved = "; ".join(f"{o.option} on {o.criterion} {model.effect(o.option, o.criterion).likely:g} -> {o.likely:g}"
                      for o in overrides)
    text = f"Profile '{profile_id}' moves the most likely value of {len(overrides)} effects: {moved}."
    if score_case != "likely":
        text += f" Overrides move most likely values only: the '{score_case}' score case uses the model's own values."
    return text


def priorities_from_fields(model: DecisionModel, fields: dict) -> tuple[dict[str, float], list[str]]:
    has_weights, has_order = "weights" in fields, "priority_order" in fields
    if has_weights == has_order:
        raise RequestInvalid([Problem("", f"Give exactly one of {', '.join(map(repr, PRIORITY_FIELDS))}.")])
    if has_weights:
        return normalized_weights(model.criterion_ids, fields["weights"])
    return rank_order_centroid_weights(model.criterion_ids, fields["priority_order"])


def resolve_scenario(model: DecisionModel, scenario_id: str | None, problems: list[Problem]) -> str | None:
    if scenario_id is None:
        default = model.default_scenario
        return default.id if default else None
    if scenario_id not in {s.id for s in model.scenarios}:
        problems.append(Problem("/scenario", f"Unknown scenario '{scenario_id}'."))
        return None
    return scenario_id


def check_request_constraints(model: DecisionModel, constraints: list[dict], problems: list[Problem]) -> list[Constraint]:
    options, criteria = set(model.option_ids), set(model.criterion_ids)
    for index, constraint in enumerate(constraints):
        check_constraint_references(constraint, options, criteria,
                                    lambda sub, detail, i=index: problems.append(Problem(f"/constraints/{i}{sub}", detail)))
    return [constraint_from_fields(c) for c in constraints]


def input_sha256(model: DecisionModel, canonical_request: dict) -> str:
    """SHA-256 over canonical JSON of the model version and the normalized request."""
    return hashlib.sha256(canonical_json(canonical_request).encode()).hexdigest()


_ENUMERATED_SPACES: dict[tuple, EnumeratedSpace] = {}
_MAX_CACHED_SPACES = 1024


def _constraints_key(constraints: list[SourcedConstraint]) -> tuple:
    return tuple((c.constraint, tuple(sorted(c.source.items()))) for c in constraints)


def package_space(table: PerformanceTable, constraints: list[SourcedConstraint], settings: SolverSettings,
                  method: str = "auto") -> PackageSpace:
    """The exact search for packages: enumeration while small, the MILP beyond (or as asked).

    Enumerated spaces depend on the table and the constraints only, not on the weights,
    so one is kept per (table, constraints): a workshop moving sliders re-ranks with a
    matrix product. Tables are cached and immutable, so their identity is part of the key.
    """
    if method == "enumeration" or (method == "auto" and len(table.option_ids) <= ENUMERATION_LIMIT):
        key = (id(table), _constraints_key(constraints))
        cached = _ENUMERATED_SPACES.get(key)
        if cached is None or cached.table is not table:
            if len(_ENUMERATED_SPACES) >= _MAX_CACHED_SPACES:
                _ENUMERATED_SPACES.clear()
            cached = _ENUMERATED_SPACES[key] = EnumeratedSpace(table, constraints)
        return cached
    return PackageProgram(table, constraints, settings)


@dataclass(frozen=True)
class Ranked:
    """A ranking with what it was computed from, for analyses that build on it (robustness)."""

    document: dict  # the response of DESIGN.md §5
    table: PerformanceTable
    constraints: list[SourcedConstraint]
    space: PackageSpace
    packages: list[tuple[int, ScoredPackage]]


def rank(model: DecisionModel, request: RankingRequest, settings: SolverSettings = SolverSettings(),
         method: str = "auto") -> dict:
    """The ranking of DESIGN.md §5 as a JSON-ready dict.

    Raises `InfeasibleConstraints` (with a minimal conflict) when no package is
    feasible, `SolverTimeLimit` when the MILP cannot prove optimality in time.
    """
    return ranking(model, request, settings, method).document


def ranking(model: DecisionModel, request: RankingRequest, settings: SolverSettings = SolverSettings(),
            method: str = "auto", *, explain: bool = True) -> Ranked:
    """`rank`, keeping the table, constraints, package space and packages. `explain=False` is for
    analyses that only read the ranks and values: no explanations, no contributions, no input hash."""
    model = model.with_effect_overrides(request.effect_overrides)
    table = performance_table(model, request.scenario, request.score_case)
    weights = np.array([request.weights[c] for c in table.criterion_ids])
    constraints = sourced_constraints(model, request.scenario, list(request.constraints))
    space = package_space(table, constraints, settings, method)

    packages = space.best(weights, request.k)
    if not packages:
        conflict = space.minimal_conflict()
        raise InfeasibleConstraints([c.source for c in conflict],
                                    "No package satisfies these constraints together: "
                                    + "; ".join(c.describe() for c in conflict) + ".")
    excluded = excluded_options(model, request.scenario, constraints)
    best = packages[0][1]
    explained, unexplained = explained_options(table, space, weights, best) if explain else ([], 0)
    warnings = list(request.warnings)
    if unexplained:
        warnings.append(f"Explanations cover the {len(explained)} options with the highest value on their own; "
                        f"{unexplained} other options are not explained (limit {MAX_EXPLAINED_BY_MILP} for large models).")
    document = {
        "model": {"id": model.id, "version": model.version},
        "profile": request.profile,
        "scenario": request.scenario,
        "score_case": request.score_case,
        "weights": dict(request.weights),
        "options": option_ranking(model, table, weights, excluded, with_contributions=explain),
        "packages": [package_document(rank_, package, table, weights) if explain else
                     {"rank": rank_, "options": list(package.options), "value": package.value}
                     for rank_, package in packages],
        "excluded": [{"option": option, "reasons": reasons} for option, reasons in excluded.items()],
        "explanations": explanations(table, space, weights, best, explained, settings),
        "warnings": warnings,
        "provenance": {
            "model_version": model.version,
            "input_sha256": input_sha256(model, request.canonical(model)) if explain else None,
            "solver": describe_method(space.method, settings),
            "method": space.method,
            "engine_version": ENGINE_VERSION,
            "seed": None,
        },
    }
    return Ranked(document, table, constraints, space, packages)


_SOLVER_DESCRIPTION: dict[str, str] = {}
# In the API's provenance (language-neutral, DESIGN.md §8.2); a brief shows it translated.
ENUMERATION_DESCRIPTION = "exact enumeration of every package (numpy)"


def describe_method(method: str, settings: SolverSettings) -> str:
    if method == "enumeration":
        return ENUMERATION_DESCRIPTION
    if "milp" not in _SOLVER_DESCRIPTION:
        _SOLVER_DESCRIPTION["milp"] = settings.describe()
    return _SOLVER_DESCRIPTION["milp"]


def excluded_options(model: DecisionModel, scenario_id: str | None, constraints: list[SourcedConstraint]) -> dict[str, list[str]]:
    """Options left out of the options ranking, each with every reason (DESIGN.md §7)."""
    reasons: dict[str, list[str]] = {}
    for item in constraints:
        if item.constraint.type != "exclude":
            continue
        for option in item.constraint.options:
            if item.source["source"] == "scenario":
                text = f"unavailable in scenario '{scenario_id}'"
            else:
                text = f"excluded by {item.describe().split(':')[0]}"
            reasons.setdefault(option, []).append(text)
    return {option: reasons[option] for option in model.option_ids if option in reasons}


def contributions(performance: np.ndarray, weights: np.ndarray, criterion_ids) -> dict[str, float]:
    # "+ 0.0" turns -0.0 into 0.0 so JSON never shows "-0.0".
    return {c: float(w * p) / VALUE_SCALE + 0.0 for c, w, p in zip(criterion_ids, weights, performance)}


def option_ranking(model: DecisionModel, table: PerformanceTable, weights: np.ndarray, excluded,
                   with_contributions: bool = True) -> list[dict]:
    """Each option on its own (status quo included), ranked; `excluded` options left out."""
    index = table.option_index
    entries = []
    for option in model.option_ids:
        if option in excluded:
            continue
        effects = table.effects[index[option]] if option != STATUS_QUO else np.zeros(len(weights))
        entries.append((option, float(effects @ weights) / VALUE_SCALE, effects))
    ordered = ranked(entries, value=lambda e: e[1], members=lambda e: () if e[0] == STATUS_QUO else (e[0],))
    if not with_contributions:
        return [{"option": option, "rank": rank_, "value": value} for rank_, (option, value, _) in ordered]
    return [{"rank": rank_, "option": option, "value": value, "available": True,
             "contributions": contributions(effects, weights, table.criterion_ids)}
            for rank_, (option, value, effects) in ordered]


def package_document(rank_: int, package: ScoredPackage, table: PerformanceTable, weights: np.ndarray) -> dict:
    return {"rank": rank_, "options": list(package.options), "value": package.value,
            "performance": {c: float(p) for c, p in zip(table.criterion_ids, package.performance)},
            "contributions": contributions(package.performance, weights, table.criterion_ids)}


def explained_options(table: PerformanceTable, space, weights: np.ndarray, best: ScoredPackage) -> tuple[list[int], int]:
    """Which options to explain, and how many were left out.

    Every option not in the best package while packages are enumerated; beyond that
    each explanation is a MILP solve, so at most MAX_EXPLAINED_BY_MILP, those with the
    highest value on their own (the ones a reader asks about first).
    """
    candidates = [i for i, option in enumerate(table.option_ids) if option not in best.options]
    if space.method == "enumeration" or len(candidates) <= MAX_EXPLAINED_BY_MILP:
        return candidates, 0
    single_values = table.effects[candidates] @ weights
    chosen = sorted(np.argsort(-single_values, kind="stable")[:MAX_EXPLAINED_BY_MILP])
    return [candidates[i] for i in chosen], len(candidates) - MAX_EXPLAINED_BY_MILP


def explanations(table, space, weights, best: ScoredPackage, explained: list[int], settings: SolverSettings) -> list[dict]:
    """For each explained option: the best package with it and the value it costs,
    or the minimal set of constraints that keeps it out of every package."""
    if space.method == "milp":
        require_solves(settings, len(explained), space.model.seconds_per_solve, "Explaining the ranking")
    result = []
    for option_index in explained:
        settings.check_time()
        option = table.option_ids[option_index]
        with_it = space.best_containing(weights, option_index)
        if with_it is not None:
            result.append({"option": option, "best_package_with_it": list(with_it.options),
                           "value_loss": best.value - with_it.value, "reasons": [], "conflict": []})
            continue
        conflict = space.forbidding_conflicts.get(option_index)
        if conflict is None:
            # Which constraints keep the option out depends on the constraints alone, not the weights.
            conflict = space.forbidding_conflicts[option_index] = space.minimal_conflict(forced=option_index)
        result.append({"option": option, "best_package_with_it": None, "value_loss": None,
                       "reasons": [c.describe() for c in conflict],
                       "conflict": [c.source for c in conflict]})
    return result
