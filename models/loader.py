"""Build `DecisionModel` objects from documents (YAML files or posted JSON).

The version of a model is a hash of its content, so it changes whenever any
number, quote or rule changes, and two equal documents get equal versions.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path

import yaml

from models.domain import (STATUS_QUO, Adjustment, Constraint, Criterion, Critique, DecisionModel, Effect,
                           EffectOverride, Estimate, Evidence, Interaction, Option, Profile, Scenario,
                           TextByLanguage)
from models.schema import TEXT_LANGUAGES
from models.validation import ModelInvalid, validate_model_document

DATA_DIR = Path(__file__).parent / "data"
STATUS_QUO_OPTION = {"id": STATUS_QUO, "name": "Status quo", "recommendation": None,
                     "summary": "The present division of labour; every effect is 0 by definition."}
# Fields the service sets itself; they never enter the content hash.
DERIVED_FIELDS = ("version", "builtin")
# Collections added after models were first stored: left out of the hash while empty, so a
# model stored before they existed keeps its version.
LATER_COLLECTIONS = ("profiles", "critiques")


def canonical_json(value) -> str:
    """JSON with sorted keys and no spaces: equal values give equal text (for hashes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def content_version(model: DecisionModel) -> str:
    """A hash of the model's full document: any change of a number, quote or rule changes it,
    and the same content gives the same version however the document was written."""
    content = {key: value for key, value in model.to_document().items()
               if key not in DERIVED_FIELDS and not (key in LATER_COLLECTIONS and not value)}
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()[:16]


def model_from_document(document, *, builtin: bool = False) -> DecisionModel:
    """Validate a model document and build the model; raise `ModelInvalid` with every problem."""
    data, problems = validate_model_document(document)
    if problems:
        raise ModelInvalid(problems)
    model = _build(_normalized(data), builtin=builtin)
    return dataclasses.replace(model, version=content_version(model), _index={})


def model_from_stored(document: dict, version: str) -> DecisionModel:
    """The model of a document that `model_from_document` accepted and the service stored, with
    the version stored beside it: built without validating it again (on a model at the limits,
    validation is four fifths of the time)."""
    model = _build(_normalized(_texts_by_language(document)), builtin=False)
    return dataclasses.replace(model, version=version, _index={})


def _texts_by_language(value):
    """The document with each map of languages to strings (a model text, DESIGN.md §8.2) as the
    `TextByLanguage` that loading it through the schema gives."""
    if isinstance(value, dict):
        if value and "en" in value and set(value) <= set(TEXT_LANGUAGES) and all(isinstance(v, str) for v in value.values()):
            return TextByLanguage(value)
        return {key: _texts_by_language(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_texts_by_language(item) for item in value]
    return value


def _normalized(data: dict) -> dict:
    """Fill the defaults the contract allows to be left out (status quo, scale, default scenario)."""
    data = dict(data)
    data.setdefault("scale", {"min": -3.0, "max": 3.0})
    if not any(option["id"] == STATUS_QUO for option in data["options"]):
        data["options"] = [dict(STATUS_QUO_OPTION)] + list(data["options"])
    data["effects"] = [e for e in data["effects"] if e["option"] != STATUS_QUO]
    scenarios = [dict(s) for s in data.get("scenarios", [])]
    default = data.get("default_scenario") or next((s["id"] for s in scenarios if s.get("default")), None)
    if default is None and scenarios:
        default = scenarios[0]["id"]
    for scenario in scenarios:
        scenario["default"] = scenario["id"] == default
    data["scenarios"] = scenarios
    data["default_scenario"] = default
    return data


def _evidence(items) -> tuple[Evidence, ...]:
    return tuple(Evidence(item["quote"], item["lines"], item["section"], item.get("context")) for item in items or ())


def _profile(fields: dict) -> Profile:
    order = fields.get("priority_order")
    return Profile(
        id=fields["id"], label=fields["label"], description=fields.get("description", ""),
        weights=dict(fields["weights"]) if "weights" in fields else None,
        priority_order=None if order is None else tuple(tuple(e) if isinstance(e, list) else e for e in order),
        effect_overrides=tuple(EffectOverride(o["option"], o["criterion"], float(o["likely"]), o["rationale"],
                                              _evidence(o.get("evidence"))) for o in fields.get("effect_overrides", ())),
        evidence=_evidence(fields["evidence"]))


def _estimate(values: dict) -> Estimate:
    return Estimate(float(values["low"]), float(values["likely"]), float(values["high"]))


def _build(data: dict, *, builtin: bool) -> DecisionModel:
    return DecisionModel(
        id=data["id"],
        version="",
        title=data["title"],
        description=data.get("description", ""),
        source=dict(data["source"]),
        scale_min=float(data["scale"]["min"]),
        scale_max=float(data["scale"]["max"]),
        criteria=tuple(Criterion(c["id"], c["name"], c.get("description", ""), _evidence(c.get("evidence")))
                       for c in data["criteria"]),
        options=tuple(Option(o["id"], o["name"], o.get("recommendation"), o.get("summary", ""),
                             _evidence(o.get("evidence"))) for o in data["options"]),
        effects=tuple(Effect(e["option"], e["criterion"], _estimate(e), e.get("rationale", ""),
                             _evidence(e.get("evidence"))) for e in data["effects"]),
        interactions=tuple(Interaction(i["id"], tuple(i["options"]),
                                       {c: _estimate(v) for c, v in i["effects"].items()},
                                       i.get("rationale", ""), _evidence(i.get("evidence")))
                           for i in data.get("interactions", [])),
        constraints=tuple(constraint_from_fields(c) for c in data.get("constraints", [])),
        scenarios=tuple(Scenario(s["id"], s["name"], s.get("description", ""), s["default"],
                                 tuple(s.get("unavailable", ())),
                                 tuple(Adjustment(a["option"], a["criterion"], float(a["delta"]))
                                       for a in s.get("adjustments", ())),
                                 _evidence(s.get("evidence")))
                        for s in data["scenarios"]),
        profiles=tuple(_profile(p) for p in data.get("profiles", [])),
        critiques=tuple(Critique(c["lines"], c["section"], c["note"]) for c in data.get("critiques", [])),
        builtin=builtin,
    )


def constraint_from_fields(fields: dict) -> Constraint:
    """A `Constraint` from the loaded fields of a model or request constraint (DESIGN.md §3)."""
    return Constraint(
        type=fields["type"],
        options=tuple(fields.get("options", ())),
        option=fields.get("option"),
        requires=fields.get("requires"),
        count=fields.get("count"),
        criterion=fields.get("criterion"),
        at_least=fields.get("at_least"),
        id=fields.get("id"),
        rationale=fields.get("rationale"),
    )


@functools.cache
def builtin_models() -> dict[str, DecisionModel]:
    """The models shipped under `models/data/`, by id, loaded once per process."""
    models = {}
    for path in sorted(DATA_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        try:
            model = model_from_document(document, builtin=True)
        except ModelInvalid as error:
            raise ModelInvalid([type(p)(f"{path.name}#{p.pointer}", p.detail) for p in error.problems]) from None
        models[model.id] = model
    return models
