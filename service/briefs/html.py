"""The brief as one self-contained HTML file: inline CSS, inline SVG charts, a print stylesheet for A4.

The file makes no request of its own (no external style, font, script or image), so it
can be mailed, archived and printed as it is. Text is escaped by Jinja2's autoescape;
the SVG comes from matplotlib, which escapes the text it draws.
"""

from __future__ import annotations

import functools

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from service.briefs import charts
from service.briefs.document import footer_line, outline


@functools.cache
def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("service", "templates/briefs"), autoescape=select_autoescape(["html"]),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["kind"] = lambda block: type(block).__name__
    return environment


def css_string(value: str) -> str:
    """`value` as the inside of a CSS string in a <style> element (which HTML does not unescape)."""
    return "".join(c if c.isalnum() or c in " .,:;·…-_()/" else f"\\{ord(c):x} " for c in value)


def render(brief: dict) -> bytes:
    svgs = {chart["id"]: Markup(charts.svg(chart, f"chart-{chart['id']}")) for chart in brief["charts"]}
    page = _environment().get_template("brief.html").render(
        brief=brief, blocks=outline(brief), svgs=svgs, footer_css=Markup(css_string(footer_line(brief))))
    return page.encode()
