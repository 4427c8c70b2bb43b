"""The robustness engine (issue [3/7]) against independent oracles.

The oracles here share no code with `service.engine`: they read the model *document*
and the request fields, list packages with itertools, solve LPs with
`scipy.optimize.linprog`, and sweep weights on a fine grid.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from models.loader import builtin_models, model_from_document
from service.engine.errors import RequestInvalid
from service.engine.linear_programs import WeightProgram
from service.engine.robustness import RobustnessRequest, analyse
from service.engine.robustness.preference import difference_extremes, rank_ranges
from service.engine.robustness.weight_space import admissible_weights, sample_weights

STATUS_QUO = "status-quo"
TIE = 1e-9
EVIDENCE = [{"quote": "a quote", "lines": "L1", "section": "Somewhere"}]


# -- a random model generator ---------------------------------------------------------------------


def random_document(seed: int, options: int = 4, criteria: int = 3, scenarios: int = 2) -> dict:
    """A valid model document with random effects (spread >= 0.1), interactions, an `at_most`
    constraint and scenarios that adjust effects and make an option unavailable."""
    rng = np.random.default_rng(seed)
    option_ids = [f"o{i}" for i in range(options)]
    criterion_ids = [f"c{j}" for j in range(criteria)]
    effects = []
    for option in option_ids:
        for criterion in criterion_ids:
            likely = round(float(rng.uniform(-1.0, 1.0)), 2)
            effects.append({"option": option, "criterion": criterion,
                            "low": round(likely - float(rng.uniform(0.1, 0.8)), 2), "likely": likely,
                            "high": round(likely + float(rng.uniform(0.1, 0.8)), 2),
                            "rationale": "random", "evidence": copy.deepcopy(EVIDENCE)})
    pairs = list(itertools.combinations(option_ids, 2))
    interactions = []
    for index in rng.choice(len(pairs), size=min(2, len(pairs)), replace=False):
        likely = round(float(rng.uniform(-1, 1)), 2)
        interactions.append({"id": f"i{index}", "options": list(pairs[index]),
                             "effects": {criterion_ids[int(rng.integers(criteria))]:
                                         {"low": likely - 0.25, "likely": likely, "high": likely + 0.25}},
                             "rationale": "random", "evidence": copy.deepcopy(EVIDENCE)})
    scenario_documents = [{"id": "s0", "name": "Scenario zero", "default": True, "evidence": []}]
    for s in range(1, scenarios):
        # Large deltas on half the effects, so scenarios disagree on the best package.
        adjustments = [{"option": o, "criterion": c, "delta": round(float(rng.uniform(-1.2, 1.2)), 2)}
                       for o in option_ids for c in criterion_ids if rng.random() < 0.5]
        scenario_documents.append({"id": f"s{s}", "name": f"Scenario {s}", "evidence": [],
                                   "unavailable": [option_ids[-1]] if s % 2 else [],
                                   "adjustments": adjustments})
    return {
        "id": f"random-{seed}", "title": "Random model", "source": {"title": "None"},
        "criteria": [{"id": c, "name": c.upper(), "evidence": copy.deepcopy(EVIDENCE)} for c in criterion_ids],
        "options": [{"id": o, "name": o.upper(), "evidence": copy.deepcopy(EVIDENCE)} for o in option_ids],
        "effects": effects, "interactions": interactions,
        "constraints": [{"id": "pick-one", "type": "at_most", "options": option_ids[:2], "count": 1}],
        "scenarios": scenario_documents,
    }


# -- oracles: the value model read straight from the document -------------------------------------


def criteria_of(document) -> list[str]:
    return [c["id"] for c in document["criteria"]]


def effect_vectors(document, scenario_id, case="likely") -> dict[str, np.ndarray]:
    criteria = criteria_of(document)
    vectors = {o["id"]: np.zeros(len(criteria)) for o in document["options"]}
    for effect in document["effects"]:
        vectors[effect["option"]][criteria.index(effect["criterion"])] = effect[case]
    scenario = next(s for s in document["scenarios"] if s["id"] == scenario_id)
    for adjustment in scenario.get("adjustments", []):
        vectors[adjustment["option"]][criteria.index(adjustment["criterion"])] += adjustment["delta"]
    vectors[STATUS_QUO] = np.zeros(len(criteria))
    return vectors


def unavailable(document, scenario_id) -> set[str]:
    return set(next(s for s in document["scenarios"] if s["id"] == scenario_id).get("unavailable", []))


def feasible_packages(document, scenario_id) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """Every package satisfying the model's `at_most` constraints and the scenario, with its performance."""
    vectors = effect_vectors(document, scenario_id)
    options = [o["id"] for o in document["options"] if o["id"] != STATUS_QUO]
    criteria = criteria_of(document)
    result = []
    for size in range(len(options) + 1):
        for members in itertools.combinations(sorted(options), size):
            if set(members) & unavailable(document, scenario_id):
                continue
            if any(sum(o in members for o in c["options"]) > c["count"] for c in document["constraints"]):
                continue
            performance = sum((vectors[o] for o in members), np.zeros(len(criteria)))
            for interaction in document["interactions"]:
                if set(interaction["options"]) <= set(members):
                    for criterion, estimate in interaction["effects"].items():
                        performance[criteria.index(criterion)] += estimate["likely"]
            result.append((members, performance))
    return result


def ranked_options(document, scenario_id) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """The options ranking's candidates as (members, performance): the status quo is ()."""
    vectors = effect_vectors(document, scenario_id)
    return [((), vectors[STATUS_QUO])] + [((o["id"],), vectors[o["id"]]) for o in document["options"]
                                          if o["id"] != STATUS_QUO and o["id"] not in unavailable(document, scenario_id)]


def best_rows(candidates, weights: np.ndarray) -> list[tuple[str, ...]]:
    """The best candidate per row of `weights`: highest value, equal values (1e-9) by fewer options then id."""
    ordered = sorted(candidates, key=lambda item: (len(item[0]), item[0]))
    values = weights @ np.array([p for _, p in ordered]).T / 3
    first = np.argmax(values >= values.max(axis=1, keepdims=True) - TIE, axis=1)
    return [ordered[i][0] for i in first]


def proportional_path(weights: np.ndarray, j: int, t: np.ndarray) -> np.ndarray:
    """w_j = t and the other weights rescaled proportionally so the sum stays 1."""
    others = np.delete(np.arange(len(weights)), j)
    rest = weights[others].sum()
    result = np.zeros((len(t), len(weights)))
    result[:, j] = t
    shares = weights[others] / rest if rest > 0 else np.full(len(others), 1 / len(others))
    result[:, others] = (1 - t)[:, None] * shares
    return result


# -- 1. stability intervals -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_stability_intervals_agree_with_a_fine_grid_sweep(seed):
    document = random_document(seed)
    model = model_from_document(document)
    criteria = criteria_of(document)
    raw = np.random.default_rng(100 + seed).dirichlet(np.ones(len(criteria)))
    if seed % 3 == 0:
        raw[0] = 0.0  # a zero weight: only increases can matter
    request = RobustnessRequest.from_fields(model, {"weights": dict(zip(criteria, raw.tolist())), "samples": 50})
    result = analyse(model, request)
    weights = np.array([result["weights"][c] for c in criteria])
    scenario = result["scenario"]
    grid = np.linspace(0.0, 1.0, 2001)
    for kind, candidates, label in (("packages", feasible_packages(document, scenario), list),
                                    ("options", ranked_options(document, scenario), lambda m: m[0] if m else STATUS_QUO)):
        incumbent = best_rows(candidates, weights[None, :])[0]
        assert result["stability"]["best_package" if kind == "packages" else "best_option"] == label(incumbent)
        for j, criterion in enumerate(criteria):
            interval = result["stability"][kind][criterion]
            lower, upper = interval["lower"], interval["upper"]
            assert interval["weight"] == pytest.approx(weights[j])
            best = best_rows(candidates, proportional_path(weights, j, grid))
            for t, winner in zip(grid, best):
                if any(bound is not None and abs(t - bound) < 2e-3 for bound in (lower, upper)):
                    continue  # within the grid's resolution of a bound
                inside = (lower is None or t >= lower) and (upper is None or t <= upper)
                assert (winner == incumbent) == inside, (kind, criterion, t, interval)
            for bound, taker, step in ((lower, interval["below"], -1e-6), (upper, interval["above"], 1e-6)):
                if bound is None:
                    assert taker is None
                elif 0 <= bound + step <= 1:
                    assert label(best_rows(candidates, proportional_path(weights, j, np.array([bound + step])))[0]) == taker


def test_a_tie_at_the_end_of_the_path_goes_by_the_listing_rule():
    # b is best at equal weights; with all weight on c0, a and b tie and a is listed first (DESIGN.md §2).
    document = crafted_document({"a": (1.0, 0.0), "b": (1.0, 0.5)})
    model = model_from_document(document)
    result = analyse(model, RobustnessRequest.from_fields(model, {"weights": {"c0": 1, "c1": 1}, "samples": 50}))
    assert result["stability"]["best_option"] == "b"
    assert best_rows(ranked_options(document, result["scenario"]), np.array([[1.0, 0.0]])) == [("a",)]
    interval = result["stability"]["options"]["c0"]
    assert (interval["lower"], interval["upper"], interval["below"], interval["above"]) == (None, 1.0, None, "a")


def test_stability_is_the_same_through_the_milp():
    document = random_document(11)
    model = model_from_document(document)
    request = RobustnessRequest.from_fields(model, {"weights": {"c0": 0.2, "c1": 0.5, "c2": 0.3}, "samples": 50})
    assert analyse(model, request, method="milp")["stability"] == analyse(model, request, method="enumeration")["stability"]


# -- 2. necessary and possible preference -------------------------------------------------------------


def random_priorities(rng, criteria: list[str], kind: int) -> dict:
    """Intervals (kind 0), an order maybe with a tie (1), or both (2), drawn at random; sometimes infeasible."""
    fields = {}
    if kind in (1, 2):
        named = [criteria[i] for i in rng.permutation(len(criteria))[:int(rng.integers(2, len(criteria) + 1))]]
        order = list(named)
        if len(order) >= 3 and rng.random() < 0.5:
            order = [[order[0], order[1]]] + order[2:]
        fields["priority_order"] = order
    if kind in (0, 2):
        intervals = {}
        for criterion in criteria:
            if rng.random() < 0.7:
                low = round(float(rng.uniform(0, 0.4)), 2)
                intervals[criterion] = [low, round(min(1.0, low + float(rng.uniform(0.05, 0.7))), 2)]
        fields["weight_intervals"] = intervals or {criteria[0]: [0.1, 0.6]}
    return fields


def oracle_polytope(criteria: list[str], fields: dict) -> dict:
    """linprog's form of the admissible weights, built from the request fields alone."""
    n = len(criteria)
    bounds = [[0.0, 1.0] for _ in criteria]
    for criterion, (low, high) in fields.get("weight_intervals", {}).items():
        bounds[criteria.index(criterion)] = [low, high]
    groups = [entry if isinstance(entry, list) else [entry] for entry in fields.get("priority_order", [])]
    if groups:
        named = {c for g in groups for c in g} | set(fields.get("weight_intervals", {}))
        for j, criterion in enumerate(criteria):
            if criterion not in named:
                bounds[j] = [0.0, 0.0]
    equalities, upper_rows = [np.ones(n)], []
    for group in groups:
        for first, second in itertools.combinations(group, 2):
            equalities.append(np.eye(n)[criteria.index(first)] - np.eye(n)[criteria.index(second)])
    for higher, lower in zip(groups, groups[1:]):
        for a, b in itertools.product(higher, lower):
            upper_rows.append(np.eye(n)[criteria.index(b)] - np.eye(n)[criteria.index(a)])
    return {"A_eq": np.array(equalities), "b_eq": np.r_[1.0, np.zeros(len(equalities) - 1)],
            "A_ub": np.array(upper_rows) if upper_rows else None, "b_ub": np.zeros(len(upper_rows)) if upper_rows else None,
            "bounds": bounds}


def oracle_extreme(objective: np.ndarray, polytope: dict, maximize: bool) -> float:
    solved = linprog(-objective if maximize else objective, method="highs", **polytope)
    assert solved.status == 0
    return -solved.fun if maximize else solved.fun


def admissible_in_oracle(weights: np.ndarray, polytope: dict) -> bool:
    ok = np.allclose(polytope["A_eq"] @ weights, polytope["b_eq"], atol=1e-7)
    ok &= all(low - 1e-7 <= w <= high + 1e-7 for w, (low, high) in zip(weights, polytope["bounds"]))
    if polytope["A_ub"] is not None:
        ok &= bool(np.all(polytope["A_ub"] @ weights <= 1e-7))
    return bool(ok)


def polytope_is_empty(polytope: dict) -> bool:
    return linprog(np.zeros(len(polytope["bounds"])), method="highs", **polytope).status == 2


def check_pairwise(entries, performance_of, polytope):
    for entry in entries:
        objective = (performance_of(entry["a"]) - performance_of(entry["b"])) / 3
        low, high = oracle_extreme(objective, polytope, False), oracle_extreme(objective, polytope, True)
        assert entry["min_difference"] == pytest.approx(low, abs=1e-7)
        assert entry["max_difference"] == pytest.approx(high, abs=1e-7)
        if abs(low) > 1e-7:
            assert entry["necessary"] == (low >= 0)
        if abs(high) > 1e-7:
            assert entry["possible"] == (high > 0)
        assert entry["possible"] or not entry["necessary"]  # weak relations: necessary implies possible
        for key, value in (("witness_min", low), ("witness_max", high)):
            witness = np.array(list(entry[key].values()))
            assert admissible_in_oracle(witness, polytope)
            assert objective @ witness == pytest.approx(value, abs=1e-7)


@pytest.mark.parametrize("seed", range(12))
def test_necessary_and_possible_preference_agree_with_linprog(seed):
    document = random_document(200 + seed)
    model = model_from_document(document)
    criteria = criteria_of(document)
    fields = {**random_priorities(np.random.default_rng(seed), criteria, seed % 3), "samples": 100, "k": 4}
    polytope = oracle_polytope(criteria, fields)
    try:
        request = RobustnessRequest.from_fields(model, fields)
    except RequestInvalid:
        assert polytope_is_empty(polytope)
        return
    assert not polytope_is_empty(polytope)
    result = analyse(model, request)
    vectors = effect_vectors(document, result["scenario"])
    check_pairwise(result["pairwise"], lambda option: vectors[option], polytope)
    packages = dict(feasible_packages(document, result["scenario"]))
    check_pairwise(result["package_pairwise"], lambda members: packages[tuple(members)], polytope)
    options = [entry["option"] for entry in result["rank_ranges"]]
    assert len(result["pairwise"]) == len(options) * (len(options) - 1)


def test_preference_over_the_whole_simplex_is_read_off_its_vertices():
    # An interval that cuts nothing admits every weight vector: the extremes are the best and worst criterion.
    document = random_document(5)
    model = model_from_document(document)
    criteria = criteria_of(document)
    result = analyse(model, RobustnessRequest.from_fields(model, {"weights": {"c0": 1}, "weight_intervals": {"c0": [0.0, 1.0]},
                                                                  "samples": 50}))
    vectors = effect_vectors(document, result["scenario"])
    for entry in result["pairwise"]:
        difference = (vectors[entry["a"]] - vectors[entry["b"]]) / 3
        assert entry["min_difference"] == pytest.approx(difference.min())
        assert entry["max_difference"] == pytest.approx(difference.max())
    assert result["admissible_weights"]["intervals"] == {c: [0.0, 1.0] for c in criteria}


# -- 3. rank ranges ---------------------------------------------------------------------------------


def oracle_rank_range(performance: np.ndarray, a: int, polytope: dict) -> tuple[int, int]:
    """Best and worst rank of candidate a by listing every subset of the others with linprog."""
    others = [b for b in range(len(performance)) if b != a]
    n = performance.shape[1]
    most_weakly_beaten, most_beating = 0, 0
    for size in range(1, len(others) + 1):
        for subset in itertools.combinations(others, size):
            rows = np.array([(performance[b] - performance[a]) / 3 for b in subset])
            # b does not beat a: (p_b - p_a) w <= 0 for every b in the subset.
            weak = linprog(np.zeros(n), A_ub=np.vstack([rows] + ([polytope["A_ub"]] if polytope["A_ub"] is not None else [])),
                           b_ub=np.r_[np.zeros(len(rows)), polytope["b_ub"] if polytope["A_ub"] is not None else []],
                           A_eq=polytope["A_eq"], b_eq=polytope["b_eq"], bounds=polytope["bounds"], method="highs")
            if weak.status == 0:
                most_weakly_beaten = max(most_weakly_beaten, size)
            # every b in the subset beats a by s, s as large as possible (variables w, s).
            a_ub = np.hstack([-rows, np.ones((len(rows), 1))])
            if polytope["A_ub"] is not None:
                a_ub = np.vstack([a_ub, np.hstack([polytope["A_ub"], np.zeros((len(polytope["A_ub"]), 1))])])
            strict = linprog(np.r_[np.zeros(n), -1.0], A_ub=a_ub, b_ub=np.zeros(len(a_ub)),
                             A_eq=np.hstack([polytope["A_eq"], np.zeros((len(polytope["A_eq"]), 1))]), b_eq=polytope["b_eq"],
                             bounds=polytope["bounds"] + [[None, 1.0]], method="highs")
            if strict.status == 0 and -strict.fun > 1e-6:
                most_beating = max(most_beating, size)
    return 1 + len(others) - most_weakly_beaten, 1 + most_beating


@pytest.mark.parametrize("seed", range(4))
def test_rank_ranges_agree_with_subset_enumeration(seed):
    document = random_document(300 + seed)
    model = model_from_document(document)
    criteria = criteria_of(document)
    rng = np.random.default_rng(seed)
    fields = {**random_priorities(rng, criteria, seed % 3), "samples": 300}
    polytope = oracle_polytope(criteria, fields)
    if polytope_is_empty(polytope):
        fields = {"priority_order": criteria, "samples": 300}
        polytope = oracle_polytope(criteria, fields)
    request = RobustnessRequest.from_fields(model, fields)
    result = analyse(model, request)
    vectors = effect_vectors(document, result["scenario"])
    options = [entry["option"] for entry in result["rank_ranges"]]
    performance = np.array([vectors[o] for o in options])
    # The same ranges from the MILPs alone: one observed weight vector leaves them every decision.
    program = WeightProgram(request.admissible.rows())
    extremes = difference_extremes(program, performance)
    from_milps = rank_ranges(request.admissible.rows(), performance, extremes,
                             np.array([list(result["weights"].values())]))
    for a, entry in enumerate(result["rank_ranges"]):
        expected = oracle_rank_range(performance, a, polytope)
        assert (entry["best"], entry["worst"]) == expected, entry["option"]
        assert (from_milps[a]["best"], from_milps[a]["worst"]) == expected, entry["option"]
        for key, rank in (("witness_best", entry["best"]), ("witness_worst", entry["worst"])):
            witness = np.array([entry[key][c] for c in criteria])
            assert admissible_in_oracle(witness, polytope)
            values = performance @ witness / 3
            # The witness attains the rank, up to values within 1e-6 of a tie (ranks share ties, DESIGN.md §2).
            assert 1 + np.sum(values > values[a] + 1e-6) <= rank <= 1 + np.sum(values > values[a] - 1e-6)


def crafted_document(performances: dict[str, tuple[float, float]]) -> dict:
    """Two criteria, options with the given likely effects (spread 0.1 around them), one scenario."""
    document = random_document(0, options=len(performances), criteria=2, scenarios=1)
    renames = dict(zip((f"o{i}" for i in range(len(performances))), performances))
    for option in document["options"]:
        option["id"] = renames[option["id"]]
    for effect in document["effects"]:
        effect["option"] = renames[effect["option"]]
        likely = performances[effect["option"]][int(effect["criterion"][1])]
        effect.update(low=likely - 0.1, likely=likely, high=likely + 0.1)
    document["interactions"], document["constraints"] = [], []
    return document


@pytest.mark.parametrize("performances", [
    # a1 can beat b or c but not both at once; b and c cannot both beat a2 (worst 2 < 1 + 2 rivals).
    {"a1": (1.0, 1.0), "a2": (1.25, 1.25), "b": (2.5, 0.0), "c": (0.0, 2.5)},
    # twins tie everywhere: neither ever beats the other, they share ranks.
    {"twin-a": (1.0, -0.5), "twin-b": (1.0, -0.5), "c": (0.0, 0.8), "d": (-0.3, 0.3)},
])
def test_rank_ranges_of_rivals_that_cannot_win_together(performances):
    document = crafted_document(performances)
    model = model_from_document(document)
    request = RobustnessRequest.from_fields(model, {"weights": {"c0": 1, "c1": 1}, "weight_intervals": {"c0": [0.0, 1.0]},
                                                    "samples": 500})
    result = analyse(model, request)
    polytope = oracle_polytope(["c0", "c1"], {})
    vectors = effect_vectors(document, result["scenario"])
    options = [entry["option"] for entry in result["rank_ranges"]]
    performance = np.array([vectors[o] for o in options])
    from_milps = rank_ranges(request.admissible.rows(), performance,
                             difference_extremes(WeightProgram(request.admissible.rows()), performance),
                             np.array([[0.5, 0.5]]))
    for a, entry in enumerate(result["rank_ranges"]):
        expected = oracle_rank_range(performance, a, polytope)
        assert (entry["best"], entry["worst"]) == expected, entry["option"]
        assert (from_milps[a]["best"], from_milps[a]["worst"]) == expected, entry["option"]


# -- 4. SMAA -------------------------------------------------------------------------------------------


def test_acceptabilities_sum_to_one_per_rank_and_per_candidate():
    model = builtin_models()["minusma-2017"]
    result = analyse(model, RobustnessRequest.from_fields(model, {"priority_order": list(model.criterion_ids)[:4],
                                                                  "samples": 3000, "seed": 3}))
    for part in ("options", "packages"):
        matrix = np.array([entry["acceptability"] for entry in result["smaa"][part]])
        assert matrix.shape[0] == matrix.shape[1]
        assert np.allclose(matrix.sum(axis=0), 1.0, atol=1e-12)
        assert np.allclose(matrix.sum(axis=1), 1.0, atol=1e-12)
        errors = np.array([entry["standard_error"] for entry in result["smaa"][part]])
        assert np.allclose(errors, np.sqrt(matrix * (1 - matrix) / 3000))
        for entry in result["smaa"][part]:
            if entry["acceptability"][0] == 0:
                assert entry["central_weights"] is None and entry["confidence"] is None
            else:
                central = np.array(list(entry["central_weights"].values()))
                assert central.sum() == pytest.approx(1.0)
                assert 0.0 <= entry["confidence"] <= 1.0


def test_a_fixed_seed_gives_identical_numbers_and_another_seed_does_not():
    model = builtin_models()["minusma-2017"]
    fields = {"weights": {c: 1 for c in model.criterion_ids}, "weight_intervals": {"peace-process": [0.05, 0.4]},
              "samples": 2000, "seed": 42}
    first = analyse(model, RobustnessRequest.from_fields(model, fields))["smaa"]
    second = analyse(model, RobustnessRequest.from_fields(model, fields))["smaa"]
    other = analyse(model, RobustnessRequest.from_fields(model, {**fields, "seed": 43}))["smaa"]
    assert first == second
    assert first["options"] != other["options"]


def dominated_document() -> dict:
    document = random_document(7, options=3)
    for effect in document["effects"]:
        if effect["option"] == "o2":
            effect.update(low=2.0, likely=2.5, high=3.0)
        else:
            effect.update(low=-1.0, likely=0.0, high=1.0)
    document["interactions"] = []
    for scenario in document["scenarios"]:
        scenario["adjustments"], scenario["unavailable"] = [], []
    return document


def test_a_dominating_option_holds_first_rank_in_every_sample():
    model = model_from_document(dominated_document())
    result = analyse(model, RobustnessRequest.from_fields(model, {"weight_intervals": {"c0": [0.1, 0.9]},
                                                                  "samples": 4000}))
    top = next(entry for entry in result["smaa"]["options"] if entry["option"] == "o2")
    assert top["acceptability"][0] == 1.0
    assert top["standard_error"][0] == 0.0
    assert top["confidence"] == 1.0
    assert all(entry["acceptability"][0] == 0.0 for entry in result["smaa"]["options"] if entry["option"] != "o2")
    assert next(r for r in result["rank_ranges"] if r["option"] == "o2")["worst"] == 1


def test_acceptabilities_match_an_independent_simulation():
    """A plain Monte Carlo with numpy's own triangular and Dirichlet agrees within sampling error."""
    document = random_document(21, options=3, criteria=3)
    model = model_from_document(document)
    samples = 20000
    result = analyse(model, RobustnessRequest.from_fields(model, {"weights": {"c0": 1}, "weight_intervals": {"c0": [0.0, 1.0]},
                                                                  "samples": samples, "seed": 5}))
    scenario = result["scenario"]
    options = [entry["option"] for entry in result["smaa"]["options"]]
    rng = np.random.default_rng(12345)
    weights = rng.dirichlet(np.ones(3), samples)
    cases = {case: effect_vectors(document, scenario, case) for case in ("low", "likely", "high")}
    values = np.zeros((samples, len(options)))
    drawn_effects = {}
    for k, option in enumerate(options):
        if option == STATUS_QUO:
            continue
        drawn = rng.triangular(cases["low"][option], cases["likely"][option], cases["high"][option], size=(samples, 3))
        values[:, k] = (drawn * weights).sum(axis=1) / 3
        # Independent effects for the confidence check: the engine's confidence uses fresh draws' distribution.
        drawn_effects[option] = rng.triangular(cases["low"][option], cases["likely"][option], cases["high"][option],
                                               size=(samples, 3))
    first = np.argmax(values, axis=1)
    for k, entry in enumerate(result["smaa"]["options"]):
        expected = np.mean(first == k)
        tolerance = 5 * np.sqrt(max(expected * (1 - expected), 1e-4) / samples) * np.sqrt(2)
        assert entry["acceptability"][0] == pytest.approx(expected, abs=tolerance), entry["option"]
        if np.count_nonzero(first == k) < 500:
            continue
        # Central weights: the mean weights where it ranks first; confidence: first at those weights.
        winning = weights[first == k]
        spread = 5 * np.sqrt(2) * winning.std(axis=0) / np.sqrt(len(winning))
        central = np.array(list(entry["central_weights"].values()))
        assert np.all(np.abs(central - winning.mean(axis=0)) < spread + 1e-3), entry["option"]
        at_central = np.array([(drawn_effects[o] @ central) / 3 if o != STATUS_QUO else np.zeros(samples) for o in options]).T
        confidence = np.mean(np.argmax(at_central, axis=1) == k)
        tolerance = 5 * np.sqrt(2) * np.sqrt(max(confidence * (1 - confidence), 1e-4) / samples)
        assert entry["confidence"] == pytest.approx(confidence, abs=tolerance), entry["option"]


def test_weights_are_uniform_on_an_ordered_simplex():
    ids = ("a", "b", "c")
    admissible, _ = admissible_weights(ids, None, ["a", "b", "c"])
    sample = sample_weights(admissible, 40000, np.random.default_rng(1))
    assert np.all(np.diff(sample.weights, axis=1) <= 1e-12)  # w_a >= w_b >= w_c
    # The centroid of the simplex with vertices (1,0,0), (1/2,1/2,0), (1/3,1/3,1/3).
    centroid = np.array([11, 5, 2]) / 18
    error = sample.weights.std(axis=0) / np.sqrt(40000)
    assert np.all(np.abs(sample.weights.mean(axis=0) - centroid) < 5 * error)
    assert sample.acceptance_rate == 1.0


def test_tight_intervals_fall_back_to_hit_and_run_and_stay_uniform():
    ids = ("a", "b", "c")
    admissible, _ = admissible_weights(ids, {"a": [0.30, 0.34], "b": [0.30, 0.34]}, None)
    sample = sample_weights(admissible, 20000, np.random.default_rng(2))
    assert "hit-and-run" in sample.method and sample.acceptance_rate < 0.02
    weights = sample.weights
    assert np.all((weights[:, :2] >= 0.30 - 1e-9) & (weights[:, :2] <= 0.34 + 1e-9))
    assert np.allclose(weights.sum(axis=1), 1.0)
    # (w_a, w_b) is uniform on the square [0.30, 0.34]^2: quarter of the mass below 0.31 on each axis.
    assert np.mean(weights[:, 0] < 0.31) == pytest.approx(0.25, abs=0.02)
    assert np.mean(weights[:, 1] < 0.31) == pytest.approx(0.25, abs=0.02)
    assert weights.mean(axis=0) == pytest.approx([0.32, 0.32, 0.36], abs=1e-3)


def test_an_interval_fixing_a_weight_samples_the_rest_uniformly():
    admissible, _ = admissible_weights(("a", "b", "c"), {"a": [0.5, 0.5]}, None)
    sample = sample_weights(admissible, 20000, np.random.default_rng(3))
    assert np.allclose(sample.weights[:, 0], 0.5)
    assert np.mean(sample.weights[:, 1] < 0.125) == pytest.approx(0.25, abs=0.02)


# -- 5. scenarios ----------------------------------------------------------------------------------


def oracle_minimax_regret(document, weights: np.ndarray) -> tuple[float, set]:
    scenarios = [s["id"] for s in document["scenarios"]]
    values = {s: {m: p @ weights / 3 for m, p in feasible_packages(document, s)} for s in scenarios}
    common = set.intersection(*(set(v) for v in values.values()))
    best = {s: max(values[s].values()) for s in scenarios}
    regrets = {m: max(best[s] - values[s][m] for s in scenarios) for m in common}
    lowest = min(regrets.values())
    return lowest, {m for m, r in regrets.items() if r <= lowest + 1e-9}


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("method", ["enumeration", "milp"])
@pytest.mark.parametrize("conflicting_interactions", [False, True])
def test_minimax_regret_equals_brute_force(seed, method, conflicting_interactions):
    document = random_document(400 + seed, options=4, scenarios=3)
    if conflicting_interactions:
        # Strong conflicts: a program that dropped the AND linearization would ignore them.
        for interaction in document["interactions"]:
            interaction["effects"] = {c: {"low": -2.25, "likely": -2.0, "high": -1.75} for c in criteria_of(document)}
    model = model_from_document(document)
    criteria = criteria_of(document)
    raw = np.random.default_rng(seed).dirichlet(np.ones(len(criteria)))
    request = RobustnessRequest.from_fields(model, {"weights": dict(zip(criteria, raw.tolist())), "samples": 50})
    result = analyse(model, request, method=method)
    weights = np.array([result["weights"][c] for c in criteria])
    lowest, winners = oracle_minimax_regret(document, weights)
    regret = result["scenarios"]["minimax_regret"]
    assert regret["max_regret"] == pytest.approx(lowest, abs=1e-9)
    assert tuple(regret["package"]) in winners
    for entry in result["scenarios"]["rankings"]:
        expected = best_rows(feasible_packages(document, entry["scenario"]), weights[None, :])[0]
        assert tuple(entry["best_package"]) == expected


@pytest.mark.parametrize("method", ["enumeration", "milp"])
def test_minimax_regret_counts_a_conflict_between_chosen_options(method):
    # x and y are each good, but chosen together their conflict outweighs both.
    document = crafted_document({"x": (1.0, 1.0), "y": (1.0, 0.8), "z": (-0.5, 0.2)})
    document["interactions"] = [{"id": "x-y", "options": ["x", "y"], "rationale": "conflict", "evidence": EVIDENCE,
                                 "effects": {c: {"low": -2.75, "likely": -2.5, "high": -2.25} for c in ("c0", "c1")}}]
    document["scenarios"].append({"id": "s1", "name": "Other", "evidence": [],
                                  "adjustments": [{"option": "y", "criterion": "c0", "delta": 1.5}]})
    model = model_from_document(document)
    result = analyse(model, RobustnessRequest.from_fields(model, {"weights": {"c0": 1, "c1": 1}, "samples": 50}),
                     method=method)
    lowest, winners = oracle_minimax_regret(document, np.array([0.5, 0.5]))
    regret = result["scenarios"]["minimax_regret"]
    assert tuple(regret["package"]) in winners and regret["max_regret"] == pytest.approx(lowest, abs=1e-9)


# -- requests ----------------------------------------------------------------------------------------


def test_the_point_estimate_follows_the_documented_order():
    model = builtin_models()["minusma-2017"]
    ids = list(model.criterion_ids)
    given = RobustnessRequest.from_fields(model, {"weights": {ids[0]: 1, ids[1]: 1}, "priority_order": [ids[0], ids[1]]})
    assert given.weights_source == "weights" and given.ranking.weights[ids[0]] == 0.5
    by_order = RobustnessRequest.from_fields(model, {"priority_order": [ids[0], ids[1]]})
    assert by_order.weights_source == "priority_order" and by_order.ranking.weights[ids[0]] == pytest.approx(0.75)
    intervals = {ids[0]: [0.1, 0.2], ids[1]: [0.3, 0.5]}
    centre = RobustnessRequest.from_fields(model, {"weight_intervals": intervals})
    assert centre.weights_source == "admissible-centre"
    point = np.array(list(centre.ranking.weights.values()))
    assert centre.admissible.contains(point) and point.sum() == pytest.approx(1.0)
    outside = RobustnessRequest.from_fields(model, {"priority_order": [ids[0], ids[1]], "weight_intervals": {ids[0]: [0.5, 0.6]}})
    assert outside.weights_source == "admissible-centre" and outside.warnings


def test_given_weights_outside_the_admissible_weights_are_refused():
    model = builtin_models()["minusma-2017"]
    ids = list(model.criterion_ids)
    with pytest.raises(RequestInvalid) as refused:
        RobustnessRequest.from_fields(model, {"weights": {ids[0]: 1}, "weight_intervals": {ids[0]: [0, 0.5]}})
    assert [p.pointer for p in refused.value.problems] == ["/weights"]


@pytest.mark.parametrize("lows", [[0.4, 0.4, 0.4, 0.4], [0.3, 0.3, 0.3, 0.3], [0.7, 0.1, 0.35, 0.0]])
def test_conflicting_intervals_name_a_minimal_conflict(lows):
    ids = ("a", "b", "c", "d")
    intervals = {c: [low, 1.0] for c, low in zip(ids, lows)}
    with pytest.raises(RequestInvalid) as refused:
        admissible_weights(ids, intervals, None)
    named = {p.pointer.rsplit("/", 1)[1] for p in refused.value.problems}
    # The named lower bounds cannot hold together, and dropping any one of them makes the rest feasible.
    assert sum(lows[ids.index(c)] for c in named) > 1
    for dropped in named:
        assert sum(lows[ids.index(c)] for c in named if c != dropped) <= 1


def test_an_interval_contradicting_the_order_names_both():
    with pytest.raises(RequestInvalid) as refused:
        # c has an interval, so it is free: the only conflict is w_a <= 0.45 < 0.5 <= w_b <= w_a.
        admissible_weights(("a", "b", "c"), {"a": [0.0, 0.45], "b": [0.5, 1.0], "c": [0.0, 1.0]}, ["a", "b"])
    assert {p.pointer for p in refused.value.problems} == {"/weight_intervals/a", "/weight_intervals/b", "/priority_order/1"}


def test_a_model_without_scenarios_is_analysed_in_its_one_state_of_the_world():
    document = random_document(9)
    document["scenarios"] = []
    model = model_from_document(document)
    result = analyse(model, RobustnessRequest.from_fields(model, {"weights": {"c0": 1, "c1": 2}, "samples": 100}))
    assert result["scenario"] is None
    assert [entry["scenario"] for entry in result["scenarios"]["rankings"]] == [None]
    assert result["scenarios"]["minimax_regret"]["max_regret"] == 0.0
