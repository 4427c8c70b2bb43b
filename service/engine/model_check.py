"""The model validator's warnings (DESIGN.md §8.1): what a reviewer should confirm in a valid model.

Problems block a model (`models.validation`); warnings never do. Three kinds, each with the
pointer of what it concerns:

1. one passage of the source scoring two criteria of one option, and
2. quotes that may be the author's critique rather than support for the effect
   (both in `models.validation.document_warnings`, which reads the document alone);
3. interactions that push a package's performance beyond the scale (here, because it
   needs the packages the model's constraints and scenarios allow).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.domain import SCORE_CASES, DecisionModel
from models.loader import model_from_document
from models.validation import Problem, document_warnings, validate_model_document
from service.engine.constraints import satisfied, sourced_constraints
from service.engine.packages import EnumeratedSpace
from service.engine.performance import TIE_TOLERANCE, performance_table

# Up to this many package options every package that contains an interaction's pair is
# checked (at most 2^10 packages per scenario and score case); beyond, the pair alone.
SUPERSETS_CHECKED_UP_TO = 10


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


def model_warnings(data: dict, model: DecisionModel) -> list[Problem]:
    """Every warning about a valid model: `data` is its loaded document (for pointers), `model` the model built from it."""
    return document_warnings(data) + interaction_scale_warnings(model)


def interaction_scale_warnings(model: DecisionModel) -> list[Problem]:
    """Interactions whose extra effect takes a package's performance on a criterion from
    within the scale to beyond it (DESIGN.md §2: perf[j](S) sums the options' effects and
    the interactions of S).

    Checked in every scenario (or once, when the model has none) and every score case,
    for each package that contains the interaction's two options and that the model's
    constraints and the scenario allow, while the model has at most
    `SUPERSETS_CHECKED_UP_TO` package options; beyond that, for the pair alone (when the
    constraints allow it). A package
    already beyond the scale without the interaction is not blamed on it: additive sums of
    several options leave the scale without any interaction. One warning per interaction
    and criterion, naming the smallest package where it happens.
    """
    if not model.interactions:
        return []
    found: dict[tuple[int, str], list] = {}
    for scenario in [s.id for s in model.scenarios] or [None]:
        constraints = sourced_constraints(model, scenario, [])
        for case in SCORE_CASES:
            table = performance_table(model, scenario, case)
            for t, term in enumerate(table.interactions):
                for j in np.flatnonzero(term.effects):
                    for package, without, with_ in _crossings(table, constraints, term, j, model):
                        found.setdefault((t, table.criterion_ids[j]), []).append(
                            (len(package), package, scenario, case, without, with_))
    warnings = []
    for (t, criterion), cases in sorted(found.items()):
        size, package, scenario, case, without, with_ = min(cases, key=lambda c: (c[0], c[1]))
        where = f"the {case} case" + (f" of scenario '{scenario}'" if scenario else "")
        more = f" (and {len(cases) - 1} more package, scenario or case)" if len(cases) > 1 else ""
        warnings.append(Problem(
            f"/interactions/{t}/effects/{criterion}",
            f"In {where}, package {' + '.join(package)} performs {without:g} on '{criterion}' without this "
            f"interaction and {with_:g} with it, beyond the scale {model.scale_min:g}..{model.scale_max:g}{more}: "
            f"check that the interaction does not add to an effect the options already give."))
    return warnings


def _crossings(table, constraints, term, j: int, model: DecisionModel):
    """(package, performance without the term, with it) where the term crosses a bound of the scale."""
    if len(table.option_ids) <= SUPERSETS_CHECKED_UP_TO:
        space = EnumeratedSpace(table, constraints)
        membership, performance = space.feasible_membership, space.feasible_performance
    else:
        membership = np.zeros((1, len(table.option_ids)), dtype=bool)
        membership[0, [term.first, term.second]] = True
        performance = table.effects[[term.first]] + table.effects[[term.second]] + term.effects
        allowed = np.ones(1, dtype=bool)
        for item in constraints:
            allowed &= satisfied(item.constraint, table, membership, performance)
        membership, performance = membership[allowed], performance[allowed]
    rows = np.flatnonzero(membership[:, term.first] & membership[:, term.second])
    with_ = performance[rows, j]
    without = with_ - term.effects[j]

    def beyond(values):
        return (values > model.scale_max + TIE_TOLERANCE) | (values < model.scale_min - TIE_TOLERANCE)

    for row in rows[beyond(with_) & ~beyond(without)]:
        package = tuple(sorted(table.option_ids[i] for i in np.flatnonzero(membership[row])))
        yield package, float(performance[row, j] - term.effects[j]), float(performance[row, j])

