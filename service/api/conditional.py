"""Conditional GET: a strong ETag on a JSON representation and 304 for If-None-Match (RFC 9110 §8.8.3, §13.1.2)."""

from __future__ import annotations

import hashlib

from flask import jsonify, request


def conditional_json(body, *, etag: str | None = None):
    """`body` as JSON with a strong ETag: `etag` when the caller has one that changes with the
    content (a model's version), else the SHA-256 of the bytes sent. A GET whose If-None-Match
    names it gets 304 Not Modified, without a body."""
    response = jsonify(body)
    response.set_etag(etag if etag is not None else hashlib.sha256(response.get_data()).hexdigest())
    return response.make_conditional(request)
