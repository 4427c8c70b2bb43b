"""The model validator: every problem of a model document at once, each with a JSON pointer.

`validate_model_document` serves both the built-in YAML files and
`POST /api/v1/models`. Structure (types, required and unknown fields) is checked
by `models.schema.ModelDocumentSchema`; this module then checks what the fields
refer to and the value model's own rules (DESIGN.md §1, §4.1, §7).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations

from marshmallow import ValidationError

from models.domain import STATUS_QUO
from models.schema import LINES_PATTERN, ModelDocumentSchema, pointers_from_messages

# Limits for a posted model (README "Limits"): far above what a report yields,
# low enough that one request cannot make the service enumerate or solve for long.
# The status quo is not counted among the options: a stored model lists it (it is
# always present), and a model accepted at the limit must still be at the limit when read back.
MAX_CRITERIA = 50
MAX_OPTIONS = 200
MAX_SCENARIOS = 50
MAX_INTERACTIONS = 2000
MAX_CONSTRAINTS = 500
MAX_PROFILES = 50
MAX_CRITIQUES = 500


@dataclass(frozen=True)
class Problem:
    pointer: str
    detail: str

    def to_document(self) -> dict:
        return {"pointer": self.pointer, "detail": self.detail}


class ModelInvalid(ValueError):
    """A model document breaks the schema or the value model's rules."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.pointer or '/'}: {p.detail}" for p in problems[:5]))


def validate_model_document(document) -> tuple[dict, list[Problem]]:
    """Return the loaded document and the list of problems (empty when valid)."""
    try:
        data = ModelDocumentSchema().load(document)
    except ValidationError as error:
        return {}, [Problem(pointer, detail) for pointer, detail in pointers_from_messages(error.messages)]
    return data, _ModelChecker(data).problems()


def collection_size(document: dict, collection: str) -> int:
    """How many items of a model's collection count against its limit (the status quo never does)."""
    items = document.get(collection) or []
    if collection == "options":
        return sum(1 for item in items if item.get("id") != STATUS_QUO)
    return len(items)


class _ModelChecker:
    def __init__(self, data: dict):
        self.data = data
        self.found: list[Problem] = []
        self.scale_min = data.get("scale", {}).get("min", -3.0)
        self.scale_max = data.get("scale", {}).get("max", 3.0)
        self.criteria = {c["id"] for c in data["criteria"]}
        self.options = {o["id"] for o in data["options"]} | {STATUS_QUO}

    def problem(self, pointer: str, detail: str) -> None:
        self.found.append(Problem(pointer, detail))

    def problems(self) -> list[Problem]:
        self.check_sizes()
        self.check_scale()
        for collection in ("criteria", "options", "interactions", "constraints", "scenarios", "profiles"):
            self.check_unique_ids(collection)
        self.check_evidence_lines()
        self.check_effects()
        self.check_interactions()
        self.check_constraints()
        self.check_scenarios()
        self.check_profiles()
        return self.found

    def check_sizes(self) -> None:
        limits = {"criteria": MAX_CRITERIA, "options": MAX_OPTIONS, "scenarios": MAX_SCENARIOS,
                  "interactions": MAX_INTERACTIONS, "constraints": MAX_CONSTRAINTS, "profiles": MAX_PROFILES,
                  "critiques": MAX_CRITIQUES}
        for collection, limit in limits.items():
            if collection_size(self.data, collection) > limit:
                detail = " besides the status quo" if collection == "options" else ""
                self.problem(f"/{collection}", f"At most {limit} {collection} per model{detail} (limit).")
        if not self.data["criteria"]:
            self.problem("/criteria", "A model needs at least one criterion.")
        if not self.options - {STATUS_QUO}:
            self.problem("/options", "A model needs at least one option besides the status quo.")

    def check_scale(self) -> None:
        if self.scale_min >= 0 or self.scale_max <= 0:
            self.problem("/scale", "The scale must run from a negative minimum through 0 (no change) to a positive maximum.")

    def check_unique_ids(self, collection: str) -> None:
        seen = Counter()
        for index, item in enumerate(self.data.get(collection, [])):
            seen[item["id"]] += 1
            if seen[item["id"]] == 2:
                self.problem(f"/{collection}/{index}/id", f"Duplicate id '{item['id']}' in {collection}.")

    def check_evidence_lines(self) -> None:
        for pointer, item in every_evidence(self.data):
            first, last = line_span(item["lines"])
            if last < first:
                self.problem(f"{pointer}/lines", "The line range ends before it starts.")
        for index, critique in enumerate(self.data.get("critiques", [])):
            first, last = line_span(critique["lines"])
            if last < first:
                self.problem(f"/critiques/{index}/lines", "The line range ends before it starts.")

    def check_estimate(self, estimate: dict, pointer: str) -> None:
        low, likely, high = estimate["low"], estimate["likely"], estimate["high"]
        if low > likely:
            self.problem(f"{pointer}/low", f"low ({low}) is above likely ({likely}).")
        if likely > high:
            self.problem(f"{pointer}/high", f"high ({high}) is below likely ({likely}).")
        for name in ("low", "likely", "high"):
            if not self.scale_min <= estimate[name] <= self.scale_max:
                self.problem(f"{pointer}/{name}", f"{estimate[name]} is off the scale {self.scale_min:g}..{self.scale_max:g}.")

    def check_effects(self) -> None:
        cells: dict[tuple[str, str], int] = {}
        for index, effect in enumerate(self.data["effects"]):
            pointer = f"/effects/{index}"
            option, criterion = effect["option"], effect["criterion"]
            known = True
            if option not in self.options:
                self.problem(f"{pointer}/option", f"Unknown option '{option}'.")
                known = False
            if criterion not in self.criteria:
                self.problem(f"{pointer}/criterion", f"Unknown criterion '{criterion}'.")
                known = False
            self.check_estimate(effect, pointer)
            if option == STATUS_QUO:
                if any(effect[name] != 0 for name in ("low", "likely", "high")):
                    self.problem(pointer, "The status quo's effects are 0 by definition.")
            elif not effect.get("evidence"):
                self.problem(f"{pointer}/evidence", "An effect needs at least one evidence item (quote, lines, section).")
            if known:
                if (option, criterion) in cells:
                    self.problem(pointer, f"Duplicate effect of '{option}' on '{criterion}' (also at /effects/{cells[option, criterion]}).")
                cells.setdefault((option, criterion), index)
        for option in (o["id"] for o in self.data["options"]):
            if option == STATUS_QUO:
                continue
            for criterion in (c["id"] for c in self.data["criteria"]):
                if (option, criterion) not in cells:
                    self.problem("/effects", f"Missing effect of '{option}' on '{criterion}'.")

    def check_option_ids(self, ids, pointer: str) -> None:
        for index, option in enumerate(ids):
            if option == STATUS_QUO:
                self.problem(f"{pointer}/{index}", "The status quo is the empty package; it cannot be named here.")
            elif option not in self.options:
                self.problem(f"{pointer}/{index}", f"Unknown option '{option}'.")

    def check_interactions(self) -> None:
        pairs: dict[frozenset, int] = {}
        for index, interaction in enumerate(self.data.get("interactions", [])):
            pointer = f"/interactions/{index}"
            self.check_option_ids(interaction["options"], f"{pointer}/options")
            pair = frozenset(interaction["options"])
            if len(pair) != 2:
                self.problem(f"{pointer}/options", "An interaction joins two different options.")
            elif pair in pairs:
                self.problem(f"{pointer}/options", f"These options already interact at /interactions/{pairs[pair]}.")
            pairs.setdefault(pair, index)
            if not interaction["effects"]:
                self.problem(f"{pointer}/effects", "An interaction changes at least one criterion.")
            for criterion, estimate in interaction["effects"].items():
                if criterion not in self.criteria:
                    self.problem(f"{pointer}/effects/{criterion}", f"Unknown criterion '{criterion}'.")
                self.check_estimate(estimate, f"{pointer}/effects/{criterion}")

    def check_constraints(self) -> None:
        for index, constraint in enumerate(self.data.get("constraints", [])):
            pointer = f"/constraints/{index}"
            check_constraint_references(constraint, self.options, self.criteria,
                                        lambda sub, detail: self.problem(pointer + sub, detail))

    def check_scenarios(self) -> None:
        scenarios = self.data.get("scenarios", [])
        ids = {s["id"] for s in scenarios}
        default = self.data.get("default_scenario")
        flagged = [s["id"] for s in scenarios if s.get("default")]
        if default is not None and default not in ids:
            self.problem("/default_scenario", f"The default scenario '{default}' does not exist.")
        if len(flagged) > 1:
            self.problem("/scenarios", f"More than one default scenario: {', '.join(flagged)}.")
        if default is not None and flagged and flagged[0] != default:
            self.problem("/default_scenario", f"default_scenario '{default}' disagrees with the scenario marked default ('{flagged[0]}').")
        effects = {(e["option"], e["criterion"]): e for e in self.data["effects"]}
        for index, scenario in enumerate(scenarios):
            pointer = f"/scenarios/{index}"
            self.check_option_ids(scenario.get("unavailable", []), f"{pointer}/unavailable")
            for a_index, adjustment in enumerate(scenario.get("adjustments", [])):
                a_pointer = f"{pointer}/adjustments/{a_index}"
                option, criterion = adjustment["option"], adjustment["criterion"]
                if option == STATUS_QUO:
                    self.problem(f"{a_pointer}/option", "The status quo's effects stay 0 in every scenario.")
                elif option not in self.options:
                    self.problem(f"{a_pointer}/option", f"Unknown option '{option}'.")
                if criterion not in self.criteria:
                    self.problem(f"{a_pointer}/criterion", f"Unknown criterion '{criterion}'.")
                effect = effects.get((option, criterion))
                if effect is not None:
                    delta = adjustment["delta"]
                    if effect["low"] + delta < self.scale_min or effect["high"] + delta > self.scale_max:
                        self.problem(f"{a_pointer}/delta", f"Adjusted effect {effect['low'] + delta:g}..{effect['high'] + delta:g} leaves the scale.")


    def check_profiles(self) -> None:
        estimates = {(e["option"], e["criterion"]): (e["low"], e["high"]) for e in self.data["effects"]}
        criteria = tuple(c["id"] for c in self.data["criteria"])
        for index, profile in enumerate(self.data.get("profiles", [])):
            pointer = f"/profiles/{index}"
            if not profile["evidence"]:
                self.problem(f"{pointer}/evidence", "A profile cites at least one passage of the source (DESIGN.md §8.1).")
            if "weights" in profile:
                found = weights_problems(criteria, profile["weights"])
            else:
                found = priority_order_problems(criteria, profile["priority_order"])
            self.found.extend(Problem(pointer + p.pointer, p.detail) for p in found)
            check_effect_overrides(profile.get("effect_overrides", []), lambda o, c: estimates.get((o, c)),
                                   self.options - {STATUS_QUO},
                                   set(criteria),
                                   lambda sub, detail, at=pointer: self.problem(f"{at}/effect_overrides{sub}", detail))


def line_span(lines: str) -> tuple[int, int]:
    """'L12-L15' -> (12, 15); 'L12' -> (12, 12)."""
    first, last = LINES_PATTERN.match(lines).groups()
    return int(first), int(last or first)


def every_evidence(data: dict):
    """(pointer, evidence item) for every quote of a loaded model document, in document order."""
    for collection in ("criteria", "options", "effects", "interactions", "scenarios", "profiles"):
        for index, item in enumerate(data.get(collection, [])):
            for k, evidence in enumerate(item.get("evidence") or []):
                yield f"/{collection}/{index}/evidence/{k}", evidence
            for o_index, override in enumerate(item.get("effect_overrides") or []):
                for k, evidence in enumerate(override.get("evidence") or []):
                    yield f"/{collection}/{index}/effect_overrides/{o_index}/evidence/{k}", evidence


def _token(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def weights_problems(criterion_ids, weights: dict) -> list[Problem]:
    """What is wrong with priorities given as weights (DESIGN.md §2), pointers under /weights."""
    problems = []
    for criterion, weight in weights.items():
        pointer = f"/weights/{_token(criterion)}"
        if criterion not in criterion_ids:
            problems.append(Problem(pointer, f"Unknown criterion '{criterion}'."))
        elif isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
            problems.append(Problem(pointer, "A weight is a finite number."))
        elif weight < 0:
            problems.append(Problem(pointer, "A weight cannot be negative."))
    if not problems and max(weights.values(), default=0.0) <= 0:
        problems.append(Problem("/weights", "At least one weight must be positive."))
    return problems


def priority_order_problems(criterion_ids, priority_order: list) -> list[Problem]:
    """What is wrong with priorities given as an order of importance (DESIGN.md §2, §7),
    pointers under /priority_order: empty groups, unknown criteria, a criterion named twice."""
    problems, seen = [], {}
    for g_index, entry in enumerate(priority_order):
        group = entry if isinstance(entry, list) else [entry]
        if not group:
            problems.append(Problem(f"/priority_order/{g_index}", "An empty group of tied criteria."))
        for m_index, criterion in enumerate(group):
            pointer = f"/priority_order/{g_index}" + (f"/{m_index}" if isinstance(entry, list) else "")
            if criterion not in criterion_ids:
                problems.append(Problem(pointer, f"Unknown criterion '{criterion}'."))
            elif criterion in seen:
                problems.append(Problem(pointer, f"Criterion '{criterion}' is named twice (first at {seen[criterion]})."))
            seen.setdefault(criterion, pointer)
    if not problems and not seen:
        problems.append(Problem("/priority_order", "Name at least one criterion."))
    return problems


def check_effect_overrides(items: list[dict], effect_range, package_options: set[str], criteria: set[str], report) -> None:
    """Report, through `report(sub_pointer, detail)`, what is wrong with a list of effect
    overrides (DESIGN.md §7, §8.1): an unknown option or criterion, the status quo, a cell
    named twice, a value outside the effect's low..high. `effect_range(option, criterion)`
    gives (low, high). Shared by profiles in model documents and workshop submissions.
    """
    seen = set()
    for index, item in enumerate(items):
        pointer = f"/{index}"
        option, criterion, likely = item["option"], item["criterion"], item["likely"]
        if option not in package_options:
            report(f"{pointer}/option", f"Unknown option '{option}' (the status quo has no effects).")
            continue
        if criterion not in criteria:
            report(f"{pointer}/criterion", f"Unknown criterion '{criterion}'.")
            continue
        if (option, criterion) in seen:
            report(pointer, f"The effect of '{option}' on '{criterion}' is overridden twice.")
            continue
        seen.add((option, criterion))
        bounds = effect_range(option, criterion)
        if bounds is not None and not bounds[0] <= likely <= bounds[1]:
            report(f"{pointer}/likely", f"Must lie within the effect's range {bounds[0]:g}..{bounds[1]:g}.")


def check_constraint_references(constraint: dict, options: set[str], criteria: set[str], report) -> None:
    """Report, through `report(sub_pointer, detail)`, ids a constraint names that the model lacks.

    Shared by model constraints and request constraints (DESIGN.md §3).
    """
    for index, option in enumerate(constraint.get("options", [])):
        if option == STATUS_QUO:
            report(f"/options/{index}", "The status quo is the empty package; it cannot be named in a constraint.")
        elif option not in options:
            report(f"/options/{index}", f"Unknown option '{option}'.")
    if len(set(constraint.get("options", []))) != len(constraint.get("options", [])):
        report("/options", "An option is named twice.")
    for name in ("option", "requires"):
        if name in constraint:
            if constraint[name] == STATUS_QUO:
                report(f"/{name}", "The status quo is the empty package; it cannot be named in a constraint.")
            elif constraint[name] not in options:
                report(f"/{name}", f"Unknown option '{constraint[name]}'.")
    if "criterion" in constraint and constraint["criterion"] not in criteria:
        report("/criterion", f"Unknown criterion '{constraint['criterion']}'.")


# -- Warnings: what a reviewer should confirm; they never block a model (DESIGN.md §8.1) -----------

# Words by which a sentence reports someone's view or a perception rather than the author's own
# claim. A quote containing one often carries a view the author goes on to dispute.
CRITIQUE_MARKERS = ("perceived as", "so-called", "ostensibly", "supposedly", "presumably", "allegedly",
                    "is said to", "are said to", "was said to", "were said to", "it might be said", "in essence",
                    "deemed", "seem to think", "seems to think", "according to", "claimed", "claims that")
_MARKER_PATTERN = re.compile(r"\b(" + "|".join(re.escape(m) for m in CRITIQUE_MARKERS) + r")\b", re.IGNORECASE)


def document_warnings(data: dict) -> list[Problem]:
    """Warnings about a valid model document, each with the pointer of the evidence concerned:

    - one passage supporting two criteria of one option: an effect's evidence whose line
      range overlaps the range of evidence cited for another criterion of the same option
      (the same mechanism may be counted twice), unless either item has a `context` note;
    - a quote that may be the author's critique rather than support: effect or interaction
      evidence without a `context` note whose lines overlap a passage the model lists under
      `critiques`, or whose quote contains one of `CRITIQUE_MARKERS`.

    A `context` note is the analyst's statement of how the quote reads in its paragraph: it
    marks the evidence as reviewed and silences both warnings. What the paragraph around a
    quote says is not read here (a posted model brings no source text), so a critique the
    model does not mark and the quote does not betray goes unseen.
    """
    return _shared_passages(data) + _critique_quotes(data)


def _shared_passages(data: dict) -> list[Problem]:
    by_option: dict[str, list] = {}
    for index, effect in enumerate(data["effects"]):
        for k, item in enumerate(effect.get("evidence") or []):
            if item.get("context"):  # an analyst has said how this quote reads: reviewed
                continue
            by_option.setdefault(effect["option"], []).append(
                (effect["criterion"], f"/effects/{index}/evidence/{k}", item["lines"], line_span(item["lines"])))
    warnings = []
    for option, items in by_option.items():
        for (c1, p1, l1, (a1, b1)), (c2, p2, l2, (a2, b2)) in combinations(items, 2):
            if c1 != c2 and a1 <= b2 and a2 <= b1:
                warnings.append(Problem(p2, f"{l2} overlaps {l1}, which supports '{option}' on '{c1}' ({p1}): one "
                                            f"passage scores '{option}' on '{c1}' and on '{c2}'; check that one "
                                            f"mechanism is not counted twice."))
    return warnings


def _critique_quotes(data: dict) -> list[Problem]:
    critiques = [(line_span(c["lines"]), c) for c in data.get("critiques", [])]
    cells = [(f"/effects/{i}", e) for i, e in enumerate(data["effects"])]
    cells += [(f"/interactions/{i}", item) for i, item in enumerate(data.get("interactions", []))]
    warnings = []
    for pointer, cell in cells:
        for k, item in enumerate(cell.get("evidence") or []):
            if item.get("context"):
                continue
            first, last = line_span(item["lines"])
            marked = next((c for (a, b), c in critiques if a <= last and first <= b), None)
            marker = _MARKER_PATTERN.search(" ".join(item["quote"].split()))
            if marked is not None:
                detail = (f"The quote comes from {marked['lines']}, which the model marks as the author's critique "
                          f"({marked['note']})")
            elif marker is not None:
                detail = f"The quote contains “{marker.group(1)}”, which often reports a view the author does not hold"
            else:
                continue
            warnings.append(Problem(f"{pointer}/evidence/{k}", detail + ": confirm that it supports this effect read "
                                                                   "in its paragraph, and say how in the evidence's 'context'."))
    return warnings
