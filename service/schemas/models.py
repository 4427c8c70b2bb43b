"""Schemas of the models resource (DESIGN.md §4, §4.1)."""

import copy

from marshmallow import Schema, fields

from models.schema import (CriterionSchema, CritiqueSchema, EffectSchema, InteractionSchema, ModelDocumentSchema,
                           ModelText, OptionSchema, ProfileSchema, ScenarioSchema, SourceSchema)


def always_written(schema: type[Schema], *names: str, **nested: type[Schema]) -> type[Schema]:
    """The output form of an input schema: the fields `names`, optional on input, are always in
    what the service writes, so they are required; `nested` gives the output form of list fields.

    Copies of the input fields, so the output keeps whatever types and limits the input has.
    """
    declared = {}
    for name in names:
        declared[name] = copy.deepcopy(schema._declared_fields[name])
        declared[name].required = True
    for name, output in nested.items():
        field = declared.get(name) or copy.deepcopy(schema._declared_fields[name])
        field.inner = copy.copy(field.inner)  # a List of Nested; marshmallow copies fields shallowly
        field.inner.nested = output
        declared[name] = field
    return type(schema.__name__.replace("Schema", "OutputSchema"), (schema,), declared)


CriterionOutputSchema = always_written(CriterionSchema, "description", "evidence")
OptionOutputSchema = always_written(OptionSchema, "recommendation", "summary", "evidence")
EffectOutputSchema = always_written(EffectSchema, "rationale", "evidence")
InteractionOutputSchema = always_written(InteractionSchema, "rationale", "evidence")
ScenarioOutputSchema = always_written(ScenarioSchema, "description", "default", "unavailable", "adjustments", "evidence")


class ModelSummarySchema(Schema):
    id = fields.String(required=True)
    version = fields.String(required=True)
    title = ModelText(metadata={"description": "as the model gives it: a string, or the title by language"})
    source = fields.Nested(SourceSchema, required=True)
    builtin = fields.Boolean(required=True)


class ModelListSchema(Schema):
    items = fields.List(fields.Nested(ModelSummarySchema), required=True)


class ModelOutputSchema(always_written(
        ModelDocumentSchema, "description", "scale", "interactions", "constraints", "scenarios", "default_scenario",
        criteria=CriterionOutputSchema, options=OptionOutputSchema, effects=EffectOutputSchema,
        interactions=InteractionOutputSchema, scenarios=ScenarioOutputSchema)):
    """The whole model as served: the input document plus its derived version, every field present."""

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
