"""One policy for the text that comes in: request bodies, path segments and the command line.

Refused everywhere (DESIGN.md §7, README "Limits"): NUL and the other C0 control characters
except tab, line feed and carriage return; unpaired surrogates (not Unicode text: no UTF-8
encoder, the database's or a response's, accepts them); and the 66 Unicode noncharacters
(U+FDD0..U+FDEF and the last two code points of every plane, U+FFFE and U+FFFF among them).
What is left is exactly what XML 1.0 admits minus the noncharacters, so anything stored can be
written into a DOCX brief, stored by PostgreSQL (which has no NUL in text) and logged.

A body holding such text is refused with 422 and a pointer to each string (or to the object
whose member name holds it); a path segment holding it, or any other control character, matches
no route (404). Nothing here needs Flask: the CLI applies the same policy.
"""

from __future__ import annotations

import re

from werkzeug.routing import BaseConverter

_PLANE_NONCHARACTERS = "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(1, 17))
REFUSED_IN_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff" + _PLANE_NONCHARACTERS + "]")
# A path segment carries no control character at all, tab and line ends included.
_SEGMENT_CHARACTERS = "[^/\x00-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff" + _PLANE_NONCHARACTERS + "]"
# More problems than this in one body are summed up in one last entry.
MAX_REPORTED = 20


def describe(character: str) -> str:
    """What a refused character is, for a problem's detail (never the character itself)."""
    code = ord(character)
    if code < 0x20:
        return f"U+{code:04X}, a control character"
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X}, an unpaired surrogate (not Unicode text)"
    return f"U+{code:04X}, a Unicode noncharacter"


def refused_character(text: str) -> str | None:
    """The first character of `text` the policy refuses, or None."""
    found = REFUSED_IN_TEXT.search(text)
    return found.group() if found else None


def _token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def refused_text(document) -> list[tuple[str, str]]:
    """(JSON pointer, detail) for every string of a parsed JSON document that holds refused text.

    A member name that holds it is reported at the object that has the member: the name itself
    cannot be echoed in a pointer when it is not Unicode text.
    """
    problems: list[tuple[str, str]] = []
    stack = [("", document)]
    while stack:
        pointer, value = stack.pop()
        if isinstance(value, str):
            character = refused_character(value)
            if character is not None:
                problems.append((pointer, f"Holds {describe(character)}, which is not accepted in text."))
        elif isinstance(value, dict):
            for key, child in value.items():
                character = refused_character(key)
                if character is not None:
                    problems.append((pointer, f"A member name holds {describe(character)}, which is not accepted in text."))
                else:
                    stack.append((f"{pointer}/{_token(key)}", child))
        elif isinstance(value, list):
            stack.extend((f"{pointer}/{index}", child) for index, child in enumerate(value))
    problems.sort(key=lambda problem: problem[0])
    if len(problems) > MAX_REPORTED:
        more = len(problems) - MAX_REPORTED
        problems = problems[:MAX_REPORTED] + [("", f"And {more} more strings with text that is not accepted.")]
    return problems


class TextSegmentConverter(BaseConverter):
    """The converter of every path variable: a segment with a refused or control character matches
    no route, so it is a 404 before any view or database sees it."""

    regex = _SEGMENT_CHARACTERS + "+"


class TextPathConverter(BaseConverter):
    """`<path:...>` under the same policy (slashes allowed, as werkzeug's own path converter)."""

    regex = f"{_SEGMENT_CHARACTERS}(?:/|{_SEGMENT_CHARACTERS})*?"
    part_isolating = False


def install_converters(url_map) -> None:
    """Make the policy the converters' own; call before any rule is added."""
    url_map.converters.update(default=TextSegmentConverter, string=TextSegmentConverter, path=TextPathConverter)
