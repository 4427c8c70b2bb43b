"""Schemas shared by several resources."""

from marshmallow import Schema, fields

from models.schema import StrictSchema


class ProblemErrorSchema(Schema):
    pointer = fields.String(required=True, metadata={"description": "JSON pointer (RFC 6901) into the request body"})
    detail = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(allow_none=True)
    errors = fields.List(fields.Nested(ProblemErrorSchema), metadata={"description": "Validation problems, one per field"})
    conflict = fields.List(fields.Dict(), metadata={"description": "A minimal set of constraints that cannot hold together"})
    limit = fields.Raw(metadata={"description": "The limit a refusal names"})
    workshops = fields.Integer(metadata={"description": "How many workshops use the model (model-in-use)"})


class ProvenanceSchema(Schema):
    model_version = fields.String(required=True)
    input_sha256 = fields.String(required=True)
    solver = fields.String(required=True)
    method = fields.String(required=True)
    engine_version = fields.String(required=True)
    seed = fields.Integer(allow_none=True, required=True)


__all__ = ["ProblemSchema", "ProvenanceSchema", "StrictSchema"]
