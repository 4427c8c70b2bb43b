"""The compiled fast path of request loading (service/schemas/fastload.py) against marshmallow itself:
for every body, the same loaded value (same types) or the same refusal with the same messages, hence
the same pointers, on the hostile corpus of the ranking endpoint and on generated bodies."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from models.schema import CONSTRAINT_TYPES
from service.platform.jsonbody import NotJSON, strict_loads
from service.schemas.fastload import Declined, compile_loader
from service.schemas.rankings import RankingRequestSchema
from tests.test_hostile_inputs import CASES, MAX_DEPTH
from tests.test_jsonbody_fast import typed

SCHEMA = RankingRequestSchema()
CRITERIA = ["impartiality-and-authority", "peace-process", "personnel-safety", "protection-of-civilians",
            "state-authority", "diplomatic-feasibility", "regional-demilitarization", "stabilization"]
BENCH_BODY = {"weights": {c: 0.1 * (n + 1) for n, c in enumerate(CRITERIA)}, "k": 5,
              "constraints": [{"type": "max_options", "count": 3}, {"type": "exclude", "options": ["plan-exit"]}]}


def outcome(load, data):
    try:
        return ("accepted", typed(load(data)))
    except ValidationError as error:
        return ("refused", error.messages)


def marshmallow_load(data):
    return Schema.load(SCHEMA, data)  # the schema's own machinery, without the fast path


def _corpus() -> list:
    documents = []
    for case in CASES:
        if case.operation != "rank" or case.content_type != "application/json" or not case.body:
            continue
        try:
            documents.append(strict_loads(case.body, MAX_DEPTH))
        except NotJSON:
            continue
    return documents


CORPUS = _corpus()


def test_the_fast_path_is_compiled_and_takes_valid_bodies():
    fast = compile_loader(SCHEMA)
    assert fast is not None
    assert typed(fast(BENCH_BODY)) == typed(marshmallow_load(BENCH_BODY))
    accepted = 0
    for document in CORPUS:
        try:
            fast(document)
            accepted += 1
        except Declined:
            pass
    assert accepted >= 10  # not a fast path that declines everything


@pytest.mark.parametrize("number", range(len(CORPUS)))
def test_both_agree_on_the_hostile_corpus(number):
    document = CORPUS[number]
    assert outcome(SCHEMA.load, document) == outcome(marshmallow_load, document)


def test_what_the_fast_path_accepts_marshmallow_accepts_the_same():
    fast = compile_loader(SCHEMA)
    for document in CORPUS:
        try:
            loaded = fast(document)
        except Declined:
            continue
        assert typed(loaded) == typed(marshmallow_load(document))


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8)
NUMBERS = (st.integers(-3, 20) | st.integers(2**52, 2**54) | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([0, 0.0, -0.0, 1, 1.0, True, False]))
IDS = st.sampled_from(CRITERIA + ["plan-exit", "no-such-thing", "", "Upper", "a" * 81, "x\n", "minusma-2017\n"]) \
    | st.text(max_size=12)
CONSTRAINT = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from([*CONSTRAINT_TYPES, "nope", ""]) | ANY_JSON,
    "options": st.lists(IDS, max_size=3) | ANY_JSON, "option": IDS | ANY_JSON, "requires": IDS | ANY_JSON,
    "count": NUMBERS | ANY_JSON, "criterion": IDS | ANY_JSON, "at_least": NUMBERS | ANY_JSON,
    "extra": ANY_JSON})
BODIES = st.fixed_dictionaries({}, optional={
    "weights": st.dictionaries(IDS, NUMBERS | ANY_JSON, max_size=9) | ANY_JSON,
    "priority_order": st.lists(IDS | st.lists(IDS, max_size=3), max_size=4) | ANY_JSON,
    "profile": IDS | ANY_JSON,
    "scenario": IDS | ANY_JSON,
    "score_case": st.sampled_from(["likely", "low", "high", "worst", "LIKELY"]) | ANY_JSON,
    "constraints": st.lists(CONSTRAINT, max_size=3) | ANY_JSON,
    "k": NUMBERS | ANY_JSON,
    "unknown": ANY_JSON,
}) | ANY_JSON


@settings(max_examples=800, deadline=None)
@given(BODIES)
def test_both_agree_on_generated_bodies(body):
    # A body as it comes off the wire: JSON, so tuples and other Python types cannot appear.
    body = json.loads(json.dumps(body))
    assert outcome(SCHEMA.load, body) == outcome(marshmallow_load, body)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(CRITERIA), NUMBERS, min_size=1, max_size=8), st.integers(-1, 12),
       st.lists(CONSTRAINT, max_size=2))
def test_both_agree_on_bodies_close_to_valid(weights, k, constraints):
    body = json.loads(json.dumps({"weights": weights, "k": k, "constraints": constraints}))
    assert outcome(SCHEMA.load, body) == outcome(marshmallow_load, body)
