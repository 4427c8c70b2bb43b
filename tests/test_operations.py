"""Operations (issue 7, item 5): Prometheus metrics, /healthz, gunicorn's configuration, docker-compose."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from service.api import health
from tests.gunicorn_server import GunicornServer

ROOT = Path(__file__).resolve().parents[1]
DURATION = "flask_http_request_duration_seconds"


def request_counts(metrics_text: str) -> dict[tuple[str, str, str], float]:
    """(method, route, status) -> requests, read off the latency histogram's _count series."""
    counts = {}
    for family in text_string_to_metric_families(metrics_text):
        if family.name == DURATION:
            for sample in family.samples:
                if sample.name == f"{DURATION}_count":
                    labels = sample.labels
                    counts[(labels["method"], labels["route"], labels["status"])] = sample.value
    return counts


# -- /metrics ------------------------------------------------------------------------------------


def test_metrics_count_requests_by_route_and_status(client):
    for _ in range(3):
        client.get("/api/v1/models/minusma-2017")
    client.get("/api/v1/models/no-such-model")
    client.post("/api/v1/models/minusma-2017/rankings", json={"weights": {"peace-process": "1"}})
    client.get("/no/such/path/42")
    client.get("/no/such/path/43")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert request_counts(response.get_data(as_text=True)) == {
        ("GET", "/api/v1/models/<model_id>", "200"): 3,
        ("GET", "/api/v1/models/<model_id>", "404"): 1,
        ("POST", "/api/v1/models/<model_id>/rankings", "422"): 1,
        ("GET", "unmatched", "404"): 2,  # raw paths never become labels
    }


def test_metrics_bucket_latencies(client):
    client.get("/api/v1/models")
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True))}
    buckets = [s for s in families[DURATION].samples if s.name == f"{DURATION}_bucket"]
    counts = [s.value for s in buckets]
    assert [s.labels["le"] for s in buckets][-1] == "+Inf" and counts[-1] == 1
    assert counts == sorted(counts)  # cumulative


def test_metrics_can_be_turned_off(database_url):
    from service import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "METRICS_ENABLED": False})
    assert app.test_client().get("/metrics").status_code == 404


# -- /healthz ------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_passing_check_is_remembered_for_its_seconds_and_a_failing_one_is_not():
    answers, calls, clock = [True, False, False, True], [], FakeClock()

    def check():
        calls.append(clock.now)
        return answers[len(calls) - 1]

    cached = health.PositiveResultCache(check, seconds=5, clock=clock)
    assert cached() and cached()  # one solve for both
    clock.now = 104.5
    assert cached() and len(calls) == 1
    clock.now = 105.5
    assert not cached() and not cached() and cached()
    assert calls == [100.0, 105.5, 105.5, 105.5]


def test_a_check_that_raises_reports_failure():
    def check():
        raise RuntimeError("solver library broken")

    assert health.PositiveResultCache(check, seconds=5)() is False


def test_healthz_solves_once_per_interval_and_reports_a_broken_solver(client, monkeypatch):
    solves = []
    working = {"solver": True}

    def solver_available():
        solves.append(1)
        return working["solver"]

    monkeypatch.setattr(health, "solver_answers", health.PositiveResultCache(solver_available, seconds=60))
    bodies = [client.get("/healthz").json for _ in range(3)]
    assert bodies == [{"status": "ok", "database": "ok", "solver": "ok"}] * 3 and len(solves) == 1
    monkeypatch.setattr(health, "solver_answers", health.PositiveResultCache(solver_available, seconds=60))
    working["solver"] = False
    broken = client.get("/healthz")
    assert broken.status_code == 503 and broken.json == {"status": "degraded", "database": "ok", "solver": "unavailable"}


# -- gunicorn ------------------------------------------------------------------------------------


def _read_gunicorn_conf(env: dict) -> dict:
    """The settings gunicorn_conf.py yields in a fresh interpreter, and what that imported."""
    script = (
        "import json, os, runpy, sys\n"
        "conf = runpy.run_path('service/gunicorn_conf.py')\n"
        "print(json.dumps({'workers': conf['workers'], 'timeout': conf['timeout'], 'preload_app': conf.get('preload_app', False),"
        " 'worker_class': conf['worker_class'].__name__, 'logger_class': conf['logger_class'].__name__,"
        " 'sync': issubclass(conf['worker_class'], __import__('gunicorn.workers.sync').workers.sync.SyncWorker),"
        " 'rate_limit_storage': os.environ.get('RATELIMIT_STORAGE_URI'),"
        " 'metrics_dir': os.environ.get('PROMETHEUS_MULTIPROC_DIR'),"
        " 'imported': sorted(m for m in ('service', 'numpy', 'highspy', 'pulp', 'sqlalchemy') if m in sys.modules)}))\n"
        "conf['on_exit'](None)\n"
    )
    clean = {k: v for k, v in os.environ.items()
             if k not in ("WEB_CONCURRENCY", "SOLVER_TIME_LIMIT_SECONDS", "PROMETHEUS_MULTIPROC_DIR", "RATELIMIT_STORAGE_URI")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_gunicorn_takes_workers_from_the_environment_and_outwaits_the_solver():
    default = _read_gunicorn_conf({})
    tuned = _read_gunicorn_conf({"WEB_CONCURRENCY": "5", "SOLVER_TIME_LIMIT_SECONDS": "45"})
    assert default["workers"] == 2 and tuned["workers"] == 5
    assert default["timeout"] > 10 and tuned["timeout"] > 45
    assert default["preload_app"] is False and default["worker_class"] == "ProblemSyncWorker" and default["sync"]
    # Several workers share their rate-limit counts through the database unless told otherwise.
    assert default["rate_limit_storage"] == tuned["rate_limit_storage"] == "database://"
    assert _read_gunicorn_conf({"WEB_CONCURRENCY": "1"})["rate_limit_storage"] is None
    assert default["logger_class"] == "GunicornJsonLogger"
    assert default["metrics_dir"]  # set before any worker imports prometheus_client
    # The master never imports the service: numpy's and HiGHS's threads must start in the workers.
    assert default["imported"] == []


def test_metrics_add_up_every_gunicorn_worker(tmp_path):
    requests = 160
    with GunicornServer(f"sqlite:///{tmp_path / 'metrics.sqlite3'}", workers=2, log_path=tmp_path / "gunicorn.log",
                        env={"RATE_LIMIT": "off", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}) as server:
        # Eight clients at once: a sync worker serves one request at a time, so both workers get some
        # (sequential requests may all land on the same idle worker).
        with ThreadPoolExecutor(max_workers=8) as clients:
            statuses = list(clients.map(lambda _: server.call("GET", "/api/v1/models").status, range(requests)))
        counts = request_counts(server.call("GET", "/metrics").body)
        log_lines = server.log_path.read_text().splitlines()
    assert statuses == [200] * requests
    assert counts[("GET", "/api/v1/models", "200")] == requests
    # Both workers answered some of them (each keeps its own file of values).
    assert len(list(tmp_path.glob("histogram_*.db"))) == 2
    access = [json.loads(line) for line in log_lines if '"gunicorn.access"' in line]
    assert len([a for a in access if a["path"] == "/api/v1/models"]) == requests
    assert all(len(a["request_id"]) == 32 and a["status"] == 200 and a["duration_ms"] > 0 for a in access)


# -- docker-compose ------------------------------------------------------------------------------


def _compose(env: dict) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (Debian: apt-get install docker-compose)")
    base = {"PATH": os.environ.get("PATH", ""), "HOME": str(ROOT)}
    return subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config"], cwd=ROOT,
                          env={**base, **env}, capture_output=True, text=True, timeout=60)


def test_docker_compose_file_is_valid_and_wires_the_services():
    done = _compose({"POSTGRES_PASSWORD": "not-a-real-secret", "API_KEYS": "not-a-real-key-either"})
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    api = services["api"]
    assert "--preload" not in api["command"] and api["command"][:3] == ["gunicorn", "-c", "service/gunicorn_conf.py"]
    assert api["environment"]["AUTO_MIGRATE"] == "0"
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["policy-options", "migrate"]
    assert api["environment"]["RATELIMIT_STORAGE_URI"].startswith("redis://redis:")
    assert "redis" in services and api["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "not-a-real-secret" in api["environment"]["DATABASE_URL"]
    assert api["environment"]["API_KEYS"] == "not-a-real-key-either"  # from the environment, never a literal


def test_docker_compose_refuses_to_run_without_a_database_password_or_api_keys():
    done = _compose({"API_KEYS": "not-a-real-key-either"})
    assert done.returncode != 0 and "POSTGRES_PASSWORD" in done.stderr
    done = _compose({"POSTGRES_PASSWORD": "not-a-real-secret"})
    assert done.returncode != 0 and "API_KEYS" in done.stderr
