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
from service.i18n import LANGUAGES
from service.schemas.common import language_query_field
from service.schemas.rankings import RankingRequestSchema
from service.schemas.robustness import RobustnessParametersSchema
from service.schemas.workshops import ResultsQuerySchema

MAX_TITLE = 200
MAX_AUDIENCE = 300
MAX_COMPARED = 1000
FORMAT_DESCRIPTION = ("md, html, pdf, docx or json; overrides the Accept header (for links). "
                      "Anything else is answered with 406.")


class BriefRequestSchema(RankingRequestSchema):
    robustness = fields.Nested(RobustnessParametersSchema, load_default=dict,
                               metadata={"description": "robustness parameters; defaults as for POST .../robustness"})
    options = fields.List(Identifier(), validate=validate.Length(min=1, max=MAX_COMPARED),
                          metadata={"description": "option ids to compare side by side; every option when left out"})
    title = fields.String(validate=validate.Length(min=1, max=MAX_TITLE))
    audience = fields.String(validate=validate.Length(min=1, max=MAX_AUDIENCE),
                             metadata={"description": "who the brief is for, printed under the title"})


def _format_field():
    # Not validated here: an unknown format is a representation the service cannot give (406), not a bad field.
    return fields.String(validate=validate.Length(max=40), metadata={"enum": list(FORMATS), "description": FORMAT_DESCRIPTION})


class BriefFormatQuerySchema(StrictSchema):
    format = _format_field()
    lang = language_query_field("the brief's")


class WorkshopBriefQuerySchema(ResultsQuerySchema):
    format = _format_field()
    lang = language_query_field("the brief's")


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


class BriefValueRangeSchema(Schema):
    low = Floats(metadata={"description": "the value with every effect at its pessimistic value"})
    high = Floats(metadata={"description": "the value with every effect at its optimistic value"})


class BriefWeightSchema(Schema):
    criterion = fields.String(required=True)
    name = fields.String(required=True)
    weight = Floats()


class BriefPrioritiesSchema(Schema):
    given_as = fields.String(required=True)
    weights = fields.List(fields.Nested(BriefWeightSchema), required=True)


class BriefConstraintNoteSchema(Schema):
    number = fields.Integer(required=True, metadata={"description": "the rule's number in the brief"})
    source = fields.Dict(required=True)
    text = fields.String(required=True)


class BriefRuleSchema(BriefConstraintNoteSchema):
    reason = fields.String(required=True, allow_none=True, metadata={"description": "the model's rationale"})


class BriefQuestionSchema(Schema):
    text = fields.String(required=True)
    model = fields.Dict(required=True, metadata={"description": "id, version, title, source"})
    scenario = fields.Dict(required=True, allow_none=True, metadata={"description": "id, name, description"})
    score_case = fields.String(required=True, validate=validate.OneOf(SCORE_CASES))
    scale = fields.Dict(required=True)
    priorities = fields.Nested(BriefPrioritiesSchema, required=True)
    constraints = fields.List(fields.Nested(BriefRuleSchema), required=True)
    compared = Strings()


class BriefOverturnSchema(Schema):
    criterion = fields.String(required=True)
    name = fields.String(required=True)
    weight = Floats()
    bound = Floats(metadata={"description": "always strictly between 0 and 1: a weight can reach it"})
    direction = fields.String(required=True, validate=validate.OneOf(("below", "above")))
    successor = Strings()
    successor_names = Strings()


class BriefWeightSpaceSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ("neighbourhood", "intervals", "order", "order-and-intervals", "everything")),
        metadata={"description": "the weights 'how sure' is measured over, as the robustness result describes them"})
    factors = fields.List(fields.Float(), required=True, allow_none=True,
                          metadata={"description": "neighbourhood: each weight times a factor in [low, high]"})


class BriefHowSureSchema(Schema):
    share = MaybeFloat(metadata={"description": "how often the recommended package comes first (SMAA)"})
    samples = fields.Integer(required=True)
    weight_space = fields.Nested(BriefWeightSpaceSchema, required=True)
    sentence = fields.String(required=True)


class BriefValueRowSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("package", "option")))
    options = Strings()
    label = fields.String(required=True)
    recommended = fields.Boolean(required=True)
    low = Floats()
    likely = Floats()
    high = Floats()
    first_rank_acceptability = MaybeFloat()


class BriefChoiceSchema(Schema):
    options = Strings()
    names = Strings()


class BriefSummarySchema(Schema):
    answer = fields.String(required=True, metadata={"description": "one sentence: what to do, how sure, what would change it"})
    choice = fields.Nested(BriefChoiceSchema, required=True)
    how_sure = fields.Nested(BriefHowSureSchema, required=True)
    change = fields.Nested(BriefOverturnSchema, required=True, allow_none=True)
    caveat = fields.String(required=True)
    priorities = fields.String(required=True)
    values = fields.List(fields.Nested(BriefValueRowSchema), required=True)


class BriefBestPackageSchema(Schema):
    options = Strings()
    names = Strings()
    value = Floats()
    value_range = fields.Nested(BriefValueRangeSchema, required=True)
    tied_with = fields.List(fields.List(fields.String()), required=True)
    first_rank_acceptability = MaybeFloat()
    among_packages = fields.Integer(required=True)
    overturn = fields.Nested(BriefOverturnSchema, required=True, allow_none=True)
    sentences = Strings()


class BriefBestOptionSchema(Schema):
    option = fields.String(required=True)
    name = fields.String(required=True)
    value = Floats()
    value_range = fields.Nested(BriefValueRangeSchema, required=True)
    tied_with = Strings()
    first_rank_acceptability = MaybeFloat()
    confidence = MaybeFloat()
    overturn = fields.Nested(BriefOverturnSchema, required=True, allow_none=True)
    sentences = Strings()


class BriefHeadlineSchema(Schema):
    best_package = fields.Nested(BriefBestPackageSchema, required=True)
    best_option = fields.Nested(BriefBestOptionSchema, required=True)
    further = Strings(metadata={"description": "what else the robustness analysis says, in sentences"})


class BriefTableRowSchema(Schema):
    option = fields.String(required=True)
    name = fields.String(required=True)
    rank = fields.Integer(required=True, allow_none=True)
    value = MaybeFloat()
    first_rank_acceptability = MaybeFloat()
    excluded = Strings(metadata={"description": "the engine's reasons, as the rankings give them"})
    excluded_because = Strings(metadata={"description": "the same in the brief's words and language"})
    effects = fields.Dict(keys=fields.String(), values=fields.Nested(BriefEstimateSchema), required=True,
                          metadata={"description": "criterion id -> effect vs the status quo, scenario deltas applied"})


class BriefTableSchema(Schema):
    criteria = fields.List(fields.Nested(BriefNamedSchema), required=True)
    rows = fields.List(fields.Nested(BriefTableRowSchema), required=True)


class BriefChartSchema(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(
        ("stacked-contributions", "stability-intervals", "weight-distribution", "rank-distribution")))
    title = fields.String(required=True)
    summary = fields.String(required=True, metadata={"description": "what the chart shows, in words"})
    # The data drawn, by kind; each format prints it as the chart's text equivalent.
    criteria = fields.List(fields.Nested(BriefNamedSchema), metadata={"description": "contributions"})
    bars = fields.List(fields.Dict(), metadata={"description": "contributions: {label, options, value, contributions}"})
    series = fields.List(fields.Dict(), metadata={
        "description": "stability: [{kind: package|option, choice, rows: [{criterion, name, weight, lower, upper, "
                       "below, above}]}]"})
    rows = fields.List(fields.Dict(), metadata={
        "description": "weight distribution: {criterion, name, minimum, lower_quartile, median, upper_quartile, "
                       "maximum, mean}"})
    participants = fields.Integer(metadata={"description": "workshop charts: how many participants they count"})
    options = fields.List(fields.Nested(BriefNamedSchema), metadata={"description": "rank distribution"})
    ranks = fields.List(fields.Integer(), metadata={"description": "rank distribution: the columns"})
    counts = fields.List(fields.List(fields.Integer()), metadata={
        "description": "rank distribution: per option, how many participants give it each rank"})


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
    value_range = fields.Nested(BriefValueRangeSchema, required=True, allow_none=True)
    excluded = Strings()
    excluded_because = Strings()
    first_rank_acceptability = MaybeFloat()
    rank_range = fields.Nested(BriefRankRangeSchema, required=True, allow_none=True)
    strengths = fields.List(fields.Nested(BriefEffectRowSchema), required=True)
    weaknesses = fields.List(fields.Nested(BriefEffectRowSchema), required=True)
    evidence = fields.List(fields.Nested(BriefEvidenceSchema), required=True)
    constraints = fields.List(fields.Nested(BriefConstraintOnOptionSchema), required=True)
    in_best_package = fields.Boolean(required=True)
    packages = fields.Nested(BriefPackageNoteSchema, required=True, allow_none=True)
    tradeoff = fields.Nested(BriefTradeoffSchema, required=True, allow_none=True)


class BriefParticipantSchema(Schema):
    label = fields.String(required=True, metadata={"description": "'Participant n' when the workshop is anonymous"})
    weights = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    best_package = Strings()
    best_package_names = Strings()
    best_value = Floats()
    regret = MaybeFloat(metadata={"description": "how much less the compromise is worth to them than their best"})


class BriefOptionRanksSchema(Schema):
    option = fields.String(required=True)
    name = fields.String(required=True)
    group_rank = fields.Integer(required=True)
    best = fields.Integer(required=True)
    worst = fields.Integer(required=True)
    first = fields.Integer(required=True, metadata={"description": "participants who rank it first"})


class BriefContestedSchema(Schema):
    criterion = fields.String(required=True)
    name = fields.String(required=True)
    spread = Floats()
    mean_weight = Floats()


class BriefCompromiseSchema(Schema):
    package = Strings()
    names = Strings()
    max_regret = Floats()
    without_loss = fields.Integer(required=True, metadata={"description": "participants who lose nothing with it"})


class BriefCommentSchema(Schema):
    participant = fields.String(required=True)
    comment = fields.String(required=True)


class BriefEffectReadingSchema(Schema):
    participant = fields.String(required=True)
    option = fields.String(required=True)
    option_name = fields.String(required=True)
    criterion = fields.String(required=True)
    criterion_name = fields.String(required=True)
    model_likely = Floats()
    likely = Floats()
    rationale = fields.String(required=True, allow_none=True)


class BriefWorkshopViewSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    round = fields.Integer(required=True)
    anonymous = fields.Boolean(required=True)
    participant_count = fields.Integer(required=True)
    participants = fields.List(fields.Nested(BriefParticipantSchema), required=True)
    consensus = fields.Dict(required=True)
    option_ranks = fields.List(fields.Nested(BriefOptionRanksSchema), required=True)
    contested_criteria = fields.List(fields.Nested(BriefContestedSchema), required=True)
    group_best_package = Strings()
    compromise = fields.Nested(BriefCompromiseSchema, required=True)
    comments = fields.List(fields.Nested(BriefCommentSchema), required=True)
    effect_overrides = fields.List(fields.Nested(BriefEffectReadingSchema), required=True)
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
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES),
                             metadata={"description": "the language of its sentences (DESIGN.md §8.2)"})
    title = fields.String(required=True)
    audience = fields.String(required=True, allow_none=True)
    generated_at = fields.String(required=True, metadata={
        "description": "UTC, ISO 8601: the only field that differs between two briefs of the same input"})
    summary = fields.Nested(BriefSummarySchema, required=True, metadata={"description": "the first page"})
    question = fields.Nested(BriefQuestionSchema, required=True)
    headline = fields.Nested(BriefHeadlineSchema, required=True)
    table = fields.Nested(BriefTableSchema, required=True)
    charts = fields.List(fields.Nested(BriefChartSchema), required=True,
                         metadata={"description": "chart data (fields by kind) with a summary in words"})
    options = fields.List(fields.Nested(BriefOptionSectionSchema), required=True)
    workshop = fields.Nested(BriefWorkshopViewSchema, required=True, allow_none=True)
    notes = Strings(metadata={"description": "what a reader should know about the input, in words"})
    warnings = Strings(metadata={"description": "the engine's warnings, as the rankings and robustness endpoints give them"})
    untranslated = Strings(metadata={"description": "model texts shown in English for want of a translation"})
    provenance = fields.Nested(BriefProvenanceSchema, required=True)
