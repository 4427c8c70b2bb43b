"""Schemas of `/api/v1/workshops/...` (DESIGN.md §5.2, §7, §8.3)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.schema import ConstraintFieldsSchema, Identifier, StrictNumber, StrictSchema
from models.schema import CriterionOrTies
from service.engine.agreement import AGREEMENT_LEVELS
from service.schemas.common import SEARCH_METHODS, language_query_field
from service.schemas.rankings import MAX_REQUEST_CONSTRAINTS, PRIORITY_FIELDS, ModelRefSchema, PrioritiesSchema

MAX_EFFECT_OVERRIDES = 1000
MAX_COMMENT = 2000
MAX_INSTRUCTIONS = 4000
LANGUAGES = ("en", "fr")
# The projection view's charts (DESIGN.md §8.3), drawn by the briefs' chart code.
PROJECTION_CHARTS = ("weights", "ranks", "regrets", "agreement")

FloatsByCriterion = lambda **kw: fields.Dict(keys=fields.String(), values=fields.Float(), **kw)  # noqa: E731


# -- inputs -------------------------------------------------------------------------------------


def StrictBoolean(**kwargs) -> fields.Boolean:
    """A JSON boolean: true or false, never 1, "yes" or "true"."""
    return fields.Boolean(truthy={True}, falsy={False}, **kwargs)


def Title(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=200), **kwargs)


def Instructions(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=MAX_INSTRUCTIONS), **kwargs)


ANONYMOUS = {"description": "names never leave the server (results, dashboard, briefs): participants appear as "
                             "'Participant 1…n' in the order they joined. Once someone has joined, it stays on."}
OPEN_RESULTS = {"description": "participants see each other's names, weights and effect overrides in released "
                                "results; otherwise each sees the group view and their own position only. "
                                "Never with anonymous."}
LANGUAGE = {"description": "the pages' and briefs' language"}


class WorkshopSettingsSchema(StrictSchema):
    """What the facilitator may change at any time (PATCH); every field optional."""

    title = Title()
    anonymous = StrictBoolean(metadata=ANONYMOUS)
    open_results = StrictBoolean(metadata=OPEN_RESULTS)
    language = fields.String(validate=validate.OneOf(LANGUAGES), metadata=LANGUAGE)
    instructions = Instructions(allow_none=True, metadata={"description": "for the current round; shown to participants"})

    @validates_schema
    def anonymous_is_never_open(self, data, **kwargs):
        if data.get("anonymous") and data.get("open_results"):
            raise ValidationError("An anonymous workshop never shows participants each other's names or weights.",
                                  field_name="open_results")


class WorkshopCreateSchema(WorkshopSettingsSchema):
    title = Title(required=True)
    model_id = Identifier(required=True)
    scenario = Identifier(metadata={"description": "a scenario id of the model; its default when left out"})
    constraints = fields.List(fields.Nested(ConstraintFieldsSchema), load_default=list,
                              validate=validate.Length(max=MAX_REQUEST_CONSTRAINTS),
                              metadata={"description": "constraints every package must satisfy (DESIGN.md §3)"})
    anonymous = StrictBoolean(load_default=False, metadata=ANONYMOUS)
    open_results = StrictBoolean(load_default=False, metadata=OPEN_RESULTS)
    language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES), metadata=LANGUAGE)
    instructions = Instructions(metadata={"description": "for round 1; shown to participants"})


class RoundOpenSchema(StrictSchema):
    OPTIONAL_BODY = True  # service/platform/jsonbody.py: no body is {}
    instructions = Instructions(metadata={"description": "for the new round; shown to participants"})


class ReleaseSchema(StrictSchema):
    OPTIONAL_BODY = True  # service/platform/jsonbody.py: no body is {}, the current round
    round = fields.Integer(strict=True, validate=validate.Range(min=1),
                           metadata={"description": "the round to release; the current round when left out"})


class JoinSchema(StrictSchema):
    join_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    perspective = fields.String(validate=validate.Length(max=1000),
                                metadata={"description": "whom or what the participant speaks for"})


class EffectOverrideSchema(StrictSchema):
    option = Identifier(required=True)
    criterion = Identifier(required=True)
    likely = StrictNumber(required=True, metadata={"description": "within the effect's low..high in the model"})
    rationale = fields.String(validate=validate.Length(max=MAX_COMMENT),
                              metadata={"description": "why the participant reads the effect so"})


class SubmissionInputSchema(PrioritiesSchema):
    effect_overrides = fields.List(fields.Nested(EffectOverrideSchema), load_default=list,
                                   validate=validate.Length(max=MAX_EFFECT_OVERRIDES))
    comment = fields.String(validate=validate.Length(max=MAX_COMMENT))

    @validates_schema
    def one_kind_of_priorities(self, data, **kwargs):
        # Replaces the rankings' "exactly one" rule: a participant may start from a profile and
        # give their own weights or order, which then take the place of the profile's.
        if "weights" in data and "priority_order" in data:
            raise ValidationError("Give 'weights' or 'priority_order', not both.")
        if not any(name in data for name in PRIORITY_FIELDS):
            raise ValidationError("Give 'weights', 'priority_order' or 'profile' (or a profile with your own weights or order).")


class ResultsQuerySchema(StrictSchema):
    round = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "the round to analyse; when left out, the current round for the facilitator and the "
                       "latest released round for a participant"})


class WithdrawQuerySchema(StrictSchema):
    round = fields.Integer(validate=validate.Range(min=1),
                           metadata={"description": "the round whose release to withdraw; the current round when left out"})


# -- outputs ------------------------------------------------------------------------------------


class WorkshopCreatedSchema(Schema):
    id = fields.String(required=True)
    join_code = fields.String(required=True)
    facilitator_token = fields.String(required=True, metadata={"description": "shown once; stored only as a hash"})
    participant_page = fields.String(required=True)
    dashboard_page = fields.String(required=True)


class JoinedSchema(Schema):
    workshop_id = fields.String(required=True)
    participant_id = fields.String(required=True)
    participant_token = fields.String(required=True, metadata={"description": "shown once; stored only as a hash"})


class EffectOverrideOutputSchema(Schema):
    option = fields.String(required=True)
    criterion = fields.String(required=True)
    likely = fields.Float(required=True)
    rationale = fields.String(metadata={"description": "why; left out when none was given"})


class SubmissionSchema(Schema):
    participant_id = fields.String(required=True)
    round = fields.Integer(required=True)
    version = fields.Integer(required=True)
    etag = fields.String(required=True)
    submitted_at = fields.DateTime(required=True)
    weights = FloatsByCriterion(required=True, metadata={"description": "normalized to sum 1"})
    given_weights = FloatsByCriterion(allow_none=True, required=True)
    priority_order = fields.List(CriterionOrTies(), allow_none=True, required=True)
    profile = fields.String(allow_none=True, required=True, metadata={
        "description": "the profile the participant started from: its priorities count unless given_weights or "
                       "priority_order is set, and its effect overrides unless the participant's own name the same effect"})
    effect_overrides = fields.List(fields.Nested(EffectOverrideOutputSchema), required=True,
                                   metadata={"description": "the participant's own"})
    comment = fields.String(allow_none=True, required=True)
    warnings = fields.List(fields.String(), required=True)


class ParticipantStatusSchema(Schema):
    participant_id = fields.String(required=True)
    display_name = fields.String(required=True)
    perspective = fields.String(allow_none=True, required=True)
    joined_at = fields.DateTime(required=True)
    submitted_this_round = fields.Boolean(required=True)
    versions = fields.Integer(required=True, metadata={"description": "versions of their submission stored in the "
                                                                       "current round (0 before their first)"})


class RoundSchema(Schema):
    number = fields.Integer(required=True)
    opened_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)
    released_at = fields.DateTime(allow_none=True, required=True,
                                  metadata={"description": "null while participants cannot read the round's results"})
    instructions = fields.String(allow_none=True, required=True)


class AuditEventSchema(Schema):
    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    detail = fields.Dict(required=True)


class MeSchema(Schema):
    participant_id = fields.String(required=True)
    display_name = fields.String(required=True)
    perspective = fields.String(allow_none=True, required=True)


class WorkshopViewSchema(Schema):
    """The facilitator sees every field; a participant sees the workshop, `me` and `submission`."""

    id = fields.String(required=True)
    title = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(("facilitator", "participant")))
    model = fields.Nested(ModelRefSchema, required=True)
    scenario = fields.String(allow_none=True, required=True)
    constraints = fields.List(fields.Nested(ConstraintFieldsSchema), required=True)
    round = fields.Integer(required=True)
    results_released = fields.Boolean(required=True, metadata={"description": "whether the current round is released"})
    released_rounds = fields.List(fields.Integer(), required=True,
                                  metadata={"description": "the rounds whose results participants can read"})
    anonymous = fields.Boolean(required=True)
    open_results = fields.Boolean(required=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    instructions = fields.String(allow_none=True, required=True, metadata={"description": "the current round's"})
    join_code = fields.String(metadata={"description": "facilitator only"})
    participants = fields.List(fields.Nested(ParticipantStatusSchema), metadata={"description": "facilitator only"})
    rounds = fields.List(fields.Nested(RoundSchema), metadata={"description": "facilitator only"})
    audit = fields.List(fields.Nested(AuditEventSchema), metadata={"description": "facilitator only"})
    me = fields.Nested(MeSchema, metadata={"description": "participant only"})
    submission = fields.Nested(SubmissionSchema, allow_none=True,
                               metadata={"description": "participant only: their current submission this round"})
    previous_submission = fields.Nested(SubmissionSchema, allow_none=True,
                                        metadata={"description": "participant only: their latest submission of any round"})


class RoundOpenedSchema(Schema):
    round = fields.Integer(required=True)
    closed = fields.Integer(required=True, metadata={"description": "the round just closed; its submissions are frozen"})


class RankedEntrySchema(Schema):
    option = fields.String(required=True)
    rank = fields.Integer(required=True)
    value = fields.Float(required=True)


class ParticipantResultSchema(Schema):
    participant_id = fields.String(required=True)
    display_name = fields.String(required=True)
    profile = fields.String(allow_none=True, required=True, metadata={"description": "the profile they started from"})
    weights = FloatsByCriterion(required=True)
    effect_overrides = fields.List(fields.Nested(EffectOverrideOutputSchema), required=True,
                                   metadata={"description": "the overrides in force: the profile's and the participant's own"})
    best_package = fields.List(fields.String(), required=True)
    best_value = fields.Float(required=True)
    options = fields.List(fields.Nested(RankedEntrySchema), required=True)
    comment = fields.String(allow_none=True, required=True, metadata={"description": "their comment for the group"})


class BordaEntrySchema(Schema):
    rank = fields.Integer(required=True)
    package = fields.List(fields.String(), required=True)
    points = fields.Float(required=True)


class GroupSchema(Schema):
    weights = FloatsByCriterion(required=True, metadata={"description": "mean of the normalized weights"})
    options = fields.List(fields.Nested(RankedEntrySchema), required=True)
    best_package = fields.List(fields.String(), required=True)
    borda = fields.List(fields.Nested(BordaEntrySchema), required=True)
    borda_candidates = fields.Integer(required=True)
    borda_over = fields.String(required=True)


class ConsensusSchema(Schema):
    kendall_w = fields.Float(allow_none=True, required=True,
                             metadata={"description": "Kendall's W over the option rankings, corrected for ties; "
                                                      "null with fewer than two participants"})
    raters = fields.Integer(required=True)
    options = fields.Integer(required=True)
    agreement = fields.String(allow_none=True, required=True, validate=validate.OneOf(AGREEMENT_LEVELS), metadata={
        "description": "Kendall's W in words, as the pages and briefs say it: strong (≥ 0.8), substantial (≥ 0.6), "
                       "moderate (≥ 0.3), weak; null when W is"})


class ContestedCriterionSchema(Schema):
    criterion = fields.String(required=True)
    spread = fields.Float(required=True, metadata={"description": "standard deviation (ddof=0) of the normalized weight"})
    mean_weight = fields.Float(required=True)


class CompromiseSchema(Schema):
    package = fields.List(fields.String(), required=True)
    max_regret = fields.Float(required=True)
    regrets = FloatsByCriterion(required=True, metadata={"description": "participant id -> regret"})


class ChangeOfPackageSchema(Schema):
    previous = fields.List(fields.String(), allow_none=True, required=True)
    current = fields.List(fields.String(), allow_none=True, required=True)


class ParticipantChangeSchema(Schema):
    participant_id = fields.String(required=True)
    weights = FloatsByCriterion(required=True, metadata={"description": "change of each normalized weight"})
    best_package = fields.Nested(ChangeOfPackageSchema, required=True)
    moved = fields.Float(required=True, metadata={"description": "total variation distance between the weight vectors"})


class ChangesSchema(Schema):
    previous_round = fields.Integer(required=True)
    group_weights = FloatsByCriterion(required=True)
    kendall_w = fields.Dict(required=True)
    compromise = fields.Nested(ChangeOfPackageSchema, required=True)
    participants = fields.List(fields.Nested(ParticipantChangeSchema), required=True)
    new_participants = fields.List(fields.String(), required=True,
                                   metadata={"description": "submitted in this round but not in the previous one"})
    missing_participants = fields.List(fields.String(), required=True,
                                       metadata={"description": "submitted in the previous round but not (yet) in this one"})


class ResultsSchema(Schema):
    """For the facilitator, everyone's results. For a participant, the group view and their own position
    (`participants`, `compromise.regrets` and `changes` hold only them) unless the workshop's results are
    open; in an anonymous workshop every `display_name` is "Participant k"."""

    round = fields.Integer(required=True)
    released = fields.Boolean(required=True, metadata={"description": "whether participants can read this round"})
    model = fields.Nested(ModelRefSchema, required=True)
    scenario = fields.String(allow_none=True, required=True)
    method = fields.String(required=True, validate=validate.OneOf(SEARCH_METHODS))
    participants = fields.List(fields.Nested(ParticipantResultSchema), required=True)
    group = fields.Nested(GroupSchema, allow_none=True, required=True)
    consensus = fields.Nested(ConsensusSchema, required=True)
    contested_criteria = fields.List(fields.Nested(ContestedCriterionSchema), required=True)
    compromise = fields.Nested(CompromiseSchema, allow_none=True, required=True)
    changes = fields.Nested(ChangesSchema, allow_none=True, required=True,
                            metadata={"description": "what changed since the previous round; null in round 1"})


class WorkshopStatusSchema(Schema):
    """What an open page polls (with If-None-Match) to learn of a new round, a release or new submissions."""

    round = fields.Integer(required=True, metadata={"description": "the current round"})
    released_rounds = fields.List(fields.Integer(), required=True,
                                  metadata={"description": "the rounds whose results participants can read"})
    settings_version = fields.String(required=True, metadata={
        "description": "changes whenever the title, anonymous, open_results, language or the current round's "
                       "instructions change: compare it, do not parse it"})
    participants = fields.Integer(required=True, metadata={"description": "how many have joined"})
    submitted_this_round = fields.Integer(required=True,
                                          metadata={"description": "participants with a submission in the current round"})
    saved_versions = fields.Integer(required=True, metadata={
        "description": "submission versions stored in the workshop, every round: grows with every save"})


class SubmissionsQuerySchema(StrictSchema):
    round = fields.Integer(validate=validate.Range(min=1),
                           metadata={"description": "one round's submissions; every round when left out"})
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv",)),
                           metadata={"description": "csv (the one format so far)"})
    lang = language_query_field("the headers' and words'")


class ChartsQuerySchema(StrictSchema):
    round = fields.Integer(validate=validate.Range(min=1),
                           metadata={"description": "the round to draw; the current round when left out"})
    lang = language_query_field("the charts' texts'")


class ChartSchema(Schema):
    id = fields.String(required=True, validate=validate.OneOf(PROJECTION_CHARTS))
    title = fields.String(required=True)
    summary = fields.String(required=True, metadata={"description": "what the chart shows, in words"})
    svg = fields.String(required=True, metadata={"description": "an <svg> element (role img, labelled by the summary)"})


class ChartsSchema(Schema):
    round = fields.Integer(required=True)
    charts = fields.List(fields.Nested(ChartSchema), required=True,
                         metadata={"description": "empty while no one has submitted in the round"})
