"""Schemas of `POST /api/v1/models/{model_id}/robustness` (DESIGN.md §5.1).

The request takes everything a rankings request takes, plus imprecise priorities
(`weight_intervals`, and `priority_order` read as an order of the weights), `samples`
and `seed`. Any of `weights`, `priority_order` and `weight_intervals` may be given, at
least one; the point estimate of the weights is the given `weights`, else the
rank-order-centroid weights of `priority_order` when they lie in the admissible
weights, else the centre of the admissible weights (see `service.engine.robustness`).
"""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.schema import StrictInteger, StrictNumber, StrictSchema
from service.engine.settings import DEFAULT_SAMPLES, DEFAULT_SEED, MAX_SAMPLES
from models.domain import SCORE_CASES
from service.schemas.common import SEARCH_METHODS, ProvenanceSchema
from service.schemas.rankings import FloatsByCriterion, ModelRefSchema, RankingRequestSchema

PRIORITY_FIELDS = ("weights", "priority_order", "weight_intervals", "profile")


class RobustnessParametersSchema(StrictSchema):
    """What a robustness analysis takes beyond a rankings request (DESIGN.md §5.1).

    Shared by `POST .../robustness` (mixed into its request) and the briefs' `robustness` member.
    """

    weight_intervals = fields.Dict(
        keys=fields.String(validate=validate.Length(max=80)),
        values=fields.List(StrictNumber(validate=validate.Range(min=0, max=1)), validate=validate.Length(equal=2)),
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "criterion id -> [lo, hi] with 0 <= lo <= hi <= 1, bounds on the normalized weight; "
                                 "criteria left out range over [0, 1] (or weigh 0 when priority_order is given "
                                 "and does not name them)"})
    samples = StrictInteger(load_default=DEFAULT_SAMPLES,
                            validate=validate.Range(min=1, max=MAX_SAMPLES,
                                                    error=f"samples must be between 1 and {MAX_SAMPLES} (the limit)."),
                            metadata={"description": f"SMAA samples, at most {MAX_SAMPLES}"})
    seed = StrictInteger(load_default=DEFAULT_SEED, validate=validate.Range(min=0, max=2**63 - 1),
                         metadata={"description": "seed of the SMAA random streams: the same seed gives the same numbers"})

    @validates_schema
    def ordered_bounds(self, data, **kwargs):
        errors = {criterion: [f"The lower bound {bounds[0]:g} exceeds the upper bound {bounds[1]:g}."]
                  for criterion, bounds in (data.get("weight_intervals") or {}).items()
                  if len(bounds) == 2 and bounds[0] > bounds[1]}
        if errors:
            raise ValidationError({"weight_intervals": errors})


class RobustnessRequestSchema(RankingRequestSchema, RobustnessParametersSchema):
    @validates_schema
    def one_kind_of_priorities(self, data, **kwargs):
        # Replaces the rankings' "exactly one" rule: for robustness an order or intervals may
        # come with weights (the point estimate), and intervals alone are enough; a profile
        # brings its own weights or order, so only intervals may join it.
        if not any(name in data for name in PRIORITY_FIELDS):
            raise ValidationError("Give at least one of 'weights', 'priority_order', 'weight_intervals' or 'profile'.")
        if "profile" in data and ("weights" in data or "priority_order" in data):
            raise ValidationError("A profile brings its own priorities: give 'weights' or 'priority_order', "
                                  "or 'profile' (with 'weight_intervals' if you wish), not both.")


class StabilityIntervalSchema(Schema):
    weight = fields.Float(required=True)
    lower = fields.Float(required=True, allow_none=True)
    upper = fields.Float(required=True, allow_none=True)


class PackageStabilitySchema(StabilityIntervalSchema):
    below = fields.List(fields.String(), required=True, allow_none=True)
    above = fields.List(fields.String(), required=True, allow_none=True)


class OptionStabilitySchema(StabilityIntervalSchema):
    below = fields.String(required=True, allow_none=True)
    above = fields.String(required=True, allow_none=True)


class StabilitySchema(Schema):
    best_option = fields.String(required=True)
    best_package = fields.List(fields.String(), required=True)
    packages = fields.Dict(keys=fields.String(), values=fields.Nested(PackageStabilitySchema), required=True)
    options = fields.Dict(keys=fields.String(), values=fields.Nested(OptionStabilitySchema), required=True)


class PairwiseSchema(Schema):
    a = fields.String(required=True)
    b = fields.String(required=True)
    min_difference = fields.Float(required=True)
    max_difference = fields.Float(required=True)
    necessary = fields.Boolean(required=True, metadata={
        "description": "a is at least as good as b for every admissible weight vector (min_difference >= 0)"})
    possible = fields.Boolean(required=True, metadata={
        "description": "a is at least as good as b for some admissible weight vector (max_difference >= 0)"})
    witness_min = FloatsByCriterion(required=True)
    witness_max = FloatsByCriterion(required=True)


class PackagePairwiseSchema(PairwiseSchema):
    a = fields.List(fields.String(), required=True)
    b = fields.List(fields.String(), required=True)


class RankRangeSchema(Schema):
    option = fields.String(required=True)
    best = fields.Integer(required=True)
    worst = fields.Integer(required=True)
    witness_best = FloatsByCriterion(required=True)
    witness_worst = FloatsByCriterion(required=True)


class AcceptabilityFieldsSchema(Schema):
    acceptability = fields.List(fields.Float(), required=True)
    standard_error = fields.List(fields.Float(), required=True)
    central_weights = FloatsByCriterion(required=True, allow_none=True)
    confidence = fields.Float(required=True, allow_none=True)


class OptionAcceptabilitySchema(AcceptabilityFieldsSchema):
    option = fields.String(required=True)


class PackageAcceptabilitySchema(AcceptabilityFieldsSchema):
    options = fields.List(fields.String(), required=True)


class SmaaSchema(Schema):
    samples = fields.Integer(required=True)
    seed = fields.Integer(required=True)
    weight_sampling = fields.String(required=True)
    acceptance_rate = fields.Float(required=True, allow_none=True)
    effect_sampling = fields.String(required=True)
    options = fields.List(fields.Nested(OptionAcceptabilitySchema), required=True)
    packages = fields.List(fields.Nested(PackageAcceptabilitySchema), required=True)
    note = fields.String(required=True)


class ScenarioOptionSchema(Schema):
    option = fields.String(required=True)
    rank = fields.Integer(required=True)
    value = fields.Float(required=True)


class ScenarioRankingSchema(Schema):
    scenario = fields.String(required=True, allow_none=True)
    best_package = fields.List(fields.String(), required=True, allow_none=True)
    best_value = fields.Float(required=True, allow_none=True)
    reasons = fields.List(fields.String(), required=True)
    options = fields.List(fields.Nested(ScenarioOptionSchema), required=True)


class ScenarioRegretSchema(Schema):
    scenario = fields.String(required=True, allow_none=True)
    regret = fields.Float(required=True)


class MinimaxRegretSchema(Schema):
    package = fields.List(fields.String(), required=True, allow_none=True)
    max_regret = fields.Float(required=True, allow_none=True)
    regrets = fields.List(fields.Nested(ScenarioRegretSchema), required=True)
    method = fields.String(required=True, validate=validate.OneOf(SEARCH_METHODS))
    reason = fields.String()


class ScenarioSweepSchema(Schema):
    rankings = fields.List(fields.Nested(ScenarioRankingSchema), required=True)
    minimax_regret = fields.Nested(MinimaxRegretSchema, required=True)


class AdmissibleWeightsSchema(Schema):
    intervals = fields.Dict(keys=fields.String(), values=fields.List(fields.Float()), required=True)
    order = fields.List(fields.List(fields.String()), required=True)


class WeightSpaceSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("neighbourhood", "polytope")), metadata={
        "description": "neighbourhood: exact weights and nothing else were given, so how sure is measured on the "
                       "weights near them (DESIGN.md §8.5); polytope: the weights priority_order and/or "
                       "weight_intervals admit"})
    factor = fields.List(fields.Float(), validate=validate.Length(equal=2), metadata={
        "description": "neighbourhood: each weight times a factor in [low, high], renormalized"})
    around = FloatsByCriterion(metadata={"description": "neighbourhood: the weights it is around"})
    from_ = fields.List(fields.String(validate=validate.OneOf(("priority_order", "weight_intervals"))),
                        data_key="from", attribute="from", metadata={"description": "polytope: what defines it"})


class RobustnessProvenanceSchema(ProvenanceSchema):
    seed = fields.Integer(required=True)


class RobustnessSchema(Schema):
    model = fields.Nested(ModelRefSchema, required=True)
    profile = fields.String(allow_none=True, required=True,
                            metadata={"description": "the profile the priorities came from; null when none was named"})
    scenario = fields.String(allow_none=True, required=True)
    score_case = fields.String(required=True, validate=validate.OneOf(SCORE_CASES))
    weights = FloatsByCriterion(required=True, metadata={"description": "the point estimate of the weights"})
    weights_source = fields.String(required=True, validate=validate.OneOf(("weights", "priority_order", "admissible-centre")))
    admissible_weights = fields.Nested(AdmissibleWeightsSchema, required=True)
    weight_space = fields.Nested(WeightSpaceSchema, required=True, metadata={
        "description": "which weights preference, rank ranges and SMAA range over"})
    stability = fields.Nested(StabilitySchema, required=True)
    pairwise = fields.List(fields.Nested(PairwiseSchema), required=True)
    package_pairwise = fields.List(fields.Nested(PackagePairwiseSchema), required=True)
    rank_ranges = fields.List(fields.Nested(RankRangeSchema), required=True)
    smaa = fields.Nested(SmaaSchema, required=True)
    scenarios = fields.Nested(ScenarioSweepSchema, required=True)
    verdicts = fields.List(fields.String(), required=True)
    warnings = fields.List(fields.String(), required=True)
    provenance = fields.Nested(RobustnessProvenanceSchema, required=True)
