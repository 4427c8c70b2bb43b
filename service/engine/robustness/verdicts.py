"""Plain sentences a workshop can read aloud, one or two per robustness result.

Built only from the analysis already computed (no new numbers), with the model's
option, criterion and scenario names.
"""

from __future__ import annotations

from models.domain import STATUS_QUO, DecisionModel


def option_name(model: DecisionModel, option_id: str) -> str:
    return model.option(option_id).name


def package_name(model: DecisionModel, options) -> str:
    if not options:
        return "the status quo (no option)"
    return " + ".join(option_name(model, o) for o in options)


def _scenario_name(model: DecisionModel, scenario_id: str | None) -> str:
    return "the model's one state of the world" if scenario_id is None else model.scenario(scenario_id).name


def _nearest_overturn(model: DecisionModel, intervals: dict, name_of) -> str:
    """The single-weight change closest to the current weights that changes the winner."""
    nearest = None
    for criterion, interval in intervals.items():
        for bound, taker, word in ((interval["lower"], interval["below"], "less"),
                                   (interval["upper"], interval["above"], "more")):
            if bound is None:
                continue
            distance = abs(bound - interval["weight"])
            if nearest is None or distance < nearest[0]:
                nearest = (distance, criterion, bound, taker, word, interval["weight"])
    if nearest is None:
        return "no change of a single weight, however large, overturns it"
    _, criterion, bound, taker, word, weight = nearest
    return (f"moving one weight at a time, the smallest change that overturns it is "
            f"{model.criterion(criterion).name} weighing {word} than {bound:.2f} (now {weight:.2f}), "
            f"which makes {name_of(taker)} best")


def verdicts(model: DecisionModel, analysis: dict) -> list[str]:
    """One or two sentences each on the best option, the best package, what is certain, and scenarios.

    The order is part of the contract: the first sentence is on the best option and the second
    on the best package (the briefs' headline states those two itself and shows the rest).
    """
    stability, smaa = analysis["stability"], analysis["smaa"]
    best_option = stability["best_option"]
    best_package = stability["best_package"]
    space = analysis["weight_space"]
    sentences = []

    if space["kind"] == "neighbourhood":
        low, high = space["factor"]
        weightings = f"weightings near these weights (each weight times {low:g} to {high:g})"
        over, no_weighting, throughout = ("Over the weightings near these weights", "No weighting near these weights",
                                          "at every one of them")
    else:
        weightings = "admissible weightings"
        over, no_weighting, throughout = "Over the admissible weights", "No admissible weighting", "whatever the weights"
    first_share = next(o["acceptability"][0] for o in smaa["options"] if o["option"] == best_option)
    sentences.append(
        f"{option_name(model, best_option)} is the best single option at these weights and ranks first in "
        f"{first_share:.0%} of {weightings} with uncertain effects (SMAA); "
        + _nearest_overturn(model, stability["options"], lambda o: option_name(model, o)) + ".")

    package_share = next(p["acceptability"][0] for p in smaa["packages"] if p["options"] == best_package)
    sentences.append(
        f"The best package, {package_name(model, best_package)}, ranks first among the {len(smaa['packages'])} "
        f"leading packages in {package_share:.0%} of samples; "
        + _nearest_overturn(model, stability["packages"], lambda p: package_name(model, p)) + ".")

    ranges = {r["option"]: r for r in analysis["rank_ranges"]}
    beaten = [p["b"] for p in analysis["pairwise"] if p["a"] == best_option and p["necessary"]]
    certain = f"{over}, {option_name(model, best_option)} ranks "
    best_rank, worst_rank = ranges[best_option]["best"], ranges[best_option]["worst"]
    certain += (f"{_ordinal(best_rank)} {throughout}" if best_rank == worst_rank
                else f"between {_ordinal(best_rank)} and {_ordinal(worst_rank)}")
    if beaten:
        certain += ", and is always at least as good as " + _joined(option_name(model, o) for o in beaten)
    sentences.append(certain + ".")
    never = [r["option"] for r in analysis["rank_ranges"] if r["best"] > 1 and r["option"] != STATUS_QUO]
    if never:
        sentences.append(f"{no_weighting} puts " + _joined(option_name(model, o) for o in never) + " first.")

    sweep = analysis["scenarios"]
    bests = {tuple(r["best_package"]) if r["best_package"] is not None else None: [] for r in sweep["rankings"]}
    for entry in sweep["rankings"]:
        bests[tuple(entry["best_package"]) if entry["best_package"] is not None else None].append(entry["scenario"])
    if len(bests) == 1 and None not in bests:
        scenario_sentence = f"The best package is the same in every scenario: {package_name(model, next(iter(bests)))}."
    else:
        parts = [f"{package_name(model, p) if p is not None else 'no feasible package'} in "
                 + _joined(_scenario_name(model, s) for s in scenarios) for p, scenarios in bests.items()]
        scenario_sentence = "The best package changes with the scenario: " + "; ".join(parts) + "."
    regret = sweep["minimax_regret"]
    if regret["package"] is not None and regret["max_regret"] <= 1e-9:
        scenario_sentence += (f" {package_name(model, regret['package'])} is best or tied for best in every scenario, "
                              "so hedging across scenarios costs nothing.")
    elif regret["package"] is not None:
        worst = max(regret["regrets"], key=lambda r: r["regret"])
        scenario_sentence += (f" Across scenarios, {package_name(model, regret['package'])} has the smallest maximum "
                              f"regret: it falls {regret['max_regret']:.3f} short of the best package at most, "
                              f"in {_scenario_name(model, worst['scenario'])}.")
    else:
        scenario_sentence += " No package is feasible in every scenario, so none hedges across them."
    sentences.append(scenario_sentence)
    return sentences


def _ordinal(rank: int) -> str:
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def _joined(names) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
