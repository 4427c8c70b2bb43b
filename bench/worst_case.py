"""The worst case of each analysis endpoint at the documented limits: time and peak memory.

Each case runs in a fresh process through the app (Flask's test client, a SQLite file, no
server timeout), so the figure is what the request costs, and the process's peak RSS
(`ru_maxrss`) is what a worker would need. The model at the limits comes from
`bench.synthetic.limits_document`; it is posted, and each analysis runs twice (the first call
pays for parsing the stored model and warming caches, the second is a warm worker); both are
reported. `python bench/worst_case.py [case ...] [--limit SECONDS]` prints one JSON line per case.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIMITS_MODEL = "at-the-limits"
DEFAULT_MODEL = "minusma-2017"


def _criteria(document: dict) -> list[str]:
    return [c["id"] for c in document["criteria"]]


def hard_request_constraints(document: dict) -> list[dict]:
    """100 request constraints (the limit): the ends of 10 of the 20 `requires` chains excluded, so that
    the options of those chains fit no package and each needs a minimal conflict to explain,
    and 80 `excludes` pairs."""
    options = [o["id"] for o in document["options"]]
    rng = random.Random(3)
    constraints = [{"type": "exclude", "options": [options[start + 9]]} for start in range(0, 200, 20)]
    while len(constraints) < 100:
        constraints.append({"type": "excludes", "options": rng.sample(options, 2)})
    return constraints


def limits_weights(document: dict) -> dict:
    rng = random.Random(5)
    return {c: rng.randint(1, 10) for c in _criteria(document)}


def participant_bodies(criteria: list[str], count: int, overrides: list[dict]) -> list[dict]:
    rng = random.Random(11)
    return [{"weights": {c: rng.randint(0, 10) + 1 for c in criteria}, "effect_overrides": overrides[:3]}
            for _ in range(count)]


def _overrides(document: dict) -> list[dict]:
    return [{"option": e["option"], "criterion": e["criterion"], "likely": e["high"]} for e in document["effects"][:3]]


def _setup_workshop(client, model_id: str, criteria: list[str], overrides: list[dict], participants: int = 500) -> tuple[str, dict]:
    created = client.post("/api/v1/workshops", json={"title": "worst case", "model_id": model_id}).json
    facilitator = {"Authorization": f"Bearer {created['facilitator_token']}"}
    for number, body in enumerate(participant_bodies(criteria, participants, overrides)):
        joined = client.post(f"/api/v1/workshops/{created['id']}/participants",
                             json={"join_code": created["join_code"], "display_name": f"P{number}"}).json
        response = client.put(f"/api/v1/workshops/{created['id']}/participants/{joined['participant_id']}/submission",
                              json=body, headers={"Authorization": f"Bearer {joined['participant_token']}"})
        assert response.status_code == 200, response.json
    return created["id"], facilitator


def cases() -> dict:
    """name -> (model, what to set up, method, path template, body or None, query)."""
    from bench.synthetic import limits_document

    document = limits_document(LIMITS_MODEL)
    constraints = hard_request_constraints(document)
    weights = limits_weights(document)
    criteria = _criteria(document)
    intervals = {c: [0.005, 0.05] for c in criteria}
    ranking = {"weights": weights, "k": 50, "constraints": constraints}
    return {
        "rankings": ("limits", "POST", f"/api/v1/models/{LIMITS_MODEL}/rankings", ranking),
        "robustness (weights, 200,000 samples)": ("limits", "POST", f"/api/v1/models/{LIMITS_MODEL}/robustness",
                                                   {"weights": weights, "samples": 200_000}),
        "robustness (weights, k 50, 100 constraints)": ("limits", "POST", f"/api/v1/models/{LIMITS_MODEL}/robustness",
                                                        ranking),
        "robustness (intervals on every criterion)": ("limits", "POST", f"/api/v1/models/{LIMITS_MODEL}/robustness",
                                                      {"weight_intervals": intervals}),
        "brief HTML": ("limits", "POST", f"/api/v1/models/{LIMITS_MODEL}/briefs?format=html", {"weights": weights}),
        "brief DOCX": ("limits", "POST", f"/api/v1/models/{LIMITS_MODEL}/briefs?format=docx", {"weights": weights}),
        "workshop results (500 participants)": ("workshop-limits", "GET", "/api/v1/workshops/{id}/results", None),
        "workshop results, default model (500)": ("workshop-default", "GET", "/api/v1/workshops/{id}/results", None),
        "workshop brief DOCX, default model (500)": ("workshop-default", "GET",
                                                     "/api/v1/workshops/{id}/brief?format=docx", None),
    }


def run_case(name: str, limit: float) -> dict:
    from bench.synthetic import limits_document
    from models.loader import builtin_models
    from service import create_app

    setup, method, path, body = cases()[name]
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/worst.sqlite3", "RATELIMIT_ENABLED": False,
                          "SOLVER_TIME_LIMIT_SECONDS": limit})
        client = app.test_client()
        headers = {}
        if setup in ("limits", "workshop-limits"):
            document = limits_document(LIMITS_MODEL)
            started = time.perf_counter()
            posted = client.post("/api/v1/models", json=document)
            assert posted.status_code == 201, posted.json
            post_seconds = time.perf_counter() - started
        if setup == "workshop-limits":
            workshop, headers = _setup_workshop(client, LIMITS_MODEL, _criteria(document), _overrides(document))
            path = path.format(id=workshop)
        elif setup == "workshop-default":
            model = builtin_models()[DEFAULT_MODEL].to_document()
            workshop, headers = _setup_workshop(client, DEFAULT_MODEL, _criteria(model), _overrides(model))
            path = path.format(id=workshop)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            response = client.open(path, method=method, json=body, headers=headers)
            runs.append({"status": response.status_code, "seconds": round(time.perf_counter() - started, 3),
                         "bytes": len(response.data)})
            if response.status_code >= 400:
                runs[-1]["detail"] = (response.json or {}).get("detail", "")[:200]
        admitted = _largest_admitted(client, method, path, body, headers, response)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        app.extensions["policy_options"].engine.dispose()
    result = {"case": name, "limit_s": limit, "first": runs[0], "warm": runs[1],
              "peak_rss_mib": round(peak / 1024), "rss_before_mib": round(before / 1024)}
    if admitted:
        result["admitted"] = admitted
    if setup in ("limits", "workshop-limits"):
        result["post_model_s"] = round(post_seconds, 3)
    return result


def _largest_admitted(client, method, path, body, headers, refused) -> dict | None:
    """When SMAA samples were refused (422 at .../samples), the same request with as many samples as
    the refusal says fit: the worst case the service admits."""
    errors = (refused.json or {}).get("errors", []) if refused.status_code == 422 else []
    stated = [e["detail"] for e in errors if e["pointer"].endswith("/samples") and e["detail"].startswith("At most ")]
    if not stated:
        return None
    samples = int(stated[0].split("At most ")[1].split(" ")[0].replace(",", ""))
    admitted = json.loads(json.dumps(body))
    if "/robustness/" in errors[0]["pointer"]:
        admitted.setdefault("robustness", {})["samples"] = samples
    else:
        admitted["samples"] = samples
    started = time.perf_counter()
    response = client.open(path, method=method, json=admitted, headers=headers)
    answer = {"samples": samples, "status": response.status_code, "seconds": round(time.perf_counter() - started, 3)}
    if response.status_code >= 400:
        answer["detail"] = (response.json or {}).get("detail", "")[:200]
    return answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="*")
    parser.add_argument("--limit", type=float, default=10.0, help="SOLVER_TIME_LIMIT_SECONDS")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up on a case after this many seconds")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        print(json.dumps(run_case(arguments.one, arguments.limit)))
        return
    for name in arguments.cases or list(cases()):
        print(json.dumps(_in_a_process(name, arguments.limit, arguments.timeout)), flush=True)


def _peak_rss_mib(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    peaks = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    return round(int(peaks[0]) / 1024) if peaks else None  # none once the process has exited


def _in_a_process(name: str, limit: float, timeout: float) -> dict:
    """Run one case in a fresh process; past `timeout`, report its peak RSS so far and stop it."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([sys.executable, __file__, "--one", name, "--limit", str(limit)], cwd=ROOT,
                                   stdout=out, stderr=err, env=dict(os.environ, PYTHONWARNINGS="ignore"))
        started, peak = time.monotonic(), None
        while process.poll() is None:
            peak = _peak_rss_mib(process.pid) or peak
            if time.monotonic() - started > timeout:
                process.kill()
                process.wait()
                return {"case": name, "error": f"still running after {timeout:g} s", "peak_rss_mib_so_far": peak}
            time.sleep(0.5)
        out.seek(0)
        err.seek(0)
        lines = out.read().strip().splitlines()
        return json.loads(lines[-1]) if lines else {"case": name, "error": err.read()[-2000:]}

if __name__ == "__main__":
    main()
