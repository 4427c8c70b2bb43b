"""Schemas of `POST /api/v1/models/{model_id}/rankings` (DESIGN.md §5)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.domain import SCORE_CASES
from models.schema import ConstraintFieldsSchema, StrictInteger, StrictNumber, StrictSchema
from service.engine.settings import DEFAULT_K, MAX_K
from service.schemas.common import ConflictEntrySchema, ProvenanceSchema

MAX_REQUEST_CONSTRAINTS = 100


class CriterionOrTies(fields.Field):
    """A criterion id, or a list of tied criterion ids."""

    def __init__(self, **kwargs):
        metadata = {"oneOf": [{"type": "string", "description": "a criterion id"},
                              {"type": "array", "items": {"type": "string"}, "minItems": 1,
                               "description": "criterion ids tied in importance"}],
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        raise ValidationError("A criterion id or a list of tied criterion ids.")

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class PrioritiesSchema(StrictSchema):
    """Priorities, given as weights or as an order of importance (DESIGN.md §2)."""

    weights = fields.Dict(keys=fields.String(validate=validate.Length(max=80)),
                          values=StrictNumber(validate=validate.Range(min=0)),
                          validate=validate.Length(min=1, max=1000),
                          metadata={"description": "criterion id -> weight >= 0, not all zero; normalized to sum 1"})
    priority_order = fields.List(CriterionOrTies(), validate=validate.Length(min=1, max=1000),
                                 metadata={"description": "criterion ids, most important first; a list for tied criteria; "
                                                          "turned into rank-order-centroid weights"})

    @validates_schema
    def one_kind_of_priorities(self, data, **kwargs):
        if ("weights" in data) == ("priority_order" in data):
            raise ValidationError("Give exactly one of 'weights' or 'priority_order'.")


class RankingRequestSchema(PrioritiesSchema):
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
    scenario = fields.String(allow_none=True, required=True)
    score_case = fields.String(required=True, validate=validate.OneOf(SCORE_CASES))
    weights = FloatsByCriterion(required=True)
    options = fields.List(fields.Nested(RankedOptionSchema), required=True)
    packages = fields.List(fields.Nested(RankedPackageSchema), required=True)
    excluded = fields.List(fields.Nested(ExcludedOptionSchema), required=True)
    explanations = fields.List(fields.Nested(ExplanationSchema), required=True)
    warnings = fields.List(fields.String(), required=True)
    provenance = fields.Nested(ProvenanceSchema, required=True)
