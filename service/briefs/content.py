"""The structured content of a comparative option brief: the JSON format every other format renders.

`BriefRequest.from_fields` splits a brief request into the body the rankings endpoint
takes and the body the robustness endpoint takes; `build_brief` runs
`service.engine.ranking.rank` and `service.engine.robustness.analyse` on them and
arranges the results in the order a reader needs (DESIGN.md §8.5): first a summary that
stands alone (one sentence answering the question, the options' values with their
uncertainty, the main caveat), then for a workshop where the participants agree and
disagree, then the analyst's detail: the question and inputs, how sure and what would
change it, the side-by-side table, the charts (as data), one section per option, and
the provenance.

Every number in the brief is copied from those two results, from the model's effects
(with the scenario's deltas, as `performance_table` applies them), from the engine's
value of an option or package under the pessimistic and optimistic effects, or, for a
workshop, from its results (DESIGN.md §5.2) and counts and quartiles over them. Sentences
may round them. The only field that changes between two builds of the same input is
`generated_at`.

Sentences are written in the language in force (`service.i18n`), which the brief records
in `language`; model texts are taken in that language where the model has them
(DESIGN.md §8.2), and the brief lists those that fell back to English.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata

import numpy as np

from models.domain import SCORE_CASES, STATUS_QUO, Constraint, DecisionModel
from models.loader import canonical_json, constraint_from_fields
from models.validation import Problem
from service.briefs import wording
from service.engine.constraints import SourcedConstraint, sourced_constraints
from service.engine.errors import RequestInvalid
from service.engine.performance import VALUE_SCALE, performance_table
from service.engine.ranking import RankingRequest, option_ranking, rank
from service.engine.robustness import RobustnessRequest, analyse
from service.engine.settings import SolverSettings
from service.i18n import ModelTexts, _, current_language, localized, ngettext, quoted, semicolon_joined

BRIEF_VERSION = 2
RANKING_FIELDS = ("weights", "priority_order", "profile", "scenario", "score_case", "constraints", "k")
ROBUSTNESS_FIELDS = ("weight_intervals", "samples", "seed")
# Evidence quoted per option: its own, plus the first quote of its strongest strengths and weaknesses.
QUOTED_EFFECTS_PER_SIDE = 2
WEIGHT_AGREEMENT = 1e-12
# DESIGN.md §8.5: exact weights alone are analysed over each weight times a factor in this range.


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
        or repeated options. The rankings and robustness parts are checked when the brief is built.
        The default title is written in the language in force."""
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
        title = fields.get("title") or _("Comparative brief: %(model)s", model=localized(model.title)[0])
        return cls(rankings=rankings, robustness=robustness, compared=compared, title=title,
                   audience=fields.get("audience"))

    @classmethod
    def for_workshop(cls, model: DecisionModel, workshop: dict) -> BriefRequest:
        """The brief of a workshop round: the group's weights (mean of the participants' normalized
        weights, DESIGN.md §5.2) under the workshop's scenario and constraints."""
        rankings = {"weights": dict(workshop["results"]["group"]["weights"]), "scenario": workshop["scenario"],
                    "constraints": list(workshop["constraints"])}
        return cls(rankings=rankings, robustness=dict(rankings), compared=model.option_ids,
                   title=_("Workshop brief: %(workshop)s", workshop=workshop["title"]),
                   audience=_("Participants and facilitator of the workshop (round %(round)s)", round=workshop["round"]))


def build_brief(model: DecisionModel, request: BriefRequest, settings: SolverSettings = SolverSettings(), *,
                generated_at: datetime | None = None, workshop: dict | None = None) -> dict:
    """The brief as a JSON-ready dict (see `service.schemas.briefs.BriefSchema`), in the language in force.

    `workshop` (for a workshop brief) is `{"id", "title", "round", "scenario", "constraints",
    "results", "anonymous", "submissions"}` with `results` as `GET /api/v1/workshops/{id}/results`
    computes them and `submissions` mapping a participant id to `{"comment", "effect_overrides"}`
    as they submitted them. Raises what `RankingRequest.from_fields`, `RobustnessRequest.from_fields`,
    `rank` and `analyse` raise, with the pointers of robustness parameters moved under `/robustness`.
    """
    model = _as_seen_by_profile(model, request.rankings.get("profile"))
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
    facts = _Facts(model, ranking, robustness, request, workshop)
    stamp = (generated_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    question = _question(facts, request, workshop)
    headline = _headline(facts)
    brief = {
        "brief_version": BRIEF_VERSION,
        "kind": "workshop" if workshop else "model",
        "profile": ranking["profile"],
        "language": current_language(),
        "title": request.title,
        "audience": request.audience,
        "generated_at": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary": _summary(facts, headline, workshop),
        "question": question,
        "headline": headline,
        "table": _table(facts),
        "charts": _charts(facts, workshop),
        "options": [_option_section(facts, o) for o in facts.compared_in_order],
        "workshop": _workshop_view(facts, workshop) if workshop else None,
        "notes": _notes(facts, request),
        "warnings": list(dict.fromkeys(ranking["warnings"] + robustness["warnings"])),
        "untranslated": [],
        "provenance": _provenance(model, request, ranking, robustness, workshop),
    }
    brief["untranslated"] = list(facts.text.fell_back)  # after every model text was asked for
    return brief


def _as_seen_by_profile(model: DecisionModel, profile_id: str | None) -> DecisionModel:
    """The model with a profile's effect overrides (DESIGN.md §8.1), so the brief's effects are the
    ones its ranking used; the model itself when no profile is named (or profiles are not known)."""
    if profile_id is None or not hasattr(model, "with_effect_overrides"):
        return model
    try:
        profile = model.profile(profile_id)
    except KeyError:
        return model  # the ranking request reports the unknown profile with its pointer
    return model.with_effect_overrides(profile.effect_overrides)


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

    def __init__(self, model: DecisionModel, ranking: dict, robustness: dict, request: BriefRequest,
                 workshop: dict | None):
        self.model, self.ranking, self.robustness, self.workshop = model, ranking, robustness, workshop
        self.text = ModelTexts()  # a model text in the brief's language, remembering those that fell back
        compared = request.compared
        # Model rules, the scenario's unavailable options, then the request's, as the engine sees them.
        self.constraint_items = sourced_constraints(
            model, ranking["scenario"], [constraint_from_fields(c) for c in request.rankings.get("constraints", [])])
        self.ranked = {entry["option"]: entry for entry in ranking["options"]}
        self.excluded = {entry["option"]: entry["reasons"] for entry in ranking["excluded"]}
        self.explanations = {entry["option"]: entry for entry in ranking["explanations"]}
        self.acceptability = {entry["option"]: entry for entry in robustness["smaa"]["options"]}
        self.package_acceptability = {tuple(entry["options"]): entry for entry in robustness["smaa"]["packages"]}
        self.rank_ranges = {entry["option"]: entry for entry in robustness["rank_ranges"]}
        self.pairwise = {(entry["a"], entry["b"]): entry for entry in robustness["pairwise"]}
        self.tables = {case: performance_table(model, ranking["scenario"], case) for case in SCORE_CASES}
        self.weights = np.array([ranking["weights"][c] for c in self.tables["likely"].criterion_ids])
        self.effects = {}
        for option in model.option_ids:
            row = self.tables["likely"].option_index.get(option)
            self.effects[option] = {
                c: {case: (0.0 if row is None else float(self.tables[case].effects[row, j]))
                    for case in ("low", "likely", "high")}
                for j, c in enumerate(self.tables["likely"].criterion_ids)}
        # Each option's value under the pessimistic and optimistic effects, by the rankings' own function.
        self.case_values = {case: {e["option"]: e["value"] for e in option_ranking(
            model, self.tables[case], self.weights, set(), with_contributions=False)} for case in SCORE_CASES}
        ranked_order = [entry["option"] for entry in ranking["options"]]
        self.compared_in_order = ([o for o in ranked_order if o in compared]
                                  + [o for o in model.option_ids if o in compared and o not in self.ranked])
        self.best_option = ranking["options"][0]["option"]
        self.runner_up = ranking["options"][1]["option"] if len(ranking["options"]) > 1 else None
        self.best_package = ranking["packages"][0]
        self.space = weight_space(robustness)

    def name(self, option: str) -> str:
        return self.text(self.model.option(option).name)

    def names(self, options) -> list[str]:
        return [self.name(o) for o in options]

    def criterion_name(self, criterion: str) -> str:
        return self.text(self.model.criterion(criterion).name)

    def criteria(self) -> list[dict]:
        return [{"id": c.id, "name": self.text(c.name)} for c in self.model.criteria]

    def package_value(self, options, case: str) -> float:
        """A package's value when every effect takes its `case` value (interactions included)."""
        table = self.tables[case]
        members = {table.option_index[o] for o in options}
        return float(table.package_performance(members) @ self.weights) / VALUE_SCALE


# -- The weight space of "how sure" -----------------------------------------------------------------


def weight_space(robustness: dict) -> dict:
    """What the robustness analysis samples, as its result describes it (DESIGN.md §5.1, §8.5):

    - `neighbourhood`: exact weights alone, each times a factor in [low, high], renormalized
      (the result's `weight_space`);
    - `intervals`, `order`, `order-and-intervals`: the admissible weights of the request;
    - `everything`: every weight vector (intervals that bound nothing).
    """
    reported = robustness.get("weight_space") or {}
    if reported.get("kind") == "neighbourhood":
        return {"kind": "neighbourhood", "factors": [float(f) for f in reported["factor"]]}
    admissible = robustness.get("admissible_weights") or {}
    order = bool(admissible.get("order"))
    zero_by_order = set()
    if order:
        named = {c for group in admissible["order"] for c in group}
        zero_by_order = {c for c, (low, high) in admissible.get("intervals", {}).items()
                         if c not in named and low == 0 and high == 0}
    narrowed = any((low, high) != (0.0, 1.0) for c, (low, high) in admissible.get("intervals", {}).items()
                   if c not in zero_by_order)
    kind = ("order-and-intervals" if order and narrowed else "order" if order
            else "intervals" if narrowed else "everything")
    return {"kind": kind, "factors": None}


def space_phrase(space: dict, short: bool = False) -> str:
    """The weight space as a noun phrase a reader understands ("the weightings near these priorities ...");
    `short` for a sentence that follows one that said it in full."""
    kind = space["kind"]
    if short and kind == "everything":
        return _("all possible weightings")
    if kind == "neighbourhood":
        low, high = space["factors"]
        if abs((1 - low) - (high - 1)) < 1e-9:
            return _("the weightings near these priorities (each weight up to %(spread)s higher or lower)",
                     spread=wording.weight(high - 1))
        return _("the weightings near these priorities (each weight multiplied by %(low)s to %(high)s)",
                 low=wording.effect(low).lstrip("+"), high=wording.effect(high).lstrip("+"))
    return {
        "everything": _("all possible weightings, not only these priorities"),
        "order": _("the weightings that keep this order of importance"),
        "intervals": _("the weightings within the ranges given"),
        "order-and-intervals": _("the weightings that keep this order of importance within the ranges given"),
    }[kind]


# -- The summary (the first page) -------------------------------------------------------------------


def _summary(facts: _Facts, headline: dict, workshop: dict | None) -> dict:
    package = headline["best_package"]
    choice = wording.package(package["names"])
    space = facts.space
    share = package["first_rank_acceptability"]
    main = (_("%(choice)s serves the group's priorities best", choice=choice) if workshop
            else _("%(choice)s serves these priorities best", choice=choice))
    change = _change_clause(package["overturn"], package["options"], facts.names)
    if share is None:
        answer = _("%(main)s; %(change)s.", main=main, change=change)
    else:
        sure = _("it comes first in %(share)s of %(space)s, allowing for the uncertain effects (%(words)s)",
                 share=wording.share(share), space=space_phrase(space), words=wording.how_sure(share))
        answer = _("%(main)s: %(sure)s; %(change)s.", main=main, sure=sure, change=change)
    values = []
    if len(package["options"]) != 1:
        values.append(_value_row(facts, "package", package["options"],
                                 _("Best package: %(package)s", package=choice), share, recommended=True))
    for option in facts.compared_in_order:
        if option in facts.ranked:
            entry = facts.acceptability.get(option)
            values.append(_value_row(facts, "option", [] if option == STATUS_QUO else [option], facts.name(option),
                                     entry["acceptability"][0] if entry else None,
                                     recommended=package["options"] == [option]))
    return {
        "answer": answer,
        "choice": {"options": list(package["options"]), "names": list(package["names"])},
        "how_sure": {"share": share, "samples": facts.robustness["smaa"]["samples"], "weight_space": space,
                     "sentence": _how_sure_sentence(facts, choice, share)},
        "change": package["overturn"],
        "caveat": _caveat(facts, package),
        "priorities": _priorities_sentence(facts),
        "values": values,
    }


def _change_clause(overturn: dict | None, current: list[str], names) -> str:
    """What would change the choice, said as the change of package when the two differ by little."""
    if overturn is None:
        return _("no change to a single priority would displace it")
    added = [o for o in overturn["successor"] if o not in current]
    removed = [o for o in current if o not in overturn["successor"]]
    if not current:
        change = _("%(successor)s would be best", successor=wording.package(overturn["successor_names"]))
    elif added and removed:
        change = _("replacing %(removed)s with %(added)s would be best", removed=wording.joined(names(removed)),
                   added=wording.joined(names(added)))
    elif removed and not overturn["successor"]:
        change = _("the status quo would be best")
    elif removed:
        change = _("dropping %(options)s would be best", options=wording.joined(names(removed)))
    else:
        change = _("adding %(options)s would be best", options=wording.joined(names(added)))
    return _("%(change)s only if %(condition)s", change=change, condition=threshold(overturn))


def threshold(overturn: dict) -> str:
    """The condition under which a choice gives way, as a reader says it: "Peace process counted for
    less than 12% of the total weight (now 25%)", or "Personnel safety counted at all" for a bound at 0."""
    bound, weight = wording.weights_apart(overturn["bound"], overturn["weight"])
    arguments = {"criterion": overturn["name"], "bound": bound, "weight": weight}
    if bound == weight:  # a tie at the present weights: the smallest move either way decides
        arguments["weight"] = wording.weight(overturn["weight"])
        if overturn["direction"] == "below":
            return _("%(criterion)s counted even slightly less than now (%(weight)s of the total weight)", **arguments)
        return _("%(criterion)s counted even slightly more than now (%(weight)s of the total weight)", **arguments)
    if wording.at_scale_end(overturn["bound"]):
        if overturn["direction"] == "above":
            return _("%(criterion)s counted at all (now it does not)", **arguments)
        return _("any criterion other than %(criterion)s counted at all (now only it does)", **arguments)
    if overturn["direction"] == "below":
        return _("%(criterion)s counted for less than %(bound)s of the total weight (now %(weight)s)", **arguments)
    return _("%(criterion)s counted for more than %(bound)s of the total weight (now %(weight)s)", **arguments)


def _how_sure_sentence(facts: _Facts, choice: str, share: float | None) -> str:
    """"How sure" in one plain sentence: over which weights, and how often the choice comes first."""
    if share is None:
        return _("How sure: the robustness analysis did not rank %(choice)s among its leading packages.", choice=choice)
    sentence = _("How sure: over %(space)s, with every effect varying within its range, %(choice)s comes first in "
                 "%(share)s of %(samples)s draws (%(words)s).", space=space_phrase(facts.space), choice=choice,
                 share=wording.share(share), samples=wording.count(facts.robustness["smaa"]["samples"]),
                 words=wording.how_sure(share))
    if facts.space["kind"] == "everything":
        sentence += " " + _("This share does not depend on these priorities: any set of weights would get the same.")
    return sentence


def _caveat(facts: _Facts, package: dict) -> str:
    """The one caveat a reader most needs: a close call, a downside below the status quo, or the widest
    uncertainty that matters to the choice."""
    share = package["first_rank_acceptability"]
    rivals = [(entry["acceptability"][0], options) for options, entry in facts.package_acceptability.items()
              if list(options) != package["options"]]
    if share is not None and share < 0.5 and rivals:
        rival_share, rival = max(rivals, key=lambda item: item[0])
        if rival_share > 0:
            return _("It is a close call: %(rival)s comes first in %(share)s of the same draws.",
                     rival=wording.package(facts.names(rival)), share=wording.share(rival_share))
    if package["options"] and package["value_range"]["low"] < 0:
        return _("If the effects turn out at the pessimistic end of their ranges, %(choice)s would leave things worse "
                 "than the status quo (value %(low)s).", choice=wording.package(package["names"]),
                 low=wording.value(package["value_range"]["low"]))
    members = package["options"] or [facts.best_option]
    members = [o for o in members if o != STATUS_QUO]
    widest = max(((facts.weights[j] * (facts.effects[o][c]["high"] - facts.effects[o][c]["low"]), o, c)
                  for o in members for j, c in enumerate(facts.tables["likely"].criterion_ids)), default=None)
    if widest is None or widest[0] <= 0:
        return _("The effects are judgements read from the report, not measurements.")
    option, criterion = widest[1], widest[2]
    estimate = facts.effects[option][criterion]
    return _("The effects are judgements read from the report, not measurements; the uncertainty that matters most "
             "here is the effect of %(option)s on %(criterion)s, anywhere from %(low)s to %(high)s.",
             option=facts.name(option), criterion=facts.criterion_name(criterion),
             low=wording.effect(estimate["low"]), high=wording.effect(estimate["high"]))


def _priorities_sentence(facts: _Facts) -> str:
    weights = facts.ranking["weights"]
    counted = sorted((c for c in facts.model.criterion_ids if weights[c] > 0), key=lambda c: -weights[c])
    listed = ", ".join(f"{facts.criterion_name(c)} {wording.weight(weights[c])}" for c in counted)
    left_out = [facts.criterion_name(c) for c in facts.model.criterion_ids if weights[c] <= 0]
    if left_out:
        return _("Priorities used (share of the total weight): %(listed)s; not counted: %(left_out)s.",
                 listed=listed, left_out=wording.joined(left_out))
    return _("Priorities used (share of the total weight): %(listed)s.", listed=listed)


def _value_row(facts: _Facts, kind: str, options: list[str], label: str, share: float | None,
               recommended: bool) -> dict:
    return {"kind": kind, "options": list(options), "label": label, "recommended": recommended,
            **{case: facts.package_value(options, case) for case in SCORE_CASES},
            "first_rank_acceptability": share}


# -- The question ---------------------------------------------------------------------------------


def _question(facts: _Facts, request: BriefRequest, workshop: dict | None) -> dict:
    model, ranking = facts.model, facts.ranking
    scenario = model.scenario(ranking["scenario"]) if ranking["scenario"] else None
    title = facts.text(model.title)
    if workshop:
        given_as = ngettext("the group's weights: the mean of the weights of the %(num)s participant who submitted "
                            "in round %(round)s",
                            "the group's weights: the mean of the weights of the %(num)s participants who submitted "
                            "in round %(round)s", len(workshop["results"]["participants"]), round=workshop["round"])
    elif "profile" in request.rankings:
        given_as = _("the priorities of the profile %(profile)s",
                     profile=quoted(facts.text(model.profile(request.rankings["profile"]).label)))
    elif "weights" in request.rankings:
        given_as = _("weights, each taken as its share of the total")
    else:
        given_as = _("an order of importance, turned into weights (rank-order centroid)")
    if scenario and workshop:
        text = _("Which of the options of %(model)s, alone or combined, best serves the workshop's priorities under "
                 "the scenario %(scenario)s, how sure is that, and where do the participants disagree?",
                 model=quoted(title), scenario=quoted(facts.text(scenario.name)))
    elif workshop:
        text = _("Which of the options of %(model)s, alone or combined, best serves the workshop's priorities, how "
                 "sure is that, and where do the participants disagree?", model=quoted(title))
    elif scenario:
        text = _("Which of the options of %(model)s, alone or combined, best serves these priorities under the "
                 "scenario %(scenario)s, and how sure is that?", model=quoted(title),
                 scenario=quoted(facts.text(scenario.name)))
    else:
        text = _("Which of the options of %(model)s, alone or combined, best serves these priorities, and how sure "
                 "is that?", model=quoted(title))
    return {
        "text": text,
        "model": {"id": model.id, "version": model.version, "title": title,
                  "source": {key: model.source[key] for key in ("title", "author", "year", "publisher") if key in model.source}},
        "scenario": None if scenario is None else {"id": scenario.id, "name": facts.text(scenario.name),
                                                   "description": facts.text(scenario.description)},
        "score_case": ranking["score_case"],
        "scale": {"min": model.scale_min, "max": model.scale_max},
        "priorities": {"given_as": given_as,
                       "weights": [{"criterion": c.id, "name": facts.text(c.name), "weight": ranking["weights"][c.id]}
                                   for c in model.criteria]},
        "constraints": [{"number": number, "source": item.source, "text": constraint_text(facts, item),
                         "reason": facts.text(item.constraint.rationale) if item.constraint.rationale else None}
                        for number, item in enumerate(facts.constraint_items, start=1)],
        "compared": list(facts.compared_in_order),
    }


def constraint_text(facts: _Facts, item: SourcedConstraint) -> str:
    """A constraint in words, with option and criterion names (its reason is given apart)."""
    c: Constraint = item.constraint
    source = item.source
    if source["source"] == "scenario":
        return _("%(option)s is not available in this scenario", option=facts.name(c.options[0]))
    names = facts.names(c.options)
    text = {
        "include": lambda: _("every package includes %(options)s", options=wording.joined(names)),
        "exclude": lambda: _("%(options)s may not be chosen", options=wording.joined(names)),
        "requires": lambda: _("%(option)s can be chosen only with %(required)s", option=facts.name(c.option),
                              required=facts.name(c.requires)),
        "excludes": lambda: _("%(options)s cannot all be chosen together", options=wording.joined(names)),
        "at_most": lambda: _("at most %(count)s of %(options)s", count=c.count, options=wording.joined(names, "or")),
        "at_least": lambda: _("at least %(count)s of %(options)s", count=c.count, options=wording.joined(names)),
        "max_options": lambda: ngettext("at most %(num)s option in a package", "at most %(num)s options in a package",
                                        c.count),
        "min_performance": lambda: _("the effect on %(criterion)s is at least %(minimum)s",
                                     criterion=facts.criterion_name(c.criterion), minimum=wording.effect(c.at_least)),
    }[c.type]()
    if source["source"] == "request":
        return _("Asked for in this brief: %(rule)s", rule=text)
    return text[:1].upper() + text[1:]


# -- The headline ---------------------------------------------------------------------------------


def nearest_overturn(intervals: dict) -> dict | None:
    """The reachable stability bound closest to the current weight, over all criteria: the smallest
    one-weight change that overturns the best choice (None when no change does). A bound at 0 or 1
    is the end of the scale, not a change anyone can make (DESIGN.md §8.5), so it is passed over."""
    nearest = None
    for criterion, interval in intervals.items():
        for bound, successor, direction in ((interval["lower"], interval["below"], "below"),
                                            (interval["upper"], interval["above"], "above")):
            if not wording.reachable(bound, direction) or successor is None:
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
    package_share = facts.package_acceptability.get(tuple(best_package["options"]))
    package = {
        "options": list(best_package["options"]), "names": facts.names(best_package["options"]),
        "value": best_package["value"],
        "value_range": {"low": facts.package_value(best_package["options"], "low"),
                        "high": facts.package_value(best_package["options"], "high")},
        "tied_with": [list(p["options"]) for p in ranking["packages"][1:] if p["rank"] == 1],
        "first_rank_acceptability": package_share["acceptability"][0] if package_share else None,
        "among_packages": len(smaa["packages"]),
        "overturn": (_overturn_document(facts, stability["packages"])
                     if set(stability["best_package"]) == set(best_package["options"]) else None),
    }
    package["sentences"] = _choice_sentences(facts, package, "package")
    best = ranking["options"][0]
    share = facts.acceptability.get(best["option"])
    option = {
        "option": best["option"], "name": facts.name(best["option"]), "value": best["value"],
        "value_range": {"low": facts.case_values["low"][best["option"]], "high": facts.case_values["high"][best["option"]]},
        "tied_with": [entry["option"] for entry in ranking["options"][1:] if entry["rank"] == 1],
        "first_rank_acceptability": share["acceptability"][0] if share else None,
        "confidence": share["confidence"] if share else None,
        "overturn": (_overturn_document(facts, stability["options"])
                     if stability["best_option"] == best["option"] else None),
    }
    option["sentences"] = _choice_sentences(facts, option, "option")
    return {"best_package": package, "best_option": option, "further": _further_sentences(facts)}


def _choice_sentences(facts: _Facts, choice: dict, kind: str) -> list[str]:
    sentences = []
    if choice["tied_with"]:
        tied = [wording.package(facts.names(t)) for t in choice["tied_with"]] if kind == "package" \
            else facts.names(choice["tied_with"])
        sentences.append(_("Tied with %(others)s.", others=wording.joined(tied)))
    sentences.append(_("Value %(value)s, where the status quo is 0: from %(low)s with every effect at its pessimistic "
                       "value to %(high)s at its optimistic value.", value=wording.value(choice["value"]),
                       low=wording.value(choice["value_range"]["low"]), high=wording.value(choice["value_range"]["high"])))
    share, samples = choice["first_rank_acceptability"], wording.count(facts.robustness["smaa"]["samples"])
    if share is not None and kind == "package":
        sentences.append(_("First among the %(count)s leading packages in %(share)s of %(samples)s draws of weights "
                           "and effects (%(words)s).", count=choice["among_packages"], share=wording.share(share),
                           samples=samples, words=wording.how_sure(share)))
    elif share is not None:
        sentences.append(_("First among the single options in %(share)s of %(samples)s draws (%(words)s).",
                           share=wording.share(share), samples=samples, words=wording.how_sure(share)))
    overturn = choice["overturn"]
    if overturn is None:
        sentences.append(_("No change of a single weight, however large, makes another package best.") if kind == "package"
                         else _("No change of a single weight, however large, makes another option best."))
    else:
        sentences.append(_("What would change it: %(successor)s would be best if %(condition)s, the other weights "
                           "keeping their proportions.", successor=wording.package(overturn["successor_names"]),
                           condition=threshold(overturn)))
    return sentences


def _further_sentences(facts: _Facts) -> list[str]:
    """What else the robustness analysis says, from its numbers: rank ranges, options never first,
    and the scenarios."""
    robustness, space = facts.robustness, space_phrase(facts.space, short=True)
    sentences = []
    best = facts.best_option
    ranks = facts.rank_ranges.get(best)
    if ranks:
        beaten = [p["b"] for p in robustness["pairwise"] if p["a"] == best and p["necessary"]]
        # One message per case, not a rank phrase slotted in: French says "au rang 1" but "du rang 1 au rang 2".
        values = {"space": space, "option": facts.name(best), "rank": ranks["best"], "best": ranks["best"],
                  "worst": ranks["worst"], "others": wording.joined(facts.names(beaten))}
        if beaten and ranks["best"] == ranks["worst"]:
            sentence = _("Over %(space)s, %(option)s takes rank %(rank)s and is always at least as good as "
                         "%(others)s.", **values)
        elif beaten:
            sentence = _("Over %(space)s, %(option)s takes ranks %(best)s to %(worst)s and is always at least as "
                         "good as %(others)s.", **values)
        elif ranks["best"] == ranks["worst"]:
            sentence = _("Over %(space)s, %(option)s takes rank %(rank)s.", **values)
        else:
            sentence = _("Over %(space)s, %(option)s takes ranks %(best)s to %(worst)s.", **values)
        sentences.append(sentence)
    never = [r["option"] for r in robustness["rank_ranges"] if r["best"] > 1 and r["option"] != STATUS_QUO]
    if never:
        sentences.append(ngettext("%(options)s never comes first over %(space)s.",
                                  "%(options)s never come first over %(space)s.", len(never),
                                  options=wording.joined(facts.names(never)), space=space))
    sweep = robustness["scenarios"]
    bests: dict = {}
    for entry in sweep["rankings"]:
        key = tuple(entry["best_package"]) if entry["best_package"] is not None else None
        bests.setdefault(key, []).append(entry["scenario"])
    scenario_name = (lambda s: facts.text(facts.model.scenario(s).name) if s is not None
                     else _("the model's one state of the world"))
    if len(bests) == 1 and None not in bests:
        sentences.append(_("The best package is the same in every scenario."))
    elif bests:
        parts = [_("%(package)s in %(scenarios)s", package=wording.package(facts.names(p)) if p is not None
                   else _("no feasible package"), scenarios=wording.joined(scenario_name(s) for s in scenarios))
                 for p, scenarios in bests.items()]
        sentences.append(_("The best package changes with the scenario: %(list)s.", list=semicolon_joined(parts)))
    regret = sweep["minimax_regret"]
    if regret["package"] is not None and regret["max_regret"] > 1e-9:
        sentences.append(_("Hedging across scenarios, %(package)s falls at most %(regret)s short of the best package "
                           "of any scenario.", package=wording.package(facts.names(regret["package"])),
                           regret=wording.precise_value(regret["max_regret"])))
    return sentences


# -- Notes on the input -----------------------------------------------------------------------------


def _notes(facts: _Facts, request: BriefRequest) -> list[str]:
    """What a reader should know about the input, in words (the engine's warnings, for API clients,
    stay in `warnings`)."""
    notes = []
    weights = facts.ranking["weights"]
    zero = [facts.criterion_name(c) for c in facts.model.criterion_ids if weights[c] <= 0]
    if zero:
        notes.append(ngettext("%(criteria)s was given no weight: it does not count in this brief.",
                              "%(criteria)s were given no weight: they do not count in this brief.", len(zero),
                              criteria=wording.joined(zero)))
    explained = len(facts.explanations)
    missing = [o for o in facts.compared_in_order if o in facts.ranked and o not in facts.explanations
               and o != STATUS_QUO and o not in facts.best_package["options"]]
    if missing and explained:
        notes.append(_("The best package including each option is worked out for the %(count)s options with the "
                       "highest value on their own only.", count=explained))
    return notes


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
                     "excluded_because": _exclusion_reasons(facts, option),
                     "effects": facts.effects[option]})
    return {"criteria": facts.criteria(), "rows": rows}


def _exclusion_reasons(facts: _Facts, option: str) -> list[str]:
    """Why an option is left out of the ranking, in words (the engine's `excluded` reasons name rules
    by id, for API clients): the scenario, or a rule by its number in the brief."""
    reasons = []
    for number, item in enumerate(facts.constraint_items, start=1):
        if item.constraint.type == "exclude" and option in item.constraint.options:
            reasons.append(_("not available in this scenario") if item.source["source"] == "scenario"
                           else _("left out by rule %(number)s", number=number))
    return reasons


# -- Charts (as data; each format draws them and prints their text equivalent) --------------------


def _charts(facts: _Facts, workshop: dict | None) -> list[dict]:
    stability = facts.robustness["stability"]
    best_package = facts.best_package
    bars = [{"label": _("Best package: %(package)s", package=wording.package(facts.names(best_package["options"]))),
             "options": list(best_package["options"]), "value": best_package["value"],
             "contributions": dict(best_package["contributions"])}]
    bars += [{"label": facts.name(o), "options": [] if o == STATUS_QUO else [o], "value": facts.ranked[o]["value"],
              "contributions": dict(facts.ranked[o]["contributions"])}
             for o in facts.compared_in_order if o in facts.ranked and o != STATUS_QUO]
    charts = [{
        "id": "contributions", "kind": "stacked-contributions",
        "title": _("What each criterion adds to each option's value"),
        "summary": _("Horizontal bars, one per option and one for the best package: each segment is what one criterion "
                     "adds (right of zero) or takes away (left of zero), its weight times the effect divided by 3; "
                     "a diamond marks the value."),
        "criteria": facts.criteria(), "bars": bars,
    }]
    series = [("package", wording.package(facts.names(stability["best_package"])), "packages")]
    if list(stability["best_package"]) != [stability["best_option"]]:
        series.append(("option", facts.name(stability["best_option"]), "options"))
    described = []
    for kind, label, key in series:
        rows = []
        for c in facts.model.criterion_ids:
            interval = stability[key][c]

            def successor(which, bound, interval=interval):
                taker = interval[which]
                if taker is None or not wording.reachable(bound, which):
                    return None
                return wording.package(facts.names([taker] if isinstance(taker, str) else taker))

            rows.append({"criterion": c, "name": facts.criterion_name(c), "weight": interval["weight"],
                         "lower": interval["lower"], "upper": interval["upper"],
                         "below": successor("below", interval["lower"]), "above": successor("above", interval["upper"])})
        described.append({"kind": kind, "choice": label, "rows": rows})
    charts.append({
        "id": "stability", "kind": "stability-intervals",
        "title": _("How far each weight can move before the best choice changes"),
        "summary": (_("For each criterion, the range of its weight (the others keeping their proportions) over which "
                      "the best package, %(package)s, stays best, and under it the range for the best single option, "
                      "%(option)s; a diamond marks the weight now.", package=series[0][1], option=series[1][1])
                    if len(series) > 1 else
                    _("For each criterion, the range of its weight (the others keeping their proportions) over which "
                      "%(choice)s stays best; a diamond marks the weight now.", choice=series[0][1])),
        "series": described,
    })
    if workshop:
        charts += _workshop_charts(facts, workshop["results"])
    return charts


def _workshop_charts(facts: _Facts, results: dict) -> list[dict]:
    participants = results["participants"]
    criteria = facts.model.criterion_ids
    weights = np.array([[p["weights"].get(c, 0.0) for c in criteria] for p in participants]).reshape(
        len(participants), len(criteria))
    quartiles = np.percentile(weights, [0, 25, 50, 75, 100], axis=0) if len(participants) else np.zeros((5, len(criteria)))
    distribution = [{"criterion": c, "name": facts.criterion_name(c),
                     "minimum": float(quartiles[0, j]), "lower_quartile": float(quartiles[1, j]),
                     "median": float(quartiles[2, j]), "upper_quartile": float(quartiles[3, j]),
                     "maximum": float(quartiles[4, j]), "mean": float(results["group"]["weights"][c])}
                    for j, c in enumerate(criteria)]
    options = [e["option"] for e in results["group"]["options"]]
    counts = rank_counts(participants, options)
    return [
        {"id": "weight-distribution", "kind": "weight-distribution",
         "title": _("How the participants weigh each criterion"),
         "summary": _("For each criterion, the spread of the participants' weights: a line from the lowest to the "
                      "highest, a box over the middle half, a bar at the median and a diamond at the group's mean."),
         "participants": len(participants), "rows": distribution},
        {"id": "rank-distribution", "kind": "rank-distribution",
         "title": _("How many participants put each option at each rank"),
         "summary": _("A grid with one row per option and one column per rank (1 = best): each cell counts the "
                      "participants whose weights give the option that rank; darker cells count more."),
         "participants": len(participants),
         "options": [{"id": o, "name": facts.name(o)} for o in options],
         "ranks": list(range(1, len(options) + 1)),
         "counts": [counts[o] for o in options]},
    ]


def rank_counts(participants: list[dict], options: list[str]) -> dict[str, list[int]]:
    """For each option, how many participants give it rank 1, 2, ... (ties share the rank they take)."""
    counts = {o: [0] * len(options) for o in options}
    for participant in participants:
        for entry in participant["options"]:
            if entry["option"] in counts and 1 <= entry["rank"] <= len(options):
                counts[entry["option"]][entry["rank"] - 1] += 1
    return counts


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
        "option": option, "name": facts.name(option), "recommendation": definition.recommendation,
        "summary": facts.text(definition.summary),
        "rank": entry["rank"] if entry else None, "value": entry["value"] if entry else None,
        "value_range": ({"low": facts.case_values["low"][option], "high": facts.case_values["high"][option]}
                        if entry else None),
        "excluded": facts.excluded.get(option, []),
        "excluded_because": _exclusion_reasons(facts, option),
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
    quoted_items = [{"about": "option", "about_name": facts.name(option), **e.to_document()}
                    for e in model.option(option).evidence]
    by_criterion = {e.criterion: e for e in model.effects if e.option == option}
    for row in strengths[:QUOTED_EFFECTS_PER_SIDE] + weaknesses[:QUOTED_EFFECTS_PER_SIDE]:
        effect = by_criterion.get(row["criterion"])
        if effect is not None and effect.evidence:
            quoted_items.append({"about": row["criterion"], "about_name": row["name"], **effect.evidence[0].to_document()})
    unique, seen = [], set()
    for item in quoted_items:
        key = (item["quote"], item["lines"])
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _constraints_on(facts: _Facts, option: str) -> list[dict]:
    result = []
    for number, item in enumerate(facts.constraint_items, start=1):
        if option in item.constraint.named_options():
            effect = "excludes" if item.constraint.type == "exclude" else "binds"
            result.append({"number": number, "source": item.source, "effect": effect,
                           "text": constraint_text(facts, item)})
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


def participant_labels(participants: list[dict], anonymous: bool, numbers: dict[str, int] | None = None) -> dict[str, str]:
    """How a brief names each participant: "Participant k" when the workshop is anonymous (DESIGN.md
    §8.3), k their number in `numbers` (the order everyone joined, as the dashboard and the projection
    number them) or else their place in the results; their display name otherwise."""
    numbers = numbers or {p["participant_id"]: k for k, p in enumerate(participants, start=1)}
    return {p["participant_id"]: (_("Participant %(number)s", number=numbers[p["participant_id"]]) if anonymous
                                  else p["display_name"]) for p in participants}


def _workshop_view(facts: _Facts, workshop: dict) -> dict:
    """Agreement and disagreement from the round's results: aggregated over the participants (counts,
    extremes, quartiles), so its cost grows with their number and nothing is re-analysed."""
    results = workshop["results"]
    participants = results["participants"]
    anonymous = bool(workshop.get("anonymous", False))
    labels = participant_labels(participants, anonymous, workshop.get("participant_numbers"))
    group_options = [e["option"] for e in results["group"]["options"]]
    counts = rank_counts(participants, group_options)
    option_ranks = []
    for entry in results["group"]["options"]:
        given = [r + 1 for r, n in enumerate(counts[entry["option"]]) if n]
        option_ranks.append({"option": entry["option"], "name": facts.name(entry["option"]),
                             "group_rank": entry["rank"], "best": min(given, default=entry["rank"]),
                             "worst": max(given, default=entry["rank"]),
                             "first": counts[entry["option"]][0]})
    contested = [{"criterion": c["criterion"], "name": facts.criterion_name(c["criterion"]),
                  "spread": c["spread"], "mean_weight": c["mean_weight"]} for c in results["contested_criteria"]]
    compromise = results["compromise"]
    regrets = compromise["regrets"]
    no_loss = sum(1 for value in regrets.values() if value <= 1e-9)
    submissions = workshop.get("submissions") or {}
    comments, overrides = [], []
    for p in participants:
        given = submissions.get(p["participant_id"]) or {}
        if given.get("comment"):
            comments.append({"participant": labels[p["participant_id"]], "comment": given["comment"]})
        for item in given.get("effect_overrides") or []:
            model_value = facts.model.effect(item["option"], item["criterion"]).likely
            overrides.append({"participant": labels[p["participant_id"]], "option": item["option"],
                              "option_name": facts.name(item["option"]), "criterion": item["criterion"],
                              "criterion_name": facts.criterion_name(item["criterion"]),
                              "model_likely": model_value, "likely": item["likely"],
                              "rationale": item.get("rationale") or None})
    view = {
        "id": workshop["id"], "title": workshop["title"], "round": workshop["round"], "anonymous": anonymous,
        "participant_count": len(participants),
        "participants": [{"label": labels[p["participant_id"]], "weights": dict(p["weights"]),
                          "best_package": list(p["best_package"]), "best_package_names": facts.names(p["best_package"]),
                          "best_value": p["best_value"], "regret": regrets.get(p["participant_id"])}
                         for p in participants],
        "consensus": dict(results["consensus"]),
        "option_ranks": option_ranks,
        "contested_criteria": contested,
        "group_best_package": list(results["group"]["best_package"]),
        "compromise": {"package": list(compromise["package"]), "names": facts.names(compromise["package"]),
                       "max_regret": compromise["max_regret"], "without_loss": no_loss},
        "comments": comments,
        "effect_overrides": overrides,
    }
    view["sentences"] = _workshop_sentences(view)
    return view


def _workshop_sentences(view: dict) -> list[str]:
    consensus, count = view["consensus"], view["participant_count"]
    kendall = consensus["kendall_w"]
    sentences = []
    if kendall is None:
        sentences.append(_("The participants' rankings of the options show %(agreement)s.",
                           agreement=wording.agreement(kendall)))
    else:
        sentences.append(ngettext("The participants' rankings of the options show %(agreement)s (Kendall's W %(w)s "
                                  "over %(num)s participant).",
                                  "The participants' rankings of the options show %(agreement)s (Kendall's W %(w)s "
                                  "over %(num)s participants).", consensus["raters"],
                                  agreement=wording.agreement(kendall),
                                  w=wording.effect(kendall).lstrip("+")))
    agreed = [r for r in view["option_ranks"] if r["best"] == r["worst"]]
    if agreed and count > 1:
        # TRANSLATORS: one item of "Everyone gives %(list)s.": an option and the rank everyone gives it.
        given = [_("%(option)s %(rank)s", option=r["name"], rank=wording.rank(r["best"])) for r in agreed]
        sentences.append(_("Everyone gives %(list)s.", list=wording.joined(given)))
    split = sorted((r for r in view["option_ranks"] if r["best"] != r["worst"]), key=lambda r: r["best"] - r["worst"])
    if split:
        widest = split[0]
        sentences.append(_("Opinions differ most on %(option)s, placed anywhere from rank %(best)s to rank %(worst)s.",
                           option=widest["name"], best=widest["best"], worst=widest["worst"]))
    if view["contested_criteria"]:
        sentences.append(_("The priorities differ most on %(criteria)s.",
                           criteria=wording.joined(c["name"] for c in view["contested_criteria"][:3])))
    compromise = view["compromise"]
    if compromise["max_regret"] <= 1e-9:
        sentences.append(_("The compromise package, %(package)s, is every participant's own best package.",
                           package=wording.package(compromise["names"])))
    else:
        sentences.append(ngettext(
            "The compromise package, %(package)s, leaves no one more than %(regret)s below their own best package; "
            "%(without)s of %(num)s participants loses nothing with it.",
            "The compromise package, %(package)s, leaves no one more than %(regret)s below their own best package; "
            "%(without)s of %(num)s participants lose nothing with it.", compromise["without_loss"], num=count,
            package=wording.package(compromise["names"]), regret=wording.precise_value(compromise["max_regret"]),
            without=compromise["without_loss"]))
    if view["effect_overrides"]:
        people = len({o["participant"] for o in view["effect_overrides"]})
        # The plural follows the number of effects; people > 1 means at least two effects.
        sentences.append(ngettext("%(people)s participants disagreed with %(num)s effect of the model (below, "
                                  "with their reasons).",
                                  "%(people)s participants disagreed with %(num)s of the model's effects (below, "
                                  "with their reasons).", len(view["effect_overrides"]), people=people)
                         if people > 1 else
                         ngettext("One participant disagreed with %(num)s effect of the model (below, with "
                                  "their reasons).",
                                  "One participant disagreed with %(num)s of the model's effects (below, with "
                                  "their reasons).", len(view["effect_overrides"])))
    return sentences


# -- Provenance -----------------------------------------------------------------------------------


def _provenance(model: DecisionModel, request: BriefRequest, ranking: dict, robustness: dict, workshop: dict | None) -> dict:
    inputs = {"brief_version": BRIEF_VERSION, "language": current_language(),
              "rankings": ranking["provenance"]["input_sha256"],
              "robustness": robustness["provenance"]["input_sha256"], "compared": list(request.compared),
              "title": request.title, "audience": request.audience,
              "workshop": None if workshop is None else {
                  "id": workshop["id"], "round": workshop["round"], "results": workshop["results"],
                  "anonymous": bool(workshop.get("anonymous", False)), "submissions": workshop.get("submissions")}}
    return {
        "input_sha256": hashlib.sha256(canonical_json(inputs).encode()).hexdigest(),
        "rankings_input_sha256": ranking["provenance"]["input_sha256"],
        "robustness_input_sha256": robustness["provenance"]["input_sha256"],
        "model_id": model.id, "model_version": model.version,
        "engine_version": ranking["provenance"]["engine_version"],
        "solver": ranking["provenance"]["solver"],
        "smaa_samples": robustness["smaa"]["samples"], "smaa_seed": robustness["smaa"]["seed"],
        "brief_version": BRIEF_VERSION,
        "renderers": {name: _version(name) for name in ("jinja2", "python-docx", "pillow", "weasyprint")},
    }


@functools.cache  # reading a distribution's metadata costs milliseconds; it does not change while the process runs
def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
