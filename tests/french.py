"""What "no English left" means for a French page or brief (DESIGN.md §8.2): none of the English
phrases of the catalog template (service/translations/messages.pot) appears in its text.

A phrase is a piece of a message between its placeholders, markup and punctuation that holds at least
two words of letters: "Options" or "Participant" alone read the same in both languages and would be
false hits, "Options on their own" or "Submit my priorities" would not. A phrase the message's own French
keeps (a name, a command-line option) is no leak. The texts that stay English on purpose (quotes from the
report, a model text without a French translation) are left out by the caller before looking.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "service" / "translations"
# Placeholders (%(name)s, %s, {name}), tags and the punctuation that separates a message's clauses.
_SEPARATORS = re.compile(r"%\([a-z_]+\)[sdrf]|%[sdrf]|\{[a-z_]+\}|<[^>]*>|[\n:;()\[\]“”\"«»…·—–|/=+,.!?]")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _fragments(message: str) -> list[str]:
    pieces = (" ".join(piece.split()) for piece in _SEPARATORS.split(message))
    return [piece for piece in pieces if len(_WORD.findall(piece)) >= 2]


@functools.cache
def english_phrases() -> tuple[str, ...]:
    """The English phrases of every message of the catalog template, longest first."""
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = [m for m in read_po(handle) if m.id]
    with (TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        french = {m.id: m.string for m in read_po(handle) if m.id}
    phrases = set()
    for message in template:
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        translated = french.get(message.id) or ""
        translated = " ".join(translated) if isinstance(translated, (list, tuple)) else translated
        for english in ids:
            # What the French keeps of its English (a name, an option, a unit) is no leak.
            phrases.update(phrase for phrase in _fragments(english) if not _contains(translated, phrase))
    return tuple(sorted(phrases, key=lambda phrase: (-len(phrase), phrase)))


def english_left(text: str, keep_out: list[str] = ()) -> list[str]:
    """The catalog's English phrases found in `text` (whole words, spacing ignored), once `keep_out`
    (texts that stay English on purpose) is taken out of it."""
    flat = " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())
    for kept in sorted(keep_out, key=len, reverse=True):
        flat = flat.replace(" ".join(kept.split()), " ")
    return [phrase for phrase in english_phrases() if _contains(flat, phrase)]


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![A-Za-z]){re.escape(phrase)}(?![A-Za-z])", text) is not None
