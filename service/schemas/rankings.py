"""Schemas of `POST /api/v1/models/{model_id}/rankings` (DESIGN.md §5)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.domain import SCORE_CASES
from models.schema import ConstraintFieldsSchema, CriterionOrTies, StrictInteger, StrictNumber, StrictSchema
from service.engine.settings import DEFAULT_K, MAX_K
from service.schemas.common import ConflictEntrySchema, ProvenanceSchema
from service.schemas.fastload import FastLoadSchema

PRIORITY_FIELDS = ("weights", "priority_order", "profile")

MAX_REQUEST_CONSTRAINTS = 100


class PrioritiesSchema(StrictSchema):
    """Priorities, given as weights, as an order of importance (DESIGN.md §2) or as a
    stakeholder profile of the model (DESIGN.md §8.1)."""

    weights = fields.Dict(keys=fields.String(validate=validate.Length(max=80)),
                          values=StrictNumber(validate=validate.Range(min=0)),
                          validate=validate.Length(min=1, max=1000),
                          metadata={"description": "criterion id -> weight >= 0, not all zero; normalized to sum 1"})
    priority_order = fields.List(CriterionOrTies(), validate=validate.Length(min=1, max=1000),
                                 metadata={"description": "criterion ids, most important first; a list for tied criteria; "
                                                          "turned into rank-order-centroid weights"})
    profile = fields.String(validate=validate.Length(max=80),
                            metadata={"description": "a profile id of the model: its weights or priority_order, and "
                                                     "its effect_overrides applied to the effects (DESIGN.md §8.1)"})

    @validates_schema
    def one_kind_of_priorities(self, data, **kwargs):
        if sum(name in data for name in PRIORITY_FIELDS) != 1:
            raise ValidationError("Give exactly one of 'weights', 'priority_order' or 'profile'.")


class RankingRequestSchema(PrioritiesSchema, FastLoadSchema):  # valid bodies load on a compiled fast path
    scenario = fields.String(validate=validate.Length(max=80),
                             metadata={"description": "a scenario id of the model; its default when left out"})
    score_case = fields.String(load_default="likely", validate=validate.OneOf(SCORE_CASES))
    constraints = fields.List(fields.Nested(ConstraintFieldsSchema), load_default=list,
                              validate=validate.Length(max=MAX_REQUEST_CONSTRAINTS))
    k = StrictInteger(load_default=DEFAULT_K, validate=validate.Range(min=1, max=MAX_K),
                      metadata={"description": f"packages to return, 1..{MAX_K}"})


FloatsByCriterion = lambda **kw: fields.Dict(keys=fields.String(), values=fields.Float(), **kw)  # noqa: E731


class RankedOptionSchema(Schema):
    rank = fields.Integer(required=True)
    option = fields.String(required=True)
    value = fields.Float(required=True)
    available = fields.Boolean(required=True)
    contributions = FloatsByCriterion(required=True)


class RankedPackageSchema(Schema):
    rank = fields.Integer(required=True)
    options = fields.List(fields.String(), required=True)
    value = fields.Float(required=True)
    performance = FloatsByCriterion(required=True)
    contributions = FloatsByCriterion(required=True)


class ExcludedOptionSchema(Schema):
    option = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)


class ExplanationSchema(Schema):
    option = fields.String(required=True)
    best_package_with_it = fields.List(fields.String(), allow_none=True, required=True)
    value_loss = fields.Float(allow_none=True, required=True)
    reasons = fields.List(fields.String(), required=True)
    conflict = fields.List(fields.Nested(ConflictEntrySchema), required=True)


class ModelRefSchema(Schema):
    id = fields.String(required=True)
    version = fields.String(required=True)


class RankingSchema(Schema):
    model = fields.Nested(ModelRefSchema, required=True)
    profile = fields.String(allow_none=True, required=True,
                            metadata={"description": "the profile the priorities came from; null when none was named"})
    scenario = fields.String(allow_none=True, required=True)
    score_case = fields.String(required=True, validate=validate.OneOf(SCORE_CASES))
    weights = FloatsByCriterion(required=True)
    options = fields.List(fields.Nested(RankedOptionSchema), required=True)
    packages = fields.List(fields.Nested(RankedPackageSchema), required=True)
    excluded = fields.List(fields.Nested(ExcludedOptionSchema), required=True)
    explanations = fields.List(fields.Nested(ExplanationSchema), required=True)
    warnings = fields.List(fields.String(), required=True)
    provenance = fields.Nested(ProvenanceSchema, required=True)
