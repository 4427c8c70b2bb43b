"""Schemas of the comparative option briefs (DESIGN.md §8.5).

`POST /api/v1/models/{model_id}/briefs` takes a rankings request (DESIGN.md §5), plus
optional robustness parameters under `robustness` (as `POST .../robustness` takes them,
DESIGN.md §5.1), the options to compare, a title and an audience line. The format comes
from `Accept` or `?format=`. `BriefSchema` documents the JSON format, the structured
content every other format is rendered from.
"""

from marshmallow import Schema, fields, validate

from models.domain import SCORE_CASES
from models.schema import Identifier, StrictSchema
from service.briefs.formats import FORMATS
from service.schemas.rankings import RankingRequestSchema
from service.schemas.robustness import RobustnessParametersSchema
from service.schemas.workshops import ResultsQuerySchema

MAX_TITLE = 200
MAX_AUDIENCE = 300
MAX_COMPARED = 1000
FORMAT_DESCRIPTION = ("md, html, docx or json; overrides the Accept header (for links). "
                      "Anything else is answered with 406.")


class BriefRequestSchema(RankingRequestSchema):
    robustness = fields.Nested(RobustnessParametersSchema, load_default=dict,
                               metadata={"description": "robustness parameters; defaults as for POST .../robustness"})
    options = fields.List(Identifier(), validate=validate.Length(min=1, max=MAX_COMPARED),
                          metadata={"description": "option ids to compare side by side; every option when left out"})
    title = fields.String(validate=validate.Length(min=1, max=MAX_TITLE))
    audience = fields.String(validate=validate.Length(min=1, max=MAX_AUDIENCE),
                             metadata={"description": "who the brief is for, printed under the title"})


class BriefFormatQuerySchema(StrictSchema):
    # Not validated here: an unknown format is a representation the service cannot give (406), not a bad field.
    format = fields.String(validate=validate.Length(max=40),
                           metadata={"enum": list(FORMATS), "description": FORMAT_DESCRIPTION})


class WorkshopBriefQuerySchema(ResultsQuerySchema):
    format = fields.String(validate=validate.Length(max=40),
                           metadata={"enum": list(FORMATS), "description": FORMAT_DESCRIPTION})


# -- The JSON format ---------------------------------------------------------------------------------

Floats = lambda **kw: fields.Float(required=True, **kw)  # noqa: E731
MaybeFloat = lambda **kw: fields.Float(required=True, allow_none=True, **kw)  # noqa: E731
Strings = lambda **kw: fields.List(fields.String(), required=True, **kw)  # noqa: E731


class BriefNamedSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class BriefEstimateSchema(Schema):
    low = Floats()
    likely = Floats()
    high = Floats()


class BriefWeightSchema(Schema):
    criterion = fields.String(required=True)
    name = fields.String(required=True)
    weight = Floats()


class BriefPrioritiesSchema(Schema):
    given_as = fields.String(required=True)
    weights = fields.List(fields.Nested(BriefWeightSchema), required=True)


class BriefConstraintNoteSchema(Schema):
    source = fields.Dict(required=True)
    text = fields.String(required=True)


class BriefQuestionSchema(Schema):
    text = fields.String(required=True)
    model = fields.Dict(required=True, metadata={"description": "id, version, title, source"})
    scenario = fields.Dict(required=True, allow_none=True, metadata={"description": "id, name, description"})
    score_case = fields.String(required=True, validate=validate.OneOf(SCORE_CASES))
    scale = fields.Dict(required=True)
    priorities = fields.Nested(BriefPrioritiesSchema, required=True)
    constraints = fields.List(fields.Nested(BriefConstraintNoteSchema), required=True)
    compared = Strings()


class BriefOverturnSchema(Schema):
    criterion = fields.String(required=True)
    name = fields.String(required=True)
    weight = Floats()
    bound = Floats()
    direction = fields.String(required=True, validate=validate.OneOf(("below", "above")))
    successor = Strings(allow_none=True)
    successor_names = Strings()


class BriefBestPackageSchema(Schema):
    options = Strings()
    names = Strings()
    value = Floats()
    tied_with = fields.List(fields.List(fields.String()), required=True)
    first_rank_acceptability = MaybeFloat()
    among_packages = fields.Integer(required=True)
    overturn = fields.Nested(BriefOverturnSchema, required=True, allow_none=True)
    sentences = Strings()


class BriefBestOptionSchema(Schema):
    option = fields.String(required=True)
    name = fields.String(required=True)
    value = Floats()
    tied_with = Strings()
    first_rank_acceptability = MaybeFloat()
    confidence = MaybeFloat()
    overturn = fields.Nested(BriefOverturnSchema, required=True, allow_none=True)
    sentences = Strings()


class BriefHeadlineSchema(Schema):
    best_package = fields.Nested(BriefBestPackageSchema, required=True)
    best_option = fields.Nested(BriefBestOptionSchema, required=True)
    further_verdicts = Strings()


class BriefTableRowSchema(Schema):
    option = fields.String(required=True)
    name = fields.String(required=True)
    rank = fields.Integer(required=True, allow_none=True)
    value = MaybeFloat()
    first_rank_acceptability = MaybeFloat()
    excluded = Strings()
    effects = fields.Dict(keys=fields.String(), values=fields.Nested(BriefEstimateSchema), required=True,
                          metadata={"description": "criterion id -> effect vs the status quo, scenario deltas applied"})


class BriefTableSchema(Schema):
    criteria = fields.List(fields.Nested(BriefNamedSchema), required=True)
    rows = fields.List(fields.Nested(BriefTableRowSchema), required=True)


class BriefChartSchema(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True, metadata={"description": "what the chart shows, in words"})
    # The data drawn, by kind; each format prints it as the chart's text equivalent.
    criteria = fields.List(fields.Nested(BriefNamedSchema), metadata={"description": "contributions, participant weights"})
    bars = fields.List(fields.Dict(), metadata={"description": "contributions: {label, options, value, contributions}"})
    choice = fields.String(metadata={"description": "stability: the best option or package, named"})
    rows = fields.List(fields.Dict(), metadata={"description": "stability: {criterion, name, weight, lower, upper, below, above}"})
    options = fields.List(fields.Nested(BriefNamedSchema), metadata={"description": "participant rankings"})
    participants = fields.List(fields.Dict(), metadata={"description": "participant weights or ranks"})
    group = fields.Dict(metadata={"description": "the group's weights or ranks"})


class BriefEffectRowSchema(BriefEstimateSchema):
    criterion = fields.String(required=True)
    name = fields.String(required=True)
    contribution = MaybeFloat()


class BriefEvidenceSchema(Schema):
    about = fields.String(required=True, metadata={"description": "'option', or the criterion id of the effect it supports"})
    about_name = fields.String(required=True)
    quote = fields.String(required=True)
    lines = fields.String(required=True)
    section = fields.String(required=True)
    context = fields.String(metadata={"description": "the analyst's note on how the quote reads in its paragraph"})


class BriefConstraintOnOptionSchema(BriefConstraintNoteSchema):
    effect = fields.String(required=True, validate=validate.OneOf(("binds", "excludes")))


class BriefPackageNoteSchema(Schema):
    best_package_with_it = Strings(allow_none=True)
    names = Strings(allow_none=True)
    value_loss = MaybeFloat()
    reasons = Strings()


class BriefContributionPairSchema(Schema):
    criterion = fields.String(required=True)
    name = fields.String(required=True)
    contribution = Floats()
    rival_contribution = Floats()


class BriefTradeoffSchema(Schema):
    rival = fields.String(required=True)
    rival_name = fields.String(required=True)
    relation = fields.String(required=True, validate=validate.OneOf(("runner-up", "best option")))
    value = Floats()
    rival_value = Floats()
    gains = fields.List(fields.Nested(BriefContributionPairSchema), required=True)
    losses = fields.List(fields.Nested(BriefContributionPairSchema), required=True)
    min_difference = MaybeFloat()
    max_difference = MaybeFloat()
    necessary = fields.Boolean(required=True, allow_none=True)
    possible = fields.Boolean(required=True, allow_none=True)


class BriefRankRangeSchema(Schema):
    best = fields.Integer(required=True)
    worst = fields.Integer(required=True)


class BriefOptionSectionSchema(Schema):
    option = fields.String(required=True)
    name = fields.String(required=True)
    recommendation = fields.Integer(required=True, allow_none=True)
    summary = fields.String(required=True)
    rank = fields.Integer(required=True, allow_none=True)
    value = MaybeFloat()
    excluded = Strings()
    first_rank_acceptability = MaybeFloat()
    rank_range = fields.Nested(BriefRankRangeSchema, required=True, allow_none=True)
    strengths = fields.List(fields.Nested(BriefEffectRowSchema), required=True)
    weaknesses = fields.List(fields.Nested(BriefEffectRowSchema), required=True)
    evidence = fields.List(fields.Nested(BriefEvidenceSchema), required=True)
    constraints = fields.List(fields.Nested(BriefConstraintOnOptionSchema), required=True)
    in_best_package = fields.Boolean(required=True)
    packages = fields.Nested(BriefPackageNoteSchema, required=True, allow_none=True)
    tradeoff = fields.Nested(BriefTradeoffSchema, required=True, allow_none=True)


class BriefWorkshopViewSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    round = fields.Integer(required=True)
    participants = fields.List(fields.Dict(), required=True)
    consensus = fields.Dict(required=True)
    option_ranks = fields.List(fields.Dict(), required=True)
    contested_criteria = fields.List(fields.Dict(), required=True)
    group_best_package = Strings()
    compromise = fields.Dict(required=True)
    sentences = Strings()


class BriefProvenanceSchema(Schema):
    input_sha256 = fields.String(required=True, metadata={"description": "over the brief's whole input"})
    rankings_input_sha256 = fields.String(required=True)
    robustness_input_sha256 = fields.String(required=True)
    model_id = fields.String(required=True)
    model_version = fields.String(required=True)
    engine_version = fields.String(required=True)
    solver = fields.String(required=True)
    smaa_samples = fields.Integer(required=True)
    smaa_seed = fields.Integer(required=True)
    brief_version = fields.Integer(required=True)
    renderers = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True)


class BriefSchema(Schema):
    brief_version = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("model", "workshop")))
    profile = fields.String(required=True, allow_none=True,
                            metadata={"description": "the profile the priorities came from; null when none was named"})
    title = fields.String(required=True)
    audience = fields.String(required=True, allow_none=True)
    generated_at = fields.String(required=True, metadata={
        "description": "UTC, ISO 8601: the only field that differs between two briefs of the same input"})
    question = fields.Nested(BriefQuestionSchema, required=True)
    headline = fields.Nested(BriefHeadlineSchema, required=True)
    table = fields.Nested(BriefTableSchema, required=True)
    charts = fields.List(fields.Nested(BriefChartSchema), required=True,
                         metadata={"description": "chart data (fields by kind) with a summary in words"})
    options = fields.List(fields.Nested(BriefOptionSectionSchema), required=True)
    workshop = fields.Nested(BriefWorkshopViewSchema, required=True, allow_none=True)
    warnings = Strings()
    provenance = fields.Nested(BriefProvenanceSchema, required=True)


