"""The OpenAPI document: generated from the schemas by flask-smorest, errors as problem+json.

The committed `openapi.yaml` is this document (`policy-options openapi -o openapi.yaml`);
a test fails when they differ. Where apispec's defaults keep client generators from typing a
field, `ContractConverter` writes the form they need, once for every schema (DESIGN.md §8.4).
"""

from __future__ import annotations

import copy
import json

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from flask import Flask
from flask_smorest import Api
from marshmallow import fields

from service.api import (DEFAULT_PROBLEM_RESPONSE, RATE_LIMITED_RESPONSE, document_components, problem_response_components,
                         problem_response_name)
from service.schemas.common import ProblemSchema


class ContractConverter(OpenAPIConverter):
    """apispec's marshmallow converter with the forms client generators read (DESIGN.md §8.4).

    - A nullable nested schema is `nullable: true` with `allOf: [$ref]`. apispec writes
      `anyOf: [{type: object, nullable: true}, {$ref}]` for OpenAPI 3.0, and generators take the
      anonymous object first, leaving the field untyped.
    - A length limit on a map is `minProperties`/`maxProperties`, not `minLength`/`maxLength`.
    """

    def field2nullable(self, field: fields.Field, ret) -> dict:
        # No `type` beside them: openapi-python-client turns `nullable` + `allOf` into `X | None`,
        # but with a `type` it keeps `X` alone and fails on null (redocly.yaml says why its
        # nullable-type-sibling rule only warns).
        if field.allow_none and "$ref" in ret:
            return {"nullable": True, "allOf": [{"$ref": ret.pop("$ref")}]}
        if field.allow_none and "allOf" in ret:  # a described nested field: allOf is already there
            return {"nullable": True}
        return super().field2nullable(field, ret)

    def field2length(self, field: fields.Field, **kwargs) -> dict:
        lengths = super().field2length(field, **kwargs)
        if isinstance(field, fields.Dict):
            renamed = {"minLength": "minProperties", "maxLength": "maxProperties"}
            return {renamed.get(key, key): value for key, value in lengths.items()}
        return lengths


class ContractMarshmallowPlugin(MarshmallowPlugin):
    Converter = ContractConverter


class DeferredDocsApi(Api):
    """A flask-smorest Api that documents its blueprints when the document is first asked for.

    Routes are registered at start-up as usual; turning every schema into OpenAPI is a fifth
    of the cold start, and most processes never serve the document.
    """

    def init_app(self, app, *, spec_kwargs=None):
        self._undocumented = []
        spec_kwargs = {"marshmallow_plugin": ContractMarshmallowPlugin(), **(spec_kwargs or {})}
        super().init_app(app, spec_kwargs=spec_kwargs)

    # Errors are problem documents (service.api.problem_responses), and nothing is paginated:
    # flask-smorest's own error responses and pagination header would only add unused components.
    DEFAULT_ERROR_RESPONSE_NAME = DEFAULT_PROBLEM_RESPONSE

    def _register_responses(self):
        pass

    def _register_pagination_header(self):
        pass

    def _register_etag_headers(self):
        pass

    def register_blueprint(self, blp, *, parameters=None, **options):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def documented_spec(self):
        """The apispec document with every registered blueprint in it."""
        if self._undocumented and "Problem" not in self.spec.components.schemas:
            self.spec.components.schema("Problem", schema=ProblemSchema)
            document_components(self.spec)
            problem_response_components(self.spec)
        while self._undocumented:
            blp, name, parameters = self._undocumented.pop(0)
            blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
            self.spec.tag({"name": name, "description": blp.description})
        return self.spec


PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _is_error(status: str) -> bool:
    return status == "default" or (status.isdigit() and int(status) >= 400)


def _text_representations_first(content: dict) -> dict:
    """The media types of one response with JSON last when there are others.

    openapi-python-client reads only the first media type of a response; a text one can
    always be read, whereas parsing a Markdown or DOCX brief as JSON fails.
    """
    return dict(sorted(content.items(), key=lambda item: item[0] == "application/json"))


def openapi_document(app: Flask) -> dict:
    api = app.extensions["policy_options"].api
    # Through JSON rather than deepcopy: fields shared by an input and an output schema share their
    # metadata objects, and a copy without shared objects writes YAML without anchors and aliases.
    document = json.loads(json.dumps(api.documented_spec().to_dict()))
    for path, path_item in document.get("paths", {}).items():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            operation.setdefault("security", [])  # public unless the operation names its scheme
            if path.startswith("/api/"):
                # Every API operation counts against the per-client rate limit (service/platform/security.py).
                operation["responses"].setdefault(
                    "429", {"$ref": f"#/components/responses/{problem_response_name(RATE_LIMITED_RESPONSE)}"})
            for status, response in operation.get("responses", {}).items():
                if _is_error(status) and "$ref" not in response:
                    response["content"] = copy.deepcopy(PROBLEM_CONTENT)
                elif "content" in response:
                    response["content"] = _text_representations_first(response["content"])
    for name, response in document.get("components", {}).get("responses", {}).items():
        if "content" in response:
            response["content"] = copy.deepcopy(PROBLEM_CONTENT)
    # The order a reader looks for things in; the committed YAML keeps it.
    first = ("openapi", "info", "servers", "tags", "paths", "components")
    return {**{key: document[key] for key in first if key in document},
            **{key: value for key, value in document.items() if key not in first}}
