"""`make loadtest`: the real server under gunicorn, a mixed workload from concurrent clients.

Reads (a model, the model list, workshop results), rankings, robustness with small SMAA samples
and workshop submissions, from CLIENTS threads on 127.0.0.1 for SECONDS. Reports throughput,
p50/p99 latency per kind of request and every non-2xx answer, then checks that every
acknowledged submission is stored as acknowledged. Exits 1 on any 5xx, any request the server
dropped, or any lost write; writes the report to docs/loadtest.md (--output).

The rate limit stays on (the limiter's cost is part of what is measured) but is set far above
what one client address sends here: every client of this test is 127.0.0.1.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import importlib.metadata
import os
import platform
import random
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.gunicorn_server import GunicornServer  # noqa: E402

MODEL = "minusma-2017"
CRITERIA = ["impartiality-and-authority", "peace-process", "personnel-safety", "protection-of-civilians",
            "state-authority", "diplomatic-feasibility", "regional-demilitarization", "stabilization"]
# kind of request -> share of the workload
MIX = {"read model": 20, "list models": 10, "ranking": 30, "robustness": 10, "submission": 20, "results": 10}
PARTICIPANTS_PER_CLIENT = 2


def random_weights(rng: random.Random) -> dict:
    return {c: rng.randint(1, 9) for c in rng.sample(CRITERIA, rng.randint(2, len(CRITERIA)))}


class Client(threading.Thread):
    """One client: requests one after the other, each kind drawn from MIX, until the deadline."""

    def __init__(self, server, workshop, participants, deadline, seed):
        super().__init__(daemon=True)
        self.server, self.workshop, self.participants, self.deadline = server, workshop, participants, deadline
        self.rng = random.Random(seed)
        self.samples: list[tuple[str, int, float]] = []  # (kind, status, seconds); status 0: dropped
        self.acknowledged: dict[str, dict] = {}  # participant id -> last acknowledged submission

    def run(self) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        while time.monotonic() < self.deadline:
            kind = self.rng.choices(kinds, weights)[0]
            started = time.perf_counter()
            try:
                status = getattr(self, "_" + kind.replace(" ", "_"))()
            except (OSError, http.client.HTTPException):
                status = 0
            self.samples.append((kind, status, time.perf_counter() - started))

    def _read_model(self) -> int:
        return self.server.call("GET", f"/api/v1/models/{MODEL}").status

    def _list_models(self) -> int:
        return self.server.call("GET", "/api/v1/models").status

    def _ranking(self) -> int:
        body = {"weights": random_weights(self.rng), "k": self.rng.randint(1, 10)}
        if self.rng.random() < 0.5:
            body["constraints"] = [{"type": "max_options", "count": self.rng.randint(1, 3)}]
        return self.server.call("POST", f"/api/v1/models/{MODEL}/rankings", body).status

    def _robustness(self) -> int:
        body = {"weights": random_weights(self.rng), "samples": self.rng.choice([200, 500, 1000]),
                "seed": self.rng.randint(1, 10**6)}
        return self.server.call("POST", f"/api/v1/models/{MODEL}/robustness", body).status

    def _submission(self) -> int:
        participant = self.rng.choice(self.participants)
        weights = random_weights(self.rng)
        url = f"/api/v1/workshops/{self.workshop['id']}/participants/{participant['participant_id']}/submission"
        headers = {"Authorization": f"Bearer {participant['participant_token']}"}
        answer = self.server.call("PUT", url, {"weights": weights}, headers=headers)
        if answer.status == 428:  # a revision: this client means to replace whatever is current
            answer = self.server.call("PUT", url, {"weights": weights}, headers={**headers, "If-Match": "*"})
        if answer.status == 200:
            self.acknowledged[participant["participant_id"]] = {**answer.body, "sent": weights}
        return answer.status

    def _results(self) -> int:
        return self.server.call("GET", f"/api/v1/workshops/{self.workshop['id']}/results",
                                headers={"Authorization": f"Bearer {self.workshop['facilitator_token']}"}).status


def lost_writes(server, workshop, clients) -> list[str]:
    """Participants whose stored submission is not the last one acknowledged to them."""
    lost = []
    for client in clients:
        for participant in client.participants:
            acknowledged = client.acknowledged.get(participant["participant_id"])
            if acknowledged is None:
                continue
            stored = server.call(
                "GET", f"/api/v1/workshops/{workshop['id']}/participants/{participant['participant_id']}/submission",
                headers={"Authorization": f"Bearer {participant['participant_token']}"})
            if (stored.status != 200 or stored.body["version"] != acknowledged["version"]
                    or stored.body["etag"] != acknowledged["etag"] or stored.body["given_weights"] != acknowledged["sent"]):
                lost.append(participant["participant_id"])
    return lost


def percentile_ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def report(args, samples, elapsed, lost, acknowledged_writes, verified) -> tuple[str, bool]:
    statuses = Counter(status for _, status, _ in samples)
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    dropped = statuses.get(0, 0)
    failed = bool(server_errors or dropped or lost or not samples)
    by_kind = defaultdict(list)
    for kind, status, seconds in samples:
        by_kind[kind].append((status, seconds))
    versions = {name: importlib.metadata.version(name) for name in ("flask", "gunicorn", "limits", "prometheus-client")}
    lines = [
        "# Load test", "",
        f"Written by `make loadtest` on {datetime.date.today().isoformat()}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, {platform.platform()}; python {platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        f"gunicorn with `service/gunicorn_conf.py`, {args.workers} sync workers, {args.database}; "
        f"{args.clients} concurrent clients on 127.0.0.1 (Python threads, a new connection per request) for "
        f"{args.seconds:g} s; rate limit on at {args.rate_limit}; JSON access log on.", "",
        "| request | share | requests | p50 ms | p99 ms | non-2xx |",
        "|---|---|---|---|---|---|",
    ]
    for kind, share in MIX.items():
        rows = by_kind.get(kind, [])
        times = [s for _, s in rows]
        bad = Counter(status for status, _ in rows if not 200 <= status < 300)
        if not rows:
            lines.append(f"| {kind} | {share}% | 0 | | | |")
            continue
        refusals = ", ".join(f"{n}× {status or 'dropped'}" for status, n in sorted(bad.items())) or "0"
        lines.append(f"| {kind} | {share}% | {len(rows)} | {percentile_ms(times, 50):.1f} | "
                     f"{percentile_ms(times, 99):.1f} | {refusals} |")
    all_times = [s for _, _, s in samples]
    lines += [
        "", f"**{len(samples)} requests in {elapsed:.1f} s: {len(samples) / elapsed:.0f} requests/s; "
        f"p50 {percentile_ms(all_times, 50):.1f} ms, p99 {percentile_ms(all_times, 99):.1f} ms; "
        f"{server_errors} server errors (5xx), {dropped} dropped, "
        f"{sum(n for s, n in statuses.items() if 400 <= s < 500)} client errors (4xx).**", "",
        f"Writes: {acknowledged_writes} submissions acknowledged; the last acknowledged version of each of "
        f"{verified} participants read back afterwards: {len(lost)} lost.", "",
        f"Result: **{'FAIL' if failed else 'PASS'}** (fails on any 5xx, dropped request or lost write).", "",
    ]
    return "\n".join(lines), failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--rate-limit", default="1000000/minute")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "loadtest.md")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="policy-options-loadtest-"))
    database_url = args.database_url or f"sqlite:///{folder / 'loadtest.sqlite3'}"
    args.database = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite (WAL)"

    with GunicornServer(database_url, workers=args.workers, log_path=folder / "gunicorn.log",
                        env={"RATE_LIMIT": args.rate_limit, "JOIN_RATE_LIMIT": args.rate_limit}) as server:
        workshop = server.call("POST", "/api/v1/workshops", {"title": "load test", "model_id": MODEL}).body
        participants = [server.call("POST", f"/api/v1/workshops/{workshop['id']}/participants",
                                    {"join_code": workshop["join_code"], "display_name": f"P{n}"}).body
                        for n in range(args.clients * PARTICIPANTS_PER_CLIENT)]
        started = time.monotonic()
        deadline = started + args.seconds
        clients = [Client(server, workshop, participants[i::args.clients], deadline, seed=i) for i in range(args.clients)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(args.seconds + 120)  # a request in flight at the deadline ends within the worker timeout
        elapsed = time.monotonic() - started
        lost = lost_writes(server, workshop, clients)
    samples = [sample for client in clients for sample in client.samples]
    acknowledged = sum(1 for client in clients for kind, status, _ in client.samples if kind == "submission" and status == 200)
    verified = sum(len(client.acknowledged) for client in clients)
    text, failed = report(args, samples, elapsed, lost, acknowledged, verified)
    print(text)
    args.output.write_text(text, encoding="utf-8")
    print(f"written to {args.output}; server log: {folder / 'gunicorn.log'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
