"""Structured logs: one JSON object per line, with the request's X-Request-ID (issue 7, items 3 and 5)."""

from __future__ import annotations

import datetime
import io
import json
import logging

import pytest
from gunicorn.config import Config
from hypothesis import given
from hypothesis import strategies as st

from service.platform.logs import GunicornJsonLogger, JsonFormatter, access_line, json_handler, utc_timestamp


@pytest.fixture
def root_lines():
    """Lines the root logger writes through the service's JSON handler, during the test."""
    stream = io.StringIO()
    handler = json_handler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_a_record_becomes_one_line_of_json_that_no_message_can_break():
    record = logging.LogRecord("service.x", logging.WARNING, __file__, 1, "odd %s", ("text\n{\"forged\": 1}\ud800",), None)
    line = JsonFormatter().format(record)
    assert "\n" not in line and line.isascii()
    entry = json.loads(line)
    assert entry["message"] == "odd text\n{\"forged\": 1}\ud800"
    assert entry["level"] == "WARNING" and entry["logger"] == "service.x" and entry["request_id"] is None
    assert datetime.datetime.fromisoformat(entry["time"]).utcoffset() == datetime.timedelta(0)


def test_a_log_line_written_during_a_request_carries_its_request_id(app, root_lines):
    @app.get("/boom")
    def boom():
        raise RuntimeError("unexpected")

    response = app.test_client().get("/boom?x=1", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 500 and response.headers["X-Request-ID"] == "trace-42"
    [entry] = [e for e in root_lines() if e["logger"] == "service.platform.errors"]
    assert entry["request_id"] == "trace-42" and entry["method"] == "GET" and entry["path"] == "/boom"
    assert entry["level"] == "ERROR" and "RuntimeError: unexpected" in entry["exception"]


def test_a_generated_request_id_is_the_one_logged(app, root_lines):
    @app.get("/warn")
    def warn():
        logging.getLogger("service.test").warning("something to look at")
        return {}

    response = app.test_client().get("/warn")
    [entry] = [e for e in root_lines() if e["logger"] == "service.test"]
    assert entry["request_id"] == response.headers["X-Request-ID"]


def _gunicorns_handlers(log):
    return [handler for handler in log.handlers if getattr(handler, "_gunicorn", False)]


class _Response:
    def __init__(self, status_code, headers, status=None):
        self.status_code, self.headers, self.status = status_code, headers, status or f"{status_code} X"


@pytest.fixture
def gunicorn_logger():
    config = Config()
    config.set("accesslog", "-")
    config.set("errorlog", "-")
    logger = GunicornJsonLogger(config)
    yield logger
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_policy_options", False)]:
        root.removeHandler(handler)
    logging.captureWarnings(False)  # the logger's setup turned it on for the process


def test_gunicorns_access_line_is_json_with_the_request_fields(gunicorn_logger, capsys):
    # The handlers took sys.stdout/stderr at setup: point them at this test's capture.
    stream = io.StringIO()
    for handler in _gunicorns_handlers(gunicorn_logger.access_log):
        handler.setStream(stream)
    environ = {"REQUEST_METHOD": "PUT", "PATH_INFO": "/api/v1/workshops/w/participants/p/submission",
               "REMOTE_ADDR": "192.0.2.9"}
    gunicorn_logger.access(_Response(412, [("Content-Type", "application/problem+json"), ("X-Request-ID", "abc")]),
                           None, environ, datetime.timedelta(milliseconds=12, microseconds=500))
    gunicorn_logger.access(_Response(None, [], status="400 Bad Request"), None, environ, datetime.timedelta(0))
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first == {**first, "logger": "gunicorn.access", "request_id": "abc", "method": "PUT", "status": 412,
                     "path": environ["PATH_INFO"], "duration_ms": 12.5, "remote_addr": "192.0.2.9"}
    assert second["status"] == 400 and second["request_id"] is None


def test_gunicorns_error_log_and_the_apps_loggers_write_json(gunicorn_logger):
    stream = io.StringIO()
    for handler in _gunicorns_handlers(gunicorn_logger.error_log):
        handler.setStream(stream)
    [ours] = [h for h in logging.getLogger().handlers if getattr(h, "_policy_options", False)]
    ours.setStream(stream)
    gunicorn_logger.info("Booting worker with pid: %s", 7)
    logging.getLogger("service.anything").error("from the app")
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["logger"], e["message"]) for e in entries] == [
        ("gunicorn.error", "Booting worker with pid: 7"), ("service.anything", "from the app")]


def test_python_warnings_become_json_lines_with_control_characters_escaped(gunicorn_logger):
    """A library's warning that quotes a user's text (a glyph a font lacks, say) is one JSON line,
    not raw text with the user's control bytes on stderr."""
    import warnings

    stream = io.StringIO()
    [ours] = [h for h in logging.getLogger().handlers if getattr(h, "_policy_options", False)]
    ours.setStream(stream)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("Glyph 133 (\x85) missing from font: Bomb \x1b[31m maker", UserWarning, stacklevel=1)
    [line] = stream.getvalue().splitlines()
    assert line.isascii() and "\x1b" not in line
    entry = json.loads(line)
    assert entry["logger"] == "py.warnings" and "Glyph 133" in entry["message"] and "\x1b[31m" in entry["message"]


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False) | st.integers(0, 4_000_000_000).map(lambda s: s + 0.9999996))
def test_the_cached_timestamp_is_what_datetime_writes(created):
    expected = datetime.datetime.fromtimestamp(created, datetime.timezone.utc).isoformat(timespec="milliseconds")
    assert utc_timestamp(created) == expected


def test_the_direct_access_line_is_what_the_formatter_writes_for_the_same_record():
    fields = {"request_id": "abc", "method": "GET", "path": "/caf\u00e9/\n\"x\"", "status": 200, "duration_ms": 1.5,
              "remote_addr": None}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%s %s %s", ("GET", fields["path"], 200),
                               None)
    record.__dict__.update(fields)
    line = access_line(record.created, record.getMessage(), fields)
    assert line == JsonFormatter().format(record) and line.isascii()
