"""Necessary and possible preference, and the range of ranks, over the admissible weights.

For candidates a and b (options or packages) the difference value(a) - value(b) is linear
in the weights, so its minimum and maximum over the admissible polytope are linear
programs; their optimal weight vectors are the witnesses. a is *necessarily* at least as
good as b when the minimum is >= 0, *possibly* better when the maximum is > 0 (both to
1e-9, the tie tolerance of DESIGN.md §2).

The best and worst rank of each option are exact. Ranks share ties as in DESIGN.md §2
(rank = 1 + the number of options whose value is higher by more than 1e-9). Two cheap
bounds come first: an option can rank no better than 1 + the options that necessarily
beat it, and no worse than 1 + those that possibly beat it; ranks observed at sampled
and witness weights are attained. Where an observed rank does not meet its bound, a
small MILP settles it (`linear_programs.fewest_beating` / `most_beating`, solved with
feasibility tolerances of 1e-9). The worst-rank program counts an option as beating only
by a margin of 1e-7 in value, and the worst rank reported is the one evaluated at the
program's weights, so it is always attained.
"""

from __future__ import annotations

import numpy as np

from service.engine.linear_programs import PolytopeRows, WeightProgram, fewest_beating, most_beating
from service.engine.settings import SolverSettings
from service.engine.performance import TIE_TOLERANCE, VALUE_SCALE

WORST_RANK_MARGIN = 1e-7
_BLOCK_ELEMENTS = 4_000_000
# Up to this many candidates, ranks count rivals one comparison at a time.
_LOOPED_RANKS = 32


def difference_extremes(program: WeightProgram, performance: np.ndarray, vertices: np.ndarray | None = None,
                        settings: SolverSettings | None = None):
    """Minimum and maximum of value(a) - value(b) for all a, b, with witness weights.

    Returns (lowest, highest, lowest_at, highest_at): (m, m) arrays and (m, m, n) witnesses;
    the diagonal is 0. One LP pair per unordered pair: min(b - a) = -max(a - b). When the
    admissible set is a simplex with known `vertices`, a linear objective's optimum is at
    one of them, so the optima are read off the vertices instead of solved for.
    """
    if vertices is not None:
        return _extremes_at_vertices(performance, vertices)
    m, n = performance.shape
    lowest, highest = np.zeros((m, m)), np.zeros((m, m))
    lowest_at, highest_at = np.zeros((m, m, n)), np.zeros((m, m, n))
    for a in range(m):
        if settings is not None:
            settings.check_time()
        for b in range(a + 1, m):
            objective = (performance[a] - performance[b]) / VALUE_SCALE
            if not objective.any():
                anywhere = program.optimum(objective, maximize=False)[1]
                lowest_at[a, b] = highest_at[a, b] = lowest_at[b, a] = highest_at[b, a] = anywhere
                continue
            low, low_at = program.optimum(objective, maximize=False)
            high, high_at = program.optimum(objective, maximize=True)
            lowest[a, b], highest[a, b], lowest_at[a, b], highest_at[a, b] = low, high, low_at, high_at
            lowest[b, a], highest[b, a], lowest_at[b, a], highest_at[b, a] = -high, -low, high_at, low_at
    return _zeroed(lowest), _zeroed(highest), lowest_at, highest_at


def _extremes_at_vertices(performance: np.ndarray, vertices: np.ndarray):
    at_vertices = vertices @ performance.T / VALUE_SCALE            # (vertices, m)
    differences = at_vertices[:, :, None] - at_vertices[:, None, :]  # (vertices, a, b)
    lowest_vertex, highest_vertex = differences.argmin(axis=0), differences.argmax(axis=0)
    lowest, highest = differences.min(axis=0), differences.max(axis=0)
    return _zeroed(lowest), _zeroed(highest), vertices[lowest_vertex], vertices[highest_vertex]


def neighbourhood_extremes(centre: np.ndarray, low: float, high: float, performance: np.ndarray):
    """`difference_extremes` over the weights near `centre` (`weight_space.Neighbourhood`), exactly.

    value(a) - value(b) = g @ f / (c @ f) with g = (perf_a - perf_b) * c / 3 and f the factors in
    [low, high]: a linear-fractional objective over a box, extremal at a box vertex, and at the
    optimum r a factor is high exactly where g_j / c_j > r (Dinkelbach 1967). So the maximum is
    the best of the n + 1 vertices that put the factors of the j with the largest g_j / c_j high,
    the rest low: every pair at once, by one sort.
    """
    m, n = performance.shape
    differences = (performance[:, None, :] - performance[None, :, :]).reshape(m * m, n) / VALUE_SCALE
    highest, highest_at = _fractional_maximum(differences, centre, low, high)
    lowest, lowest_at = _fractional_maximum(-differences, centre, low, high)
    return (_zeroed(-lowest.reshape(m, m)), _zeroed(highest.reshape(m, m)),
            lowest_at.reshape(m, m, n), highest_at.reshape(m, m, n))


def _fractional_maximum(objectives: np.ndarray, centre: np.ndarray, low: float, high: float):
    """max of objectives @ w over w = centre * f / sum(centre * f), low <= f <= high, and the w attaining it."""
    count, n = objectives.shape
    order = np.argsort(-objectives, axis=1, kind="stable")
    weighted = np.take_along_axis(objectives * centre, order, axis=1)
    mass = centre[order]
    zero = np.zeros((count, 1))
    top_value = np.hstack([zero, np.cumsum(weighted, axis=1)])  # t = 0..n criteria set high
    top_mass = np.hstack([zero, np.cumsum(mass, axis=1)])
    value = (high * top_value + low * (top_value[:, -1:] - top_value)) / (high * top_mass + low * (top_mass[:, -1:] - top_mass))
    best = np.argmax(value, axis=1)
    factors = np.where(np.arange(n)[None, :] < best[:, None], high, low)
    at = np.empty((count, n))
    np.put_along_axis(at, order, factors * mass, axis=1)
    at /= at.sum(axis=1, keepdims=True)
    return value[np.arange(count), best], at


def box_bounds(lower: np.ndarray, upper: np.ndarray, performance: np.ndarray, columns: int):
    """Bounds on value(b) - value(a) for every b and the first `columns` candidates a, over
    {lower <= w <= upper, sum(w) = 1}: exact there (a continuous knapsack, filled greedily),
    and valid bounds on any subset of it (an order of the weights cuts it further).

    Returns (lowest, highest) as (m, m) arrays filled in columns 0..columns-1.
    """
    m, n = performance.shape
    differences = (performance[:, None, :] - performance[None, :columns, :]).reshape(m * columns, n) / VALUE_SCALE
    lowest, highest = np.full((m, m), np.nan), np.full((m, m), np.nan)
    highest[:, :columns] = _knapsack_maximum(differences, lower, upper).reshape(m, columns)
    lowest[:, :columns] = -_knapsack_maximum(-differences, lower, upper).reshape(m, columns)
    return lowest, highest


def _knapsack_maximum(objectives: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """max of objectives @ w over lower <= w <= upper, sum(w) = 1 (assumed non-empty)."""
    order = np.argsort(-objectives, axis=1, kind="stable")
    room = (upper - lower)[order]
    left = 1.0 - lower.sum()
    given = np.clip(left - (np.cumsum(room, axis=1) - room), 0.0, room)
    return objectives @ lower + (np.take_along_axis(objectives, order, axis=1) * given).sum(axis=1)


def _zeroed(values: np.ndarray) -> np.ndarray:
    # LP round-off of a structurally zero difference must not read as a preference.
    return np.where(np.abs(values) < 1e-12, 0.0, values) + 0.0


def pairwise_documents(labels: list, extremes, criterion_ids) -> list[dict]:
    """The `pairwise` entries of DESIGN.md §5.1 for every ordered pair of distinct candidates."""
    lowest, highest, lowest_at, highest_at = extremes
    documents = []
    for a, first in enumerate(labels):
        for b, second in enumerate(labels):
            if a == b:
                continue
            documents.append({
                "a": first, "b": second,
                "min_difference": float(lowest[a, b]), "max_difference": float(highest[a, b]),
                # Weak relations, as robust ordinal regression defines them (Greco, Mousseau & Słowiński
                # 2008): a is necessarily / possibly at least as good as b, so necessary implies possible.
                "necessary": bool(lowest[a, b] >= -TIE_TOLERANCE), "possible": bool(highest[a, b] >= -TIE_TOLERANCE),
                "witness_min": dict(zip(criterion_ids, map(float, lowest_at[a, b]))),
                "witness_max": dict(zip(criterion_ids, map(float, highest_at[a, b]))),
            })
    return documents


def shared_ranks(values: np.ndarray, columns: int | None = None) -> np.ndarray:
    """Ranks of DESIGN.md §2 for rows of values (samples, candidates): 1 + the number higher by
    > 1e-9; for the first `columns` candidates only, when given."""
    samples, m = values.shape
    columns = m if columns is None else columns
    ranks = np.ones((samples, columns), dtype=np.int64)
    block = max(1, _BLOCK_ELEMENTS // (m * columns))
    for start in range(0, samples, block):
        chunk = values[start:start + block]
        if m <= _LOOPED_RANKS:
            # One comparison per rival: cheaper than reducing a tiny last axis.
            for b in range(m):
                ranks[start:start + block] += chunk[:, b:b + 1] > chunk[:, :columns] + TIE_TOLERANCE
        else:
            ranks[start:start + block] += (chunk[:, None, :] > chunk[:, :columns, None] + TIE_TOLERANCE).sum(axis=2)
    return ranks


def rank_ranges(rows: PolytopeRows, performance: np.ndarray, extremes, observed_weights: np.ndarray,
                settings: SolverSettings = SolverSettings(), columns: int | None = None) -> list[dict]:
    """Best and worst rank of each candidate over the admissible weights, with witness weights;
    of the first `columns` candidates only, when given (ranks still count every candidate).

    `extremes` are the minimum and maximum of value(b) - value(a) over the same polytope (or
    bounds on them) for every b and those a; `observed_weights` are admissible weight vectors
    (samples, witnesses) whose ranks tighten the search.
    """
    lowest, highest = extremes[0], extremes[1]
    m = len(performance)
    columns = m if columns is None else columns
    ranks = shared_ranks(observed_weights @ performance.T / VALUE_SCALE, columns)
    results = []
    for a in range(columns):
        settings.check_time()
        others = [b for b in range(m) if b != a]
        always = [b for b in others if lowest[b, a] > TIE_TOLERANCE]   # b beats a at every admissible w
        sometimes = [b for b in others if highest[b, a] > TIE_TOLERANCE and b not in always]
        best_row, worst_row = int(np.argmin(ranks[:, a])), int(np.argmax(ranks[:, a]))
        best, best_at = int(ranks[best_row, a]), observed_weights[best_row]
        worst, worst_at = int(ranks[worst_row, a]), observed_weights[worst_row]
        differences = np.array([(performance[b] - performance[a]) / VALUE_SCALE
                                for b in sometimes]).reshape(-1, performance.shape[1])
        if best > 1 + len(always):
            count, weights = fewest_beating(rows, differences, highest[sometimes, a] + 1e-9, settings)
            if 1 + len(always) + count < best:
                best, best_at = 1 + len(always) + count, weights
        if worst < 1 + len(always) + len(sometimes):
            _, weights = most_beating(rows, differences, lowest[sometimes, a] - 1e-9, WORST_RANK_MARGIN, settings)
            # The rank is read at the program's weights, so a claimed rank is always attained.
            at_witness = int(shared_ranks((weights @ performance.T / VALUE_SCALE)[None, :])[0, a])
            if at_witness > worst:
                worst, worst_at = at_witness, weights
        results.append({"best": best, "worst": worst, "best_at": best_at, "worst_at": worst_at})
    return results
