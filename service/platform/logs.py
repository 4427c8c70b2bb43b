"""Structured logs: one JSON object per line, each carrying the request's X-Request-ID.

gunicorn runs `GunicornJsonLogger` (service/gunicorn_conf.py): its own error log, one access
line per request (method, path, status, duration_ms, request_id), every record of the app's
loggers, which propagate to the root logger, and Python's warnings come out in the same shape.

This module imports nothing of the service package: gunicorn's master loads it by file path,
so the master never imports numpy or HiGHS, whose native thread pools must start in the
workers (no preload).
"""

from __future__ import annotations

import json
import logging
import sys
import time

from flask import g, has_request_context, request
from gunicorn import glogging

REQUEST_ID_HEADER = "X-Request-ID"

# Set on a record by RequestContextFilter (inside a request) or by the access line.
_REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "remote_addr")


_second_stamp = [None, ""]  # the last second formatted, and its text: most lines share their second


def utc_timestamp(created: float) -> str:
    """`created` as ISO 8601 in UTC to the millisecond, as `datetime.isoformat(timespec="milliseconds")`
    writes it (microseconds rounded half to even, then cut), at a fraction of its cost."""
    second = int(created)
    micro = round((created - second) * 1e6)
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    if _second_stamp[0] != second:
        _second_stamp[:] = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
    return f"{_second_stamp[1]}.{micro // 1000:03d}+00:00"


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time (UTC, ISO 8601), level, logger, message,
    request_id (null outside a request), the request fields the record carries, and the
    exception's traceback if any. ASCII only, so no byte in a message can break the line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in _REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


class RequestContextFilter(logging.Filter):
    """Adds request_id, method and path to records logged while a Flask request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
            record.method = request.method
            record.path = request.path
        return True


def json_handler(stream=None) -> logging.Handler:
    """A stream handler (stderr by default) writing JSON lines with the request's fields."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    return handler


class GunicornJsonLogger(glogging.Logger):
    """gunicorn's logger with JSON lines for its error log, its access log and the app's logs."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        formatter = JsonFormatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):  # gunicorn's own, not others' (pytest's, say)
                    handler.setFormatter(formatter)
        # The access line is written straight to gunicorn's own streams (a file, stdout) when they
        # are all it has: through logging, a LogRecord and its formatting cost 60 us a request.
        handlers = self.access_log.handlers
        direct = all(getattr(h, "_gunicorn", False) and type(h) in (logging.StreamHandler, logging.FileHandler)
                     for h in handlers)
        self._access_streams = handlers if direct else None
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_policy_options", False)]:
            root.removeHandler(handler)  # a configuration reload runs setup again
        handler = json_handler()
        handler._policy_options = True
        root.addHandler(handler)
        root.setLevel(self.loglevel)
        # Python's warnings (matplotlib's about a missing glyph, say, which quote the user's text) go
        # to the `py.warnings` logger, hence out as JSON, instead of raw text on stderr.
        logging.captureWarnings(True)

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        request_id = next((value for name, value in resp.headers if name.lower() == "x-request-id"), None)
        method, path, status = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"), _status_code(resp)
        duration_ms = round(request_time.total_seconds() * 1000, 3)
        fields = {"request_id": request_id, "method": method, "path": path, "status": status,
                  "duration_ms": duration_ms, "remote_addr": environ.get("REMOTE_ADDR")}
        try:
            streams = getattr(self, "_access_streams", None)
            if streams is None or not self.access_log.isEnabledFor(logging.INFO):
                self.access_log.info("%s %s %s", method, path, status, extra=fields)
                return
            line = access_line(time.time(), f"{method} {path} {status}", fields) + "\n"
            for handler in streams:
                with handler.lock:
                    handler.stream.write(line)
                    handler.stream.flush()
        except Exception:  # noqa: BLE001 - a log line must never fail a request
            self.exception("could not write the access log line")


def access_line(created: float, message: str, fields: dict) -> str:
    """What JsonFormatter writes for gunicorn's access record with these fields, built directly."""
    entry = {"time": utc_timestamp(created), "level": "INFO", "logger": "gunicorn.access", "message": message,
             "request_id": fields["request_id"]}
    for name in _REQUEST_FIELDS:
        value = fields.get(name)
        if value is not None:
            entry[name] = value
    return json.dumps(entry, default=str)


def _status_code(resp) -> int | None:
    # gunicorn's own error responses (a bad request line, say) carry only the status text.
    code = getattr(resp, "status_code", None)
    if code is None and resp.status:
        head = str(resp.status).split(None, 1)[0]
        code = int(head) if head.isdigit() else None
    return code
