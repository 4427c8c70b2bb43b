"""The OpenAPI document: generated from the schemas by flask-smorest, errors as problem+json.

The committed `openapi.yaml` is this document (`policy-options openapi -o openapi.yaml`);
a test fails when they differ.
"""

from __future__ import annotations

import copy

from flask import Flask
from flask_smorest import Api

from service.api import BEARER_SCHEME, problem_response_components
from service.schemas.common import ProblemSchema


class DeferredDocsApi(Api):
    """A flask-smorest Api that documents its blueprints when the document is first asked for.

    Routes are registered at start-up as usual; turning every schema into OpenAPI is a fifth
    of the cold start, and most processes never serve the document.
    """

    def init_app(self, app, *, spec_kwargs=None):
        self._undocumented = []
        super().init_app(app, spec_kwargs=spec_kwargs)

    def register_blueprint(self, blp, *, parameters=None, **options):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def documented_spec(self):
        """The apispec document with every registered blueprint in it."""
        if self._undocumented and "Problem" not in self.spec.components.schemas:
            self.spec.components.schema("Problem", schema=ProblemSchema)
            problem_response_components(self.spec)
        if BEARER_SCHEME not in self.spec.components.security_schemes:
            self.spec.components.security_scheme(BEARER_SCHEME, {"type": "http", "scheme": "bearer"})
        while self._undocumented:
            blp, name, parameters = self._undocumented.pop(0)
            blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
            self.spec.tag({"name": name, "description": blp.description})
        return self.spec

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
# draft-ietf-httpapi-ratelimit-headers; every rate-limited response carries the last two (service/platform/security.py).
RATE_LIMIT_HEADERS = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"},
    "RateLimit-Policy": {"schema": {"type": "string"}, "description": 'the limits that apply: "name";q=quota;w=window seconds, ...'},
    "RateLimit": {"schema": {"type": "string"}, "description": 'what is left of each: "name";r=remaining;t=seconds to reset, ...'},
}


def _is_error(status: str) -> bool:
    return status == "default" or (status.isdigit() and int(status) >= 400)


def openapi_document(app: Flask) -> dict:
    api = app.extensions["policy_options"].api
    document = copy.deepcopy(api.documented_spec().to_dict())
    for path, path_item in document.get("paths", {}).items():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            if path.startswith("/api/"):
                # Every API operation counts against the per-client rate limit (service/platform/security.py).
                operation["responses"].setdefault("429", {
                    "description": "Too many requests from this client (RATE_LIMIT); see Retry-After",
                    "headers": copy.deepcopy(RATE_LIMIT_HEADERS)})
            for status, response in operation.get("responses", {}).items():
                if _is_error(status) and "$ref" not in response:
                    response["content"] = copy.deepcopy(PROBLEM_CONTENT)
    for name, response in document.get("components", {}).get("responses", {}).items():
        response["content"] = copy.deepcopy(PROBLEM_CONTENT)
    document["components"]["schemas"].pop("Error", None)
    return document
