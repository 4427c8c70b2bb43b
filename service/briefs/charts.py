"""The charts of a brief, drawn with matplotlib: SVG for HTML, PNG for DOCX.

matplotlib is imported inside the functions that draw, never at module import, so the
service starts without it. Figures are made with the object-oriented API (no pyplot
state) and under one lock, because `rc_context` changes matplotlib's global settings.

Colours come from cividis (readable with the common colour-vision deficiencies and
monotonic in lightness, so it survives greyscale printing), and the stacked segments
also carry hatching. Every chart has a text equivalent (`document.chart_table`).
SVG output is deterministic: a fixed hash salt for ids, text kept as text, no date.
"""

from __future__ import annotations

import io
import re
import textwrap
import threading
from html import escape

_LOCK = threading.Lock()
WIDTH_INCHES = 7.0  # the text width of an A4 page with 16 mm margins, a little less
PNG_DPI = 150
STYLE = {
    "svg.hashsalt": "policy-options-brief",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "text.parse_math": False,  # names with "$" are text, not mathematics
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.labelcolor": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "hatch.linewidth": 0.7,
    "legend.frameon": False,
}
# Line hatches only: dots and circles turn into very long SVG paths.
HATCHES = ("", "///", "\\\\\\", "xxx", "---", "|||", "+++", "//", "\\\\", "xx")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")
LIGHT_TEXT_BELOW = 0.55  # cividis positions darker than this get white text and hatching


def svg(chart: dict, element_id: str) -> str:
    """The chart as an inline <svg> element for HTML: ids prefixed with `element_id` so that
    several charts can share one page, labelled for assistive technology by its summary."""
    text = _render(chart, "svg")
    text = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->|<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{element_id}-{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{element_id}-{m.group(1)})", text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{element_id}-{m.group(1)}"', text)
    label = escape(chart["summary"], quote=True)
    return text.replace("<svg ", f'<svg class="chart" role="img" aria-label="{label}" ', 1).strip()


def png(chart: dict) -> bytes:
    """The chart as a PNG (for DOCX)."""
    return _render(chart, "png")


def _render(chart: dict, kind: str):
    from matplotlib import rc_context

    with _LOCK, rc_context(STYLE):
        figure = _DRAW[chart["kind"]](chart)
        buffer = io.BytesIO()
        if kind == "svg":
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
            return buffer.getvalue().decode()
        figure.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
        return buffer.getvalue()


def _figure(height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_INCHES, height), layout="constrained")


def _palette(n: int) -> list[tuple[float, tuple]]:
    """n positions along cividis, dark to light, with their colours."""
    from matplotlib import colormaps

    cividis = colormaps["cividis"]
    positions = [0.05 + 0.9 * i / max(1, n - 1) for i in range(n)]
    return [(p, cividis(p)) for p in positions]


def _wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _contributions(chart: dict):
    from matplotlib.patches import Patch

    criteria, bars = chart["criteria"], chart["bars"]
    figure = _figure(0.5 * len(bars) + 1.6)
    axes = figure.add_subplot()
    palette = _palette(len(criteria))
    for y, bar in enumerate(bars):
        right = left = 0.0
        for j, criterion in enumerate(criteria):
            amount = bar["contributions"][criterion["id"]]
            if amount == 0:
                continue
            position, colour = palette[j]
            edge = "white" if position < LIGHT_TEXT_BELOW else "#333333"
            start = right if amount > 0 else left
            axes.barh(y, amount, left=start, height=0.62, color=colour, edgecolor=edge, linewidth=0.6,
                      hatch=HATCHES[j % len(HATCHES)])
            if amount > 0:
                right += amount
            else:
                left += amount
        axes.plot([bar["value"]], [y], marker="D", markersize=6, color="black", markeredgecolor="white", zorder=3)
    axes.axvline(0, color="#222222", linewidth=0.8)
    axes.set_yticks(range(len(bars)), [_wrapped(b["label"], 34) for b in bars])
    axes.invert_yaxis()
    axes.set_xlabel("Contribution to the value (weight × effect ÷ 3); the diamond marks the value")
    axes.grid(axis="x", color="#dddddd", linewidth=0.5)
    axes.set_axisbelow(True)
    handles = [Patch(facecolor=colour, edgecolor="white" if position < LIGHT_TEXT_BELOW else "#333333",
                     hatch=HATCHES[j % len(HATCHES)], label=c["name"])
               for j, (c, (position, colour)) in enumerate(zip(criteria, palette))]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(3, len(handles)), fontsize=7.5,
                  handlelength=2.2, handleheight=1.2)
    return figure


def _stability(chart: dict):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows = chart["rows"]
    figure = _figure(0.36 * len(rows) + 1.3)
    axes = figure.add_subplot()
    (_, dark), = _palette(1)
    for y, row in enumerate(rows):
        low = 0.0 if row["lower"] is None else row["lower"]
        high = 1.0 if row["upper"] is None else row["upper"]
        axes.plot([0, 1], [y, y], color="#cccccc", linewidth=1.2, solid_capstyle="butt")
        axes.plot([low, high], [y, y], color=dark, linewidth=7, solid_capstyle="butt")
        for bound in (row["lower"], row["upper"]):
            if bound is not None:
                axes.plot([bound, bound], [y - 0.3, y + 0.3], color="black", linewidth=1.1)
        axes.plot([row["weight"]], [y], marker="D", markersize=6.5, color="white", markeredgecolor="black", zorder=3)
        span = ("0" if row["lower"] is None else f"{row['lower']:.3f}") + "–" + \
               ("1" if row["upper"] is None else f"{row['upper']:.3f}")
        axes.text(1.02, y, span, va="center", fontsize=7.5, color="#222222", transform=axes.get_yaxis_transform())
    axes.set_xlim(0, 1)
    axes.set_yticks(range(len(rows)), [_wrapped(r["name"], 30) for r in rows])
    axes.invert_yaxis()
    axes.set_xlabel("Weight of the criterion (the others keep their proportions)")
    axes.grid(axis="x", color="#eeeeee", linewidth=0.5)
    axes.set_axisbelow(True)
    handles = [Patch(color=dark, label=f"{_wrapped(chart['choice'], 70)} stays best"),
               Line2D([], [], marker="D", color="white", markeredgecolor="black", linestyle="", label="current weight"),
               Line2D([], [], marker="|", color="black", linestyle="", markersize=9, label="bound")]
    figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=7.5)
    return figure


def _participant_weights(chart: dict):
    criteria, participants = chart["criteria"], chart["participants"]
    figure = _figure(0.42 * len(criteria) + 1.2 + 0.18 * ((len(participants) + 2) // 3))
    axes = figure.add_subplot()
    palette = _palette(len(participants))
    spread = 0.5 / max(1, len(participants))
    for p, participant in enumerate(participants):
        offset = (p - (len(participants) - 1) / 2) * spread
        _, colour = palette[p]
        axes.plot([participant["weights"][c["id"]] for c in criteria], [j + offset for j in range(len(criteria))],
                  linestyle="", marker=MARKERS[p % len(MARKERS)], markersize=5.5, color=colour,
                  markeredgecolor="black", markeredgewidth=0.4, label=participant["display_name"][:30])
    axes.plot([chart["group"][c["id"]] for c in criteria], range(len(criteria)), linestyle="", marker="|",
              markersize=16, markeredgewidth=2, color="black", label="group mean")
    axes.set_yticks(range(len(criteria)), [_wrapped(c["name"], 30) for c in criteria])
    axes.invert_yaxis()
    axes.set_xlim(left=0)
    axes.set_xlabel("Normalized weight")
    axes.grid(axis="x", color="#eeeeee", linewidth=0.5)
    figure.legend(loc="outside lower center", ncols=min(4, len(participants) + 1), fontsize=7.5)
    return figure


def _participant_rankings(chart: dict):
    import numpy as np

    options, participants = chart["options"], chart["participants"]
    rows = [(p["display_name"][:30], p["ranks"]) for p in participants] + [("Group", chart["group"])]
    ranks = np.array([[row.get(o["id"], np.nan) for o in options] for _, row in rows], dtype=float)
    figure = _figure(0.32 * len(rows) + 1.4)
    axes = figure.add_subplot()
    axes.imshow(ranks, cmap="cividis", vmin=1, vmax=max(2, len(options)), aspect="auto")
    for i in range(ranks.shape[0]):
        for j in range(ranks.shape[1]):
            if not np.isnan(ranks[i, j]):
                light = (ranks[i, j] - 1) / max(1, len(options) - 1) * 0.9 + 0.05 >= LIGHT_TEXT_BELOW
                axes.text(j, i, f"{int(ranks[i, j])}", ha="center", va="center", fontsize=8,
                          color="black" if light else "white")
    axes.set_xticks(range(len(options)), [_wrapped(o["name"], 16) for o in options], fontsize=7)
    axes.set_yticks(range(len(rows)), [name for name, _ in rows])
    axes.axhline(len(rows) - 1.5, color="white", linewidth=3)
    axes.tick_params(length=0)
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)
    return figure


_DRAW = {
    "stacked-contributions": _contributions,
    "stability-intervals": _stability,
    "participant-weights": _participant_weights,
    "participant-rankings": _participant_rankings,
}
