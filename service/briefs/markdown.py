"""The brief as Markdown (CommonMark with GitHub-style pipe tables), for an analyst to edit.

Charts appear as their title and summary; their numbers are the tables of Appendix B
(Markdown has no portable way to carry a drawing, and a data table is what an editor can
change). Every text is escaped so that it shows as typed: no inline markup, no raw HTML,
no entity, and no block syntax (a text of `---`, `# x`, `> x`, `1. x` or indented by four
spaces stays a line of text).
"""

from __future__ import annotations

import re

from service.briefs.document import (Bullets, Cell, Chart, Facts, Group, Heading, Paragraph, Quote, Table, Verdict,
                                     footer_line, outline)
from service.i18n import _, quoted, with_colon

# Backslash-escapable punctuation that could start markup, raw HTML or an entity anywhere in a line.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!&])")
_LINE_BREAKS = re.compile(r"[\r\n\t\f\v\u2028\u2029]+")


def text(value: str, block: bool = True) -> str:
    """Plain text, escaped so that Markdown shows it as written (and never as HTML or a block).
    `block`: the text starts a block (a paragraph, a list item), where a line start means syntax;
    table cells are inline."""
    escaped = _SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", value))
    if not block:
        return escaped
    # Leading blanks would make an indented code block; a leading "-", "+", "=" a list, a rule or a
    # heading underline; a leading number and "." or ")" an ordered list.
    escaped = escaped.lstrip(" ")
    escaped = re.sub(r"^(\d+)([.)])", r"\1\\\2", escaped)
    return re.sub(r"^([-+=])", r"\\\1", escaped)


def _cell(cell: Cell) -> str:
    return text(cell.text if cell.sub is None else f"{cell.text} ({cell.sub})", block=False)


def _table(table: Table) -> list[str]:
    lines = []
    if table.caption:
        lines += [f"*{text(table.caption)}*", ""]
    lines.append("| " + " | ".join(text(h, block=False) for h in table.headers) + " |")
    lines.append("|" + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.headers))) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return lines + [""]


def _block(block) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + text(block.text), ""]
    if isinstance(block, Paragraph):
        body = text(block.text)
        if block.label:
            body = f"**{text(with_colon(block.label))}** {body}"
        if block.role == "note":
            return [f"*{body}*", ""]
        if block.role in ("lead", "answer"):
            return [f"**{body}**", ""]
        return [body, ""]
    if isinstance(block, Bullets):
        return [f"- {text(item)}" for item in block.items] + [""]
    if isinstance(block, Facts):
        return [f"- **{text(with_colon(label))}** {text(value)}" for label, value in block.rows] + [""]
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Verdict):
        return [f"**{text(with_colon(block.label))} {text(block.choice)}**", ""] + [f"- {text(line)}" for line in block.lines] + [""]
    if isinstance(block, Quote):
        return [f"> {text(quoted(block.text))}", ">", f"> — {text(block.cite)}", ""]
    if isinstance(block, Chart):
        summary = _("Chart (drawn in the HTML, PDF and DOCX versions; its numbers are in Appendix B): %(summary)s",
                    summary=block.chart["summary"])
        return [f"**{text(block.chart['title'])}**", "", f"*{text(summary)}*", ""]
    if isinstance(block, Group):
        lines = ["---", ""] if block.role == "footer" else []
        for inner in block.blocks:
            lines += _block(inner)
        return lines
    raise TypeError(f"no Markdown for {type(block).__name__}")


def render(brief: dict) -> bytes:
    lines = []
    for block in outline(brief):
        lines += _block(block)
    lines += [f"*{text(footer_line(brief))}*", ""]
    return "\n".join(lines).encode()
