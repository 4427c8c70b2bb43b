"""Synthetic decision models of any size: for the scaling benchmarks (built directly, past the
API's limits) and, as documents `POST /api/v1/models` accepts, at the documented limits."""

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


EVIDENCE = [{"quote": "q", "lines": "L1", "section": "s"}]


def _estimate(rng: np.random.Generator, spread: float = 1.0) -> dict:
    likely = round(float(rng.uniform(-2, 2)), 2)
    return {"low": round(max(-3.0, likely - spread * float(rng.uniform(0, 1))), 2), "likely": likely,
            "high": round(min(3.0, likely + spread * float(rng.uniform(0, 1))), 2)}


def limits_document(model_id: str = "at-the-limits", *, options: int = 200, criteria: int = 50,
                    interactions: int = 2000, constraints: int = 500, scenarios: int = 50, seed: int = 0) -> dict:
    """A valid model document at the README's model limits (by default every one of them at once).

    Built to be hard, not pretty: every effect uncertain; interactions on random pairs; model
    constraints mixing exclusivity groups, `requires` chains (whose ends a request can cut, so
    that many options have no feasible package and need a minimal conflict to explain),
    `excludes` pairs and `min_performance` floors every package meets; scenarios that make
    options unavailable and move effects.
    """
    rng = np.random.default_rng(seed)
    option_ids = [f"opt-{i:03d}" for i in range(options)]
    criterion_ids = [f"crit-{j:02d}" for j in range(criteria)]
    effects = {(o, c): _estimate(rng) for o in option_ids for c in criterion_ids}
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < min(interactions, options * (options - 1) // 2):
        a, b = sorted(rng.choice(options, 2, replace=False).tolist())
        pairs.add((a, b))
    interaction_documents = [
        {"id": f"int-{t:04d}", "options": [option_ids[a], option_ids[b]],
         "effects": {criterion_ids[j]: _estimate(rng, 0.5) for j in rng.choice(criteria, 3, replace=False).tolist()},
         "rationale": "r", "evidence": EVIDENCE}
        for t, (a, b) in enumerate(sorted(pairs))]
    rules: list[dict] = []
    # Exclusivity groups of four, chains of `requires` (i requires i + 1 within blocks of ten),
    # `excludes` pairs across blocks, then a floor on performance that the status quo meets.
    for start in range(0, options - 3, 4):
        rules.append({"type": "at_most", "options": option_ids[start:start + 4], "count": 2})
    for start in range(0, options, 10):
        for i in range(start, min(start + 9, options - 1)):
            rules.append({"type": "requires", "option": option_ids[i], "requires": option_ids[i + 1]})
    while len(rules) < constraints - 2:
        a, b = sorted(rng.choice(options, 2, replace=False).tolist())
        rules.append({"type": "excludes", "options": [option_ids[a], option_ids[b]]})
    rules.append({"type": "min_performance", "criterion": criterion_ids[0], "at_least": -60})
    rules.append({"type": "max_options", "count": max(1, options // 4)})
    rules = rules[:constraints]
    scenario_documents = []
    for s in range(scenarios):
        adjustments = []
        for o, c in {(option_ids[i], criterion_ids[j])
                     for i, j in zip(rng.choice(options, 20).tolist(), rng.choice(criteria, 20).tolist())}:
            e = effects[o, c]
            delta = round(float(rng.uniform(-3 - e["low"], 3 - e["high"])), 2)
            if -3 <= e["low"] + delta and e["high"] + delta <= 3:
                adjustments.append({"option": o, "criterion": c, "delta": delta})
        scenario_documents.append({"id": f"scen-{s:02d}", "name": f"Scenario {s}", "description": "d",
                                   "default": s == 0, "evidence": EVIDENCE,
                                   "unavailable": [option_ids[i] for i in rng.choice(options, 3, replace=False).tolist()]
                                   if s else [], "adjustments": adjustments})
    return {
        "id": model_id, "title": "A model at the documented limits",
        "source": {"title": "synthetic", "author": "bench", "year": 2024, "publisher": "bench"},
        "scale": {"min": -3, "max": 3},
        "criteria": [{"id": c, "name": c, "description": "d", "evidence": EVIDENCE} for c in criterion_ids],
        "options": [{"id": o, "name": o, "recommendation": 1, "summary": "s", "evidence": EVIDENCE} for o in option_ids],
        "effects": [{"option": o, "criterion": c, **effects[o, c], "rationale": "r", "evidence": EVIDENCE}
                    for o in option_ids for c in criterion_ids],
        "interactions": interaction_documents,
        "constraints": [{"id": f"rule-{i:03d}", **rule} for i, rule in enumerate(rules)],
        "scenarios": scenario_documents,
    }
