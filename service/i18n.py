"""Languages (DESIGN.md §8.2): English and French, one language choice for pages, briefs,
verdicts and the CLI.

Flask-free, so the engine's verdicts, the briefs and the CLI translate exactly as the pages do:
the language in force is a context variable set per request (`service.platform.languages`) or
per command (`use_language`), and every translated string goes through `gettext` here or, in
templates, through Flask-Babel, which reads the same catalogs (`service/translations/`) with the
same selector.

Strings defined at import time (constants, schemas) use `lazy_gettext`; numbers and percentages
are formatted by Babel for the language in force (`0,35`, `49 %`).
"""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar
from pathlib import Path

from models.domain import TextByLanguage

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DOMAIN = "messages"

_language: ContextVar[str] = ContextVar("policy_options_language", default=DEFAULT_LANGUAGE)


def current_language() -> str:
    return _language.get()


@contextlib.contextmanager
def use_language(language: str | None):
    """Translate in `language` inside the block (an unsupported or missing one means English)."""
    token = _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def set_language(language: str | None) -> None:
    """Set the language for the rest of this context (one request, one command)."""
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


@functools.cache
def translations(language: str):
    """The compiled catalog of `language` (English is the source language: no catalog)."""
    from babel.support import NullTranslations, Translations

    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [language], DOMAIN)


def gettext(message: str, **variables) -> str:
    """`message` in the language in force; `%(name)s` placeholders filled from `variables`."""
    text = translations(current_language()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, number: int, **variables) -> str:
    """The singular or plural form for `number`, in the language in force; `%(num)s` is the number."""
    variables.setdefault("num", number)
    return translations(current_language()).ungettext(singular, plural, number) % variables


def lazy_gettext(message: str, **variables):
    """A string translated when it is used, in the language in force then."""
    from babel.support import LazyProxy

    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext


def negotiate_language(asked: str | None, accept_language: str | None, default: str | None = None) -> str:
    """The language of a page or brief (DESIGN.md §8.2): `?lang=` first, then the page's own
    `default` (a remembered choice, a workshop's language), then `Accept-Language`, then English."""
    for candidate in (asked, default):
        if candidate in LANGUAGES:
            return candidate
    for language in _accepted_languages(accept_language or ""):
        if language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


def _accepted_languages(header: str) -> list[str]:
    """Primary language tags of an Accept-Language header (RFC 9110 §12.5.4), best first."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary and primary != "*" and quality > 0:
            weighted.append((-quality, position, primary))
    return [primary for _, _, primary in sorted(weighted)]


def localized(text, language: str | None = None) -> tuple[str, bool]:
    """A model text (a string, or a map `{"en": ..., "fr": ...}` as given or loaded into a
    `models.domain.TextByLanguage`, DESIGN.md §8.2) in `language` (the one in force by default),
    and whether it fell back to English."""
    language = language or current_language()
    if isinstance(text, TextByLanguage):
        text = text.by_language
    if isinstance(text, str):
        return text, False
    if text is None:
        return "", False
    if language in text and text[language]:
        return text[language], False
    return text.get(DEFAULT_LANGUAGE, ""), language != DEFAULT_LANGUAGE


class ModelTexts:
    """Model texts in the language in force, remembering those that fell back to English, so
    that the brief or the command showing them can say which (DESIGN.md §8.2)."""

    def __init__(self):
        self.fell_back: dict[str, None] = {}  # an ordered set

    def __call__(self, text) -> str:
        shown, fell_back = localized(text)
        if fell_back:
            self.fell_back[shown] = None
        return shown


def format_decimal(number: float, digits: int = 2, signed: bool = False) -> str:
    """A number with `digits` decimals in the language in force (`0.35`, `0,35`)."""
    from babel.numbers import format_decimal as babel_format_decimal

    pattern = ("+" if signed else "") + "#,##0." + "0" * digits if digits else "#,##0"
    if signed:
        pattern += ";-" + pattern[1:]
    return babel_format_decimal(number, format=pattern, locale=current_language())


def format_percent(fraction: float, digits: int = 0) -> str:
    """A share as a percentage in the language in force (`49%`, `49 %`)."""
    from babel import Locale
    from babel.numbers import format_percent as babel_format_percent

    locale = Locale.parse(current_language())
    # The locale's own pattern (its spacing and sign), with the decimals asked for.
    pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0" + ("." + "0" * digits if digits else ""), 1)
    return babel_format_percent(fraction, format=pattern, locale=locale)


def with_colon(label: str) -> str:
    """`label` followed by a colon, as the language writes it: "Main caveat:", « Principale réserve : »."""
    # TRANSLATORS: a label before its value ("Main caveat: ..."); French puts a no-break space before the colon.
    return gettext("%(label)s:", label=label)


def semicolon_joined(items) -> str:
    """Items separated by semicolons as the language writes them: "a; b", « a ; b »."""
    items = list(items)
    if not items:
        return ""
    # TRANSLATORS: two items of a list separated by a semicolon; French puts a no-break space before it.
    return functools.reduce(lambda before, after: gettext("%(before)s; %(after)s", before=before, after=after), items)


def quoted(text: str) -> str:
    """`text` between the language's quotation marks: “…” in English, « … » in French."""
    if current_language() == "fr":
        return f"«\u00a0{text}\u00a0»"
    return f"“{text}”"


def format_ordinal(number: int) -> str:
    """A rank as an ordinal in the language in force: 1st, 2nd, 11th; 1er, 2e."""
    if current_language() == "fr":
        return "1er" if number == 1 else f"{number}e"
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
