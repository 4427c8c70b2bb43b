"""Typed domain objects of a decision model (DESIGN.md §1 and §4.1).

Plain frozen dataclasses: no Flask, no solver. A `DecisionModel` is built from
a validated document by `models.loader` and turned back into the JSON document
of DESIGN.md §4.1 by `to_document`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

STATUS_QUO = "status-quo"
SCORE_CASES = ("low", "likely", "high")
ScoreCase = Literal["low", "likely", "high"]


class TextByLanguage(str):
    """A model text given by language (DESIGN.md §8.2), e.g. `{"en": "Peace process", "fr":
    "Processus de paix"}`, English always among them.

    `by_language` is the map as the model gives it; `service.i18n.localized` picks the language
    to show. Everywhere else it is its English text, as a string: the sentences that stay
    English (problem details, the engine's reasons, the validator's warnings) embed it without
    knowing about languages, and nothing that formats or joins names can print a map or fail on
    one. It compares and hashes as its English text.
    """

    by_language: dict[str, str]

    def __new__(cls, by_language: dict[str, str]):
        text = super().__new__(cls, by_language["en"])
        text.by_language = dict(by_language)
        return text

    def __getnewargs__(self):  # copy and pickle rebuild it from its map, not from the English text
        return (self.by_language,)

    def __repr__(self) -> str:
        return f"TextByLanguage({self.by_language!r})"


# A human-readable model text: a string, or the text by language.
ModelText = str | TextByLanguage


def given(text: ModelText | None):
    """A model text as the model gives it: the string, or the map of languages (for documents)."""
    return dict(text.by_language) if isinstance(text, TextByLanguage) else text


@dataclass(frozen=True)
class Evidence:
    """A quote from the source at its lines. `context` is the analyst's note on how the quote
    reads in its paragraph (for example that it reports a view the author disputes); it
    acknowledges the validator's warning about critique passages (DESIGN.md §8.1)."""

    quote: str
    lines: str
    section: str
    context: str | None = None

    def to_document(self) -> dict:
        document = {"quote": self.quote, "lines": self.lines, "section": self.section}
        if self.context is not None:
            document["context"] = self.context
        return document


def _evidence_documents(evidence: tuple[Evidence, ...]) -> list[dict]:
    return [item.to_document() for item in evidence]


@dataclass(frozen=True)
class Estimate:
    """A judgment on the model's scale: pessimistic, most likely, optimistic."""

    low: float
    likely: float
    high: float

    def case(self, score_case: ScoreCase) -> float:
        return getattr(self, score_case)

    def to_document(self) -> dict:
        return {"low": self.low, "likely": self.likely, "high": self.high}


@dataclass(frozen=True)
class Criterion:
    id: str
    name: ModelText
    description: ModelText
    evidence: tuple[Evidence, ...] = ()

    def to_document(self) -> dict:
        return {"id": self.id, "name": given(self.name), "description": given(self.description),
                "evidence": _evidence_documents(self.evidence)}


@dataclass(frozen=True)
class Option:
    id: str
    name: ModelText
    recommendation: int | None
    summary: ModelText
    evidence: tuple[Evidence, ...] = ()

    def to_document(self) -> dict:
        return {"id": self.id, "name": given(self.name), "recommendation": self.recommendation,
                "summary": given(self.summary), "evidence": _evidence_documents(self.evidence)}


@dataclass(frozen=True)
class Effect:
    """What `option` does to `criterion`, relative to the status quo."""

    option: str
    criterion: str
    effect_vs_status_quo: Estimate
    rationale: ModelText = ""
    evidence: tuple[Evidence, ...] = ()

    def to_document(self) -> dict:
        return {"option": self.option, "criterion": self.criterion,
                **self.effect_vs_status_quo.to_document(),
                "rationale": given(self.rationale), "evidence": _evidence_documents(self.evidence)}


@dataclass(frozen=True)
class Interaction:
    """Extra effect on some criteria when both options are chosen together."""

    id: str
    options: tuple[str, str]
    effects: dict[str, Estimate]
    rationale: ModelText = ""
    evidence: tuple[Evidence, ...] = ()

    def to_document(self) -> dict:
        return {"id": self.id, "options": list(self.options),
                "effects": {c: e.to_document() for c, e in self.effects.items()},
                "rationale": given(self.rationale), "evidence": _evidence_documents(self.evidence)}


@dataclass(frozen=True)
class Constraint:
    """A rule on packages, in the shapes of DESIGN.md §3.

    Only the fields of its `type` are set. `id` and `rationale` are set on
    model constraints; request constraints have neither.
    """

    type: str
    options: tuple[str, ...] = ()
    option: str | None = None
    requires: str | None = None
    count: int | None = None
    criterion: str | None = None
    at_least: float | None = None
    id: str | None = None
    rationale: ModelText | None = None

    def to_document(self) -> dict:
        document: dict = {}
        if self.id is not None:
            document["id"] = self.id
        document["type"] = self.type
        if self.type in ("include", "exclude", "excludes", "at_most", "at_least"):
            document["options"] = list(self.options)
        if self.type == "requires":
            document["option"] = self.option
            document["requires"] = self.requires
        if self.type in ("at_most", "at_least", "max_options"):
            document["count"] = self.count
        if self.type == "min_performance":
            document["criterion"] = self.criterion
            document["at_least"] = self.at_least
        if self.rationale is not None:
            document["rationale"] = given(self.rationale)
        return document

    def named_options(self) -> tuple[str, ...]:
        if self.type == "requires":
            return (self.option, self.requires)
        return self.options


@dataclass(frozen=True)
class Adjustment:
    option: str
    criterion: str
    delta: float

    def to_document(self) -> dict:
        return {"option": self.option, "criterion": self.criterion, "delta": self.delta}


@dataclass(frozen=True)
class Scenario:
    id: str
    name: ModelText
    description: ModelText = ""
    default: bool = False
    unavailable: tuple[str, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def to_document(self) -> dict:
        return {"id": self.id, "name": given(self.name), "description": given(self.description),
                "default": self.default, "unavailable": list(self.unavailable),
                "adjustments": [a.to_document() for a in self.adjustments],
                "evidence": _evidence_documents(self.evidence)}


@dataclass(frozen=True)
class EffectOverride:
    """A stakeholder's own most likely value for one effect, within the model's low..high
    (DESIGN.md §7 for workshop participants, §8.1 for profiles). It moves `likely` only:
    the pessimistic and optimistic values stay the model's."""

    option: str
    criterion: str
    likely: float
    rationale: ModelText = ""
    evidence: tuple[Evidence, ...] = ()

    @property
    def cell(self) -> tuple[str, str]:
        return (self.option, self.criterion)

    def to_document(self) -> dict:
        document = {"option": self.option, "criterion": self.criterion, "likely": self.likely}
        if self.rationale:
            document["rationale"] = given(self.rationale)
        if self.evidence:
            document["evidence"] = _evidence_documents(self.evidence)
        return document


@dataclass(frozen=True, eq=False)
class Profile:
    """A stakeholder's view as the source states it (DESIGN.md §8.1): priorities, given as
    exactly one of `weights` or `priority_order`, and beliefs about effects."""

    id: str
    label: ModelText
    description: ModelText
    weights: dict[str, float] | None = None
    priority_order: tuple | None = None  # criterion ids, most important first; a tuple for tied ids
    effect_overrides: tuple[EffectOverride, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def priority_fields(self) -> dict:
        """The profile's priorities as a request gives them: {"weights": ...} or {"priority_order": ...}."""
        if self.weights is not None:
            return {"weights": dict(self.weights)}
        return {"priority_order": [list(entry) if isinstance(entry, tuple) else entry for entry in self.priority_order]}

    def to_document(self) -> dict:
        return {"id": self.id, "label": given(self.label), "description": given(self.description),
                **self.priority_fields(),
                "effect_overrides": [o.to_document() for o in self.effect_overrides],
                "evidence": _evidence_documents(self.evidence)}


@dataclass(frozen=True)
class Critique:
    """A passage of the source where its author criticizes a view or a frame rather than
    stating an effect: effect evidence quoted from it is flagged by the validator."""

    lines: str
    section: str
    note: ModelText

    def to_document(self) -> dict:
        return {"lines": self.lines, "section": self.section, "note": given(self.note)}


@dataclass(frozen=True, eq=False)
class DecisionModel:
    id: str
    version: str
    title: ModelText
    source: dict
    scale_min: float
    scale_max: float
    criteria: tuple[Criterion, ...]
    options: tuple[Option, ...]
    effects: tuple[Effect, ...]
    interactions: tuple[Interaction, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    profiles: tuple[Profile, ...] = ()
    critiques: tuple[Critique, ...] = ()
    description: ModelText = ""
    builtin: bool = False
    # Set on a model derived by `with_effect_overrides`: the cells whose most likely value moved.
    effect_overrides: tuple[tuple[str, str, float], ...] = ()
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def criterion_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    @property
    def option_ids(self) -> tuple[str, ...]:
        """Every option id, the status quo included."""
        return tuple(o.id for o in self.options)

    @property
    def package_option_ids(self) -> tuple[str, ...]:
        """The options that can be members of a package (all but the status quo)."""
        return tuple(o.id for o in self.options if o.id != STATUS_QUO)

    @property
    def default_scenario(self) -> Scenario | None:
        for scenario in self.scenarios:
            if scenario.default:
                return scenario
        return self.scenarios[0] if self.scenarios else None

    def scenario(self, scenario_id: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise KeyError(scenario_id)

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    def profile(self, profile_id: str) -> Profile:
        for profile in self.profiles:
            if profile.id == profile_id:
                return profile
        raise KeyError(profile_id)

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def effect(self, option_id: str, criterion_id: str) -> Estimate:
        """The effect of an option on a criterion; the status quo's is 0."""
        if not self._index:
            self._index.update({(e.option, e.criterion): e.effect_vs_status_quo for e in self.effects})
        return self._index.get((option_id, criterion_id), Estimate(0.0, 0.0, 0.0))

    def with_effect_overrides(self, overrides) -> DecisionModel:
        """The model as a stakeholder sees it: each override's cell with its most likely value
        moved (low and high stay). This is the one way overrides reach the value model: a
        ranking with a profile, a robustness analysis and a workshop participant all rank the
        derived model. It keeps the version (the published model it derives from) and records
        the moved cells in `effect_overrides`, which caches key on. Applying the same
        overrides again returns the same model.
        """
        moved = {**{(o, c): likely for o, c, likely in self.effect_overrides},
                 **{item.cell: float(item.likely) for item in overrides}}
        key = tuple(sorted((o, c, likely) for (o, c), likely in moved.items()))
        if key == self.effect_overrides:
            return self
        effects = tuple(dataclasses.replace(e, effect_vs_status_quo=dataclasses.replace(
                            e.effect_vs_status_quo, likely=moved[(e.option, e.criterion)]))
                        if (e.option, e.criterion) in moved else e for e in self.effects)
        return dataclasses.replace(self, effects=effects, effect_overrides=key, _index={})

    def to_document(self) -> dict:
        default = self.default_scenario
        document = {
            "id": self.id,
            "version": self.version,
            "title": given(self.title),
            "description": given(self.description),
            "source": dict(self.source),
            "scale": {"min": self.scale_min, "max": self.scale_max},
            "criteria": [c.to_document() for c in self.criteria],
            "options": [o.to_document() for o in self.options],
            "effects": [e.to_document() for e in self.effects],
            "interactions": [i.to_document() for i in self.interactions],
            "constraints": [c.to_document() for c in self.constraints],
            "scenarios": [s.to_document() for s in self.scenarios],
            "profiles": [p.to_document() for p in self.profiles],
            "critiques": [c.to_document() for c in self.critiques],
            "default_scenario": default.id if default else None,
            "builtin": self.builtin,
        }
        return document
