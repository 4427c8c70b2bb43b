"""The worst case of each analysis endpoint at the documented limits, under a real gunicorn with
its configured worker timeout (service/gunicorn_conf.py): answered, or refused (422 naming the
field and the limit, 503 with Retry-After naming the limit), within the solver time limit plus a
margin, without a worker being killed, and within a bounded peak memory (README "Limits").

The limit is lowered to 3 s to keep CI short; the cost model and the deadline scale with it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.synthetic import limits_document
from bench.worst_case import hard_request_constraints, limits_weights, participant_bodies
from models.loader import builtin_models
from service import create_app
from tests.gunicorn_server import GunicornServer

LIMIT = 3.0
# What a request may take beyond the limit: reading its body, the deadline starting in the view,
# and writing the answer after the engine has finished.
MARGIN = 3.0
# The worker's peak memory over the analyses (the brief renderers, last, are held to the time only).
PEAK_RSS_MIB = 400
LIMITS_MODEL = "at-the-limits"
DEFAULT_MODEL = "minusma-2017"


def _workshop(app, model_id: str, criteria: list[str], overrides: list[dict], participants: int = 500) -> tuple[str, dict]:
    """A workshop with `participants` submissions: created through the API, filled through the store
    (as the submission endpoint stores them) to keep the setup short."""
    from service.engine.ranking import priorities_from_fields
    from service.persistence.workshop_store import WorkshopStore

    created = app.test_client().post("/api/v1/workshops", json={"title": "worst case", "model_id": model_id}).json
    state = app.extensions["policy_options"]
    store, model = WorkshopStore(state.sessions), state.models.get(model_id)
    for number, body in enumerate(participant_bodies(criteria, participants, overrides)):
        joined, _ = store.join(created["id"], created["join_code"], f"P{number}", None)
        weights, warnings = priorities_from_fields(model, body)
        store.submit(created["id"], joined.id, {**body, "warnings": warnings}, weights)
    return created["id"], {"Authorization": f"Bearer {created['facilitator_token']}"}


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    """A database holding the model at every limit and two workshops of 500 participants (one on that
    model, one on the default model), written in-process; then gunicorn serving it."""
    folder = tmp_path_factory.mktemp("worst-case")
    url = f"sqlite:///{folder / 'worst.sqlite3'}"
    document = limits_document(LIMITS_MODEL)
    app = create_app({"DATABASE_URL": url, "RATELIMIT_ENABLED": False})
    app.extensions["policy_options"].models.add(document)
    criteria = [c["id"] for c in document["criteria"]]
    overrides = [{"option": e["option"], "criterion": e["criterion"], "likely": e["high"]} for e in document["effects"][:3]]
    default = builtin_models()[DEFAULT_MODEL].to_document()
    default_overrides = [{"option": e["option"], "criterion": e["criterion"], "likely": e["high"]}
                         for e in default["effects"][:3]]
    workshops = {
        "limits": _workshop(app, LIMITS_MODEL, criteria, overrides),
        "default": _workshop(app, DEFAULT_MODEL, [c["id"] for c in default["criteria"]], default_overrides),
    }
    app.extensions["policy_options"].engine.dispose()
    env = {"SOLVER_TIME_LIMIT_SECONDS": f"{LIMIT:g}", "RATE_LIMIT": "off", "PYTHONWARNINGS": "ignore"}
    with GunicornServer(url, workers=1, env=env, log_path=folder / "gunicorn.log") as server:
        yield server, document, workshops


def worker_pid(server: GunicornServer) -> int:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def peak_rss_mib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) // 1024


def cases(document: dict, workshops: dict) -> list[tuple[str, str, str, dict | None, dict, tuple[int, ...]]]:
    """(name, method, path, body, headers, statuses allowed) of each endpoint's worst case."""
    constraints = hard_request_constraints(document)
    weights = limits_weights(document)
    intervals = {c["id"]: [0.005, 0.05] for c in document["criteria"]}
    limits = f"/api/v1/models/{LIMITS_MODEL}"
    limits_workshop, limits_facilitator = workshops["limits"]
    default_workshop, default_facilitator = workshops["default"]
    ranking = {"weights": weights, "k": 50, "constraints": constraints}
    answered_or_refused = (200, 422, 503)
    return [
        ("rankings", "POST", f"{limits}/rankings", ranking, {}, answered_or_refused),
        ("robustness", "POST", f"{limits}/robustness", {**ranking, "samples": 1000}, {}, answered_or_refused),
        ("robustness, 200,000 samples", "POST", f"{limits}/robustness", {"weights": weights, "samples": 200_000}, {},
         (422,)),
        ("robustness, intervals", "POST", f"{limits}/robustness", {"weight_intervals": intervals, "samples": 1000}, {},
         answered_or_refused),
        ("brief HTML", "POST", f"{limits}/briefs?format=html", {"weights": weights}, {}, answered_or_refused),
        ("brief DOCX", "POST", f"{limits}/briefs?format=docx", {"weights": weights}, {}, answered_or_refused),
        ("workshop results", "GET", f"/api/v1/workshops/{limits_workshop}/results", None, limits_facilitator,
         (200, 503)),
        ("workshop results, default model", "GET", f"/api/v1/workshops/{default_workshop}/results", None,
         default_facilitator, (200,)),
        ("robustness, default model, 200,000 samples", "POST", f"/api/v1/models/{DEFAULT_MODEL}/robustness",
         {"weights": {"peace-process": 2, "personnel-safety": 1}, "samples": 200_000}, {}, (200,)),
        ("workshop brief JSON, default model", "GET", f"/api/v1/workshops/{default_workshop}/brief?format=json", None,
         default_facilitator, (200,)),
        ("workshop brief DOCX, default model", "GET", f"/api/v1/workshops/{default_workshop}/brief?format=docx", None,
         default_facilitator, (200, 503)),
    ]


def test_every_worst_case_is_answered_or_refused_within_the_limit(setting):
    server, document, workshops = setting
    pid = worker_pid(server)
    outcomes, analyses_peak = [], None
    for name, method, path, body, headers, allowed in cases(document, workshops):
        if name.startswith("workshop brief DOCX"):
            analyses_peak = peak_rss_mib(pid)
        started = time.monotonic()
        answer = server.call(method, path, body, headers, timeout=LIMIT + MARGIN + 30)
        elapsed = time.monotonic() - started
        outcomes.append((name, answer.status, round(elapsed, 2)))
        assert answer.status in allowed, (name, answer.status, answer.body)
        assert elapsed <= LIMIT + MARGIN, (name, elapsed, answer.status)
        if answer.status == 503:
            assert int(answer.header("Retry-After")) > 0
            assert answer.body["limit"] == LIMIT and "SOLVER_TIME_LIMIT_SECONDS" in answer.body["detail"], name
        if answer.status == 422:
            [error] = answer.body["errors"]
            assert error["pointer"].endswith("/samples") and "SOLVER_TIME_LIMIT_SECONDS" in error["detail"], name
        assert answer.header("X-Request-ID"), name
    # One worker served them all: none was killed for running past gunicorn's timeout.
    assert worker_pid(server) == pid, outcomes
    assert "WORKER TIMEOUT" not in server.log_tail(400)
    assert analyses_peak <= PEAK_RSS_MIB, (analyses_peak, outcomes)
