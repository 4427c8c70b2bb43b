"""The language of each request (DESIGN.md §8.2), for pages, briefs and verdicts alike.

`?lang=` first, then the language a page remembers (the `lang` cookie a choice sets) or
names as its default (a workshop's language), then `Accept-Language`, then English.
Flask-Babel renders the templates with the catalogs of `service/translations/`; the
language it uses is the one `service.i18n` holds for the request, so Python code (briefs,
verdicts) and templates always agree.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Flask, g, request

from service import i18n

LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    from flask_babel import Babel

    Babel(app, locale_selector=i18n.current_language, default_translation_directories=str(i18n.TRANSLATIONS_DIR))
    app.before_request(_language_of_request)
    app.context_processor(_template_globals)


def _language_of_request() -> None:
    # Set for every request: a worker thread keeps its context variable from the previous one.
    i18n.set_language(i18n.negotiate_language(request.args.get("lang"), request.headers.get("Accept-Language")))


def use_page_language(default: str | None = None) -> str:
    """Settle the language of a page: `?lang=`, the remembered choice, the page's `default`
    (a workshop's language), `Accept-Language`, English. Returns it."""
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    preferred = remembered if remembered in i18n.LANGUAGES else default
    language = i18n.negotiate_language(request.args.get("lang"), request.headers.get("Accept-Language"), preferred)
    i18n.set_language(language)
    return language


def remember_language_choice(response):
    """After a page answered `?lang=xx`, remember the choice for the visitor's later visits."""
    asked = request.args.get("lang")
    if asked in i18n.LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=LANGUAGE_COOKIE_MAX_AGE, samesite="Lax",
                            secure=request.is_secure, httponly=True)
    return response


def language_links() -> list[dict]:
    """The switch every page shows: this page in each language."""
    arguments = request.args.to_dict()
    links = []
    for language in i18n.LANGUAGES:
        query = {**arguments, "lang": language}
        links.append({"language": language, "name": LANGUAGE_NAMES[language],
                      "href": request.path + "?" + "&".join(f"{k}={_quoted(v)}" for k, v in query.items()),
                      "current": language == i18n.current_language()})
    return links


# Each language named in itself: a reader finds their own language whatever the page's.
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def _quoted(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


@functools.cache
def _javascript_messages() -> tuple[str, ...]:
    """The messages of the pages' scripts, found by the extractor `pybabel` uses (babel.cfg)."""
    from babel.messages.extract import extract_from_file

    static = Path(__file__).parent.parent / "static"
    messages = []
    for path in sorted(static.glob("*.js")):
        for _line, message, _comments, _context in extract_from_file("javascript", str(path), keywords={"_": None}):
            if message not in messages:
                messages.append(message)
    return tuple(messages)


def javascript_catalog() -> dict[str, str]:
    """{English message: its translation in the page's language} for the pages' scripts; a
    page embeds it as JSON, so scripts translate with the same catalogs and no second table."""
    return {message: i18n.gettext(message) for message in _javascript_messages()}


def _page_model_texts() -> i18n.ModelTexts:
    """The model texts this page shows, remembering those shown in English for want of a translation,
    so that the page can say which (DESIGN.md §8.2)."""
    if "model_texts" not in g:
        g.model_texts = i18n.ModelTexts()
    return g.model_texts


def _template_globals() -> dict:
    return {"page_language": i18n.current_language(), "language_links": language_links,
            "javascript_catalog": javascript_catalog, "localized": lambda text: _page_model_texts()(text),
            "untranslated": lambda: list(_page_model_texts().fell_back),
            "format_decimal": i18n.format_decimal, "format_percent": i18n.format_percent}
