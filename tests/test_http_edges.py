"""What happens at the edges of HTTP, on real servers: chunked bodies held to MAX_BODY_BYTES, gunicorn's
own error responses as problem documents, every log line JSON, and metric labels a client cannot grow."""

from __future__ import annotations

import http.client
import json
import socket

import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.platform.metrics import HTTP_METHODS, OTHER_METHOD
from tests.gunicorn_server import GunicornServer

LIMIT = 4096
RANKINGS = "/api/v1/models/minusma-2017/rankings"
VALID = json.dumps({"weights": {"peace-process": 1}, "k": 1}).encode()
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


def chunked_post(base: str, path: str, body: bytes, chunk: int = 1000) -> tuple[int, dict, bytes]:
    """POST `body` with Transfer-Encoding: chunked (no Content-Length) to http://host:port."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        pieces = (body[i:i + chunk] for i in range(0, len(body), chunk))
        connection.request("POST", path, body=pieces, encode_chunked=True,
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def padded(size: int) -> bytes:
    """A valid rankings body padded with trailing spaces to exactly `size` bytes."""
    return VALID + b" " * (size - len(VALID))


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edges")
    env = {"MAX_BODY_BYTES": str(LIMIT), "RATE_LIMIT": "off", "GUNICORN_CMD_ARGS": "--timeout 3"}
    with GunicornServer(f"sqlite:///{folder / 'edges.sqlite3'}", workers=1, env=env,
                        log_path=folder / "gunicorn.log") as server:
        yield server


@pytest.fixture
def dev_server(tmp_path):
    """werkzeug's own server (it de-chunks bodies itself), with the same limit."""
    import threading

    from werkzeug.serving import make_server

    from service import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "MAX_CONTENT_LENGTH": LIMIT})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    app.extensions["policy_options"].engine.dispose()


@pytest.mark.parametrize("server_kind", ["gunicorn", "werkzeug"])
def test_chunked_bodies_are_held_to_the_limit(server_kind, request):
    base = (f"http://127.0.0.1:{request.getfixturevalue('gunicorn').port}" if server_kind == "gunicorn"
            else request.getfixturevalue("dev_server"))
    at_limit = chunked_post(base, RANKINGS, padded(LIMIT))
    assert at_limit[0] == 200, at_limit[2][:300]
    for size in (LIMIT + 1, 2 * LIMIT, 4 * LIMIT):
        status, headers, body = chunked_post(base, RANKINGS, padded(size))
        assert status == 413, (size, body[:300])
        assert headers["content-type"] == "application/problem+json"
        assert json.loads(body)["limit"] == LIMIT and "MAX_BODY_BYTES" in json.loads(body)["detail"]
    # Far over the limit, the rest is not read: the client sees the 413 or a closed connection,
    # never a 200, and the server goes on.
    try:
        assert chunked_post(base, RANKINGS, padded(200 * LIMIT))[0] == 413
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert chunked_post(base, RANKINGS, VALID)[0] == 200


def raw_exchange(port: int, data: bytes, timeout: float = 15.0) -> tuple[int, dict, bytes]:
    """Send bytes as they are, read the whole answer (the server closes the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in header_lines)}
    return int(status_line.split()[1]), headers, body


GUNICORN_REFUSALS = {
    "request line too long": (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "too many header fields": (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(120)) + b"\r\n", 431),
    "header field too large": (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
    "not a request line": (b"GARBAGE\x01\x02\r\n\r\n", 400),
    "control byte in a header": (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
}


@pytest.mark.parametrize("label", list(GUNICORN_REFUSALS))
def test_gunicorns_own_refusals_are_problem_documents_with_the_security_headers(gunicorn, label):
    data, status = GUNICORN_REFUSALS[label]
    answered, headers, body = raw_exchange(gunicorn.port, data)
    assert answered == status
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"].startswith("/problems/") and problem["detail"]
    for name, value in SECURITY_HEADERS.items():
        assert headers[name.lower()] == value
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert len(headers["x-request-id"]) == 32


def test_a_request_stopped_past_the_worker_timeout_gets_a_503_problem(gunicorn):
    # A body announced and never sent keeps the worker waiting until the master aborts it.
    data = (b"POST " + RANKINGS.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\nX-Request-ID: waited-too-long\r\n\r\n{")
    status, headers, body = raw_exchange(gunicorn.port, data, timeout=20)
    assert status == 503 and headers["content-type"] == "application/problem+json"
    assert headers["x-request-id"] == "waited-too-long"
    problem = json.loads(body)
    assert problem["type"] == "/problems/worker-timeout" and "3 s" in problem["detail"] and problem["instance"] == RANKINGS
    assert gunicorn.call("GET", "/healthz").status == 200  # a new worker took over


def test_every_log_line_is_json(gunicorn):
    """After refusals, a worker abort and a brief quoting hostile text, every line gunicorn's process
    wrote is one JSON object (Python warnings too: tests/test_logs.py)."""
    workshop = gunicorn.call("POST", "/api/v1/workshops", {"title": "t", "model_id": "minusma-2017"}).body
    joined = gunicorn.call("POST", f"/api/v1/workshops/{workshop['id']}/participants",
                           {"join_code": workshop["join_code"], "display_name": "Bomb \U0001F4A3 \u202e\x85 maker"}).body
    submitted = gunicorn.call("PUT", f"/api/v1/workshops/{workshop['id']}/participants/{joined['participant_id']}/submission",
                              {"weights": {"peace-process": 1}}, headers={"Authorization": f"Bearer {joined['participant_token']}"})
    assert submitted.status == 200
    brief = gunicorn.call("GET", f"/api/v1/workshops/{workshop['id']}/brief?format=html",
                          headers={"Authorization": f"Bearer {workshop['facilitator_token']}"})
    assert brief.status == 200
    for data, _ in GUNICORN_REFUSALS.values():
        raw_exchange(gunicorn.port, data)
    lines = gunicorn.log_path.read_text(encoding="utf-8").splitlines()
    entries = []
    for line in lines:
        assert line.isascii(), line[:200]
        entries.append(json.loads(line))  # raises on any line that is not JSON
    assert any(e["logger"] == "gunicorn.access" for e in entries)  # Python warnings: tests/test_logs.py
    assert any(e["logger"] == "gunicorn.error" and "Invalid request" in e["message"] for e in entries)


def test_metric_labels_stay_bounded_whatever_methods_and_paths_clients_send(client):
    def series() -> set[tuple]:
        found = set()
        for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True)):
            for sample in family.samples:
                found.add((sample.name, tuple(sorted(sample.labels.items()))))
        return found

    def strangers(numbers: range) -> None:
        for n in numbers:
            client.open(f"/no/such/path/{n}", method=f"BREW{n}")
            client.open(f"/api/v1/models/minusma-{n}", method=f"PROPFIND{n}")
            client.get(f"/nowhere-{n}")

    strangers(range(0, 300))
    first = series()
    strangers(range(300, 600))
    assert series() == first  # 900 more requests, 600 more methods and paths: not one series more
    methods = {dict(labels)["method"] for _, labels in first if "method" in dict(labels)}
    routes = {dict(labels)["route"] for _, labels in first if "route" in dict(labels)}
    assert methods <= HTTP_METHODS | {OTHER_METHOD} and OTHER_METHOD in methods
    assert routes == {"unmatched"}  # a method no rule takes matches no rule: 405s fold in with 404s
