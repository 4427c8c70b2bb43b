"""Ranking with ties (DESIGN.md §2): by value, descending; values equal to 1e-9 share a rank
(1, 2, 2, 4) and are listed by fewer options, then option id."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from service.engine.performance import TIE_TOLERANCE

T = TypeVar("T")


def ranked(items: Iterable[T], value: Callable[[T], float], members: Callable[[T], Sequence[str]]) -> list[tuple[int, T]]:
    """(rank, item) pairs in rank order.

    Ties are grouped from the top: an item joins the group of the best item not yet
    placed when its value is within 1e-9 of that item's value.
    """
    by_value = sorted(items, key=lambda item: -value(item))
    result: list[tuple[int, T]] = []
    start = 0
    while start < len(by_value):
        anchor = value(by_value[start])
        end = start + 1
        while end < len(by_value) and value(by_value[end]) >= anchor - TIE_TOLERANCE:
            end += 1
        group = sorted(by_value[start:end], key=lambda item: (len(members(item)), tuple(members(item))))
        result.extend((start + 1, item) for item in group)
        start = end
    return result


def tie_group_floor(values_in_rank_order: Sequence[float], k: int) -> float | None:
    """The lowest value that can still enter the first k places once ties are settled.

    Everything at or above it must be known before the first k can be listed, since a
    later tie may order before an earlier one. None when fewer than k values exist.
    """
    if len(values_in_rank_order) < k:
        return None
    anchor = values_in_rank_order[0]
    for position, current in enumerate(values_in_rank_order):
        if current < anchor - TIE_TOLERANCE:
            anchor = current
        if position == k - 1:
            return anchor - TIE_TOLERANCE
    return None
