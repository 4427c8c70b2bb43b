"""The real server for tests and the load test: gunicorn with service/gunicorn_conf.py on a free
127.0.0.1 port, in a process group of its own so that one signal reaches the master and every
worker; and a small HTTP client (a new connection per request: sync workers close each one)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "service" / "gunicorn_conf.py"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: object  # parsed JSON, or the text when the body is not JSON

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(port: int, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 30.0) -> Answer:
    """One HTTP request to 127.0.0.1:`port`; raises OSError (or http.client's errors) when the server is gone."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body).encode()
        sent_headers = {"Content-Type": "application/json"} if payload is not None else {}
        sent_headers.update(headers or {})
        connection.request(method, path, body=payload, headers=sent_headers)
        response = connection.getresponse()
        raw = response.read()
        answer_headers = {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode("utf-8", "replace")
    return Answer(response.status, answer_headers, parsed)


class GunicornServer:
    """`with GunicornServer(database_url) as server:` starts gunicorn and waits for /healthz."""

    def __init__(self, database_url: str, *, workers: int = 2, env: dict | None = None,
                 log_path: Path | None = None, start_timeout: float = 60.0):
        self.database_url, self.workers, self.extra_env = database_url, workers, env or {}
        self.log_path = Path(log_path) if log_path else Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
        self.start_timeout = start_timeout
        self.port: int | None = None
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def start(self) -> GunicornServer:
        self.port = free_port()
        env = dict(os.environ)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # unless given: gunicorn_conf.py makes a folder of its own
        env.update({"DATABASE_URL": self.database_url, "BIND": f"127.0.0.1:{self.port}",
                    "WEB_CONCURRENCY": str(self.workers), **self.extra_env})
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "service:create_app()"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if call(self.port, "GET", "/healthz", timeout=5).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        raise TimeoutError(f"gunicorn did not answer /healthz within {self.start_timeout} s:\n{self.log_tail()}")

    def call(self, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 30.0) -> Answer:
        return call(self.port, method, path, body, headers, timeout)

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: no shutdown code runs anywhere."""
        if self.process is None or (self.process.poll() is not None and not self._group_alive()):
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self._group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        """A graceful stop (SIGTERM to the master), then SIGKILL if it lingers."""
        if self.process is None or self.process.poll() is not None:
            self.kill()
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
