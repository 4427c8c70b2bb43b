"""The formats of a brief: name, media type, file extension and renderer.

Renderers are imported when first used, so choosing a format costs nothing until a
document is rendered (matplotlib and python-docx are slow to import).
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str  # as `?format=` and the CLI's --format take it
    media_type: str
    extension: str
    module: str | None  # renderer module under service.briefs with `render(brief) -> bytes`; None for JSON

    def render(self, brief: dict) -> bytes:
        """The brief in this format, as bytes (UTF-8 for the text formats)."""
        if self.module is None:
            return (json.dumps(brief, ensure_ascii=False, indent=2) + "\n").encode()
        return importlib.import_module(f"service.briefs.{self.module}").render(brief)


DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The order is the preference when Accept allows several equally (or sends */*): JSON first, as for any API.
FORMATS: dict[str, Format] = {
    "json": Format("json", "application/json", "json", None),
    "md": Format("md", "text/markdown", "md", "markdown"),
    "html": Format("html", "text/html", "html", "html"),
    "docx": Format("docx", DOCX_MEDIA_TYPE, "docx", "docx"),
}
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS.values()}
