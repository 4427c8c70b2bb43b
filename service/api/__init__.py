"""HTTP resources: one blueprint per resource."""

from flask_smorest import Blueprint as _SmorestBlueprint

from service.jsonbody import StrictJSONParser
from service.schemas.common import ProblemSchema


class Blueprint(_SmorestBlueprint):
    """flask-smorest blueprint whose JSON bodies are parsed strictly (DESIGN.md §7)."""

    ARGUMENTS_PARSER = StrictJSONParser()


def problem_responses(*statuses: int):
    """Document error responses of an operation (as application/problem+json)."""

    def decorate(view):
        for status in statuses:
            view = Blueprint.alt_response(_DOC_BLUEPRINT, status, schema=ProblemSchema,
                                          content_type="application/problem+json")(view)
        return view

    return decorate


_DOC_BLUEPRINT = Blueprint("_doc", __name__)
