"""Prometheus metrics at `/metrics`, through prometheus-flask-exporter.

Exported: `flask_http_request_duration_seconds` (a histogram by method, route and status, whose
`_count` is the number of requests), `flask_http_request_total` (by method and status) and
`flask_http_request_exceptions_total`. No label takes a value a client chooses: routes are URL
rules (`/api/v1/models/<model_id>`), never raw paths, unmatched paths count as `unmatched`, and
methods outside HTTP's own nine count as `OTHER`, so the series stay bounded.

Several gunicorn workers: each worker is its own process with its own counters, so gunicorn's
configuration (service/gunicorn_conf.py) points PROMETHEUS_MULTIPROC_DIR at a fresh folder before
the workers start; there prometheus_client keeps each worker's values in files, and `/metrics`,
whichever worker answers, adds up all of them. Without that variable (tests, `flask run`), one
process counts in memory, in a registry of the app's own.
"""

from __future__ import annotations

import os

from flask import Flask, request
from prometheus_client import CollectorRegistry
from prometheus_flask_exporter import PrometheusMetrics

METRICS_PATH = "/metrics"
# Up to 10 s, the solver's default time limit; Prometheus's default buckets.
LATENCY_BUCKETS_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


# RFC 9110's methods and PATCH (RFC 5789); any other is answered 405 or 404 and labelled OTHER.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
OTHER_METHOD = "OTHER"


def _fold_unknown_method() -> None:
    # No view serves such a method (routing answers 405 or 404 whatever it is called), so renaming
    # it before dispatch changes no answer, only the label prometheus_flask_exporter reads.
    if request.method not in HTTP_METHODS:
        request.method = OTHER_METHOD


def route(handled) -> str:
    """The label of a request: its URL rule, or `unmatched` (404s on any path)."""
    rule = handled.url_rule
    return rule.rule if rule is not None else "unmatched"


def init_app(app: Flask) -> None:
    if not app.config["METRICS_ENABLED"]:
        return
    options = {"group_by": route, "buckets": LATENCY_BUCKETS_SECONDS}
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

        metrics = GunicornInternalPrometheusMetrics(app, path=METRICS_PATH, **options)
    else:
        # A registry per app: the default one is global, and a second app in one process
        # (tests create many) would clash with the first's series.
        metrics = PrometheusMetrics(app, path=METRICS_PATH, registry=CollectorRegistry(), **options)
    app.before_request(_fold_unknown_method)
    app.extensions["policy_options_metrics"] = metrics
