"""Turn a user's priorities into normalized criterion weights (DESIGN.md §2, §7)."""

from __future__ import annotations

import math

from models.validation import priority_order_problems, weights_problems
from service.engine.errors import RequestInvalid


def normalized_weights(criterion_ids: tuple[str, ...], weights: dict[str, float]) -> tuple[dict[str, float], list[str]]:
    """Weights scaled to sum 1 over the model's criteria, and warnings for criteria left out.

    Raises `RequestInvalid` for unknown criteria and for negative, non-finite or all-zero weights.
    """
    problems = weights_problems(criterion_ids, weights)
    if problems:
        raise RequestInvalid(problems)
    largest = max(weights.values())
    # Scaled by the largest weight first, so that weights near the float maximum cannot overflow the sum.
    scaled = {c: w / largest for c, w in weights.items()}
    total = math.fsum(scaled.values())
    normalized = {c: scaled.get(c, 0.0) / total for c in criterion_ids}
    return normalized, _left_out_warnings(criterion_ids, weights)


def rank_order_centroid_weights(criterion_ids: tuple[str, ...], priority_order: list) -> tuple[dict[str, float], list[str]]:
    """Rank-order-centroid weights from an order of importance.

    `priority_order` lists criterion ids, most important first; an entry may be a
    list of tied ids. With n criteria named, rank r gets (1/n) * sum(1/i for i in r..n)
    (Barron & Barrett 1996); tied criteria share the mean of the weights of the
    ranks they occupy. Criteria not named get 0 and a warning.
    """
    problems = priority_order_problems(criterion_ids, priority_order)
    if problems:
        raise RequestInvalid(problems)
    groups = [entry if isinstance(entry, list) else [entry] for entry in priority_order]
    seen = {criterion for group in groups for criterion in group}
    n = len(seen)
    rank_weight = [sum(1.0 / i for i in range(r, n + 1)) / n for r in range(1, n + 1)]
    weights = dict.fromkeys(criterion_ids, 0.0)
    rank = 0
    for group in groups:
        shared = math.fsum(rank_weight[rank:rank + len(group)]) / len(group)
        for criterion in group:
            weights[criterion] = shared
        rank += len(group)
    return weights, _left_out_warnings(criterion_ids, seen)


def _left_out_warnings(criterion_ids, named) -> list[str]:
    left_out = [c for c in criterion_ids if c not in named]
    if not left_out:
        return []
    return [f"Criteria not given a priority count 0: {', '.join(left_out)}."]

