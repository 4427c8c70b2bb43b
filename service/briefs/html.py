"""The brief as one self-contained HTML file: inline CSS, SVG charts in data URLs, a print stylesheet for
A4 (page numbers, running header and footer) that WeasyPrint (the PDF format) and browsers share.

The file makes no request of its own (no external style, font, script or image), so it
can be mailed, archived and printed as it is. Text is escaped by Jinja2's autoescape and
by `service.briefs.drawing` in the SVG. The root carries the brief's language, and quotes
from the source carry theirs (DESIGN.md §8.2).
"""

from __future__ import annotations

import base64
import functools
import re

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from service.briefs import drawing
from service.briefs.document import Chart, Table, fitting, footer_line, outline
from service.i18n import _, quoted, with_colon

# The text width of an A4 page with 14 mm margins, in points; each table role's type sizes (cell, range).
TEXT_WIDTH_POINTS = (210 - 28) * 72 / 25.4
TABLE_SIZES = {"values": (9.5, 8.0), "comparison": (7.5, 6.5), "data": (7.5, 6.5), "workshop": (8.5, 7.0)}
DEFAULT_TABLE_SIZES = (8.5, 7.0)
CELL_PADDING_POINTS = 8.0


@functools.cache
def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("service", "templates/briefs"), autoescape=select_autoescape(["html"]),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["kind"] = lambda block: type(block).__name__
    return environment


def css_string(value: str) -> str:
    """`value` as the inside of a CSS string in a <style> element (which HTML does not unescape)."""
    return "".join(c if c.isalnum() or c in " .,:;·…-_()/" else f"\\{ord(c):x} " for c in value)


def page_number_css() -> str:
    """"Page 2 of 6" in the language in force, as a CSS `content` value with the page counters."""
    message = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = []
    for piece in re.split(r"(\x00pages?\x00)", message):
        if piece == "\x00page\x00":
            parts.append("counter(page)")
        elif piece == "\x00pages\x00":
            parts.append("counter(pages)")
        elif piece:
            parts.append(f'"{css_string(piece)}"')
    return " ".join(parts)


def _fit(table: Table) -> tuple[Table, list[float]]:
    """The table (with short headers and a key when its full headers would break inside a word)
    and its column widths in percent, set from its content (the layout is then fixed: cheaper
    for WeasyPrint, and the same in every browser)."""
    size, sub_size = TABLE_SIZES.get(table.role, DEFAULT_TABLE_SIZES)
    width = TEXT_WIDTH_POINTS * (0.6 if table.role == "priorities" else 1.0)
    fitted, widths = fitting(table, width, size, sub_size, CELL_PADDING_POINTS)
    return fitted, [round(100 * w / sum(widths), 2) for w in widths]


def _image(block: Chart) -> Markup:
    """A chart as an <img> holding its SVG: vector in print, read out by its alt text, and outside the
    page's DOM (WeasyPrint lays out the page faster)."""
    source = "data:image/svg+xml;base64," + base64.b64encode(drawing.svg(block.drawing, "c").encode()).decode()
    return Markup('<img class="chart" src="{}" alt="{}" width="{}" height="{}">').format(
        source, block.chart["summary"], round(block.drawing.width), round(block.drawing.height))


def stylesheet() -> str:
    """The brief's stylesheet (all but the page's margin boxes, which carry the brief's own text)."""
    return _environment().loader.get_source(_environment(), "brief.css")[0]


def render(brief: dict, inline_stylesheet: bool = True) -> bytes:
    """The brief as HTML; without its stylesheet (`inline_stylesheet=False`) for the PDF format, which
    applies the same stylesheet parsed once (`stylesheet()`)."""
    eyebrow = _("Comparative option brief · workshop") if brief["kind"] == "workshop" else _("Comparative option brief")
    page = _environment().get_template("brief.html").render(
        brief=brief, blocks=outline(brief), image=_image, fit=_fit, quoted=quoted, language=brief["language"],
        eyebrow=eyebrow, with_colon=with_colon, data_link=_("(numbers in Appendix B)"),
        footer_css=Markup(css_string(footer_line(brief))), title_css=Markup(css_string(brief["title"][:90])),
        page_css=Markup(page_number_css()), inline_stylesheet=inline_stylesheet)
    return page.encode()
