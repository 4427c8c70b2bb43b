"""Examples of the main request bodies, shown in the OpenAPI document (DESIGN.md §8.4).

Each is a request the service answers with success for the default model `minusma-2017`;
a test sends every one of them.
"""

RANKING_REQUEST = {
    "weights": {"impartiality-and-authority": 3, "peace-process": 2, "personnel-safety": 1},
    "scenario": "counter-terror-war-continues",
    "constraints": [{"type": "exclude", "options": ["plan-exit"]}, {"type": "max_options", "count": 2}],
    "k": 5,
}

ROBUSTNESS_REQUEST = {
    "priority_order": ["impartiality-and-authority", ["peace-process", "personnel-safety"]],
    "weight_intervals": {"protection-of-civilians": [0.05, 0.3]},
    "samples": 2000,
    "seed": 7,
}

BRIEF_REQUEST = {
    "weights": {"peace-process": 2, "personnel-safety": 1},
    "title": "Options for the Council",
    "audience": "Mission leadership",
    "robustness": {"samples": 2000, "seed": 7},
}

MODEL_DOCUMENT = {
    "id": "two-options",
    "title": "Two options, two criteria",
    "source": {"title": "A report", "author": "An author", "year": 2024, "publisher": "A publisher"},
    "scale": {"min": -3, "max": 3},
    "criteria": [{"id": "safety", "name": "Safety"}, {"id": "cost", "name": "Cost"}],
    "options": [{"id": "status-quo", "name": "Status quo"},
                {"id": "patrol", "name": "More patrols", "summary": "Double the patrols"}],
    "effects": [{"option": "patrol", "criterion": "safety", "low": 0, "likely": 1, "high": 2, "rationale": "deterrence",
                 "evidence": [{"quote": "patrols deter attacks", "lines": "L12-L14", "section": "Findings"}]},
                {"option": "patrol", "criterion": "cost", "low": -2, "likely": -1, "high": -1, "rationale": "staff",
                 "evidence": [{"quote": "each patrol needs two crews", "lines": "L20", "section": "Costs"}]}],
}

WORKSHOP_CREATE = {"title": "Mali options, Tuesday", "model_id": "minusma-2017",
                   "constraints": [{"type": "max_options", "count": 2}]}

JOIN = {"join_code": "K7M2Q9RT4X", "display_name": "Aminata", "perspective": "civil society"}

SUBMISSION = {
    "weights": {"peace-process": 3, "personnel-safety": 1},
    "effect_overrides": [{"option": "plan-exit", "criterion": "personnel-safety", "likely": 1}],
    "comment": "an exit protects our staff",
}

WORKSHOP_SETTINGS = {"language": "fr", "instructions": "Lisez les options et leurs preuves avant de pondérer."}

ROUND_OPEN = {"instructions": "Second round: look at the compromise and the contested criteria, then revise."}

RELEASE = {"round": 1}
