"""Durability (issue 7, item 4): an acknowledged write survives SIGKILL of every server process.

The real server (gunicorn, two workers) takes writes from several clients; while they are still
writing, the master and its workers are killed with SIGKILL at once (their process group), so no
shutdown code, flush or rollback runs. A new server on the same database must then show every
write it had acknowledged, with the content acknowledged. Writes cut off in flight may or may
not be there; none may be there in part.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from service.persistence.database import make_engine
from tests.documents import small_model
from tests.gunicorn_server import GunicornServer

WRITERS = 4
ACKNOWLEDGED_BEFORE_KILL = 100  # then SIGKILL, with the writers still writing
WRITE_PHASE_SECONDS = 20.0  # the kill comes by then whatever the count
CRITERIA = ["peace-process", "personnel-safety", "impartiality-and-authority", "protection-of-civilians"]


def test_sqlite_runs_in_wal_mode_with_full_synchronous_commits(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL: fsync at every commit
    engine.dispose()


@dataclass
class Ledger:
    """What the server acknowledged (2xx) to the writers, and what was cut off."""

    models: dict[str, dict] = field(default_factory=dict)  # id -> the document answered
    submissions: dict[str, dict] = field(default_factory=dict)  # participant id -> the last answer
    attempts: int = 0
    acknowledged: int = 0
    cut_off: int = 0
    refused: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _write_until_stopped(server, workshop, participants, ledger: Ledger, stop: threading.Event, seed: int):
    rng = random.Random(seed)
    count = 0
    while not stop.is_set():
        count += 1
        try:
            if count % 3 == 0:
                model_id = f"durable-{seed}-{count}"
                with ledger.lock:
                    ledger.attempts += 1
                answer = server.call("POST", "/api/v1/models", small_model(model_id), timeout=20)
                if answer.status == 201:
                    with ledger.lock:
                        # The 201 body is the stored model plus the validator's warnings (never stored).
                        ledger.models[model_id] = {k: v for k, v in answer.body.items() if k != "warnings"}
                        ledger.acknowledged += 1
                else:
                    ledger.refused.append(answer.status)
            else:
                participant = rng.choice(participants)
                weights = {c: rng.randint(1, 9) for c in rng.sample(CRITERIA, 3)}
                with ledger.lock:
                    ledger.attempts += 1
                url = f"/api/v1/workshops/{workshop['id']}/participants/{participant['participant_id']}/submission"
                body = {"weights": weights, "comment": f"writer {seed}, write {count}"}
                headers = {"Authorization": f"Bearer {participant['participant_token']}"}
                answer = server.call("PUT", url, body, headers=headers, timeout=20)
                if answer.status == 428:  # a revision: these writers mean to replace whatever is current
                    answer = server.call("PUT", url, body, headers={**headers, "If-Match": "*"}, timeout=20)
                if answer.status == 200:
                    with ledger.lock:
                        ledger.submissions[participant["participant_id"]] = {**answer.body, "sent": weights}
                        ledger.acknowledged += 1
                else:
                    ledger.refused.append(answer.status)
        except (OSError, http.client.HTTPException):  # the server died under this request: not acknowledged
            with ledger.lock:
                ledger.cut_off += 1
            return


def _kill_mid_writes_then_check(database_url: str, tmp_path) -> Ledger:
    ledger = Ledger()
    server = GunicornServer(database_url, workers=2, log_path=tmp_path / "first.log",
                            env={"RATE_LIMIT": "off", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    with server:
        workshop = server.call("POST", "/api/v1/workshops", {"title": "durable", "model_id": "minusma-2017"}).body
        participants = []
        for writer in range(WRITERS):  # each writer owns its participants: one order of versions each
            joined = [server.call("POST", f"/api/v1/workshops/{workshop['id']}/participants",
                                  {"join_code": workshop["join_code"], "display_name": f"P{writer}.{n}"}).body
                      for n in range(3)]
            participants.append(joined)
        stop = threading.Event()
        writers = [threading.Thread(target=_write_until_stopped, args=(server, workshop, participants[i], ledger, stop, i))
                   for i in range(WRITERS)]
        for thread in writers:
            thread.start()
        deadline = time.monotonic() + WRITE_PHASE_SECONDS
        while ledger.acknowledged < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()  # mid-write: the writers are still sending
        stop.set()
        for thread in writers:
            thread.join(30)
        assert not any(thread.is_alive() for thread in writers)
    assert ledger.refused == [], f"writes refused before the kill: {ledger.refused}\n{server.log_tail()}"
    assert ledger.acknowledged >= 10, f"too few writes acknowledged to test anything:\n{server.log_tail()}"

    with GunicornServer(database_url, workers=2, log_path=tmp_path / "second.log",
                        env={"RATE_LIMIT": "off", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}) as restarted:
        for model_id, answered in ledger.models.items():
            found = restarted.call("GET", f"/api/v1/models/{model_id}")
            assert found.status == 200 and found.body == answered, model_id
        facilitator = {"Authorization": f"Bearer {workshop['facilitator_token']}"}
        assert restarted.call("GET", f"/api/v1/workshops/{workshop['id']}", headers=facilitator).status == 200
        for joined in (p for group in participants for p in group):
            acknowledged = ledger.submissions.get(joined["participant_id"])
            found = restarted.call(
                "GET", f"/api/v1/workshops/{workshop['id']}/participants/{joined['participant_id']}/submission",
                headers={"Authorization": f"Bearer {joined['participant_token']}"})
            if acknowledged is None:
                continue
            assert found.status == 200, joined
            # A write cut off after it committed may have landed on top: never below what was acknowledged.
            assert found.body["version"] >= acknowledged["version"]
            if found.body["version"] == acknowledged["version"]:
                assert found.body["etag"] == acknowledged["etag"]
                assert found.body["given_weights"] == acknowledged["sent"] == acknowledged["given_weights"]
    return ledger


def test_every_acknowledged_write_survives_sigkill_of_the_sqlite_server(tmp_path):
    ledger = _kill_mid_writes_then_check(f"sqlite:///{tmp_path / 'durable.sqlite3'}", tmp_path)
    print(f"sqlite: {ledger.attempts} writes sent, {ledger.acknowledged} acknowledged "
          f"({len(ledger.models)} models, {ledger.acknowledged - len(ledger.models)} submission versions), "
          f"{ledger.cut_off} cut off by the kill; every acknowledged write found")


@pytest.mark.postgres
def test_every_acknowledged_write_survives_sigkill_of_the_postgresql_server(postgres_url, tmp_path):
    ledger = _kill_mid_writes_then_check(postgres_url, tmp_path)
    print(f"postgresql: {ledger.attempts} writes sent, {ledger.acknowledged} acknowledged "
          f"({len(ledger.models)} models, {ledger.acknowledged - len(ledger.models)} submission versions), "
          f"{ledger.cut_off} cut off by the kill; every acknowledged write found")
