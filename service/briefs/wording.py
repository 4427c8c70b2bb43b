"""How numbers, choices and lists are written in every format of a brief, in the brief's language
(one place, so formats agree; DESIGN.md §8.2, §8.5).

Numbers go through Babel for the language in force (`0.35` / `0,35`, `49%` / `49 %`); a minus
sign is U+2212, which no line breaks away from its number. Ranges are joined with no-break
spaces, so "−3 to +1.5" never splits across lines in a narrow table cell.
"""

from __future__ import annotations

from collections.abc import Iterable

from babel.numbers import format_decimal as babel_decimal

from service.engine.agreement import agreement_level
from service.i18n import _, current_language, format_percent

MINUS = "\u2212"
NO_BREAK_SPACE = "\u00a0"
# A bound this close to 0 or 1 is the end of the scale, not a threshold anyone can cross.
SCALE_END_TOLERANCE = 1e-9


def _signed(number: float, pattern: str) -> str:
    text = babel_decimal(number + 0.0, format=pattern, locale=current_language())
    return text.replace("-", MINUS)


def value(number: float | None) -> str:
    """A value on the DESIGN.md §2 scale (0 = status quo), to two decimals with its sign."""
    if number is None:
        return "—"
    text = _signed(number, "+#,##0.00;-#,##0.00")
    return text if text.strip("+" + MINUS) != _signed(0.0, "#,##0.00") else _signed(0.0, "#,##0.00")


def precise_value(number: float | None) -> str:
    """A value to three decimals (differences between close options)."""
    if number is None:
        return "—"
    text = _signed(number, "+#,##0.000;-#,##0.000")
    return text if text.strip("+" + MINUS) != _signed(0.0, "#,##0.000") else _signed(0.0, "#,##0.000")


def effect(number: float) -> str:
    """An effect on the model's scale, with its sign, up to two decimals."""
    text = _signed(number, "+#,##0.##;-#,##0.##")
    return "0" if text in ("+0", MINUS + "0") else text


def span(low: str, high: str) -> str:
    """Two formatted numbers as a range that stays on one line."""
    return _("%(low)s to %(high)s", low=low, high=high).replace(" ", NO_BREAK_SPACE)


def compact_span(low: str, high: str) -> str:
    """A range for a narrow table cell: `−1…+2`."""
    return _("%(low)s…%(high)s", low=low, high=high).replace(" ", NO_BREAK_SPACE)


def count(number: int) -> str:
    """A whole number with the language's digit grouping (`10,000`, `10 000`)."""
    return babel_decimal(number, format="#,##0", locale=current_language())


def weight(number: float | None) -> str:
    """A normalized weight as a share of the total weight: `25%`, `12.5%`, `0.4%`."""
    if number is None:
        return "—"
    digits = 0 if abs(number * 100 - round(number * 100)) < 1e-9 else 1
    if 0 < number < 0.001 or 0.999 < number < 1:
        digits = 2
    return format_percent(number, digits)


def weights_apart(first: float, second: float) -> tuple[str, str]:
    """Two weights written with as many decimals as it takes to tell them apart (a threshold and
    the weight now: "22.22% (now 22.24%)", never "22.2% (now 22.2%)")."""
    written = weight(first), weight(second)
    for digits in range(2, 5):
        if written[0] != written[1]:
            break
        written = format_percent(first, digits), format_percent(second, digits)
    return written


def share(number: float | None) -> str:
    """A probability as a whole percentage (SMAA acceptability)."""
    return "—" if number is None else format_percent(number)


def reachable(bound: float | None, direction: str) -> bool:
    """Whether a stability bound is a threshold a weight can cross going `direction` ("below" or
    "above"): no weight goes below 0 or above 1 (DESIGN.md §8.5). Above 0 and below 1 are reachable."""
    if bound is None:
        return False
    if direction == "below":
        return bound > SCALE_END_TOLERANCE
    return bound < 1 - SCALE_END_TOLERANCE


def at_scale_end(bound: float) -> bool:
    """A reachable bound at 0 (any weight at all crosses it) or at 1 (any other criterion counting does)."""
    return bound <= SCALE_END_TOLERANCE or bound >= 1 - SCALE_END_TOLERANCE


def rank(number: int) -> str:
    return _("rank %(rank)s", rank=number)


def rank_span(best: int, worst: int) -> str:
    if best == worst:
        return rank(best)
    return _("ranks %(best)s to %(worst)s", best=best, worst=worst).replace(" ", NO_BREAK_SPACE)


def joined(items: Iterable[str], last: str = "and") -> str:
    """`a, b and c` (or `a, b or c`) in the language in force."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    head = ", ".join(items[:-1])
    if last == "or":
        return _("%(items)s or %(last)s", items=head, last=items[-1])
    return _("%(items)s and %(last)s", items=head, last=items[-1])


def package(names: list[str]) -> str:
    return " + ".join(names) if names else _("the status quo (no option)")


def how_sure(acceptability: float) -> str:
    """Plain words for a first-rank acceptability (share of samples in which a choice ranks first)."""
    if acceptability >= 0.9:
        return _("almost always first")
    if acceptability >= 0.7:
        return _("usually first")
    if acceptability >= 0.5:
        return _("first more often than not")
    if acceptability >= 0.25:
        return _("a real contender, but not the usual winner")
    return _("rarely first")


def agreement(kendall_w: float | None) -> str:
    """Plain words for Kendall's W (0 = no agreement, 1 = identical rankings), by the thresholds of
    `service.engine.agreement` that the results' `consensus.agreement` and the pages use too."""
    return AGREEMENT_WORDS[agreement_level(kendall_w)]()


# Each level's words, looked up when used (in the language in force then).
AGREEMENT_WORDS = {
    None: lambda: _("agreement that cannot be measured (fewer than two participants or nothing to rank)"),
    "strong": lambda: _("strong agreement"),
    "substantial": lambda: _("substantial agreement"),
    "moderate": lambda: _("moderate agreement"),
    "weak": lambda: _("weak agreement"),
}
