"""Small, explicit model documents for tests."""

from __future__ import annotations

import copy

EVIDENCE = [{"quote": "a quote", "lines": "L1-L2", "section": "Somewhere"}]


def small_model(model_id: str = "small") -> dict:
    """Two criteria, three options, one interaction, one constraint, two scenarios."""
    effects = []
    values = {"a": (1.0, -1.0), "b": (0.0, 2.0), "c": (-1.0, 1.0)}
    for option, (first, second) in values.items():
        for criterion, likely in (("x", first), ("y", second)):
            effects.append({"option": option, "criterion": criterion, "low": likely - 1 if likely > -3 else -3,
                            "likely": likely, "high": min(3, likely + 1), "rationale": "test",
                            "evidence": copy.deepcopy(EVIDENCE)})
    return {
        "id": model_id, "title": "Small test model",
        "source": {"title": "A report", "author": "Someone", "year": 2020, "publisher": "Nobody"},
        "scale": {"min": -3, "max": 3},
        "criteria": [{"id": "x", "name": "X", "description": "first", "evidence": copy.deepcopy(EVIDENCE)},
                     {"id": "y", "name": "Y", "description": "second", "evidence": copy.deepcopy(EVIDENCE)}],
        "options": [{"id": o, "name": o.upper(), "recommendation": 1, "summary": o, "evidence": copy.deepcopy(EVIDENCE)}
                    for o in ("a", "b", "c")],
        "effects": effects,
        "interactions": [{"id": "ab", "options": ["a", "b"], "effects": {"x": {"low": 0, "likely": 0.5, "high": 1}},
                          "rationale": "together", "evidence": copy.deepcopy(EVIDENCE)}],
        "constraints": [{"id": "b-or-c", "type": "at_most", "options": ["b", "c"], "count": 1, "rationale": "alternatives"}],
        "scenarios": [{"id": "base", "name": "Base", "description": "", "default": True, "unavailable": [],
                       "adjustments": [], "evidence": copy.deepcopy(EVIDENCE)},
                      {"id": "no-c", "name": "No C", "description": "", "unavailable": ["c"],
                       "adjustments": [{"option": "a", "criterion": "y", "delta": 1}], "evidence": []}],
    }
