"""Strict JSON request bodies: what is not JSON is a 400, never coerced.

Python's json module accepts NaN, Infinity and duplicate keys; DESIGN.md §7 says
those are not JSON. Depth is bounded so a hostile body cannot exhaust the stack. Strings
are held to the text policy (service/platform/text_policy.py).

Bodies are parsed by orjson first, several times faster than json with the hooks that make it
strict; orjson refuses NaN, Infinity and numbers too large for a double as json with those hooks
does, but keeps the last of duplicate keys and reads integers past 64 bits as floats, where json
keeps them exact. So a body with a `\\u` escape (which could hide a colon) goes to the careful
parser, and so does one where orjson read a float of an integer's value past 64 bits, one whose
colons outside strings outnumber the members orjson kept (a repeated key), one nested too deep,
and any body orjson refuses, so that every refusal keeps its message.
tests/test_jsonbody_fast.py checks that both paths agree.
"""

from __future__ import annotations

import io
import json

import orjson
from flask import current_app
from webargs import core
from webargs.flaskparser import FlaskParser, abort

from service.platform.errors import ApiProblem
from service.platform.text_policy import refused_text


class NotJSON(ValueError):
    pass


def _refuse_constant(name: str):
    raise NotJSON(f"{name} is not a JSON number.")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise NotJSON(f"{text} is too large for a number.")
    return value


def _refuse_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise NotJSON(f"Duplicate key {key!r}.")
        result[key] = value
    return result


def _depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


_BEYOND_INT64 = 2.0**63  # orjson reads an integer literal past 64 bits as a float


def _fits(value, room: int, counts: list[int]) -> bool:
    """Whether orjson's `value` is what the careful parser would have returned, as far as can be
    told from it: containers no deeper than `room`, no float standing for a large integer literal.
    Adds up its object members and the colons in its strings into `counts`."""
    if type(value) is dict:
        children = value.values()
        counts[0] += len(value)
        for key in value:
            if ":" in key:
                counts[1] += key.count(":")
    else:
        children = value
    room -= 1
    for child in children:
        kind = type(child)
        if kind is str:
            if ":" in child:
                counts[1] += child.count(":")
        elif kind is dict or kind is list:
            if not room or not _fits(child, room, counts):
                return False
        elif kind is float and abs(child) >= _BEYOND_INT64 and child.is_integer():
            return False
    return True


def strict_loads(text: bytes | str, max_depth: int):
    """Parse JSON; raise `NotJSON` for NaN/Infinity, duplicate keys, bad text or depth over `max_depth`.

    What the strings may hold is the text policy's to say (`service.platform.text_policy`).
    """
    # A `\\u` escape may stand for a colon, which the count below would then miss.
    if isinstance(text, bytes) and b"\\u" not in text:
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return careful_loads(text, max_depth)  # refused: the careful parser says why, in its words
        counts = [0, 0]  # object members, colons inside strings
        if type(value) in (dict, list):
            fits = max_depth >= 1 and _fits(value, max_depth, counts)
        else:
            fits = not (type(value) is float and abs(value) >= _BEYOND_INT64 and value.is_integer())
            counts[1] = value.count(":") if type(value) is str else 0
        # Outside strings, a colon separates a key from its value: one per member written.
        if fits and counts[0] == text.count(b":") - counts[1]:
            return value
    return careful_loads(text, max_depth)


def careful_loads(text: bytes | str, max_depth: int):
    """`strict_loads` by Python's json module and hooks alone: the reference, and every refusal's words."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float, object_pairs_hook=_refuse_duplicates)
    except NotJSON:
        raise
    except (ValueError, RecursionError) as error:
        raise NotJSON(str(error).split(":")[0] if not isinstance(error, RecursionError) else "Too deeply nested.") from None
    if _depth(value) > max_depth:
        raise NotJSON(f"Nested deeper than the limit of {max_depth} levels (MAX_JSON_DEPTH).")
    return value


class StrictJSONParser(FlaskParser):
    """webargs parser for request bodies: 415 unless JSON, 400 unless strictly valid JSON, 422 with
    a pointer for text the text policy refuses.

    No body at all stands for `{}` where the schema says its body is optional (`OPTIONAL_BODY = True`,
    such as a release's round); elsewhere it is a 400.
    """

    def load_json(self, req, schema):
        if not req.get_data(cache=True):
            if getattr(schema, "OPTIONAL_BODY", False):
                return {}
            abort(400, message="A JSON body is required.", problem="invalid-json")
        if not core.is_json(req.mimetype):
            abort(415, message="Send the body as application/json.", problem="unsupported-media-type")
        try:
            document = strict_loads(req.get_data(cache=True), current_app.config["MAX_JSON_DEPTH"])
        except NotJSON as error:
            abort(400, message=f"The body is not valid JSON: {error}", problem="invalid-json")
        refused = refused_text(document)
        if refused:
            raise ApiProblem(422, "The body holds characters that are not accepted in text.", slug="validation-error",
                             title="Unprocessable Content",
                             errors=[{"pointer": pointer, "detail": detail} for pointer, detail in refused])
        return document


class BoundedStreamingBodies:
    """WSGI middleware: a body sent without Content-Length (chunked) is held to MAX_BODY_BYTES too.

    werkzeug bounds such a stream by stopping at the limit, and reading the whole body then returns
    its first MAX_BODY_BYTES bytes as if they were all: a longer body would be cut silently. Here the
    body is read up to one byte past the limit first; within it, the request goes on with that body
    and its length, as if sent with Content-Length; past it, the request goes on with a length over
    the limit and no body, so that reading the body answers 413 as for any declared length over it.
    The rest of an oversized body is read and dropped up to DRAIN_FACTOR times the limit, so that
    the client, still sending, reads the 413 rather than a reset connection; beyond that the
    connection is closed on it.
    """

    DRAIN_FACTOR = 4

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    def __call__(self, environ, start_response):
        if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            body = _read_at_most(environ["wsgi.input"], self.limit + 1)
            if len(body) > self.limit:
                _read_at_most(environ["wsgi.input"], self.DRAIN_FACTOR * self.limit, keep=False)
            environ["wsgi.input"] = io.BytesIO(body if len(body) <= self.limit else b"")
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)  # werkzeug ignores a length beside "chunked"
        return self.app(environ, start_response)


def _read_at_most(stream, size: int, keep: bool = True) -> bytes:
    chunks, remaining = [], size
    while remaining > 0:
        chunk = stream.read(min(remaining, 64 * 1024))
        if not chunk:
            break
        if keep:
            chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
