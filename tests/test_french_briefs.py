"""A French brief, as `policy-options brief --lang fr` writes it, in each format a reader opens
(DESIGN.md §8.2): HTML (its root and its quotes tagged), Markdown, DOCX read back with python-docx (fr-FR)
and PDF through pdftotext. None has an English phrase of the catalog left outside the report's quotes
and sections; numbers, percentages and quotation marks are French (0,35 / 49 % / « … »), checked
against the English brief of the same input rather than against the service's formatting code; a
model whose texts are maps gives each language, and a text missing in French is shown in English and
named in every format.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from html.parser import HTMLParser

import pytest

from models.loader import builtin_models, model_from_document
from service.briefs.formats import FORMATS
from service.cli import main
from tests.french import english_left
from tests.test_brief_reading import (
    brief_of,
    equal_weights,
    markdown_text,
    pdf_text,
)
from tests.test_brief_render import chart_images, docx_text, parsed_html, svg_texts
from tests.test_model_texts import bilingual_model

MODEL = builtin_models()["minusma-2017"]
FORMAT_NAMES = ("md", "html", "docx", "pdf")
NBSP = ("\u00a0", "\u202f")


def write_brief(directory, language: str, format_name: str) -> bytes:
    path = directory / f"brief-{language}.{format_name}"
    assert main(["brief", "--lang", language, "--equal-weights", "--samples", "300", "--format", format_name,
                 "-o", str(path)]) == 0
    return path.read_bytes()


@pytest.fixture(scope="module")
def briefs(tmp_path_factory) -> dict:
    """{(language, format): the document the CLI wrote}, plus the French JSON brief under ("fr", "json")."""
    directory = tmp_path_factory.mktemp("briefs")
    formats = FORMAT_NAMES if __import__("service.briefs.pdf", fromlist=["available"]).available() else FORMAT_NAMES[:3]
    written = {("fr", name): write_brief(directory, "fr", name) for name in (*formats, "json")}
    written.update({("en", name): write_brief(directory, "en", name) for name in ("md", "json")})
    return written


class FrenchText(HTMLParser):
    """The text of an HTML document in its own language: what lies under an element whose `lang` is
    another (a quote from the report) is left out; the style sheet is not text."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.root_language = None
        self.kept: list[str] = []
        self.other_language: list[str] = []

    def language(self) -> str | None:
        return next((language for _, language in reversed(self.stack) if language), None)

    def handle_starttag(self, tag, attrs):
        language = dict(attrs).get("lang")
        if tag == "html":
            self.root_language = language
        if tag not in self.VOID:
            self.stack.append((tag, language))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if any(tag in ("style", "script") for tag, _ in self.stack):
            return
        (self.kept if self.language() == self.root_language else self.other_language).append(data)


def french_html_text(document: bytes) -> FrenchText:
    parser = FrenchText()
    parser.feed(document.decode())
    parser.close()
    return parser


def reader_texts(briefs: dict) -> dict[str, str]:
    """The reader's text of each French format; for HTML only what is tagged as French, charts included."""
    import docx

    texts = {}
    for (language, name), document in briefs.items():
        if language != "fr" or name == "json":
            continue
        if name == "md":
            texts[name] = markdown_text(document)
        elif name == "html":
            charts = " ".join(t for _, svg in chart_images(parsed_html(document.decode())) for t in svg_texts(svg))
            texts[name] = " ".join(french_html_text(document).kept) + " " + charts
        elif name == "docx":
            texts[name] = docx_text(docx.Document(io.BytesIO(document)))
        else:
            texts[name] = pdf_text(document)
    return texts


def english_on_purpose(brief: dict) -> list[str]:
    """What a French brief keeps in English: the report's quotes, its section names and title, and the
    model texts without a French translation (the brief names them)."""
    evidence = [item for section in brief["options"] for item in section["evidence"]]
    return ([item["quote"] for item in evidence] + [item["section"] for item in evidence]
            + [MODEL.source["title"]] + list(brief["untranslated"]))


def test_a_french_brief_has_no_english_left_in_any_format(briefs):
    import json

    brief = json.loads(briefs[("fr", "json")])
    assert brief["language"] == "fr"
    left = {name: english_left(text, english_on_purpose(brief)) for name, text in reader_texts(briefs).items()}
    assert {name: phrases for name, phrases in left.items() if phrases} == {}, \
        " | ".join(f"{name}: {len(phrases)} phrases, e.g. {phrases[:4]}" for name, phrases in left.items() if phrases)


def test_the_check_finds_english_left_in_a_brief(briefs):
    """The check above can fail: a heading of the English brief is found in an otherwise French text."""
    text = reader_texts(briefs)["md"]
    english = markdown_text(briefs[("en", "md")])
    assert english_left(english) != []
    assert english_left(text + " Options on their own ") != english_left(text)


def test_the_french_html_brief_is_tagged_french_and_its_quotes_english(briefs):
    import json

    document = briefs[("fr", "html")]
    brief = json.loads(briefs[("fr", "json")])
    parsed = french_html_text(document)
    assert parsed.root_language == "fr"
    quotes = {" ".join(item["quote"].split()) for section in brief["options"] for item in section["evidence"]}
    in_english = " ".join(" ".join(parsed.other_language).split())
    assert quotes and all(quote in in_english for quote in quotes)  # every quote, tagged lang="en"
    assert not any(quote in " ".join(" ".join(parsed.kept).split()) for quote in quotes)


def test_the_french_docx_is_fr_fr_and_its_quotes_en_us(briefs):
    import docx

    document = docx.Document(io.BytesIO(briefs[("fr", "docx")]))
    assert document.core_properties.language == "fr-FR"
    styles = zipfile.ZipFile(io.BytesIO(briefs[("fr", "docx")])).read("word/styles.xml").decode()
    assert re.findall(r'w:lang w:val="([A-Za-z-]+)"', styles) and set(re.findall(r'w:lang w:val="([A-Za-z-]+)"', styles)) == {"fr-FR"}
    quote_runs = [run for paragraph in document.paragraphs if paragraph.style.name == "Quote" for run in paragraph.runs]
    assert quote_runs and all('w:val="en-US"' in run._r.xml for run in quote_runs)
    english = docx.Document(io.BytesIO(FORMATS["docx"].render(brief_of(equal_weights()))))
    assert english.core_properties.language == "en-US"


def _french_number(english: str) -> str:
    """0.35 -> 0,35; 1,234.5 -> 1 234,5 (thin or no-break space): the French of an English number."""
    return english.replace(",", " ").replace(".", ",")


def _flat(text: str) -> str:
    for space in NBSP:
        text = text.replace(space, " ")
    return " ".join(text.split())


@pytest.mark.parametrize("format_name", FORMAT_NAMES)
def test_numbers_percentages_and_quotation_marks_are_french(briefs, format_name):
    if ("fr", format_name) not in briefs:
        pytest.skip("WeasyPrint cannot load here: no PDF brief")
    import json

    english_md = markdown_text(briefs[("en", "md")])
    text = reader_texts(briefs)[format_name]
    french = _flat(text)
    # The English brief's decimals and percentages (same input, same seed), each found in French form.
    decimals = sorted(set(re.findall(r"(?<![\d.,])\d+\.\d\d(?!\d)", english_md)))
    percents = sorted(set(re.findall(r"(?<![\d.,])(\d+(?:\.\d)?)%", english_md)))
    assert decimals and percents
    for number in decimals:
        assert _french_number(number) in french, (format_name, number)
    for number in percents:
        assert f"{_french_number(number)} %" in french, (format_name, number)
    assert not re.search(r"\d\.\d\d", french), format_name
    # pdftotext drops the no-break space of a chart's labels (the HTML's charts have it).
    assert format_name == "pdf" or not re.search(r"\d%", french), format_name
    # « … » with a space inside; no English quotation marks outside the report's own words.
    brief = json.loads(briefs[("fr", "json")])
    outside_quotes = french
    for kept in english_on_purpose(brief):
        outside_quotes = outside_quotes.replace(" ".join(kept.split()), " ")
    assert re.search(r"« \S[^»]*\S »", outside_quotes), format_name
    assert "“" not in outside_quotes and "”" not in outside_quotes, format_name
    if format_name != "pdf":  # pdftotext reads a no-break space as a space
        raw = text if format_name == "docx" else briefs[("fr", format_name)].decode()
        assert re.search("«[\u00a0\u202f]", raw) and re.search("[\u00a0\u202f]»", raw), format_name
        assert re.search(r"\d[\u00a0\u202f]%", raw), format_name


@pytest.fixture(scope="module")
def partly_french():
    """The brief of a model whose texts are maps, one option name and the scenario name with no French."""
    document = bilingual_model("partly-french")
    document["options"][2]["name"] = {"en": "B without French"}
    document["scenarios"][0]["name"] = {"en": "Base only in English"}
    model = model_from_document(copy.deepcopy(document))
    fields = {"weights": {"x": 1, "y": 1}, "robustness": {"samples": 200}}
    return {language: brief_of(fields, model=model, language=language) for language in ("en", "fr")}


@pytest.mark.parametrize("format_name", FORMAT_NAMES)
def test_a_model_of_maps_gives_each_language_and_names_what_fell_back_in_every_format(partly_french, format_name):
    if format_name == "pdf" and not __import__("service.briefs.pdf", fromlist=["available"]).available():
        pytest.skip("WeasyPrint cannot load here: no PDF brief")
    import docx

    def text_of(brief):
        document = FORMATS[format_name].render(brief)
        if format_name == "md":
            return _flat(markdown_text(document))
        if format_name == "html":
            return _flat(parsed_html(document.decode()).joined)
        if format_name == "docx":
            return _flat(docx_text(docx.Document(io.BytesIO(document))))
        return _flat(pdf_text(document))

    french, english = text_of(partly_french["fr"]), text_of(partly_french["en"])
    assert "FR A" in french and "FR Small test model" in french and "B without French" in french
    assert "FR A" not in english and "FR " not in english
    assert "B without French" in english
    # The French brief names the texts shown in English, together, each between « » (its note on the input).
    both = r"(« B without French » ?; « Base only in English »|« Base only in English » ?; « B without French »)"
    assert re.search(both, french), f"the {format_name} brief does not say which texts are in English"
    assert not re.search(both.replace("« ", "“").replace(" »", "”"), english)
