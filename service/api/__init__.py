"""HTTP resources: one blueprint per resource, and what their OpenAPI description shares (DESIGN.md §8.4)."""

from __future__ import annotations

import copy
from http import HTTPStatus

from flask_smorest import Blueprint as _SmorestBlueprint

from models.schema import TRANSLATIONS_COMPONENT, TRANSLATIONS_SCHEMA
from service.platform.api_keys import requires_write_access
from service.platform.jsonbody import StrictJSONParser

class Blueprint(_SmorestBlueprint):
    """flask-smorest blueprint whose JSON bodies are parsed strictly (DESIGN.md §7)."""

    ARGUMENTS_PARSER = StrictJSONParser()


# The one security scheme of the document: API keys and workshop tokens both travel as
# `Authorization: Bearer <token>`.
BEARER_SCHEME = "bearerAuth"
RATE_LIMITED_RESPONSE = 429
# Every operation's `default` response: any error it does not list (a 500, a 405) is a problem document too.
DEFAULT_PROBLEM_RESPONSE = "Problem"

# Named headers, parameters and responses that operations refer to by name.
HEADERS = {
    "ETag": {"description": "A strong entity tag of this representation; send it back in If-None-Match "
                            "(or, for a submission, If-Match)", "schema": {"type": "string"}},
    "Location": {"description": "Where the created resource is", "schema": {"type": "string", "format": "uri-reference"}},
    "Cache-Control": {"description": "`no-store` on every workshop response and on any response that carries a token",
                      "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer", "minimum": 0}},
    "RateLimit": {"description": "The client's remaining quota and the seconds until it resets, in the IETF "
                                 "RateLimit header form (`\"default\";r=0;t=42`)", "schema": {"type": "string"}},
    "RateLimit-Policy": {"description": "The quota and its window, in the IETF RateLimit-Policy header form "
                                        "(`\"default\";q=600;w=60`)", "schema": {"type": "string"}},
    "WWW-Authenticate": {"description": "The scheme to authenticate with (Bearer)", "schema": {"type": "string"}},
    "Idempotent-Replayed": {"description": "`true` when this is the stored response to an earlier request with the "
                                           "same Idempotency-Key: nothing new was created",
                            "schema": {"type": "string", "enum": ["true"]}},
}
PARAMETERS = {
    "IfMatch": {
        "in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
        "description": "The ETag of the submission as you last read it. Required (428) once the participant "
                       "has a submission in the current round; a stale one is refused with 412 and the problem's "
                       "`current_etag`. `*` matches any current submission.",
    },
    "IfNoneMatch": {
        "in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
        "description": "ETags you hold: 304 Not Modified, without a body, while one of them still matches.",
    },
    "IdempotencyKey": {
        "in": "header", "name": "Idempotency-Key", "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": "A unique, unguessable key (a UUID) of this creation. Sent again with the same body within "
                       "24 hours, the first response is replayed and nothing new is created; with another body, "
                       "422. Printable ASCII, 1 to 255 characters, optionally as a quoted string.",
    },
}
RESPONSES = {
    "NotModified": {"description": "Not Modified: the ETag in If-None-Match still matches; no body",
                    "headers": {"ETag": "ETag", "Cache-Control": "Cache-Control"}},
}
# Headers each problem response carries beside its body.
PROBLEM_HEADERS = {
    401: {"WWW-Authenticate": "WWW-Authenticate"},
    429: {"Retry-After": "Retry-After", "RateLimit": "RateLimit", "RateLimit-Policy": "RateLimit-Policy"},
    503: {"Retry-After": "Retry-After"},
}


def document_components(spec) -> None:
    """The security scheme and the named headers, parameters and responses operations refer to."""
    spec.components.security_scheme(BEARER_SCHEME, {
        "type": "http", "scheme": "bearer",
        "description": "A token sent as `Authorization: Bearer <token>`: a workshop's facilitator token or a "
                       "participant token. No token, or one that belongs to no one, is 401; a token that does "
                       "not allow the action is 403.",
    })
    # Copies: apispec writes resolved references into what it is given.
    for name, header in HEADERS.items():
        spec.components.header(name, copy.deepcopy(header))
    for name, parameter in PARAMETERS.items():
        spec.components.parameter(name, parameter["in"], {k: v for k, v in copy.deepcopy(parameter).items() if k != "in"})
    for name, response in RESPONSES.items():
        spec.components.response(name, copy.deepcopy(response))
    # A model text given by language (DESIGN.md §8.2); `models.schema.ModelText` refers to it.
    spec.components.schema(TRANSLATIONS_COMPONENT, copy.deepcopy(TRANSLATIONS_SCHEMA))


def problem_response_name(status: int) -> str:
    return f"Problem{status}"


def problem_response_components(spec) -> None:
    """One named problem+json response per error status that an operation refers to."""
    for status in sorted(_DOCUMENTED_STATUSES | {RATE_LIMITED_RESPONSE}):
        status = HTTPStatus(status)
        if problem_response_name(status) not in spec.components.responses:
            response = {"description": status.phrase,
                        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            if status in PROBLEM_HEADERS:
                response["headers"] = copy.deepcopy(PROBLEM_HEADERS[status])
            spec.components.response(problem_response_name(status), response)
    spec.components.response(DEFAULT_PROBLEM_RESPONSE, {
        "description": "Any other error, such as 500 Internal Server Error, as a problem document",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})


def problem_responses(*statuses: int):
    """Document error responses of an operation as application/problem+json.

    By reference to a named response (`problem_response_components`): flask-smorest deep-copies
    what each documenting decorator stores, and copying a schema per status cost a tenth of a
    second of start-up.
    """

    _DOCUMENTED_STATUSES.update(statuses)

    def decorate(view):
        for status in statuses:
            view = _DOC_BLUEPRINT.alt_response(status, response=problem_response_name(status))(view)
        return view

    return decorate


def operation(operation_id: str, *, bearer: bool = False, write_scope: str | None = None,
              headers: tuple[str, ...] = ()):
    """Document an operation's stable `operationId`, the token it needs and the named header
    parameters (`PARAMETERS`) it reads (DESIGN.md §8.4).

    `write_scope`: a write that needs an API key with that scope when API_KEYS is set
    (service/platform/api_keys.py), checked before the body is read; declared as an optional
    bearer token (open when no keys are configured) with its 401 and 403.
    """
    if write_scope is not None:
        security = [{BEARER_SCHEME: []}, {}]
    else:
        security = [{BEARER_SCHEME: []}] if bearer else []
    doc = {"operationId": operation_id, "security": security}
    if headers:
        doc["parameters"] = list(headers)

    def decorate(view):
        view = _DOC_BLUEPRINT.doc(**doc)(view)
        if write_scope is not None:
            view = requires_write_access(write_scope)(view)
            view = problem_responses(401, 403)(view)
        return view

    return decorate


def not_modified_response(view):
    """Document the 304 that a conditional GET (If-None-Match) may get."""
    return _DOC_BLUEPRINT.alt_response(304, response="NotModified")(view)


_DOC_BLUEPRINT = Blueprint("_doc", __name__)
_DOCUMENTED_STATUSES: set[int] = set()
