"""The brief as PDF (DESIGN.md §8.5): the HTML format laid out on A4 by WeasyPrint, the Python
HTML-to-PDF library (no browser on the server). Same content, same provenance: the page
numbers, running header and footer come from the HTML's print stylesheet.

WeasyPrint needs Pango (a system library) at import. Where it cannot load, this format
raises `RendererUnavailable` (the API answers 503) and every other format keeps working.
The PDF's metadata carry the brief's title and language and its generation time, so the
same brief gives the same bytes.

What does not depend on the brief is made once per thread (WeasyPrint's font configuration
wraps a Pango font map, which is not thread-safe; a gunicorn sync worker has one thread): the
parsed stylesheet and the font configuration it was parsed with. The charts' SVG text is laid
out a run at a time (`service.briefs.svg_text`).
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
from datetime import datetime

from service.briefs import html, svg_text
from service.briefs.formats import RendererUnavailable

PDF_LANGUAGES = {"en": "en", "fr": "fr"}


@functools.cache
def _weasyprint():
    # WeasyPrint logs every CSS property it does not know at WARNING; the HTML is shared with browsers.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango or its fonts cannot be loaded
        raise RendererUnavailable(f"PDF briefs need WeasyPrint and Pango, which cannot be loaded here: {error}") from None
    import weasyprint.svg

    svg_text.install(weasyprint.svg)
    return weasyprint


_per_thread = threading.local()


def _stylesheet_and_fonts(weasyprint):
    """The brief's stylesheet parsed once, and the font configuration it goes with, for this thread."""
    if not hasattr(_per_thread, "resources"):
        from weasyprint.text.fonts import FontConfiguration

        fonts = FontConfiguration()
        _per_thread.resources = weasyprint.CSS(string=html.stylesheet(), font_config=fonts), fonts
    return _per_thread.resources


def available() -> bool:
    try:
        _weasyprint()
    except RendererUnavailable:
        return False
    return True


def render(brief: dict) -> bytes:
    # WeasyPrint makes hundreds of thousands of objects that live as long as the layout: with the
    # collector on, they trigger a full collection per brief (about a fifth of the time) for no
    # garbage. Off while the document is made, on again after, when one young-generation pass frees
    # what the document left (bounded: the brief's length is capped, DESIGN.md §8.5).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _laid_out(brief)
    finally:
        if collecting:
            gc.enable()


def _laid_out(brief: dict) -> bytes:
    weasyprint = _weasyprint()
    stylesheet, fonts = _stylesheet_and_fonts(weasyprint)
    page = html.render(brief, inline_stylesheet=False).decode()
    document = weasyprint.HTML(string=page, base_url=None).render(font_config=fonts, stylesheets=[stylesheet])
    generated = datetime.strptime(brief["generated_at"], "%Y-%m-%dT%H:%M:%SZ").strftime("%Y-%m-%dT%H:%M:%SZ")
    metadata = document.metadata
    metadata.title = brief["title"]
    metadata.authors = ["policy-options"]
    metadata.generator = "policy-options brief " + str(brief["brief_version"])
    metadata.created = metadata.modified = generated
    metadata.lang = PDF_LANGUAGES.get(brief["language"], brief["language"])
    return document.write_pdf(uncompressed_pdf=False, pdf_identifier=brief["provenance"]["input_sha256"][:32].encode())
