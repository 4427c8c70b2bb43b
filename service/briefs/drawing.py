"""A small vector drawing (rectangles, lines, polygons, text) written out as SVG or as PNG.

The charts of the briefs (`service.briefs.charts`) lay out their shapes once, on a canvas of
CSS pixels, and this module writes the same shapes as an inline SVG element (HTML, PDF) or
as a PNG (DOCX, through Pillow). Plain Python, so a chart costs milliseconds and the output
is deterministic: no font is read for the SVG, text is measured with DejaVu Sans' advance
widths (below), the font the briefs name first.

Patterns (hatching) repeat what colour says, so a chart survives greyscale printing and
colour-vision deficiencies: each is a family of parallel lines, drawn as an SVG <pattern>
and, in the PNG, as the same lines clipped to the rectangle.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

# DejaVu Sans advance widths (units per em: 2048) for U+0020..U+007E and U+00A0..U+017F, regular and bold.
_FIRST_RANGE = (0x20, 0x7E)
_SECOND_RANGE = (0xA0, 0x17F)
_REGULAR = (
    "651,821,942,1716,1303,1946,1597,563,799,799,1024,1716,651,739,651,690,1303,1303,1303,1303,1303,1303,1303,1303,"
    "1303,1303,690,690,1716,1716,1716,1087,2048,1401,1405,1430,1577,1294,1178,1587,1540,604,604,1343,1141,1767,1532,"
    "1612,1235,1612,1423,1300,1251,1499,1401,2025,1403,1251,1403,799,690,799,1716,1024,1024,1255,1300,1126,1300,1260,"
    "721,1300,1298,569,569,1186,569,1995,1298,1253,1300,1300,842,1067,803,1298,1212,1675,1212,1212,1075,1303,690,"
    "1303,1716|651,821,1303,1303,1303,1303,690,1024,1024,2048,965,1253,1716,739,2048,1024,1024,1716,821,821,1024,"
    "1303,1303,651,1024,821,965,1253,1985,1985,1985,1087,1401,1401,1401,1401,1401,1401,1995,1430,1294,1294,1294,1294,"
    "604,604,604,604,1587,1532,1612,1612,1612,1612,1612,1716,1612,1499,1499,1499,1499,1251,1239,1290,1255,1255,1255,"
    "1255,1255,1255,2011,1126,1260,1260,1260,1260,569,569,569,569,1253,1298,1253,1253,1253,1253,1253,1716,1253,1298,"
    "1298,1298,1298,1212,1300,1212,1401,1255,1401,1255,1401,1255,1430,1126,1430,1126,1430,1126,1430,1126,1577,1300,"
    "1587,1300,1294,1260,1294,1260,1294,1260,1294,1260,1294,1260,1587,1300,1587,1300,1587,1300,1587,1300,1540,1298,"
    "1876,1423,604,569,604,569,604,569,604,569,604,569,1208,1138,604,569,1343,1186,1186,1141,569,1141,569,1141,768,"
    "1141,700,1151,582,1532,1298,1532,1298,1532,1298,1666,1532,1298,1612,1253,1612,1253,1612,1253,2191,2095,1423,"
    "842,1423,842,1423,842,1300,1067,1300,1067,1300,1067,1300,1067,1251,803,1251,803,1251,803,1499,1298,1499,1298,"
    "1499,1298,1499,1298,1499,1298,1499,1298,2025,1675,1251,1212,1251,1403,1075,1403,1075,1403,1075,721")
_BOLD = (
    "713,934,1067,1716,1425,2052,1786,627,936,936,1071,1716,778,850,778,748,1425,1425,1425,1425,1425,1425,1425,1425,"
    "1425,1425,819,819,1716,1716,1716,1188,2048,1585,1561,1503,1700,1399,1399,1681,1714,762,762,1587,1305,2038,1714,"
    "1741,1501,1741,1577,1475,1397,1663,1585,2259,1579,1483,1485,936,748,936,1716,1024,1024,1382,1466,1214,1466,1389,"
    "891,1466,1458,702,702,1362,702,2134,1458,1407,1466,1466,1010,1219,979,1458,1335,1892,1321,1335,1192,1458,748,"
    "1458,1716|713,934,1425,1425,1303,1425,748,1024,1024,2048,1155,1323,1716,850,2048,1024,1024,1716,897,897,1024,"
    "1507,1303,778,1024,897,1155,1323,2120,2120,2120,1188,1585,1585,1585,1585,1585,1585,2222,1503,1399,1399,1399,"
    "1399,762,762,762,762,1716,1714,1741,1741,1741,1741,1741,1716,1741,1663,1663,1663,1663,1483,1511,1473,1382,1382,"
    "1382,1382,1382,1382,2146,1214,1389,1389,1389,1389,702,702,702,702,1407,1458,1407,1407,1407,1407,1407,1716,1407,"
    "1458,1458,1458,1458,1335,1466,1335,1585,1382,1585,1382,1585,1382,1503,1214,1503,1214,1503,1214,1503,1214,1700,"
    "1466,1716,1466,1399,1389,1399,1389,1399,1389,1399,1389,1399,1389,1681,1466,1681,1466,1681,1466,1681,1466,1714,"
    "1458,1994,1618,762,702,762,702,762,702,762,702,762,702,1524,1404,762,702,1587,1362,1362,1305,702,1305,702,1305,"
    "982,1305,1140,1315,760,1714,1458,1714,1458,1714,1458,2013,1714,1458,1741,1407,1741,1407,1741,1407,2390,2241,"
    "1577,1010,1577,1010,1577,1010,1475,1219,1475,1219,1475,1219,1475,1219,1397,979,1397,979,1397,979,1663,1458,1663,"
    "1458,1663,1458,1663,1458,1663,1458,1663,1458,2259,1892,1483,1335,1483,1485,1192,1485,1192,1485,1192,891")
_UNKNOWN_WIDTH = 1300  # a typical lowercase letter, for characters outside the tables
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"


def _table(packed: str) -> dict[int, int]:
    first, second = packed.split("|")
    widths = {}
    for (start, _), values in ((_FIRST_RANGE, first), (_SECOND_RANGE, second)):
        widths.update({start + i: int(v) for i, v in enumerate(values.split(","))})
    return widths


_WIDTHS = {False: _table(_REGULAR), True: _table(_BOLD)}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The advance width of `text` set in DejaVu Sans at `size` (same unit as the result)."""
    table = _WIDTHS[bold]
    return sum(table.get(ord(c), _UNKNOWN_WIDTH) for c in text) * size / 2048


def wrap(text: str, width: float, size: float, bold: bool = False, max_lines: int = 3) -> list[str]:
    """`text` broken at spaces into lines no wider than `width` (a longer word keeps its own line);
    at most `max_lines` lines, the last one ending with an ellipsis when text was left out."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(lines[-1] + " " + word, size, bold) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size, bold) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines or [""]


# -- Shapes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str | None = None
    stroke_width: float = 0.0
    hatch: str | None = None  # a key of HATCHES
    hatch_colour: str = "#ffffff"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0
    dash: tuple[float, float] | None = None


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    fill: str
    stroke: str | None = None
    stroke_width: float = 0.0


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = 11.0
    anchor: str = "start"  # "start" | "middle" | "end"
    bold: bool = False
    fill: str = "#222222"


@dataclass
class Drawing:
    """Shapes on a `width` x `height` canvas of CSS pixels, drawn in order, with a text label
    for assistive technology (the chart's summary)."""

    width: float
    height: float
    label: str = ""
    shapes: list = field(default_factory=list)

    def add(self, *shapes) -> None:
        self.shapes.extend(shapes)


def diamond(x: float, y: float, radius: float, fill: str, stroke: str) -> Polygon:
    return Polygon(((x, y - radius), (x + radius, y), (x, y + radius), (x - radius, y)), fill, stroke, 1.0)


# Each hatch: the direction of its lines (dx, dy) and their spacing, in CSS pixels.
HATCHES = {
    "diagonal": ((1.0, -1.0), 5.0),
    "back-diagonal": ((1.0, 1.0), 5.0),
    "horizontal": ((1.0, 0.0), 4.0),
    "vertical": ((0.0, 1.0), 4.0),
    "wide-diagonal": ((1.0, -1.0), 9.0),
    "wide-back-diagonal": ((1.0, 1.0), 9.0),
    "wide-horizontal": ((1.0, 0.0), 7.0),
    "wide-vertical": ((0.0, 1.0), 7.0),
}
HATCH_ORDER = (None, "diagonal", "back-diagonal", "horizontal", "vertical", "wide-diagonal",
               "wide-back-diagonal", "wide-horizontal", "wide-vertical")
HATCH_WIDTH = 0.8


def _hatch_segments(rect: Rect) -> list[tuple[float, float, float, float]]:
    """The hatch lines of `rect`, clipped to it (Liang-Barsky)."""
    (dx, dy), spacing = HATCHES[rect.hatch]
    length = math.hypot(dx, dy)
    dx, dy = dx / length, dy / length
    nx, ny = -dy, dx  # unit normal: lines are {p : p . n = c}, c every `spacing` from the origin
    corners = [(rect.x, rect.y), (rect.x + rect.width, rect.y), (rect.x, rect.y + rect.height),
               (rect.x + rect.width, rect.y + rect.height)]
    offsets = [cx * nx + cy * ny for cx, cy in corners]
    segments = []
    c = math.ceil(min(offsets) / spacing) * spacing
    reach = rect.width + rect.height
    while c <= max(offsets):
        # A point on the line far before the rectangle, then clip p0 + t * d, t in [0, 2 * reach].
        px, py = c * nx - dx * (reach + abs(c)), c * ny - dy * (reach + abs(c))
        low, high = 0.0, 2 * (reach + abs(c))
        for p, q in ((-dx, px - rect.x), (dx, rect.x + rect.width - px), (-dy, py - rect.y), (dy, rect.y + rect.height - py)):
            if p == 0:
                if q < 0:
                    low, high = 1.0, 0.0
                continue
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
        if high > low:
            segments.append((px + dx * low, py + dy * low, px + dx * high, py + dy * high))
        c += spacing
    return segments


# -- SVG ------------------------------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate, short and deterministic."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def svg(drawing: Drawing, element_id: str) -> str:
    """The drawing as an inline <svg> element; pattern ids start with `element_id`, so that
    several drawings can share one page."""
    patterns: dict[tuple[str, str], str] = {}
    body = []
    for shape in drawing.shapes:
        if isinstance(shape, Rect):
            attributes = (f'x="{_n(shape.x)}" y="{_n(shape.y)}" width="{_n(shape.width)}" height="{_n(shape.height)}"')
            stroke = (f' stroke="{shape.stroke}" stroke-width="{_n(shape.stroke_width)}"'
                      if shape.stroke and shape.stroke_width else "")
            body.append(f'<rect {attributes} fill="{shape.fill}"{stroke}/>')
            if shape.hatch:
                key = (shape.hatch, shape.hatch_colour)
                pattern = patterns.setdefault(key, f"{element_id}-p{len(patterns)}")
                body.append(f'<rect {attributes} fill="url(#{pattern})"/>')
        elif isinstance(shape, Line):
            dash = f' stroke-dasharray="{_n(shape.dash[0])} {_n(shape.dash[1])}"' if shape.dash else ""
            body.append(f'<line x1="{_n(shape.x1)}" y1="{_n(shape.y1)}" x2="{_n(shape.x2)}" y2="{_n(shape.y2)}" '
                        f'stroke="{shape.stroke}" stroke-width="{_n(shape.width)}"{dash}/>')
        elif isinstance(shape, Polygon):
            points = " ".join(f"{_n(x)},{_n(y)}" for x, y in shape.points)
            stroke = f' stroke="{shape.stroke}" stroke-width="{_n(shape.stroke_width)}"' if shape.stroke else ""
            body.append(f'<polygon points="{points}" fill="{shape.fill}"{stroke}/>')
        elif isinstance(shape, Text):
            anchor = "" if shape.anchor == "start" else f' text-anchor="{shape.anchor}"'
            weight = ' font-weight="bold"' if shape.bold else ""
            body.append(f'<text x="{_n(shape.x)}" y="{_n(shape.y)}" font-size="{_n(shape.size)}"{anchor}{weight} '
                        f'fill="{shape.fill}">{escape(shape.text, quote=False)}</text>')
        else:
            raise TypeError(f"no SVG for {type(shape).__name__}")
    definitions = []
    for (hatch, colour), pattern in patterns.items():
        (dx, dy), spacing = HATCHES[hatch]
        # One tile: a line across it in the hatch's direction, repeated every `spacing` along the normal.
        if dy == 0:
            tile, path = (8, spacing), f"M0 {_n(spacing / 2)}H8"
        elif dx == 0:
            tile, path = (spacing, 8), f"M{_n(spacing / 2)} 0V8"
        else:
            side = spacing * math.sqrt(2)
            if dy < 0:
                path = f"M0 {_n(side)}L{_n(side)} 0M{_n(-side / 2)} {_n(side / 2)}L{_n(side / 2)} {_n(-side / 2)}" \
                       f"M{_n(side / 2)} {_n(side * 1.5)}L{_n(side * 1.5)} {_n(side / 2)}"
            else:
                path = f"M0 0L{_n(side)} {_n(side)}M{_n(-side / 2)} {_n(side / 2)}L{_n(side / 2)} {_n(side * 1.5)}" \
                       f"M{_n(side / 2)} {_n(-side / 2)}L{_n(side * 1.5)} {_n(side)}"
            tile = (side, side)
        definitions.append(f'<pattern id="{pattern}" patternUnits="userSpaceOnUse" width="{_n(tile[0])}" '
                           f'height="{_n(tile[1])}"><path d="{path}" stroke="{colour}" '
                           f'stroke-width="{_n(HATCH_WIDTH)}" fill="none"/></pattern>')
    defs = f"<defs>{''.join(definitions)}</defs>" if definitions else ""
    label = escape(drawing.label, quote=True)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{label}" '
            f'viewBox="0 0 {_n(drawing.width)} {_n(drawing.height)}" width="{_n(drawing.width)}" '
            f'height="{_n(drawing.height)}" font-family="{FONT_FAMILY}">{defs}{"".join(body)}</svg>')


# -- PNG ------------------------------------------------------------------------------------------

FONT_FILES = {
    False: ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf",
            "/usr/share/fonts/dejavu/DejaVuSans.ttf", "/System/Library/Fonts/Supplemental/Verdana.ttf",
            "C:/Windows/Fonts/verdana.ttf"),
    True: ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
           "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf", "/System/Library/Fonts/Supplemental/Verdana Bold.ttf",
           "C:/Windows/Fonts/verdanab.ttf"),
}


@functools.cache
def _font(size_pixels: int, bold: bool):
    from PIL import ImageFont

    for path in FONT_FILES[bold]:
        if Path(path).is_file():
            return ImageFont.truetype(path, size_pixels)
    return ImageFont.load_default(size_pixels)  # Pillow's own scalable font, when no system font is found


def png(drawing: Drawing, scale: float = 2.0) -> bytes:
    """The drawing as a PNG, `scale` device pixels per CSS pixel (2: about 190 dpi at its printed size)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (round(drawing.width * scale), round(drawing.height * scale)), "white")
    pen = ImageDraw.Draw(image)

    def at(*values: float) -> list[float]:
        return [v * scale for v in values]

    for shape in drawing.shapes:
        if isinstance(shape, Rect):
            box = at(shape.x, shape.y, shape.x + shape.width, shape.y + shape.height)
            if box[2] - box[0] < 0.5 or box[3] - box[1] < 0.5:
                continue
            pen.rectangle(box, fill=shape.fill)
            if shape.hatch:
                for x1, y1, x2, y2 in _hatch_segments(shape):
                    pen.line(at(x1, y1, x2, y2), fill=shape.hatch_colour, width=max(1, round(HATCH_WIDTH * scale)))
            if shape.stroke and shape.stroke_width:
                pen.rectangle(box, outline=shape.stroke, width=max(1, round(shape.stroke_width * scale)))
        elif isinstance(shape, Line):
            width = max(1, round(shape.width * scale))
            if shape.dash:
                _dashed(pen, at(shape.x1, shape.y1, shape.x2, shape.y2), [d * scale for d in shape.dash], shape.stroke, width)
            else:
                pen.line(at(shape.x1, shape.y1, shape.x2, shape.y2), fill=shape.stroke, width=width)
        elif isinstance(shape, Polygon):
            points = [tuple(at(x, y)) for x, y in shape.points]
            pen.polygon(points, fill=shape.fill, outline=shape.stroke,
                        width=max(1, round(shape.stroke_width * scale)) if shape.stroke else 0)
        elif isinstance(shape, Text):
            font = _font(round(shape.size * scale), shape.bold)
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[shape.anchor]
            pen.text(tuple(at(shape.x, shape.y)), shape.text, fill=shape.fill, font=font, anchor=anchor)
        else:
            raise TypeError(f"no PNG for {type(shape).__name__}")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1, dpi=(round(96 * scale), round(96 * scale)))
    return buffer.getvalue()


def _dashed(pen, points: list[float], dash: list[float], colour: str, width: int) -> None:
    x1, y1, x2, y2 = points
    length = math.hypot(x2 - x1, y2 - y1)
    if length == 0:
        return
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    position, on = 0.0, True
    while position < length:
        step = dash[0] if on else dash[1]
        end = min(length, position + step)
        if on:
            pen.line([x1 + ux * position, y1 + uy * position, x1 + ux * end, y1 + uy * end], fill=colour, width=width)
        position, on = end, not on
