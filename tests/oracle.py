"""An independent brute force of the value model and constraints (DESIGN.md §2, §3, §5, §7).

It reads the model *document* (DESIGN.md §4.1) and the request fields (§5)
directly and shares no code with `service.engine` or `models`: every subset of
options is listed with `itertools`, performance and value are plain loops, each
constraint type is tested as the DESIGN text states it, and ranking follows the
tie rule of §2. Arithmetic is exact (`fractions.Fraction`), so the oracle itself
has no rounding; the engine's floats are compared with it to a tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

STATUS_QUO = "status-quo"
VALUE_SCALE = 3  # value(S) = sum_j w_j perf_j(S) / 3
TIE_TOLERANCE = Fraction(1, 10**9)


@dataclass(frozen=True)
class SourcedRule:
    """A constraint in the shape of DESIGN.md §3 and where it comes from (the `conflict` entry shape)."""

    fields: dict
    source: dict


@dataclass(frozen=True)
class RankedEntry:
    rank: int
    members: tuple[str, ...]  # sorted option ids; () is the status quo
    value: Fraction


def chosen_scenario(document: dict, scenario_id: str | None) -> dict | None:
    """The scenario a request means: the one it names, else the model's default, else the first."""
    scenarios = document.get("scenarios", [])
    if scenario_id is not None:
        return next(s for s in scenarios if s["id"] == scenario_id)
    if document.get("default_scenario"):
        return next(s for s in scenarios if s["id"] == document["default_scenario"])
    flagged = [s for s in scenarios if s.get("default")]
    if flagged:
        return flagged[0]
    return scenarios[0] if scenarios else None


def oracle_weights(criteria: list[str], request: dict) -> dict[str, Fraction]:
    """Normalized weights from `weights` or from a `priority_order` (rank-order centroid, §2 and §7)."""
    if "weights" in request:
        raw = {c: Fraction(request["weights"].get(c, 0)) for c in criteria}
        total = sum(raw.values())
        return {c: raw[c] / total for c in criteria}
    groups = [entry if isinstance(entry, list) else [entry] for entry in request["priority_order"]]
    n = sum(len(group) for group in groups)
    # Rank r of n gets (1/n) * sum_{i=r..n} 1/i (Barron & Barrett 1996).
    by_rank = [sum(Fraction(1, i) for i in range(r, n + 1)) / n for r in range(1, n + 1)]
    weights = {c: Fraction(0) for c in criteria}
    first_rank = 0
    for group in groups:
        share = sum(by_rank[first_rank:first_rank + len(group)]) / len(group)
        for criterion in group:
            weights[criterion] = share
        first_rank += len(group)
    return weights


def rank_with_ties(entries: list[tuple[tuple[str, ...], Fraction]]) -> list[RankedEntry]:
    """DESIGN.md §2: by value, descending; values equal to 1e-9 share a rank (1, 2, 2, 4),
    listed by fewer options, then option id."""
    by_value = sorted(entries, key=lambda entry: -entry[1])
    result: list[RankedEntry] = []
    while len(result) < len(by_value):
        start = end = len(result)
        while end < len(by_value) and by_value[end][1] >= by_value[start][1] - TIE_TOLERANCE:
            end += 1
        for members, value in sorted(by_value[start:end], key=lambda entry: (len(entry[0]), entry[0])):
            result.append(RankedEntry(start + 1, members, value))
    return result


class Oracle:
    """Every quantity of a ranking, recomputed by brute force for one model document and request."""

    def __init__(self, document: dict, request: dict):
        self.criteria = [c["id"] for c in document["criteria"]]
        self.options = [o["id"] for o in document["options"] if o["id"] != STATUS_QUO]
        self.scenario = chosen_scenario(document, request.get("scenario"))
        case = request.get("score_case", "likely")
        self.effect = {(o, c): Fraction(0) for o in self.options for c in self.criteria}
        for effect in document["effects"]:
            if effect["option"] != STATUS_QUO:
                self.effect[effect["option"], effect["criterion"]] = Fraction(effect[case])
        unavailable = []
        if self.scenario is not None:
            for adjustment in self.scenario.get("adjustments", []):
                self.effect[adjustment["option"], adjustment["criterion"]] += Fraction(adjustment["delta"])
            unavailable = list(self.scenario.get("unavailable", []))
        self.interactions = [(set(i["options"]), {c: Fraction(e[case]) for c, e in i["effects"].items()})
                             for i in document.get("interactions", [])]
        self.weights = oracle_weights(self.criteria, request)
        self.rules = ([SourcedRule(c, {"source": "model", "id": c["id"]}) for c in document.get("constraints", [])]
                      + [SourcedRule({"type": "exclude", "options": [o]}, {"source": "scenario", "option": o})
                         for o in unavailable]
                      + [SourcedRule(c, {"source": "request", "index": i})
                         for i, c in enumerate(request.get("constraints", []))])
        self.all_packages = [frozenset(subset) for size in range(len(self.options) + 1)
                             for subset in combinations(self.options, size)]
        self._performance: dict[frozenset, dict[str, Fraction]] = {}
        self._feasible: list[frozenset] | None = None

    # -- the value model (§2) ---------------------------------------------------------------

    def performance(self, package) -> dict[str, Fraction]:
        package = frozenset(package)
        if package not in self._performance:
            self._performance[package] = self._performance_of(package)
        return self._performance[package]

    def _performance_of(self, package: frozenset) -> dict[str, Fraction]:
        perf = {}
        for criterion in self.criteria:
            total = Fraction(0)
            for option in package:
                total += self.effect[option, criterion]
            for pair, extra in self.interactions:
                if pair <= package:
                    total += extra.get(criterion, Fraction(0))
            perf[criterion] = total
        return perf

    def value(self, package) -> Fraction:
        perf = self.performance(package)
        return sum(self.weights[c] * perf[c] for c in self.criteria) / VALUE_SCALE

    # -- constraints (§3, §7) ---------------------------------------------------------------

    def satisfies(self, rule: dict, package) -> bool:
        chosen = sum(1 for option in rule.get("options", []) if option in package)
        kind = rule["type"]
        if kind == "include":
            return chosen == len(rule["options"])
        if kind == "exclude":
            return chosen == 0
        if kind == "requires":
            return rule["option"] not in package or rule["requires"] in package
        if kind == "excludes":  # never all chosen together: at most n - 1 of them
            return chosen <= len(rule["options"]) - 1
        if kind == "at_most":
            return chosen <= rule["count"]
        if kind == "at_least":
            return chosen >= rule["count"]
        if kind == "max_options":
            return len(package) <= rule["count"]
        if kind == "min_performance":
            return self.performance(package)[rule["criterion"]] >= Fraction(rule["at_least"])
        raise ValueError(f"unknown constraint type {kind!r}")

    def feasible_packages(self, rules: list[SourcedRule] | None = None) -> list[frozenset]:
        """Packages that satisfy `rules` (by default all the constraints in force)."""
        if rules is None:
            if self._feasible is None:
                self._feasible = self.feasible_packages(self.rules)
            return self._feasible
        return [p for p in self.all_packages if all(self.satisfies(r.fields, p) for r in rules)]

    def is_feasible(self, rules: list[SourcedRule]) -> bool:
        return bool(self.feasible_packages(rules))

    def rule_from_source(self, source: dict) -> SourcedRule:
        """The constraint a `conflict` entry names; KeyError when it names none."""
        for rule in self.rules:
            if rule.source == source:
                return rule
        raise KeyError(source)

    # -- rankings (§5) ----------------------------------------------------------------------

    def ranked_packages(self) -> list[RankedEntry]:
        """Every feasible package in rank order."""
        return rank_with_ties([(tuple(sorted(p)), self.value(p)) for p in self.feasible_packages()])

    def excluded_options(self) -> set[str]:
        """Options the scenario makes unavailable or any `exclude` names (§7)."""
        return {o for rule in self.rules if rule.fields["type"] == "exclude" for o in rule.fields["options"]}

    def ranked_options(self) -> list[RankedEntry]:
        """Each option on its own, the status quo (value 0) included, excluded ones left out."""
        entries = [((), Fraction(0))]
        entries += [((o,), self.value({o})) for o in self.options if o not in self.excluded_options()]
        return rank_with_ties(entries)

    def best_value_containing(self, option: str) -> Fraction | None:
        values = [self.value(p) for p in self.feasible_packages() if option in p]
        return max(values) if values else None


def as_profile_sees_it(document: dict, request: dict) -> tuple[dict, dict]:
    """DESIGN.md §8.1 read literally: a request naming a `profile` means that profile's `weights` or
    `priority_order`, and the model with each of its `effect_overrides` as the effect's `likely`."""
    if "profile" not in request:
        return document, request
    profile = next(p for p in document["profiles"] if p["id"] == request["profile"])
    moved = {(o["option"], o["criterion"]): o["likely"] for o in profile.get("effect_overrides", [])}
    effects = [{**e, "likely": moved.get((e["option"], e["criterion"]), e["likely"])} for e in document["effects"]]
    priorities = {k: profile[k] for k in ("weights", "priority_order") if k in profile}
    rest = {k: v for k, v in request.items() if k != "profile"}
    return {**document, "effects": effects}, {**rest, **priorities}
