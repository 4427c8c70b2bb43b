"""Unit tests of the ranking engine on hand-computed cases: values, ties, priorities, request checks, hashes.

Every expected number is worked out by hand from DESIGN.md §2 and §7 in the comments.
"""

from __future__ import annotations

import copy
import re
import pytest

from models.loader import model_from_document
from service.engine.errors import RequestInvalid
from service.engine.ranking import RankingRequest, rank

METHODS = ("enumeration", "milp")
EVIDENCE = [{"quote": "a quote", "lines": "L1", "section": "Somewhere"}]


def hand_model(effects: dict[str, dict[str, float]], criteria=None, interactions=(), constraints=(),
               scenarios=()) -> dict:
    """A model document whose effects are given as {option: {criterion: likely}} (low = high = likely)."""
    criteria = criteria or sorted({c for row in effects.values() for c in row})
    return {
        "id": "hand", "title": "Hand-computed", "source": {"title": "Tests"},
        "criteria": [{"id": c, "name": c} for c in criteria],
        "options": [{"id": o, "name": o} for o in effects],
        "effects": [{"option": o, "criterion": c, "low": v, "likely": v, "high": v, "evidence": EVIDENCE}
                    for o, row in effects.items() for c in criteria for v in [row.get(c, 0.0)]],
        "interactions": list(interactions), "constraints": list(constraints), "scenarios": list(scenarios),
    }


# p: x +3; q: x -1, y +3; together x +1.5 more.
PQ_MODEL = hand_model({"p": {"x": 3}, "q": {"x": -1, "y": 3}},
                      interactions=[{"id": "pq", "options": ["p", "q"], "effects": {"x": {"low": 1.5, "likely": 1.5, "high": 1.5}}}])


def ranking(document: dict, fields: dict, method: str = "enumeration") -> dict:
    model = model_from_document(document)
    return rank(model, RankingRequest.from_fields(model, fields), method=method)


def request_weights(document: dict, fields: dict) -> tuple[dict[str, float], tuple[str, ...]]:
    request = RankingRequest.from_fields(model_from_document(document), fields)
    return request.weights, request.warnings


def named_in_warnings(warnings) -> set[str]:
    """Which criteria of ABCD the warnings name (whole words)."""
    return {c for c in "abcd" for warning in warnings if re.search(rf"\b{c}\b", warning.split(":", 1)[-1])}


def problem_pointers(document: dict, fields: dict) -> list[str]:
    with pytest.raises(RequestInvalid) as raised:
        RankingRequest.from_fields(model_from_document(document), fields)
    return [problem.pointer for problem in raised.value.problems]


# -- the value model (§2) --------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_hand_computed_values_with_an_interaction(method):
    # w = (1/3, 2/3). value(p) = (3/3)/3 = 1/3; value(q) = (-1/3 + 2)/3 = 5/9;
    # value(pq) = ((3 - 1 + 1.5)/3 + 2)/3 = 19/18; value({}) = 0.
    result = ranking(PQ_MODEL, {"weights": {"x": 1, "y": 2}, "k": 4}, method)
    assert [(p["rank"], p["options"]) for p in result["packages"]] == [(1, ["p", "q"]), (2, ["q"]), (3, ["p"]), (4, [])]
    assert [p["value"] for p in result["packages"]] == pytest.approx([19 / 18, 5 / 9, 1 / 3, 0], abs=1e-12)
    assert result["packages"][0]["performance"] == pytest.approx({"x": 3.5, "y": 3.0})
    assert [(o["option"], o["value"]) for o in result["options"]] == [
        ("q", pytest.approx(5 / 9)), ("p", pytest.approx(1 / 3)), ("status-quo", 0)]
    assert result["explanations"] == []  # the best package holds every option


@pytest.mark.parametrize("method", METHODS)
def test_value_loss_of_an_option_kept_out_of_the_best_package(method):
    # p and q cannot go together: best is q (5/9); the best package with p is {p} (1/3): loss 2/9.
    document = copy.deepcopy(PQ_MODEL)
    document["constraints"] = [{"id": "apart", "type": "excludes", "options": ["p", "q"]}]
    result = ranking(document, {"weights": {"x": 1, "y": 2}}, method)
    assert [p["options"] for p in result["packages"]] == [["q"], ["p"], []]
    (explanation,) = result["explanations"]
    assert explanation["option"] == "p" and explanation["best_package_with_it"] == ["p"]
    assert explanation["value_loss"] == pytest.approx(2 / 9, abs=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_tied_values_share_a_rank_and_list_by_size_then_id(method):
    # One criterion, weight 1: value = effect / 3. c and b tie at 1/3; {} and {zero} tie at 0.
    document = hand_model({"c": {"x": 1}, "zero": {"x": 0}, "a": {"x": 2}, "b": {"x": 1}},
                          constraints=[{"id": "one", "type": "max_options", "count": 1}])
    result = ranking(document, {"weights": {"x": 1}, "k": 5}, method)
    assert [(p["rank"], p["options"]) for p in result["packages"]] == [
        (1, ["a"]), (2, ["b"]), (2, ["c"]), (4, []), (4, ["zero"])]
    assert [(o["rank"], o["option"]) for o in result["options"]] == [
        (1, "a"), (2, "b"), (2, "c"), (4, "status-quo"), (4, "zero")]


def test_status_quo_is_ranked_at_zero_in_the_default_model():
    from models.loader import builtin_models

    model = builtin_models()["minusma-2017"]
    result = rank(model, RankingRequest.from_fields(model, {"priority_order": list(model.criterion_ids)}))
    (status_quo,) = [o for o in result["options"] if o["option"] == "status-quo"]
    assert status_quo["value"] == 0 and set(status_quo["contributions"].values()) == {0}
    assert all("status-quo" not in p["options"] for p in result["packages"])


# -- priorities (§2, §7) ---------------------------------------------------------------------

ABCD = hand_model({"o": {"a": 1, "b": 1, "c": 1, "d": 1}})


def test_rank_order_centroid_weights_of_three_criteria():
    # n = 3: (1 + 1/2 + 1/3)/3 = 11/18, (1/2 + 1/3)/3 = 5/18, (1/3)/3 = 2/18.
    document = hand_model({"o": {"a": 1, "b": 1, "c": 1}})
    weights, warnings = request_weights(document, {"priority_order": ["b", "c", "a"]})
    assert weights == pytest.approx({"b": 11 / 18, "c": 5 / 18, "a": 2 / 18}, abs=1e-15)
    assert warnings == ()


@pytest.mark.parametrize(("order", "expected"), [
    ([["a", "b"], "c"], {"a": 8 / 18, "b": 8 / 18, "c": 2 / 18}),         # (11 + 5)/2 = 8
    (["a", ["b", "c"]], {"a": 11 / 18, "b": 3.5 / 18, "c": 3.5 / 18}),    # (5 + 2)/2 = 3.5
    ([["a", "b", "c"]], {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}),
])
def test_tied_criteria_share_the_mean_of_their_ranks(order, expected):
    document = hand_model({"o": {"a": 1, "b": 1, "c": 1}})
    weights, _ = request_weights(document, {"priority_order": order})
    assert weights == pytest.approx(expected, abs=1e-15)


def test_criteria_left_out_of_an_order_get_zero_and_a_warning():
    # Centroid weights over the 3 named criteria only; d is named in the warning.
    weights, warnings = request_weights(ABCD, {"priority_order": ["a", "b", "c"]})
    assert weights == pytest.approx({"a": 11 / 18, "b": 5 / 18, "c": 2 / 18, "d": 0}, abs=1e-15)
    assert named_in_warnings(warnings) == {"d"}


def test_weights_are_normalized_and_left_out_criteria_warned():
    weights, warnings = request_weights(ABCD, {"weights": {"a": 2, "b": 6, "c": 0}})
    assert weights == {"a": 0.25, "b": 0.75, "c": 0.0, "d": 0.0}
    assert named_in_warnings(warnings) == {"d"}  # c was given, as 0
    assert sum(request_weights(ABCD, {"weights": {"a": 0.1, "b": 0.7, "c": 0.3, "d": 1e-3}})[0].values()) == pytest.approx(1)
    assert request_weights(ABCD, {"weights": {"a": 1, "b": 1, "c": 1, "d": 1}})[1] == ()


@pytest.mark.parametrize(("fields", "pointers"), [
    ({"weights": {"a": 1, "nope": 2}}, ["/weights/nope"]),
    ({"weights": {"a": 1, "b/x": 2}}, ["/weights/b~1x"]),
    ({"weights": {"a": 1, "b": -0.5}}, ["/weights/b"]),
    ({"weights": {"a": 0, "b": 0}}, ["/weights"]),
    ({"weights": {"a": 1, "b": float("nan")}}, ["/weights/b"]),
    ({"priority_order": ["a", "b", "a"]}, ["/priority_order/2"]),
    ({"priority_order": [["a", "b"], "b"]}, ["/priority_order/1"]),
    ({"priority_order": ["a", ["c", "a"]]}, ["/priority_order/1/1"]),
    ({"priority_order": ["nope", "a"]}, ["/priority_order/0"]),
    ({"weights": {"a": 1}, "priority_order": ["a"]}, [""]),
    ({"weights": {"a": 1}, "scenario": "nope"}, ["/scenario"]),
    ({"weights": {"a": 1}, "constraints": [{"type": "max_options", "count": 1},
                                           {"type": "include", "options": ["o", "ghost"]}]},
     ["/constraints/1/options/1"]),
    ({"weights": {"a": 1}, "constraints": [{"type": "min_performance", "criterion": "ghost", "at_least": 0}]},
     ["/constraints/0/criterion"]),
    ({"weights": {"a": 1}, "constraints": [{"type": "requires", "option": "status-quo", "requires": "o"}]},
     ["/constraints/0/option"]),
])
def test_invalid_priorities_and_references_name_their_pointer(fields, pointers):
    assert problem_pointers(ABCD, fields) == pointers


# -- provenance.input_sha256 -----------------------------------------------------------------


def input_hash(document: dict, fields: dict) -> str:
    return ranking(document, fields)["provenance"]["input_sha256"]


def test_equal_inputs_give_equal_hashes():
    fields = {"weights": {"x": 1, "y": 2}, "k": 3, "constraints": [{"type": "max_options", "count": 1}]}
    reordered = {"constraints": copy.deepcopy(fields["constraints"]), "k": 3, "weights": {"y": 2, "x": 1}}
    # A model built twice from the same document is the same input.
    assert input_hash(PQ_MODEL, fields) == input_hash(copy.deepcopy(PQ_MODEL), reordered)
    # Weights that normalize to the same numbers are the same input.
    assert input_hash(PQ_MODEL, {"weights": {"x": 1, "y": 1}}) == input_hash(PQ_MODEL, {"weights": {"x": 4, "y": 4}})


@pytest.mark.parametrize("changed", [
    {"weights": {"x": 1, "y": 3}},
    {"weights": {"x": 1, "y": 2}, "k": 4},
    {"weights": {"x": 1, "y": 2}, "score_case": "low"},
    {"weights": {"x": 1, "y": 2}, "constraints": [{"type": "max_options", "count": 1}]},
    {"priority_order": ["x", "y"]},
])
def test_different_inputs_give_different_hashes(changed):
    assert input_hash(PQ_MODEL, {"weights": {"x": 1, "y": 2}}) != input_hash(PQ_MODEL, changed)


@pytest.mark.parametrize("factor", [2.0, 0.3, 3.0, 7.0])
def test_scaling_all_weights_keeps_the_hash(factor):
    # DESIGN.md §5: the hash covers the *normalized* request, and weights are normalized
    # to sum 1, so multiplying every weight by one constant is the same input.
    weights = {"x": 1, "y": 2}
    scaled = {c: w * factor for c, w in weights.items()}
    assert input_hash(PQ_MODEL, {"weights": weights}) == input_hash(PQ_MODEL, {"weights": scaled})

