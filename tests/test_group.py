"""Group analysis of workshops (service/engine/group.py) against independent oracles:
hand-computed Kendall's W, scipy's Friedman test, and brute force over every package."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from scipy import stats

from models.loader import model_from_document
from service.engine.errors import RequestInvalid
from service.engine.group import (EffectOverride, ParticipantPriorities, borda_points, checked_effect_overrides,
                                  group_results, kendall_w)
from service.engine.settings import SolverSettings

EVIDENCE = [{"quote": "q", "lines": "L1", "section": "s"}]


# -- Kendall's W -------------------------------------------------------------------------------


def test_kendall_w_hand_computed_without_ties():
    # Ranks (1 best): rater 1: 1 2 3 4; rater 2: 2 1 3 4; rater 3: 1 3 2 4.
    # Rank sums 4, 6, 8, 12 (mean 7.5): S = 3.5² + 1.5² + 0.5² + 4.5² = 35; W = 12·35 / (3²·(4³ − 4)) = 7/9.
    ranks = np.array([[1, 2, 3, 4], [2, 1, 3, 4], [1, 3, 2, 4]], dtype=float)
    assert kendall_w(-ranks) == pytest.approx(7 / 9, abs=1e-12)


def test_kendall_w_hand_computed_with_ties():
    # Rater 1 ties the first two objects (ranks 1.5, 1.5, 3), rater 2 ranks 1, 2, 3.
    # Rank sums 2.5, 3.5, 6 (mean 4): S = 6.5; T = 2³ − 2 = 6; W = 12·6.5 / (2²·24 − 2·6) = 78/84.
    scores = np.array([[3.0, 3.0, 1.0], [3.0, 2.0, 1.0]])
    assert kendall_w(scores) == pytest.approx(78 / 84, abs=1e-12)


def test_kendall_w_perfect_agreement_and_undefined_cases():
    assert kendall_w(np.array([[3.0, 2.0, 1.0]] * 4)) == pytest.approx(1.0)
    assert kendall_w(np.array([[3.0, 2.0, 1.0]])) is None  # one rater
    assert kendall_w(np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])) is None  # every rater ties everything


def test_kendall_w_equals_scipy_friedman_with_tie_correction():
    # Friedman's chi² (tie-corrected) = m (n − 1) W, so scipy is an independent implementation.
    rng = np.random.default_rng(20170)
    checked = 0
    for _ in range(200):
        m, n = int(rng.integers(2, 8)), int(rng.integers(3, 8))
        scores = rng.integers(0, 4, size=(m, n)).astype(float)  # small range: many ties
        w = kendall_w(scores)
        if w is None:
            continue
        chi2 = stats.friedmanchisquare(*(-scores).T).statistic
        assert w == pytest.approx(chi2 / (m * (n - 1)), rel=1e-9, abs=1e-12)
        checked += 1
    assert checked > 150


def test_borda_points_hand_computed():
    # Three candidates; rater 1 prefers 0 > 1 > 2, rater 2 ties 1 and 2 behind 0.
    # Points m − position: rater 1 gives 2, 1, 0; rater 2 gives 2, 0.5, 0.5.
    points = borda_points(np.array([[3.0, 2.0, 1.0], [5.0, 1.0, 1.0]]))
    assert points.tolist() == [4.0, 1.5, 0.5]


# -- Random small workshops against brute force ------------------------------------------------


def random_model(rng: random.Random, n_options: int, n_criteria: int):
    criteria = [f"c{j}" for j in range(n_criteria)]
    options = [f"o{i}" for i in range(n_options)]
    effects = []
    for option in options:
        for criterion in criteria:
            low, likely, high = sorted(round(rng.uniform(-2.5, 2.5), 1) for _ in range(3))
            effects.append({"option": option, "criterion": criterion, "low": low, "likely": likely, "high": high,
                            "rationale": "r", "evidence": EVIDENCE})
    pair = rng.sample(options, 2)
    extra = round(rng.uniform(-1, 1), 1)
    interactions = [{"id": "i0", "options": pair, "effects": {criteria[0]: {"low": extra, "likely": extra, "high": extra}},
                     "rationale": "r", "evidence": EVIDENCE}]
    a, b, c = rng.sample(options, 3)
    constraints = [{"id": "k0", "type": "excludes", "options": [a, b], "rationale": "r"}]
    if rng.random() < 0.5:
        constraints.append({"id": "k1", "type": "requires", "option": c, "requires": a, "rationale": "r"})
    if rng.random() < 0.5:
        constraints.append({"id": "k2", "type": "max_options", "count": rng.randint(1, n_options - 1), "rationale": "r"})
    scenario = {"id": "s0", "name": "S", "default": True, "evidence": EVIDENCE,
                "adjustments": [{"option": options[0], "criterion": criteria[-1], "delta": -0.5}]}
    document = {"id": "random", "title": "Random", "source": {"title": "test"},
                "criteria": [{"id": c, "name": c.upper(), "evidence": EVIDENCE} for c in criteria],
                "options": [{"id": o, "name": o.upper(), "recommendation": 1, "evidence": EVIDENCE} for o in options],
                "effects": effects, "interactions": interactions, "constraints": constraints, "scenarios": [scenario]}
    return model_from_document(document), document


def feasible_by_hand(package: set[str], constraints: list[dict]) -> bool:
    for c in constraints:
        if c["type"] == "excludes" and set(c["options"]) <= package:
            return False
        if c["type"] == "requires" and c["option"] in package and c["requires"] not in package:
            return False
        if c["type"] == "max_options" and len(package) > c["count"]:
            return False
        if c["type"] == "at_most" and len(package & set(c["options"])) > c["count"]:
            return False
    return True


def value_by_hand(document: dict, package: set[str], weights: dict, overrides: dict) -> float:
    """DESIGN.md §2 straight from the document: likely effects (or the participant's), scenario deltas, interactions."""
    total = 0.0
    deltas = {(a["option"], a["criterion"]): a["delta"] for a in document["scenarios"][0]["adjustments"]}
    for e in document["effects"]:
        if e["option"] in package:
            likely = overrides.get((e["option"], e["criterion"]), e["likely"])
            total += weights[e["criterion"]] * (likely + deltas.get((e["option"], e["criterion"]), 0.0))
    for i in document["interactions"]:
        if set(i["options"]) <= package:
            total += sum(weights[c] * v["likely"] for c, v in i["effects"].items())
    return total / 3


def random_participants(rng: random.Random, model, document, count: int) -> list[ParticipantPriorities]:
    participants = []
    for k in range(count):
        raw = [rng.choice([0, rng.random()]) for _ in model.criterion_ids]
        raw[rng.randrange(len(raw))] += 0.1  # never all zero
        weights = {c: w / sum(raw) for c, w in zip(model.criterion_ids, raw)}
        overrides = []
        for e in rng.sample(document["effects"], rng.randint(0, 2)):
            overrides.append(EffectOverride(e["option"], e["criterion"], rng.uniform(e["low"], e["high"])))
        participants.append(ParticipantPriorities(f"p{k}", f"P{k}", weights, tuple(overrides)))
    return participants


@pytest.mark.parametrize("method", ["enumeration", "milp"])
def test_compromise_equals_brute_force_on_random_workshops(method):
    rng = random.Random(4 if method == "milp" else 5)
    for _ in range(25):
        model, document = random_model(rng, rng.randint(3, 6), rng.randint(2, 4))
        participants = random_participants(rng, model, document, rng.randint(1, 5))
        result = group_results(model, "s0", [], participants, SolverSettings(), method=method)

        packages = [set(p) for r in range(len(model.package_option_ids) + 1)
                    for p in itertools.combinations(model.package_option_ids, r)
                    if feasible_by_hand(set(p), document["constraints"])]
        values = {p.participant_id: [value_by_hand(document, s, p.weights,
                                                   {(o.option, o.criterion): o.likely for o in p.effect_overrides})
                                     for s in packages] for p in participants}
        best = {pid: max(v) for pid, v in values.items()}
        worst_regret = [max(best[pid] - values[pid][i] for pid in best) for i in range(len(packages))]

        compromise = result["compromise"]
        assert compromise["max_regret"] == pytest.approx(min(worst_regret), abs=1e-9)
        chosen = packages.index(set(compromise["package"]))
        assert worst_regret[chosen] == pytest.approx(min(worst_regret), abs=1e-9)
        for pid, regret in compromise["regrets"].items():
            assert regret == pytest.approx(best[pid] - values[pid][chosen], abs=1e-9)
        for row in result["participants"]:
            assert row["best_value"] == pytest.approx(best[row["participant_id"]], abs=1e-9)
            assert value_by_hand(document, set(row["best_package"]), row["weights"],
                                 {(o["option"], o["criterion"]): o["likely"] for o in row["effect_overrides"]}) \
                == pytest.approx(best[row["participant_id"]], abs=1e-9)


def test_both_methods_agree_and_report_all_fields():
    rng = random.Random(11)
    model, document = random_model(rng, 5, 3)
    participants = random_participants(rng, model, document, 4)
    by_enumeration = group_results(model, "s0", [], participants, method="enumeration")
    by_milp = group_results(model, "s0", [], participants, method="milp")
    assert by_enumeration["compromise"]["max_regret"] == pytest.approx(by_milp["compromise"]["max_regret"], abs=1e-9)
    assert by_enumeration["consensus"] == by_milp["consensus"]
    assert set(by_enumeration) >= {"participants", "group", "consensus", "contested_criteria", "compromise"}
    assert set(by_enumeration["group"]) >= {"weights", "options", "borda"}


def test_group_weights_spread_and_borda_total():
    rng = random.Random(3)
    model, document = random_model(rng, 4, 4)
    participants = random_participants(rng, model, document, 5)
    result = group_results(model, "s0", [], participants, method="enumeration")
    matrix = np.array([[p.weights[c] for c in model.criterion_ids] for p in participants])
    for c, mean in zip(model.criterion_ids, matrix.mean(axis=0)):
        assert result["group"]["weights"][c] == pytest.approx(mean)
    spreads = [row["spread"] for row in result["contested_criteria"]]
    assert spreads == sorted(spreads, reverse=True)
    by_criterion = {row["criterion"]: row["spread"] for row in result["contested_criteria"]}
    for j, c in enumerate(model.criterion_ids):
        assert by_criterion[c] == pytest.approx(math.sqrt(np.mean((matrix[:, j] - matrix[:, j].mean()) ** 2)))
    # Every rater hands out 0 + 1 + ... + (m − 1) points whatever the ties.
    m = result["group"]["borda_candidates"]
    assert sum(row["points"] for row in result["group"]["borda"]) == pytest.approx(len(participants) * m * (m - 1) / 2)


def test_overrides_outside_the_range_are_refused_with_pointers():
    model, document = random_model(random.Random(1), 3, 2)
    effect = document["effects"][0]
    with pytest.raises(RequestInvalid) as error:
        checked_effect_overrides(model, [
            {"option": effect["option"], "criterion": effect["criterion"], "likely": effect["high"] + 0.5},
            {"option": "status-quo", "criterion": effect["criterion"], "likely": 0},
        ])
    assert [p.pointer for p in error.value.problems] == ["/effect_overrides/0/likely", "/effect_overrides/1/option"]
