"""Plain sentences a workshop can read aloud, one or two per robustness result.

Built only from the analysis already computed (no new numbers), with the model's option,
criterion and scenario names, in the language in force (`?lang=` on the endpoint, DESIGN.md
§8.2; `service.i18n`). A weight is never said to go below 0 or above 1 (DESIGN.md §8.5).
"""

from __future__ import annotations

from models.domain import STATUS_QUO, DecisionModel
from service.i18n import _, format_decimal, format_ordinal, format_percent, localized, ngettext, semicolon_joined

# A stability bound this close to 0 or 1 is the end of the scale, not a threshold a weight crosses.
SCALE_END_TOLERANCE = 1e-9


def option_name(model: DecisionModel, option_id: str) -> str:
    return localized(model.option(option_id).name)[0]


def package_name(model: DecisionModel, options) -> str:
    if not options:
        return _("the status quo (no option)")
    return " + ".join(option_name(model, o) for o in options)


def _scenario_name(model: DecisionModel, scenario_id: str | None) -> str:
    if scenario_id is None:
        return _("the model's one state of the world")
    return localized(model.scenario(scenario_id).name)[0]


def _reachable(bound: float | None, word: str) -> bool:
    """Whether a weight can cross `bound` going down ("less") or up ("more"): no weight is below 0
    or above 1, so a bound at either end overturns nothing a reader can do."""
    if bound is None:
        return False
    return bound > SCALE_END_TOLERANCE if word == "less" else bound < 1 - SCALE_END_TOLERANCE


def _nearest_overturn(model: DecisionModel, intervals: dict, name_of) -> str:
    """The single-weight change closest to the current weights that changes the winner."""
    nearest = None
    for criterion, interval in intervals.items():
        for bound, taker, word in ((interval["lower"], interval["below"], "less"),
                                   (interval["upper"], interval["above"], "more")):
            if not _reachable(bound, word):
                continue
            distance = abs(bound - interval["weight"])
            if nearest is None or distance < nearest[0]:
                nearest = (distance, criterion, bound, taker, word, interval["weight"])
    if nearest is None:
        return _("no change of a single weight, however large, overturns it")
    _distance, criterion, bound, taker, word, weight = nearest
    values = {"criterion": localized(model.criterion(criterion).name)[0], "bound": format_decimal(bound),
              "weight": format_decimal(weight), "taker": name_of(taker)}
    if word == "less":
        return _("moving one weight at a time, the smallest change that overturns it is %(criterion)s weighing "
                 "less than %(bound)s (now %(weight)s), which makes %(taker)s best", **values)
    return _("moving one weight at a time, the smallest change that overturns it is %(criterion)s weighing "
             "more than %(bound)s (now %(weight)s), which makes %(taker)s best", **values)


def verdicts(model: DecisionModel, analysis: dict) -> list[str]:
    """One or two sentences each on the best option, the best package, what is certain, and scenarios.

    The order is part of the contract: the first sentence is on the best option and the second
    on the best package.
    """
    stability, smaa = analysis["stability"], analysis["smaa"]
    best_option = stability["best_option"]
    best_package = stability["best_package"]
    neighbourhood = analysis["weight_space"]["kind"] == "neighbourhood"
    sentences = []

    first_share = next(o["acceptability"][0] for o in smaa["options"] if o["option"] == best_option)
    values = {"option": option_name(model, best_option), "share": format_percent(first_share),
              "overturn": _nearest_overturn(model, stability["options"], lambda o: option_name(model, o))}
    if neighbourhood:
        low, high = analysis["weight_space"]["factor"]
        values.update(low=format_decimal(low), high=format_decimal(high))
        sentences.append(_("%(option)s is the best single option at these weights and ranks first in %(share)s of "
                           "the weightings near these weights (each weight times %(low)s to %(high)s) with "
                           "uncertain effects (SMAA); %(overturn)s.", **values))
    else:
        sentences.append(_("%(option)s is the best single option at these weights and ranks first in %(share)s of "
                           "the admissible weightings with uncertain effects (SMAA); %(overturn)s.", **values))

    package_share = next(p["acceptability"][0] for p in smaa["packages"] if p["options"] == best_package)
    sentences.append(ngettext(
        "The best package, %(package)s, ranks first among the %(num)s leading package in %(share)s of samples; "
        "%(overturn)s.",
        "The best package, %(package)s, ranks first among the %(num)s leading packages in %(share)s of samples; "
        "%(overturn)s.", len(smaa["packages"]), package=package_name(model, best_package),
        share=format_percent(package_share),
        overturn=_nearest_overturn(model, stability["packages"], lambda p: package_name(model, p))))

    ranges = {r["option"]: r for r in analysis["rank_ranges"]}
    beaten = [p["b"] for p in analysis["pairwise"] if p["a"] == best_option and p["necessary"]]
    best_rank, worst_rank = ranges[best_option]["best"], ranges[best_option]["worst"]
    values = {"option": option_name(model, best_option), "rank": format_ordinal(best_rank),
              "worst": format_ordinal(worst_rank)}
    if best_rank == worst_rank:
        certain = (_("Over the weightings near these weights, %(option)s ranks %(rank)s at every one of them", **values)
                   if neighbourhood else
                   _("Over the admissible weights, %(option)s ranks %(rank)s whatever the weights", **values))
    else:
        certain = (_("Over the weightings near these weights, %(option)s ranks between %(rank)s and %(worst)s", **values)
                   if neighbourhood else
                   _("Over the admissible weights, %(option)s ranks between %(rank)s and %(worst)s", **values))
    if beaten:
        certain = _("%(sentence)s, and is always at least as good as %(options)s",
                    sentence=certain, options=_joined(option_name(model, o) for o in beaten))
    sentences.append(certain + ".")
    never = [r["option"] for r in analysis["rank_ranges"] if r["best"] > 1 and r["option"] != STATUS_QUO]
    if never:
        options = _joined(option_name(model, o) for o in never)
        sentences.append(_("No weighting near these weights puts %(options)s first.", options=options) if neighbourhood
                         else _("No admissible weighting puts %(options)s first.", options=options))

    sentences.append(_scenario_sentence(model, analysis["scenarios"]))
    return sentences


def _scenario_sentence(model: DecisionModel, sweep: dict) -> str:
    bests: dict = {}
    for entry in sweep["rankings"]:
        key = tuple(entry["best_package"]) if entry["best_package"] is not None else None
        bests.setdefault(key, []).append(entry["scenario"])
    if len(bests) == 1 and None not in bests:
        sentence = _("The best package is the same in every scenario: %(package)s.",
                     package=package_name(model, next(iter(bests))))
    else:
        parts = [_("%(package)s in %(scenarios)s",
                   package=package_name(model, p) if p is not None else _("no feasible package"),
                   scenarios=_joined(_scenario_name(model, s) for s in scenarios)) for p, scenarios in bests.items()]
        sentence = _("The best package changes with the scenario: %(parts)s.", parts=semicolon_joined(parts))
    regret = sweep["minimax_regret"]
    if regret["package"] is not None and regret["max_regret"] <= 1e-9:
        return sentence + " " + _("%(package)s is best or tied for best in every scenario, so hedging across "
                                  "scenarios costs nothing.", package=package_name(model, regret["package"]))
    if regret["package"] is not None:
        worst = max(regret["regrets"], key=lambda r: r["regret"])
        return sentence + " " + _("Across scenarios, %(package)s has the smallest maximum regret: it falls %(regret)s "
                                  "short of the best package at most, in %(scenario)s.",
                                  package=package_name(model, regret["package"]),
                                  regret=format_decimal(regret["max_regret"], 3),
                                  scenario=_scenario_name(model, worst["scenario"]))
    return sentence + " " + _("No package is feasible in every scenario, so none hedges across them.")


def _joined(names) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return _("%(items)s and %(last)s", items=", ".join(names[:-1]), last=names[-1])
