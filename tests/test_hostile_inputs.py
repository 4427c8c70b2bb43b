"""A corpus of hostile request bodies for every operation that takes one, and of hostile path
segments for every route with a path variable, on SQLite and on PostgreSQL.

Whatever a client sends, the service answers without a 5xx; every refusal is an
application/problem+json document; and a refused request writes nothing (no row in any
table changes, the model list stays the same). Bodies are built as raw text so the corpus
can hold what Python's json module would never produce: NaN, huge literals, duplicate
keys, lone surrogates. Text the text policy refuses (NUL and other C0 controls, unpaired
surrogates, noncharacters) is refused with 422 and a pointer to where it was, on both
databases alike; in a path segment it matches no route (404).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import MetaData, select

from service import create_app
from tests.documents import small_model

MODEL = "minusma-2017"
HOLE = "__hostile__"
MAX_DEPTH = 32  # the default MAX_JSON_DEPTH

# Raw JSON fragments no field of any request may accept: refused with 400 or 422, never stored.
NEVER_VALID = {
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "1e400 (overflows a double)": "1e400",
    "-1e400": "-1e400",
    "400-digit integer": "1" + "0" * 400,
    "-400-digit integer": "-1" + "0" * 400,
    "4000-digit integer": "9" * 4000,
    "array of arrays": "[[[]]]",
    "object in object": '{"a": {"b": {}}}',
    "nested past the depth limit": "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5),
    "nested very deep": "[" * 100_000 + "]" * 100_000,
    "duplicate keys": '{"a": 1, "a": 2}',
    "truncated": '{"a": ',
}
# Fragments some fields accept (a number for a weight, text for a title): never a 5xx, and
# stored only when the answer is a success.
SOMETIMES_VALID = {
    "null": "null",
    "true": "true",
    "empty string": '""',
    "numeric string": '"1"',
    "NaN as a string": '"NaN"',
    "empty array": "[]",
    "empty object": "{}",
    "zero": "0",
    "negative": "-1",
    "1e308 (largest doubles)": "1e308",
    "-1e308": "-1e308",
    "5e-324 (subnormal)": "5e-324",
    "2**63 integer": str(2**63),
    "float for an integer": "2.5",
    "very long string": json.dumps("x" * 200_000),
    "right-to-left override": '"\\u202egnp.exe"',
    "DEL and C1 controls": '"a\\u007fb\\u0085c\\u009f"',
    "replacement character": '"\\ufffd"',
    "emoji and combining marks": '"\U0001F4A3 e\u0301\u0301\u0301"',
    "BOM inside a string": '"\\ufeffpeace-process"',
    "tab, carriage return and line feed escaped": '"\\t\\r\\n"',
}

# Strings the text policy refuses wherever they are (service/platform/text_policy.py): 422 with a
# pointer to the very place, on both databases, never stored.
REFUSED_TEXT = {
    "NUL character": '"a\\u0000b"',
    "NUL alone": '"\\u0000"',
    "U+0001": '"\\u0001"',
    "backspace U+0008": '"x\\by"',
    "vertical tab U+000B": '"\\u000b"',
    "form feed U+000C": '"x\\fy"',
    "escape U+001B": '"\\u001b[31mred"',
    "U+001F": '"\\u001f"',
    "lone high surrogate": '"\\ud800"',
    "lone low surrogate": '"\\udfff"',
    "reversed surrogate pair": '"\\udc00\\ud800"',
    "noncharacter U+FFFE": '"\\ufffe"',
    "noncharacter U+FFFF": '"\\uffff"',
    "noncharacter U+FFFF unescaped": '"\uffff"',
    "noncharacter U+FDD0": '"\\ufdd0"',
    "noncharacter U+1FFFF": '"\\ud83f\\udfff"',
    "noncharacter U+10FFFF": '"\\udbff\\udfff"',
}


@dataclass(frozen=True)
class Operation:
    """A POST/PUT operation, a valid body for it, and whose token may call it."""

    method: str
    path: str
    body: dict | None
    token: str | None  # "facilitator", "participant" or None
    optional_body: bool = False  # no body at all is a valid request


OPERATIONS = {
    "add model": Operation("POST", "/api/v1/models", small_model("hostile-small"), None),
    "replace model": Operation("PUT", "/api/v1/models/hostile-put", small_model("hostile-put"), None),
    "rank": Operation("POST", f"/api/v1/models/{MODEL}/rankings",
                      {"weights": {"peace-process": 2, "stabilization": 1}, "k": 3, "scenario": "truce-holds"}, None),
    "robustness": Operation("POST", f"/api/v1/models/{MODEL}/robustness",
                            {"weights": {"peace-process": 2}, "priority_order": ["peace-process", "stabilization"]},
                            None),
    "open workshop": Operation("POST", "/api/v1/workshops", {"title": "w", "model_id": MODEL, "anonymous": False,
                                                             "language": "en", "instructions": "read first"}, None),
    "change settings": Operation("PATCH", "/api/v1/workshops/{w}", {"title": "t", "open_results": False, "language": "fr",
                                                                     "instructions": "round"}, "facilitator"),
    "join": Operation("POST", "/api/v1/workshops/{w}/participants",
                      {"join_code": "{join_code}", "display_name": "Ann", "perspective": "civil society"}, None),
    "submit": Operation("PUT", "/api/v1/workshops/{w}/participants/{p}/submission",
                        {"weights": {"peace-process": 1, "stabilization": 2}, "comment": "c"}, "participant"),
    # These two take an optional body.
    "release": Operation("POST", "/api/v1/workshops/{w}/release", {"round": 1}, "facilitator", optional_body=True),
    "open round": Operation("POST", "/api/v1/workshops/{w}/rounds", {"instructions": "next"}, "facilitator",
                            optional_body=True),
}


def _with_hole(body: dict, path: tuple) -> str:
    """The body's JSON text with the value at `path` replaced by the placeholder."""
    document = json.loads(json.dumps(body))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = HOLE
    return json.dumps(document)


def _positions(body: dict) -> list[tuple]:
    """Every top-level field, and the first entry of each object- or array-valued field."""
    positions = []
    for key, value in body.items():
        positions.append((key,))
        if isinstance(value, dict) and value:
            positions.append((key, next(iter(value))))
        elif isinstance(value, list) and value:
            positions.append((key, 0))
    return positions


WHOLE_BODIES = {
    # label -> (raw body, content type, must be refused)
    "empty body": (b"", "application/json", True),
    "whitespace only": (b"  \n", "application/json", True),
    "null": (b"null", "application/json", True),
    "array": (b"[]", "application/json", True),
    "number": (b"1", "application/json", True),
    "string": (b'"x"', "application/json", True),
    "NaN": (b"NaN", "application/json", True),
    "not JSON": (b"{'single': 'quotes'}", "application/json", True),
    "trailing comma": (b'{"a": 1,}', "application/json", True),
    "trailing garbage": (b"{} {}", "application/json", True),
    "comment": (b"{} // hi", "application/json", True),
    "invalid UTF-8": (b'{"a": "\xff\xfe"}', "application/json", True),
    "UTF-16": ('{"a": 1}'.encode("utf-16"), "application/json", True),
    "deep object nesting": (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "application/json", True),
    "deep array nesting": (b"[" * 1_000_000 + b"]" * 1_000_000, "application/json", True),
    "body over the size limit": (b'{"a": "' + b"x" * (5 * 1024 * 1024) + b'"}', "application/json", True),
    "duplicate top-level keys": (b'{"weights": {}, "weights": {}}', "application/json", True),
    "many unknown keys": (json.dumps({f"k{i}": i for i in range(20_000)}).encode(), "application/json", True),
}
WRONG_CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                       "application/xml", "application/octet-stream", None]


@dataclass(frozen=True)
class HostileCase:
    operation: str
    label: str
    body: bytes
    content_type: str | None
    must_refuse: bool
    refused_at: str | None = None  # a pointer the 422 must name: the place of refused text


def hostile_cases() -> list[HostileCase]:
    cases = []
    for name, operation in OPERATIONS.items():
        for label, (raw, content_type, must_refuse) in WHOLE_BODIES.items():
            must_refuse = must_refuse and operation.body is not None and not (operation.optional_body and not raw)
            cases.append(HostileCase(name, label, raw, content_type, must_refuse))
        valid_text = json.dumps(operation.body if operation.body is not None else {}).encode()
        for content_type in WRONG_CONTENT_TYPES:
            cases.append(HostileCase(name, f"valid body as {content_type}", valid_text, content_type,
                                     operation.body is not None))
        if operation.body is None:
            continue
        for position in _positions(operation.body):
            template = _with_hole(operation.body, position)
            where = "/".join(map(str, position))
            for fragments, must_refuse in ((NEVER_VALID, True), (SOMETIMES_VALID, False)):
                for label, fragment in fragments.items():
                    text = template.replace(json.dumps(HOLE), fragment)
                    cases.append(HostileCase(name, f"{where} = {label}", text.encode(), "application/json",
                                             must_refuse))
            for label, fragment in REFUSED_TEXT.items():
                text = template.replace(json.dumps(HOLE), fragment)
                cases.append(HostileCase(name, f"{where} = {label}", text.encode(), "application/json", True,
                                         refused_at=f"/{where}"))
        # A hostile key rather than a hostile value: refused text in a key is pointed at its object.
        for label, key, refused_at in (("lone surrogate key", '"\\ud800"', ""), ("NUL key", '"a\\u0000"', ""),
                                       ("control key", '"\\u0007"', ""), ("empty key", '""', None),
                                       ("long key", json.dumps("k" * 10_000), None)):
            text = json.dumps(operation.body)[:-1] + f", {key}: 1}}"
            cases.append(HostileCase(name, label, text.encode(), "application/json", True, refused_at=refused_at))
    return cases


CASES = hostile_cases()


@pytest.fixture(scope="module")
def app(module_database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": module_database_url})
    yield app
    app.extensions["policy_options"].engine.dispose()


@pytest.fixture(scope="module")
def workshop(app):
    client = app.test_client()
    created = client.post("/api/v1/workshops", json={"title": "hostile", "model_id": MODEL}).json
    joined = client.post(f"/api/v1/workshops/{created['id']}/participants",
                         json={"join_code": created["join_code"], "display_name": "P"}).json
    return {"w": created["id"], "p": joined["participant_id"], "join_code": created["join_code"],
            "facilitator": created["facilitator_token"], "participant": joined["participant_token"]}


class DatabaseSnapshots:
    """Every row of every table, sorted: an independent record of what has been written.

    `before()` reuses the snapshot a refused case took last (nothing was written since, which that
    case checked); `after()` always reads the tables again, and `written()` forgets the last one.
    """

    def __init__(self, engine):
        self.engine, self.metadata, self.last = engine, MetaData(), None
        self.metadata.reflect(engine)

    def after(self) -> dict:
        with self.engine.connect() as connection:
            self.last = {name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
                         for name, table in self.metadata.tables.items()}
        return self.last

    def before(self) -> dict:
        return self.last if self.last is not None else self.after()

    def written(self) -> None:
        self.last = None


@pytest.fixture(scope="module")
def database_snapshot(app, workshop):
    return DatabaseSnapshots(app.extensions["policy_options"].engine)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.operation}: {c.label}" for c in CASES])
def test_hostile_body_is_refused_cleanly_and_writes_nothing(case, app, workshop, database_snapshot):
    operation = OPERATIONS[case.operation]
    client = app.test_client()
    path = operation.path.format(**workshop)
    body = case.body.replace(b"{join_code}", workshop["join_code"].encode())
    headers = {"Authorization": f"Bearer {workshop[operation.token]}"} if operation.token else {}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    models_before = client.get("/api/v1/models").json
    rows_before = database_snapshot.before()

    response = client.open(path, method=operation.method, data=body, headers=headers)

    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if case.must_refuse:
        assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:500]
    if case.refused_at is not None:
        assert response.status_code == 422, response.get_data(as_text=True)[:500]
        assert case.refused_at in [error["pointer"] for error in response.get_json()["errors"]]
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert problem["status"] == response.status_code
        assert client.get("/api/v1/models").json == models_before
        assert database_snapshot.after() == rows_before
    else:
        database_snapshot.written()
        assert response.mimetype == "application/json"


# -- path segments -------------------------------------------------------------------------------

# Every route with a path variable; {w}, {p} and {code} are a real workshop's, participant's and join code.
ROUTES = [
    ("GET", "/api/v1/models/{segment}"), ("PUT", "/api/v1/models/{segment}"), ("DELETE", "/api/v1/models/{segment}"),
    ("POST", "/api/v1/models/{segment}/rankings"), ("POST", "/api/v1/models/{segment}/robustness"),
    ("POST", "/api/v1/models/{segment}/briefs"),
    ("GET", "/api/v1/workshops/{segment}"), ("PATCH", "/api/v1/workshops/{segment}"),
    ("POST", "/api/v1/workshops/{segment}/participants"), ("POST", "/api/v1/workshops/{segment}/rounds"),
    ("POST", "/api/v1/workshops/{segment}/release"), ("DELETE", "/api/v1/workshops/{segment}/release"),
    ("GET", "/api/v1/workshops/{segment}/results"), ("GET", "/api/v1/workshops/{segment}/brief"),
    ("GET", "/api/v1/workshops/{w}/participants/{segment}/submission"),
    ("PUT", "/api/v1/workshops/{w}/participants/{segment}/submission"),
    ("GET", "/w/{segment}"), ("GET", "/workshops/{segment}/dashboard"), ("GET", "/docs/assets/{segment}"),
]
# Percent-encoded as a client sends them; "{real}" is the id the route would otherwise find.
SEGMENTS = {
    "NUL": "%00", "NUL inside": "a%00b", "NUL after the real id": "{real}%00",
    "trailing newline": "{real}%0A", "trailing carriage return": "{real}%0D", "tab": "{real}%09",
    "newline alone": "%0A", "escape": "%1B", "DEL": "{real}%7F",
    "U+FFFF": "%EF%BF%BF", "U+FFFE after the real id": "{real}%EF%BF%BE", "U+FDD0": "%EF%B7%90",
    "U+1FFFF": "%F0%9F%BF%BF",
}
# Bytes that are not UTF-8 are read as U+FFFD, which is text: answered as any unknown id would be
# (the dashboard page, which shows nothing without the token, answers any id).
NOT_UTF8 = {"encoded surrogate": "%ED%A0%80", "invalid UTF-8": "%FF%FE"}
SEGMENTS.update(NOT_UTF8)
PATH_CASES = [(method, route, label) for method, route in ROUTES for label in SEGMENTS]


def _real(route: str, workshop: dict) -> str:
    if route.startswith(("/api/v1/models", "/docs")):
        return MODEL if "models" in route else "swagger-ui.css"
    if route.startswith("/w/"):
        return workshop["join_code"]
    return workshop["p"] if "participants/{segment}" in route else workshop["w"]


@pytest.mark.parametrize("method, route, label", PATH_CASES, ids=[f"{m} {r}: {label}" for m, r, label in PATH_CASES])
def test_hostile_path_segment_matches_no_route_and_writes_nothing(method, route, label, app, workshop, database_snapshot):
    client = app.test_client()
    segment = SEGMENTS[label].replace("{real}", _real(route, workshop))
    path = route.replace("{w}", workshop["w"]).replace("{segment}", segment)
    body = {"join_code": workshop["join_code"], "display_name": "X"} if route.endswith("/participants") else None
    rows_before = database_snapshot.before()

    response = client.open(path, method=method, json=body,
                           headers={"Authorization": f"Bearer {workshop['facilitator']}"})

    if label in NOT_UTF8:
        assert response.status_code < 500, (path, response.get_data(as_text=True)[:300])
    else:
        assert response.status_code == 404, (path, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == response.status_code
    assert database_snapshot.after() == rows_before
