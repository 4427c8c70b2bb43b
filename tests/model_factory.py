"""Hypothesis strategies for random valid model documents (DESIGN.md §4.1) and ranking requests (§5).

Numbers lie on a grid of quarter points and weights are small integers, so every
value is a rational with a small denominator: two values are either equal or far
more than 1e-9 apart, which makes the tie rule of §2 unambiguous, and sums of
effects are exact in floating point, which makes `min_performance` bounds exact.
Option and criterion ids are drawn in random order, so document order and id
order differ (the tie rule lists by id).
"""

from __future__ import annotations

from itertools import combinations

from hypothesis import strategies as st

OPTION_POOL = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet")
CRITERION_POOL = ("peace", "safety", "civilians", "state", "diplomacy")
GRID = tuple(q / 4 for q in range(-12, 13))  # -3 .. 3 in quarter points
SCORE_CASES = ("low", "likely", "high")
CONSTRAINT_TYPES = ("include", "exclude", "requires", "excludes", "at_most", "at_least",
                    "max_options", "min_performance")
EVIDENCE = [{"quote": "a quote", "lines": "L1-L2", "section": "Conclusion"}]


def grid_values(low: float = -3.0, high: float = 3.0) -> st.SearchStrategy[float]:
    return st.sampled_from([v for v in GRID if low <= v <= high])


def _estimate(values: tuple[float, float, float], zero: bool) -> dict:
    low, likely, high = (0.0, 0.0, 0.0) if zero else sorted(values)
    return {"low": low, "likely": likely, "high": high}


# low <= likely <= high on the -3..3 scale; all zero one time in four, which makes ties.
ESTIMATES = st.builds(_estimate, st.tuples(grid_values(), grid_values(), grid_values()),
                      st.sampled_from([True, False, False, False]))


def subsets(items, min_size: int, max_size: int) -> st.SearchStrategy[list]:
    return st.lists(st.sampled_from(list(items)), min_size=min_size,
                    max_size=min(max_size, len(items)), unique=True)


@st.composite
def constraint_fields(draw, options: list[str], criteria: list[str]) -> dict:
    """One constraint of DESIGN.md §3 naming only the given options and criteria."""
    kind = draw(st.sampled_from(CONSTRAINT_TYPES))
    n = len(options)
    if kind in ("include", "exclude"):
        return {"type": kind, "options": draw(subsets(options, 1, 2))}
    if kind == "requires":
        option, requires = draw(subsets(options, 2, 2))
        return {"type": kind, "option": option, "requires": requires}
    if kind == "excludes":
        return {"type": kind, "options": draw(subsets(options, 2, 3))}
    if kind in ("at_most", "at_least"):
        named = draw(subsets(options, 1, 4))
        # at_least may ask for one more than it names: an infeasible rule on its own.
        count = draw(st.integers(0, len(named) + (kind == "at_least")))
        return {"type": kind, "options": named, "count": count}
    if kind == "max_options":
        return {"type": kind, "count": draw(st.integers(0, n))}
    return {"type": "min_performance", "criterion": draw(st.sampled_from(criteria)),
            "at_least": draw(grid_values(-3.0, 2.0))}


@st.composite
def interactions(draw, options: list[str], criteria: list[str]) -> list[dict]:
    pairs = draw(subsets(list(combinations(options, 2)), 0, 4))
    return [{"id": f"interaction-{index}", "options": list(pair),
             "effects": {c: draw(ESTIMATES) for c in draw(subsets(criteria, 1, len(criteria)))},
             "rationale": "random", "evidence": EVIDENCE}
            for index, pair in enumerate(pairs)]


@st.composite
def scenarios(draw, options: list[str], criteria: list[str], effects: dict) -> list[dict]:
    """0-3 scenarios with unavailable options and deltas that keep every effect on the scale."""
    result = []
    for index in range(draw(st.integers(0, 3))):
        cells = draw(subsets([(o, c) for o in options for c in criteria], 0, 3))
        adjustments = []
        for option, criterion in cells:
            effect = effects[option, criterion]
            delta = draw(grid_values(-3.0 - effect["low"], 3.0 - effect["high"]))
            adjustments.append({"option": option, "criterion": criterion, "delta": delta})
        result.append({"id": f"scenario-{index}", "name": f"Scenario {index}",
                       "unavailable": draw(subsets(options, 0, 2)), "adjustments": adjustments,
                       "evidence": EVIDENCE})
    if result and draw(st.booleans()):
        result[draw(st.integers(0, len(result) - 1))]["default"] = True
    return result


@st.composite
def model_documents(draw, min_options: int = 2, max_options: int = 9, max_constraints: int = 3) -> dict:
    """A valid model document with 2-9 options (status quo added by the loader) and 1-5 criteria."""
    options = draw(subsets(OPTION_POOL, min_options, max_options))
    criteria = draw(subsets(CRITERION_POOL, 1, 5))
    effects = {(o, c): draw(ESTIMATES) for o in options for c in criteria}
    rules = draw(st.lists(constraint_fields(options, criteria), max_size=max_constraints))
    return {
        "id": "random-model",
        "title": "A random model",
        "source": {"title": "Property tests"},
        "scale": {"min": -3, "max": 3},
        "criteria": [{"id": c, "name": c.title()} for c in criteria],
        "options": [{"id": o, "name": o.title(), "recommendation": 1, "summary": "random"} for o in options],
        "effects": [{"option": o, "criterion": c, **effects[o, c], "rationale": "random", "evidence": EVIDENCE}
                    for o in options for c in criteria],
        "interactions": draw(interactions(options, criteria)),
        "constraints": [{"id": f"rule-{index}", **rule} for index, rule in enumerate(rules)],
        "scenarios": draw(scenarios(options, criteria, effects)),
    }


def package_options(document: dict) -> list[str]:
    return [o["id"] for o in document["options"] if o["id"] != "status-quo"]


def criterion_ids(document: dict) -> list[str]:
    return [c["id"] for c in document["criteria"]]


@st.composite
def priorities(draw, criteria: list[str]) -> dict:
    """`weights` (small integers, not all zero, some criteria left out) or a `priority_order` with ties."""
    if draw(st.booleans()):
        named = draw(subsets(criteria, 1, len(criteria)))
        weights = {c: draw(st.integers(0, 10)) for c in named}
        if not any(weights.values()):
            weights[named[0]] = draw(st.integers(1, 10))
        return {"weights": weights}
    named = draw(st.permutations(criteria))[:draw(st.integers(1, len(criteria)))]
    order, position = [], 0
    while position < len(named):
        size = draw(st.integers(1, len(named) - position))
        group = list(named[position:position + size])
        order.append(group if size > 1 or draw(st.booleans()) else group[0])
        position += size
    return {"priority_order": order}


@st.composite
def ranking_requests(draw, document: dict, max_k: int, max_constraints: int = 4, min_constraints: int = 0) -> dict:
    """Request fields as `RankingRequestSchema` loads them (DESIGN.md §5)."""
    options, criteria = package_options(document), criterion_ids(document)
    fields = draw(priorities(criteria))
    scenario_ids = [s["id"] for s in document["scenarios"]]
    if scenario_ids and draw(st.booleans()):
        fields["scenario"] = draw(st.sampled_from(scenario_ids))
    fields["score_case"] = draw(st.sampled_from(SCORE_CASES))
    fields["constraints"] = draw(st.lists(constraint_fields(options, criteria),
                                          min_size=min_constraints, max_size=max_constraints))
    fields["k"] = draw(st.integers(1, max_k))
    return fields


@st.composite
def ranking_cases(draw, max_k: int = 6, max_model_constraints: int = 3, max_request_constraints: int = 4,
                  max_options: int = 9, min_request_constraints: int = 0) -> tuple[dict, dict]:
    """(model document, request fields)."""
    document = draw(model_documents(max_options=max_options, max_constraints=max_model_constraints))
    return document, draw(ranking_requests(document, max_k, max_request_constraints, min_request_constraints))
