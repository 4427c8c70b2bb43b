"""The structured content of a comparative option brief: the JSON format every other format renders.

`BriefRequest.from_fields` splits a brief request into the body the rankings endpoint
takes and the body the robustness endpoint takes; `build_brief` runs
`service.engine.ranking.rank` and `service.engine.robustness.analyse` on them and
arranges the results in the order a reader needs: the question, the headline, the
side-by-side table, the charts (as data), one section per option, the workshop's view
(for a workshop brief) and the provenance.

Every number in the brief is copied from those two results, from the model's effects
(with the scenario's deltas, as `performance_table` applies them) or, for a workshop,
from its results (DESIGN.md §5.2); none is computed here. Sentences may round them.
The only field that changes between two builds of the same input is `generated_at`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

from models.domain import SCORE_CASES, STATUS_QUO, Constraint, DecisionModel
from models.loader import canonical_json, constraint_from_fields
from models.validation import Problem
from service.briefs import wording
from service.engine.constraints import SourcedConstraint, sourced_constraints
from service.engine.errors import RequestInvalid
from service.engine.settings import SolverSettings
from service.engine.performance import performance_table
from service.engine.ranking import RankingRequest, rank
from service.engine.robustness import RobustnessRequest, analyse

BRIEF_VERSION = 1
RANKING_FIELDS = ("weights", "priority_order", "profile", "scenario", "score_case", "constraints", "k")
ROBUSTNESS_FIELDS = ("weight_intervals", "samples", "seed")
# Evidence quoted per option: its own, plus the first quote of its strongest strengths and weaknesses.
QUOTED_EFFECTS_PER_SIDE = 2
WEIGHT_AGREEMENT = 1e-12


@dataclass(frozen=True)
class BriefRequest:
    """A brief request split into what each engine entry point takes, plus what only the brief uses."""

    rankings: dict  # the loaded body of POST .../rankings
    robustness: dict  # the loaded body of POST .../robustness: the rankings body plus robustness parameters
    compared: tuple[str, ...]  # option ids, in the model's order; every option when the request names none
    title: str
    audience: str | None = None

    @classmethod
    def from_fields(cls, model: DecisionModel, fields: dict) -> BriefRequest:
        """Check a loaded request (see `service.schemas.briefs`); raise `RequestInvalid` for unknown
        or repeated options. The rankings and robustness parts are checked when the brief is built."""
        rankings = {name: fields[name] for name in RANKING_FIELDS if name in fields}
        robustness = {**rankings, **{name: value for name, value in fields.get("robustness", {}).items()
                                     if name in ROBUSTNESS_FIELDS}}
        named = fields.get("options")
        problems = []
        if named is not None:
            known = set(model.option_ids)
            for index, option in enumerate(named):
                if option not in known:
                    problems.append(Problem(f"/options/{index}", f"Unknown option '{option}'."))
                elif option in named[:index]:
                    problems.append(Problem(f"/options/{index}", f"Option '{option}' is named twice."))
        if problems:
            raise RequestInvalid(problems)
        compared = tuple(o for o in model.option_ids if named is None or o in named)
        return cls(rankings=rankings, robustness=robustness, compared=compared,
                   title=fields.get("title") or f"Comparative brief: {model.title}",
                   audience=fields.get("audience"))

    @classmethod
    def for_workshop(cls, model: DecisionModel, workshop: dict) -> BriefRequest:
        """The brief of a workshop round: the group's weights (mean of the participants' normalized
        weights, DESIGN.md §5.2) under the workshop's scenario and constraints."""
        rankings = {"weights": dict(workshop["results"]["group"]["weights"]), "scenario": workshop["scenario"],
                    "constraints": list(workshop["constraints"])}
        return cls(rankings=rankings, robustness=dict(rankings), compared=model.option_ids,
                   title=f"Workshop brief: {workshop['title']}",
                   audience=f"Participants and facilitator of the workshop (round {workshop['round']})")


def build_brief(model: DecisionModel, request: BriefRequest, settings: SolverSettings = SolverSettings(), *,
                generated_at: datetime | None = None, workshop: dict | None = None) -> dict:
    """The brief as a JSON-ready dict (see `service.schemas.briefs.BriefSchema`).

    `workshop` (for a workshop brief) is `{"id", "title", "round", "scenario", "constraints",
    "results"}` with `results` as `GET /api/v1/workshops/{id}/results` computes them.
    Raises what `RankingRequest.from_fields`, `RobustnessRequest.from_fields`, `rank` and
    `analyse` raise, with the pointers of robustness parameters moved under `/robustness`.
    """
    ranking_request = RankingRequest.from_fields(model, request.rankings)
    robustness_request = _robustness_request(model, request, settings)
    # A profile's beliefs about effects reach the brief's tables as they reach the rankings.
    model = model.with_effect_overrides(ranking_request.effect_overrides)
    if any(abs(robustness_request.ranking.weights[c] - ranking_request.weights[c]) > WEIGHT_AGREEMENT
           for c in model.criterion_ids):
        raise RequestInvalid([Problem("/robustness/weight_intervals",
                                      "The weights of the priorities lie outside these intervals; the brief needs "
                                      "one set of weights for its ranking and its robustness analysis.")])
    ranking = rank(model, ranking_request, settings)
    robustness = analyse(model, robustness_request, settings)
    facts = _Facts(model, ranking, robustness, request)
    stamp = (generated_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    brief = {
        "brief_version": BRIEF_VERSION,
        "kind": "workshop" if workshop else "model",
        "profile": ranking["profile"],
        "title": request.title,
        "audience": request.audience,
        "generated_at": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "question": _question(facts, request, workshop),
        "headline": _headline(facts),
        "table": _table(facts),
        "charts": _charts(facts, workshop),
        "options": [_option_section(facts, o) for o in facts.compared_in_order],
        "workshop": _workshop_view(facts, workshop) if workshop else None,
        "warnings": list(dict.fromkeys(ranking["warnings"] + robustness["warnings"])),
        "provenance": _provenance(model, request, ranking, robustness, workshop),
    }
    return brief


def _robustness_request(model: DecisionModel, request: BriefRequest, settings: SolverSettings) -> RobustnessRequest:
    try:
        return RobustnessRequest.from_fields(model, request.robustness, settings)
    except RequestInvalid as error:
        # The brief nests the robustness parameters; the priorities stay at the top level.
        raise RequestInvalid([Problem(_brief_pointer(p.pointer), p.detail) for p in error.problems]) from None


def _brief_pointer(pointer: str) -> str:
    """Where a robustness request's field sits in a brief request."""
    field = pointer.split("/")[1] if pointer.startswith("/") else ""
    return "/robustness" + pointer if field in ROBUSTNESS_FIELDS else pointer


class _Facts:
    """The model, the two engine results and lookups into them, shared by the sections below."""

    def __init__(self, model: DecisionModel, ranking: dict, robustness: dict, request: BriefRequest):
        self.model, self.ranking, self.robustness = model, ranking, robustness
        compared = request.compared
        # Model rules, the scenario's unavailable options, then the request's, as the engine sees them.
        self.constraint_items = sourced_constraints(
            model, ranking["scenario"], [constraint_from_fields(c) for c in request.rankings.get("constraints", [])])
        self.ranked = {entry["option"]: entry for entry in ranking["options"]}
        self.excluded = {entry["option"]: entry["reasons"] for entry in ranking["excluded"]}
        self.explanations = {entry["option"]: entry for entry in ranking["explanations"]}
        self.acceptability = {entry["option"]: entry for entry in robustness["smaa"]["options"]}
        self.rank_ranges = {entry["option"]: entry for entry in robustness["rank_ranges"]}
        self.pairwise = {(entry["a"], entry["b"]): entry for entry in robustness["pairwise"]}
        tables = {case: performance_table(model, ranking["scenario"], case) for case in SCORE_CASES}
        self.effects = {}
        for option in model.option_ids:
            row = tables["likely"].option_index.get(option)
            self.effects[option] = {
                c: {case: (0.0 if row is None else float(tables[case].effects[row, j])) for case in ("low", "likely", "high")}
                for j, c in enumerate(tables["likely"].criterion_ids)}
        ranked_order = [entry["option"] for entry in ranking["options"]]
        self.compared_in_order = ([o for o in ranked_order if o in compared]
                                  + [o for o in model.option_ids if o in compared and o not in self.ranked])
        self.best_option = ranking["options"][0]["option"]
        self.runner_up = ranking["options"][1]["option"] if len(ranking["options"]) > 1 else None
        self.best_package = ranking["packages"][0]

    def name(self, option: str) -> str:
        return self.model.option(option).name

    def names(self, options) -> list[str]:
        return [self.name(o) for o in options]

    def criterion_name(self, criterion: str) -> str:
        return self.model.criterion(criterion).name

    def criteria(self) -> list[dict]:
        return [{"id": c.id, "name": c.name} for c in self.model.criteria]


# -- The question ---------------------------------------------------------------------------------


def _question(facts: _Facts, request: BriefRequest, workshop: dict | None) -> dict:
    model, ranking = facts.model, facts.ranking
    scenario = model.scenario(ranking["scenario"]) if ranking["scenario"] else None
    under = f" under the scenario “{scenario.name}”" if scenario else ""
    if workshop:
        given_as = (f"the group's weights: the mean of the normalized weights of the "
                    f"{len(workshop['results']['participants'])} participants who submitted in round {workshop['round']}")
        text = (f"Which of the options of “{model.title}”, alone or combined in a package, best serves the "
                f"workshop's priorities{under}, how sure is that, and where do the participants disagree?")
    else:
        if ranking["profile"] is not None:
            profile = model.profile(ranking["profile"])
            given_as = (f"the profile “{profile.label}”: its "
                        + ("weights, normalized to sum 1" if profile.weights is not None
                           else "order of importance, turned into rank-order-centroid weights")
                        + (", and its own most likely values for some effects" if profile.effect_overrides else ""))
        else:
            given_as = ("weights, normalized to sum 1" if "weights" in request.rankings
                        else "an order of importance, turned into rank-order-centroid weights")
        text = (f"Which of the options of “{model.title}”, alone or combined in a package, best serves the "
                f"priorities below{under}, and how sure is that?")
    return {
        "text": text,
        "model": {"id": model.id, "version": model.version, "title": model.title,
                  "source": {key: model.source[key] for key in ("title", "author", "year", "publisher") if key in model.source}},
        "scenario": None if scenario is None else {"id": scenario.id, "name": scenario.name, "description": scenario.description},
        "score_case": ranking["score_case"],
        "scale": {"min": model.scale_min, "max": model.scale_max},
        "priorities": {"given_as": given_as,
                       "weights": [{"criterion": c.id, "name": c.name, "weight": ranking["weights"][c.id]}
                                   for c in model.criteria]},
        "constraints": [{"source": item.source, "text": constraint_text(facts, item)} for item in facts.constraint_items],
        "compared": list(facts.compared_in_order),
    }


def constraint_text(facts: _Facts, item: SourcedConstraint) -> str:
    """A constraint in words, with option and criterion names, and the model's reason where it gives one."""
    c: Constraint = item.constraint
    names = facts.names(c.options)
    text = {
        "include": lambda: f"every package must include {wording.joined(names)}",
        "exclude": lambda: f"{wording.joined(names)} may not be chosen",
        "requires": lambda: f"{facts.name(c.option)} can be chosen only with {facts.name(c.requires)}",
        "excludes": lambda: f"{wording.joined(names)} cannot all be chosen together",
        "at_most": lambda: f"at most {c.count} of {wording.joined(names, 'or')}",
        "at_least": lambda: f"at least {c.count} of {wording.joined(names)}",
        "max_options": lambda: f"at most {c.count} options in a package",
        "min_performance": lambda: f"performance on {facts.criterion_name(c.criterion)} at least {c.at_least:g}",
    }[c.type]()
    source = item.source
    if source["source"] == "scenario":
        return f"{names[0]} is unavailable in this scenario"
    if source["source"] == "request":
        return f"Requested: {text}"
    return f"Model rule: {text}" + (f". {c.rationale}" if c.rationale else "")


# -- The headline ---------------------------------------------------------------------------------


def nearest_overturn(intervals: dict) -> dict | None:
    """The stability bound closest to the current weight, over all criteria: the smallest
    one-weight change that overturns the best choice (None when no change does)."""
    nearest = None
    for criterion, interval in intervals.items():
        for bound, successor, direction in ((interval["lower"], interval["below"], "below"),
                                            (interval["upper"], interval["above"], "above")):
            if bound is None:
                continue
            distance = abs(bound - interval["weight"])
            if nearest is None or distance < nearest[0]:
                nearest = (distance, {"criterion": criterion, "weight": interval["weight"], "bound": bound,
                                      "direction": direction, "successor": successor})
    return None if nearest is None else nearest[1]


def _overturn_document(facts: _Facts, intervals: dict) -> dict | None:
    found = nearest_overturn(intervals)
    if found is None:
        return None
    successor = found["successor"]
    options = [successor] if isinstance(successor, str) else list(successor or [])
    return {**found, "name": facts.criterion_name(found["criterion"]),
            "successor_names": facts.names(options), "successor": options}


def _headline(facts: _Facts) -> dict:
    ranking, robustness = facts.ranking, facts.robustness
    stability, smaa = robustness["stability"], robustness["smaa"]
    best_package = facts.best_package
    package_share = next((p for p in smaa["packages"] if set(p["options"]) == set(best_package["options"])), None)
    package = {
        "options": list(best_package["options"]), "names": facts.names(best_package["options"]),
        "value": best_package["value"],
        "tied_with": [list(p["options"]) for p in ranking["packages"][1:] if p["rank"] == 1],
        "first_rank_acceptability": package_share["acceptability"][0] if package_share else None,
        "among_packages": len(smaa["packages"]),
        "overturn": (_overturn_document(facts, stability["packages"])
                     if set(stability["best_package"]) == set(best_package["options"]) else None),
    }
    tie = ("Tied with " + wording.joined(wording.package(facts.names(t)) for t in package["tied_with"]) + ". "
           if package["tied_with"] else "")
    package["sentences"] = [
        f"{tie}Value {wording.value(package['value'])}, where the status quo is 0.",
        None if package["first_rank_acceptability"] is None else
        f"How sure: first among the {package['among_packages']} leading packages in "
        f"{wording.share(package['first_rank_acceptability'])} of {smaa['samples']:,} samples of weights and "
        f"uncertain effects ({wording.how_sure(package['first_rank_acceptability'])}).",
        _overturn_sentence(package["overturn"], "package"),
    ]
    best = ranking["options"][0]
    share = facts.acceptability.get(best["option"])
    option = {
        "option": best["option"], "name": facts.name(best["option"]), "value": best["value"],
        "tied_with": [entry["option"] for entry in ranking["options"][1:] if entry["rank"] == 1],
        "first_rank_acceptability": share["acceptability"][0] if share else None,
        "confidence": share["confidence"] if share else None,
        "overturn": (_overturn_document(facts, stability["options"])
                     if stability["best_option"] == best["option"] else None),
    }
    tie = ("Tied with " + wording.joined(facts.names(option["tied_with"])) + ". ") if option["tied_with"] else ""
    option["sentences"] = [
        f"{tie}Value {wording.value(option['value'])} on its own.",
        None if option["first_rank_acceptability"] is None else
        f"How sure: first among the options in {wording.share(option['first_rank_acceptability'])} of samples "
        f"({wording.how_sure(option['first_rank_acceptability'])}).",
        _overturn_sentence(option["overturn"], "single option"),
    ]
    for choice in (package, option):
        choice["sentences"] = [sentence for sentence in choice["sentences"] if sentence]
    # The robustness verdicts after the first two, which are about the best option and the best
    # package and so would repeat the sentences above (service.engine.robustness.verdicts).
    return {"best_package": package, "best_option": option, "further_verdicts": list(robustness["verdicts"][2:])}


def _overturn_sentence(overturn: dict | None, what: str) -> str:
    if overturn is None:
        return f"No change of a single weight, however large, makes another {what} best."
    more_or_less = "less" if overturn["direction"] == "below" else "more"
    return (f"What would overturn it: {overturn['name']} weighing {more_or_less} than "
            f"{wording.weight(overturn['bound'])} (now {wording.weight(overturn['weight'])}, the other weights "
            f"keeping their proportions), which makes {wording.package(overturn['successor_names'])} the best {what}.")


# -- The side-by-side table -----------------------------------------------------------------------


def _table(facts: _Facts) -> dict:
    rows = []
    for option in facts.compared_in_order:
        entry = facts.ranked.get(option)
        share = facts.acceptability.get(option)
        rows.append({"option": option, "name": facts.name(option),
                     "rank": entry["rank"] if entry else None, "value": entry["value"] if entry else None,
                     "first_rank_acceptability": share["acceptability"][0] if share else None,
                     "excluded": facts.excluded.get(option, []),
                     "effects": facts.effects[option]})
    return {"criteria": facts.criteria(), "rows": rows}


# -- Charts (as data; each format draws them and prints their text equivalent) --------------------


def _charts(facts: _Facts, workshop: dict | None) -> list[dict]:
    stability = facts.robustness["stability"]
    best_package = facts.best_package
    bars = [{"label": "Best package: " + wording.package(facts.names(best_package["options"])),
             "options": list(best_package["options"]), "value": best_package["value"],
             "contributions": dict(best_package["contributions"])}]
    bars += [{"label": facts.name(o), "options": [] if o == STATUS_QUO else [o], "value": facts.ranked[o]["value"],
              "contributions": dict(facts.ranked[o]["contributions"])}
             for o in facts.compared_in_order if o in facts.ranked]
    charts = [{
        "id": "contributions", "kind": "stacked-contributions",
        "title": "What each criterion contributes to the value",
        "summary": ("Stacked horizontal bars, one per option and one for the best package: each segment is a "
                    "criterion's weight times the effect, divided by 3; segments left of zero lower the value. "
                    "A diamond marks the value."),
        "criteria": facts.criteria(), "bars": bars,
    }]
    for kind, label, key in (("option", facts.name(stability["best_option"]), "options"),
                             ("package", wording.package(facts.names(stability["best_package"])), "packages")):
        rows = []
        for c in facts.model.criterion_ids:
            interval = stability[key][c]

            def successor(which, interval=interval):
                taker = interval[which]
                if taker is None:
                    return None
                return wording.package(facts.names([taker] if isinstance(taker, str) else taker))

            rows.append({"criterion": c, "name": facts.criterion_name(c), "weight": interval["weight"],
                         "lower": interval["lower"], "upper": interval["upper"],
                         "below": successor("below"), "above": successor("above")})
        charts.append({
            "id": f"{kind}-stability", "kind": "stability-intervals",
            "title": f"How far each weight can move before the best {'single option' if kind == 'option' else 'package'} changes",
            "choice": label,
            "summary": (f"For each criterion, the range of its weight (the others keeping their proportions) over which "
                        f"{label} stays the best {'single option' if kind == 'option' else 'package'}; "
                        f"a diamond marks the current weight."),
            "rows": rows,
        })
    if workshop:
        charts += _workshop_charts(facts, workshop["results"])
    return charts


def _workshop_charts(facts: _Facts, results: dict) -> list[dict]:
    participants = results["participants"]
    group = results["group"]
    options = [e["option"] for e in group["options"]]
    return [
        {"id": "participant-weights", "kind": "participant-weights",
         "title": "Each participant's weights and the group's mean",
         "summary": "Dots: each participant's normalized weight on each criterion, one marker shape per participant; "
                    "a bar marks the group's mean weight.",
         "criteria": facts.criteria(),
         "participants": [{"participant_id": p["participant_id"], "display_name": p["display_name"],
                           "weights": dict(p["weights"])} for p in participants],
         "group": dict(group["weights"])},
        {"id": "participant-rankings", "kind": "participant-rankings",
         "title": "How each participant ranks the options",
         "summary": "A grid with one row per participant and one column per option; each cell holds the rank "
                    "the participant's weights give the option (1 = best), darker for better ranks.",
         "options": [{"id": o, "name": facts.name(o)} for o in options],
         "participants": [{"participant_id": p["participant_id"], "display_name": p["display_name"],
                           "ranks": {e["option"]: e["rank"] for e in p["options"]}} for p in participants],
         "group": {e["option"]: e["rank"] for e in group["options"]}},
    ]


# -- One section per option -----------------------------------------------------------------------


def _option_section(facts: _Facts, option: str) -> dict:
    model = facts.model
    entry = facts.ranked.get(option)
    contributions = entry["contributions"] if entry else {}
    rows = []
    for c in model.criterion_ids:
        estimate = facts.effects[option][c]
        rows.append({"criterion": c, "name": facts.criterion_name(c), **estimate,
                     "contribution": contributions.get(c)})
    # Strongest first: by weighted contribution when ranked, by the effect itself when not.
    strength_of = (lambda r: abs(r["contribution"])) if entry else (lambda r: abs(r["likely"]))
    strengths = sorted((r for r in rows if r["likely"] > 0), key=strength_of, reverse=True)
    weaknesses = sorted((r for r in rows if r["likely"] < 0), key=strength_of, reverse=True)
    definition = model.option(option)
    return {
        "option": option, "name": definition.name, "recommendation": definition.recommendation,
        "summary": definition.summary,
        "rank": entry["rank"] if entry else None, "value": entry["value"] if entry else None,
        "excluded": facts.excluded.get(option, []),
        "first_rank_acceptability": facts.acceptability[option]["acceptability"][0] if option in facts.acceptability else None,
        "rank_range": ({"best": facts.rank_ranges[option]["best"], "worst": facts.rank_ranges[option]["worst"]}
                       if option in facts.rank_ranges else None),
        "strengths": strengths, "weaknesses": weaknesses,
        "evidence": _evidence(facts, option, strengths, weaknesses),
        "constraints": _constraints_on(facts, option),
        "in_best_package": option in facts.best_package["options"],
        "packages": _package_note(facts, option),
        "tradeoff": _tradeoff(facts, option),
    }


def _evidence(facts: _Facts, option: str, strengths: list[dict], weaknesses: list[dict]) -> list[dict]:
    model = facts.model
    quoted = [{"about": "option", "about_name": model.option(option).name, **e.to_document()}
              for e in model.option(option).evidence]
    by_criterion = {e.criterion: e for e in model.effects if e.option == option}
    for row in strengths[:QUOTED_EFFECTS_PER_SIDE] + weaknesses[:QUOTED_EFFECTS_PER_SIDE]:
        effect = by_criterion.get(row["criterion"])
        if effect is not None and effect.evidence:
            quoted.append({"about": row["criterion"], "about_name": row["name"], **effect.evidence[0].to_document()})
    unique, seen = [], set()
    for item in quoted:
        key = (item["quote"], item["lines"])
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _constraints_on(facts: _Facts, option: str) -> list[dict]:
    result = []
    for item in facts.constraint_items:
        if option in item.constraint.named_options():
            effect = "excludes" if item.constraint.type == "exclude" else "binds"
            result.append({"source": item.source, "effect": effect, "text": constraint_text(facts, item)})
    return result


def _package_note(facts: _Facts, option: str) -> dict | None:
    """Where the option stands among packages: in the best one, or the best package with it and its cost
    (from the rankings' `explanations`), or why no package can hold it."""
    if option == STATUS_QUO or option in facts.best_package["options"]:
        return None
    explanation = facts.explanations.get(option)
    if explanation is None:
        return None
    with_it = explanation["best_package_with_it"]
    return {"best_package_with_it": with_it, "names": facts.names(with_it) if with_it is not None else None,
            "value_loss": explanation["value_loss"], "reasons": list(explanation["reasons"])}


def _tradeoff(facts: _Facts, option: str) -> dict | None:
    """Against the runner-up for the best option, against the best option for every other one."""
    if option not in facts.ranked:
        return None
    rival = facts.runner_up if option == facts.best_option else facts.best_option
    if rival is None:
        return None
    mine, theirs = facts.ranked[option]["contributions"], facts.ranked[rival]["contributions"]
    gains = [{"criterion": c, "name": facts.criterion_name(c), "contribution": mine[c], "rival_contribution": theirs[c]}
             for c in facts.model.criterion_ids if mine[c] > theirs[c]]
    losses = [{"criterion": c, "name": facts.criterion_name(c), "contribution": mine[c], "rival_contribution": theirs[c]}
              for c in facts.model.criterion_ids if mine[c] < theirs[c]]
    gains.sort(key=lambda g: g["contribution"] - g["rival_contribution"], reverse=True)
    losses.sort(key=lambda g: g["contribution"] - g["rival_contribution"])
    pair = facts.pairwise.get((option, rival))
    return {"rival": rival, "rival_name": facts.name(rival),
            "relation": "runner-up" if option == facts.best_option else "best option",
            "value": facts.ranked[option]["value"], "rival_value": facts.ranked[rival]["value"],
            "gains": gains, "losses": losses,
            "min_difference": pair["min_difference"] if pair else None,
            "max_difference": pair["max_difference"] if pair else None,
            "necessary": pair["necessary"] if pair else None, "possible": pair["possible"] if pair else None}


# -- The workshop's view --------------------------------------------------------------------------


def _workshop_view(facts: _Facts, workshop: dict) -> dict:
    results = workshop["results"]
    participants = results["participants"]
    names = {p["participant_id"]: p["display_name"] for p in participants}
    option_ranks = []
    for entry in results["group"]["options"]:
        ranks = [next(e["rank"] for e in p["options"] if e["option"] == entry["option"]) for p in participants]
        option_ranks.append({"option": entry["option"], "name": facts.name(entry["option"]),
                             "group_rank": entry["rank"], "best": min(ranks), "worst": max(ranks)})
    agreed = [r for r in option_ranks if r["best"] == r["worst"]]
    split = sorted((r for r in option_ranks if r["best"] != r["worst"]), key=lambda r: r["best"] - r["worst"])
    contested = [{"criterion": c["criterion"], "name": facts.criterion_name(c["criterion"]),
                  "spread": c["spread"], "mean_weight": c["mean_weight"]} for c in results["contested_criteria"]]
    compromise = results["compromise"]
    kendall = results["consensus"]["kendall_w"]
    sentences = [f"Kendall's W over {results['consensus']['raters']} participants' rankings of "
                 f"{results['consensus']['options']} options is "
                 f"{'not defined' if kendall is None else f'{kendall:.2f}'}: {wording.agreement(kendall)}."]
    if agreed:
        sentences.append("Everyone ranks " + wording.joined(f"{r['name']} {wording.ordinal(r['best'])}" for r in agreed) + ".")
    if split:
        widest = split[0]
        sentences.append(f"The widest disagreement is on {widest['name']}, ranked from {wording.ordinal(widest['best'])} "
                         f"to {wording.ordinal(widest['worst'])}.")
    if contested:
        sentences.append("The most contested criteria (largest spread of weights): "
                         + wording.joined(c["name"] for c in contested[:3]) + ".")
    sentences.append(f"The compromise package, {wording.package(facts.names(compromise['package']))}, leaves no one "
                     f"more than {wording.value(compromise['max_regret'])} below their own best package.")
    return {
        "id": workshop["id"], "title": workshop["title"], "round": workshop["round"],
        "participants": [{"participant_id": p["participant_id"], "display_name": p["display_name"],
                          "weights": dict(p["weights"]), "best_package": list(p["best_package"]),
                          "best_package_names": facts.names(p["best_package"]), "best_value": p["best_value"]}
                         for p in participants],
        "consensus": dict(results["consensus"]),
        "option_ranks": option_ranks,
        "contested_criteria": contested,
        "group_best_package": list(results["group"]["best_package"]),
        "compromise": {"package": list(compromise["package"]), "names": facts.names(compromise["package"]),
                       "max_regret": compromise["max_regret"],
                       "regrets": [{"participant_id": pid, "display_name": names[pid], "regret": regret}
                                   for pid, regret in compromise["regrets"].items()]},
        "sentences": sentences,
    }


# -- Provenance -----------------------------------------------------------------------------------


def _provenance(model: DecisionModel, request: BriefRequest, ranking: dict, robustness: dict, workshop: dict | None) -> dict:
    inputs = {"brief_version": BRIEF_VERSION, "rankings": ranking["provenance"]["input_sha256"],
              "robustness": robustness["provenance"]["input_sha256"], "compared": list(request.compared),
              "title": request.title, "audience": request.audience,
              "workshop": None if workshop is None else {"id": workshop["id"], "round": workshop["round"],
                                                         "results": workshop["results"]}}
    return {
        "input_sha256": hashlib.sha256(canonical_json(inputs).encode()).hexdigest(),
        "rankings_input_sha256": ranking["provenance"]["input_sha256"],
        "robustness_input_sha256": robustness["provenance"]["input_sha256"],
        "model_id": model.id, "model_version": model.version,
        "engine_version": ranking["provenance"]["engine_version"],
        "solver": ranking["provenance"]["solver"],
        "smaa_samples": robustness["smaa"]["samples"], "smaa_seed": robustness["smaa"]["seed"],
        "brief_version": BRIEF_VERSION,
        "renderers": {name: _version(name) for name in ("matplotlib", "python-docx", "jinja2")},
    }


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
