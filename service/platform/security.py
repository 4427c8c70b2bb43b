"""Safety toward strangers: no debug outside development, security headers on every response,
CORS only for configured origins, and rate limits per client.

Configuration (service/platform/config.py, README "Configuration"): POLICY_OPTIONS_ENV, CORS_ORIGINS,
RATE_LIMIT, JOIN_RATE_LIMIT, FAILED_JOIN_RATE_LIMIT, RATELIMIT_STORAGE_URI, TRUSTED_PROXIES. Secrets
come only from the environment or are generated: SECRET_KEY (config.py), workshop tokens
(`secrets.token_urlsafe`, stored as a SHA-256 digest by service/persistence/workshop_store.py),
API keys (service/platform/api_keys.py).

Rate limits (README "Rate limiting"): RATE_LIMIT per client across the API; joining a workshop
has two more, JOIN_RATE_LIMIT on every attempt and FAILED_JOIN_RATE_LIMIT on attempts refused
(a wrong join code or workshop), so that join codes cannot be guessed at the API's pace. Every
response to a limited request carries the IETF `RateLimit-Policy` and `RateLimit` fields
(draft-ietf-httpapi-ratelimit-headers: `"name";q=quota;w=window` and `"name";r=remaining;t=reset`),
a 429 also `Retry-After`.
"""

from __future__ import annotations

import re

import limits
from flask import Flask, current_app, request
from limits.storage import storage_from_string
from werkzeug.middleware.proxy_fix import ProxyFix

from service.platform.errors import problem_response
from service.platform.headers import SECURITY_HEADERS, header_names
from service.platform.logs import REQUEST_ID_HEADER
from service.platform.rate_limit_storage import storage_uri
from service.platform.rate_limiter import ClientRateLimiter, Limit, RateLimitExceeded


# What a browser calling the API from an allowed origin may send and read.
CORS_ALLOWED_HEADERS = ["Content-Type", "Authorization", "If-Match", "If-None-Match", "Idempotency-Key",
                        REQUEST_ID_HEADER]
CORS_EXPOSED_HEADERS = ["ETag", "Location", "Retry-After", "Idempotent-Replayed", "RateLimit", "RateLimit-Policy",
                        REQUEST_ID_HEADER]
CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CORS_RESOURCES = [r"/api/.*", r"/openapi\.json", r"/healthz"]

# Load balancers poll health, Prometheus scrapes metrics, and pages load their static files:
# none of these is a client's work, so none counts against its limit.
RATE_LIMIT_EXEMPT_ENDPOINTS = frozenset({"health.Health", "prometheus_metrics", "docs.asset", "static"})
RATE_LIMIT_OFF = ("", "0", "off", "none")
JOIN_ENDPOINT = "workshops.Participants"
# Policy names in the RateLimit fields, by the limit's scope.
APPLICATION_POLICY, JOIN_POLICY, FAILED_JOIN_POLICY = "default", "join", "join-refused"


def init_app(app: Flask) -> None:
    """Apply every safety measure to `app`; call once its configuration is final."""
    _keep_debug_to_development(app)
    if app.config["TRUSTED_PROXIES"]:
        # Behind N proxies, the client is the address they forwarded: per-client limits need it.
        count = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.after_request(_add_security_headers)
    _allow_configured_origins(app)
    _limit_rate_per_client(app)


def _keep_debug_to_development(app: Flask) -> None:
    # Flask turns FLASK_DEBUG into app.config["DEBUG"] wherever it runs, gunicorn included;
    # debug shows exception text in 500 answers (service/platform/errors.py), so only development gets it.
    if app.config["ENVIRONMENT"] != "development":
        app.debug = False


def _add_security_headers(response):
    headers = response.headers
    present = header_names(headers)
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:  # a blueprint may have set a stricter value
            headers.add(name, value)
    return response


def allowed_origins(setting: str) -> list[str]:
    """The origins of a comma-separated CORS_ORIGINS (exact `scheme://host[:port]` strings)."""
    return [origin.strip() for origin in setting.split(",") if origin.strip()]


def _allow_configured_origins(app: Flask) -> None:
    origins = allowed_origins(app.config["CORS_ORIGINS"])
    if not origins:
        return  # off by default: no CORS header at all, so browsers keep the same-origin policy
    from flask_cors import CORS  # imported only when needed: CORS is off by default

    # Tokens travel in the Authorization header, never in cookies: no credentials mode.
    CORS(app, resources=CORS_RESOURCES, origins=origins, methods=CORS_METHODS, allow_headers=CORS_ALLOWED_HEADERS,
         expose_headers=CORS_EXPOSED_HEADERS, supports_credentials=False, max_age=600)
    app.after_request(_vary_on_origin)


def _vary_on_origin(response):
    # The CORS headers depend on Origin, whether it is allowed or not (flask-cors adds Vary only
    # when it allows one): a shared cache must not give one origin's answer to another.
    if any(re.fullmatch(pattern, request.path) for pattern in CORS_RESOURCES):
        response.vary.add("Origin")
    return response


def _limit_rate_per_client(app: Flask) -> None:
    rate_limit = app.config["RATE_LIMIT"].strip()
    # The test client is one client sending thousands of requests: tests turn limits on explicitly.
    app.config.setdefault("RATELIMIT_ENABLED", not app.testing and rate_limit.lower() not in RATE_LIMIT_OFF)
    if not app.config["RATELIMIT_ENABLED"]:
        return
    store = storage_uri(app.config["RATELIMIT_STORAGE_URI"])
    shared = store != storage_uri("memory://")
    options = {"engine": app.extensions["policy_options"].engine} if store == storage_uri("database://") else {}
    joining = {"applies": _joining}
    limiter = ClientRateLimiter(
        # One count per client across all routes, and two more for joining.
        [*(Limit(item, APPLICATION_POLICY, "RATE_LIMIT", "global") for item in limits.parse_many(rate_limit)),
         *(Limit(item, JOIN_POLICY, "JOIN_RATE_LIMIT", JOIN_POLICY, **joining)
           for item in limits.parse_many(app.config["JOIN_RATE_LIMIT"])),
         *(Limit(item, FAILED_JOIN_POLICY, "FAILED_JOIN_RATE_LIMIT", FAILED_JOIN_POLICY, deduct_when=_join_refused,
                 **joining) for item in limits.parse_many(app.config["FAILED_JOIN_RATE_LIMIT"]))],
        storage_from_string(store, **options), exempt=_exempt_from_rate_limit,
        # A shared store that goes away must not fail requests: each process then counts alone.
        fallback=shared)
    app.before_request(limiter.count_request)
    app.after_request(limiter.deduct_and_describe)
    app.teardown_request(limiter.forget_writes)
    app.extensions["policy_options_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, _rate_limit_refusal)


def _exempt_from_rate_limit() -> bool:
    # A CORS preflight is the browser's question, not the client's work.
    return request.endpoint in RATE_LIMIT_EXEMPT_ENDPOINTS or request.method == "OPTIONS"


def _joining() -> bool:
    return request.endpoint == JOIN_ENDPOINT and request.method == "POST"


def _join_refused(response) -> bool:
    # A wrong join code (403) or workshop (404): what guessing looks like.
    return response.status_code in (403, 404)


def _rate_limit_refusal(error: RateLimitExceeded):
    limit = error.applied.limit
    retry_after = current_app.extensions["policy_options_limiter"].retry_after(error.applied)
    return problem_response(429, f"Too many requests from this client: the limit is {limit.item} ({limit.setting}).",
                            slug="rate-limit", headers={"Retry-After": str(retry_after)}, limit=str(limit.item))
