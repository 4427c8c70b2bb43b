"""How numbers and choices are written in every format of a brief (one place, so formats agree)."""

from __future__ import annotations

from collections.abc import Iterable


def value(number: float | None) -> str:
    """A value on the DESIGN.md §2 scale (0 = status quo), to three decimals."""
    return "—" if number is None else f"{number:+.3f}".replace("+0.000", "0.000").replace("-0.000", "0.000")


def effect(number: float) -> str:
    """An effect on the model's scale, with its sign."""
    text = f"{number:+.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def weight(number: float | None) -> str:
    return "—" if number is None else f"{number:.3f}"


def share(number: float | None) -> str:
    """A probability as a whole percentage (SMAA acceptability, regrets are not shares)."""
    return "—" if number is None else f"{number:.0%}"


def ordinal(rank: int) -> str:
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def joined(items: Iterable[str], last: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def package(names: list[str]) -> str:
    return " + ".join(names) if names else "the status quo (no option)"


def how_sure(acceptability: float) -> str:
    """Plain words for a first-rank acceptability (share of SMAA samples in which a choice ranks first)."""
    if acceptability >= 0.9:
        return "almost always first"
    if acceptability >= 0.7:
        return "usually first"
    if acceptability >= 0.5:
        return "first more often than not"
    if acceptability >= 0.25:
        return "a real contender, but not the usual winner"
    return "rarely first"


def agreement(kendall_w: float | None) -> str:
    """Plain words for Kendall's W (0 = no agreement, 1 = identical rankings)."""
    if kendall_w is None:
        return "not measurable (fewer than two participants or nothing to rank)"
    if kendall_w >= 0.8:
        return "strong agreement"
    if kendall_w >= 0.6:
        return "substantial agreement"
    if kendall_w >= 0.3:
        return "moderate agreement"
    return "weak agreement"
