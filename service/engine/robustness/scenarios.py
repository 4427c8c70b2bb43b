"""The ranking under every scenario of a model, and the package with the smallest maximum regret.

Minimax regret (DESIGN.md §7; Savage 1951): among packages feasible in every scenario,
the one minimizing max over scenarios s of (value of the best package feasible in s) -
(its value in s), at the request's weights and score case. While the model is small
enough to list every package (`packages.ENUMERATION_LIMIT`) this is exact enumeration;
beyond, a MILP (`linear_programs.minimax_regret_package`). Equal regrets (to 1e-9) are
settled as ranks are in DESIGN.md §2: fewer options, then option ids.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from models.domain import DecisionModel
from service.engine.constraints import sourced_constraints
from service.engine.errors import InfeasibleConstraints
from service.engine.linear_programs import ScenarioObjective, minimax_regret_package
from service.engine.settings import SolverSettings
from service.engine.packages import ENUMERATION_LIMIT, EnumeratedSpace
from service.engine.performance import TIE_TOLERANCE, VALUE_SCALE, performance_table
from service.engine.ranking import RankingRequest, excluded_options, option_ranking, ranking


def scenario_ids(model: DecisionModel) -> list[str | None]:
    """The model's scenarios, or one unnamed state of the world when it has none."""
    return [s.id for s in model.scenarios] or [None]


def scenario_rankings(model: DecisionModel, request: RankingRequest, settings: SolverSettings,
                      method: str = "auto") -> list[dict]:
    """For each scenario: the best package (None when no package is feasible there) and the options ranking."""
    return [entry for entry, _ in _sweep(model, request, settings, method)]


def _sweep(model: DecisionModel, request: RankingRequest, settings: SolverSettings, method: str):
    """(entry of `scenario_rankings`, best package value or None) per scenario."""
    weights = np.array([request.weights[c] for c in model.criterion_ids])
    results = []
    for scenario in scenario_ids(model):
        settings.check_time()
        entry = {"scenario": scenario, "best_package": None, "best_value": None, "reasons": []}
        try:
            document = ranking(model, dataclasses.replace(request, scenario=scenario, k=1), settings, method,
                               explain=False).document
        except InfeasibleConstraints as error:
            table = performance_table(model, scenario, request.score_case)
            constraints = sourced_constraints(model, scenario, list(request.constraints))
            options = option_ranking(model, table, weights, excluded_options(model, scenario, constraints))
            entry["reasons"] = [str(error)]
        else:
            options = document["options"]
            entry["best_package"] = document["packages"][0]["options"]
            entry["best_value"] = document["packages"][0]["value"]
        entry["options"] = [{"option": o["option"], "rank": o["rank"], "value": o["value"]} for o in options]
        results.append((entry, entry["best_value"]))
    return results


def scenario_sweep(model: DecisionModel, request: RankingRequest, settings: SolverSettings,
                   method: str = "auto") -> dict:
    """`{"rankings": scenario_rankings, "minimax_regret": minimax_regret}`, the best package of each
    scenario found once for both."""
    swept = _sweep(model, request, settings, method)
    return {"rankings": [entry for entry, _ in swept],
            "minimax_regret": minimax_regret(model, request, settings, method, [best for _, best in swept])}


def minimax_regret(model: DecisionModel, request: RankingRequest, settings: SolverSettings,
                   method: str = "auto", best_values: list | None = None) -> dict:
    """{"package", "max_regret", "regrets": [{"scenario", "regret"}], "method"}; package None
    (with a reason) when no package is feasible in every scenario. `best_values` are the best
    package's value in each scenario (None where none is feasible), when already known."""
    weights = np.array([request.weights[c] for c in model.criterion_ids])
    enumerate_ = method == "enumeration" or (method == "auto" and len(model.package_option_ids) <= ENUMERATION_LIMIT)
    if enumerate_:
        found = _by_enumeration(model, request, weights, settings)
    else:
        if best_values is None:
            best_values = [best for _, best in _sweep(model, request, settings, method)]
        found = None if None in best_values else _by_milp(model, request, weights, settings, best_values)
    if found is None:
        return {"package": None, "max_regret": None, "regrets": [], "method": "enumeration" if enumerate_ else "milp",
                "reason": "No package satisfies the constraints in every scenario."}
    members, regrets = found
    return {"package": list(members), "max_regret": max(regrets.values()),
            "regrets": [{"scenario": s, "regret": r} for s, r in regrets.items()],
            "method": "enumeration" if enumerate_ else "milp"}


def _by_enumeration(model, request, weights, settings):
    values, feasible, best = [], [], []
    space = None
    for scenario in scenario_ids(model):
        table = performance_table(model, scenario, request.score_case)
        space = EnumeratedSpace(table, sourced_constraints(model, scenario, list(request.constraints)))
        mask = np.zeros(len(space.packages.membership), dtype=bool)
        mask[space.feasible_rows] = True
        if not mask.any():
            return None
        scenario_values = space.packages.performance @ weights / VALUE_SCALE
        values.append(scenario_values)
        feasible.append(mask)
        best.append(scenario_values[mask].max())
    common = np.flatnonzero(np.logical_and.reduce(feasible))
    if len(common) == 0:
        return None
    regrets = np.array([b - v[common] for b, v in zip(best, values)])  # (scenarios, packages)
    worst = regrets.max(axis=0)
    tied = np.flatnonzero(worst <= worst.min() + TIE_TOLERANCE)
    option_ids = space.table.option_ids

    def members(row: int) -> tuple[str, ...]:
        return tuple(sorted(option_ids[i] for i in np.flatnonzero(space.packages.membership[row])))

    chosen = min(tied, key=lambda i: (len(members(common[i])), members(common[i])))
    return members(common[chosen]), {s: float(regrets[k, chosen]) + 0.0 for k, s in enumerate(scenario_ids(model))}


def _by_milp(model, request, weights, settings, best_values):
    objectives, tables = [], []
    for scenario, best_value in zip(scenario_ids(model), best_values):
        table = performance_table(model, scenario, request.score_case)
        constraints = sourced_constraints(model, scenario, list(request.constraints))
        objectives.append(ScenarioObjective(
            option_values=table.effects @ weights / VALUE_SCALE,
            interaction_values=table.interaction_effects @ weights / VALUE_SCALE,
            best_value=best_value, effects=table.effects, interaction_effects=table.interaction_effects,
            constraints=tuple(item.constraint for item in constraints)))
        tables.append(table)
    pairs = tuple((term.first, term.second) for term in tables[0].interactions)
    solved = minimax_regret_package(tables[0].option_ids, pairs, tables[0].criterion_ids, objectives, settings)
    if solved is None:
        return None
    chosen, _ = solved
    # Regrets are recomputed from the tables, not read from the solver, so both methods agree exactly.
    regrets = {s: objective.best_value - float(table.package_performance(set(chosen)) @ weights) / VALUE_SCALE + 0.0
               for s, objective, table in zip(scenario_ids(model), objectives, tables)}
    return tuple(sorted(tables[0].option_ids[i] for i in chosen)), regrets
