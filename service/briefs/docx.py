"""The brief as a Word document (python-docx), for an analyst to edit: real headings (Title,
Heading 1-3), real tables with a repeating header row, charts as pictures each followed by
its text equivalent, provenance in the page footer. A4 portrait.

A .docx is a ZIP archive; python-docx stamps each member with the time of saving, so the
archive is rewritten with a fixed member time: the same brief gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from service.briefs import charts
from service.briefs.document import (Bullets, Cell, Chart, Facts, Group, Heading, Paragraph, Quote, Table, Verdict,
                                     footer_line, outline)

ZIP_MEMBER_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP can say: "no time"
MUTED = (0x5A, 0x62, 0x73)
ACCENT = (0x00, 0x22, 0x4E)
TONES = {"good": "E9EEF6", "bad": "F7F0DD"}
TEXT_WIDTH_MM = 178  # A4 less two 16 mm margins


def render(brief: dict) -> bytes:
    from docx import Document
    from docx.shared import Mm, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm((210 - TEXT_WIDTH_MM) / 2)
    section.top_margin, section.bottom_margin = Mm(15), Mm(17)
    styles = document.styles
    styles["Normal"].font.size = Pt(10)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        styles[name].font.color.rgb = RGBColor(*ACCENT)
    footer = section.footer.paragraphs[0]
    run = footer.add_run(footer_line(brief))
    run.font.size, run.font.color.rgb = Pt(7), RGBColor(*MUTED)

    writer = _Writer(document)
    for block in outline(brief):
        writer.block(block)

    generated = datetime.strptime(brief["generated_at"], "%Y-%m-%dT%H:%M:%SZ")
    properties = document.core_properties
    properties.title, properties.subject = brief["title"], brief["question"]["text"][:255]
    properties.author = properties.last_modified_by = "policy-options"
    properties.comments = f"input sha256 {brief['provenance']['input_sha256']}"
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


class _Writer:
    def __init__(self, document):
        from docx.shared import Mm, Pt, RGBColor

        self.document, self.Mm, self.Pt, self.RGBColor = document, Mm, Pt, RGBColor
        # Looking a style up by name scans every style of the document; look each up once.
        self.styles = {name: document.styles[name] for name in ("List Bullet", "Quote", "Caption", "Table Grid")}

    def block(self, block) -> None:
        document = self.document
        if isinstance(block, Heading):
            document.add_heading(block.text, level=block.level - 1)
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(block.text)
            if block.role == "lead":
                run.bold = True
            elif block.role == "note":
                run.italic, run.font.size, run.font.color.rgb = True, self.Pt(8.5), self.RGBColor(*MUTED)
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(item, style=self.styles["List Bullet"])
        elif isinstance(block, Facts):
            for label, value in block.rows:
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.space_after = self.Pt(1)
                paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(value)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Verdict):
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.space_before = self.Pt(6)
            paragraph.add_run(f"{block.label}: ").bold = True
            choice = paragraph.add_run(block.choice)
            choice.bold, choice.font.size, choice.font.color.rgb = True, self.Pt(11.5), self.RGBColor(*ACCENT)
            for line in block.lines:
                document.add_paragraph(line, style=self.styles["List Bullet"])
        elif isinstance(block, Quote):
            document.add_paragraph(f"“{block.text}”", style=self.styles["Quote"])
            cite = document.add_paragraph()
            run = cite.add_run(f"— {block.cite}")
            run.font.size, run.font.color.rgb = self.Pt(8.5), self.RGBColor(*MUTED)
        elif isinstance(block, Chart):
            document.add_picture(io.BytesIO(charts.png(block.chart)), width=self.Mm(170))
            document.add_paragraph(block.chart["summary"], style=self.styles["Caption"])
            self.table(block.text_equivalent)
        elif isinstance(block, Group):
            for inner in block.blocks:
                self.block(inner)
        else:
            raise TypeError(f"no DOCX for {type(block).__name__}")

    def table(self, table: Table) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        if table.caption:
            self.document.add_paragraph(table.caption, style=self.styles["Caption"])
        size = self.Pt(7 if table.role == "comparison" else 8.5)
        grid = self.document.add_table(rows=1 + len(table.rows), cols=len(table.headers))
        grid.style = self.styles["Table Grid"]
        rows = grid.rows  # `grid.cell(r, c)` walks the whole table each time; a row's cells do not
        widths = _column_widths(len(table.headers), self.Mm)
        _repeat_as_header(rows[0])
        for column, target in enumerate(rows[0].cells):
            self._fill(target, Cell(table.headers[column]), size, bold=True)
            _shade(target, "E4E7EE")
        # Word reads each cell's width, LibreOffice the table grid's: set both.
        grid.autofit = False
        for column, width in zip(grid.columns, widths):
            column.width = width
        for grid_row in rows:
            for target, width in zip(grid_row.cells, widths):
                target.width = width
        for grid_row, row in zip(rows[1:], table.rows):
            for column, (target, cell) in enumerate(zip(grid_row.cells, row)):
                self._fill(target, cell, size, bold=column == 0)
                if cell.tone:
                    _shade(target, TONES[cell.tone])
                if column in table.numeric:
                    for paragraph in target.paragraphs:
                        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.document.add_paragraph()

    def _fill(self, target, cell: Cell, size, bold: bool = False) -> None:
        paragraph = target.paragraphs[0]
        run = paragraph.add_run(cell.text)
        run.font.size, run.bold = size, bold
        if cell.sub:
            run.add_break()
            sub = paragraph.add_run(cell.sub)
            sub.font.size, sub.font.color.rgb = self.Pt(6.5), self.RGBColor(*MUTED)


def _column_widths(count: int, Mm) -> list:
    """The first column (names) wider than the others (numbers), over the text width."""
    if count == 1:
        return [Mm(TEXT_WIDTH_MM)]
    first = min(45.0, max(TEXT_WIDTH_MM / count, 32.0))
    return [Mm(first)] + [Mm((TEXT_WIDTH_MM - first) / (count - 1))] * (count - 1)


def _shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_as_header(row) -> None:
    """Mark a table's first row as its header: Word repeats it on every page and reads it as headers."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)
