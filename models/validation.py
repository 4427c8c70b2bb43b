"""The model validator: every problem of a model document at once, each with a JSON pointer.

`validate_model_document` serves both the built-in YAML files and
`POST /api/v1/models`. Structure (types, required and unknown fields) is checked
by `models.schema.ModelDocumentSchema`; this module then checks what the fields
refer to and the value model's own rules (DESIGN.md §1, §4.1, §7).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from marshmallow import ValidationError

from models.domain import STATUS_QUO
from models.schema import LINES_PATTERN, ModelDocumentSchema, pointers_from_messages

# Limits for a posted model (README "Limits"): far above what a report yields,
# low enough that one request cannot make the service enumerate or solve for long.
MAX_CRITERIA = 50
MAX_OPTIONS = 200
MAX_SCENARIOS = 50
MAX_INTERACTIONS = 2000
MAX_CONSTRAINTS = 500


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
        for collection in ("criteria", "options", "interactions", "constraints", "scenarios"):
            self.check_unique_ids(collection)
        self.check_evidence_lines()
        self.check_effects()
        self.check_interactions()
        self.check_constraints()
        self.check_scenarios()
        return self.found

    def check_sizes(self) -> None:
        limits = {"criteria": MAX_CRITERIA, "options": MAX_OPTIONS, "scenarios": MAX_SCENARIOS,
                  "interactions": MAX_INTERACTIONS, "constraints": MAX_CONSTRAINTS}
        for collection, limit in limits.items():
            items = self.data.get(collection, [])
            if collection == "options":
                # The status quo is added to every model (and so to every stored document): it never
                # counts, or a model accepted at the limit would be refused once stored.
                items = [o for o in items if o["id"] != STATUS_QUO]
            if len(items) > limit:
                self.problem(f"/{collection}", f"At most {limit} {collection} per model (limit).")
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
        def check(evidence, pointer):
            for index, item in enumerate(evidence or []):
                first, last = LINES_PATTERN.match(item["lines"]).groups()
                if last is not None and int(last) < int(first):
                    self.problem(f"{pointer}/{index}/lines", "The line range ends before it starts.")

        for collection in ("criteria", "options", "effects", "interactions", "scenarios"):
            for index, item in enumerate(self.data.get(collection, [])):
                check(item.get("evidence"), f"/{collection}/{index}/evidence")

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
