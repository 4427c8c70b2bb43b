"""Schemas of the models resource (DESIGN.md §4, §4.1)."""

from marshmallow import Schema, fields

from models.schema import ModelDocumentSchema, SourceSchema


class ModelSummarySchema(Schema):
    id = fields.String(required=True)
    version = fields.String(required=True)
    title = fields.String(required=True)
    source = fields.Nested(SourceSchema, required=True)
    builtin = fields.Boolean(required=True)


class ModelListSchema(Schema):
    items = fields.List(fields.Nested(ModelSummarySchema), required=True)


class ModelOutputSchema(ModelDocumentSchema):
    """The whole model as served: the input document plus its derived version."""

    version = fields.String(required=True)
    builtin = fields.Boolean(required=True)



__all__ = ["ModelDocumentSchema", "ModelListSchema", "ModelOutputSchema", "ModelSummarySchema"]
