"""The charts' SVG text in the PDF, laid out a run at a time (service.briefs.svg_text): each word
where WeasyPrint's own character-by-character drawing puts it, read back by poppler."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from html import unescape

import pytest

from service.briefs import drawing, pdf

pytestmark = pytest.mark.skipif(not pdf.available() or not shutil.which("pdftotext"),
                                reason="needs WeasyPrint (Pango) and poppler's pdftotext")

LABELS = [("Impartiality and authority", "start", False), ("Peace process", "end", False),
          ("Wave AVA To", "middle", True), ("Malian ownership, légitimité", "start", False)]


def _page(svg: str) -> str:
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return f'<!doctype html><html><body><img src="{source}" width="600" height="200" alt="chart"></body></html>'


def _chart_svg(extra: str = "") -> str:
    texts = []
    for i, (label, anchor, bold) in enumerate(LABELS):
        attributes = f'x="{20 if anchor == "start" else 300}" y="{30 + 40 * i}" font-size="12"'
        attributes += "" if anchor == "start" else f' text-anchor="{anchor}"'
        attributes += ' font-weight="bold"' if bold else ""
        texts.append(f"<text {attributes}{extra}>{label}</text>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 200" width="600" height="200" '
            f'font-family="{drawing.FONT_FAMILY}">{"".join(texts)}</svg>')


def _words(document: bytes) -> list[tuple[str, float, float, float]]:
    """(word, left, right, baseline-ish bottom) of every word pdftotext finds, in reading order."""
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=document, capture_output=True, check=True).stdout
    return [(unescape(w), float(x0), float(x1), float(y1)) for x0, _, x1, y1, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                       out.decode())]


def _rendered(svg: str, whole_runs: bool, monkeypatch) -> bytes:
    weasyprint = pdf._weasyprint()
    import weasyprint.svg as weasyprint_svg

    if not whole_runs:
        stock = weasyprint_svg.TAGS["text"].stock
        for tag, function in list(weasyprint_svg.TAGS.items()):
            if getattr(function, "whole_run", False):
                monkeypatch.setitem(weasyprint_svg.TAGS, tag, stock)
        monkeypatch.setattr(weasyprint_svg, "text", stock)
    return weasyprint.HTML(string=_page(svg)).write_pdf()


def test_labels_laid_out_a_run_at_a_time_land_where_characters_drawn_one_by_one_do(monkeypatch):
    svg = _chart_svg()
    ours = _words(_rendered(svg, True, monkeypatch))
    theirs = _words(_rendered(svg, False, monkeypatch))
    assert [w for w, *_ in ours] == [w for label, *_ in LABELS for w in label.split()]
    assert [w for w, *_ in theirs] == [w for w, *_ in ours]
    for (word, *mine), (_, *stock) in zip(ours, theirs):
        assert mine == pytest.approx(stock, abs=0.05), word


def test_text_placed_character_by_character_is_left_to_weasyprint(monkeypatch):
    import weasyprint.svg as weasyprint_svg

    pdf._weasyprint()
    calls = []
    stock = weasyprint_svg.TAGS["text"].stock
    monkeypatch.setattr(weasyprint_svg.TAGS["text"], "stock", lambda *a: calls.append(a[1].get("dx")) or stock(*a))
    _rendered(_chart_svg(' dx="0 1 2"'), True, monkeypatch)
    assert calls == ["0 1 2"] * len(LABELS)
