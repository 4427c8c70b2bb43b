"""The brief as Markdown (CommonMark with GitHub-style pipe tables), for an analyst to edit.

Charts appear as their text equivalents (tables) with their summary: Markdown has no
portable way to carry a drawing, and a data table is what an editor can change.
"""

from __future__ import annotations

import re

from service.briefs.document import (Bullets, Cell, Chart, Facts, Group, Heading, Paragraph, Quote, Table, Verdict,
                                     footer_line, outline)

# Backslash-escapable punctuation that could start markup or raw HTML anywhere in a line.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")


def text(value: str) -> str:
    """Plain text, escaped so that Markdown shows it as written (and never as HTML)."""
    escaped = _SPECIAL.sub(r"\\\1", value.replace("\r", " ").replace("\n", " "))
    # Text that starts like a list item, or is all "=" (a heading underline), would become one.
    escaped = re.sub(r"^(\s*)(\d+)([.)])(?=\s|$)", r"\1\2\\\3", escaped)
    return re.sub(r"^(\s*)([-+]|=)(?=\s|=*$)", r"\1\\\2", escaped)


def _cell(cell: Cell) -> str:
    return text(cell.text if cell.sub is None else f"{cell.text} ({cell.sub})")


def _table(table: Table) -> list[str]:
    lines = []
    if table.caption:
        lines += [f"*{text(table.caption)}*", ""]
    lines.append("| " + " | ".join(text(h) for h in table.headers) + " |")
    lines.append("|" + "|".join("---:" if i in table.numeric else "---" for i in range(len(table.headers))) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return lines + [""]


def _block(block) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + text(block.text), ""]
    if isinstance(block, Paragraph):
        body = text(block.text)
        return [f"*{body}*" if block.role == "note" else f"**{body}**" if block.role == "lead" else body, ""]
    if isinstance(block, Bullets):
        return [f"- {text(item)}" for item in block.items] + [""]
    if isinstance(block, Facts):
        return [f"- **{text(label)}:** {text(value)}" for label, value in block.rows] + [""]
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Verdict):
        return [f"**{text(block.label)}: {text(block.choice)}**", ""] + [f"- {text(line)}" for line in block.lines] + [""]
    if isinstance(block, Quote):
        return [f"> “{text(block.text)}”", ">", f"> — {text(block.cite)}", ""]
    if isinstance(block, Chart):
        return [f"*Chart (in the HTML and DOCX versions): {text(block.chart['summary'])}*", ""] + _table(block.text_equivalent)
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
