"""Weight stability intervals: how far one weight can move before the best choice changes.

Criterion j's weight moves along w(t) = (1 - t) * base + t * e_j for t in [0, 1], where
`base` is the current weights with w_j set to 0 and the rest rescaled to sum 1 (so the
others keep their proportions; when w_j is 1 they share 1 - t equally). At t = w_j this
is the current weight vector. Every candidate's value is linear in t, so the best value
over candidates is a convex piecewise-linear function of t, and the current best stays
best on one interval around w_j.

Each end of that interval is found exactly by the Eisner-Severance scheme (Eisner &
Severance 1976): ask for the best candidate at the far end of the path; if it is not
the incumbent, move to where its line crosses the incumbent's and ask again; when the
incumbent is best at the crossing, that crossing is the bound and the last challenger
is what takes over past it (both are on the convex envelope between the crossing and
the point where the challenger was found best). The same scheme serves single options
(a direct argmax) and packages (enumeration or the MILP behind `PackageSpace.best`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from service.engine.errors import SolverFailure
from service.engine.performance import TIE_TOLERANCE, VALUE_SCALE

# Each step meets a new line of the envelope; this bounds them for a safe failure, not a cap in use.
MAX_STEPS = 10_000


@dataclass(frozen=True)
class Candidate:
    """An option or package: its DESIGN.md §2 listing key, its name in the response, its performance."""

    key: tuple
    label: object
    performance: np.ndarray

    def value(self, weights: np.ndarray) -> float:
        return float(self.performance @ weights) / VALUE_SCALE


def path_base(weights: np.ndarray, j: int) -> np.ndarray:
    """The weight vector at t = 0 of criterion j's path (see the module docstring)."""
    base = np.array(weights, dtype=float)
    base[j] = 0.0
    total = base.sum()
    if total <= 0:
        base = np.ones(len(weights))
        base[j] = 0.0
        total = base.sum()
    return base / total


def stability_interval(best_at: Callable[[np.ndarray], Candidate], incumbent: Candidate,
                       weights: np.ndarray, j: int) -> dict:
    """The interval of w_j (others rescaled) on which `incumbent` stays best.

    `best_at(w)` returns the best candidate at weights w (ties settled as in DESIGN.md §2).
    Returns {"weight", "lower", "upper", "below", "above"}: a bound is None when no change
    of w_j in that direction overturns the incumbent, and `below`/`above` name the
    candidate that is best just past each bound.
    """
    if len(weights) == 1:
        return {"weight": float(weights[0]), "lower": None, "upper": None, "below": None, "above": None}
    base = path_base(weights, j)
    corner = np.zeros(len(weights))
    corner[j] = 1.0
    t0 = float(weights[j])
    lower, below = _bound(best_at, incumbent, base, corner, t0, 0.0)
    upper, above = _bound(best_at, incumbent, base, corner, t0, 1.0)
    return {"weight": t0, "lower": _clean(lower), "upper": _clean(upper),
            "below": None if below is None else below.label, "above": None if above is None else above.label}


def _clean(bound: float | None) -> float | None:
    # A crossing computed at the path's end may land a rounding error outside [0, 1], or at -0.0.
    return None if bound is None else min(max(bound, 0.0), 1.0) + 0.0


def _bound(best_at, incumbent: Candidate, base: np.ndarray, corner: np.ndarray, t0: float, end: float):
    def at(t: float) -> np.ndarray:
        return (1.0 - t) * base + t * corner

    t, challenger = end, None
    for _ in range(MAX_STEPS):
        weights = at(t)
        leader = best_at(weights)
        if leader.key == incumbent.key:
            return (None, None) if challenger is None else (t, challenger)
        if leader.value(weights) <= incumbent.value(weights) + TIE_TOLERANCE:
            # A tie the leader wins by the listing rule: the incumbent holds up to t, not at t.
            return t, challenger if challenger is not None else leader
        challenger = leader
        # difference(t) = value(leader) - value(incumbent) is linear: > 0 at t, <= 0 at t0.
        at_zero = leader.value(base) - incumbent.value(base)
        at_one = leader.value(corner) - incumbent.value(corner)
        slope = at_one - at_zero
        crossing = -at_zero / slope if slope != 0 else t0
        t = float(min(max(crossing, min(t0, t)), max(t0, t)))
    raise SolverFailure(f"The stability interval did not settle within {MAX_STEPS} steps.")


def leader_among(candidates: list[Candidate]) -> Callable[[np.ndarray], Candidate]:
    """`best_at` for a fixed list of candidates: highest value, ties by listing key."""
    performance = np.array([c.performance for c in candidates])
    keys = [c.key for c in candidates]

    def best_at(weights: np.ndarray) -> Candidate:
        values = performance @ weights / VALUE_SCALE
        tied = np.flatnonzero(values >= values.max() - TIE_TOLERANCE)
        return candidates[min(tied, key=lambda i: keys[i])]

    return best_at


def stability_intervals(best_at, incumbent: Candidate, weights: np.ndarray, criterion_ids) -> dict[str, dict]:
    """`stability_interval` for every criterion, by criterion id."""
    return {c: stability_interval(best_at, incumbent, weights, j) for j, c in enumerate(criterion_ids)}
