"""How sure the ranking is, and what would overturn it (DESIGN.md §5.1).

`RobustnessRequest.from_fields` checks a request against a model; `analyse` computes
the six parts of the response, each in its own module:

1. weight stability intervals, exact (`stability`);
2. necessary and possible preference between options and between the leading packages,
   by LPs over the admissible weights (`preference`);
3. the range of ranks of each option, exact (`preference`);
4. SMAA rank acceptabilities (`smaa`, weights from `weight_space`);
5. the ranking in every scenario and the minimax-regret package (`scenarios`);
6. verdicts in plain sentences (`verdicts`).

Priorities: any of `weights`, `priority_order` and `weight_intervals`, at least one; or a
`profile` of the model (DESIGN.md §8.1), which stands for its weights or order (and may
come with intervals) and whose effect overrides apply to every part of the analysis.
The admissible weights are the simplex cut by the intervals and by the order
(w_a >= w_b, tied criteria equal); with weights alone they are the whole simplex.
The *point estimate* used for the stability intervals, the leading packages, the
scenario sweep and the regrets is, in this order: the given `weights` (which must be
admissible); else the rank-order-centroid weights of `priority_order` when they are
admissible; else the mean of the 2n weight vectors that minimize and maximize each
weight over the admissible set (`weight_space.extreme_mean`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import ThreadpoolController

from models.domain import SCORE_CASES, STATUS_QUO, DecisionModel
from models.validation import Problem
from service.engine import ENGINE_VERSION
from service.engine.errors import RequestInvalid
from service.engine.cost import MAX_COMPARED, OBSERVED_SAMPLES, SmaaSize, check_samples, require_solves
from service.engine.linear_programs import WeightProgram
from service.engine.performance import performance_table
from service.engine.settings import DEFAULT_SAMPLES, DEFAULT_SEED, SolverSettings
from service.engine.priorities import normalized_weights, rank_order_centroid_weights
from service.engine.ranking import (DEFAULT_K, RankingRequest, check_request_constraints, describe_method,
                                    input_sha256, overrides_warning, ranking, resolve_scenario,
                                    with_profile_priorities)
from service.engine.robustness.preference import (box_bounds, difference_extremes, neighbourhood_extremes,
                                                  pairwise_documents, rank_ranges)
from service.engine.robustness.scenarios import scenario_sweep
from service.engine.robustness.smaa import Acceptability, CandidateSet, UncertainEffects, smaa
from service.engine.robustness.stability import Candidate, leader_among, stability_intervals
from service.engine.robustness.verdicts import verdicts
from service.engine.robustness.weight_space import (AdmissibleWeights, Neighbourhood, admissible_weights,
                                                    extreme_mean, sample_weights)

PACKAGE_NOTE = ("Package acceptability ranks only the packages listed here (the best of the point ranking) "
                "among themselves in each sample, not among every feasible package.")
NEIGHBOURHOOD_WARNING = ("Only exact weights were given: how sure the ranking is is measured on the weights near them, "
                         "each weight times a factor between 0.75 and 1.25, renormalized (preference relations, rank "
                         "ranges and SMAA). Give weight_intervals or priority_order to say how far they may move.")


@dataclass(frozen=True)
class RobustnessRequest:
    """A checked robustness request: point weights, admissible weights, sampling settings."""

    ranking: RankingRequest
    admissible: AdmissibleWeights | Neighbourhood
    weights_source: str  # "weights" | "priority_order" | "admissible-centre"
    samples: int = DEFAULT_SAMPLES
    seed: int = DEFAULT_SEED
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_fields(cls, model: DecisionModel, fields: dict,
                    settings: SolverSettings = SolverSettings()) -> RobustnessRequest:
        """Check a loaded request (see `service.schemas.robustness`) against the model.

        Raises `RequestInvalid` with a pointer for each problem, and, when the intervals
        and the order admit no weight vector, naming a minimal set of conflicting bounds.
        """
        if not any(name in fields for name in ("weights", "priority_order", "weight_intervals", "profile")):
            raise RequestInvalid([Problem("", "Give at least one of 'weights', 'priority_order', 'weight_intervals' "
                                              "or 'profile'.")])
        problems: list[Problem] = []
        scenario = resolve_scenario(model, fields.get("scenario"), problems)
        constraints = check_request_constraints(model, fields.get("constraints", []), problems)
        profile = None
        try:
            fields, profile = with_profile_priorities(model, fields, exclusive=True)
        except RequestInvalid as error:
            problems.extend(error.problems)
        given, order_weights, warnings, order_warnings = None, None, [], []
        for name, derive in (("weights", normalized_weights), ("priority_order", rank_order_centroid_weights)):
            if name not in fields:
                continue
            try:
                derived, derived_warnings = derive(model.criterion_ids, fields[name])
            except RequestInvalid as error:
                problems.extend(error.problems)
                continue
            if name == "weights":
                given, warnings = derived, derived_warnings
            else:
                order_weights, order_warnings = derived, derived_warnings
        if problems:
            raise RequestInvalid(problems)
        ids = model.criterion_ids
        if given is not None and "weight_intervals" not in fields and "priority_order" not in fields:
            admissible = Neighbourhood(ids, np.array([given[c] for c in ids]))
            warnings = list(warnings) + [NEIGHBOURHOOD_WARNING]
        else:
            admissible, admissible_warnings = admissible_weights(ids, fields.get("weight_intervals"),
                                                                 fields.get("priority_order"))
            warnings = list(warnings) + admissible_warnings
        if given is not None:
            vector = np.array([given[c] for c in ids])
            if not admissible.contains(vector):
                raise RequestInvalid(_outside_problems(admissible, vector))
            source = "weights"
        elif order_weights is not None and admissible.contains(np.array([order_weights[c] for c in ids])):
            vector, source = np.array([order_weights[c] for c in ids]), "priority_order"
            if not admissible.unnamed:
                warnings += order_warnings
        else:
            vector = extreme_mean(admissible, WeightProgram(admissible.rows(), settings))
            source = "admissible-centre"
            if order_weights is not None:
                warnings.append("The rank-order-centroid weights of priority_order lie outside weight_intervals; "
                                "the point estimate is the centre of the admissible weights instead.")
        score_case = fields.get("score_case", "likely")
        overrides = profile.effect_overrides if profile else ()
        if overrides:
            warnings.append(overrides_warning(model, profile.id, overrides, score_case))
        ranking = RankingRequest(weights={c: float(w) for c, w in zip(ids, vector)}, scenario=scenario,
                                 score_case=score_case, constraints=tuple(constraints),
                                 k=fields.get("k", DEFAULT_K), warnings=tuple(warnings),
                                 profile=profile.id if profile else None, effect_overrides=overrides)
        request = cls(ranking=ranking, admissible=admissible, weights_source=source,
                      samples=fields.get("samples", DEFAULT_SAMPLES), seed=fields.get("seed", DEFAULT_SEED),
                      warnings=tuple(warnings))
        check_samples(request.smaa_size(model), settings.time_limit_seconds)
        return request

    def smaa_size(self, model: DecisionModel) -> SmaaSize:
        """The SMAA's sizes, before the packages are known: every interaction counted as used."""
        tables = [performance_table(model, self.ranking.scenario, case) for case in SCORE_CASES]
        low, high = (np.vstack([t.effects, t.interaction_effects]) for t in (tables[0], tables[2]))
        spread = high > low
        options = len(model.option_ids) - len(model.scenario(self.ranking.scenario).unavailable
                                              if self.ranking.scenario else ())
        return SmaaSize(samples=self.samples, criteria=len(model.criterion_ids),
                        uncertain_effects=int(spread.sum()), used_effects=int(spread.sum()),
                        used_terms=len(low) + 1, options=options, packages=self.ranking.k)

    def canonical(self, model: DecisionModel) -> dict:
        return {**self.ranking.canonical(model), "admissible_weights": self.admissible.describe(),
                "samples": self.samples, "seed": self.seed}


def _outside_problems(admissible: AdmissibleWeights, weights: np.ndarray) -> list[Problem]:
    rows = admissible.rows()
    ids = admissible.criterion_ids
    broken = [f"w[{ids[j]}] = {weights[j]:.4g} is outside [{rows.lower[j]:g}, {rows.upper[j]:g}]"
              for j in range(len(ids)) if not rows.lower[j] - 1e-9 <= weights[j] <= rows.upper[j] + 1e-9]
    broken += [f"w[{ids[a]}] = {weights[a]:.4g} is below w[{ids[b]}] = {weights[b]:.4g}"
               for a, b in rows.at_least if weights[a] < weights[b] - 1e-9]
    broken += [f"w[{ids[a]}] = {weights[a]:.4g} differs from its tie w[{ids[b]}] = {weights[b]:.4g}"
               for a, b in rows.equal if abs(weights[a] - weights[b]) > 1e-9]
    return [Problem("/weights", "The normalized weights lie outside the admissible weights: " + "; ".join(broken) + ".")]


@functools.cache
def _thread_pools() -> ThreadpoolController:
    return ThreadpoolController()


def analyse(model: DecisionModel, request: RobustnessRequest, settings: SolverSettings = SolverSettings(),
            method: str = "auto") -> dict:
    """The robustness analysis of DESIGN.md §5.1 as a JSON-ready dict.

    Raises `InfeasibleConstraints` when no package satisfies the constraints (as the
    rankings do) and `SolverTimeLimit` when a MILP cannot prove optimality in time.
    """
    # The products here are small: a second BLAS thread only spins against HiGHS and the
    # other workers of a multi-process server (measured: a 20x slowdown on two cores).
    with _thread_pools().limit(limits=1, user_api="blas"):
        return _analyse(model, request, settings, method)


def _analyse(model: DecisionModel, request: RobustnessRequest, settings: SolverSettings, method: str) -> dict:
    model = model.with_effect_overrides(request.ranking.effect_overrides)  # a profile's beliefs, in every part
    ranked = ranking(model, request.ranking, settings, method, explain=False)
    point, table, space = ranked.document, ranked.table, ranked.space
    scenario, score_case = request.ranking.scenario, request.ranking.score_case
    criteria = table.criterion_ids
    weights = np.array([request.ranking.weights[c] for c in criteria])
    packages = [package for _, package in ranked.packages]
    if space.method == "milp":
        # At least one solve per end of each weight's path (packages' stability), one per scenario and
        # about as many again for the minimax regret across scenarios.
        scenarios = max(1, len(model.scenarios))
        require_solves(settings, 2 * len(criteria) + 2 * scenarios, space.model.seconds_per_solve,
                       "The robustness analysis")

    option_ids = [entry["option"] for entry in point["options"]]  # rank order, excluded options left out
    index = table.option_index
    options = [Candidate((0, ()) if o == STATUS_QUO else (1, (o,)), o,
                         np.zeros(len(criteria)) if o == STATUS_QUO else table.effects[index[o]]) for o in option_ids]
    package_candidates = [Candidate((len(p.options), p.options), list(p.options), p.performance) for p in packages]

    def best_package_at(at: np.ndarray) -> Candidate:
        settings.check_time()
        best = space.best(at, 1)[0][1]
        return Candidate((len(best.options), best.options), list(best.options), best.performance)

    stability = {
        "best_option": options[0].label,
        "best_package": package_candidates[0].label,
        "options": stability_intervals(leader_among(options), options[0], weights, criteria),
        "packages": stability_intervals(best_package_at, package_candidates[0], weights, criteria),
    }

    admissible = request.admissible
    rows = admissible.rows()
    option_performance = np.array([o.performance for o in options])
    package_performance = np.array([p.performance for p in package_candidates])
    compared, compared_packages = min(MAX_COMPARED, len(options)), min(MAX_COMPARED, len(package_candidates))
    if isinstance(admissible, Neighbourhood):
        def extremes_of(performance):
            return neighbourhood_extremes(admissible.centre, admissible.low, admissible.high, performance)
    else:
        program, vertices = WeightProgram(rows, settings), admissible.simplex_vertices()

        def extremes_of(performance):
            return difference_extremes(program, performance, vertices, settings)
    option_extremes = extremes_of(option_performance[:compared])
    package_extremes = extremes_of(package_performance[:compared_packages])

    seeds = np.random.SeedSequence(request.seed).spawn(2)
    weight_sample = sample_weights(admissible, request.samples, np.random.default_rng(seeds[0]), settings,
                                   key=(request.seed, request.samples))
    # The LP witnesses are vertices where ranks change, so they join the samples (the diagonal holds no witness).
    pairs = ~np.eye(compared, dtype=bool)
    observed = np.vstack([weight_sample.weights[:OBSERVED_SAMPLES], weights,
                          option_extremes[2][pairs], option_extremes[3][pairs]])
    ranges = rank_ranges(rows, option_performance, _rival_extremes(admissible, extremes_of, option_performance,
                                                                   option_extremes, compared),
                         observed, settings, columns=compared)

    effects, option_set, package_set = _smaa_inputs(model, scenario, option_ids, packages)
    draws_key = (model.id, model.version, scenario, request.seed, request.samples)
    option_acceptability, package_acceptability = smaa(effects, [option_set, package_set], weight_sample.weights,
                                                       seeds[1], settings, draws_key)

    warnings = list(request.warnings)
    if compared < len(options) or compared_packages < len(package_candidates):
        warnings.append(f"Pairwise preference and rank ranges cover the {compared} best options and the "
                        f"{compared_packages} best packages of the point ranking (at most {MAX_COMPARED} each); "
                        "SMAA covers them all.")
    analysis = {
        "model": {"id": model.id, "version": model.version},
        "profile": request.ranking.profile,
        "scenario": scenario,
        "score_case": score_case,
        "weights": dict(request.ranking.weights),
        "weights_source": request.weights_source,
        "admissible_weights": admissible.describe(),
        "weight_space": admissible.weight_space(),
        "stability": stability,
        "pairwise": pairwise_documents(option_ids[:compared], option_extremes, criteria),
        "package_pairwise": pairwise_documents([p.label for p in package_candidates[:compared_packages]],
                                               package_extremes, criteria),
        "rank_ranges": [{"option": o, "best": r["best"], "worst": r["worst"],
                         "witness_best": _by_criterion(criteria, r["best_at"]),
                         "witness_worst": _by_criterion(criteria, r["worst_at"])}
                        for o, r in zip(option_ids, ranges)],
        "smaa": {
            "samples": request.samples, "seed": request.seed,
            "weight_sampling": weight_sample.method, "acceptance_rate": weight_sample.acceptance_rate,
            "effect_sampling": "triangular(low, likely, high) per effect and interaction, scenario deltas applied, "
                               "whatever the score_case",
            "options": [{"option": o, **_acceptability_document(option_acceptability, c, criteria)}
                        for c, o in enumerate(option_ids)],
            "packages": [{"options": p.label, **_acceptability_document(package_acceptability, c, criteria)}
                         for c, p in enumerate(package_candidates)],
            "note": PACKAGE_NOTE,
        },
        "scenarios": scenario_sweep(model, request.ranking, settings, method),
        "warnings": warnings,
        "provenance": {
            "model_version": model.version,
            "input_sha256": input_sha256(model, request.canonical(model)),
            "solver": describe_method(space.method, settings) + "; weight LPs and MILPs: HiGHS via highspy",
            "method": space.method,
            "engine_version": ENGINE_VERSION,
            "seed": request.seed,
        },
    }
    analysis["verdicts"] = verdicts(model, analysis)
    return analysis


def _rival_extremes(admissible, extremes_of, performance: np.ndarray, compared_extremes, compared: int):
    """value(b) - value(a) extremes (or bounds) for every option b against each compared option a,
    for the rank ranges: exact when every option is compared or when they are cheap (a simplex's
    vertices, a neighbourhood), else bounds over the intervals alone (an order cuts the set further,
    so they are valid bounds; the rank programs are exact with any valid bounds)."""
    if compared == len(performance):
        return compared_extremes
    if isinstance(admissible, Neighbourhood) or admissible.simplex_vertices() is not None:
        return extremes_of(performance)
    rows = admissible.rows()
    lowest, highest = box_bounds(rows.lower, rows.upper, performance, compared)
    lowest[:compared, :compared], highest[:compared, :compared] = compared_extremes[0], compared_extremes[1]
    return lowest, highest


def _by_criterion(criteria, values) -> dict[str, float]:
    return {c: float(v) + 0.0 for c, v in zip(criteria, values)}


def _acceptability_document(result: Acceptability, c: int, criteria) -> dict:
    central = result.central_weights[c]
    return {"acceptability": [float(v) for v in result.acceptability[c]],
            "standard_error": [float(v) for v in result.standard_error[c]],
            "central_weights": None if central is None else _by_criterion(criteria, central),
            "confidence": result.confidence[c]}


def _smaa_inputs(model: DecisionModel, scenario, option_ids: list[str], packages):
    """Triangular estimates by value term (package options, interaction terms, status quo)
    and the composition of each ranked option and package out of those terms."""
    tables = {case: performance_table(model, scenario, case) for case in SCORE_CASES}
    table = tables["likely"]
    n, terms, criteria = len(table.option_ids), len(table.interactions), len(table.criterion_ids)

    def rows_of(case: str) -> np.ndarray:
        interactions = np.array([t.effects for t in tables[case].interactions]).reshape(terms, criteria)
        return np.vstack([tables[case].effects, interactions, np.zeros((1, criteria))])

    effects = UncertainEffects(rows_of("low"), rows_of("likely"), rows_of("high"))
    index = table.option_index
    status_quo_row = n + terms
    option_terms = [(status_quo_row,) if o == STATUS_QUO else (index[o],) for o in option_ids]
    option_keys = [(0, ()) if o == STATUS_QUO else (1, (o,)) for o in option_ids]
    package_terms = []
    for package in packages:
        members = {index[o] for o in package.options}
        both = [n + t for t, term in enumerate(table.interactions) if term.first in members and term.second in members]
        # The empty package (the status quo) is valued by the status quo's zero row.
        package_terms.append(tuple(sorted(members)) + tuple(both) or (status_quo_row,))
    package_keys = [(len(p.options), p.options) for p in packages]
    return (effects, CandidateSet(option_terms, _listing(option_keys)),
            CandidateSet(package_terms, _listing(package_keys)))


def _listing(keys: list[tuple]) -> np.ndarray:
    """Each candidate's place when listed by key (DESIGN.md §2 order among equal values)."""
    places = np.empty(len(keys), dtype=np.int64)
    places[sorted(range(len(keys)), key=lambda i: keys[i])] = np.arange(len(keys))
    return places
