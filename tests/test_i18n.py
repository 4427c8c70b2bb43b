"""Languages (DESIGN.md §8.2): negotiation, catalogs, Babel formatting and the pages' language."""

from __future__ import annotations

import re

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from service import i18n
from service.platform.languages import javascript_catalog


@pytest.mark.parametrize(("asked", "accept", "default", "expected"), [
    (None, None, None, "en"),
    ("fr", "en", None, "fr"),  # ?lang= first
    ("de", "fr", None, "fr"),  # an unsupported ?lang= is ignored
    (None, "de, fr;q=0.7, en;q=0.5", None, "fr"),  # the best supported language by quality
    (None, "en;q=0.2, fr-CA", None, "fr"),
    (None, "fr;q=0", None, "en"),  # q=0 means "not this one"
    (None, "en", "fr", "fr"),  # the page's default (remembered choice, workshop language) before the header
    ("en", None, "fr", "en"),
    (None, "*", None, "en"),
])
def test_language_is_negotiated_in_the_documented_order(asked, accept, default, expected):
    assert i18n.negotiate_language(asked, accept, default) == expected


@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_negotiation_always_answers_a_supported_language(asked, accept, default):
    assert i18n.negotiate_language(asked, accept, default) in i18n.LANGUAGES


def _entry(message) -> tuple:
    """A catalog entry comparable between .po and .mo: plural ids and forms as tuples."""
    as_tuple = (lambda value: tuple(value) if isinstance(value, (list, tuple)) else value)
    return as_tuple(message.id), as_tuple(message.string)


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(message.id) and all(strings) and not message.fuzzy


def test_compiled_catalogs_match_their_sources():
    """The committed .mo files are what `make translations` compiles from the .po files."""
    for po_path in sorted(i18n.TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            messages = list(read_po(handle))
        source = dict(_entry(m) for m in messages if _translated(m))
        # pybabel compiles an untranslated plural with the English forms: not a translation.
        untranslated_plurals = {_entry(m)[0] for m in messages if isinstance(m.id, (list, tuple)) and not _translated(m)}
        with po_path.with_suffix(".mo").open("rb") as handle:
            compiled = {key: value for key, value in (_entry(m) for m in read_mo(handle) if m.id)
                        if key not in untranslated_plurals}
        assert compiled == source, f"{po_path.with_suffix('.mo')} is stale: run make translations"


def test_numbers_percentages_and_quotes_follow_the_language():
    with i18n.use_language("fr"):
        assert i18n.format_decimal(0.35) == "0,35"
        assert i18n.format_decimal(0.35, signed=True) == "+0,35"
        assert i18n.format_percent(0.49) == "49\u00a0%"
        assert i18n.quoted("spoilers") == "«\u00a0spoilers\u00a0»"
    with i18n.use_language("en"):
        assert i18n.format_decimal(-0.35) == "-0.35"
        assert i18n.format_percent(0.49) == "49%"
        assert i18n.quoted("spoilers") == "“spoilers”"
    assert i18n.current_language() == "en"


def test_model_texts_fall_back_to_english_and_say_so():
    assert i18n.localized({"en": "Peace process", "fr": "Processus de paix"}, "fr") == ("Processus de paix", False)
    assert i18n.localized({"en": "Peace process"}, "fr") == ("Peace process", True)
    assert i18n.localized("Peace process", "fr") == ("Peace process", False)


def test_scripts_read_their_messages_from_the_same_catalogs():
    with i18n.use_language("fr"):
        catalog = javascript_catalog()
    assert catalog["the status quo (no change)"] == i18n.translations("fr").ugettext("the status quo (no change)")
    assert catalog["the status quo (no change)"] != "the status quo (no change)"


def _page_language(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', html).group(1)


def test_pages_pick_their_language_and_remember_a_choice(client):
    created = client.post("/api/v1/workshops", json={"title": "Atelier", "model_id": "minusma-2017"}).get_json()
    page = f"/w/{created['join_code']}"
    assert _page_language(client.get(page).get_data(as_text=True)) == "en"
    # The workshop's language is its pages' default (DESIGN.md §8.3), before the browser's header.
    assert _page_language(client.get(page, headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)) == "en"
    french = client.post("/api/v1/workshops", json={"title": "Atelier", "model_id": "minusma-2017",
                                                    "language": "fr"}).get_json()
    french_page = f"/w/{french['join_code']}"
    assert _page_language(client.get(french_page, headers={"Accept-Language": "en"}).get_data(as_text=True)) == "fr"
    assert _page_language(client.get(f"/workshops/{french['id']}/dashboard").get_data(as_text=True)) == "fr"
    # Pages of no workshop follow the browser's header.
    assert _page_language(client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)) == "fr"
    chosen = client.get(page + "?lang=fr", headers={"Accept-Language": "en"})
    assert _page_language(chosen.get_data(as_text=True)) == "fr"
    assert "lang=fr" in chosen.headers["Set-Cookie"]
    # A later visit without ?lang= keeps the choice, whatever the browser's header says.
    assert _page_language(client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)) == "fr"
    # The switch on the page offers both languages, each named in itself.
    html = client.get(page).get_data(as_text=True)
    assert 'lang="en"' in html and ">English<" in html and ">Français<" in html
