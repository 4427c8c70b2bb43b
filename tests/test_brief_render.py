"""The rendered brief: each format parses (markdown-it, html.parser, python-docx, pypdf), holds every
option compared and every quote cited, draws every chart with a text equivalent, escapes what a
model's author wrote, and the HTML prints in headless Chromium to PDF and PNG with no console error
and no request beyond the file itself. python-docx and WeasyPrint stay out of the service's start.
"""

from __future__ import annotations

import base64
import copy
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from models.loader import builtin_models, model_from_document
from service.briefs.content import BriefRequest, build_brief
from service.briefs.formats import FORMATS
from service.schemas.briefs import BriefRequestSchema
from tests.documents import small_model

ROOT = Path(__file__).resolve().parents[1]
BRIEFS_OUT = os.environ.get("BRIEF_OUTPUT")  # a folder, to keep the rendered default brief and look at it


def default_brief(model=None, fields=None) -> dict:
    """The brief of the default model under its default scenario with equal weights."""
    model = model or builtin_models()["minusma-2017"]
    fields = fields or {"weights": {c: 1 for c in model.criterion_ids}}
    return build_brief(model, BriefRequest.from_fields(model, BriefRequestSchema().load(fields)),
                       generated_at=datetime(2026, 4, 7, 10, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def brief():
    return default_brief()


@pytest.fixture(scope="module")
def rendered(brief) -> dict[str, bytes]:
    documents = {name: chosen.render(brief) for name, chosen in FORMATS.items()}
    if BRIEFS_OUT:
        for name, document in documents.items():
            Path(BRIEFS_OUT, f"brief.{FORMATS[name].extension}").write_bytes(document)
    return documents


def option_names(brief) -> list[str]:
    return [section["name"] for section in brief["options"]]


def quotes(brief) -> list[str]:
    return [e["quote"] for section in brief["options"] for e in section["evidence"]]


class _Text(HTMLParser):
    """Text content, tags and attributes of an HTML document (html.parser fails loudly on nothing,
    so the checks below are what makes it a parse test: structure, counts, attributes)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.tags, self.attributes, self.open = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]
        self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag):]

    def handle_data(self, data):
        if not {"style", "title"} & set(self.open):  # the style sheet and the window title are not the page's text
            self.text.append(data)


def parsed_html(document: str) -> _Text:
    parser = _Text()
    parser.feed(document)
    parser.close()
    parser.joined = " ".join(" ".join(parser.text).split())
    return parser


def normalized(text: str) -> str:
    return " ".join(unescape(text).split())


def test_markdown_parses_with_headings_tables_and_every_option_and_quote(brief, rendered):
    source = rendered["md"].decode()
    parser = MarkdownIt("commonmark").enable("table")
    tokens = parser.parse(source)
    headings = [t.tag for t in tokens if t.type == "heading_open"]
    assert headings.count("h1") == 1 and headings.count("h2") >= 5 and "h3" in headings
    # The first page's values, the comparison, and each chart's text equivalent are tables.
    assert sum(t.type == "table_open" for t in tokens) >= 2 + len(brief["charts"])
    text = normalized(parsed_html(parser.render(source)).joined)
    for name in option_names(brief):
        assert name in text
    for quote in quotes(brief):
        assert normalized(quote) in text, quote
    for chart in brief["charts"]:
        assert normalized(chart["summary"]) in text  # French puts no-break spaces in it


def chart_images(html: _Text) -> list[tuple[str, str]]:
    """(alt text, SVG source) of each chart picture of an HTML brief."""
    images = []
    attributes = {}
    for tag, name, value in html.attributes:
        if tag == "img":
            attributes[name] = value
            if "src" in attributes and "alt" in attributes:
                prefix = "data:image/svg+xml;base64,"
                assert attributes["src"].startswith(prefix)
                images.append((attributes["alt"], base64.b64decode(attributes["src"][len(prefix):]).decode()))
                attributes = {}
    return images


def svg_texts(svg: str) -> list[str]:
    """The text of an SVG document (it must parse as XML, with no script or foreign content)."""
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.fromstring(svg)
    tags = {element.tag.split("}")[-1] for element in root.iter()}
    assert tags <= {"svg", "defs", "pattern", "path", "rect", "line", "polygon", "text"}, tags
    return [element.text or "" for element in root.iter() if element.tag.endswith("text")]


def test_html_is_one_self_contained_file_with_every_option_quote_and_chart(brief, rendered):
    document = rendered["html"].decode()
    html = parsed_html(document)
    assert html.tags[0] == "html" and ("html", "lang", "en") in html.attributes
    assert "script" not in html.tags and "iframe" not in html.tags and "svg" not in html.tags
    for tag, name, value in html.attributes:
        if name in ("src", "href", "xlink:href"):
            # References inside the file, the charts as data URLs, and the empty favicon that keeps
            # browsers from asking for one.
            assert value.startswith("#") or value.startswith("data:image/svg+xml;base64,") or (tag, value) == ("link", "data:,"), \
                (tag, name, value)
        assert (tag, name, value) != ("link", "rel", "stylesheet")
    assert "@import" not in document and "url(http" not in document
    assert "@page" in document and "size: A4" in document and "@media print" in document
    for name in option_names(brief):
        assert name in html.joined
    for quote in quotes(brief):
        assert normalized(quote) in html.joined, quote
    # Each chart is a picture whose alt text is its summary, in a figure that links to its numbers.
    images = chart_images(html)
    assert sorted(alt for alt, _ in images) == sorted(c["summary"] for c in brief["charts"])
    assert html.tags.count("figure") == len(brief["charts"])
    ids = [value for _, name, value in html.attributes if name == "id"]
    assert len(ids) == len(set(ids))
    for chart in brief["charts"]:
        assert f"data-{chart['id']}" in ids
    for _, svg in images:
        assert svg_texts(svg)


def docx_text(document) -> str:
    """Every paragraph, table cell, header and footer of a python-docx document."""
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs] + [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def test_docx_opens_with_real_headings_tables_pictures_and_every_quote(brief, rendered):
    import docx
    from docx.shared import Mm

    document = docx.Document(io.BytesIO(rendered["docx"]))
    styles = [p.style.name for p in document.paragraphs]
    assert styles.count("Title") == 1 and styles.count("Heading 1") >= 5 and "Heading 2" in styles
    text = normalized(" ".join(p.text for p in document.paragraphs))
    for name in option_names(brief):
        assert name in text
    for quote in quotes(brief):
        assert normalized(quote) in text, quote
    assert normalized(brief["summary"]["answer"]) in text
    # Every picture is a chart, with its summary as alt text.
    assert len(document.inline_shapes) == len(brief["charts"])
    described = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    assert sorted(described) == sorted(c["summary"] for c in brief["charts"])
    comparison = next(t for t in document.tables if len(t.columns) == 2 + len(brief["table"]["criteria"]))
    assert [c.text for c in comparison.rows[0].cells[2:]] == [c["name"] for c in brief["table"]["criteria"]]
    assert [row.cells[0].text.split("\n")[0] for row in comparison.rows[1:]] == [r["name"] for r in brief["table"]["rows"]]
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    assert brief["provenance"]["input_sha256"][:12] in section.footer.paragraphs[0].text
    assert document.core_properties.title == brief["title"]


def test_what_a_model_author_writes_is_escaped_in_every_format():
    document = small_model("hostile-names")
    hostile = "<script>alert(1)</script> $x^2$ | # *bold* [link](http://x) \\ `code`"
    document["options"][0]["name"] = hostile
    document["options"][0]["evidence"] = [{"quote": "</blockquote><img src=x onerror=alert(2)>", "lines": "L1",
                                           "section": "S <b>"}]
    model = model_from_document(copy.deepcopy(document))
    brief = default_brief(model, {"weights": {"x": 1, "y": 1}})
    html = FORMATS["html"].render(brief).decode()
    parsed = parsed_html(html)
    assert "script" not in parsed.tags and "b" not in parsed.tags
    assert [value for tag, name, value in parsed.attributes if tag == "img" and name == "src"
            and not value.startswith("data:image/svg+xml;base64,")] == []
    assert hostile in parsed.joined  # shown as written, in the text and in the charts (SVG <text>)
    assert normalized(parsed.joined).count(hostile) >= 3
    # Wrapped over lines in the charts: a label reads whole when its lines are joined.
    assert any(hostile in " ".join(svg_texts(svg)) for _, svg in chart_images(parsed))
    markdown = MarkdownIt("commonmark").enable("table")
    md_html = markdown.render(FORMATS["md"].render(brief).decode())
    md_parsed = parsed_html(md_html)
    assert {"script", "img", "a", "code"}.isdisjoint(md_parsed.tags)  # (em: the brief's own notes)
    assert hostile in md_parsed.joined

    import docx

    text = " ".join(p.text for p in docx.Document(io.BytesIO(FORMATS["docx"].render(brief))).paragraphs)
    assert hostile in text


def test_chart_colours_differ_in_lightness_so_they_survive_greyscale():
    from service.briefs.charts import palette

    for count in (2, 8, 12):
        # Relative luminance (ITU-R BT.709) of each colour, in palette order.
        colours = [tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)) for _, colour in palette(count)]
        luminance = [0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in colours]
        steps = [b - a for a, b in zip(luminance, luminance[1:])]
        assert min(steps) > 0.5 / count, (count, steps)


def test_the_service_starts_without_the_document_libraries(tmp_path):
    script = ("import sys\nfrom service import create_app\n"
              f"app = create_app({{'TESTING': True, 'DATABASE_URL': 'sqlite:///{tmp_path / 'cold.sqlite3'}'}})\n"
              "print(sorted(m for m in ('matplotlib', 'docx', 'weasyprint', 'PIL', 'jinja2', 'service.briefs.charts', "
              "'service.briefs.html') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    # jinja2 comes with Flask; the brief's renderers and their libraries load on first use.
    assert loaded.stdout.strip() == "['jinja2']"


# -- In a real browser ---------------------------------------------------------------------------


def test_chromium_prints_the_html_brief_to_pdf_and_png_without_errors_or_requests(chromium, rendered, tmp_path):
    from PIL import Image, ImageStat

    path = tmp_path / "brief.html"
    path.write_bytes(rendered["html"])
    page = chromium.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    problems, requests, failed = [], [], []
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(path.as_uri(), wait_until="load")
    pdf = page.pdf(format="A4", print_background=True)
    page.emulate_media(media="print")
    png = page.screenshot(clip={"x": 0, "y": 0, "width": 794, "height": 1123})
    page.close()
    assert problems == [] and failed == []
    assert requests == [path.as_uri()]  # the file itself, nothing else
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") >= 2
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == (794, 1123)
    assert ImageStat.Stat(image).stddev[0] > 20  # text and rules on white, not a blank page
    if BRIEFS_OUT:
        Path(BRIEFS_OUT, "brief.pdf").write_bytes(pdf)
        Path(BRIEFS_OUT, "brief-page-1.png").write_bytes(png)
