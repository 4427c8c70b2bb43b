"""Marshmallow schemas of the model document (DESIGN.md §4.1): its structure.

They check types, required fields and unknown fields; what the fields refer to
(ids, ranges, completeness) is checked by `models.validation`. The same schemas
document `POST /api/v1/models` in the OpenAPI description.
"""

from __future__ import annotations

import math
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from models.domain import TextByLanguage, given

# `^...$` for the OpenAPI document; matched in full (FullMatch, is_identifier).
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
LINES_PATTERN = re.compile(r"^L(\d+)(?:-L(\d+))?$")
MAX_TEXT = 4000
CONSTRAINT_TYPES = ("include", "exclude", "requires", "excludes", "at_most", "at_least",
                    "max_options", "min_performance")


class StrictNumber(fields.Number):
    """A finite JSON number; strings and booleans are refused, never coerced."""

    num_type = float
    default_error_messages = {"invalid": "Not a number.", "finite": "Not a finite number."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        try:
            number = float(value)
        except OverflowError:  # an integer literal beyond the double range, e.g. 400 digits
            raise self.make_error("finite") from None
        if not math.isfinite(number):
            raise self.make_error("finite")
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


class StrictInteger(fields.Integer):
    """A JSON integer; strings, booleans and fractional numbers are refused."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


class FullMatch(validate.Regexp):
    """A pattern the whole string must match: with `re.match`, `$` also matches before a final
    newline, and "minusma-2017\\n" would pass for an id. The pattern keeps its `^...$` form for
    the OpenAPI document, where it means the same as here."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


def is_identifier(value: str) -> bool:
    return ID_PATTERN.fullmatch(value) is not None


def Identifier(**kwargs) -> fields.String:
    return fields.String(validate=FullMatch(ID_PATTERN, error="Not an id: lower-case letters, digits, '.', '_' or '-', at most 80 characters."), **kwargs)


def Text(required: bool = True, **kwargs) -> fields.String:
    """A plain string within the text limit: source records and other texts that are not translated."""
    return fields.String(required=required, validate=validate.Length(max=MAX_TEXT), **kwargs)


# The languages a model text may be given in (DESIGN.md §8.2): the languages of `service.i18n`.
TEXT_LANGUAGES = ("en", "fr")
TEXT_SOURCE_LANGUAGE = "en"
# The OpenAPI component of a text given by language; `service.api` adds it to the document.
TRANSLATIONS_COMPONENT = "TextTranslations"
TRANSLATIONS_SCHEMA = {
    "type": "object",
    "description": "One text by language: `en` is required; a language left out falls back to English",
    "required": [TEXT_SOURCE_LANGUAGE],
    "properties": {language: {"type": "string", "minLength": 1, "maxLength": MAX_TEXT} for language in TEXT_LANGUAGES},
    "additionalProperties": False,
}


class ModelText(fields.Field):
    """A human-readable text of a model (DESIGN.md §8.2): a string, or an object mapping languages
    to the text in that language, `{"en": ..., "fr": ...}`, with English required.

    A string stays a string (so a model without translations keeps its content version); a map
    is loaded as a `models.domain.TextByLanguage` and written back as the map it was. Each
    problem of a map points at its language, e.g. `/criteria/2/name/fr`. Refused characters are
    refused in every string of a body, map values and language names included, by
    `service.platform.text_policy` before any schema reads it.
    """

    default_error_messages = {
        "invalid": "Not a text: a string, or an object of texts by language ('en' required, also 'fr').",
        "too_long": f"Longer than maximum length {MAX_TEXT}.",
        "too_short": "Shorter than minimum length {min}.",
    }

    def __init__(self, *, required: bool = True, min_length: int = 0, **kwargs):
        self.min_length = min_length
        as_string = {"type": "string", "maxLength": MAX_TEXT, **({"minLength": min_length} if min_length else {})}
        metadata = {"oneOf": [as_string, {"$ref": f"#/components/schemas/{TRANSLATIONS_COMPONENT}"}],
                    **kwargs.pop("metadata", {})}
        super().__init__(required=required, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            self._check_length(value)
            return value
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        problems = {}
        if TEXT_SOURCE_LANGUAGE not in value:
            problems[TEXT_SOURCE_LANGUAGE] = ["Missing: a text given by language gives its English version."]
        for language, text in value.items():
            language = str(language)
            if language not in TEXT_LANGUAGES:
                problems[language] = [f"Not a supported language (supported: {', '.join(TEXT_LANGUAGES)})."]
            elif not isinstance(text, str):
                problems[language] = ["Not a valid string."]
            elif not text.strip():
                problems[language] = ["Empty: give the text, or leave the language out to fall back to English."]
            elif len(text) > MAX_TEXT:
                problems[language] = [self.error_messages["too_long"]]
        if problems:
            raise ValidationError(problems)
        return TextByLanguage(value)

    def _check_length(self, text: str) -> None:
        if len(text) > MAX_TEXT:
            raise self.make_error("too_long")
        if len(text) < self.min_length:
            raise self.make_error("too_short", min=self.min_length)

    def _serialize(self, value, attr, obj, **kwargs):
        return given(value)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def Lines(**kwargs) -> fields.String:
    return fields.String(validate=FullMatch(LINES_PATTERN, error="Lines as 'L12' or 'L12-L15'."), **kwargs)


class EvidenceSchema(StrictSchema):
    quote = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    lines = Lines(required=True)
    section = fields.String(required=True, validate=validate.Length(min=1, max=200))
    context = fields.String(validate=validate.Length(min=1, max=1000), metadata={
        "description": "how the quote reads in its paragraph (for example: the author reports a view he disputes); "
                       "acknowledges the validator's warning about quotes from critique passages"})


def EvidenceList(required: bool = True) -> fields.List:
    return fields.List(fields.Nested(EvidenceSchema), required=required,
                       validate=validate.Length(max=50))


class SourceSchema(StrictSchema):
    title = Text()
    author = Text(required=False)
    year = StrictInteger(required=False, validate=validate.Range(min=1000, max=3000))
    publisher = Text(required=False)
    file = Text(required=False)
    url = Text(required=False)


class ScaleSchema(StrictSchema):
    min = StrictNumber(required=True)
    max = StrictNumber(required=True)


class CriterionSchema(StrictSchema):
    id = Identifier(required=True)
    name = ModelText()
    description = ModelText(required=False)
    evidence = EvidenceList(required=False)


class OptionSchema(StrictSchema):
    id = Identifier(required=True)
    name = ModelText()
    recommendation = StrictInteger(required=False, allow_none=True, validate=validate.Range(min=0, max=1000))
    summary = ModelText(required=False)
    evidence = EvidenceList(required=False)


class EstimateSchema(StrictSchema):
    low = StrictNumber(required=True)
    likely = StrictNumber(required=True)
    high = StrictNumber(required=True)


class EffectSchema(EstimateSchema):
    option = Identifier(required=True)
    criterion = Identifier(required=True)
    rationale = ModelText(required=False)
    evidence = EvidenceList(required=False)


class InteractionSchema(StrictSchema):
    id = Identifier(required=True)
    options = fields.List(Identifier(), required=True, validate=validate.Length(equal=2))
    effects = fields.Dict(keys=Identifier(), values=fields.Nested(EstimateSchema), required=True)
    rationale = ModelText(required=False)
    evidence = EvidenceList(required=False)


class ConstraintFieldsSchema(StrictSchema):
    """The constraint shapes of DESIGN.md §3; which fields a type needs is checked below."""

    type = fields.String(required=True, validate=validate.OneOf(CONSTRAINT_TYPES))
    options = fields.List(Identifier(), validate=validate.Length(min=1, max=1000))
    option = Identifier()
    requires = Identifier()
    count = StrictInteger(validate=validate.Range(min=0, max=1000))
    criterion = Identifier()
    at_least = StrictNumber()

    REQUIRED_BY_TYPE = {
        "include": ("options",), "exclude": ("options",), "excludes": ("options",),
        "at_most": ("options", "count"), "at_least": ("options", "count"),
        "requires": ("option", "requires"), "max_options": ("count",),
        "min_performance": ("criterion", "at_least"),
    }

    @validates_schema
    def fields_match_type(self, data, **kwargs):
        constraint_type = data.get("type")
        if constraint_type not in self.REQUIRED_BY_TYPE:
            return
        needed = self.REQUIRED_BY_TYPE[constraint_type]
        errors = {}
        for name in needed:
            if name not in data:
                errors[name] = [f"Required by a '{constraint_type}' constraint."]
        for name in ("options", "option", "requires", "count", "criterion", "at_least"):
            if name in data and name not in needed:
                errors[name] = [f"Not a field of a '{constraint_type}' constraint."]
        if constraint_type == "excludes" and "options" in data and len(data["options"]) < 2:
            errors["options"] = ["An 'excludes' constraint names at least two options."]
        if errors:
            raise ValidationError(errors)


class ModelConstraintSchema(ConstraintFieldsSchema):
    id = Identifier(required=True)
    rationale = ModelText(required=False)


class AdjustmentSchema(StrictSchema):
    option = Identifier(required=True)
    criterion = Identifier(required=True)
    delta = StrictNumber(required=True)


class ScenarioSchema(StrictSchema):
    id = Identifier(required=True)
    name = ModelText()
    description = ModelText(required=False)
    default = fields.Boolean(required=False, truthy={True}, falsy={False})
    unavailable = fields.List(Identifier(), required=False)
    adjustments = fields.List(fields.Nested(AdjustmentSchema), required=False)
    evidence = EvidenceList(required=False)


class CriterionOrTies(fields.Field):
    """A criterion id, or a list of tied criterion ids (an entry of a `priority_order`)."""

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


class EffectOverrideFieldsSchema(StrictSchema):
    """A most likely value moved within the effect's low..high (DESIGN.md §7, §8.1)."""

    option = Identifier(required=True)
    criterion = Identifier(required=True)
    likely = StrictNumber(required=True, metadata={"description": "within the effect's low..high in the model"})


class ProfileEffectOverrideSchema(EffectOverrideFieldsSchema):
    rationale = ModelText(min_length=1, metadata={"description": "what the source says the stakeholder believes, and where"})
    evidence = EvidenceList(required=False)


class ProfileSchema(StrictSchema):
    """A stakeholder's view as the source states it (DESIGN.md §8.1)."""

    id = Identifier(required=True)
    label = ModelText()
    description = ModelText(required=False)
    weights = fields.Dict(keys=Identifier(), values=StrictNumber(validate=validate.Range(min=0)),
                          validate=validate.Length(min=1, max=1000),
                          metadata={"description": "criterion id -> weight >= 0, not all zero"})
    priority_order = fields.List(CriterionOrTies(), validate=validate.Length(min=1, max=1000),
                                 metadata={"description": "criterion ids, most important first; a list for tied criteria"})
    effect_overrides = fields.List(fields.Nested(ProfileEffectOverrideSchema), required=False,
                                   validate=validate.Length(max=1000))
    evidence = EvidenceList(required=True)

    @validates_schema
    def one_kind_of_priorities(self, data, **kwargs):
        if ("weights" in data) == ("priority_order" in data):
            raise ValidationError("Give exactly one of 'weights' or 'priority_order'.")


class CritiqueSchema(StrictSchema):
    """A passage where the source's author criticizes a view or frame rather than stating an effect."""

    lines = Lines(required=True)
    section = fields.String(required=True, validate=validate.Length(min=1, max=200))
    note = ModelText(metadata={"description": "what the author criticizes there"})


class ModelDocumentSchema(StrictSchema):
    """A decision model as `POST /api/v1/models` accepts it."""

    id = Identifier(required=True)
    version = fields.String(required=False, validate=validate.Length(max=100),
                            metadata={"description": "Ignored on input: the service derives the version from the content."})
    title = ModelText()
    description = ModelText(required=False)
    source = fields.Nested(SourceSchema, required=True)
    scale = fields.Nested(ScaleSchema, required=False)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True)
    options = fields.List(fields.Nested(OptionSchema), required=True)
    effects = fields.List(fields.Nested(EffectSchema), required=True)
    interactions = fields.List(fields.Nested(InteractionSchema), required=False)
    constraints = fields.List(fields.Nested(ModelConstraintSchema), required=False)
    scenarios = fields.List(fields.Nested(ScenarioSchema), required=False)
    profiles = fields.List(fields.Nested(ProfileSchema), required=False,
                           metadata={"description": "stakeholders' views as the source states them (DESIGN.md §8.1)"})
    critiques = fields.List(fields.Nested(CritiqueSchema), required=False,
                            metadata={"description": "passages where the source's author criticizes a view; effect "
                                                     "evidence quoted from them is flagged by the validator's warnings"})
    default_scenario = Identifier(required=False, allow_none=True)
    builtin = fields.Boolean(required=False, truthy={True}, falsy={False},
                             metadata={"description": "Ignored on input."})


def pointers_from_messages(messages, prefix: str = "") -> list[tuple[str, str]]:
    """Flatten marshmallow's nested error messages into (JSON pointer, detail) pairs (RFC 6901)."""
    pairs: list[tuple[str, str]] = []
    if isinstance(messages, dict) and messages and set(messages) <= {"key", "value"}:
        # A Dict field's entry: {"key": [...], "value": ...}; both concern the entry itself.
        for part, nested in messages.items():
            pairs.extend((pointer, f"{'Key: ' if part == 'key' else ''}{detail}")
                         for pointer, detail in pointers_from_messages(nested, prefix))
    elif isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                pairs.extend(pointers_from_messages(value, prefix))
                continue
            token = str(key).replace("~", "~0").replace("/", "~1")
            pairs.extend(pointers_from_messages(value, f"{prefix}/{token}"))
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            if isinstance(item, (dict, list, tuple)):
                pairs.extend(pointers_from_messages(item, prefix))
            else:
                pairs.append((prefix, str(item)))
    else:
        pairs.append((prefix, str(messages)))
    return pairs
