"""The validator rejects each kind of malformed model with the right pointer, and lists every problem."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from models.loader import model_from_document
from models.validation import ModelInvalid, validate_model_document
from tests.documents import small_model
from tests.model_factory import model_documents


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


# -- Profiles (DESIGN.md §8.1) ---------------------------------------------------------------------------


def profile(**fields) -> dict:
    return {"id": "p", "label": "P", "description": "a stakeholder", "priority_order": ["x", "y"],
            "evidence": [{"quote": "said so", "lines": "L3", "section": "Here"}], **fields}


def with_profiles(*profiles, **more):
    return mutate(lambda d: d.update(profiles=list(profiles), **more))


OVERRIDE = {"option": "a", "criterion": "x", "likely": 0.5, "rationale": "they believe it"}

PROFILE_CASES = {
    "unknown criterion in an order": (profile(priority_order=["zz", "x"]), "/profiles/0/priority_order/0"),
    "criterion named twice": (profile(priority_order=["x", ["y", "x"]]), "/profiles/0/priority_order/1/1"),
    "empty group of ties": (profile(priority_order=["x", []]), "/profiles/0/priority_order/1"),
    "unknown criterion in weights": (profile(priority_order=None, weights={"zz": 1}), "/profiles/0/weights/zz"),
    "all weights zero": (profile(priority_order=None, weights={"x": 0}), "/profiles/0/weights"),
    "both weights and an order": (profile(weights={"x": 1}), "/profiles/0"),
    "no priorities": (profile(priority_order=None), "/profiles/0"),
    "override beyond the effect's range": (profile(effect_overrides=[{**OVERRIDE, "likely": 2.5}]),
                                           "/profiles/0/effect_overrides/0/likely"),
    "override of an unknown option": (profile(effect_overrides=[{**OVERRIDE, "option": "zz"}]),
                                      "/profiles/0/effect_overrides/0/option"),
    "override of the status quo": (profile(effect_overrides=[{**OVERRIDE, "option": "status-quo"}]),
                                   "/profiles/0/effect_overrides/0/option"),
    "override of an unknown criterion": (profile(effect_overrides=[{**OVERRIDE, "criterion": "zz"}]),
                                         "/profiles/0/effect_overrides/0/criterion"),
    "one cell overridden twice": (profile(effect_overrides=[OVERRIDE, OVERRIDE]), "/profiles/0/effect_overrides/1"),
    "override without a rationale": (profile(effect_overrides=[{k: v for k, v in OVERRIDE.items() if k != "rationale"}]),
                                     "/profiles/0/effect_overrides/0/rationale"),
    "override evidence with bad lines": (profile(effect_overrides=[{**OVERRIDE, "evidence": [
        {"quote": "q", "lines": "L9-L2", "section": "S"}]}]), "/profiles/0/effect_overrides/0/evidence/0/lines"),
    "profile without evidence": (profile(evidence=[]), "/profiles/0/evidence"),
}


@pytest.mark.parametrize("kind", PROFILE_CASES)
def test_each_kind_of_profile_problem_has_its_pointer(kind):
    document, pointer = PROFILE_CASES[kind]
    document = {k: v for k, v in document.items() if v is not None}
    assert pointer in pointers_of(with_profiles(document)), problems_of(with_profiles(document))


def test_profile_ids_are_unique_and_critique_lines_ordered():
    assert "/profiles/1/id" in pointers_of(with_profiles(profile(), profile()))
    bad = with_profiles(critiques=[{"lines": "L9-L3", "section": "S", "note": "reversed"}])
    assert "/critiques/0/lines" in pointers_of(bad)


def test_a_profile_and_context_notes_round_trip_through_the_service():
    document = with_profiles(profile(effect_overrides=[{**OVERRIDE, "evidence": [
        {"quote": "q", "lines": "L4", "section": "S", "context": "reported view"}]}]),
        critiques=[{"lines": "L2-L3", "section": "S", "note": "the author disagrees"}])
    document["effects"][0]["evidence"][0]["context"] = "read in its paragraph"
    model = model_from_document(document)
    served = model.to_document()
    assert served["profiles"] == [document["profiles"][0]]
    assert served["critiques"] == document["critiques"]
    assert served["effects"][0]["evidence"][0]["context"] == "read in its paragraph"
    assert model_from_document(served).version == model.version


def test_models_without_profiles_keep_their_version():
    """Profiles and critiques arrived after models were first stored: empty, they leave the hash alone."""
    plain = model_from_document(small_model())
    assert model_from_document(with_profiles(critiques=[])).version == plain.version
    assert model_from_document(with_profiles(profile())).version != plain.version


# -- Warnings: what a reviewer should confirm; never blocking ---------------------------------------------


def distinct_evidence(document: dict) -> dict:
    """Give every effect its own line so that no passage is shared unless a test says so, and make
    the interaction a small conflict that keeps its pair on the scale (the small model's synergy
    takes a + b from 3 to 4 on x in the optimistic case, which the warnings rightly flag)."""
    for index, effect in enumerate(document["effects"]):
        effect["evidence"] = [{"quote": f"quote {index}", "lines": f"L{100 + index}", "section": "S"}]
    document["interactions"][0]["effects"] = {"x": {"low": -1, "likely": -0.5, "high": 0}}
    return document


def warnings_of(document: dict) -> list:
    from service.engine.model_check import check_model_document

    check = check_model_document(document)
    assert check.problems == []
    return check.warnings


def test_a_clean_model_has_no_warnings():
    assert warnings_of(distinct_evidence(small_model())) == []


def test_one_passage_for_two_criteria_of_one_option_is_flagged():
    document = distinct_evidence(small_model())
    # effects 0 and 1 are option a on x and y; effect 2 is option b on x.
    document["effects"][1]["evidence"] = [{"quote": "another part", "lines": "L99-L100", "section": "S"}]
    document["effects"][2]["evidence"] = [{"quote": "same lines, other option", "lines": "L100", "section": "S"}]
    warnings = warnings_of(document)
    assert [w.pointer for w in warnings] == ["/effects/1/evidence/0"]
    assert "'a' on 'x' and on 'y'" in warnings[0].detail and "/effects/0/evidence/0" in warnings[0].detail
    document["effects"][1]["evidence"][0]["context"] = "a different claim of the same sentence"
    assert warnings_of(document) == []


def test_quotes_from_critique_passages_or_with_critique_markers_are_flagged():
    document = distinct_evidence(small_model())
    document["critiques"] = [{"lines": "L101-L102", "section": "S", "note": "the author's critique of X"}]
    document["effects"][3]["evidence"][0]["quote"] = "force is perceived as impartial"
    document["criteria"][0]["evidence"][0]["quote"] = "so-called robust, in a criterion's evidence"
    document["interactions"][0]["evidence"] = [{"quote": "in essence an intervention brigade", "lines": "L7", "section": "S"}]
    warnings = {w.pointer: w.detail for w in warnings_of(document)}
    assert set(warnings) == {"/effects/1/evidence/0", "/effects/2/evidence/0", "/effects/3/evidence/0",
                             "/interactions/0/evidence/0"}
    assert "the author's critique of X" in warnings["/effects/1/evidence/0"]
    assert "“perceived as”" in warnings["/effects/3/evidence/0"]
    for pointer in ("/effects/1", "/effects/2", "/effects/3"):
        index = int(pointer.split("/")[2])
        document["effects"][index]["evidence"][0]["context"] = "read in its paragraph: it does support the cell"
    assert [w.pointer for w in warnings_of(document)] == ["/interactions/0/evidence/0"]


def interacting(first: float, second: float, extra: float, **changes) -> dict:
    """Options a and b on criterion x with these most likely values and an interaction on x."""
    document = distinct_evidence(small_model())
    for effect in document["effects"]:
        if effect["criterion"] == "x" and effect["option"] in ("a", "b"):
            value = first if effect["option"] == "a" else second
            effect.update(low=min(value, 0), likely=value, high=max(value, 0))
    document["interactions"][0]["effects"] = {"x": {"low": min(extra, 0), "likely": extra, "high": max(extra, 0)}}
    document.update(changes)
    return document


def test_an_interaction_pushing_its_pair_beyond_the_scale_is_flagged():
    """a + b = 2.5 on x, within the scale; the interaction adds 1 and takes the pair to 3.5."""
    warnings = warnings_of(interacting(1.0, 1.5, 1.0))
    assert [w.pointer for w in warnings] == ["/interactions/0/effects/x"]
    assert "2.5" in warnings[0].detail and "3.5" in warnings[0].detail and "likely case" in warnings[0].detail


def test_an_interaction_is_not_blamed_for_what_its_options_already_do():
    assert warnings_of(interacting(2.0, 1.5, 0.5)) == []  # 3.5 before the interaction
    assert warnings_of(interacting(1.0, 1.0, 0.5)) == []  # 2.5 with it
    assert warnings_of(interacting(-1.5, -1.0, -1.0)) != []  # -2.5 to -3.5: the floor too


def test_the_interaction_check_follows_scenarios_and_constraints():
    # A scenario's delta takes the pair across only in that scenario, which the warning names.
    document = interacting(1.0, 1.0, 0.5)
    document["scenarios"][1]["adjustments"] = [{"option": "a", "criterion": "x", "delta": 1}]
    warnings = warnings_of(document)
    assert len(warnings) == 1 and "scenario 'no-c'" in warnings[0].detail
    # A pair the model's constraints never allow is not checked.
    barred = interacting(1.0, 1.5, 1.0)
    barred["constraints"].append({"id": "not-a-with-b", "type": "excludes", "options": ["a", "b"]})
    assert warnings_of(barred) == []


def test_posting_a_model_returns_its_warnings_and_stores_none(client):
    document = interacting(1.0, 1.5, 1.0, id="warned")
    response = client.post("/api/v1/models", json=document)
    assert response.status_code == 201
    assert [w["pointer"] for w in response.json["warnings"]] == ["/interactions/0/effects/x"]
    served = client.get("/api/v1/models/warned").json
    assert "warnings" not in served
    assert served == {k: v for k, v in response.json.items() if k != "warnings"}
    clean = client.post("/api/v1/models", json=distinct_evidence(small_model("clean")))
    assert clean.status_code == 201 and clean.json["warnings"] == []


def _interaction_warnings_pair_by_pair(model) -> list[tuple[str, str]]:
    """The interaction check written the plain way, one pair, scenario, case and constraint at a
    time: the reference for the vectorized check."""
    import numpy as np

    from models.domain import SCORE_CASES
    from service.engine.constraints import satisfied, sourced_constraints
    from service.engine.performance import TIE_TOLERANCE, performance_table

    def beyond(values):
        return (values > model.scale_max + TIE_TOLERANCE) | (values < model.scale_min - TIE_TOLERANCE)

    found = {}
    for scenario in [s.id for s in model.scenarios] or [None]:
        constraints = sourced_constraints(model, scenario, [])
        for case in SCORE_CASES:
            table = performance_table(model, scenario, case)
            for t, term in enumerate(table.interactions):
                membership = np.zeros((1, len(table.option_ids)), dtype=bool)
                membership[0, [term.first, term.second]] = True
                without = table.effects[term.first] + table.effects[term.second]
                performance = (without + term.effects)[None, :]
                if not all(satisfied(item.constraint, table, membership, performance)[0] for item in constraints):
                    continue
                for j in np.flatnonzero(beyond(performance[0]) & ~beyond(without)):
                    found.setdefault(f"/interactions/{t}/effects/{table.criterion_ids[j]}", []).append((scenario, case))
    return sorted((pointer, cases[0][0] or "") for pointer, cases in found.items())


@settings(max_examples=150, deadline=None, derandomize=True)
@given(model_documents(max_constraints=4))
def test_the_interaction_check_equals_the_pair_by_pair_reference(document):
    from service.engine.model_check import interaction_scale_warnings

    model = model_from_document(document)
    warnings = interaction_scale_warnings(model)
    reference = _interaction_warnings_pair_by_pair(model)
    assert [w.pointer for w in warnings] == [pointer for pointer, _ in reference]
    for warning, (_, scenario) in zip(warnings, reference):
        assert (f"scenario '{scenario}'" in warning.detail) == bool(scenario)


def test_warnings_beyond_the_listed_hundred_are_counted_not_listed():
    from models.validation import Problem
    from service.engine import model_check

    document = small_model()
    effect = document["effects"][0]
    # One passage cited for every criterion of one option, 40 times: far more than 100 overlaps.
    siblings = [e for e in document["effects"] if e["option"] == effect["option"]]
    for sibling in siblings:
        sibling["evidence"] = [dict(sibling["evidence"][0], lines=effect["evidence"][0]["lines"]) for _ in range(40)]
    data, problems = validate_model_document(document)
    assert problems == []
    unlisted = model_check.document_warnings(data) + model_check.interaction_scale_warnings(model_from_document(document))
    assert len(unlisted) > model_check.MAX_LISTED_WARNINGS + 1
    warnings = model_check.model_warnings(data, model_from_document(document))
    assert warnings[:model_check.MAX_LISTED_WARNINGS] == unlisted[:model_check.MAX_LISTED_WARNINGS]
    assert warnings[-1] == Problem("", f"{len(unlisted) - model_check.MAX_LISTED_WARNINGS} more warnings of the kinds "
                                       "above are not listed: answer these and check the model again.")
    assert len(warnings) == model_check.MAX_LISTED_WARNINGS + 1
