"""Constraints on packages (DESIGN.md §3) with where each comes from, and their exact test.

A `SourcedConstraint` is a model constraint, a request constraint, or an option
that the scenario makes unavailable (an `exclude`). `satisfied` tests packages
given as a boolean membership matrix, so enumeration tests thousands at once;
the optimizer turns the same constraints into linear rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.domain import Constraint, DecisionModel
from service.engine.performance import TIE_TOLERANCE, PerformanceTable


@dataclass(frozen=True)
class SourcedConstraint:
    constraint: Constraint
    source: dict  # {"source": "request", "index": i} | {"source": "model", "id": ...} | {"source": "scenario", "option": ...}

    def describe(self) -> str:
        c = self.constraint
        where = {"request": lambda s: f"request constraint {s['index']}",
                 "model": lambda s: f"model constraint '{s['id']}'",
                 "scenario": lambda s: "the scenario"}[self.source["source"]](self.source)
        text = {
            "include": lambda: f"must include {', '.join(c.options)}",
            "exclude": lambda: f"excludes {', '.join(c.options)}",
            "requires": lambda: f"{c.option} requires {c.requires}",
            "excludes": lambda: f"{', '.join(c.options)} cannot all be chosen together",
            "at_most": lambda: f"at most {c.count} of {', '.join(c.options)}",
            "at_least": lambda: f"at least {c.count} of {', '.join(c.options)}",
            "max_options": lambda: f"at most {c.count} options in a package",
            "min_performance": lambda: f"performance on {c.criterion} at least {c.at_least:g}",
        }[c.type]()
        if self.source["source"] == "scenario":
            return f"unavailable in the scenario ({c.options[0]})"
        return f"{where}: {text}"


def sourced_constraints(model: DecisionModel, scenario_id: str | None, request_constraints: list[Constraint]) -> list[SourcedConstraint]:
    """All constraints that govern packages: the model's, the scenario's, the request's."""
    constraints = [SourcedConstraint(c, {"source": "model", "id": c.id}) for c in model.constraints]
    if scenario_id is not None:
        constraints += [SourcedConstraint(Constraint("exclude", options=(option,)),
                                          {"source": "scenario", "option": option})
                        for option in model.scenario(scenario_id).unavailable]
    constraints += [SourcedConstraint(c, {"source": "request", "index": i}) for i, c in enumerate(request_constraints)]
    return constraints


def satisfied(constraint: Constraint, table: PerformanceTable, membership: np.ndarray, performance: np.ndarray) -> np.ndarray:
    """Which packages satisfy `constraint`.

    `membership` is (packages, options) boolean; `performance` is (packages, criteria).
    """
    index = table.option_index
    columns = [index[o] for o in constraint.options]
    chosen = membership[:, columns].sum(axis=1) if columns else np.zeros(len(membership), dtype=int)
    match constraint.type:
        case "include":
            return chosen == len(columns)
        case "exclude":
            return chosen == 0
        case "requires":
            return ~membership[:, index[constraint.option]] | membership[:, index[constraint.requires]]
        case "excludes":
            return chosen <= len(columns) - 1
        case "at_most":
            return chosen <= constraint.count
        case "at_least":
            return chosen >= constraint.count
        case "max_options":
            return membership.sum(axis=1) <= constraint.count
        case "min_performance":
            j = table.criterion_ids.index(constraint.criterion)
            return performance[:, j] >= constraint.at_least - TIE_TOLERANCE
    raise ValueError(f"unknown constraint type {constraint.type!r}")


def linear_rows(constraint: Constraint, option_index: dict[str, int], effects: np.ndarray,
                interaction_effects: np.ndarray, criterion_ids: tuple[str, ...]) -> list[tuple[float, float, dict[int, float]]]:
    """The linear rows (lower, upper, {column: coefficient}) of one constraint.

    Columns 0..n-1 are the options' binaries x_i (n = len(effects)); columns n..n+t-1 are
    y_t = x_a AND x_b for the interactions, whose extra effects are `interaction_effects`
    (t x criteria). Every mixed-integer and linear program of the engine builds its
    constraints from these rows, so the constraint semantics live here and in `satisfied`.
    """
    n = len(effects)
    chosen = {option_index[o]: 1.0 for o in constraint.options}
    match constraint.type:
        case "include":
            return [(1.0, 1.0, {i: 1.0}) for i in chosen]
        case "exclude":
            return [(0.0, 0.0, {i: 1.0}) for i in chosen]
        case "requires":
            return [(-np.inf, 0.0, {option_index[constraint.option]: 1.0, option_index[constraint.requires]: -1.0})]
        case "excludes":
            return [(-np.inf, len(chosen) - 1.0, chosen)]
        case "at_most":
            return [(-np.inf, float(constraint.count), chosen)]
        case "at_least":
            return [(float(constraint.count), np.inf, chosen)]
        case "max_options":
            return [(-np.inf, float(constraint.count), dict.fromkeys(range(n), 1.0))]
        case "min_performance":
            j = criterion_ids.index(constraint.criterion)
            row = {i: float(e) for i, e in enumerate(effects[:, j]) if e != 0}
            row.update({n + t: float(e) for t, e in enumerate(interaction_effects[:, j]) if e != 0})
            return [(constraint.at_least - TIE_TOLERANCE, np.inf, row)]
    raise ValueError(f"unknown constraint type {constraint.type!r}")
