"""The fast path of strict JSON (orjson, service/platform/jsonbody.py) against the careful one (Python's
json module with the hooks that make it strict), its reference: the same value, of the same types,
or the same refusal in the same words, for the hostile corpus and for generated bodies."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.platform.jsonbody import NotJSON, careful_loads, strict_loads
from tests.test_hostile_inputs import CASES, MAX_DEPTH


def typed(value):
    """A value with its types spelled out: 1 and 1.0 and True, 0.0 and -0.0 are all different here."""
    if isinstance(value, dict):
        return ("object", [(key, typed(child)) for key, child in value.items()])
    if isinstance(value, list):
        return ("array", [typed(child) for child in value])
    return (type(value).__name__, repr(value))


def outcome(parse, text: bytes, max_depth: int):
    try:
        return ("accepted", typed(parse(text, max_depth)))
    except NotJSON as error:
        return ("refused", str(error))


@pytest.mark.parametrize("body", sorted({case.body for case in CASES if case.body}, key=len)[:400])
def test_both_paths_agree_on_the_hostile_corpus(body):
    assert outcome(strict_loads, body, MAX_DEPTH) == outcome(careful_loads, body, MAX_DEPTH)


def test_both_paths_agree_on_the_largest_hostile_bodies():
    for body in sorted({case.body for case in CASES if case.body}, key=len)[400:]:
        assert outcome(strict_loads, body, MAX_DEPTH) == outcome(careful_loads, body, MAX_DEPTH), body[:80]


# Keys from a small set, so that objects repeat them; some hold colons, written or escaped.
KEYS = st.sampled_from(["a", "b", "a:b", ":", "k\\u003a", "\\u0061", "é", "w"])
SCALARS = st.one_of(
    st.sampled_from(["null", "true", "false", "NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400", "-0", "-0.0",
                     "0.0", "1E5", "2.5e-3", "12345678901234567890", "123456789012345678901234567890", str(2**63), str(2**63 - 1), "9" * 18, "-" + "9" * 18,
                     '"x:y"', '"\\u003a"', '"\\ud800"', '"\\ud83d\\ude00"', '""', '"\\"a\\":1"', "01", "1.", ".5", "+1"]),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=6).map(json.dumps),
    st.text(max_size=6).map(lambda text: json.dumps(text, ensure_ascii=False)),
)
SPACE = st.sampled_from(["", " ", "\n", "\t", "\r\n "])


def _object(children):
    return st.lists(st.tuples(KEYS, children, SPACE), max_size=4).map(
        lambda members: "{" + ",".join(f'{space}"{key}"{space}:{space}{value}' for key, value, space in members) + "}")


def _array(children):
    return st.lists(st.tuples(children, SPACE), max_size=4).map(
        lambda items: "[" + ",".join(f"{space}{value}" for value, space in items) + "]")


DOCUMENTS = st.recursive(SCALARS, lambda children: st.one_of(_object(children), _array(children)), max_leaves=24)


@settings(max_examples=600, deadline=None)
@given(DOCUMENTS, st.integers(1, 6), SPACE)
def test_both_paths_agree_on_generated_bodies(document, max_depth, space):
    text = (space + document + space).encode("utf-8", "surrogatepass")
    assert outcome(strict_loads, text, max_depth) == outcome(careful_loads, text, max_depth)


def test_a_repeated_key_is_refused_even_when_colons_hide_in_strings():
    """The fast path counts colons: strings that hold some must not mask a repeated key."""
    for body in (b'{"a": 1, "a": 2}', b'{"a": "x:y", "a": ":"}', b'{"a:": 1, "a:": 2}',
                 b'{"k\\u003a": 1, "k:": 2}', b'{"a": {"b": 1, "b": 1}}'):
        with pytest.raises(NotJSON, match="Duplicate key"):
            strict_loads(body, MAX_DEPTH)
