"""What a decision-maker reads (DESIGN.md §8.5, §8.2): "how sure" over the weights the robustness
result reports, no bound that a weight cannot reach, no API field name or raw id in the prose of
any format, a PDF of the default brief within six A4 pages that opens on the answer, a DOCX whose
table headers and ranges never break inside a word when LibreOffice lays it out, a French brief
with French numbers, quotation marks and language tags, Markdown that shows every text as typed,
a DOCX that survives characters XML cannot hold, and an anonymous workshop brief of 500
participants that names no one and lists a bounded number of rows.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from models.loader import builtin_models, model_from_document
from service.briefs import wording
from service.briefs.content import BriefRequest, build_brief, nearest_overturn, weight_space
from service.briefs.formats import FORMATS, RendererUnavailable
from service.i18n import set_language, use_language
from service.schemas.briefs import BriefRequestSchema
from tests.documents import small_model
from tests.test_brief_render import chart_images, docx_text, normalized, parsed_html, svg_texts

MODEL = builtin_models()["minusma-2017"]
needs_pdf = pytest.mark.skipif(not __import__("service.briefs.pdf", fromlist=["available"]).available(),
                               reason="WeasyPrint cannot load here (it needs Pango: apt-get install libpango-1.0-0)")
STAMP = datetime(2026, 4, 7, 10, 0, tzinfo=UTC)
MAX_DEFAULT_PAGES = 6


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request in French sets the language of its thread (the test client's is this one): reset it."""
    yield
    set_language(None)


def brief_of(fields: dict, model=MODEL, language: str = "en") -> dict:
    with use_language(language):
        return build_brief(model, BriefRequest.from_fields(model, BriefRequestSchema().load(fields)), generated_at=STAMP)


def equal_weights(model=MODEL) -> dict:
    return {"weights": {c: 1 for c in model.criterion_ids}}


def pdf_text(document: bytes) -> str:
    """The text of a PDF, as poppler's pdftotext reads it (pypdf when poppler is missing)."""
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=document, capture_output=True,
                              check=True).stdout.decode()
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def markdown_text(document: bytes) -> str:
    return parsed_html(MarkdownIt("commonmark").enable("table").render(document.decode())).joined


def rendered_texts(brief: dict, formats=("md", "html", "docx", "pdf")) -> dict[str, str]:
    """The reader's text of each format: what Markdown renders to, the HTML's text and chart labels,
    the DOCX's paragraphs, cells and footers, the PDF's text."""
    import docx

    texts = {}
    for name in formats:
        document = FORMATS[name].render(brief)
        if name == "md":
            texts[name] = markdown_text(document)
        elif name == "html":
            parsed = parsed_html(document.decode())
            texts[name] = parsed.joined + " " + " ".join(t for _, svg in chart_images(parsed) for t in svg_texts(svg))
        elif name == "docx":
            texts[name] = docx_text(docx.Document(io.BytesIO(document)))
        else:
            texts[name] = pdf_text(document)
    return texts


# -- "How sure" from the reader's priorities --------------------------------------------------------


def test_two_different_weight_sets_give_different_first_rank_shares():
    first = brief_of({"weights": {"peace-process": 3, "personnel-safety": 1}, "robustness": {"samples": 2000}})
    second = brief_of({"weights": {"diplomatic-feasibility": 3, "stabilization": 1}, "robustness": {"samples": 2000}})
    shares = [[row["first_rank_acceptability"] for row in sorted(b["table"]["rows"], key=lambda r: r["option"])]
              for b in (first, second)]
    assert shares[0] != shares[1]
    assert first["summary"]["how_sure"]["weight_space"]["kind"] == "neighbourhood"


def test_the_brief_states_the_weight_space_the_robustness_result_reports():
    exact = brief_of({**equal_weights(), "robustness": {"samples": 300}})
    ranges = brief_of({**equal_weights(), "robustness": {"samples": 300, "weight_intervals": {"peace-process": [0.05, 0.5]}}})
    order = brief_of({"priority_order": list(MODEL.criterion_ids), "robustness": {"samples": 300}})
    kinds = [b["summary"]["how_sure"]["weight_space"]["kind"] for b in (exact, ranges, order)]
    assert kinds == ["neighbourhood", "intervals", "order"]
    sentences = [b["summary"]["how_sure"]["sentence"] for b in (exact, ranges, order)]
    assert len(set(sentences)) == 3
    assert "within the ranges given" in sentences[1] and "order of importance" in sentences[2]
    assert "near these priorities" in sentences[0]
    for brief in (exact, ranges, order):
        assert brief["summary"]["how_sure"]["sentence"] in rendered_texts(brief, ("md",))["md"].replace("\\", "")


@pytest.mark.parametrize(("reported", "expected"), [
    ({"admissible_weights": {"intervals": {"a": [0.2, 0.6]}, "order": []},
      "weight_space": {"kind": "neighbourhood", "factor": [0.75, 1.25], "around": {"a": 0.4}}},
     {"kind": "neighbourhood", "factors": [0.75, 1.25]}),
    ({"admissible_weights": {"intervals": {"a": [0.0, 1.0], "b": [0.0, 1.0]}, "order": []}},
     {"kind": "everything", "factors": None}),
    ({"admissible_weights": {"intervals": {"a": [0.1, 1.0], "b": [0.0, 1.0]}, "order": []}},
     {"kind": "intervals", "factors": None}),
    # An order's unnamed criteria are held at 0: that is the order, not an interval.
    ({"admissible_weights": {"intervals": {"a": [0.0, 1.0], "b": [0.0, 0.0]}, "order": [["a"]]}},
     {"kind": "order", "factors": None}),
    ({"admissible_weights": {"intervals": {"a": [0.2, 1.0], "b": [0.0, 0.0]}, "order": [["a"]]}},
     {"kind": "order-and-intervals", "factors": None}),
])
def test_the_weight_space_is_read_from_the_robustness_result(reported, expected):
    assert weight_space(reported) == expected


def test_a_neighbourhood_is_said_as_a_share_up_or_down():
    from service.briefs.content import space_phrase

    with use_language("en"):
        assert space_phrase({"kind": "neighbourhood", "factors": [0.75, 1.25]}) == (
            "the weightings near these priorities (each weight up to 25% higher or lower)")
    with use_language("fr"):
        assert "25\u00a0%" in space_phrase({"kind": "neighbourhood", "factors": [0.75, 1.25]})


# -- Bounds a weight can reach ----------------------------------------------------------------------

bounds = st.one_of(st.none(), st.sampled_from([0.0, 1.0]), st.floats(0, 1))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), bounds, bounds, st.booleans(), st.booleans()), min_size=1, max_size=6))
def test_the_nearest_overturn_is_the_nearest_bound_a_weight_can_reach(rows):
    intervals = {f"c{j}": {"weight": w, "lower": low, "upper": high, "below": "b" if has_below else None,
                           "above": "a" if has_above else None}
                 for j, (w, low, high, has_below, has_above) in enumerate(rows)}
    # Oracle: every (distance, criterion, direction) with a successor, below 0 and above 1 left out.
    candidates = sorted((abs(i[end] - i["weight"]), c, direction) for c, i in intervals.items()
                        for end, direction, taker in (("lower", "below", "below"), ("upper", "above", "above"))
                        if i[end] is not None and i[taker] is not None
                        and (i[end] > 1e-9 if direction == "below" else i[end] < 1 - 1e-9))
    found = nearest_overturn(intervals)
    if not candidates:
        assert found is None
        return
    assert found is not None
    assert abs(found["bound"] - found["weight"]) == candidates[0][0]
    assert wording.reachable(found["bound"], found["direction"])
    assert not (found["direction"] == "below" and found["bound"] <= 0)
    assert not (found["direction"] == "above" and found["bound"] >= 1)


# Weights under which the default model's stability intervals end at 0 or 1 (found by search): the
# bounds the old brief printed as "weighing less than 0.000".
EDGE_WEIGHTS = [
    {"impartiality-and-authority": 0, "peace-process": 3, "personnel-safety": 3, "protection-of-civilians": 0,
     "state-authority": 1, "diplomatic-feasibility": 3, "regional-demilitarization": 2, "stabilization": 3},
    {"peace-process": 3, "protection-of-civilians": 2, "state-authority": 1, "diplomatic-feasibility": 3},
]
UNREACHABLE = re.compile(r"(less than|below|under)\s+0([.,]0+)?((\s|\u00a0)?%|\b)|(more than|above|over)\s+(100([.,]0+)?"
                         r"(\s|\u00a0)?%|1[.,]0+\b)")


@pytest.mark.parametrize("weights", EDGE_WEIGHTS + [equal_weights()["weights"]])
def test_a_brief_never_prints_a_bound_of_0_or_1_as_a_threshold_to_cross(weights):
    brief = brief_of({"weights": weights, "robustness": {"samples": 300}})
    stability = next(c for c in brief["charts"] if c["id"] == "stability")
    assert any(row[end] in (0.0, 1.0) for series in stability["series"] for row in series["rows"]
               for end in ("lower", "upper")) or weights == equal_weights()["weights"]
    for overturn in (brief["summary"]["change"], brief["headline"]["best_package"]["overturn"],
                     brief["headline"]["best_option"]["overturn"]):
        if overturn is not None:
            assert wording.reachable(overturn["bound"], overturn["direction"])
    for name, text in rendered_texts(brief, ("md", "html", "docx")).items():
        assert UNREACHABLE.search(text) is None, (name, UNREACHABLE.search(text).group(0))


# -- No field names, no raw ids ---------------------------------------------------------------------


def request_field_names() -> set[str]:
    """Every field name of a brief request, nested schemas and the constraint types included."""
    from marshmallow import fields as marshmallow_fields

    from models.schema import ConstraintFieldsSchema

    names, seen = set(), set()

    def walk(schema):
        if id(schema) in seen:
            return
        seen.add(id(schema))
        for name, field in schema.fields.items():
            names.add(field.data_key or name)
            inner = field.inner if isinstance(field, marshmallow_fields.List) else field
            if isinstance(inner, marshmallow_fields.Nested):
                walk(inner.schema)

    walk(BriefRequestSchema())
    walk(ConstraintFieldsSchema())
    return names | {"max_options", "min_performance", "at_most", "at_least"}


def model_ids(model) -> set[str]:
    ids = {model.id} | set(model.option_ids) | set(model.criterion_ids)
    ids |= {s.id for s in model.scenarios} | {c.id for c in model.constraints if getattr(c, "id", None)}
    ids |= {i.id for i in model.interactions} | {p.id for p in getattr(model, "profiles", ())}
    return ids


@needs_pdf
def test_no_api_field_name_or_raw_id_in_the_prose_of_any_format():
    """Ids that are one plain word (`stabilization`) may be words of a sentence; every other id (with a
    hyphen, an underscore or a digit) and every field name with an underscore must never show, nor any
    field name in quotes or code marks. Quotes from the report are left out: they are the source's words."""
    # A scenario that makes an option unavailable, and a rule of the request that leaves one out.
    brief = brief_of({"weights": {"peace-process": 2, "impartiality-and-authority": 1}, "scenario": "french-drawdown",
                      "constraints": [{"type": "max_options", "count": 2},
                                      {"type": "exclude", "options": ["plan-exit", "dissociate-from-barkhane"]}],
                      "robustness": {"samples": 500, "weight_intervals": {"peace-process": [0.2, 0.9]}}})
    ids = {i for i in model_ids(MODEL) if re.search(r"[-_0-9]", i)}
    fields = request_field_names()
    snake = {f for f in fields if "_" in f}
    assert {"priority_order", "weight_intervals", "score_case"} <= snake and "peace-process" in ids
    quoted_words = re.compile(r"[`'\"‘’“”«»]\s?(" + "|".join(map(re.escape, sorted(fields))) + r")\s?[`'\"‘’“”«»]")
    quotes = [normalized(e["quote"]) for section in brief["options"] for e in section["evidence"]]
    for name, text in rendered_texts(brief).items():
        prose = normalized(text)
        for quote in quotes:
            prose = prose.replace(quote, " ")
        leaked = sorted(i for i in ids | snake if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", prose))
        assert leaked == [], (name, leaked)
        assert quoted_words.search(prose) is None, (name, quoted_words.search(prose).group(0))


# -- PDF --------------------------------------------------------------------------------------------


@needs_pdf
def test_the_pdf_of_the_default_brief_parses_opens_on_the_answer_and_fits_six_pages():
    from pypdf import PdfReader

    brief = brief_of(equal_weights())
    document = FORMATS["pdf"].render(brief)
    reader = PdfReader(io.BytesIO(document))
    pages = len(reader.pages)
    assert 2 <= pages <= MAX_DEFAULT_PAGES
    assert all(abs(float(page.mediabox.width) - 595.3) < 1 and abs(float(page.mediabox.height) - 841.9) < 1
               for page in reader.pages)  # A4
    assert reader.metadata.title == brief["title"]
    first_page = normalized(reader.pages[0].extract_text())
    text = normalized(pdf_text(document))
    assert normalized(brief["summary"]["answer"]) in normalized(pdf_text(_first_page(document)))
    assert brief["summary"]["caveat"][:60] in first_page.replace("\n", " ")
    # Page numbers and the provenance footer on every page; the same content as the HTML.
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in text
    assert text.count(brief["provenance"]["input_sha256"][:12]) >= pages
    assert brief["provenance"]["input_sha256"] in text
    for section in brief["options"]:
        assert section["name"] in text


def _first_page(document: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(document)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_the_server_cannot_render_is_a_503_problem(monkeypatch, tmp_path):
    from service import create_app
    from service.briefs import pdf

    def unavailable():
        raise RendererUnavailable("PDF briefs need WeasyPrint and Pango, which cannot be loaded here: no Pango.")

    monkeypatch.setattr(pdf, "_weasyprint", unavailable)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    client = app.test_client()
    body = {"weights": {"peace-process": 1}, "robustness": {"samples": 200}}
    refused = client.post("/api/v1/models/minusma-2017/briefs?format=pdf", json=body)
    assert refused.status_code == 503 and refused.mimetype == "application/problem+json"
    assert refused.json["type"].endswith("/renderer-unavailable") and "Pango" in refused.json["detail"]
    assert client.post("/api/v1/models/minusma-2017/briefs?format=html", json=body).status_code == 200
    app.extensions["policy_options"].engine.dispose()


# -- DOCX through LibreOffice -----------------------------------------------------------------------


def libreoffice_pdf(document: bytes, folder) -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is missing (apt-get install libreoffice-writer-nogui)")
    source = folder / "brief.docx"
    source.write_bytes(document)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{folder / 'profile'}", "--convert-to", "pdf",
                    "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=180)
    return (folder / "brief.pdf").read_bytes()


def broken_words(text: str, words: set[str]) -> list[str]:
    """Words split across two lines: a line ending in a proper prefix of a word and the next line
    starting with the rest of it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    broken = []
    for line, following in zip(lines, lines[1:]):
        last, first = line.split()[-1], following.split()[0]
        for word in words:
            for cut in range(2, len(word) - 1):
                if last.endswith(word[:cut]) and first.startswith(word[cut:]) and not last.endswith(word):
                    broken.append(f"{last} | {first}")
    return broken


def test_libreoffice_lays_out_the_docx_without_breaking_a_header_word_or_a_range(tmp_path):
    import docx

    brief = brief_of(equal_weights())
    document = FORMATS["docx"].render(brief)
    text = pdf_text(libreoffice_pdf(document, tmp_path))
    tables = docx.Document(io.BytesIO(document)).tables
    header_words = {word for table in tables for cell in table.rows[0].cells for word in cell.text.split() if len(word) > 3}
    assert {"Impartiality", "Pessimistic", "Optimistic"} <= header_words
    assert broken_words(text, header_words) == []
    # Every range of the side-by-side table reads whole on one line.
    ranges = {wording.compact_span(wording.effect(e["low"]), wording.effect(e["high"]))
              for row in brief["table"]["rows"] for e in row["effects"].values()}
    one_line = text.replace("\u00a0", " ")
    missing = [r for r in ranges if r.replace("\u00a0", " ") not in one_line]
    assert missing == []
    # The side-by-side table has a landscape page of its own.
    from pypdf import PdfReader

    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(libreoffice_pdf(
        document, tmp_path))).pages]
    assert any(width > height for width, height in sizes) and any(width < height for width, height in sizes)


def test_the_docx_sets_widths_from_content_and_alt_text_on_every_picture():
    import docx

    brief = brief_of(equal_weights())
    document = docx.Document(io.BytesIO(FORMATS["docx"].render(brief)))
    values = document.tables[0]
    widths = [cell.width for cell in values.rows[0].cells]
    # The option names take the widest column; the numbers get what their text needs.
    assert widths[0] == max(widths) and len(set(widths[1:])) >= 2
    for shape in document.inline_shapes:
        assert shape._inline.docPr.get("descr")


# -- French -------------------------------------------------------------------------------------------


@needs_pdf
def test_a_french_brief_has_french_numbers_quotes_and_language_in_every_format():
    import docx

    brief = brief_of(equal_weights(), language="fr")
    assert brief["language"] == "fr"
    value = brief["summary"]["values"][0]["likely"]
    share = brief["summary"]["how_sure"]["share"]
    with use_language("fr"):
        french_value, french_share = wording.value(value), wording.share(share)
    assert "," in french_value and french_share.endswith("\u00a0%")
    html = FORMATS["html"].render(brief).decode()
    assert '<html lang="fr">' in html and 'lang="en"' in html  # quotes from the report keep their language
    raw = {"md": FORMATS["md"].render(brief).decode(), "html": html,
           "docx": docx_text(docx.Document(io.BytesIO(FORMATS["docx"].render(brief)))),
           # pdftotext writes a no-break space as a space
           "pdf": pdf_text(FORMATS["pdf"].render(brief)).replace(" %", "\u00a0%").replace("« ", "«\u00a0").replace(" »", "\u00a0»")}
    for name, text in raw.items():
        flat = text.replace("\u202f", " ")
        assert french_value in flat and french_share in flat, name
        assert "«\u00a0" in flat and "\u00a0»" in flat, name
    for name, text in rendered_texts(brief).items():
        before_provenance = text.split("SHA-256")[0]
        assert re.search(r"\d,\d\d", before_provenance) and not re.search(r"\d\.\d\d", before_provenance), name
    document = docx.Document(io.BytesIO(FORMATS["docx"].render(brief)))
    styles = zipfile.ZipFile(io.BytesIO(FORMATS["docx"].render(brief))).read("word/styles.xml").decode()
    assert 'w:lang w:val="fr-FR"' in styles and 'w:val="en-US"' not in styles
    assert document.core_properties.language == "fr-FR"
    quote_runs = [run for p in document.paragraphs if p.style.name == "Quote" for run in p.runs]
    assert quote_runs and all('w:val="en-US"' in run._r.xml for run in quote_runs)
    from pypdf import PdfReader

    assert PdfReader(io.BytesIO(FORMATS["pdf"].render(brief))).trailer["/Root"].get("/Lang") == "fr"


def test_model_texts_are_taken_in_the_brief_language_and_the_brief_says_which_fell_back(monkeypatch):
    import dataclasses

    from service.engine.robustness import analysis

    # The brief writes its own sentences; the engine's verdicts (for the API) learn map texts elsewhere.
    monkeypatch.setattr(analysis, "verdicts", lambda model, result: [])

    renamed = {"plan-exit": {"en": "Plan an exit strategy", "fr": "Préparer une stratégie de sortie"},
               "reinforce-protection": {"en": "Reinforce protection (no French yet)"}}
    model = dataclasses.replace(MODEL, _index={}, options=tuple(
        dataclasses.replace(o, name=renamed[o.id]) if o.id in renamed else o for o in MODEL.options))
    french = brief_of({**equal_weights(model), "robustness": {"samples": 300}}, model=model, language="fr")
    names = {section["option"]: section["name"] for section in french["options"]}
    assert names["plan-exit"] == "Préparer une stratégie de sortie"
    assert names["reinforce-protection"] == "Reinforce protection (no French yet)"
    assert "Reinforce protection (no French yet)" in french["untranslated"]
    assert "Préparer une stratégie de sortie" not in french["untranslated"]
    markdown = FORMATS["md"].render(french).decode()
    # "Notes on the input", in French.
    assert "«\u00a0Reinforce protection (no French yet)\u00a0»" in markdown.split("Remarques sur les données")[1]
    english = brief_of({**equal_weights(model), "robustness": {"samples": 300}}, model=model)
    assert english["untranslated"] == [] and "Plan an exit strategy" in [s["name"] for s in english["options"]]


def test_a_brief_request_in_french_is_answered_in_french(tmp_path):
    from service import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    client = app.test_client()
    body = {"weights": {"peace-process": 1}, "robustness": {"samples": 200}}
    for query, headers in (("?lang=fr", {}), ("", {"Accept-Language": "fr-CA, en;q=0.5"})):
        answered = client.post(f"/api/v1/models/minusma-2017/briefs{query}", json=body, headers=headers)
        assert answered.status_code == 200 and answered.json["language"] == "fr"
        html = client.post(f"/api/v1/models/minusma-2017/briefs?format=html{query.replace('?', '&')}", json=body,
                           headers=headers)
        assert '<html lang="fr">' in html.text
    ignored = client.post("/api/v1/models/minusma-2017/briefs?lang=xx", json=body)
    assert ignored.status_code == 200 and ignored.json["language"] == "en"
    app.extensions["policy_options"].engine.dispose()


def test_the_cli_writes_a_french_brief(tmp_path, monkeypatch):
    from service.cli import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1775554200")
    output = tmp_path / "brief.html"
    assert main(["brief", "--equal-weights", "--samples", "300", "--lang", "fr", "--format", "html", "-o", str(output)]) == 0
    assert '<html lang="fr">' in output.read_text()


# -- Renderer safety ------------------------------------------------------------------------------------

BLOCK_SYNTAX = ["---", "    indented like code", "# heading", "> quote", "1. first", "- item", "+ item", "* item",
                "| a | b |", "&amp; &lt;b&gt; &#65;", "===", "```", "~~~", "<div>x</div>", "  - nested"]


@pytest.mark.parametrize("hostile", BLOCK_SYNTAX)
def test_markdown_shows_block_syntax_as_typed(hostile):
    document = small_model("block-syntax")
    document["options"][0]["name"] = hostile
    document["options"][0]["summary"] = hostile
    document["criteria"][0]["name"] = hostile
    model = model_from_document(document)
    brief = brief_of({"weights": {"x": 1, "y": 1}, "robustness": {"samples": 200}}, model=model)
    source = FORMATS["md"].render(brief).decode()
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    ours = MarkdownIt("commonmark").enable("table").parse(FORMATS["md"].render(
        brief_of({"weights": {"x": 1, "y": 1}, "robustness": {"samples": 200}},
                 model=model_from_document(small_model("block-syntax")))).decode())
    kinds = sorted(t.type for t in tokens if t.nesting >= 0 and t.type not in ("inline", "text"))
    # The same document structure as with plain names: no rule, code, heading, list, quote or table more.
    assert kinds == sorted(t.type for t in ours if t.nesting >= 0 and t.type not in ("inline", "text"))
    shown = markdown_text(source.encode())
    assert hostile.strip() in shown


def test_a_docx_never_fails_on_characters_xml_cannot_hold():
    import docx

    brief = brief_of({"weights": {"peace-process": 1}, "robustness": {"samples": 200}})
    bad = "A\x00B\x01C\x0bD\ufffeE\uffffF\ud800G"
    brief["title"] = bad
    brief["options"][0]["summary"] = bad
    brief["summary"]["caveat"] = bad
    document = docx.Document(io.BytesIO(FORMATS["docx"].render(brief)))
    text = docx_text(document)
    assert "A\ufffdB\ufffdC\ufffdD\ufffdE\ufffdF\ufffdG" in text
    assert document.core_properties.title == "A\ufffdB\ufffdC\ufffdD\ufffdE\ufffdF\ufffdG"


# -- Workshops ------------------------------------------------------------------------------------------


def workshop_view(participants: int, anonymous: bool, seed: int = 5) -> dict:
    """A workshop round's view as the API gives it to the brief: the engine's group results for
    `participants` random weightings, a comment from each, one reading of an effect from the first."""
    from service.engine.group import ParticipantPriorities, group_results

    rng = np.random.default_rng(seed)
    people = []
    for number in range(participants):
        weights = rng.integers(0, 10, len(MODEL.criterion_ids)).astype(float) + rng.random(len(MODEL.criterion_ids))
        weights /= weights.sum()
        people.append(ParticipantPriorities(f"p{number:04d}", f"Name-{number:04d}",
                                            dict(zip(MODEL.criterion_ids, map(float, weights)))))
    results = group_results(MODEL, None, [], people)
    submissions = {p.participant_id: {"comment": f"Comment {i} from Name-{i:04d}.", "effect_overrides": []}
                   for i, p in enumerate(people)}
    submissions["p0000"]["effect_overrides"] = [{"option": "plan-exit", "criterion": "peace-process", "likely": 0.0,
                                                 "rationale": "An exit date focuses minds."}]
    return {"id": "w1", "title": "Bamako", "round": 1, "scenario": None, "constraints": [], "results": results,
            "anonymous": anonymous, "submissions": submissions}


def workshop_brief(view: dict, language: str = "en") -> dict:
    with use_language(language):
        return build_brief(MODEL, BriefRequest.for_workshop(MODEL, view), generated_at=STAMP, workshop=view)


@needs_pdf
def test_an_anonymous_workshop_brief_names_no_one_in_any_format():
    view = workshop_view(4, anonymous=True)
    brief = workshop_brief(view)
    assert [p["label"] for p in brief["workshop"]["participants"]] == [f"Participant {n}" for n in range(1, 5)]
    assert "Name-" not in FORMATS["json"].render(brief).decode().replace("from Name-", "")
    texts = rendered_texts(brief)
    for name, text in texts.items():
        # The comments are quoted as written (one happens to name its author, as a participant may).
        leftover = re.sub(r"Comment \d+ from Name-\d{4}\.", "", text)
        assert "Name-" not in leftover, name
        assert "Participant 1" in text and "An exit date focuses minds." in text, name
    named = workshop_brief(workshop_view(4, anonymous=False))
    assert "Name-0003" in rendered_texts(named, ("md",))["md"]


def test_agreement_and_disagreement_come_right_after_the_answer():
    from service.briefs.document import Group, outline

    brief = workshop_brief(workshop_view(5, anonymous=True))
    with use_language("en"):
        roles = [block.role for block in outline(brief) if isinstance(block, Group)]
    assert roles[:3] == ["summary", "workshop", "detail"]
    headings = re.findall(r"^## (.+)$", FORMATS["md"].render(brief).decode(), re.M)
    assert headings[0] == "Where the participants agree and disagree"


def test_a_workshop_brief_of_500_participants_aggregates_and_caps_its_tables():
    from service.briefs.document import LISTED_PARTICIPANTS, QUOTED

    view = workshop_view(500, anonymous=True)
    brief = workshop_brief(view)
    results = view["results"]
    assert len(brief["workshop"]["participants"]) == 500  # the JSON format has everyone
    grid = next(c for c in brief["charts"] if c["id"] == "rank-distribution")
    for option, counts in zip(grid["options"], grid["counts"]):
        given = [next(o["rank"] for o in p["options"] if o["option"] == option["id"]) for p in results["participants"]]
        assert counts == [given.count(rank) for rank in grid["ranks"]] and sum(counts) == 500
    spread = next(c for c in brief["charts"] if c["id"] == "weight-distribution")
    for row in spread["rows"]:
        weights = [p["weights"][row["criterion"]] for p in results["participants"]]
        assert (row["minimum"], row["median"], row["maximum"]) == pytest.approx(
            (min(weights), float(np.median(weights)), max(weights)), abs=1e-12)
    markdown = FORMATS["md"].render(brief).decode()
    listed = re.findall(r"^\| Participant (\d+) \|", markdown, re.M)
    assert listed == [str(n) for n in range(1, LISTED_PARTICIPANTS + 1)]
    assert len(re.findall(r"^> .*Comment \d+ from", markdown, re.M)) == QUOTED
    assert "500" in markdown
