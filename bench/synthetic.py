"""Synthetic decision models of any size, for the scaling benchmarks (built directly, past the API's limits)."""

from __future__ import annotations

import numpy as np

from models.domain import STATUS_QUO, Constraint, Criterion, DecisionModel, Effect, Estimate, Option, Scenario


def synthetic_model(options: int, criteria: int, groups: int, seed: int = 0) -> DecisionModel:
    """`options` options on `criteria` criteria; options split into `groups` exclusivity groups (at most one each)."""
    rng = np.random.default_rng(seed)
    likely = rng.uniform(-3, 3, size=(options, criteria)).round(2)
    option_ids = [f"o{i:04d}" for i in range(options)]
    criterion_ids = [f"c{j:02d}" for j in range(criteria)]
    effects = tuple(
        Effect(o, c, Estimate(max(-3.0, v - 1), float(v), min(3.0, v + 1)))
        for o, row in zip(option_ids, likely) for c, v in zip(criterion_ids, row)
    )
    members = np.array_split(np.arange(options), groups) if groups else []
    constraints = tuple(Constraint("at_most", options=tuple(option_ids[i] for i in group), count=1, id=f"g{g}")
                        for g, group in enumerate(members) if len(group) > 1)
    return DecisionModel(
        id=f"synthetic-{options}x{criteria}", version=f"s{seed}-{options}-{criteria}-{groups}", title="synthetic",
        source={"title": "synthetic"}, scale_min=-3.0, scale_max=3.0,
        criteria=tuple(Criterion(c, c, "") for c in criterion_ids),
        options=(Option(STATUS_QUO, "Status quo", None, ""),) + tuple(Option(o, o, 1, "") for o in option_ids),
        effects=effects, constraints=constraints, scenarios=(Scenario("base", "Base", default=True),),
    )
