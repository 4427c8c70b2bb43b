"""Schemas shared by several resources."""

from marshmallow import Schema, fields, validate

from models.schema import StrictSchema

CONSTRAINT_SOURCES = ("request", "model", "scenario")
# How packages were searched: exact enumeration, or the MILP (DESIGN.md §5).
SEARCH_METHODS = ("enumeration", "milp")
QUERY_LANGUAGES = ("en", "fr")  # service.i18n.LANGUAGES, named here without importing Babel


def language_query_field(what: str) -> fields.String:
    """`?lang=`: the language of `what` (en or fr), before Accept-Language. Not validated:
    DESIGN.md §8.2 reads an unsupported value as "not said" (Accept-Language decides)."""
    return fields.String(validate=validate.Length(max=35), metadata={
        "enum": list(QUERY_LANGUAGES),
        "description": f"{what} language (en or fr), before Accept-Language; another value is ignored"})


class ProblemErrorSchema(Schema):
    pointer = fields.String(required=True, metadata={"description": "JSON pointer (RFC 6901) into the request body"})
    detail = fields.String(required=True)


class ConflictEntrySchema(Schema):
    """Where one constraint of a conflict comes from (DESIGN.md §3)."""

    source = fields.String(required=True, validate=validate.OneOf(CONSTRAINT_SOURCES))
    index = fields.Integer(metadata={"description": "source request: the constraint's position in the request's `constraints`"})
    id = fields.String(metadata={"description": "source model: the model constraint's id"})
    option = fields.String(metadata={"description": "source scenario: the option the scenario makes unavailable"})


class ProblemSchema(Schema):
    """RFC 9457 problem details, with every extension member a response may carry.

    `type` is a URI reference that resolves to a page explaining the problem (`/problems/<slug>`).
    """

    type = fields.String(required=True, metadata={"format": "uri-reference"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(allow_none=True, metadata={"format": "uri-reference"})
    errors = fields.List(fields.Nested(ProblemErrorSchema), metadata={"description": "422: validation problems, one per field"})
    conflict = fields.List(fields.Nested(ConflictEntrySchema),
                           metadata={"description": "422 infeasible-constraints: a minimal set of constraints that cannot hold together"})
    limit = fields.Raw(metadata={"description": "400, 409, 413, 429, 503: the limit the refusal names "
                                                "(a number, or a rate such as `600 per 1 minute`)",
                                 "oneOf": [{"type": "number"}, {"type": "string"}]})
    current_etag = fields.String(allow_none=True, metadata={
        "description": "412 and 428: the ETag of the current submission (null when there is none this round)"})
    workshops = fields.Integer(metadata={"description": "409 model-in-use: how many workshops use the model"})


class ProvenanceSchema(Schema):
    model_version = fields.String(required=True)
    input_sha256 = fields.String(required=True)
    solver = fields.String(required=True)
    method = fields.String(required=True, validate=validate.OneOf(SEARCH_METHODS))
    engine_version = fields.String(required=True)
    seed = fields.Integer(allow_none=True, required=True)


__all__ = ["ProblemSchema", "ProvenanceSchema", "StrictSchema"]



class LanguageQuerySchema(StrictSchema):
    lang = language_query_field("the verdicts'")
