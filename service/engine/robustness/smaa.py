"""Stochastic multicriteria acceptability analysis (SMAA-2, Lahdelma & Salminen 2001).

Each sample draws a weight vector (uniform on the admissible weights, from
`weight_space`) and every effect from triangular(low, likely, high) with the
scenario's deltas applied to all three (DESIGN.md §7), interactions included. In each
sample the candidates (options, or the listed packages among themselves) are put in
rank order, equal values listed as in DESIGN.md §2 (fewer options, then id), so each
rank is held by exactly one candidate per sample and acceptabilities sum to 1 by rank
and by candidate.

Per candidate: the rank acceptability indices b^r (share of samples at rank r) and their
standard errors sqrt(b(1 - b) / samples) (for independent samples; hit-and-run samples
are correlated, so there they understate), the central weight vector (mean weights of
the samples where it ranks first; None if it never does) and the confidence factor
(share of the same effect samples in which it ranks first at its central weights).

The effects' random stream is that of numpy's triangular sampler: one uniform per uncertain
effect (low < high) per sample, sample by sample, turned into a draw by the inverse CDF
(`UncertainEffects.draw`, identical to `Generator.triangular`). Every uniform is drawn, so a
seed gives the same numbers whatever is asked of it, but only the value terms some candidate
uses (options, the interactions inside the listed packages) are turned into effects and
valued. Samples go in chunks of bounded size (a few hundred kilobytes, so each pass stays
in the CPU cache); the drawn effects are kept for the confidence pass when they fit in
`_KEPT_ELEMENTS`, and drawn again identically otherwise, so memory stays bounded whatever
the number of samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# Elements of one chunk's largest array (uniforms or effects): small enough for the CPU cache,
# but never fewer samples than this, or the per-chunk overhead dominates on large models.
_CHUNK_ELEMENTS = 60_000
_MIN_CHUNK_SAMPLES = 128
# Drawn effects kept between the two passes (64 MB of doubles at most); beyond, drawn again.
_KEPT_ELEMENTS = 8_000_000
# Drawn effects kept between requests (`draws_key`): 16 MB of doubles in all.
_CACHED_DRAW_ELEMENTS = 2_000_000
# Work arrays up to this size (8 MB) are kept and reused (`_scratch`).
_SCRATCH_ELEMENTS = 1_000_000


@dataclass(frozen=True)
class UncertainEffects:
    """Triangular estimates (low <= likely <= high) of every value term, by criterion:
    one row per option, interaction term and the status quo (all zero)."""

    low: np.ndarray
    likely: np.ndarray
    high: np.ndarray
    spread: np.ndarray = field(init=False, repr=False, compare=False)  # flat indices of cells with low < high

    def __post_init__(self):
        object.__setattr__(self, "spread", np.flatnonzero((self.high > self.low).ravel()))

    def draw(self, uniforms: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """Triangular draws of the spread cells at positions `cells` (of `spread`) from their
        uniforms (samples, len(cells)).

        The inverse CDF of triangular(a, c, b): a + sqrt(u (b-a)(c-a)) while u <= (c-a)/(b-a),
        else b - sqrt((1-u)(b-a)(b-c)), with the operations in the order numpy's sampler does
        them, so the draws equal `Generator.triangular`'s bit for bit.
        """
        flat = self.spread[cells]
        low, mode, high = (a.ravel()[flat] for a in (self.low, self.likely, self.high))
        width = high - low
        left = uniforms <= (mode - low) / width
        # In place, a few passes over arrays that stay in the CPU cache.
        root = 1.0 - uniforms
        root *= width * (high - mode)
        np.multiply(uniforms, width * (mode - low), out=root, where=left)
        np.sqrt(root, out=root)
        drawn = np.subtract(high, root)
        np.add(low, root, out=drawn, where=left)
        return drawn


@dataclass(frozen=True)
class CandidateSet:
    """Candidates ranked against each other: `terms[c]` are the value-term rows whose values
    add up to candidate c's value (at least one; the status quo's zero row for the empty
    package); `listing` gives each candidate's place in DESIGN.md §2 order among equal values."""

    terms: list[tuple[int, ...]]
    listing: np.ndarray
    by_listing: np.ndarray = field(init=False, repr=False, compare=False)  # candidate indices in listing order

    def __post_init__(self):
        if any(not t for t in self.terms):
            raise ValueError("every candidate needs at least one value term")
        object.__setattr__(self, "by_listing", np.argsort(self.listing))

    def summation(self, rows: np.ndarray) -> _Summation:
        return _Summation(self, rows)


class _Summation:
    """How a candidate set's values and effects add up from those of the drawn `rows`
    (candidates in listing order): a gather while each candidate has one term, else a product
    with the 0/1 matrix of which rows make up which candidate."""

    def __init__(self, candidates: CandidateSet, rows: np.ndarray):
        position = {int(r): i for i, r in enumerate(rows)}
        terms = [[position[r] for r in candidates.terms[c]] for c in candidates.by_listing]
        self.single = all(len(t) == 1 for t in terms)
        self.index = np.array([t[0] for t in terms], dtype=np.int64)
        self.matrix = np.zeros((len(terms), len(rows)))
        for place, t in enumerate(terms):
            self.matrix[place, t] = 1.0

    def values(self, row_values: np.ndarray) -> np.ndarray:
        """(samples, rows) term values -> (samples, candidates) candidate values."""
        return row_values[:, self.index] if self.single else row_values @ self.matrix.T

    def effects(self, by_row: np.ndarray, out: np.ndarray) -> np.ndarray:
        """(rows, anything) term effects -> (candidates, anything) candidate effects, into `out`."""
        if self.single:
            return np.take(by_row, self.index, axis=0, out=out)
        return np.matmul(self.matrix, by_row, out=out)


@dataclass(frozen=True)
class Acceptability:
    acceptability: np.ndarray     # (candidates, ranks)
    standard_error: np.ndarray    # (candidates, ranks)
    central_weights: list         # per candidate: (criteria,) array or None
    confidence: list              # per candidate: float or None


class _UsedTerms:
    """The value terms drawn, as (rows, criteria) effects per sample: those some candidate uses,
    or every term (`everything`), which makes the draws independent of the candidates."""

    def __init__(self, effects: UncertainEffects, candidate_sets: list[CandidateSet], everything: bool = False):
        criteria = effects.likely.shape[1]
        self.rows = (np.arange(effects.likely.shape[0]) if everything else
                     np.array(sorted({r for s in candidate_sets for t in s.terms for r in t}), dtype=np.int64))
        self.shape = (len(self.rows), criteria)
        spread_rows = effects.spread // criteria
        self.cells = np.flatnonzero(np.isin(spread_rows, self.rows))  # positions in `effects.spread`
        # Where each used spread cell goes in the (used rows x criteria) block.
        local_row = np.searchsorted(self.rows, spread_rows[self.cells])
        self.targets = local_row * criteria + effects.spread[self.cells] % criteria
        self.fixed = effects.likely[self.rows].ravel()
        self.effects = effects

    def values(self, uniforms: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """(samples, used rows, criteria) effects from a chunk of every spread cell's uniforms
        (written into `out` when given)."""
        count = len(uniforms)
        drawn = np.empty((count, *self.shape)) if out is None else out
        flat = drawn.reshape(count, self.fixed.size)
        flat[:] = self.fixed
        flat[:, self.targets] = self.effects.draw(uniforms[:, self.cells], self.cells)
        return drawn


def smaa(effects: UncertainEffects, candidate_sets: list[CandidateSet], weights: np.ndarray,
         seed: np.random.SeedSequence, settings=None, draws_key: tuple | None = None) -> list[Acceptability]:
    """Acceptability analysis of each candidate set over the same weight and effect samples.

    `settings` (a `SolverSettings`), when given, has its deadline checked between chunks.
    `draws_key`, when given, names the effect draws (the effects' model version and scenario,
    the seed, the samples): small sets of draws are kept under it for the next request with the
    same key, which then only values them at its own weights (a workshop moving sliders).
    """
    samples, criteria = weights.shape
    cacheable = draws_key is not None and samples * effects.likely.size <= _CACHED_DRAW_ELEMENTS
    used = _UsedTerms(effects, candidate_sets, everything=cacheable)
    sums = [s.summation(used.rows) for s in candidate_sets]
    chunk = max(_MIN_CHUNK_SAMPLES, _CHUNK_ELEMENTS // max(1, len(effects.spread), used.fixed.size))
    keep = samples * used.fixed.size <= _KEPT_ELEMENTS
    drawn_all = _DRAWS.pop(draws_key, None) if cacheable else None
    if drawn_all is None and keep:
        # Drawn chunk by chunk (cache-sized), kept whole for both passes and maybe the next request.
        drawn_all = np.empty((samples, *used.shape))
        for _ in _effect_chunks(effects, used, samples, chunk, seed, settings, drawn_all):
            pass
        drawn_all.setflags(write=False)
    if drawn_all is not None:
        blocks = [(start, drawn_all[start:start + chunk]) for start in range(0, samples, chunk)]
    counts = [np.zeros((len(s.listing), len(s.listing)), dtype=np.int64) for s in candidate_sets]
    firsts = [np.empty(samples, dtype=np.int64) for _ in candidate_sets]
    for start, drawn in blocks if drawn_all is not None else _effect_chunks(effects, used, samples, chunk, seed, settings):
        if settings is not None:
            settings.check_time()
        row_values = np.einsum("src,sc->sr", drawn, weights[start:start + len(drawn)])
        for index, (candidates, total) in enumerate(zip(candidate_sets, sums)):
            m = len(candidates.listing)
            # A stable sort of columns already in listing order lists equal values in that order.
            order = candidates.by_listing[np.argsort(-total.values(row_values), axis=1, kind="stable")]
            counts[index] += np.bincount((order * m + np.arange(m)).ravel(), minlength=m * m).reshape(m, m)
            firsts[index][start:start + len(drawn)] = order[:, 0]
    if cacheable:
        _remember(draws_key, drawn_all)

    central = []
    for count, first in zip(counts, firsts):
        weight_sums = np.column_stack([np.bincount(first, weights=weights[:, j], minlength=len(count))
                                       for j in range(criteria)])
        central.append([weight_sums[c] / count[c, 0] if count[c, 0] > 0 else None for c in range(len(count))])
    chunks = blocks if drawn_all is not None else _effect_chunks(effects, used, samples, chunk, seed, settings)
    confidence = _confidence(candidate_sets, sums, central, samples, chunks, settings)
    results = []
    for index in range(len(candidate_sets)):
        shares = counts[index] / samples
        results.append(Acceptability(shares, np.sqrt(shares * (1.0 - shares) / samples),
                                     central[index], confidence[index]))
    return results


_DRAWS: dict[tuple, np.ndarray] = {}  # draws_key -> (samples, rows, criteria) draws, most recently used last


def _remember(key: tuple, drawn: np.ndarray) -> None:
    _DRAWS[key] = drawn
    total = sum(entry.size for entry in _DRAWS.values())
    while total > _CACHED_DRAW_ELEMENTS and len(_DRAWS) > 1:
        total -= _DRAWS.pop(next(iter(_DRAWS))).size


_SCRATCH: dict[tuple, np.ndarray] = {}


def _scratch(name, shape: tuple) -> np.ndarray:
    """A work array kept between chunks and requests: the same few megabytes are reused rather than
    allocated afresh each chunk (fresh blocks this large are page-faulted in every time, which cost
    more than the arithmetic on them)."""
    if math.prod(shape) > _SCRATCH_ELEMENTS:
        return np.empty(shape)  # large models: kept, they would hold memory the arithmetic dwarfs anyway
    key = (name, shape)
    found = _SCRATCH.get(key)
    if found is None:
        if len(_SCRATCH) > 32:
            _SCRATCH.clear()
        found = _SCRATCH[key] = np.empty(shape)
    return found


def _effect_chunks(effects: UncertainEffects, used: _UsedTerms, samples: int, chunk: int,
                   seed: np.random.SeedSequence, settings, out: np.ndarray | None = None):
    """(start, drawn) chunk by chunk; into `out` (samples, rows, criteria) when given."""
    # A fresh generator from the same seed sequence replays the same draws.
    rng = np.random.default_rng(seed)
    for start in range(0, samples, chunk):
        if settings is not None:
            settings.check_time()
        count = min(chunk, samples - start)
        yield start, used.values(rng.random((count, len(effects.spread))),
                                 None if out is None else out[start:start + count])


def _confidence(candidate_sets, sums, central, samples, chunks, settings) -> list[list]:
    """Share of effect samples in which each candidate ranks first at its central weights."""
    wanted = [[c for c, w in enumerate(weights) if w is not None] for weights in central]
    wins = [np.zeros(len(s.listing), dtype=np.int64) for s in candidate_sets]
    matrices = [np.array([central[index][c] for c in chosen]).T if chosen else None
                for index, chosen in enumerate(wanted)]
    for _, drawn in chunks:
        if settings is not None:
            settings.check_time()
        count, rows, criteria = drawn.shape
        by_row = _scratch("by row", (rows, count, criteria))
        np.copyto(by_row, drawn.transpose(1, 0, 2))
        by_row = by_row.reshape(rows, count * criteria)
        for index, (candidates, total) in enumerate(zip(candidate_sets, sums)):
            if matrices[index] is None:
                continue
            m = len(candidates.listing)
            effects = total.effects(by_row, _scratch(("effects", index), (m, count * criteria)))
            # Every candidate's value at every central weight vector of the set, in one product,
            # laid out (central weights, candidates, samples) so each comparison reads whole rows.
            values = np.matmul(effects.reshape(m * count, criteria), matrices[index],
                               out=_scratch(("values", index), (m * count, matrices[index].shape[1])))
            laid_out = _scratch(("laid out", index), values.shape[::-1])
            np.copyto(laid_out, values.T)
            values = laid_out.reshape(-1, m, count)
            for k, c in enumerate(wanted[index]):
                at, place = values[k], int(candidates.listing[c])
                # First at its central weights: the highest value, and no earlier listed candidate as high.
                first = at[place] >= at.max(axis=0)
                if place:
                    first &= at[place] > at[:place].max(axis=0)
                wins[index][c] += np.count_nonzero(first)
    return [[None if central[index][c] is None else float(wins[index][c] / samples)
             for c in range(len(s.listing))] for index, s in enumerate(candidate_sets)]
