"""HTTP resources: one blueprint per resource."""

from __future__ import annotations

from http import HTTPStatus

from flask_smorest import Blueprint as _SmorestBlueprint

from service.platform.api_keys import requires_write_access
from service.platform.jsonbody import StrictJSONParser

# The one security scheme of the document: API keys and workshop tokens both travel as bearer tokens.
BEARER_SCHEME = "bearerAuth"


class Blueprint(_SmorestBlueprint):
    """flask-smorest blueprint whose JSON bodies are parsed strictly (DESIGN.md §7)."""

    ARGUMENTS_PARSER = StrictJSONParser()


def problem_response_name(status: int) -> str:
    return f"Problem{status}"


def problem_response_components(spec) -> None:
    """One named problem+json response per error status that an operation refers to."""
    for status in sorted(_DOCUMENTED_STATUSES):
        status = HTTPStatus(status)
        if problem_response_name(status) not in spec.components.responses:
            spec.components.response(problem_response_name(status), {
                "description": status.phrase,
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            })


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


def write_access(scope: str):
    """A write that needs an API key with `scope` when API_KEYS is set (service/platform/api_keys.py):
    checked before the body is read, and declared in the OpenAPI document with its 401 and 403."""

    def decorate(view):
        view = requires_write_access(scope)(view)
        view = _DOC_BLUEPRINT.doc(security=[{BEARER_SCHEME: []}])(view)
        return problem_responses(401, 403)(view)

    return decorate


_DOC_BLUEPRINT = Blueprint("_doc", __name__)
_DOCUMENTED_STATUSES: set[int] = set()
