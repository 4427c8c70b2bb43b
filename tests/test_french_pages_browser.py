"""Every workshop page in French in a real headless Chromium (DESIGN.md §8.2): the start page, the
participant page, the dashboard and the projection view, asked for by `Accept-Language: fr` (a French
facilitator's browser, whose workshop is then French) and by `?lang=fr` (on an English workshop). Each
has `lang="fr"` on its root and no English phrase of the catalog left in its text, before and after
what its scripts write (a submission, results, a release, charts); quotes from the report stay English
with `lang="en"`. A model whose texts are maps shows each language, and a text missing in French shows
in English and the page says which.

Set FRENCH_SCREENSHOTS to a folder to keep the French participant page at 390 x 844 and 1920 x 1080.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.french import english_left
from tests.test_model_texts import bilingual_model
from tests.test_workshop_session_browser import DESK, PHONE, WALL, set_range, watch

MODEL = "minusma-2017"
SCREENSHOTS = os.environ.get("FRENCH_SCREENSHOTS")
FRENCH_BROWSER = {"locale": "fr-FR", "extra_http_headers": {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}}
ENGLISH_BROWSER = {"locale": "en-US", "extra_http_headers": {"Accept-Language": "en-US,en;q=0.9"}}

# The page's text in its own language: every text node and the texts of attributes a reader meets
# (labels for assistive technology, tooltips, placeholders, alternatives), wherever the nearest `lang`
# says the page's language; hidden parts count (a script shows them later). Scripts and styles do not.
PAGE_TEXT = """() => {
  const own = document.documentElement.lang;
  const inOwnLanguage = (element) => { const tagged = element.closest('[lang]'); return !tagged || tagged.lang === own; };
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    if (element.closest('script, style, template, noscript') || !inOwnLanguage(element)) continue;
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.nodeValue); continue; }
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'aria-description', 'aria-roledescription']) {
      if (element.hasAttribute(name)) parts.push(element.getAttribute(name));
    }
    if (element.matches('input[type=submit], input[type=button]')) parts.push(element.value);
  }
  return parts.join('\\n');
}"""


def english_on(page, keep_out=()) -> list[str]:
    return english_left(page.evaluate(PAGE_TEXT), keep_out)


def check_french(page, where: str, found: dict, keep_out=()) -> None:
    """Assert the page's root is French; note the English left in `found` under `where` (asserted at
    the end of a test, so that one run reports every page)."""
    assert page.evaluate("document.documentElement.lang") == "fr", where
    found[where] = english_on(page, keep_out)


def assert_nothing_left(found: dict) -> None:
    left = {where: phrases for where, phrases in found.items() if phrases}
    assert left == {}, "English left: " + " | ".join(f"{where}: {len(phrases)} phrases, e.g. {phrases[:4]}"
                                                     for where, phrases in left.items())


def english_quotes_are_tagged(page) -> None:
    """Every quote from the report keeps its English, tagged lang="en", inside the French page."""
    quotes = page.locator("blockquote")
    assert quotes.count() > 0
    assert all(language == "en" for language in quotes.evaluate_all("qs => qs.map(q => q.closest('[lang]').lang)"))


def remember_token(context, workshop_id: str, token: str) -> None:
    context.add_init_script(f"localStorage.setItem('policy-options:facilitator:{workshop_id}', {json.dumps(token)})")


def join(page, name: str) -> None:
    page.locator("#display-name").fill(name)
    page.locator("#join-form button[type=submit]").click()
    page.wait_for_selector("#priorities-section:not([hidden])")


def weigh_and_submit(page, weights: dict, comment: str) -> None:
    for slider in page.locator("#sliders input[type=range]").all():
        set_range(page, f"#{slider.get_attribute('id')}", weights.get(slider.get_attribute("data-criterion"), 0))
    page.wait_for_selector("#ranking li")
    page.locator("#comment").fill(comment)
    page.locator("#submit-button").click()
    page.wait_for_selector("#save-status:not(:empty)")


def test_a_french_facilitator_and_participants_see_no_english(live_server, chromium):
    """Accept-Language: fr from the start page on: the workshop opened there is French."""
    app, base = live_server
    api = app.test_client()
    problems: list[str] = []
    english: dict[str, list[str]] = {}

    desk = chromium.new_context(**DESK, **FRENCH_BROWSER)
    console = desk.new_page()
    problems += watch(console)
    console.goto(f"{base}/")
    console.wait_for_selector("#scenario option", state="attached")
    console.wait_for_selector("#scenario-description:not(:empty)")
    check_french(console, "the start page", english)
    assert console.locator("#language").input_value() == "fr"  # the page's language is the workshop's default
    console.locator("#title").fill("Options pour le Mali, mardi")
    console.locator("#instructions").fill("Lisez d’abord les options, puis pondérez.")
    console.locator("#create-form button[type=submit]").click()
    console.wait_for_url("**/dashboard")
    console.wait_for_selector("#board:not([hidden])")
    workshop_id = console.url.split("/")[-2]
    token = console.evaluate(f"localStorage.getItem('policy-options:facilitator:{workshop_id}')")
    facilitator = {"Authorization": f"Bearer {token}"}
    view = api.get(f"/api/v1/workshops/{workshop_id}", headers=facilitator).json
    assert view["language"] == "fr"
    console.wait_for_selector("#progress:not(:empty)")
    check_french(console, "the dashboard before anyone joined", english)

    phone = chromium.new_context(**PHONE, **FRENCH_BROWSER)
    participant = phone.new_page()
    problems += watch(participant)
    participant.goto(f"{base}/w/{view['join_code']}")
    check_french(participant, "the participant page before joining", english)
    english_quotes_are_tagged(participant)
    join(participant, "Awa Traoré")
    weigh_and_submit(participant, {"peace-process": 10, "personnel-safety": 3}, "La paix d’abord.")
    check_french(participant, "the participant page after a submission", english)
    second = chromium.new_context(**PHONE, **FRENCH_BROWSER).new_page()  # another participant, another browser
    problems += watch(second)
    second.goto(f"{base}/w/{view['join_code']}")
    join(second, "Baba Keita")
    second.locator("#option-plan-exit summary").first.click()
    second.locator("#effect-plan-exit--personnel-safety details.disagree summary").click()
    effects = api.get(f"/api/v1/models/{MODEL}").json["effects"]
    exit_safety = next(e for e in effects if e["option"] == "plan-exit" and e["criterion"] == "personnel-safety")
    set_range(second, "#ov-plan-exit--personnel-safety", exit_safety["high"])
    second.locator("#why-plan-exit--personnel-safety").fill("Un départ protège notre personnel.")
    second.wait_for_selector("#overrides-summary:not(:empty)")
    weigh_and_submit(second, {"protection-of-civilians": 10}, "Protéger les civils.")
    check_french(second, "the participant page with an effect read differently", english)

    console.wait_for_selector("#said >> text=Un départ protège notre personnel.")
    console.wait_for_selector("#regrets tbody tr:nth-child(2)")
    check_french(console, "the dashboard with results", english)
    console.locator("#release-toggle").click()
    participant.wait_for_selector("#results-section:not([hidden])", timeout=15000)
    participant.wait_for_selector("#rank-comparison tbody tr")
    check_french(participant, "the participant page with released results", english)
    check_french(console, "the dashboard after a release", english)

    wall = chromium.new_context(**WALL, **FRENCH_BROWSER)
    remember_token(wall, workshop_id, token)
    projection = wall.new_page()
    problems += watch(projection)
    projection.goto(f"{base}/workshops/{workshop_id}/projection")
    projection.wait_for_selector("#first-chart svg")
    projection.wait_for_selector("#more-charts svg")
    check_french(projection, "the projection view", english)
    assert_nothing_left(english)
    assert problems == []


@pytest.mark.parametrize("path", ["start", "participant", "dashboard", "projection"])
def test_lang_fr_turns_each_page_of_an_english_workshop_french(live_server, chromium, path):
    app, base = live_server
    api = app.test_client()
    created = api.post("/api/v1/workshops", json={"title": "Atelier du mardi", "model_id": MODEL,
                                                  "instructions": "Pondérez les critères."}).json
    english: dict[str, list[str]] = {}
    joined = api.post(f"/api/v1/workshops/{created['id']}/participants",
                      json={"join_code": created["join_code"], "display_name": "Chloé Martin"}).json
    api.put(f"/api/v1/workshops/{created['id']}/participants/{joined['participant_id']}/submission",
            json={"weights": {"peace-process": 3, "stabilization": 1}, "comment": "Un avis."},
            headers={"Authorization": f"Bearer {joined['participant_token']}"})
    context = chromium.new_context(**(WALL if path == "projection" else DESK), **ENGLISH_BROWSER)
    remember_token(context, created["id"], created["facilitator_token"])
    page = context.new_page()
    problems = watch(page)
    url = {"start": "/", "participant": f"/w/{created['join_code']}",
           "dashboard": f"/workshops/{created['id']}/dashboard",
           "projection": f"/workshops/{created['id']}/projection"}[path]
    page.goto(f"{base}{url}")
    assert page.evaluate("document.documentElement.lang") == "en"  # the browser and the workshop say English
    page.goto(f"{base}{url}?lang=fr")
    ready = {"start": "#scenario option", "participant": "#options-section", "dashboard": "#said li",
             "projection": "#more-charts svg"}[path]
    page.wait_for_selector(ready, state="attached")
    page.wait_for_load_state("networkidle")
    check_french(page, f"{url}?lang=fr", english)
    if path == "participant":
        english_quotes_are_tagged(page)
        join(page, "Dado Cissé")
        weigh_and_submit(page, {"peace-process": 2}, "D’accord.")
        check_french(page, "the participant page after a submission with ?lang=fr", english)
    assert_nothing_left(english)
    assert problems == []


def test_a_model_text_missing_in_french_shows_in_english_and_the_page_says_which(live_server, chromium):
    app, base = live_server
    api = app.test_client()
    document = bilingual_model("partly-french")
    document["options"][2]["name"] = {"en": "B without French"}
    document["criteria"][0]["description"] = {"en": "X described in English only"}
    assert api.post("/api/v1/models", json=document).status_code == 201
    created = api.post("/api/v1/workshops", json={"title": "Atelier", "model_id": "partly-french",
                                                  "language": "fr"}).json
    phone = chromium.new_context(**PHONE, **FRENCH_BROWSER)
    page = phone.new_page()
    problems = watch(page)
    page.goto(f"{base}/w/{created['join_code']}")
    text = page.evaluate(PAGE_TEXT)
    assert "FR A" in text and "FR X" in text and "B without French" in text  # each text in its language
    lines = {line.strip() for line in text.splitlines()}
    assert "A" not in lines and "X" not in lines and "FR B without French" not in text
    note = page.locator("#untranslated")
    assert note.is_visible(), "the page does not say which texts are in English"
    said = note.text_content()
    assert "B without French" in said and "X described in English only" in said and "FR A" not in said
    assert english_on(page, keep_out=["B without French", "X described in English only"]) == []
    english = phone.new_page()
    english.goto(f"{base}/w/{created['join_code']}?lang=en")
    assert english.evaluate("document.documentElement.lang") == "en"
    assert "FR A" not in english.evaluate(PAGE_TEXT) and english.locator("#untranslated").is_hidden()
    assert problems == []


def test_the_check_finds_english_left_on_a_french_page(live_server, chromium):
    """The check above can fail: an English message written into the French page is found."""
    _, base = live_server
    page = chromium.new_context(**FRENCH_BROWSER).new_page()
    page.goto(f"{base}/")
    page.wait_for_selector("#scenario option", state="attached")
    page.evaluate("document.getElementById('error').textContent = 'Submit my priorities'")
    assert "Submit my priorities" in english_on(page)
    page.evaluate("document.getElementById('error').setAttribute('lang', 'en')")
    assert "Submit my priorities" not in english_on(page)


def test_screenshots_of_the_french_participant_page(live_server, chromium):
    """What a French participant sees first, on a phone and on a wide screen (kept when FRENCH_SCREENSHOTS is set)."""
    app, base = live_server
    created = app.test_client().post("/api/v1/workshops", json={
        "title": "Options pour le Mali", "model_id": MODEL, "language": "fr",
        "instructions": "Lisez d’abord les options et ce qu’en dit le rapport, puis donnez vos priorités."}).json
    for name, size in (("phone-390x844", PHONE), ("wide-1920x1080", WALL)):
        page = chromium.new_context(**size, **FRENCH_BROWSER).new_page()
        page.goto(f"{base}/w/{created['join_code']}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == "fr"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, f"participant-fr-{name}.png"))
            page.screenshot(path=os.path.join(SCREENSHOTS, f"participant-fr-{name}-full.png"), full_page=True)
