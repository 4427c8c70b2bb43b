"""Model texts in English and French (DESIGN.md §8.2): each human-readable text of a model is a
string or a map `{"en": ..., "fr": ...}`, validated with a pointer per language, served as given,
shown in the asked language with a fallback to English that is named, and English wherever a
sentence stays English. The default model is fully translated."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from models.domain import TextByLanguage
from models.loader import builtin_models, model_from_document
from models.schema import MAX_TEXT
from models.validation import ModelInvalid, validate_model_document
from service import create_app
from service.i18n import localized, use_language
from service.persistence.database import alembic_config, make_engine, migrate
from tests.documents import EVIDENCE, small_model

DEFAULT_MODEL_FILE = Path(__file__).resolve().parents[1] / "models" / "data" / "minusma-2017.yaml"
# The version of `small_model()` computed by the code before model texts could be maps: a document
# of plain strings keeps the version it had.
SMALL_MODEL_VERSION = "d023fcfa944d0c3d"
# French texts of the default model allowed to read as their English text: proper names only.
# None of its texts is a bare proper name today.
SAME_IN_BOTH_LANGUAGES: frozenset[str] = frozenset()
NBSP, NNBSP = "\u00a0", "\u202f"


def french(english: str) -> dict:
    return {"en": english, "fr": f"FR {english}"}


def bilingual_model(model_id: str = "bilingual") -> dict:
    """`small_model` with every human-readable text given in English and French, a profile with an
    effect override and a critique included."""
    document = small_model(model_id)
    document["title"] = french(document["title"])
    document["description"] = french("Two criteria, three options")
    for collection in ("criteria", "options", "scenarios"):
        for item in document[collection]:
            item["name"] = french(item["name"])
            for key in ("description", "summary"):
                if key in item:
                    item[key] = french(item[key] or f"{key} of {item['id']}")
    for collection in ("effects", "interactions", "constraints"):
        for item in document[collection]:
            item["rationale"] = french(item["rationale"])
    # Listed, so that the options keep their pointers in the model as served.
    document["options"].insert(0, {"id": "status-quo", "name": french("Status quo"), "summary": french("No change")})
    document["profiles"] = [{
        "id": "hawk", "label": french("A hawk"), "description": french("Cares for X"),
        "weights": {"x": 2, "y": 1},
        "effect_overrides": [{"option": "a", "criterion": "x", "likely": 0.5, "rationale": french("believes less")}],
        "evidence": copy.deepcopy(EVIDENCE)}]
    document["critiques"] = [{"lines": "L40-L41", "section": "Elsewhere", "note": french("the author disputes it")}]
    return document


# Every model text of `bilingual_model`, by JSON pointer.
TEXT_POINTERS = (["/title", "/description"]
                 + [f"/criteria/{i}/{k}" for i in range(2) for k in ("name", "description")]
                 + [f"/options/{i}/{k}" for i in range(4) for k in ("name", "summary")]
                 + [f"/scenarios/{i}/{k}" for i in range(2) for k in ("name", "description")]
                 + [f"/effects/{i}/rationale" for i in range(6)]
                 + ["/interactions/0/rationale", "/constraints/0/rationale", "/critiques/0/note",
                    "/profiles/0/label", "/profiles/0/description", "/profiles/0/effect_overrides/0/rationale"])


def at(document, pointer: str):
    value = document
    for token in pointer.split("/")[1:]:
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value


def problems_of(document) -> dict[str, str]:
    _, problems = validate_model_document(document)
    return {p.pointer: p.detail for p in problems}


# -- The document -------------------------------------------------------------------------------


def test_a_model_whose_texts_are_maps_validates_and_gives_every_text_back_as_given():
    document = bilingual_model()
    assert problems_of(document) == {}
    model = model_from_document(copy.deepcopy(document))
    written = model.to_document()
    for pointer in TEXT_POINTERS:
        assert at(written, pointer) == at(document, pointer), pointer
        assert type(at(written, pointer)) is dict, pointer
    # In the domain, a map is its English text wherever a string is expected.
    name = model.criterion("x").name
    assert isinstance(name, TextByLanguage) and name == "X" and f"{name}" == "X" and name.by_language == french("X")
    assert json.loads(json.dumps(written)) == written


def test_a_model_of_plain_strings_keeps_its_version_and_a_translation_is_part_of_the_content():
    plain = model_from_document(small_model())
    assert plain.version == SMALL_MODEL_VERSION
    assert all(isinstance(c.name, str) and not isinstance(c.name, TextByLanguage) for c in plain.criteria)
    model = model_from_document(bilingual_model())
    assert model_from_document(model.to_document()).version == model.version
    changed = bilingual_model()
    changed["criteria"][0]["name"]["fr"] = "Autre chose"
    assert model_from_document(changed).version != model.version
    # Keys in another order are the same content.
    reordered = bilingual_model()
    reordered["criteria"][0]["name"] = dict(reversed(list(reordered["criteria"][0]["name"].items())))
    assert model_from_document(reordered).version == model.version


def with_text(pointer: str, value):
    document = bilingual_model()
    parent, _, last = pointer.rpartition("/")
    holder = at(document, parent)
    holder[int(last) if isinstance(holder, list) else last] = value
    return document


@pytest.mark.parametrize(("pointer", "value", "problem", "detail"), [
    ("/criteria/1/name", {"fr": "Y en français"}, "/criteria/1/name/en", "English"),
    ("/options/0/summary", {"en": "a", "de": "ein"}, "/options/0/summary/de", "Not a supported language"),
    ("/options/0/summary", {"en": "a", "EN": "a"}, "/options/0/summary/EN", "Not a supported language"),
    ("/scenarios/0/name", {"en": "Base", "fr": ""}, "/scenarios/0/name/fr", "Empty"),
    ("/scenarios/0/name", {"en": " \t", "fr": "Base"}, "/scenarios/0/name/en", "Empty"),
    ("/effects/0/rationale", {"en": "test", "fr": 3}, "/effects/0/rationale/fr", "Not a valid string"),
    ("/effects/0/rationale", {"en": None}, "/effects/0/rationale/en", "Not a valid string"),
    ("/title", {"en": "t", "fr": "x" * (MAX_TEXT + 1)}, "/title/fr", "Longer than maximum length"),
    ("/title", "x" * (MAX_TEXT + 1), "/title", "Longer than maximum length"),
    ("/criteria/0/description", ["first", "premier"], "/criteria/0/description", "Not a text"),
    ("/profiles/0/label", {}, "/profiles/0/label/en", "English"),
    ("/profiles/0/effect_overrides/0/rationale", "", "/profiles/0/effect_overrides/0/rationale", "minimum length 1"),
    ("/critiques/0/note", 7, "/critiques/0/note", "Not a text"),
    # Quotes, sections, lines and the source's bibliographic fields are never translated.
    ("/criteria/0/evidence/0/quote", french("a quote"), "/criteria/0/evidence/0/quote", "Not a valid string"),
    ("/criteria/0/evidence/0/section", french("Somewhere"), "/criteria/0/evidence/0/section", "Not a valid string"),
    ("/source/title", french("A report"), "/source/title", "Not a valid string"),
])
def test_a_text_that_is_not_a_string_or_a_map_with_english_is_refused_at_its_language(pointer, value, problem, detail):
    problems = problems_of(with_text(pointer, value))
    assert problem in problems, problems
    assert detail in problems[problem]
    with pytest.raises(ModelInvalid):
        model_from_document(with_text(pointer, value))


def test_every_problem_of_every_map_is_reported_at_once():
    document = with_text("/criteria/0/name", {"fr": "", "it": "x"})
    document["options"][1]["name"] = {"en": "B", "fr": 1}
    assert {"/criteria/0/name/en", "/criteria/0/name/fr", "/criteria/0/name/it", "/options/1/name/fr"} \
        <= set(problems_of(document))


def test_refused_characters_in_a_translation_are_refused_at_its_pointer(client):
    document = with_text("/criteria/0/name", {"en": "X", "fr": "X\x00"})
    answer = client.post("/api/v1/models", json=document)
    assert answer.status_code == 422
    assert [e["pointer"] for e in answer.json["errors"]] == ["/criteria/0/name/fr"]
    assert "U+0000" in answer.json["errors"][0]["detail"]
    # In a language's name, the problem is at the map that holds it.
    answer = client.post("/api/v1/models", json=with_text("/options/0/name", {"en": "A", "f\ufffe": "A"}))
    assert answer.status_code == 422 and [e["pointer"] for e in answer.json["errors"]] == ["/options/0/name"]


# -- Served as given ----------------------------------------------------------------------------


def test_the_api_serves_the_maps_as_given_in_the_model_and_its_summary(any_database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": any_database_url})
    client = app.test_client()
    try:
        document = bilingual_model()
        created = client.post("/api/v1/models", json=document)
        assert created.status_code == 201, created.json
        served = client.get("/api/v1/models/bilingual").json
        assert served["title"] == document["title"] and served["criteria"][1]["name"] == document["criteria"][1]["name"]
        assert served["profiles"][0]["effect_overrides"][0]["rationale"] == french("believes less")
        summary = next(item for item in client.get("/api/v1/models").json["items"] if item["id"] == "bilingual")
        assert summary["title"] == document["title"]
        assert client.post("/api/v1/models", json=small_model()).status_code == 201
        plain = next(item for item in client.get("/api/v1/models").json["items"] if item["id"] == "small")
        assert plain["title"] == "Small test model" and plain["version"] == SMALL_MODEL_VERSION
        builtin = next(item for item in client.get("/api/v1/models").json["items"] if item["id"] == "minusma-2017")
        assert set(builtin["title"]) == {"en", "fr"}
    finally:
        app.extensions["policy_options"].engine.dispose()


def test_the_migration_stores_titles_as_json_and_back(any_database_url):
    """A model stored before titles could be maps keeps its title through the upgrade; a map title
    comes back to its English text on the way down."""
    from alembic import command

    engine = make_engine(any_database_url)
    command.upgrade(alembic_config(engine), "0004")
    old = small_model("old-model")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO decision_models (id, version, title, source, document, created_at) "
                                "VALUES ('old-model', 'v', :title, :source, :document, CURRENT_TIMESTAMP)"),
                           {"title": old["title"], "source": json.dumps(old["source"]), "document": json.dumps(old)})
    migrate(engine)
    app = create_app({"TESTING": True, "DATABASE_URL": any_database_url})
    try:
        client = app.test_client()
        assert client.post("/api/v1/models", json=bilingual_model()).status_code == 201
        titles = {item["id"]: item["title"] for item in client.get("/api/v1/models").json["items"]}
        assert titles["old-model"] == "Small test model" and titles["bilingual"] == bilingual_model()["title"]
    finally:
        app.extensions["policy_options"].engine.dispose()
    command.downgrade(alembic_config(engine), "0004")
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, title FROM decision_models")).all())
    engine.dispose()
    assert stored == {"old-model": "Small test model", "bilingual": "Small test model"}


def test_the_openapi_document_describes_each_model_text_as_a_string_or_a_map_with_english(client):
    spec = client.get("/openapi.json").json
    schemas = spec["components"]["schemas"]
    translations = schemas["TextTranslations"]
    assert translations["required"] == ["en"] and set(translations["properties"]) == {"en", "fr"}
    assert translations["additionalProperties"] is False
    texts = {"ModelDocument": ("title", "description"), "ModelOutput": ("title", "description"),
             "ModelSummary": ("title",), "Criterion": ("name", "description"), "Option": ("name", "summary"),
             "Effect": ("rationale",), "Interaction": ("rationale",), "ModelConstraint": ("rationale",),
             "Scenario": ("name", "description"), "Profile": ("label", "description"),
             "ProfileEffectOverride": ("rationale",), "Critique": ("note",)}
    for schema, names in texts.items():
        for name in names:
            kinds = schemas[schema]["properties"][name]["oneOf"]
            assert kinds[0]["type"] == "string" and kinds[1] == {"$ref": "#/components/schemas/TextTranslations"}, \
                (schema, name)
    for schema, name in (("Evidence", "quote"), ("Evidence", "section"), ("Source", "title")):
        assert schemas[schema]["properties"][name]["type"] == "string"


# -- Shown in the asked language ----------------------------------------------------------------


def test_a_french_brief_shows_french_texts_and_names_those_that_fell_back(client):
    document = bilingual_model()
    document["options"][2]["name"] = {"en": "B without French"}
    document["scenarios"][0]["name"] = {"en": "Base only in English"}
    document["options"][3]["name"] = "C as a plain string"  # the model's own text: no fallback
    assert client.post("/api/v1/models", json=document).status_code == 201
    body = {"weights": {"x": 1, "y": 1}, "robustness": {"samples": 200}}
    brief = client.post("/api/v1/models/bilingual/briefs?lang=fr", json=body).json
    names = {section["option"]: section["name"] for section in brief["options"]}
    assert names["a"] == "FR A" and names["b"] == "B without French" and names["c"] == "C as a plain string"
    assert brief["question"]["scenario"]["name"] == "Base only in English"
    assert set(brief["untranslated"]) == {"B without French", "Base only in English"}
    markdown = client.post("/api/v1/models/bilingual/briefs?lang=fr&format=md", json=body).get_data(as_text=True)
    assert "FR Small test model" in markdown and "«\u00a0Base only in English\u00a0»" in markdown
    english = client.post("/api/v1/models/bilingual/briefs", json=body).json
    assert english["untranslated"] == []
    assert {section["name"] for section in english["options"]} >= {"A", "B without French", "C as a plain string"}


def test_sentences_that_stay_english_embed_the_english_text_of_a_map(client):
    document = bilingual_model()
    document["critiques"] = [{"lines": "L1-L2", "section": "Somewhere", "note": french("disputed passage")}]
    answer = client.post("/api/v1/models", json=document)
    assert answer.status_code == 201
    warnings = [w["detail"] for w in answer.json["warnings"] if "critique" in w["detail"]]
    assert warnings and all("(disputed passage)" in w and "FR" not in w for w in warnings)
    verdicts = client.post("/api/v1/models/bilingual/robustness",
                           json={"weights": {"x": 1, "y": 1}, "samples": 200}).json["verdicts"]
    assert verdicts and any(name in " ".join(verdicts) for name in ("A", "B", "C"))
    assert not any("{" in v or "FR " in v for v in verdicts)


def test_the_cli_shows_model_texts_in_the_asked_language_and_says_which_fell_back(capsys, monkeypatch):
    from service import cli

    model = builtin_models()["minusma-2017"]
    assert cli.main(["models", "show", "minusma-2017", "--lang", "fr"]) == 0
    shown = capsys.readouterr().out
    for item in (*model.criteria, *model.options, *model.scenarios):
        assert re.search(rf"^  {re.escape(item.id)} +{re.escape(item.name.by_language['fr'])}", shown, re.MULTILINE)
    assert localized(model.title, "fr")[0] in shown and "English" not in shown
    assert cli.main(["models", "--lang", "fr"]) == 0
    assert localized(model.title, "fr")[0] in capsys.readouterr().out
    partial = bilingual_model("partial")
    partial["criteria"][0]["name"] = {"en": "X only in English"}
    monkeypatch.setattr(cli, "builtin_models", lambda: {"partial": model_from_document(partial)})
    assert cli.main(["models", "show", "partial", "--lang", "fr"]) == 0
    shown = capsys.readouterr().out
    assert "FR Y" in shown and "X only in English" in shown
    assert shown.strip().splitlines()[-1].endswith("X only in English")
    assert cli.main(["models", "show", "partial"]) == 0
    shown = capsys.readouterr().out
    assert "  y  Y" in shown and "FR" not in shown


def test_the_participant_page_shows_the_model_in_the_page_language(client):
    model = builtin_models()["minusma-2017"]
    code = client.post("/api/v1/workshops", json={"title": "Atelier", "model_id": "minusma-2017"}).json["join_code"]
    page = client.get(f"/w/{code}?lang=fr").get_data(as_text=True)
    criterion = model.criteria[0]
    assert criterion.name.by_language["fr"] in page and f">{criterion.name}<" not in page
    english = client.get(f"/w/{code}?lang=en").get_data(as_text=True)
    assert f">{criterion.name}<" in english and "{&#39;en&#39;" not in english


# -- The default model in French ------------------------------------------------------------------


TEXT_KEYS = {"title", "description", "name", "summary", "rationale", "label", "note"}


def model_texts(document) -> list[tuple[str, object]]:
    """(pointer, value) of every human-readable text of a model document: the text keys of every
    object except the source record and evidence (quotes, sections and lines are not translated)."""
    found = []

    def walk(value, pointer):
        if isinstance(value, dict):
            for key, child in value.items():
                if key in ("source", "evidence"):
                    continue
                if key in TEXT_KEYS:
                    found.append((f"{pointer}/{key}", child))
                else:
                    walk(child, f"{pointer}/{key}")
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, f"{pointer}/{index}")

    walk(document, "")
    return found


@pytest.fixture(scope="module")
def default_texts():
    return model_texts(yaml.safe_load(DEFAULT_MODEL_FILE.read_text(encoding="utf-8")))


def test_every_text_of_the_default_model_has_its_french(default_texts):
    assert len(default_texts) >= 100  # title and description, 9 criteria, 6 options, 45 effects, ...
    missing = [pointer for pointer, value in default_texts
               if not (isinstance(value, dict) and set(value) == {"en", "fr"} and value["fr"].strip())]
    assert missing == []
    same = [pointer for pointer, value in default_texts
            if value["fr"] == value["en"] and value["fr"] not in SAME_IN_BOTH_LANGUAGES]
    assert same == []


def test_the_french_follows_french_typography(default_texts):
    for pointer, value in default_texts:
        fr = value["fr"]
        assert "'" not in fr and '"' not in fr and "“" not in fr, pointer  # ’ and « »
        assert not re.search(r"[^\u00a0\u202f][:;?!]", fr), pointer
        assert not re.search(r"«[^\u00a0\u202f]|[^\u00a0\u202f]»", fr), pointer
        assert fr.count("«") == fr.count("»"), pointer
        assert not re.search(r"\d[.,]\d", fr.replace("5\u202f000", "")), pointer  # decimals and thousands
        assert "  " not in fr and fr == fr.strip(), pointer


def _numbers(sentence: str) -> Counter:
    return Counter(re.findall(r"\d+", re.sub(r"(?<=\d)[,\u202f\u00a0](?=\d{3})", "", sentence)))


def test_the_french_keeps_the_substance_numbers_and_line_references(default_texts):
    for pointer, value in default_texts:
        assert _numbers(value["fr"]) == _numbers(value["en"]), pointer
        assert re.findall(r"L\d+(?:-L\d+)?", value["fr"]) == re.findall(r"L\d+(?:-L\d+)?", value["en"]), pointer
        assert re.findall(r"[+-]\d", value["fr"]) == re.findall(r"[+-]\d", value["en"]), pointer


def test_spoilers_are_rendered_one_way_with_the_english_term_on_first_use(default_texts):
    french_texts = [value["fr"] for _, value in default_texts]
    english_texts = [value["en"] for _, value in default_texts]
    first = next(text for text in french_texts if "saboteur" in text)
    assert "saboteurs (spoilers)" in first
    for fr, en in zip(french_texts, english_texts):
        assert ("saboteur" in fr) == ("spoiler" in en.lower()), en
        assert not re.search(r"fauteurs? de troubles|perturbateur", fr)
        assert fr.replace("(spoilers)", "").count("spoiler") == 0


def test_the_field_vocabulary_is_used(default_texts):
    french_text = " ".join(value["fr"] for _, value in default_texts)
    for term in ("l’Accord pour la paix et la réconciliation au Mali issu du processus d’Alger", "la MINUSMA",
                 "l’opération Barkhane", "la Force conjointe du G5 Sahel", "Conseil de sécurité",
                 "Secrétariat de l’ONU", "(DOMP)", "casques bleus", "protection des civils",
                 "Rétablissement de l’autorité de l’État", "Coordination des mouvements de l’Azawad (CMA)",
                 "Plateforme"):
        assert term in french_text, term


def test_a_french_brief_of_the_default_model_needs_no_english_model_text():
    from service.briefs.content import BriefRequest, build_brief

    model = builtin_models()["minusma-2017"]
    with use_language("fr"):
        request = BriefRequest.from_fields(model, {"profile": "france", "robustness": {"samples": 200}})
        brief = build_brief(model, request)
    assert brief["untranslated"] == []
    names = {section["option"]: section["name"] for section in brief["options"]}
    assert names["reframe-as-spoilers"] == model.option("reframe-as-spoilers").name.by_language["fr"]
    assert all(localized(model.option(option).name, "fr")[0] == name for option, name in names.items())
