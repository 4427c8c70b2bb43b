"""The README's "Limits" table is the code's, and each limit is enforced by a refusal that states it."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from models import validation
from service.engine import settings as engine_limits
from service.engine.errors import SolverTimeLimit
from service.persistence import workshop_store
from service.schemas import rankings as ranking_schemas

README = Path(__file__).resolve().parents[1] / "README.md"
MODEL = "/api/v1/models/minusma-2017"


def readme_limits() -> dict[str, tuple[str, str]]:
    """'what' -> (limit, refusal), from the table under '## Limits'."""
    section = README.read_text(encoding="utf-8").split("## Limits", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("what", "---"):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def numbers(text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]


def test_the_readme_table_states_the_limits_in_force(app):
    from service.platform.config import settings_from_environment

    rows = readme_limits()
    defaults = settings_from_environment()
    assert rows["request body"] == (f"{defaults['MAX_CONTENT_LENGTH'] // 2**20} MiB (`MAX_BODY_BYTES`)", "413")
    assert rows["JSON nesting"] == (f"{defaults['MAX_JSON_DEPTH']} levels (`MAX_JSON_DEPTH`)", "400")
    assert numbers(rows["criteria per model"][0]) == [validation.MAX_CRITERIA]
    assert numbers(rows["options per model (besides the status quo)"][0]) == [validation.MAX_OPTIONS]
    assert numbers(rows["scenarios / interactions / constraints per model"][0]) == [
        validation.MAX_SCENARIOS, validation.MAX_INTERACTIONS, validation.MAX_CONSTRAINTS]
    assert numbers(rows["constraints per request"][0]) == [ranking_schemas.MAX_REQUEST_CONSTRAINTS]
    assert numbers(rows["`k`"][0]) == [1, engine_limits.MAX_K]
    assert numbers(rows["SMAA `samples`"][0]) == [engine_limits.MAX_SAMPLES]
    assert numbers(rows["participants per workshop"][0]) == [workshop_store.MAX_PARTICIPANTS_PER_WORKSHOP]
    assert rows["participants per workshop"][1] == "409"
    assert rows["solver time"] == ("`SOLVER_TIME_LIMIT_SECONDS`", "503 with `Retry-After`")
    assert rows["requests per client"] == (f"{defaults['RATE_LIMIT'].replace('/', ' per ')} (`RATE_LIMIT`)",
                                           "429 with `Retry-After`")


def _error_details(response) -> list[str]:
    return [error["detail"] for error in response.json.get("errors", [])]


def test_the_body_and_nesting_limits_refuse_naming_themselves(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    large = client.post(f"{MODEL}/rankings", data=b" " * (limit + 1), content_type="application/json")
    assert large.status_code == 413 and large.json["limit"] == limit and "MAX_BODY_BYTES" in large.json["detail"]
    depth = app.config["MAX_JSON_DEPTH"]
    deep = client.post(f"{MODEL}/rankings", data="[" * (depth + 1) + "]" * (depth + 1), content_type="application/json")
    assert deep.status_code == 400 and "MAX_JSON_DEPTH" in deep.json["detail"]


@pytest.mark.parametrize("path, body, pointer, limit", [
    (f"{MODEL}/rankings", {"weights": {"peace-process": 1}, "k": engine_limits.MAX_K + 1}, "/k", engine_limits.MAX_K),
    (f"{MODEL}/rankings", {"weights": {"peace-process": 1}, "constraints": [{"type": "max_options", "count": 2}] * (ranking_schemas.MAX_REQUEST_CONSTRAINTS + 1)},
     "/constraints", ranking_schemas.MAX_REQUEST_CONSTRAINTS),
    (f"{MODEL}/robustness", {"weights": {"peace-process": 1}, "samples": engine_limits.MAX_SAMPLES + 1}, "/samples", engine_limits.MAX_SAMPLES),
])
def test_request_limits_refuse_with_422_stating_the_limit(client, path, body, pointer, limit):
    refused = client.post(path, json=body)
    assert refused.status_code == 422
    [error] = [e for e in refused.json["errors"] if e["pointer"] == pointer]
    assert str(limit) in error["detail"]
    at_limit = copy.deepcopy(body)
    at_limit[pointer[1:]] = limit if isinstance(body[pointer[1:]], int) else body[pointer[1:]][:limit]
    if pointer == "/samples":
        at_limit[pointer[1:]] = 100  # the limit itself is accepted by the schema; 100 keeps the test fast
    assert client.post(path, json=at_limit).status_code == 200


@pytest.mark.parametrize("collection, limit", [("criteria", validation.MAX_CRITERIA), ("options", validation.MAX_OPTIONS)])
def test_model_size_limits_refuse_with_422_stating_the_limit(client, collection, limit):
    from tests.documents import small_model

    document = small_model("too-big")
    template = document[collection][-1]
    document[collection] = [dict(template, id=f"{collection}-{i}") for i in range(limit + 1)]
    refused = client.post("/api/v1/models", json=document)
    assert refused.status_code == 422
    assert f"At most {limit} {collection} per model (limit)." in _error_details(refused)


def test_the_solver_time_limit_answers_503_with_retry_after_naming_the_limit(client, app, monkeypatch):
    from service.engine import ranking as ranking_engine  # the view imports `rank` from here per request

    def out_of_time(*_args, **_kwargs):
        raise SolverTimeLimit("HiGHS did not prove optimality within 10 s.")

    monkeypatch.setattr(ranking_engine, "rank", out_of_time)
    refused = client.post(f"{MODEL}/rankings", json={"weights": {"peace-process": 1}})
    assert refused.status_code == 503 and refused.mimetype == "application/problem+json"
    assert refused.json["type"].endswith("/solver-time-limit") and int(refused.headers["Retry-After"]) > 0
    assert refused.json["limit"] == app.config["SOLVER_TIME_LIMIT_SECONDS"]
    assert "SOLVER_TIME_LIMIT_SECONDS" in refused.json["detail"]
