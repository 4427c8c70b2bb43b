"""Charts as drawings (`service.briefs.drawing`): SVG for HTML and PDF, PNG for DOCX.

The four chart functions take plain numbers and labels (already translated and formatted
by the caller), not a brief, so that any page can draw them: stacked bars, intervals on a
scale, distributions (box rows) and a grid of counts. `document.chart_drawing` maps a
brief's chart (`brief["charts"]`) onto them.

Colours come from cividis (readable with the common colour-vision deficiencies, monotonic in
lightness, so it survives greyscale printing), and stacked segments also carry hatching.
Every chart of a brief has a text equivalent (`document.chart_table`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.briefs.drawing import (HATCH_ORDER, Drawing, Line, Rect, Text, diamond, text_width, wrap)

WIDTH = 680.0  # CSS pixels: about the text width of an A4 page with 14 mm margins
FONT = 11.0
SMALL = 9.5
LABEL_WIDTH = 200.0
INK, MUTED, RULE, TRACK = "#222222", "#555555", "#dddddd", "#e4e4e4"
# cividis at 17 evenly spaced positions (0, 1/16, ..., 1), as 8-bit RGB.
CIVIDIS = ((0, 34, 78), (0, 46, 106), (26, 56, 111), (50, 67, 109), (67, 78, 108), (83, 90, 109), (97, 101, 111),
           (111, 112, 115), (125, 124, 120), (140, 136, 120), (155, 148, 118), (171, 160, 114), (188, 174, 108),
           (205, 187, 99), (222, 201, 88), (240, 216, 70), (254, 232, 56))
LIGHT_FROM = 0.55  # cividis positions from here on are light: dark hatching and text on them


def cividis(position: float) -> tuple[int, int, int]:
    """The colour at `position` in [0, 1], interpolated between the table's points."""
    scaled = min(max(position, 0.0), 1.0) * (len(CIVIDIS) - 1)
    i = min(int(scaled), len(CIVIDIS) - 2)
    f = scaled - i
    return tuple(round(a + (b - a) * f) for a, b in zip(CIVIDIS[i], CIVIDIS[i + 1]))


def palette(count: int) -> list[tuple[float, str]]:
    """`count` positions along cividis, dark to light, with their colours as #rrggbb."""
    positions = [0.05 + 0.9 * i / max(1, count - 1) for i in range(count)]
    return [(p, "#%02x%02x%02x" % cividis(p)) for p in positions]


def _nice_step(span: float, target: int = 6) -> float:
    raw = span / max(1, target)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _ticks(low: float, high: float) -> list[float]:
    step = _nice_step(high - low)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + 1e-9:
        ticks.append(round(value, 10) + 0.0)
        value += step
    return ticks


def _row_labels(labels: Sequence[str], bold: Sequence[bool] = ()) -> tuple[list[list[str]], float]:
    """Each label wrapped to the label column, and the column's width (the widest line)."""
    wrapped = [wrap(label, LABEL_WIDTH, FONT, bool(bold[i]) if bold else False) for i, label in enumerate(labels)]
    width = max((text_width(line, FONT, bool(bold[i]) if bold else False)
                 for i, lines in enumerate(wrapped) for line in lines), default=0.0)
    return wrapped, min(LABEL_WIDTH, width)


def _label(drawing: Drawing, lines: list[str], right: float, middle: float, bold: bool = False) -> None:
    top = middle - (len(lines) - 1) * FONT * 1.2 / 2 + FONT * 0.35
    for k, line in enumerate(lines):
        drawing.add(Text(right, top + k * FONT * 1.2, line, FONT, "end", bold, INK))


def _legend(drawing: Drawing, items: list[tuple], top: float) -> float:
    """Legend entries in columns below a chart; each item is (kind, label, fill, hatch, hatch colour).
    Returns the height used."""
    widths = [text_width(item[1], SMALL) + 26 for item in items]
    columns = max(1, min(len(items), int(WIDTH // max(widths + [1.0]))))
    column_width = WIDTH / columns
    rows = math.ceil(len(items) / columns)
    for index, (kind, label, fill, hatch, hatch_colour) in enumerate(items):
        x = (index % columns) * column_width
        y = top + (index // columns) * 16
        if kind == "swatch":
            drawing.add(Rect(x, y, 18, 11, fill, "#333333", 0.5, hatch, hatch_colour))
        elif kind == "diamond":
            drawing.add(diamond(x + 9, y + 5.5, 5, fill, "#ffffff" if fill != "#ffffff" else INK))
        elif kind == "band":
            drawing.add(Rect(x, y + 2, 18, 7, fill))
        elif kind == "tick":
            drawing.add(Line(x + 9, y, x + 9, y + 11, INK, 1.2))
        drawing.add(Text(x + 24, y + 9, label, SMALL, "start", False, INK))
    return rows * 16


def _axis(drawing: Drawing, left: float, right: float, top: float, bottom: float, low: float, high: float,
          ticks: list[float], tick_format: Callable[[float], str], title: str) -> float:
    """Grid lines, tick labels and the axis title under a plot; returns the y below it."""
    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    for tick in ticks:
        drawing.add(Line(x_of(tick), top, x_of(tick), bottom, RULE, 0.6))
        drawing.add(Text(x_of(tick), bottom + 13, tick_format(tick), SMALL, "middle", False, MUTED))
    drawing.add(Line(left, bottom, right, bottom, MUTED, 0.8))
    lines = wrap(title, right - left, SMALL, max_lines=2)
    for k, line in enumerate(lines):
        drawing.add(Text((left + right) / 2, bottom + 28 + k * 12, line, SMALL, "middle", False, INK))
    return bottom + 28 + (len(lines) - 1) * 12 + 10


def _plot(drawing: Drawing, labels: Sequence[str], heights: Callable[[int, int], float], right_margin: float,
          domain: tuple[float, float], ticks: list[float], tick_format: Callable[[float], str], axis_title: str,
          bold: Sequence[bool] = ()) -> tuple[list[float], Callable[[float], float], float, float]:
    """Lay out one row per label (`heights(index, lines)` gives each row's height), draw the labels on
    the left and the axis below. Returns each row's middle, the x of a value, the bottom of the rows
    and the y under the axis."""
    wrapped, label_width = _row_labels(labels, bold)
    left, right = label_width + 12, WIDTH - right_margin
    low, high = domain

    def x_of(value: float) -> float:
        return left + (min(max(value, low), high) - low) / (high - low) * (right - left)

    top = y = 6.0
    middles = []
    for index, lines in enumerate(wrapped):
        height = heights(index, len(lines))
        middles.append(y + height / 2)
        _label(drawing, lines, label_width, y + height / 2, bool(bold[index]) if bold else False)
        y += height
    return middles, x_of, y, _axis(drawing, left, right, top, y, low, high, ticks, tick_format, axis_title)


# -- Stacked bars ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackedRow:
    label: str
    segments: Sequence[float]  # one per series; negative segments extend left of zero
    total: float  # marked by a diamond
    bold: bool = False


def stacked_bars(rows: Sequence[StackedRow], series: Sequence[str], axis_title: str, total_label: str | None,
                 tick_format: Callable[[float], str], summary: str,
                 domain: tuple[float, float] | None = None) -> Drawing:
    """Horizontal stacked bars, one per row, one segment per series (colour and hatching), a
    diamond at each row's total (none when `total_label` is None), a legend below. The axis spans
    the data, or at least `domain` when given."""
    low = min([0.0] + [sum(v for v in r.segments if v < 0) for r in rows] + [r.total for r in rows])
    high = max([0.0] + [sum(v for v in r.segments if v > 0) for r in rows] + [r.total for r in rows])
    if domain is not None:
        low, high = min(low, domain[0]), max(high, domain[1])
    if high - low < 1e-9:
        low, high = -1.0, 1.0
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    colours = palette(len(series))
    drawing = Drawing(WIDTH, 0, summary)
    middles, x_of, bottom, after_axis = _plot(drawing, [r.label for r in rows],
                                              lambda _, lines: max(22.0, lines * FONT * 1.2 + 8), 8, (low, high), ticks,
                                              tick_format, axis_title, [r.bold for r in rows])
    for row, middle in zip(rows, middles):
        positive = negative = 0.0
        for j, amount in enumerate(row.segments):
            if amount == 0:
                continue
            position, colour = colours[j]
            start = positive if amount > 0 else negative + amount
            x0, x1 = x_of(start), x_of(start + abs(amount))
            drawing.add(Rect(x0, middle - 7.5, x1 - x0, 15, colour, "#ffffff", 0.6, HATCH_ORDER[j % len(HATCH_ORDER)],
                             "#ffffff" if position < LIGHT_FROM else "#333333"))
            if amount > 0:
                positive += amount
            else:
                negative += amount
        if total_label is not None:
            drawing.add(diamond(x_of(row.total), middle, 5.5, "#000000", "#ffffff"))
    drawing.add(Line(x_of(0), 6.0, x_of(0), bottom, INK, 1.0))
    items = [("swatch", name, colour, HATCH_ORDER[j % len(HATCH_ORDER)], "#ffffff" if position < LIGHT_FROM else "#333333")
             for j, (name, (position, colour)) in enumerate(zip(series, colours))]
    if total_label is not None:
        items.append(("diamond", total_label, "#000000", None, ""))
    drawing.height = after_axis + _legend(drawing, items, after_axis) + 4
    return drawing


# -- Intervals on a scale ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    note: str = ""  # printed at the right end (the interval in words or numbers)
    low_is_bound: bool = True  # False: the interval runs to the end of the scale, with no bound drawn
    high_is_bound: bool = True


@dataclass(frozen=True)
class IntervalRow:
    label: str
    bands: Sequence[Band]  # one per series
    marker: float


def intervals(rows: Sequence[IntervalRow], domain: tuple[float, float], axis_title: str, series: Sequence[str],
              marker_label: str, bound_label: str, tick_format: Callable[[float], str], summary: str) -> Drawing:
    """One row per label: a light track over the whole scale, for each series a band over its interval
    (colour and hatching tell the series apart) with a tick at each bound it has and its note at the
    right, and a diamond at the marker."""
    note_width = max((text_width(b.note, SMALL) for r in rows for b in r.bands), default=0.0)
    styles = [(colour, HATCH_ORDER[2 * k], "#ffffff") for k, (_, colour) in enumerate(palette(max(2, len(series)) + 1))]
    band_height = 8.0
    drawing = Drawing(WIDTH, 0, summary)
    middles, x_of, _, after_axis = _plot(
        drawing, [r.label for r in rows], lambda i, lines: max(band_height * len(rows[i].bands) + 9, lines * FONT * 1.2 + 4),
        12 + note_width, domain, _ticks(*domain), tick_format, axis_title)
    left, right = x_of(domain[0]), x_of(domain[1])
    for row, middle in zip(rows, middles):
        drawing.add(Rect(left, middle - 1.5, right - left, 3, TRACK))
        first = middle - band_height * len(row.bands) / 2
        for k, band in enumerate(row.bands):
            colour, hatch, hatch_colour = styles[k]
            y0 = first + k * band_height
            drawing.add(Rect(x_of(band.low), y0 + 0.5, max(0.8, x_of(band.high) - x_of(band.low)), band_height - 1,
                             colour, None, 0.0, hatch, hatch_colour))
            for bound, drawn in ((band.low, band.low_is_bound), (band.high, band.high_is_bound)):
                if drawn:
                    drawing.add(Line(x_of(bound), y0 - 1, x_of(bound), y0 + band_height + 1, INK, 1.3))
            drawing.add(Text(right + 8, y0 + band_height / 2 + SMALL * 0.35, band.note, SMALL, "start", False, INK))
        drawing.add(diamond(x_of(row.marker), middle, 6, "#ffffff", "#000000"))
    items = [("swatch", name, colour, hatch, hatch_colour) for name, (colour, hatch, hatch_colour) in zip(series, styles)]
    items += [("diamond", marker_label, "#ffffff", None, ""), ("tick", bound_label, INK, None, "")]
    drawing.height = after_axis + _legend(drawing, items, after_axis) + 4
    return drawing


# -- Distributions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoxRow:
    label: str
    minimum: float
    lower_quartile: float
    median: float
    upper_quartile: float
    maximum: float
    mean: float


def boxes(rows: Sequence[BoxRow], domain: tuple[float, float], axis_title: str, range_label: str,
          quartiles_label: str, median_label: str, mean_label: str, tick_format: Callable[[float], str],
          summary: str) -> Drawing:
    """One row per label: a whisker from minimum to maximum, a box over the quartiles, a bar at the
    median and a diamond at the mean. The same drawing for 3 people or 500."""
    fill = palette(3)[2][1]
    drawing = Drawing(WIDTH, 0, summary)
    middles, x_of, _, after_axis = _plot(drawing, [r.label for r in rows], lambda _, lines: max(22.0, lines * FONT * 1.2 + 8),
                                         10, domain, _ticks(*domain), tick_format, axis_title)
    for row, middle in zip(rows, middles):
        drawing.add(Line(x_of(row.minimum), middle, x_of(row.maximum), middle, INK, 1.0))
        for end in (row.minimum, row.maximum):
            drawing.add(Line(x_of(end), middle - 4, x_of(end), middle + 4, INK, 1.0))
        drawing.add(Rect(x_of(row.lower_quartile), middle - 6.5, max(0.8, x_of(row.upper_quartile) - x_of(row.lower_quartile)),
                         13, fill, INK, 0.8, "diagonal", "#333333"))
        drawing.add(Line(x_of(row.median), middle - 6.5, x_of(row.median), middle + 6.5, INK, 2.2))
        drawing.add(diamond(x_of(row.mean), middle, 5, "#000000", "#ffffff"))
    items = [("tick", range_label, INK, None, ""), ("swatch", quartiles_label, fill, "diagonal", "#333333"),
             ("tick", median_label, INK, None, ""), ("diamond", mean_label, "#000000", None, "")]
    drawing.height = after_axis + _legend(drawing, items, after_axis) + 4
    return drawing


# -- A grid of counts -------------------------------------------------------------------------------


def count_grid(row_labels: Sequence[str], column_labels: Sequence[str], counts: Sequence[Sequence[int]], total: int,
               column_title: str, summary: str) -> Drawing:
    """A table of counts drawn as shaded cells (darker: more), each with its number printed."""
    shares = [[count / total if total else 0.0 for count in row] for row in counts]
    return shaded_grid(row_labels, column_labels, shares, [[str(count) for count in row] for row in counts],
                       column_title, summary)


def shaded_grid(row_labels: Sequence[str], column_labels: Sequence[str], shares: Sequence[Sequence[float]],
                texts: Sequence[Sequence[str]], column_title: str, summary: str) -> Drawing:
    """A table drawn as shaded cells: each cell's share in [0, 1] sets its shade (darker: more) and its
    text is printed in it. Column labels wrap to their column (up to three lines)."""
    wrapped, label_width = _row_labels(row_labels)
    left = label_width + 12
    cell = min(56.0, (WIDTH - left - 4) / max(1, len(column_labels)))
    headers = [wrap(name, cell - 2, SMALL, True) for name in column_labels]
    header_lines = max((len(lines) for lines in headers), default=1)
    drawing = Drawing(WIDTH, 0, summary)
    drawing.add(Text(left + cell * len(column_labels) / 2, 12, column_title, SMALL, "middle", False, INK))
    for j, lines in enumerate(headers):
        for k, line in enumerate(lines):
            drawing.add(Text(left + (j + 0.5) * cell, 27 + k * SMALL * 1.2, line, SMALL, "middle", True, INK))
    y = 33.0 + (header_lines - 1) * SMALL * 1.2
    for lines, row_shares, row_texts in zip(wrapped, shares, texts):
        height = max(22.0, len(lines) * FONT * 1.2 + 8)
        _label(drawing, lines, label_width, y + height / 2)
        for j, (share, text) in enumerate(zip(row_shares, row_texts)):
            # Light for little, dark for much: 1 - share along cividis' light end to its dark end.
            position = 1.0 - 0.95 * min(max(share, 0.0), 1.0)
            colour = "#%02x%02x%02x" % cividis(position)
            drawing.add(Rect(left + j * cell, y, cell - 2, height - 2, colour))
            drawing.add(Text(left + (j + 0.5) * cell - 1, y + height / 2 + FONT * 0.35, text, FONT, "middle",
                             False, INK if position >= LIGHT_FROM else "#ffffff"))
        y += height
    drawing.height = y + 6
    return drawing
