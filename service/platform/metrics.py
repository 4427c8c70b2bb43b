"""Prometheus metrics at `/metrics`, with prometheus_client.

Exported: `flask_http_request_duration_seconds` (a histogram by method, route and status, whose
`_count` is the number of requests), `flask_http_request_total` (by method and status) and
`flask_http_request_exceptions_total` (the names prometheus-flask-exporter gave them, which this
module replaced: two hooks and a cache of labelled series cost less per request than its). No label
takes a value a client chooses: routes are URL rules (`/api/v1/models/<model_id>`), never raw paths,
unmatched paths count as `unmatched`, and methods outside HTTP's own nine count as `OTHER`, so the
series stay bounded. `/metrics` itself is not counted.

Several gunicorn workers: each worker is its own process with its own counters, so gunicorn's
configuration (service/gunicorn_conf.py) points PROMETHEUS_MULTIPROC_DIR at a fresh folder before
the workers start; there prometheus_client keeps each worker's values in memory-mapped files, and
`/metrics`, whichever worker answers, adds up all of them. Without that variable (tests, `flask run`),
one process counts in memory, in a registry of the app's own.
"""

from __future__ import annotations

import os
from time import perf_counter

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

METRICS_PATH = "/metrics"
METRICS_ENDPOINT = "prometheus_metrics"
# Up to 10 s, the solver's default time limit; Prometheus's default buckets.
LATENCY_BUCKETS_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)

# RFC 9110's methods and PATCH (RFC 5789); any other is answered 405 or 404 and labelled OTHER.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
OTHER_METHOD = "OTHER"
UNMATCHED_ROUTE = "unmatched"


def route(handled) -> str:
    """The label of a request: its URL rule, or `unmatched` (404s and 405s on any path)."""
    rule = handled.url_rule
    return rule.rule if rule is not None else UNMATCHED_ROUTE


class RequestMetrics:
    """The three series, in an app's own registry, and the hooks that feed them."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self.duration = Histogram("flask_http_request_duration_seconds", "Flask HTTP request duration in seconds",
                                  ("method", "route", "status"), registry=registry, buckets=LATENCY_BUCKETS_SECONDS)
        self.total = Counter("flask_http_request_total", "Total number of HTTP requests", ("method", "status"),
                             registry=registry)
        self.exceptions = Counter("flask_http_request_exceptions_total",
                                  "Total number of HTTP requests which resulted in an exception", ("method", "status"),
                                  registry=registry)
        # (method, route, status) -> the two labelled series: `labels()` takes a lock and builds a key
        # on every call. Bounded: methods and routes are folded as above, statuses are the app's own.
        self._series: dict[tuple[str, str, int], tuple] = {}

    def start(self) -> None:
        g.metrics_started = perf_counter()

    def record(self, response):
        started = g.get("metrics_started")
        if started is not None and request.endpoint != METRICS_ENDPOINT:
            self._observe(route(request), response.status_code, perf_counter() - started)
        return response

    def record_failure(self, error=None) -> None:
        """teardown_request: an exception no handler answered (its response, if any, is a 500)."""
        if error is None or request.endpoint == METRICS_ENDPOINT:
            return
        self.exceptions.labels(_method_label(), "500").inc()
        started = g.pop("metrics_started", None)
        if started is not None:
            self._observe(route(request), 500, perf_counter() - started)

    def _observe(self, rule: str, status: int, seconds: float) -> None:
        g.pop("metrics_started", None)  # once per request, whichever hook sees it first
        key = (_method_label(), rule, status)
        series = self._series.get(key)
        if series is None:
            method, text = key[0], str(status)
            series = self._series[key] = (self.duration.labels(method, rule, text), self.total.labels(method, text))
        series[0].observe(max(seconds, 0.0))
        series[1].inc()


def _method_label() -> str:
    method = request.method
    return method if method in HTTP_METHODS else OTHER_METHOD


def _exposition() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()  # every worker's files, read at each scrape
        multiprocess.MultiProcessCollector(registry)
    else:
        from flask import current_app

        registry = current_app.extensions["policy_options_metrics"].registry
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    if not app.config["METRICS_ENABLED"]:
        return
    # A registry per app: the default one is global, and a second app in one process (tests create
    # many) would clash with the first's series. Under gunicorn the values themselves go to files.
    metrics = RequestMetrics(CollectorRegistry())
    app.before_request(metrics.start)
    app.after_request(metrics.record)
    app.teardown_request(metrics.record_failure)
    app.add_url_rule(METRICS_PATH, METRICS_ENDPOINT, _exposition)
    app.extensions["policy_options_metrics"] = metrics
