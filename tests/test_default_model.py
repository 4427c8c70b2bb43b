"""The default model against the report it cites: every quote verbatim at its lines, every cell filled."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from models.domain import STATUS_QUO
from models.loader import builtin_models
from models.schema import LINES_PATTERN

REPORT = Path(os.environ.get(
    "POLICY_OPTIONS_REPORT",
    Path(__file__).resolve().parents[1].parent / "shared" / "source" / "charbonneau-2017-dilemmas-of-intervention-in-mali.txt",
))
OPTIONS = {"status-quo", "dissociate-from-barkhane", "integrate-under-un-command", "reframe-as-spoilers",
           "reinforce-protection", "plan-exit"}


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def report_lines():
    if not REPORT.exists():
        pytest.skip(f"the report is not at {REPORT} (set POLICY_OPTIONS_REPORT)")
    return REPORT.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def model():
    return builtin_models()["minusma-2017"]


def every_evidence(model):
    for criterion in model.criteria:
        yield f"criterion {criterion.id}", criterion.evidence
    for option in model.options:
        yield f"option {option.id}", option.evidence
    for effect in model.effects:
        yield f"effect {effect.option}/{effect.criterion}", effect.evidence
    for interaction in model.interactions:
        yield f"interaction {interaction.id}", interaction.evidence
    for scenario in model.scenarios:
        yield f"scenario {scenario.id}", scenario.evidence


def test_every_quote_occurs_at_its_cited_lines(model, report_lines):
    checked, misplaced = 0, []
    for where, evidence in every_evidence(model):
        for item in evidence:
            first, last = LINES_PATTERN.match(item.lines).groups()
            first, last = int(first), int(last or first)
            cited = normalized(" ".join(report_lines[first - 1:last]))
            if normalized(item.quote) not in cited:
                misplaced.append(f"{where}: {item.quote[:60]!r} not in {item.lines}")
            checked += 1
    assert not misplaced, "\n".join(misplaced)
    assert checked >= 60


def test_sections_are_headings_of_the_report(model, report_lines):
    lines = {normalized(line) for line in report_lines}
    sections = {item.section for _, evidence in every_evidence(model) for item in evidence}
    assert sections <= lines, sections - lines


def test_quotes_are_short(model):
    for where, evidence in every_evidence(model):
        for item in evidence:
            assert len(item.quote.split()) <= 45, f"{where}: quote of {len(item.quote.split())} words"


def test_model_has_the_designed_shape(model):
    assert set(model.option_ids) == OPTIONS
    assert 6 <= len(model.criteria) <= 9
    assert all(c.evidence for c in model.criteria)
    assert all(o.evidence for o in model.options)
    for option in model.package_option_ids:
        for criterion in model.criterion_ids:
            effect = next(e for e in model.effects if (e.option, e.criterion) == (option, criterion))
            estimate = effect.effect_vs_status_quo
            assert -3 <= estimate.low <= estimate.likely <= estimate.high <= 3
            assert effect.rationale and effect.evidence
    assert all(model.effect(STATUS_QUO, c).likely == 0 for c in model.criterion_ids)


def test_model_constraints_and_scenarios(model):
    rules = {c.id: c for c in model.constraints}
    assert rules["rec1-alternatives"].type == "at_most"
    assert set(rules["rec1-alternatives"].options) == {"dissociate-from-barkhane", "integrate-under-un-command"}
    assert set(rules["rec3-alternatives"].options) == {"reinforce-protection", "plan-exit"}
    assert set(rules["exit-excludes-integration"].options) == {"plan-exit", "integrate-under-un-command"}
    assert len(model.scenarios) >= 3
    assert sum(s.default for s in model.scenarios) == 1
    assert "plan-exit" not in model.default_scenario.unavailable
    assert any("plan-exit" in s.unavailable for s in model.scenarios)
    assert any(set(i.options) == {"dissociate-from-barkhane", "reinforce-protection"} for i in model.interactions)


def test_version_changes_with_any_number(model):
    from dataclasses import replace

    from models.loader import content_version

    effect = model.effects[0]
    moved = replace(effect, effect_vs_status_quo=replace(effect.effect_vs_status_quo,
                                                         high=min(3.0, effect.effect_vs_status_quo.high + 0.5)
                                                         if effect.effect_vs_status_quo.high < 3 else 2.5))
    changed = replace(model, effects=(moved,) + model.effects[1:], _index={})
    assert content_version(changed) != model.version
    assert content_version(model) == model.version
