"""The brief as a Word document (python-docx) that an analyst can edit and send (DESIGN.md §8.5):
real headings (Title, Heading 1-3), real tables with a repeating header row and column widths
set from their content, header cells that never break inside a word (short headers with a key
when the full ones do not fit), ranges that stay on one line (no-break spaces, U+2212 minus),
charts as pictures with alt text, the side-by-side table in a landscape section when the model
has many criteria, page numbers and provenance in the footer, and the document's language set
(fr-FR for a French brief; quotes from the source keep theirs).

A .docx is a ZIP archive; python-docx stamps each member with the time of saving, so the
archive is rewritten with a fixed member time: the same brief gives the same bytes. Characters
that XML 1.0 cannot hold (C0 controls, U+FFFE, U+FFFF, lone surrogates) are replaced here as a
last defence, whatever the input policy let through.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from xml.sax.saxutils import escape

from service.briefs import drawing
from service.briefs.document import (Bullets, Cell, Chart, Facts, Group, Heading, Paragraph, Quote,
                                     Table, Verdict, fitting, footer_line, outline)
from service.i18n import _, quoted, with_colon

ZIP_MEMBER_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP can say: "no time"
MUTED = (0x54, 0x5C, 0x6B)
ACCENT = (0x00, 0x22, 0x4E)
TONES = {"good": "E9EEF6", "bad": "F7F0DD"}
HEADER_FILL = "E4E7EE"
PORTRAIT_TEXT_MM = 178  # A4 less two 16 mm margins
LANDSCAPE_TEXT_MM = 297 - 32
# On every office system (LibreOffice maps it to the metric-compatible Liberation Sans); narrower than
# the DejaVu Sans that column widths are measured with, so widths err on the safe side.
FONT = "Arial"
MANY_CRITERIA = 5  # more criteria than this: the side-by-side table gets a landscape page
WORD_LANGUAGES = {"en": "en-US", "fr": "fr-FR"}
POINTS_PER_MM = 72 / 25.4
CELL_PADDING_POINTS = 2 * 5.4 + 1  # Word's default cell margins (0.19 cm each side) and a little slack
TABLE_SIZES = {"values": (9.5, 8.0), "comparison": (7.0, 6.5), "data": (7.0, 6.5)}
DEFAULT_TABLE_SIZES = (8.5, 7.0)
# XML 1.0 refuses these (python-docx's lxml raises on them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def render(brief: dict) -> bytes:
    from docx import Document
    from docx.shared import Mm, Pt, RGBColor

    document = Document()
    language = WORD_LANGUAGES.get(brief["language"], brief["language"])
    _set_document_language(document, language)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm((210 - PORTRAIT_TEXT_MM) / 2)
    section.top_margin, section.bottom_margin = Mm(15), Mm(17)
    styles = document.styles
    styles["Normal"].font.size = Pt(10)
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Quote", "Caption"):
        _set_font(styles[name], FONT)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        styles[name].font.color.rgb = RGBColor(*ACCENT)
    _footer(section, brief)

    writer = _Writer(document, brief)
    for block in outline(brief):
        writer.block(block)

    generated = datetime.strptime(brief["generated_at"], "%Y-%m-%dT%H:%M:%SZ")
    properties = document.core_properties
    properties.title, properties.subject = xml_safe(brief["title"]), xml_safe(brief["question"]["text"][:255])
    properties.author = properties.last_modified_by = "policy-options"
    properties.comments = f"input sha256 {brief['provenance']['input_sha256']}"
    properties.language = language
    properties.created = properties.modified = generated
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_member_times(buffer.getvalue())


def _fixed_member_times(archive: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(archive))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_MEMBER_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member))
    return output.getvalue()


def _set_font(style, name: str) -> None:
    """The style's font for every script, replacing the template's theme fonts (which would win)."""
    from docx.oxml.ns import qn

    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "cs"):
        fonts.set(qn(f"w:{attribute}"), name)


def _set_document_language(document, language: str) -> None:
    """The language of every style: the document defaults' and Normal's run properties."""
    from docx.oxml.ns import qn

    targets = [document.styles["Normal"].element.get_or_add_rPr()]
    # The template's document defaults (w:docDefaults/w:rPrDefault/w:rPr) hold its language too.
    targets += document.styles.element.findall(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    for properties in targets:
        _set_language(properties, language)


def _set_language(properties, language: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = properties.find(qn("w:lang"))
    if element is None:
        element = OxmlElement("w:lang")
        properties.append(element)
    element.set(qn("w:val"), language)


def _footer(section, brief: dict) -> None:
    """Provenance on the left, "Page n of m" (Word fields) on the right."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Mm, Pt, RGBColor

    paragraph = section.footer.paragraphs[0]
    paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(PORTRAIT_TEXT_MM), WD_TAB_ALIGNMENT.RIGHT)
    parts = re.split(r"(\x00page\x00|\x00pages\x00)", _("Page %(page)s of %(pages)s", page="\x00page\x00",
                                                          pages="\x00pages\x00"))
    runs = [paragraph.add_run(xml_safe(footer_line(brief)) + "\t")]
    for part in parts:
        if part == "\x00page\x00":
            runs += _field(paragraph, "PAGE")
        elif part == "\x00pages\x00":
            runs += _field(paragraph, "NUMPAGES")
        elif part:
            runs.append(paragraph.add_run(part))
    for run in runs:
        run.font.size, run.font.color.rgb = Pt(7), RGBColor(*MUTED)


def _field(paragraph, instruction: str) -> list:
    """A simple field (PAGE, NUMPAGES) as the runs Word expects: begin, instruction, separate, value, end."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    runs = []
    for kind, text in (("begin", None), (None, f" {instruction} "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            character = OxmlElement("w:fldChar")
            character.set(qn("w:fldCharType"), kind)
            run._r.append(character)
        elif text.strip() == instruction:
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = text
            run._r.append(code)
        else:
            run.text = text
        runs.append(run)
    return runs


class _Writer:
    def __init__(self, document, brief: dict):
        from docx.shared import Mm, Pt, RGBColor

        self.document, self.brief, self.Mm, self.Pt, self.RGBColor = document, brief, Mm, Pt, RGBColor
        self.language = brief["language"]
        self.many_criteria = len(brief["table"]["criteria"]) > MANY_CRITERIA
        # python-docx looks a style up by scanning every style of the document, for each paragraph
        # that names one: set the style ids directly instead, found once.
        self.styles = {name: document.styles[name].style_id
                       for name in ("List Bullet", "Quote", "Caption", "Table Grid", "Title", "Heading 1",
                                    "Heading 2", "Heading 3")}

    def paragraph(self, text: str = "", style: str | None = None):
        """A paragraph of `text` in the style of that id."""
        paragraph = self.document.add_paragraph(xml_safe(text))
        if style is not None:
            paragraph._p.style = style
        return paragraph

    def block(self, block) -> None:
        document = self.document
        if isinstance(block, Heading):
            self.paragraph(block.text, self.styles["Title" if block.level == 1 else f"Heading {block.level - 1}"])
        elif isinstance(block, Paragraph):
            self._paragraph(block)
        elif isinstance(block, Bullets):
            for item in block.items:
                paragraph = self.paragraph(item, self.styles["List Bullet"])
                if block.role == "rules":
                    for run in paragraph.runs:
                        run.font.size = self.Pt(8.5)
        elif isinstance(block, Facts):
            self._facts(block)
        elif isinstance(block, Table):
            if block.role == "comparison" and self.many_criteria:
                self._landscape(lambda: self.table(block, LANDSCAPE_TEXT_MM))
            else:
                self.table(block, PORTRAIT_TEXT_MM)
        elif isinstance(block, Verdict):
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.space_before = self.Pt(6)
            paragraph.paragraph_format.keep_with_next = True
            paragraph.add_run(xml_safe(with_colon(block.label) + " ")).bold = True
            choice = paragraph.add_run(xml_safe(block.choice))
            choice.bold, choice.font.size, choice.font.color.rgb = True, self.Pt(11), self.RGBColor(*ACCENT)
            for line in block.lines:
                self.paragraph(line, self.styles["List Bullet"])
        elif isinstance(block, Quote):
            paragraph = self.paragraph("", self.styles["Quote"])
            run = paragraph.add_run(xml_safe(quoted(block.text)))
            if block.language != self.language:
                _set_language(run._r.get_or_add_rPr(), WORD_LANGUAGES.get(block.language, block.language))
            cite = document.add_paragraph()
            cited = cite.add_run(xml_safe(f"— {block.cite}"))
            cited.font.size, cited.font.color.rgb = self.Pt(8), self.RGBColor(*MUTED)
        elif isinstance(block, Chart):
            self._chart(block)
        elif isinstance(block, Group):
            if block.role == "detail":
                self.document.add_page_break()  # the first page stands alone
            for inner in block.blocks:
                self.block(inner)
        else:
            raise TypeError(f"no DOCX for {type(block).__name__}")

    def _paragraph(self, block: Paragraph) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        paragraph = self.document.add_paragraph()
        if block.label:
            paragraph.add_run(xml_safe(with_colon(block.label) + " ")).bold = True
        run = paragraph.add_run(xml_safe(block.text))
        if block.role == "answer":
            run.bold, run.font.size, run.font.color.rgb = True, self.Pt(12.5), self.RGBColor(*ACCENT)
        elif block.role == "lead":
            run.bold = True
        elif block.role in ("note", "question"):
            run.font.size, run.font.color.rgb = self.Pt(8.5), self.RGBColor(*MUTED)
            run.italic = block.role == "note"
        if block.role in ("answer", "caveat"):
            shading = OxmlElement("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:color"), "auto")
            shading.set(qn("w:fill"), "EEF1F7" if block.role == "answer" else "FAF5E6")
            paragraph._p.get_or_add_pPr().append(shading)

    def _facts(self, block: Facts) -> None:
        if block.inline:
            paragraph = self.document.add_paragraph()
            for index, (label, value) in enumerate(block.rows):
                paragraph.add_run(xml_safe(("  ·  " if index else "") + with_colon(label) + " ")).bold = True
                paragraph.add_run(xml_safe(value))
            return
        for label, value in block.rows:
            paragraph = self.document.add_paragraph()
            paragraph.paragraph_format.space_after = self.Pt(1)
            paragraph.add_run(xml_safe(with_colon(label) + " ")).bold = True
            paragraph.add_run(xml_safe(value))

    def _chart(self, block: Chart) -> None:
        caption = self.paragraph("", self.styles["Caption"])
        caption.paragraph_format.keep_with_next = True
        caption.add_run(xml_safe(block.chart["title"] + ". ")).bold = True
        caption.add_run(xml_safe(block.chart["summary"] + " " + _("(numbers in Appendix B)")))
        picture = self.document.add_picture(io.BytesIO(drawing.png(block.drawing)), width=self.Mm(170))
        # Alt text: what the chart shows, read out instead of the picture (Word: "Alt Text").
        properties = picture._inline.docPr
        properties.set("descr", xml_safe(block.chart["summary"]))
        properties.set("title", xml_safe(block.chart["title"]))

    def _landscape(self, write) -> None:
        """Write a landscape section, then return to portrait."""
        from docx.enum.section import WD_ORIENT, WD_SECTION

        sections = self.document.sections
        wide = self.document.add_section(WD_SECTION.NEW_PAGE)
        wide.orientation = WD_ORIENT.LANDSCAPE
        wide.page_width, wide.page_height = sections[0].page_height, sections[0].page_width
        wide.left_margin = wide.right_margin = self.Mm((297 - LANDSCAPE_TEXT_MM) / 2)
        write()
        back = self.document.add_section(WD_SECTION.NEW_PAGE)
        back.orientation = WD_ORIENT.PORTRAIT
        back.page_width, back.page_height = wide.page_height, wide.page_width
        back.left_margin = back.right_margin = self.Mm((210 - PORTRAIT_TEXT_MM) / 2)

    def table(self, table: Table, text_width_mm: float) -> None:
        size, sub_size = TABLE_SIZES.get(table.role, DEFAULT_TABLE_SIZES)
        table, widths = fitting(table, text_width_mm * POINTS_PER_MM, size, sub_size, CELL_PADDING_POINTS)
        if table.caption:
            caption = self.paragraph(table.caption, self.styles["Caption"])
            caption.paragraph_format.keep_with_next = True
        from docx.oxml import parse_xml

        # The table is written as one piece of XML: python-docx's element-by-element calls cost
        # about a millisecond per cell.
        body = self.document.element.body
        body.insert_element_before(parse_xml(table_xml(table, widths, size, sub_size, self.styles["Table Grid"])),
                                   "w:sectPr")
        if table.key:
            key = self.paragraph(table.key_line())
            for run in key.runs:
                run.font.size, run.font.color.rgb = self.Pt(7.5), self.RGBColor(*MUTED)
        else:
            self.document.add_paragraph()


WORD_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TWIPS_PER_POINT = 20


def _text(value: str) -> str:
    return escape(xml_safe(value))


def _run(text: str, size: float, bold: bool = False, colour: tuple | None = None, line_break: bool = False) -> str:
    properties = ("<w:b/>" if bold else "") + ("<w:color w:val=\"%02X%02X%02X\"/>" % colour if colour else "") \
        + f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>'
    content = "<w:br/>" if line_break else f'<w:t xml:space="preserve">{_text(text)}</w:t>'
    return f"<w:r><w:rPr>{properties}</w:rPr>{content}</w:r>"


def _cell_xml(cell: Cell, width: int, size: float, sub_size: float, bold: bool, right: bool, fill: str | None) -> str:
    shading = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
    alignment = '<w:jc w:val="right"/>' if right else ""
    runs = _run(cell.text, size, bold)
    if cell.sub:
        runs += _run("", size, line_break=True) + _run(cell.sub, sub_size, colour=MUTED)
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shading}</w:tcPr>'
            f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/>{alignment}</w:pPr>{runs}</w:p></w:tc>')


def table_xml(table: Table, widths: list[float], size: float, sub_size: float, style_id: str) -> str:
    """A `w:tbl` of fixed layout: the header row repeats on each page and is marked as headers,
    no row splits across pages, numeric columns align right, tones shade their cells."""
    twips = [round(w * TWIPS_PER_POINT) for w in widths]
    rows = ["<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
            + "".join(_cell_xml(Cell(header), twips[j], size, sub_size, True, j in table.numeric, HEADER_FILL)
                      for j, header in enumerate(table.headers)) + "</w:tr>"]
    for row in table.rows:
        rows.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>"
                    + "".join(_cell_xml(cell, twips[j], size, sub_size, j == 0 or cell.strong, j in table.numeric,
                                        TONES.get(cell.tone)) for j, cell in enumerate(row)) + "</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
    return (f'<w:tbl xmlns:w="{WORD_NAMESPACE}"><w:tblPr><w:tblStyle w:val="{escape(style_id)}"/>'
            f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
            f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
            f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')
