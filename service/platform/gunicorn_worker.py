"""gunicorn's sync worker, answering its own errors with problem documents (RFC 9457).

gunicorn answers some requests without the app: a request line over its limit (414), too many
or too large header fields (431), a request it cannot parse (400), an exception that escapes the
app (500), and a request cut short when the master aborts the worker past its timeout. It writes
those as HTML through one function, `gunicorn.util.write_error`; this worker writes them as
`application/problem+json` with the security headers and an `X-Request-ID` instead, and answers
an aborted request with 503 naming the timeout. What gunicorn cannot answer at all (a connection
closed before a request line, a worker killed by SIGKILL) gets no response from anyone.

Loaded by file path from service/gunicorn_conf.py: it imports nothing of the service package.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re

from gunicorn import util
from gunicorn.workers.sync import SyncWorker


def _sibling(name: str):
    spec = importlib.util.spec_from_file_location(f"policy_options_gunicorn_{name}",
                                                  os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SECURITY_HEADERS = _sibling("headers").SECURITY_HEADERS
PROBLEM_TYPE_BASE = "/problems/"
SLUGS = {400: "bad-request", 403: "forbidden", 414: "uri-too-long", 417: "expectation-failed",
         431: "header-fields-too-large", 500: "internal-error", 501: "not-implemented", 503: "worker-timeout"}
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # as service/platform/request_id.py


def problem_bytes(status: int, reason: str, detail: str, *, path: str | None = None,
                  request_id: str | None = None) -> bytes:
    """A whole HTTP/1.1 response: a problem document, the security headers, X-Request-ID, Connection: close."""
    body = json.dumps({"type": PROBLEM_TYPE_BASE + SLUGS.get(status, "error"), "title": reason, "status": status,
                       "detail": detail or reason, "instance": path}).encode()
    request_id = request_id if request_id and _SANE_REQUEST_ID.fullmatch(request_id) else os.urandom(16).hex()
    headers = [("Connection", "close"), ("Content-Type", "application/problem+json"),
               ("Content-Length", str(len(body))), ("X-Request-ID", request_id), *SECURITY_HEADERS]
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    return head.encode("latin-1") + body


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """`gunicorn.util.write_error`'s replacement: the same arguments, a problem document written."""
    util.write_nonblock(sock, problem_bytes(status_int, reason, mesg))


def _request_id(req) -> str | None:
    return next((value for name, value in getattr(req, "headers", None) or [] if name.upper() == "X-REQUEST-ID"), None)


class ProblemSyncWorker(SyncWorker):
    """gunicorn's sync worker whose own error responses are problem documents."""

    def init_process(self):
        util.write_error = write_problem  # in this worker process only; the master writes no responses
        super().init_process()

    def handle_error(self, req, client, addr, exc):
        if isinstance(exc, SystemExit) and not self.alive:
            # The master aborted this worker (SIGABRT) in the middle of the request: past its timeout.
            self.log.error("request aborted past the worker timeout of %s s: %s %s", self.cfg.timeout,
                           getattr(req, "method", None), getattr(req, "path", None))
            try:
                util.write_nonblock(client, problem_bytes(
                    503, "Service Unavailable",
                    f"The request took longer than the worker timeout of {self.cfg.timeout} s and was stopped.",
                    path=getattr(req, "path", None), request_id=_request_id(req)))
            except Exception:  # noqa: BLE001 - the client may be gone; the worker is exiting anyway
                self.log.debug("could not send the timeout problem")
            return
        super().handle_error(req, client, addr, exc)
