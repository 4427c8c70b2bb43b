"""The validator rejects each kind of malformed model with the right pointer, and lists every problem."""

from __future__ import annotations

import pytest

from models.loader import model_from_document
from models.validation import ModelInvalid, validate_model_document
from tests.documents import small_model


def problems_of(document):
    _, problems = validate_model_document(document)
    return {(p.pointer, p.detail) for p in problems}


def pointers_of(document):
    return {pointer for pointer, _ in problems_of(document)}


def test_small_model_is_valid():
    assert problems_of(small_model()) == set()
    model = model_from_document(small_model())
    assert model.option_ids == ("status-quo", "a", "b", "c")
    assert model.default_scenario.id == "base"


def mutate(change):
    document = small_model()
    change(document)
    return document


CASES = {
    "unknown option in effect": (lambda d: d["effects"][0].update(option="zz"), "/effects/0/option"),
    "unknown criterion in effect": (lambda d: d["effects"][1].update(criterion="zz"), "/effects/1/criterion"),
    "low above likely": (lambda d: d["effects"][0].update(low=2, likely=1, high=2), "/effects/0/low"),
    "likely above high": (lambda d: d["effects"][0].update(low=0, likely=2, high=1), "/effects/0/high"),
    "value off the scale": (lambda d: d["effects"][0].update(high=4), "/effects/0/high"),
    "missing effect cell": (lambda d: d["effects"].pop(5), "/effects"),
    "evidence without quote": (lambda d: d["effects"][0]["evidence"][0].pop("quote"), "/effects/0/evidence/0/quote"),
    "evidence without lines": (lambda d: d["criteria"][0]["evidence"][0].pop("lines"), "/criteria/0/evidence/0/lines"),
    "evidence with bad lines": (lambda d: d["options"][0]["evidence"][0].update(lines="12-14"), "/options/0/evidence/0/lines"),
    "effect without evidence": (lambda d: d["effects"][2].update(evidence=[]), "/effects/2/evidence"),
    "duplicate criterion id": (lambda d: d["criteria"].append(dict(d["criteria"][0])), "/criteria/2/id"),
    "duplicate option id": (lambda d: d["options"].append(dict(d["options"][1])), "/options/3/id"),
    "duplicate effect cell": (lambda d: d["effects"].append(dict(d["effects"][0])), "/effects/6"),
    "unknown option in interaction": (lambda d: d["interactions"][0].update(options=["a", "zz"]), "/interactions/0/options/1"),
    "unknown criterion in interaction": (lambda d: d["interactions"][0].update(effects={"zz": {"low": 0, "likely": 0, "high": 0}}),
                                         "/interactions/0/effects/zz"),
    "unknown option in constraint": (lambda d: d["constraints"][0].update(options=["b", "zz"]), "/constraints/0/options/1"),
    "constraint type field missing": (lambda d: d["constraints"][0].pop("count"), "/constraints/0/count"),
    "unknown constraint type": (lambda d: d["constraints"][0].update(type="maybe"), "/constraints/0/type"),
    "unknown option unavailable in scenario": (lambda d: d["scenarios"][1].update(unavailable=["zz"]), "/scenarios/1/unavailable/0"),
    "unknown criterion in adjustment": (lambda d: d["scenarios"][1]["adjustments"][0].update(criterion="zz"),
                                        "/scenarios/1/adjustments/0/criterion"),
    "adjustment leaves the scale": (lambda d: d["scenarios"][1]["adjustments"][0].update(delta=4), "/scenarios/1/adjustments/0/delta"),
    "default scenario does not exist": (lambda d: d.update(default_scenario="nowhere"), "/default_scenario"),
    "unknown field": (lambda d: d["options"][0].update(colour="red"), "/options/0/colour"),
    "string where a number goes": (lambda d: d["effects"][0].update(likely="1"), "/effects/0/likely"),
    "status quo with an effect": (lambda d: d["effects"].append({"option": "status-quo", "criterion": "x", "low": 0,
                                                                 "likely": 1, "high": 1}), "/effects/6"),
}


@pytest.mark.parametrize("kind", CASES)
def test_each_kind_of_problem_has_its_pointer(kind):
    change, pointer = CASES[kind]
    assert pointer in pointers_of(mutate(change)), problems_of(mutate(change))


def test_every_problem_is_listed_at_once():
    def many(d):
        d["effects"][0].update(option="zz")
        d["effects"][1].update(low=2, likely=1, high=2)
        d["scenarios"][1].update(unavailable=["yy"])

    pointers = pointers_of(mutate(many))
    assert {"/effects/0/option", "/effects/1/low", "/scenarios/1/unavailable/0"} <= pointers


def test_invalid_model_raises_with_problems():
    with pytest.raises(ModelInvalid) as raised:
        model_from_document(mutate(lambda d: d["effects"][0].update(high=9)))
    assert any(p.pointer == "/effects/0/high" for p in raised.value.problems)


def test_status_quo_may_be_left_out_and_is_added():
    model = model_from_document(small_model())
    assert model.effect("status-quo", "x").likely == 0
    assert model.to_document()["options"][0]["id"] == "status-quo"


def test_version_is_content_hash_independent_of_spelling():
    explicit = small_model()
    explicit["options"].insert(0, {"id": "status-quo", "name": "Status quo", "recommendation": None,
                                   "summary": "The present division of labour; every effect is 0 by definition."})
    assert model_from_document(explicit).version == model_from_document(small_model()).version
    served = model_from_document(small_model()).to_document()
    assert model_from_document(served).version == model_from_document(small_model()).version
    changed = mutate(lambda d: d["effects"][0].update(likely=0.5))
    assert model_from_document(changed).version != model_from_document(small_model()).version
