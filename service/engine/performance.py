"""The performance table: effects of every option on every criterion in one scenario and score case.

This is the value model of DESIGN.md §2 as arrays: `effects[i, j]` is e[i][j]
(the effect plus the scenario's delta), `interactions` the pairwise extras.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from models.domain import DecisionModel, ScoreCase

VALUE_SCALE = 3.0  # value(S) = sum_j w_j perf_j(S) / 3 (DESIGN.md §2)
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class InteractionTerm:
    first: int  # index into PerformanceTable.option_ids
    second: int
    effects: np.ndarray  # extra performance per criterion when both are chosen


@dataclass(frozen=True, eq=False)
class PerformanceTable:
    """Effects of the package options (status quo excluded) under one scenario and score case."""

    model_id: str
    model_version: str
    scenario: str | None
    score_case: ScoreCase
    option_ids: tuple[str, ...]
    criterion_ids: tuple[str, ...]
    effects: np.ndarray  # shape (options, criteria)
    interactions: tuple[InteractionTerm, ...]
    # Extra effects of the interactions, one row per interaction (terms x criteria): a field, so that
    # tables derived by `dataclasses.replace` (a participant's overrides) share it rather than copy it.
    interaction_effects: np.ndarray

    @functools.cached_property
    def option_index(self) -> dict[str, int]:
        return {option: index for index, option in enumerate(self.option_ids)}

    def package_performance(self, members: frozenset[int] | set[int]) -> np.ndarray:
        """perf[j](S) for a package given by option indices."""
        performance = np.zeros(len(self.criterion_ids))
        for index in members:
            performance += self.effects[index]
        for term in self.interactions:
            if term.first in members and term.second in members:
                performance += term.effects
        return performance


def _build_table(model: DecisionModel, scenario_id: str | None, score_case: ScoreCase) -> PerformanceTable:
    if scenario_id is not None:
        # A scenario moves effects only: its table is the model's own with the deltas added, and
        # shares its interaction terms (at the limits, 2,000 terms built once per case, not once
        # per case and scenario: 50 times over).
        base = performance_table(model, None, score_case)
        effects = base.effects.copy()
        criterion_index = {c: j for j, c in enumerate(base.criterion_ids)}
        for adjustment in model.scenario(scenario_id).adjustments:
            effects[base.option_index[adjustment.option], criterion_index[adjustment.criterion]] += adjustment.delta
        effects.setflags(write=False)
        return replace(base, scenario=scenario_id, effects=effects)
    option_ids = model.package_option_ids
    criterion_ids = model.criterion_ids
    option_index = {o: i for i, o in enumerate(option_ids)}
    criterion_index = {c: j for j, c in enumerate(criterion_ids)}
    effects = np.zeros((len(option_ids), len(criterion_ids)))
    for effect in model.effects:
        if effect.option in option_index:
            effects[option_index[effect.option], criterion_index[effect.criterion]] = effect.effect_vs_status_quo.case(score_case)
    terms = []
    for interaction in model.interactions:
        extra = np.zeros(len(criterion_ids))
        for criterion, estimate in interaction.effects.items():
            extra[criterion_index[criterion]] = estimate.case(score_case)
        first, second = (option_index[o] for o in interaction.options)
        terms.append(InteractionTerm(first, second, extra))
    effects.setflags(write=False)
    extra = np.array([term.effects for term in terms]).reshape(len(terms), len(criterion_ids))
    extra.setflags(write=False)
    return PerformanceTable(model.id, model.version, scenario_id, score_case, option_ids, criterion_ids,
                            effects, tuple(terms), extra)


_TABLES: dict[tuple, PerformanceTable] = {}
_MAX_CACHED_TABLES = 512


def performance_table(model: DecisionModel, scenario_id: str | None, score_case: ScoreCase) -> PerformanceTable:
    """The table for one model, scenario and score case.

    Cached by model version: a version is a content hash, so equal versions mean equal numbers;
    a model seen through effect overrides (`DecisionModel.with_effect_overrides`) keeps its
    version, so the moved cells are part of the key.
    """
    key = (model.id, model.version, model.effect_overrides, scenario_id, score_case)
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) >= _MAX_CACHED_TABLES:
            _TABLES.clear()
        table = _TABLES[key] = _build_table(model, scenario_id, score_case)
    return table
