"""The SMAA of stage 1, kept verbatim as an oracle: the service's faster implementation
(`service.engine.robustness.smaa`) must give the same acceptabilities for the same seed.

Stochastic multicriteria acceptability analysis (SMAA-2, Lahdelma & Salminen 2001).

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

Everything is vectorized over samples. Effects are drawn in chunks of bounded memory
from their own random stream and drawn again identically for the confidence pass when
they did not fit in one chunk, so a seed gives the same numbers whatever else runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_CACHE_ELEMENTS = 100_000
_KEPT_ELEMENTS = 8_000_000


@dataclass(frozen=True)
class UncertainEffects:
    """Triangular estimates (low <= likely <= high) of every value term, by criterion:
    one row per option, interaction term and the status quo (all zero)."""

    low: np.ndarray
    likely: np.ndarray
    high: np.ndarray
    _spread: np.ndarray = field(init=False, repr=False, compare=False)
    _inverse_cdf_terms: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        spread = np.flatnonzero((self.high > self.low).ravel())
        low, mode, high = (a.ravel()[spread] for a in (self.low, self.likely, self.high))
        width = high - low
        # Inverse CDF of triangular(a, c, b): a + sqrt(u (b-a)(c-a)) while u < (c-a)/(b-a),
        # else b - sqrt((1-u)(b-a)(b-c)).
        object.__setattr__(self, "_spread", spread)
        object.__setattr__(self, "_inverse_cdf_terms",
                           (low, high, (mode - low) / width, width * (mode - low), width * (high - mode)))

    def draw(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """(count, rows, criteria) effects drawn from triangular(low, likely, high); effects
        with no spread keep their value. numpy's own triangular sampler (an inverse CDF in C)
        is twice as fast as the same formula in array operations."""
        low, high, _, _, _ = self._inverse_cdf_terms
        mode = self.likely.ravel()[self._spread]
        sampled = np.empty((count, self.likely.size))
        sampled[:] = self.likely.ravel()
        sampled[:, self._spread] = rng.triangular(low, mode, high, size=(count, len(low)))
        return sampled.reshape(count, *self.likely.shape)


@dataclass(frozen=True)
class CandidateSet:
    """Candidates ranked against each other: `terms[c]` are the value-term rows whose values
    add up to candidate c's value; `listing` gives each candidate's place in DESIGN.md §2
    order among equal values."""

    terms: list[tuple[int, ...]]
    listing: np.ndarray
    by_listing: np.ndarray = field(init=False, repr=False, compare=False)  # candidate indices in listing order
    matrix: np.ndarray = field(init=False, repr=False, compare=False)      # (candidates in listing order, rows)

    def __post_init__(self):
        by_listing = np.argsort(self.listing)
        object.__setattr__(self, "by_listing", by_listing)
        matrix = np.zeros((len(self.terms), 0))
        if self.terms:
            rows = 1 + max((r for t in self.terms for r in t), default=0)
            matrix = np.zeros((len(self.terms), rows))
            for place, c in enumerate(by_listing):
                matrix[place, list(self.terms[c])] = 1.0
        object.__setattr__(self, "matrix", matrix)

    def values(self, row_values: np.ndarray) -> np.ndarray:
        """Candidate values from term values (samples, rows, ...): (samples, ..., candidates),
        candidates in listing order."""
        return np.tensordot(row_values[:, :self.matrix.shape[1]], self.matrix, axes=([1], [1]))


@dataclass(frozen=True)
class Acceptability:
    acceptability: np.ndarray     # (candidates, ranks)
    standard_error: np.ndarray    # (candidates, ranks)
    central_weights: list         # per candidate: (criteria,) array or None
    confidence: list              # per candidate: float or None


def smaa(effects: UncertainEffects, candidate_sets: list[CandidateSet], weights: np.ndarray,
         seed: np.random.SeedSequence) -> list[Acceptability]:
    """Acceptability analysis of each candidate set over the same weight and effect samples."""
    samples, criteria = weights.shape
    # Chunks small enough for the CPU cache are several times faster than one pass over all samples.
    chunk = max(1, _CACHE_ELEMENTS // max(1, effects.likely.size))
    keep = samples * effects.likely.size <= _KEPT_ELEMENTS
    counts = [np.zeros((len(s.listing), len(s.listing)), dtype=np.int64) for s in candidate_sets]
    first_weight_sums = [np.zeros((len(s.listing), criteria)) for s in candidate_sets]
    kept = []
    for start, drawn in _effect_chunks(effects, samples, chunk, seed):
        if keep:
            kept.append((start, drawn))
        chunk_weights = weights[start:start + len(drawn)]
        row_values = np.einsum("src,sc->sr", drawn, chunk_weights)
        for index, candidates in enumerate(candidate_sets):
            m = len(candidates.listing)
            # A stable sort of columns already in listing order lists equal values in that order.
            order = candidates.by_listing[np.argsort(-candidates.values(row_values), axis=1, kind="stable")]
            positions = np.empty_like(order)
            np.put_along_axis(positions, order, np.broadcast_to(np.arange(m), order.shape), axis=1)
            counts[index] += np.bincount((np.arange(m) * m + positions).ravel(), minlength=m * m).reshape(m, m)
            for j in range(criteria):
                first_weight_sums[index][:, j] += np.bincount(order[:, 0], weights=chunk_weights[:, j], minlength=m)

    central = [[sums[c] / count[c, 0] if count[c, 0] > 0 else None for c in range(len(count))]
               for sums, count in zip(first_weight_sums, counts)]
    chunks = kept if keep else _effect_chunks(effects, samples, chunk, seed)
    confidence = _confidence(candidate_sets, central, samples, chunks)
    results = []
    for index in range(len(candidate_sets)):
        shares = counts[index] / samples
        results.append(Acceptability(shares, np.sqrt(shares * (1.0 - shares) / samples),
                                     central[index], confidence[index]))
    return results


def _effect_chunks(effects: UncertainEffects, samples: int, chunk: int, seed: np.random.SeedSequence):
    # A fresh generator from the same seed sequence replays the same draws.
    rng = np.random.default_rng(seed)
    for start in range(0, samples, chunk):
        yield start, effects.draw(min(chunk, samples - start), rng)


def _confidence(candidate_sets, central, samples, chunks) -> list[list]:
    """Share of effect samples in which each candidate ranks first at its central weights."""
    wanted = [[c for c, w in enumerate(weights) if w is not None] for weights in central]
    wins = [np.zeros(len(s.listing), dtype=np.int64) for s in candidate_sets]
    if any(wanted):
        central_matrix = np.array([central[index][c] for index, cs in enumerate(wanted) for c in cs])
        for _, drawn in chunks:
            count, rows, criteria = drawn.shape
            # Every term's value at every central weight vector, in one product.
            at_central = (drawn.reshape(count * rows, criteria) @ central_matrix.T).reshape(count, rows, -1)
            offset = 0
            for index, candidates in enumerate(candidate_sets):
                chosen = wanted[index]
                values = candidates.values(at_central[:, :, offset:offset + len(chosen)])  # (count, chosen, m)
                # argmax takes the first of equal values, and columns are in listing order.
                winners = candidates.by_listing[np.argmax(values, axis=2)]
                wins[index][chosen] += np.count_nonzero(winners == np.array(chosen), axis=0)
                offset += len(chosen)
    return [[None if central[index][c] is None else float(wins[index][c] / samples)
             for c in range(len(s.listing))] for index, s in enumerate(candidate_sets)]
