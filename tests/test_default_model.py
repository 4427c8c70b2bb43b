"""The default model against the report it cites (DESIGN.md §1, §8.1; docs/model-minusma-2017.md).

Every quote, old (version 1, kept in tests/data) and new, profiles' included, occurs verbatim at
its lines; every cell is filled; and the model's structure says what the report says, one test
per recommendation, each citing the report's lines.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from models.domain import STATUS_QUO
from models.loader import builtin_models, model_from_document
from models.schema import LINES_PATTERN
from models.validation import document_warnings, validate_model_document
from service.engine.constraints import sourced_constraints
from service.engine.model_check import check_model_document
from service.engine.packages import EnumeratedSpace
from service.engine.performance import performance_table

REPORT = Path(os.environ.get(
    "POLICY_OPTIONS_REPORT",
    Path(__file__).resolve().parents[1].parent / "shared" / "source" / "charbonneau-2017-dilemmas-of-intervention-in-mali.txt",
))
MODEL_FILE = Path(__file__).resolve().parents[1] / "models" / "data" / "minusma-2017.yaml"
VERSION_1_FILE = Path(__file__).resolve().parent / "data" / "minusma-2017-v1.yaml"
OPTIONS = {"status-quo", "dissociate-from-barkhane", "integrate-under-un-command", "reframe-as-spoilers",
           "reinforce-protection", "plan-exit"}
DISSOCIATE, INTEGRATE, REFRAME = "dissociate-from-barkhane", "integrate-under-un-command", "reframe-as-spoilers"
REINFORCE, EXIT = "reinforce-protection", "plan-exit"


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def span(lines: str) -> tuple[int, int]:
    first, last = LINES_PATTERN.match(lines).groups()
    return int(first), int(last or first)


@pytest.fixture(scope="module")
def report_lines():
    if not REPORT.exists():
        pytest.skip(f"the report is not at {REPORT} (set POLICY_OPTIONS_REPORT)")
    return REPORT.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def model():
    return builtin_models()["minusma-2017"]


def load(path: Path):
    return model_from_document(yaml.safe_load(path.read_text(encoding="utf-8")))


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
    for profile in model.profiles:
        yield f"profile {profile.id}", profile.evidence
        for override in profile.effect_overrides:
            yield f"profile {profile.id} override {override.option}/{override.criterion}", override.evidence


def cell(model, option, criterion):
    return next(e for e in model.effects if (e.option, e.criterion) == (option, criterion))


def feasible_packages(model, scenario) -> set[frozenset]:
    """Every package the model's constraints and the scenario allow (independent of any weights)."""
    table = performance_table(model, scenario, "likely")
    space = EnumeratedSpace(table, sourced_constraints(model, scenario, []))
    return {frozenset(table.option_ids[i] for i in np.flatnonzero(row)) for row in space.feasible_membership}


# -- The quotes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [MODEL_FILE, VERSION_1_FILE], ids=["version 2", "version 1"])
def test_every_quote_occurs_at_its_cited_lines(path, report_lines):
    checked, misplaced = 0, []
    for where, evidence in every_evidence(load(path)):
        for item in evidence:
            first, last = span(item.lines)
            cited = normalized(" ".join(report_lines[first - 1:last]))
            if normalized(item.quote) not in cited:
                misplaced.append(f"{where}: {item.quote[:60]!r} not in {item.lines}")
            checked += 1
    assert not misplaced, "\n".join(misplaced)
    assert checked >= 120


def test_profiles_quotes_are_checked_too(model):
    quoted = [where for where, evidence in every_evidence(model) if where.startswith("profile") and evidence]
    assert len([w for w in quoted if "override" not in w]) == len(model.profiles)
    assert len([w for w in quoted if "override" in w]) == sum(len(p.effect_overrides) for p in model.profiles)


@pytest.mark.parametrize("path", [MODEL_FILE, VERSION_1_FILE], ids=["version 2", "version 1"])
def test_sections_are_headings_of_the_report(path, report_lines):
    lines = {normalized(line) for line in report_lines}
    sections = {item.section for _, evidence in every_evidence(load(path)) for item in evidence}
    assert sections <= lines, sections - lines


def test_critique_passages_lie_in_the_report(model, report_lines):
    for critique in model.critiques:
        first, last = span(critique.lines)
        assert 1 <= first <= last <= len(report_lines)
        assert critique.section in {normalized(line) for line in report_lines}


def test_quotes_are_short(model):
    for where, evidence in every_evidence(model):
        for item in evidence:
            assert len(item.quote.split()) <= 45, f"{where}: quote of {len(item.quote.split())} words"


# -- Shape ------------------------------------------------------------------------------------------


def test_model_has_the_designed_shape(model):
    assert set(model.option_ids) == OPTIONS
    assert 6 <= len(model.criteria) <= 9
    assert all(c.evidence for c in model.criteria)
    assert all(o.evidence for o in model.options)
    for option in model.package_option_ids:
        for criterion in model.criterion_ids:
            effect = cell(model, option, criterion)
            estimate = effect.effect_vs_status_quo
            assert -3 <= estimate.low <= estimate.likely <= estimate.high <= 3
            assert effect.rationale and effect.evidence
    assert all(model.effect(STATUS_QUO, c).likely == 0 for c in model.criterion_ids)
    assert {p.id for p in model.profiles} >= {"author", "malian-government", "france", "un-secretariat-dpko",
                                              "malian-civil-society"}


def test_the_model_check_finds_no_problem_and_no_warning(model):
    """The model validator's warnings (a passage scoring two criteria of one option, a quote from a
    critique passage without a context note, an interaction pushing its pair beyond the scale) are
    all answered in the default model."""
    check = check_model_document(yaml.safe_load(MODEL_FILE.read_text(encoding="utf-8")))
    assert check.problems == [] and check.warnings == []
    assert check.model.version == model.version


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


def test_version_1_keeps_its_version_as_posted_data():
    """The first version loads as any posted model, and the collections added since (profiles,
    critiques) do not change the version of a model that has none."""
    version_1 = load(VERSION_1_FILE)
    assert version_1.version == "20e80ceae943ffd0" and not version_1.profiles
    assert version_1.version != builtin_models()["minusma-2017"].version


# -- Recommendation 1: dissociate OR integrate; integration "unlikely at this point" (L903-L906) --------


def test_recommendation_1_branches_are_alternatives(model, report_lines):
    """L903-L904: 'MINUSMA must be disassociated from Operation Barkhane, or the French forces must be
    integrated into the UN command' -- an 'or': no package the model allows holds both, in any scenario,
    while each branch alone is allowed where the scenario does not rule it out."""
    assert "disassociated from Operation Barkhane, or the French forces" in normalized(" ".join(report_lines[902:904]))
    for scenario in model.scenarios:
        packages = feasible_packages(model, scenario.id)
        assert not any({DISSOCIATE, INTEGRATE} <= p for p in packages), scenario.id
        assert frozenset({DISSOCIATE}) in packages and frozenset({INTEGRATE}) in packages


def test_recommendation_1_puts_dissociation_first_and_integration_is_unlikely(model, report_lines):
    """L904-L906: integration, 'although unlikely at this point, would serve to limit war operations'.
    The judgment sits where it belongs: integration is less feasible than dissociation in every score
    case and its feasibility cell quotes 'unlikely at this point'; its other claim (limiting war
    operations) is what lifts it on regional demilitarization; and, the report putting dissociation
    first as the way to regain impartiality, integration's most likely effect on impartiality is lower.
    (The integration cells for the pessimistic case may share the scale's floor with dissociation.)"""
    assert "although unlikely at this point, would serve to limit war operations" in normalized(
        " ".join(report_lines[903:906]))
    integrate = cell(model, INTEGRATE, "diplomatic-feasibility")
    dissociate = cell(model, DISSOCIATE, "diplomatic-feasibility")
    # Both may prove impossible (the scale's floor, L921-L922: 'very difficult, if not impossible').
    assert integrate.effect_vs_status_quo.low <= dissociate.effect_vs_status_quo.low
    for case in ("likely", "high"):
        assert integrate.effect_vs_status_quo.case(case) < dissociate.effect_vs_status_quo.case(case)
    assert any("unlikely at this point" in e.quote for e in integrate.evidence)
    assert "unlikely" in integrate.rationale
    assert any("limit war operations" in e.quote for e in cell(model, INTEGRATE, "regional-demilitarization").evidence)
    assert (cell(model, INTEGRATE, "impartiality-and-authority").effect_vs_status_quo.likely
            < cell(model, DISSOCIATE, "impartiality-and-authority").effect_vs_status_quo.likely)


def test_integration_security_cells_rest_on_no_misread_quote(model):
    """Review of version 1: integrate x safety cited L630-L631 (a legal critique) and integrate x
    civilians cited L880-L881 (the author's critique of how the war-on-terror frame depoliticizes
    force). Neither passage may ground them now, and without a stated mechanism in the report their
    most likely values are no change."""
    for criterion in ("personnel-safety", "protection-of-civilians"):
        effect = cell(model, INTEGRATE, criterion)
        for item in effect.evidence:
            first, last = span(item.lines)
            assert not (first <= 631 and 630 <= last), (criterion, item.lines)
            assert not (first <= 881 and 880 <= last), (criterion, item.lines)
        assert effect.effect_vs_status_quo.likely == 0


# -- Recommendation 2: reframe 'terrorists' as spoilers (L908-L913) ------------------------------------


def test_recommendation_2_goes_with_every_other_option(model, report_lines):
    """L908-L913 asks MINUSMA 'and its partners' to stop emphasizing the war against terrorism; the
    report opposes it to no other recommendation, so no model constraint keeps it from any option, and
    its direct aims (impartiality, the political questions) gain even in the pessimistic case."""
    assert "must stop emphasizing the war against terrorism" in normalized(" ".join(report_lines[907:909]))
    packages = feasible_packages(model, model.default_scenario.id)
    for option in model.package_option_ids:
        if option != REFRAME:
            assert frozenset({REFRAME, option}) in packages, option
    for criterion in ("impartiality-and-authority", "peace-process"):
        assert cell(model, REFRAME, criterion).effect_vs_status_quo.low > 0


# -- Recommendation 3: reinforce, and if the war goes on, consider an exit (L915-L918) -----------------


def test_recommendation_3_admits_reinforcement_with_exit_planning(model, report_lines):
    """L915-L918: capacities 'must be reinforced ... In the latter case, if the French and African forces
    continue this war, an exit strategy for MINUSMA must be considered' -- no 'or': the exit strategy is
    considered alongside reinforcement. The default scenario admits the package of both, and no model
    constraint names the two together."""
    text = normalized(" ".join(report_lines[914:918]))
    assert "must be reinforced" in text and "an exit strategy for MINUSMA must be considered" in text
    assert " or " not in text.split("must be reinforced")[1]
    assert frozenset({REINFORCE, EXIT}) in feasible_packages(model, model.default_scenario.id)
    assert not any({REINFORCE, EXIT} <= set(c.named_options()) for c in model.constraints)
    assert "rec3-alternatives" not in {c.id for c in model.constraints}


def test_exit_planning_is_tied_to_the_war_going_on(model):
    """L917: 'if the French and African forces continue this war'. Exit planning is available in every
    scenario where the war continues and unavailable in the one where it is wound down."""
    for scenario in model.scenarios:
        war_wound_down = scenario.id == "french-drawdown"
        assert (EXIT in scenario.unavailable) == war_wound_down, scenario.id
        assert any(frozenset({EXIT}) <= p for p in feasible_packages(model, scenario.id)) != war_wound_down


def test_exit_is_scored_as_planning_not_withdrawal(model):
    """'must be considered' (L918) asks for a plan: the mission stays while it exists, so no cell moves
    by more than half a step in its most likely value -- version 1 scored a withdrawal carried out
    (+2 on personnel safety, -1.5 on civilians, -2 on feasibility)."""
    assert "planning" in model.option(EXIT).summary.lower() and "not withdrawal" in model.option(EXIT).summary.lower()
    for criterion in model.criterion_ids:
        assert abs(cell(model, EXIT, criterion).effect_vs_status_quo.likely) <= 0.5, criterion
    version_1 = load(VERSION_1_FILE)
    assert cell(version_1, EXIT, "personnel-safety").effect_vs_status_quo.likely == 2


def test_exit_planning_does_not_go_with_integration(model):
    """The exit answers French forces continuing the war outside the UN (L917); integrating them into
    the UN command (L903-L904) removes that half of the condition: a model constraint, whose rationale
    says it is a reading."""
    rule = next(c for c in model.constraints if set(c.options) == {EXIT, INTEGRATE})
    assert rule.type == "excludes" and "reading" in rule.rationale


# -- The other review points: criteria, double counting, quotes in context, scenarios ------------------


def test_malian_ownership_is_a_criterion_grounded_where_the_report_weighs_it(model):
    """Malian ownership, legitimacy and consent: L158-L161, L518, L698-L699, L829-L830, L742-L747."""
    criterion = model.criterion("malian-ownership")
    spans = [span(e.lines) for e in criterion.evidence]
    for first, last in ((158, 161), (518, 518), (698, 699), (829, 830), (742, 747)):
        assert any(a <= last and first <= b for a, b in spans), (first, last)


def test_protection_of_civilians_carries_the_scope_caveat_and_wide_ranges(model):
    """L76-L78: the report leaves protection outside its analysis. The criterion says so, every cell
    cites the scope note, and no cell is narrower than 1.5 steps."""
    criterion = model.criterion("protection-of-civilians")
    assert "outside the report's stated scope" in criterion.description.lower()
    for option in model.package_option_ids:
        effect = cell(model, option, "protection-of-civilians")
        assert any(span(e.lines)[0] == 76 for e in effect.evidence), option
        assert effect.effect_vs_status_quo.high - effect.effect_vs_status_quo.low >= 1.5, option


def test_every_criterion_says_what_it_measures_that_the_others_do_not(model):
    """Double counting: descriptions name the neighbouring criterion whose mechanism they leave out."""
    names = {c.id: c.name for c in model.criteria}
    for criterion, neighbours in {"impartiality-and-authority": ["Peace process"],
                                  "peace-process": ["Impartiality and authority"],
                                  "malian-ownership": ["Impartiality and authority", "Restoration of state authority"],
                                  "personnel-safety": ["Stabilization", "Protection of civilians"],
                                  "stabilization": ["Safety of UN personnel", "Protection of civilians"],
                                  "state-authority": ["Malian ownership"]}.items():
        assert criterion in names
        for neighbour in neighbours:
            assert neighbour in model.criterion(criterion).description, (criterion, neighbour)


def test_the_impartiality_chain_is_counted_once(model):
    """L895-L897 ('cancels its impartiality and thus its authority as an impartial actor and guarantor of
    the peace process') supports only impartiality cells; no passage supports two criteria of one
    option; and the synergy of version 1 that added impartiality on top of dissociation plus reframing
    (already beyond the scale together) is gone."""
    for effect in model.effects:
        if any(span(e.lines) == (895, 897) for e in effect.evidence):
            assert effect.criterion == "impartiality-and-authority", effect.option
    data, _ = validate_model_document(yaml.safe_load(MODEL_FILE.read_text(encoding="utf-8")))
    assert document_warnings(data) == []
    assert not any(set(i.options) == {DISSOCIATE, REFRAME} for i in model.interactions)


def test_the_warnings_catch_what_the_review_of_version_1_caught_by_hand(model):
    """Version 1 with version 2's list of critique passages: the validator flags the cells the review
    found quoting passages against their context (L880-L881 three times, L865-L867, L630-L631,
    L818-L820) and the shared passages behind the double counting."""
    document = yaml.safe_load(VERSION_1_FILE.read_text(encoding="utf-8"))
    document["critiques"] = [c.to_document() for c in model.critiques]
    data, problems = validate_model_document(document)
    assert problems == []
    flagged = set()
    for warning in document_warnings(data):
        parts = warning.pointer.split("/")
        effect = data["effects"][int(parts[2])] if parts[1] == "effects" else None
        item = effect["evidence"][int(parts[4])] if effect else None
        if effect and ("critique" in warning.detail or "perceived as" in warning.detail or "in essence" in warning.detail):
            flagged.add((effect["option"], effect["criterion"], item["lines"]))
    assert {(DISSOCIATE, "protection-of-civilians", "L880-L881"), (INTEGRATE, "protection-of-civilians", "L880-L881"),
            (INTEGRATE, "impartiality-and-authority", "L865-L867"), (INTEGRATE, "personnel-safety", "L630-L631"),
            (EXIT, "protection-of-civilians", "L818-L820"), (EXIT, "stabilization", "L818-L820")} <= flagged


def test_the_scenarios_the_report_discusses_are_there(model, report_lines):
    """Agreement breakdown (L73-L75, L683-L684, L798-L802) and the G5 Sahel force as a second
    counter-terror actor (L657-L658, L807), each grounded in those lines."""
    wanted = {"agreement-breaks-down": [(73, 75), (682, 684), (798, 802)],
              "g5-sahel-joins-the-war": [(657, 658), (807, 807)]}
    for scenario_id, passages in wanted.items():
        spans = [span(e.lines) for e in model.scenario(scenario_id).evidence]
        for first, last in passages:
            assert any(a <= last and first <= b for a, b in spans), (scenario_id, first, last)


def test_french_drawdown_leaves_little_to_integrate(model):
    """With Barkhane scaled down, integration limits fewer war operations and brings fewer capabilities:
    the scenario lowers integration's gains (version 1 left them unchanged)."""
    adjustments = {(a.option, a.criterion): a.delta for a in model.scenario("french-drawdown").adjustments}
    assert adjustments[(INTEGRATE, "regional-demilitarization")] < 0
    assert all(delta < 0 for (option, _), delta in adjustments.items() if option == INTEGRATE)


def test_equal_weights_pick_recommendations_2_and_3_and_leave_recommendation_1_out(model):
    """With every criterion weighed alike, the best package is reframing with reinforcement and exit
    planning. Neither branch of recommendation 1 makes it: dissociation's cost to the mission's safety
    (Barkhane 'prevents MINUSMA from suffering heavy losses', L555-L556) and its diplomatic cost
    (L614-L616, L921-L922) outweigh its gain in impartiality when impartiality weighs no more than the
    rest; integration's gain in demilitarization is cancelled by its being 'unlikely at this point'
    (L905). Version 1 put the unlikely branch, integration, in the best package."""
    from service.engine.ranking import RankingRequest, rank

    def best(m):
        return set(rank(m, RankingRequest.from_fields(m, {"weights": dict.fromkeys(m.criterion_ids, 1)}))
                   ["packages"][0]["options"])

    assert best(model) == {REFRAME, REINFORCE, EXIT}
    assert best(load(VERSION_1_FILE)) == {INTEGRATE, REFRAME, REINFORCE}
