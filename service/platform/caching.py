"""Cache-Control on every response that does not set its own (README "Caching", DESIGN.md §8.4).

- Workshop responses (`/api/v1/workshops/...`) and anything else: `no-store`. They carry tokens,
  names and priorities, or are computed for one request (rankings, robustness, briefs, errors).
- A GET answered with an ETag (a model, the list of models, the OpenAPI document): `no-cache`:
  a cache may keep it but asks again each time, and If-None-Match makes the answer a cheap 304.
"""

from __future__ import annotations

from flask import Flask, request

from service.platform.headers import header_names

WORKSHOP_API_PREFIX = "/api/v1/workshops"


def init_app(app: Flask) -> None:
    app.after_request(_add_cache_control)


def cache_control_for(path: str, method: str, status: int, has_etag: bool) -> str:
    if path.startswith(WORKSHOP_API_PREFIX):
        return "no-store"
    if method in ("GET", "HEAD") and status in (200, 304) and has_etag:
        return "no-cache"
    return "no-store"


def _add_cache_control(response):
    present = header_names(response.headers)
    if "cache-control" not in present:
        response.headers.add("Cache-Control", cache_control_for(request.path, request.method, response.status_code,
                                                                 "etag" in present))
    return response
