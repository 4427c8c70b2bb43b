"""The formats of a brief: name, media type, file extension and renderer.

Renderers are imported when first used, so choosing a format costs nothing until a
document is rendered (python-docx and WeasyPrint are slow to import). Every renderer runs
in the brief's own language (`brief["language"]`), whoever calls it.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass

from service.i18n import _, use_language


class RendererUnavailable(Exception):
    """A format whose renderer cannot run on this machine (WeasyPrint without Pango): the service
    answers 503 for it and keeps serving the others."""


@dataclass(frozen=True)
class Format:
    name: str  # as `?format=` and the CLI's --format take it
    media_type: str
    extension: str
    module: str | None  # renderer module under service.briefs with `render(brief) -> bytes`; None for JSON
    binary: bool = False

    def render(self, brief: dict) -> bytes:
        """The brief in this format, as bytes (UTF-8 for the text formats). Raises `RendererUnavailable`."""
        if self.module is None:
            return (json.dumps(brief, ensure_ascii=False, indent=2) + "\n").encode()
        with use_language(brief.get("language")):
            return importlib.import_module(f"service.briefs.{self.module}").render(brief)

    def file_name(self, brief: dict, *parts) -> str:
        """A download's file name in the brief's language: "comparative-brief-…", "note-comparative-…"."""
        with use_language(brief.get("language")):
            stem = _("workshop-brief") if brief["kind"] == "workshop" else _("comparative-brief")
        name = "-".join([stem, *(str(p) for p in parts)])
        return re.sub(r"[^A-Za-z0-9._-]", "-", name) + "." + self.extension


DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The order is the preference when Accept allows several equally (or sends */*): JSON first, as for any API.
FORMATS: dict[str, Format] = {
    "json": Format("json", "application/json", "json", None),
    "md": Format("md", "text/markdown", "md", "markdown"),
    "html": Format("html", "text/html", "html", "html"),
    "pdf": Format("pdf", "application/pdf", "pdf", "pdf", binary=True),
    "docx": Format("docx", DOCX_MEDIA_TYPE, "docx", "docx", binary=True),
}
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS.values()}
