"""The translation catalogs stay complete (DESIGN.md §8.2): every message the code, templates and
scripts can show is extracted, translated in every language, with the placeholders it is filled
with, compiled as committed; and no template shows text that bypasses gettext."""

from __future__ import annotations

import functools
import gettext
import html.parser
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

from service import i18n

ROOT = Path(__file__).parent.parent
TEMPLATES = ROOT / "service" / "templates"
SCRIPTS = ROOT / "service" / "static"
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%[sdif]|\{[A-Za-z_]\w*\}")
TRANSLATED_LANGUAGES = [language for language in i18n.LANGUAGES if language != i18n.DEFAULT_LANGUAGE]


@functools.cache
def extracted_messages() -> dict:
    """{msgid (str, or (singular, plural)): the files it is in}, extracted now as `make translations` does."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(ROOT / "babel.cfg"))
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    messages: dict = {}
    for filename, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map,
                                                                           keywords=keywords):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        key = message if isinstance(message, str) else message[:2]
        messages.setdefault(key, set()).add(filename)
    return messages


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _key(message):
    return message.id if isinstance(message.id, str) else tuple(message.id)


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def test_extraction_finds_the_messages_of_every_kind_of_source():
    """The oracle of the other tests sees Python, templates and scripts alike."""
    sources = {Path(f).suffix for files in extracted_messages().values() for f in files}
    assert {".py", ".html", ".js"} <= sources
    assert "Skip to content" in extracted_messages()  # base.html
    assert "The service answered %(status)s." in extracted_messages()  # common.js


def test_the_template_catalog_is_current():
    """messages.pot is what the sources say now: `make translations` was run after the last change."""
    template = {_key(m) for m in _read(i18n.TRANSLATIONS_DIR / "messages.pot") if m.id}
    extracted = set(extracted_messages())
    assert sorted(map(str, extracted - template)) == [], "run make translations: messages.pot lacks these"
    assert sorted(map(str, template - extracted)) == [], "run make translations: messages.pot has stale messages"


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_message_is_translated(language):
    catalog = {_key(m): m for m in _read(i18n.TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po") if m.id}
    missing, untranslated = [], []
    for key in extracted_messages():
        message = catalog.get(key)
        if message is None:
            missing.append(key)
        elif message.fuzzy or not all(form.strip() for form in _forms(message)):
            untranslated.append(key)
    assert missing == [], f"{language}: not in the catalog (make translations)"
    assert untranslated == [], f"{language}: empty, partly translated or fuzzy"


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_translations_keep_the_placeholders_of_their_message(language):
    """A placeholder lost is a number missing from the sentence; one added is a KeyError at run time."""
    wrong = []
    for message in _read(i18n.TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"):
        if not message.id:
            continue
        if isinstance(message.id, str):
            if message.string and _placeholders(message.string) != _placeholders(message.id):
                wrong.append((message.id, message.string))
            continue
        singular, plural = message.id[:2]
        expected = _placeholders(singular) | _placeholders(plural)
        for index, form in enumerate(_forms(message)):
            # The singular may leave the count out, as the English one may ("One participant ...").
            optional = {"%(num)s"} if index == 0 and "%(num)s" not in _placeholders(singular) else set()
            if form and not (expected - optional <= _placeholders(form) <= expected):
                wrong.append((message.id, form))
    assert wrong == []


def test_the_placeholder_check_sees_a_lost_or_added_placeholder():
    assert _placeholders("%(option)s en tête dans %(share)s") != _placeholders("%(option)s comes first")
    assert _placeholders("W de Kendall %(w)s") == _placeholders("Kendall's W %(w)s")


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_compiled_catalog_serves_every_translation_with_the_plural_rule(language):
    """Read back with the standard library's gettext (not Babel, which compiled it): the committed
    .mo answers every message of the .po, and picks plural forms by the language's rule."""
    directory = i18n.TRANSLATIONS_DIR / language / "LC_MESSAGES"
    with (directory / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in _read(directory / "messages.po"):
        if not message.id:
            continue
        if isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id
        else:
            singular, plural = message.id[:2]
            forms = _forms(message)
            # French: 0 and 1 take the singular (nplurals=2; plural=(n > 1)).
            assert compiled.ngettext(singular, plural, 0) == forms[0], singular
            assert compiled.ngettext(singular, plural, 1) == forms[0], singular
            assert compiled.ngettext(singular, plural, 2) == forms[-1], singular


# -- Templates: no text outside gettext ---------------------------------------------------------------

# Attributes a reader sees or hears (a screen reader reads aria-label and alt; title shows on hover).
VISIBLE_ATTRIBUTES = {"title", "aria-label", "aria-description", "aria-placeholder", "placeholder", "alt", "label"}
# Text that is not in any language: the product's name, each language named in itself (the switch).
NOT_LANGUAGE = {"policy-options", "English", "Français"}
# Stands for whatever a Jinja tag or expression outputs; spaced, so that inside a tag it reads as an
# attribute (`<p{% if x %} class="…"{% endif %}>`) and leaves the HTML parseable.
JINJA = " jinja-output "


def template_text(source: str) -> str:
    """The template's HTML with every Jinja construct (lexed by Jinja itself) replaced by a marker.
    A block named `…attributes` holds attributes its parent writes inside a tag: it is left out."""
    environment = Environment(extensions=["jinja2.ext.i18n"])
    parts: list[str] = []
    depth, tag, in_attribute_block = 0, [], False
    for _line, token, value in environment.lex(source):
        if token == "data":
            if not in_attribute_block:
                parts.append(value)
        elif token in ("variable_begin", "block_begin"):
            if depth == 0 and not in_attribute_block:
                # Right after "<" the construct is a tag name: no leading space there.
                parts.append(JINJA.lstrip() if parts and parts[-1].endswith(("<", "</")) else JINJA)
            depth += 1
            tag = []
        elif token in ("variable_end", "block_end"):
            depth -= 1
            if tag[:1] == ["block"] and len(tag) > 1:
                in_attribute_block = tag[1].endswith("attributes")
            elif tag[:1] == ["endblock"]:
                in_attribute_block = False
        elif token == "name":
            tag.append(value)
    return "".join(parts)


class _VisibleText(html.parser.HTMLParser):
    """Text nodes and visible attribute values of an HTML document, outside <script> and <style>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        attributes = dict(attrs)
        for name, value in attrs:
            # A <button>'s value is sent, not shown; an <input type="submit">'s value is its label.
            visible = name in VISIBLE_ATTRIBUTES or (
                name == "value" and tag == "input" and attributes.get("type") in ("submit", "button", "reset"))
            if visible and value:
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.found.append(data)


def untranslated_text(source: str) -> list[str]:
    """Human-readable text a template writes itself instead of asking gettext for it."""
    parser = _VisibleText()
    parser.feed(template_text(source))
    parser.close()
    leftovers = []
    for text in parser.found:
        for piece in text.split(JINJA):
            piece = piece.strip()  # the split leaves the marker's own spaces
            words = piece
            for name in NOT_LANGUAGE:
                words = words.replace(name, "")
            if re.search(r"[^\W\d_]", words):
                leftovers.append(piece)
    return leftovers


TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_show_no_text_outside_gettext(path):
    assert untranslated_text(path.read_text()) == []


def test_the_template_check_finds_literal_text_and_accepts_gettext():
    assert untranslated_text('<p>{{ _("Results") }}</p><button title="{{ _("Close") }}">×</button>') == []
    assert untranslated_text("<h2>Results</h2>") == ["Results"]
    assert untranslated_text('<input placeholder="Your name">') == ["Your name"]
    assert untranslated_text('<button type="button" aria-label="Close">{{ _("x") }}</button>') == ["Close"]
    assert untranslated_text('<input type="submit" value="Send">') == ["Send"]
    assert untranslated_text('<button value="cancel">{{ _("Cancel") }}</button>') == []
    assert untranslated_text('<p{% if role %} class="{{ role }}"{% endif %}>{{ text }}</p>') == []
    assert untranslated_text("<p>{{ count }} participants</p>") == ["participants"]
    assert untranslated_text('<a href="/api/v1/docs" class="link">{{ _("API") }}</a>') == []  # not visible
    assert untranslated_text("<script>const label = 'not shown';</script><style>p{}</style>") == []
    assert untranslated_text("<footer>policy-options</footer>") == []
    assert untranslated_text("<title>{% block title %}{% endblock %} · policy-options</title>") == []
    assert untranslated_text("<{{ tag }} class=\"x\">{{ text }}</{{ tag }}>") == []
    assert untranslated_text('{% block body_attributes %} class="projection"{% endblock %}') == []
    assert untranslated_text("{% block main %}<p>Waiting</p>{% endblock %}") == ["Waiting"]


# -- Scripts: text they show goes through _() ------------------------------------------------------------

LITERAL_SHOWN = [
    re.compile(r"\.(?:textContent|innerText|placeholder|title|alt)\s*=\s*(['\"`])(?P<text>(?:(?!\1).)*)\1"),
    re.compile(r"setAttribute\(\s*['\"](?:title|aria-label|placeholder|alt)['\"]\s*,\s*"
               r"(['\"`])(?P<text>(?:(?!\1).)*)\1"),
    re.compile(r"\bP\.el\(\s*['\"]\w+['\"]\s*,\s*(['\"`])(?P<text>(?:(?!\1).)*)\1"),
    re.compile(r"['\"](?:title|aria-label|placeholder|alt)['\"]\s*:\s*(['\"`])(?P<text>(?:(?!\1).)*)\1"),
]


def literal_text_shown(script: str) -> list[str]:
    """String literals with letters that a script puts on the page as they are (not through `_()`)."""
    found = []
    for pattern in LITERAL_SHOWN:
        for match in pattern.finditer(script):
            if re.search(r"[^\W\d_]", match.group("text")) and match.group("text") not in NOT_LANGUAGE:
                found.append(match.group("text"))
    return found


@pytest.mark.parametrize("path", sorted(SCRIPTS.glob("*.js")), ids=lambda p: p.name)
def test_scripts_show_no_literal_text(path):
    assert literal_text_shown(path.read_text()) == []


def test_the_script_check_finds_literal_text():
    assert literal_text_shown('status.textContent = "Saved.";') == ["Saved."]
    assert literal_text_shown("button.setAttribute('aria-label', 'Close');") == ["Close"]
    assert literal_text_shown('P.el("p", "No one yet", {"class": "muted"})') == ["No one yet"]
    assert literal_text_shown('P.el("p", P._("No one yet"))') == []
    assert literal_text_shown('status.textContent = P._("Saved.");') == []
    assert literal_text_shown('node.textContent = "–";') == []
