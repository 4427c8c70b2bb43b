"""Schemas of the models resource (DESIGN.md §4, §4.1)."""

from marshmallow import Schema, fields

from models.schema import CritiqueSchema, ModelDocumentSchema, ProfileSchema, SourceSchema


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
    profiles = fields.List(fields.Nested(ProfileSchema), required=True,
                           metadata={"description": "stakeholders' views as the source states them (DESIGN.md §8.1)"})
    critiques = fields.List(fields.Nested(CritiqueSchema), required=True,
                            metadata={"description": "passages where the source's author criticizes a view"})


class ModelWarningSchema(Schema):
    pointer = fields.String(required=True, metadata={"description": "JSON pointer (RFC 6901) into the posted model"})
    detail = fields.String(required=True)


class ModelCreatedSchema(ModelOutputSchema):
    """The model as stored, with what a reviewer should confirm (never blocking)."""

    warnings = fields.List(fields.Nested(ModelWarningSchema), required=True, metadata={
        "description": "one passage scoring two criteria of one option; quotes that may be the author's critique "
                       "of the effect; interactions pushing a package beyond the scale (README, 'Model warnings')"})


__all__ = ["ModelCreatedSchema", "ModelDocumentSchema", "ModelListSchema", "ModelOutputSchema", "ModelSummarySchema"]
