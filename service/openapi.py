"""The OpenAPI document: generated from the schemas by flask-smorest, errors as problem+json.

The committed `openapi.yaml` is this document (`policy-options openapi -o openapi.yaml`);
a test fails when they differ.
"""

from __future__ import annotations

import copy

from flask import Flask

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _is_error(status: str) -> bool:
    return status == "default" or (status.isdigit() and int(status) >= 400)


def openapi_document(app: Flask) -> dict:
    api = app.extensions["policy_options"].api
    document = copy.deepcopy(api.spec.to_dict())
    for path, path_item in document.get("paths", {}).items():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            if path.startswith("/api/"):
                # Every API operation counts against the per-client rate limit (service/security.py).
                operation["responses"].setdefault("429", {
                    "description": "Too many requests from this client (RATE_LIMIT); see Retry-After",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}}})
            for status, response in operation.get("responses", {}).items():
                if _is_error(status) and "$ref" not in response:
                    response["content"] = copy.deepcopy(PROBLEM_CONTENT)
    for name, response in document.get("components", {}).get("responses", {}).items():
        response["content"] = copy.deepcopy(PROBLEM_CONTENT)
    document["components"]["schemas"].pop("Error", None)
    return document
