"""Packages and the two exact ways to find the best ones.

`ScoredPackage` is a package with its value. A *package space* answers four
questions for fixed constraints: the k best packages for given weights, the
best package containing a given option, whether any package is feasible, and
which constraints, minimally, admit no package (with a given option, or at all).
`EnumeratedSpace` (here) lists every package, which is exact and fastest while
the number of options is small (2^n packages); `service.engine.optimizer`
answers the same questions with a mixed-integer program beyond that size.
Property tests check both against an independent brute force.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from service.engine.constraints import SourcedConstraint, satisfied
from service.engine.ordering import ranked
from service.engine.performance import VALUE_SCALE, PerformanceTable
from service.engine.settings import SolverSettings

# Above this many options, packages are found by the MILP instead of listed (2^14 = 16,384 packages).
ENUMERATION_LIMIT = 14


@dataclass(frozen=True)
class ScoredPackage:
    options: tuple[str, ...]  # sorted option ids; () is the status quo
    value: float
    performance: np.ndarray  # perf[j](S) per criterion


class PackageSpace(Protocol):
    """What `EnumeratedSpace` and `optimizer.PackageProgram` both answer, for fixed constraints."""

    method: str  # "enumeration" or "milp", reported in provenance
    forbidding_conflicts: dict[int, list]  # per option: the constraints that keep it out, once found

    def best(self, weights: np.ndarray, k: int) -> list[tuple[int, ScoredPackage]]: ...
    def best_containing(self, weights: np.ndarray, option_index: int) -> ScoredPackage | None: ...
    def minimal_conflict(self, forced: int | None = None) -> list[SourcedConstraint]: ...


def rank_scored(packages: list[ScoredPackage]) -> list[tuple[int, ScoredPackage]]:
    return ranked(packages, value=lambda p: p.value, members=lambda p: p.options)


class _AllPackages:
    """Every subset of a table's options with its performance: built once per table."""

    def __init__(self, table: PerformanceTable):
        self.table = table
        n = len(table.option_ids)
        codes = np.arange(1 << n, dtype=np.int64)
        self.membership = ((codes[:, None] >> np.arange(n)) & 1).astype(bool)
        performance = self.membership.astype(float) @ table.effects
        for term in table.interactions:
            both = self.membership[:, term.first] & self.membership[:, term.second]
            performance[both] += term.effects
        self.performance = performance
        self.constraint_masks: dict = {}

    def mask(self, constraint) -> np.ndarray:
        found = self.constraint_masks.get(constraint)
        if found is None:
            found = self.constraint_masks[constraint] = satisfied(constraint, self.table, self.membership,
                                                                  self.performance)
        return found


_ALL_PACKAGES: dict[int, _AllPackages] = {}


def _all_packages(table: PerformanceTable) -> _AllPackages:
    # Tables are cached and immutable, so their identity keys this cache.
    found = _ALL_PACKAGES.get(id(table))
    if found is None or found.table is not table:
        if len(_ALL_PACKAGES) > 256:
            _ALL_PACKAGES.clear()
        found = _AllPackages(table)
        _ALL_PACKAGES[id(table)] = found
    return found


class EnumeratedSpace:
    """Exact answers by listing every package (for at most ENUMERATION_LIMIT options)."""

    method = "enumeration"

    def __init__(self, table: PerformanceTable, constraints: list[SourcedConstraint]):
        self.table = table
        self.constraints = constraints
        self.packages = _all_packages(table)
        feasible = np.ones(len(self.packages.membership), dtype=bool)
        for item in constraints:
            feasible &= self.packages.mask(item.constraint)
        self.feasible_rows = np.flatnonzero(feasible)
        self.feasible_performance = self.packages.performance[self.feasible_rows]
        self.feasible_membership = self.packages.membership[self.feasible_rows]
        self.forbidding_conflicts: dict[int, list] = {}
        self._options: dict[int, tuple[str, ...]] = {}  # package row -> its sorted option ids

    def is_feasible(self) -> bool:
        return len(self.feasible_rows) > 0

    def _scored(self, row: int, value: float) -> ScoredPackage:
        options = self._options.get(row)
        if options is None:
            members = self.packages.membership[row]
            options = self._options[row] = tuple(sorted(self.table.option_ids[i] for i in np.flatnonzero(members)))
        return ScoredPackage(options, value, self.packages.performance[row])

    def best(self, weights: np.ndarray, k: int) -> list[tuple[int, ScoredPackage]]:
        values = self.feasible_performance @ weights / VALUE_SCALE
        if k == 1 and len(values):
            # The first tie group alone (values within 1e-9 of the best), listed: no sort of the rest.
            top = values.max()
            near = np.flatnonzero(values >= top - 2e-9)
            return rank_scored([self._scored(self.feasible_rows[i], float(values[i])) for i in near])[:1]
        order = np.argsort(-values, kind="stable")
        if len(order) > k:
            # Everything tied with the k-th value must be seen before ties are ordered.
            cut = values[order[k - 1]] - 1e-9 * 2
            order = order[values[order] >= cut]
        candidates = [self._scored(self.feasible_rows[i], float(values[i])) for i in order]
        return rank_scored(candidates)[:k]

    def best_containing(self, weights: np.ndarray, option_index: int) -> ScoredPackage | None:
        rows = np.flatnonzero(self.feasible_membership[:, option_index])
        if len(rows) == 0:
            return None
        values = self.feasible_performance[rows] @ weights / VALUE_SCALE
        top = values.max()
        candidates = [self._scored(self.feasible_rows[rows[i]], float(values[i]))
                      for i in np.flatnonzero(values >= top - 2e-9)]
        return rank_scored(candidates)[0][1]

    def minimal_conflict(self, forced: int | None = None) -> list[SourcedConstraint]:
        """A minimal set of the constraints that admit no package (containing option `forced`, when given).

        The deletion filter over the constraints' masks of feasible packages, in O(n) mask
        operations: when constraint i is tested, the constraints after it are all still kept,
        so their AND is a suffix product computed once.
        """
        packages = self.packages
        masks = [packages.mask(item.constraint) for item in self.constraints]
        kept_before = (np.ones(len(packages.membership), dtype=bool) if forced is None
                       else packages.membership[:, forced].copy())
        suffix = [np.ones(len(packages.membership), dtype=bool)]
        for mask in reversed(masks):
            suffix.append(suffix[-1] & mask)
        suffix.reverse()  # suffix[i] = AND of masks[i:]
        kept = []
        for i, mask in enumerate(masks):
            if (kept_before & suffix[i + 1]).any():  # feasible without constraint i: it is needed
                kept.append(i)
                kept_before &= mask
        return [self.constraints[i] for i in kept]


def deletion_filter(candidates: list[int], feasible, settings: SolverSettings) -> list[int]:
    """A minimal infeasible subset of `candidates` by the deletion filter (Chinneck & Dravnieks 1991).

    `candidates` must be infeasible together. Each is dropped in turn and stays dropped when
    the rest is still infeasible; what is left is infeasible and every proper subset of it is
    feasible. `feasible(subset)` tests a subset; the request's deadline is checked between tests.
    """
    kept = list(candidates)
    for item in list(candidates):
        settings.check_time()
        trial = [c for c in kept if c != item]
        if not feasible(trial):
            kept = trial
    return kept
