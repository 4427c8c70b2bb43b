"""The model validator's warnings (DESIGN.md §8.1): what a reviewer should confirm in a valid model.

Problems block a model (`models.validation`); warnings never do. Three kinds, each with the
pointer of what it concerns:

1. one passage of the source scoring two criteria of one option, and
2. quotes that may be the author's critique rather than support for the effect
   (both in `models.validation.document_warnings`, which reads the document alone);
3. interactions that push their pair's performance beyond the scale (here, because it
   needs the performance tables and the constraints of each scenario).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.domain import SCORE_CASES, DecisionModel
from models.loader import model_from_document
from models.validation import Problem, document_warnings, validate_model_document
from service.engine.constraints import satisfied, sourced_constraints
from service.engine.performance import TIE_TOLERANCE, performance_table


@dataclass(frozen=True)
class ModelCheck:
    """The outcome of checking a model document: `model` is None when there are problems."""

    model: DecisionModel | None
    problems: list[Problem]
    warnings: list[Problem]


def check_model_document(document) -> ModelCheck:
    """Validate a model document (problems) and, when valid, review it (warnings)."""
    data, problems = validate_model_document(document)
    if problems:
        return ModelCheck(None, problems, [])
    model = model_from_document(document)
    return ModelCheck(model, [], model_warnings(data, model))


# A reviewer reads a hundred warnings; a model at the limits can raise hundreds of thousands
# (a 201 body of many megabytes), so the rest are said as a count.
MAX_LISTED_WARNINGS = 100


def model_warnings(data: dict, model: DecisionModel) -> list[Problem]:
    """The warnings about a valid model, at most `MAX_LISTED_WARNINGS` and then one that counts the
    rest: `data` is its loaded document (for pointers), `model` the model built from it."""
    warnings = document_warnings(data) + interaction_scale_warnings(model)
    if len(warnings) > MAX_LISTED_WARNINGS:
        more = len(warnings) - MAX_LISTED_WARNINGS
        warnings = warnings[:MAX_LISTED_WARNINGS] + [Problem(
            "", f"{more} more warnings of the kinds above are not listed: answer these and check the model again.")]
    return warnings


def interaction_scale_warnings(model: DecisionModel) -> list[Problem]:
    """Interactions whose extra effect takes their own pair's performance on a criterion from
    within the scale to beyond it (DESIGN.md §2: perf[j]({a, b}) = e[a][j] + e[b][j] + I[a][b][j]).

    Checked for the package of the interaction's two options, in every scenario where the
    model's constraints and the scenario allow that package (or once, when the model has no
    scenarios), and in every score case. Larger packages are not checked: the additive value
    model lets several options' effects add up beyond the scale without any interaction, so
    whether a bound is crossed there depends on the other options, not on the interaction.
    One warning per interaction and criterion, naming the first scenario and case.
    """
    found: dict[tuple[int, str], list] = {}
    if not model.interactions:
        return []
    # Which pairs a constraint allows depends on the pairs alone, except for a performance
    # floor: the others are tested once for all scenarios and cases (at the limits, 2,000
    # interactions x 50 scenarios x 3 cases x 500 constraints, one pair at a time, took minutes).
    allowed_by: dict[tuple, np.ndarray] = {}
    for scenario in [s.id for s in model.scenarios] or [None]:
        constraints = [item.constraint for item in sourced_constraints(model, scenario, [])]
        for case in SCORE_CASES:
            table = performance_table(model, scenario, case)
            first = np.array([term.first for term in table.interactions])
            second = np.array([term.second for term in table.interactions])
            membership = np.zeros((len(first), len(table.option_ids)), dtype=bool)
            membership[np.arange(len(first)), first] = True
            membership[np.arange(len(first)), second] = True
            without = table.effects[first] + table.effects[second]
            performance = without + table.interaction_effects
            allowed = np.ones(len(first), dtype=bool)
            for constraint in constraints:
                if constraint.type == "min_performance":
                    allowed &= satisfied(constraint, table, membership, performance)
                else:
                    key = (constraint.type, constraint.options, constraint.option, constraint.requires, constraint.count)
                    if key not in allowed_by:
                        allowed_by[key] = satisfied(constraint, table, membership, performance)
                    allowed &= allowed_by[key]
            crossing = (_beyond(model, performance) & ~_beyond(model, without)) & allowed[:, None]
            for t, j in zip(*np.nonzero(crossing)):
                found.setdefault((int(t), table.criterion_ids[j]), []).append(
                    (scenario, case, float(without[t, j]), float(performance[t, j])))
    warnings = []
    for (t, criterion), cases in sorted(found.items()):
        scenario, case, without, with_ = cases[0]
        where = f"the {case} case" + (f" of scenario '{scenario}'" if scenario else "")
        more = f" (and in {len(cases) - 1} more scenario or case)" if len(cases) > 1 else ""
        options = " + ".join(model.interactions[t].options)
        warnings.append(Problem(
            f"/interactions/{t}/effects/{criterion}",
            f"In {where}, {options} perform {without:g} on '{criterion}' without this interaction and "
            f"{with_:g} with it, beyond the scale {model.scale_min:g}..{model.scale_max:g}{more}: check that "
            f"the interaction does not add to an effect the two options already give."))
    return warnings


def _beyond(model: DecisionModel, values: np.ndarray) -> np.ndarray:
    return (values > model.scale_max + TIE_TOLERANCE) | (values < model.scale_min - TIE_TOLERANCE)
