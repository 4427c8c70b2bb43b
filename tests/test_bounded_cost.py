"""Bounded cost (README "Limits"): the deadline, the refusals of the cost model, and the faster
code paths against the slower ones they replaced or against independent oracles.

The worst case of each endpoint under a real gunicorn is in tests/test_worst_case_server.py.
"""

from __future__ import annotations

import copy
import itertools
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.synthetic import limits_document, synthetic_model
from models.domain import TextByLanguage
from models.loader import builtin_models, constraint_from_fields, model_from_document, model_from_stored
from service.engine.constraints import sourced_constraints
from service.engine.cost import MAX_COMPARED
from service.engine.errors import RequestInvalid, SolverTimeLimit
from service.engine.optimizer import PackageModel
from service.engine.optimizer import PackageProgram
from service.engine.packages import EnumeratedSpace
from service.engine.performance import performance_table
from service.engine.ranking import RankingRequest, rank, ranking
from service.engine.robustness import RobustnessRequest, analyse
from service.engine.robustness.analysis import _smaa_inputs
from service.engine.robustness.smaa import smaa
from service.engine.settings import Deadline, SolverSettings
from tests import smaa_reference
from tests.model_factory import model_documents
from tests.test_robustness import random_document

STABLE = settings(deadline=None, derandomize=True, database=None, max_examples=40,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DEFAULT = builtin_models()["minusma-2017"]


class SteppingClock:
    """A clock that moves `step` seconds each time it is read: deadlines without waiting."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def settings_with_deadline(seconds: float, step: float) -> SolverSettings:
    return SolverSettings(time_limit_seconds=seconds, deadline=Deadline(seconds, SteppingClock(step)))


# -- the deadline ------------------------------------------------------------------------------------


def test_a_deadline_raises_once_spent_and_refuses_work_that_cannot_fit():
    deadline = Deadline(1.0, SteppingClock(0.4))  # made at 0.4, ends at 1.4
    deadline.check()  # 0.8
    with pytest.raises(SolverTimeLimit, match="would take about 5.0 s"):
        deadline.require(5.0, "Five seconds of work")  # 1.2
    with pytest.raises(SolverTimeLimit, match="time limit of 1 s"):
        deadline.check()  # 1.6


def test_every_solve_gets_the_time_left_not_a_limit_summed_over_solves():
    # HiGHS compares its time limit with the run time summed over all runs of one model: a model
    # solved many times within one request must not run out of a limit each solve alone respects.
    model = synthetic_model(60, 10, 12, seed=4)
    table = performance_table(model, "base", "likely")
    limit = 0.02
    program = PackageProgram(table, sourced_constraints(model, "base", []), SolverSettings(time_limit_seconds=limit))
    rng = np.random.default_rng(0)
    while program.highs.getRunTime() < 5 * limit:
        assert program.best(rng.random(10), 1)
    assert program.model.solves > 5


def test_a_solve_after_the_deadline_raises_without_running():
    model = synthetic_model(30, 5, 6, seed=1)
    table = performance_table(model, "base", "likely")
    spent = SolverSettings(time_limit_seconds=1.0, deadline=Deadline(1.0, SteppingClock(2.0)))
    program = PackageProgram(table, sourced_constraints(model, "base", []), spent)
    with pytest.raises(SolverTimeLimit):
        program.best(np.ones(5), 1)
    assert program.highs.getRunTime() == 0.0


@pytest.mark.parametrize("step", [0.05, 0.2])
def test_the_robustness_analysis_stops_at_its_deadline(step):
    # Each read of the clock moves it on: the analysis must keep reading it, and stop once it is spent.
    fields = {"weights": {c: 1 for c in DEFAULT.criterion_ids}, "samples": 20000, "seed": 5}
    request = RobustnessRequest.from_fields(DEFAULT, fields)
    with pytest.raises(SolverTimeLimit):
        analyse(DEFAULT, request, settings_with_deadline(1.0, step))


# -- refusals up front ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def limits_model():
    return model_from_document(limits_document())


def test_smaa_samples_beyond_the_time_limit_are_refused_naming_the_field_and_what_fits(limits_model):
    fields = {"weights": {c: 1 for c in limits_model.criterion_ids}, "samples": 200_000}
    with pytest.raises(RequestInvalid) as refused:
        RobustnessRequest.from_fields(limits_model, fields, SolverSettings(time_limit_seconds=10))
    [problem] = refused.value.problems
    assert problem.pointer == "/samples" and "SOLVER_TIME_LIMIT_SECONDS = 10 s" in problem.detail
    fitting = int(problem.detail.split("At most ")[1].split(" samples")[0].replace(",", ""))
    assert 0 < fitting < 200_000
    # What it says fits is accepted; a shorter limit fits fewer.
    RobustnessRequest.from_fields(limits_model, {**fields, "samples": fitting}, SolverSettings(time_limit_seconds=10))
    with pytest.raises(RequestInvalid):
        RobustnessRequest.from_fields(limits_model, {**fields, "samples": fitting}, SolverSettings(time_limit_seconds=3))


def test_the_default_model_takes_every_sample_count_within_the_limits():
    fields = {"weights": {c: 1 for c in DEFAULT.criterion_ids}, "samples": 200_000}
    RobustnessRequest.from_fields(DEFAULT, fields, SolverSettings(time_limit_seconds=3))


def test_a_ranking_whose_measured_solves_cannot_fit_is_refused_before_the_limit(limits_model):
    # 50 packages need at least 50 solves: with time left for about ten, the refusal comes after the
    # first solve, not after the tenth.
    table = performance_table(limits_model, limits_model.default_scenario.id, "likely")
    probe = PackageProgram(table, sourced_constraints(limits_model, table.scenario, []), SolverSettings())
    probe.best(np.ones(len(limits_model.criterion_ids)), 1)
    budget = 10 * probe.model.seconds_per_solve
    request = RankingRequest.from_fields(limits_model, {"weights": {c: 1 for c in limits_model.criterion_ids},
                                                        "k": 50})
    with pytest.raises(SolverTimeLimit, match="50 best packages needs about 49 more package optimizations"):
        rank(limits_model, request, SolverSettings(time_limit_seconds=budget).for_request())


# -- minimal conflicts ------------------------------------------------------------------------------------


def old_deletion_filter(space: EnumeratedSpace, forced: int | None) -> list:
    """The stage-1 conflict search, kept as the oracle: drop each constraint in turn, keep it dropped
    while the rest (and the forced option) is still infeasible, testing every subset afresh."""
    packages = space.packages
    kept = list(space.constraints)
    for item in list(space.constraints):
        trial = [c for c in kept if c is not item]
        rows = np.ones(len(packages.membership), dtype=bool) if forced is None else packages.membership[:, forced].copy()
        for c in trial:
            rows &= packages.mask(c.constraint)
        if not rows.any():
            kept = trial
    return kept


@STABLE
@given(st.data())
def test_enumerated_conflicts_equal_the_deletion_filter_they_replace(data):
    document = data.draw(model_documents(min_options=3, max_options=9, max_constraints=6))
    model = model_from_document(document)
    table = performance_table(model, model.default_scenario.id if model.default_scenario else None, "likely")
    constraints = sourced_constraints(model, table.scenario, [])
    space = EnumeratedSpace(table, constraints)
    forced = data.draw(st.none() | st.integers(0, len(table.option_ids) - 1))
    rows = space.packages.membership[space.feasible_rows]
    if forced is None and len(rows) or forced is not None and rows[:, forced].any():
        return  # feasible: no conflict to look for
    assert space.minimal_conflict(forced) == old_deletion_filter(space, forced)


def test_conflicts_beyond_enumeration_are_infeasible_and_minimal():
    """Chains of `requires` cut by excluded ends, exclusivity groups, `excludes` pairs: each explained
    option's conflict is checked by plain MILP feasibility tests, without the relaxation's
    certificate that found it."""
    document = limits_document("chains", options=60, criteria=6, interactions=120, constraints=150, scenarios=3)
    model = model_from_document(document)
    options = [o["id"] for o in document["options"]]
    request_constraints = [{"type": "exclude", "options": [options[start + 9]]} for start in range(0, 60, 20)]
    fields = {"weights": {c: 1 for c in model.criterion_ids}, "constraints": request_constraints}
    result = rank(model, RankingRequest.from_fields(model, fields), SolverSettings(time_limit_seconds=60))
    table = performance_table(model, result["scenario"], "likely")
    constraints = sourced_constraints(model, result["scenario"], [constraint_from_fields(c) for c in request_constraints])
    check = PackageModel(table, [c.constraint for c in constraints], SolverSettings(time_limit_seconds=60))
    position = {json.dumps(c.source, sort_keys=True): i for i, c in enumerate(constraints)}
    explained = [e for e in result["explanations"] if e["conflict"]]
    assert explained, "the hard constraints keep some explained options out of every package"
    for entry in explained:
        forced = table.option_ids.index(entry["option"])
        conflict = [position[json.dumps(source, sort_keys=True)] for source in entry["conflict"]]
        assert not check.feasible(conflict, forced)
        for dropped in conflict:
            assert check.feasible([c for c in conflict if c != dropped], forced)


# -- SMAA: the faster implementation gives the stage-1 numbers ----------------------------------------------


def _reference_sets(option_set, package_set):
    # Stage 1 valued the empty package by a term-less row; the same zero value either way.
    status_quo_row = max(t for terms in option_set.terms for t in terms)
    return [smaa_reference.CandidateSet(option_set.terms, option_set.listing),
            smaa_reference.CandidateSet([() if terms == (status_quo_row,) else terms for terms in package_set.terms],
                                        package_set.listing)]


@pytest.mark.parametrize("seed", [7, 8, 1234])
@pytest.mark.parametrize("document", ["default", 11, 12, 13])
def test_smaa_equals_the_stage_one_implementation_for_the_same_seed(document, seed):
    model = DEFAULT if document == "default" else model_from_document(random_document(document, options=5, criteria=4))
    fields = {"priority_order": list(model.criterion_ids)[:3], "samples": 3000, "seed": seed}
    request = RobustnessRequest.from_fields(model, fields)
    point = ranking(model, request.ranking)
    options = [entry["option"] for entry in point.document["options"]]
    packages = [package for _, package in point.packages]
    effects, option_set, package_set = _smaa_inputs(model, request.ranking.scenario, options, packages)
    weights = np.random.default_rng(seed).dirichlet(np.ones(len(model.criterion_ids)), 3000)
    stream = np.random.SeedSequence(seed).spawn(2)[1]
    new = smaa(effects, [option_set, package_set], weights, stream)
    old = smaa_reference.smaa(smaa_reference.UncertainEffects(effects.low, effects.likely, effects.high),
                              _reference_sets(option_set, package_set), weights, stream)
    for mine, theirs in zip(new, old):
        assert np.array_equal(mine.acceptability, theirs.acceptability)
        assert mine.confidence == theirs.confidence
        for a, b in zip(mine.central_weights, theirs.central_weights):
            assert (a is None) == (b is None)
            if a is not None:
                assert np.allclose(a, b, rtol=0, atol=1e-12)


def test_kept_draws_give_the_same_analysis_as_fresh_ones():
    fields = {"weights": {c: i + 1 for i, c in enumerate(DEFAULT.criterion_ids)}, "samples": 4000, "seed": 99}
    request = RobustnessRequest.from_fields(DEFAULT, fields)
    first, second = analyse(DEFAULT, request), analyse(DEFAULT, request)  # the second reads kept draws
    assert first == second


# -- the neighbourhood of exact weights (DESIGN.md §8.5) -------------------------------------------------------


def first_rank_shares(fields: dict) -> dict[str, float]:
    result = analyse(DEFAULT, RobustnessRequest.from_fields(DEFAULT, {**fields, "samples": 4000}))
    return {entry["option"]: entry["acceptability"][0] for entry in result["smaa"]["options"]}


def test_two_sets_of_exact_weights_get_different_figures_of_how_sure():
    criteria = DEFAULT.criterion_ids
    equal = first_rank_shares({"weights": {c: 1 for c in criteria}})
    leaning = first_rank_shares({"weights": {c: (5 if j == 1 else 1) for j, c in enumerate(criteria)}})
    assert equal != leaning
    # The same weights written at another scale are the same weights.
    assert first_rank_shares({"weights": {c: 3 for c in criteria}}) == equal


def test_the_response_and_the_verdicts_say_which_weights_were_measured():
    result = analyse(DEFAULT, RobustnessRequest.from_fields(DEFAULT, {"weights": {"peace-process": 2,
                                                                                  "personnel-safety": 1}}))
    assert result["weight_space"]["kind"] == "neighbourhood" and result["weight_space"]["factor"] == [0.75, 1.25]
    assert any("factor between 0.75 and 1.25" in warning for warning in result["warnings"])
    assert "near these weights" in result["verdicts"][0]
    ordered = analyse(DEFAULT, RobustnessRequest.from_fields(DEFAULT, {"priority_order": ["peace-process",
                                                                                          "personnel-safety"]}))
    assert ordered["weight_space"] == {"kind": "polytope", "from": ["priority_order"]}
    assert ordered["admissible_weights"]["order"] == [["peace-process"], ["personnel-safety"]]


@st.composite
def centres(draw):
    n = draw(st.integers(2, 7))
    raw = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n).filter(any))
    return np.array(raw, dtype=float) / sum(raw)


def in_neighbourhood(weights: np.ndarray, centre: np.ndarray) -> bool:
    """From the definition: some t > 0 puts every t * w_j within [0.75, 1.25] * c_j."""
    if np.any(np.abs(weights[centre == 0]) > 1e-12):
        return False
    ratios = weights[centre > 0] / centre[centre > 0]
    return ratios.min() > 0 and ratios.max() / ratios.min() <= 1.25 / 0.75 * (1 + 1e-9)


@STABLE
@given(centres(), st.integers(0, 2**32 - 1))
def test_sampled_weights_lie_in_the_neighbourhood_and_fill_it(centre, seed):
    from service.engine.robustness.weight_space import Neighbourhood, sample_weights

    neighbourhood = Neighbourhood(tuple(f"c{j}" for j in range(len(centre))), centre)
    drawn = sample_weights(neighbourhood, 2000, np.random.default_rng(seed)).weights
    assert np.allclose(drawn.sum(axis=1), 1.0)
    assert all(in_neighbourhood(w, centre) and neighbourhood.contains(w) for w in drawn)
    least, greatest = neighbourhood.bounds()
    assert np.all(drawn >= least - 1e-12) and np.all(drawn <= greatest + 1e-12)
    # Every factor roams its whole range: the extreme ratios come near the ends of [0.75, 1.25].
    positive = centre > 0
    if positive.sum() >= 2:
        spread = (drawn[:, positive] / centre[positive]).max(axis=1) / (drawn[:, positive] / centre[positive]).min(axis=1)
        assert spread.max() > (1.25 / 0.75) * 0.95


@STABLE
@given(centres(), st.integers(0, 2**32 - 1))
def test_preference_over_the_neighbourhood_equals_its_box_vertices(centre, seed):
    from service.engine.robustness.preference import neighbourhood_extremes

    n = len(centre)
    performance = np.random.default_rng(seed).uniform(-3, 3, size=(4, n)).round(2)
    lowest, highest, lowest_at, highest_at = neighbourhood_extremes(centre, 0.75, 1.25, performance)
    # Oracle: every vertex of the box of factors, mapped to weights.
    vertices = np.array([centre * np.array(f) for f in itertools.product((0.75, 1.25), repeat=n)])
    vertices /= vertices.sum(axis=1, keepdims=True)
    values = vertices @ performance.T / 3
    for a, b in itertools.product(range(4), repeat=2):
        difference = values[:, a] - values[:, b]
        assert lowest[a, b] == pytest.approx(difference.min(), abs=1e-12)
        assert highest[a, b] == pytest.approx(difference.max(), abs=1e-12)
        for at, expected in ((lowest_at[a, b], lowest[a, b]), (highest_at[a, b], highest[a, b])):
            assert in_neighbourhood(at, centre)
            assert (performance[a] - performance[b]) @ at / 3 == pytest.approx(expected, abs=1e-12)


def oracle_rank_range_over_factors(performance: np.ndarray, a: int, centre: np.ndarray) -> tuple[int, int]:
    """Best and worst rank of candidate a over the neighbourhood, by listing every subset of rivals
    with linprog over the factors f in [0.75, 1.25]^n: b beats a exactly when (p_b - p_a) @ (c * f) > 0."""
    from scipy.optimize import linprog

    others = [b for b in range(len(performance)) if b != a]
    n = performance.shape[1]
    bounds = [(0.75, 1.25)] * n
    most_weakly_beaten, most_beating = 0, 0
    for size in range(1, len(others) + 1):
        for subset in itertools.combinations(others, size):
            rows = np.array([(performance[b] - performance[a]) * centre for b in subset])
            if linprog(np.zeros(n), A_ub=rows, b_ub=np.zeros(size), bounds=bounds, method="highs").status == 0:
                most_weakly_beaten = max(most_weakly_beaten, size)
            strict = linprog(np.r_[np.zeros(n), -1.0], A_ub=np.hstack([-rows, np.ones((size, 1))]), b_ub=np.zeros(size),
                             bounds=bounds + [(None, 1.0)], method="highs")
            if strict.status == 0 and -strict.fun > 1e-6:
                most_beating = max(most_beating, size)
    return 1 + len(others) - most_weakly_beaten, 1 + most_beating


@pytest.mark.parametrize("seed", range(4))
def test_rank_ranges_over_the_neighbourhood_agree_with_subset_enumeration(seed):
    document = random_document(700 + seed, options=4, criteria=3)
    model = model_from_document(document)
    weights = {c: int(w) for c, w in zip(("c0", "c1", "c2"), np.random.default_rng(seed).integers(1, 6, 3))}
    request = RobustnessRequest.from_fields(model, {"weights": weights, "samples": 300})
    result = analyse(model, request)
    table = performance_table(model, result["scenario"], "likely")
    performance = np.array([np.zeros(3) if o == "status-quo" else table.effects[table.option_index[o]]
                            for o in (entry["option"] for entry in result["rank_ranges"])])
    centre = np.array([result["weights"][c] for c in ("c0", "c1", "c2")])
    for a, entry in enumerate(result["rank_ranges"]):
        assert (entry["best"], entry["worst"]) == oracle_rank_range_over_factors(performance, a, centre), entry["option"]
        for key in ("witness_best", "witness_worst"):
            assert in_neighbourhood(np.array([entry[key][c] for c in ("c0", "c1", "c2")]), centre)


def test_neighbourhood_acceptabilities_match_an_independent_simulation():
    """A plain Monte Carlo: numpy's uniform factors and triangular effects, first rank by argmax."""
    document = random_document(31, options=3, criteria=3)
    model = model_from_document(document)
    samples = 20000
    weights = {"c0": 3, "c1": 1, "c2": 2}
    result = analyse(model, RobustnessRequest.from_fields(model, {"weights": weights, "samples": samples, "seed": 3}))
    from tests.test_robustness import effect_vectors

    cases = {case: effect_vectors(document, result["scenario"], case) for case in ("low", "likely", "high")}
    rng = np.random.default_rng(2024)
    centre = np.array([3.0, 1.0, 2.0]) / 6
    drawn_weights = centre * rng.uniform(0.75, 1.25, size=(samples, 3))
    drawn_weights /= drawn_weights.sum(axis=1, keepdims=True)
    options = [entry["option"] for entry in result["smaa"]["options"]]
    values = np.zeros((samples, len(options)))
    for k, option in enumerate(options):
        if option != "status-quo":
            drawn = rng.triangular(cases["low"][option], cases["likely"][option], cases["high"][option], size=(samples, 3))
            values[:, k] = (drawn * drawn_weights).sum(axis=1) / 3
    first = np.argmax(values, axis=1)
    for k, entry in enumerate(result["smaa"]["options"]):
        expected = np.mean(first == k)
        tolerance = 5 * np.sqrt(2 * max(expected * (1 - expected), 1e-4) / samples)
        assert entry["acceptability"][0] == pytest.approx(expected, abs=tolerance), entry["option"]


# -- large models: bounded parts ---------------------------------------------------------------------------------


def wide_document(options: int = 30) -> dict:
    return limits_document("wide", options=options, criteria=4, interactions=10, constraints=12, scenarios=2, seed=5)


@pytest.mark.parametrize("fields", [
    {"weights": {"crit-00": 2, "crit-01": 1, "crit-02": 1, "crit-03": 1}},
    {"priority_order": ["crit-01", "crit-00"], "weight_intervals": {"crit-02": [0.05, 0.3], "crit-03": [0.0, 0.2]}},
])
def test_rank_ranges_of_the_compared_options_count_every_option(fields, monkeypatch):
    """Beyond MAX_COMPARED options, pairwise preference and rank ranges cover the first of the point
    ranking; their ranks among every option equal those of the analysis of all of them."""
    from service.engine.robustness import analysis

    model = model_from_document(wide_document())
    request = RobustnessRequest.from_fields(model, {**fields, "samples": 500})
    capped = analyse(model, request)
    assert len(capped["rank_ranges"]) == MAX_COMPARED < len(capped["smaa"]["options"])
    assert len(capped["pairwise"]) == MAX_COMPARED * (MAX_COMPARED - 1)
    assert any(f"cover the {MAX_COMPARED} best options" in warning for warning in capped["warnings"])
    monkeypatch.setattr(analysis, "MAX_COMPARED", 1000)
    whole = analyse(model, request)
    ranks = {entry["option"]: (entry["best"], entry["worst"]) for entry in whole["rank_ranges"]}
    for entry in capped["rank_ranges"]:
        assert (entry["best"], entry["worst"]) == ranks[entry["option"]], entry["option"]
    assert capped["smaa"]["options"] == whole["smaa"]["options"]


# -- stored models ------------------------------------------------------------------------------------------------


def stored_form(document: dict) -> tuple[dict, str]:
    model = model_from_document(document)
    stored = {k: v for k, v in model.to_document().items() if k not in ("builtin", "version")}
    return json.loads(json.dumps(stored)), model.version


@STABLE
@given(model_documents())
def test_a_stored_model_is_built_as_validating_it_again_would(document):
    stored, version = stored_form(document)
    assert model_from_stored(copy.deepcopy(stored), version).to_document() == model_from_document(stored).to_document()


def test_a_model_at_every_limit_is_stored_and_read_back_whole(limits_model):
    # 200 options are accepted when posted; the stored document, which names the status quo too,
    # is still within the limits (the options limit counts the options besides the status quo).
    stored = json.loads(json.dumps({k: v for k, v in limits_model.to_document().items() if k not in ("builtin", "version")}))
    assert len(limits_model.package_option_ids) == 200
    assert model_from_document(stored).to_document() == limits_model.to_document()
    assert model_from_stored(stored, limits_model.version).to_document() == limits_model.to_document()


def test_a_stored_bilingual_model_keeps_its_texts_by_language():
    """Texts given as maps of languages come back as texts by language, not as plain dicts that
    sentences and caches cannot use (the default model is bilingual)."""
    stored, version = stored_form(DEFAULT.to_document())
    read, validated = model_from_stored(copy.deepcopy(stored), version), model_from_document(stored)
    for part in ("criteria", "options", "effects", "interactions", "constraints", "scenarios"):
        assert getattr(read, part) == getattr(validated, part), part
    fields = lambda p: (p.id, p.label, p.description, p.weights, p.priority_order, p.effect_overrides, p.evidence)  # noqa: E731
    assert [fields(p) for p in read.profiles] == [fields(p) for p in validated.profiles]
    assert read.title == validated.title and hash(read.constraints) == hash(validated.constraints)
    assert isinstance(read.criteria[0].name, TextByLanguage) and isinstance(read.profiles[0].label, TextByLanguage)
