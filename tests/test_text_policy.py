"""One text policy for bodies, path segments, ids and the command line (README "Limits")."""

from __future__ import annotations

import io
import json
import sys
import unicodedata
import zipfile

import pytest

from models.schema import is_identifier
from service import create_app
from service.cli import main
from service.platform.text_policy import refused_character, refused_text
from tests.documents import small_model

MODEL = "minusma-2017"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def refused_by_definition(code: int) -> bool:
    """The policy, written from its definition rather than its regular expression: C0 controls but
    tab, line feed and carriage return; surrogates; the 66 noncharacters."""
    if code < 0x20:
        return chr(code) not in "\t\n\r"
    if 0xD800 <= code <= 0xDFFF:
        return True
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def test_the_policy_refuses_exactly_what_it_says_over_every_code_point():
    disagreements = [code for code in range(sys.maxunicode + 1)
                     if (refused_character(chr(code)) is not None) != refused_by_definition(code)]
    assert disagreements == []
    refused = [code for code in range(sys.maxunicode + 1) if refused_by_definition(code)]
    assert len(refused) == 29 + 2048 + 66
    # What it admits includes every character XML 1.0 admits but the noncharacters: a DOCX can hold it.
    assert all(unicodedata.category(chr(code)) in ("Cc", "Cs", "Cn") for code in refused)


def test_refused_text_points_at_every_place_and_at_objects_for_member_names():
    document = {"title": "ok\ttab", "a/b": ["fine", "bad\x00"], "nested": {"x~y": {"deep": "\ud800"}},
                "bad\x01key": 1, "emoji": "\U0001F4A3", "c1": "\x85\x9f\x7f"}
    problems = dict(refused_text(document))
    assert set(problems) == {"/a~1b/1", "/nested/x~0y/deep", ""}
    assert "U+0000" in problems["/a~1b/1"] and "surrogate" in problems["/nested/x~0y/deep"]
    assert "member name" in problems[""] and "U+0001" in problems[""]


def test_many_refusals_are_summed_up():
    problems = refused_text({f"k{i}": "\x00" for i in range(100)})
    assert len(problems) == 21 and problems[-1][1].startswith("And 80 more")


@pytest.mark.parametrize("value, ok", [("minusma-2017", True), ("minusma-2017\n", False), ("a", True), ("A", False),
                                       ("-a", False), ("a" * 80, True), ("a" * 81, False), ("a\x00", False)])
def test_ids_match_in_full(value, ok):
    assert is_identifier(value) is ok


@pytest.fixture
def app(any_database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": any_database_url})
    yield app
    app.extensions["policy_options"].engine.dispose()


def test_an_id_with_a_trailing_newline_is_no_id_anywhere(app):
    client = app.test_client()
    posted = client.post("/api/v1/models", json=small_model("minusma-2017\n"))
    assert posted.status_code == 422 and "/id" in [e["pointer"] for e in posted.json["errors"]]
    assert [m["id"] for m in client.get("/api/v1/models").json["items"]] == [MODEL]
    assert client.get("/api/v1/models/minusma-2017%0A").status_code == 404
    assert client.post("/api/v1/models/minusma-2017%0A/rankings", json={"weights": {"peace-process": 1}}).status_code == 404
    workshop = client.post("/api/v1/workshops", json={"title": "t", "model_id": "minusma-2017\n"})
    assert workshop.status_code == 422 and [e["pointer"] for e in workshop.json["errors"]] == ["/model_id"]
    lines = small_model("lines")
    lines["criteria"][0]["evidence"][0]["lines"] = "L1-L2\n"
    assert client.post("/api/v1/models", json=lines).status_code == 422


# Every kind of character the policy refuses, in every text field a workshop brief shows.
REFUSED = {"NUL": "\x00", "bell": "\x07", "escape": "\x1b", "unit separator": "\x1f", "lone surrogate": "\ud800",
           "U+FFFE": "\ufffe", "U+FFFF": "\uffff", "U+FDD0": "\ufdd0", "U+10FFFF": "\U0010ffff"}
# Admitted: must reach the brief, which must still render.
ADMITTED = "Tab\there, \U0001F4A3 bomb, \u202eRTL, DEL\x7f, C1\x85, e\u0301, \ufffd"


def _raw(body: dict) -> bytes:
    # json.dumps escapes a lone surrogate as \ud800: what a client would send.
    return json.dumps(body).encode()


# The charts draw names in DejaVu Sans, which has no glyph for a tab or an emoji: matplotlib warns
# and draws a box (under gunicorn the warning is one JSON log line, tests/test_gunicorn_errors.py).
@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_a_docx_workshop_brief_renders_after_every_refused_character_was_attempted(app):
    client = app.test_client()
    post = lambda path, body, **headers: client.post(path, data=_raw(body), content_type="application/json",  # noqa: E731
                                                     headers=headers)
    for label, character in REFUSED.items():
        refused = post("/api/v1/workshops", {"title": f"title {character}", "model_id": MODEL,
                                             "instructions": f"read {character}"})
        assert refused.status_code == 422, label
        assert {e["pointer"] for e in refused.json["errors"]} == {"/title", "/instructions"}, label
    workshop = post("/api/v1/workshops", {"title": f"Workshop {ADMITTED}", "model_id": MODEL,
                                          "instructions": ADMITTED}).json
    w = workshop["id"]
    for label, character in REFUSED.items():
        refused = post(f"/api/v1/workshops/{w}/participants", {"join_code": workshop["join_code"],
                                                               "display_name": f"Ann {character}",
                                                               "perspective": f"civil {character} society"})
        assert refused.status_code == 422, label
        assert {e["pointer"] for e in refused.json["errors"]} == {"/display_name", "/perspective"}, label
    joined = post(f"/api/v1/workshops/{w}/participants", {"join_code": workshop["join_code"],
                                                          "display_name": f"Ann {ADMITTED}",
                                                          "perspective": ADMITTED}).json
    bearer = f"Bearer {joined['participant_token']}"
    submission = f"/api/v1/workshops/{w}/participants/{joined['participant_id']}/submission"
    for label, character in REFUSED.items():
        refused = client.put(submission, data=_raw({"weights": {"peace-process": 1}, "comment": f"c {character}"}),
                             content_type="application/json", headers={"Authorization": bearer})
        assert refused.status_code == 422 and refused.json["errors"][0]["pointer"] == "/comment", label
        settings = client.patch(f"/api/v1/workshops/{w}", data=_raw({"title": character}), content_type="application/json",
                                headers={"Authorization": f"Bearer {workshop['facilitator_token']}"})
        assert settings.status_code == 422, label
    assert client.put(submission, json={"weights": {"peace-process": 1}, "comment": ADMITTED},
                      headers={"Authorization": bearer}).status_code == 200

    brief = client.get(f"/api/v1/workshops/{w}/brief?format=docx",
                       headers={"Authorization": f"Bearer {workshop['facilitator_token']}"})
    assert brief.status_code == 200 and brief.mimetype == DOCX
    with zipfile.ZipFile(io.BytesIO(brief.data)) as docx:
        text = docx.read("word/document.xml").decode("utf-8")
    assert "\U0001F4A3" in text and not any(character in text for character in REFUSED.values())


def test_the_command_line_refuses_the_same_text_in_one_line(tmp_path, capsys):
    request = tmp_path / "body.json"
    request.write_text(json.dumps({"weights": {"peace-process": 1}, "scenario": "truce\u0000holds"}))
    assert main(["rank", "--request", str(request)]) == 3  # invalid input
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "/scenario" in error and "U+0000" in error
    model = tmp_path / "model.yaml"
    model.write_text(json.dumps(dict(small_model("cli-model"), title="a\ufffeb")), encoding="utf-8")
    assert main(["rank", "--model-file", str(model), "--weight", "x=1"]) == 3
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "/title" in error and "noncharacter" in error
    model.write_bytes(b"id: x\x01\n")  # YAML refuses raw control characters itself: one line too
    assert main(["rank", "--model-file", str(model)]) == 3
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["brief", "--equal-weights", "--title", "a\x07b", "--format", "docx", "-o", str(tmp_path / "b.docx")]) == 3
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "/title" in error and not (tmp_path / "b.docx").exists()
