"""Configuration, only from the environment, with safe defaults for the embedded mode."""

from __future__ import annotations

import os
from pathlib import Path


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if value in (None, "") else float(value)


def settings_from_environment() -> dict:
    data_dir = Path(os.environ.get("POLICY_OPTIONS_DATA_DIR", "data")).resolve()
    return {
        # SQLite file under a data folder by default; PostgreSQL through DATABASE_URL.
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'policy-options.sqlite3'}",
        "DATA_DIR": str(data_dir),
        "AUTO_MIGRATE": os.environ.get("AUTO_MIGRATE", "1") not in ("0", "false", "no"),
        "SOLVER_TIME_LIMIT_SECONDS": _number("SOLVER_TIME_LIMIT_SECONDS", 10.0),
        # Limits (README "Limits"); a refusal names the limit.
        "MAX_CONTENT_LENGTH": int(_number("MAX_BODY_BYTES", 4 * 1024 * 1024)),
        "MAX_JSON_DEPTH": int(_number("MAX_JSON_DEPTH", 32)),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or os.urandom(32).hex(),
        # Security and operations (service/platform/security.py, service/platform/metrics.py; README "Configuration").
        "ENVIRONMENT": os.environ.get("POLICY_OPTIONS_ENV", "production"),
        "CORS_ORIGINS": os.environ.get("CORS_ORIGINS", ""),
        "RATE_LIMIT": os.environ.get("RATE_LIMIT", "600/minute"),
        "JOIN_RATE_LIMIT": os.environ.get("JOIN_RATE_LIMIT", "60/minute"),
        "FAILED_JOIN_RATE_LIMIT": os.environ.get("FAILED_JOIN_RATE_LIMIT", "10/minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "TRUSTED_PROXIES": int(_number("TRUSTED_PROXIES", 0)),
        "METRICS_ENABLED": os.environ.get("METRICS_ENABLED", "1") not in ("0", "false", "no"),
        # Write access (service/platform/api_keys.py): parsed into digests when the app starts.
        "API_KEYS": os.environ.get("API_KEYS", ""),
    }


API_SETTINGS = {
    "API_TITLE": "policy-options",
    "API_VERSION": "1.0.0",
    "OPENAPI_VERSION": "3.0.3",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Turns a policy report's recommendations into weighted, constraint-checked options, "
                "ranks options and packages of options against a user's priorities with an exact "
                "optimizer, and explains the result. Every score is traceable to the report. "
                "Errors are RFC 9457 application/problem+json."
            ),
            "license": {"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
        },
        # Relative: the server that serves this document (RFC 3986 reference, OpenAPI 3.0 §4.7.5).
        "servers": [{"url": "/", "description": "the server this document is served from"}],
    },
}
