"""Privacy of workshop results (DESIGN.md §8.3), on SQLite and PostgreSQL: release per round and
withdrawable; a participant reads released rounds only, and receives the group view and their own
position, others' names and weights only in an open workshop; an anonymous workshop lets no name out."""

from __future__ import annotations

import json

import pytest

from service import create_app

MODEL = "minusma-2017"
NAMES = ("Aminata Traoré", "Bakary Keïta", "Colonel Diarra")
PERSPECTIVES = ("civil society in Gao", "the ministry", "MINUSMA force")
WEIGHTS = ({"peace-process": 3, "personnel-safety": 1}, {"stabilization": 2, "peace-process": 1},
           {"personnel-safety": 4, "state-authority": 1})


@pytest.fixture
def client(any_database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": any_database_url})
    yield app.test_client()
    app.extensions["policy_options"].engine.dispose()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class Session:
    """A workshop with three participants who have each submitted in round 1."""

    def __init__(self, client, **settings):
        self.client = client
        created = client.post("/api/v1/workshops", json={"title": "Mali", "model_id": MODEL, **settings})
        assert created.status_code == 201, created.json
        self.id, self.facilitator = created.json["id"], bearer(created.json["facilitator_token"])
        self.people = []
        for name, perspective in zip(NAMES, PERSPECTIVES):
            joined = client.post(f"/api/v1/workshops/{self.id}/participants", json={
                "join_code": created.json["join_code"], "display_name": name, "perspective": perspective})
            assert joined.status_code == 201
            self.people.append({"id": joined.json["participant_id"], "auth": bearer(joined.json["participant_token"])})
        for person, weights in zip(self.people, WEIGHTS):
            self.submit(person, weights)

    def submit(self, person, weights, comment="my view"):
        answer = self.client.put(f"/api/v1/workshops/{self.id}/participants/{person['id']}/submission",
                                 json={"weights": weights, "comment": comment}, headers=person["auth"])
        assert answer.status_code == 200, answer.json
        return answer

    def results(self, auth, round_number=None):
        query = "" if round_number is None else f"?round={round_number}"
        return self.client.get(f"/api/v1/workshops/{self.id}/results{query}", headers=auth)

    def release(self, body=None):
        answer = self.client.post(f"/api/v1/workshops/{self.id}/release", json=body, headers=self.facilitator)
        assert answer.status_code == 200, answer.json
        return answer.json

    def withdraw(self, round_number=None):
        query = "" if round_number is None else f"?round={round_number}"
        answer = self.client.delete(f"/api/v1/workshops/{self.id}/release{query}", headers=self.facilitator)
        assert answer.status_code == 200, answer.json
        return answer.json

    def next_round(self, **body):
        answer = self.client.post(f"/api/v1/workshops/{self.id}/rounds", json=body or None, headers=self.facilitator)
        assert answer.status_code == 201
        return answer.json["round"]


# -- release per round ----------------------------------------------------------------------------


def test_release_applies_to_a_round_and_a_new_round_starts_unreleased(client):
    session = Session(client)
    ann = session.people[0]["auth"]
    assert session.results(ann).status_code == 403  # nothing released yet
    view = session.release()  # no body: the current round, as the first stage's call did
    assert view["released_rounds"] == [1] and view["results_released"] is True
    assert session.results(ann).json["round"] == 1
    assert session.next_round(instructions="Now weigh again.") == 2
    session.submit(session.people[0], {"peace-process": 1, "stabilization": 9}, comment="round two secret")
    # Round 2 is unreleased: round 1 is the default, and round 2 is refused outright.
    default = session.results(ann)
    assert default.status_code == 200 and default.json["round"] == 1 and default.json["released"] is True
    refused = session.results(ann, 2)
    assert refused.status_code == 403 and "round 2" in refused.json["detail"]
    facilitator_view = client.get(f"/api/v1/workshops/{session.id}", headers=session.facilitator).json
    assert facilitator_view["results_released"] is False and facilitator_view["released_rounds"] == [1]
    assert facilitator_view["instructions"] == "Now weigh again."
    assert [r["released_at"] is not None for r in facilitator_view["rounds"]] == [True, False]
    assert session.results(session.facilitator).json["round"] == 2  # the facilitator reads any round
    session.release({"round": 2})
    assert session.results(ann).json["round"] == 2


def test_a_release_can_be_withdrawn_and_given_again(client):
    session = Session(client)
    ann = session.people[0]["auth"]
    session.release()
    assert session.results(ann).status_code == 200
    assert session.withdraw()["released_rounds"] == []
    assert session.results(ann).status_code == 403 and session.results(ann, 1).status_code == 403
    session.next_round()
    session.release({"round": 1})
    session.release()  # round 2
    assert session.withdraw(1)["released_rounds"] == [2]
    assert session.results(ann).json["round"] == 2 and session.results(ann, 1).status_code == 403
    for refused in (client.post(f"/api/v1/workshops/{session.id}/release", json={"round": 3}, headers=session.facilitator),
                    client.delete(f"/api/v1/workshops/{session.id}/release?round=9", headers=session.facilitator)):
        assert refused.status_code == 404 and refused.json["type"].endswith("/round-not-found")
    assert client.post(f"/api/v1/workshops/{session.id}/release", json={"round": 0},
                       headers=session.facilitator).status_code == 422
    audit = client.get(f"/api/v1/workshops/{session.id}", headers=session.facilitator).json["audit"]
    assert [(e["action"], e["detail"].get("round")) for e in audit if e["action"].startswith("results.")] == [
        ("results.released", 1), ("results.withdrawn", 1), ("results.released", 1), ("results.released", 2),
        ("results.withdrawn", 1)]


def test_changes_compare_with_the_previous_round_only_when_it_is_released_to_the_reader(client):
    session = Session(client)
    ann = session.people[0]["auth"]
    session.next_round()
    session.submit(session.people[0], {"peace-process": 5})
    session.release({"round": 2})
    assert session.results(ann).json["changes"] is None  # round 1 was never released
    assert session.results(session.facilitator, 2).json["changes"]["previous_round"] == 1
    session.release({"round": 1})
    changes = session.results(ann).json["changes"]
    assert changes["previous_round"] == 1 and [p["participant_id"] for p in changes["participants"]] == [session.people[0]["id"]]


# -- what a participant receives -------------------------------------------------------------------


def texts(document) -> str:
    return json.dumps(document, ensure_ascii=False)


def test_a_participant_receives_the_group_view_and_their_own_position_only(client):
    session = Session(client)
    session.release()
    everyone = session.results(session.facilitator).json
    for index, person in enumerate(session.people):
        mine = session.results(person["auth"]).json
        assert [p["participant_id"] for p in mine["participants"]] == [person["id"]]
        assert mine["participants"][0]["display_name"] == NAMES[index]
        assert list(mine["compromise"]["regrets"]) == [person["id"]]
        # The group view is everyone's: the same as the facilitator's.
        for key in ("group", "consensus", "contested_criteria"):
            assert mine[key] == everyone[key], key
        assert mine["compromise"]["package"] == everyone["compromise"]["package"]
        assert mine["compromise"]["max_regret"] == everyone["compromise"]["max_regret"]
        body = texts(mine)
        for other, other_person in enumerate(session.people):
            if other != index:
                assert NAMES[other] not in body and other_person["id"] not in body
    # The workshop view of a participant never lists the others either.
    view = client.get(f"/api/v1/workshops/{session.id}", headers=session.people[0]["auth"]).json
    assert NAMES[1] not in texts(view) and "participants" not in view


def test_an_open_workshop_shows_participants_each_others_names_and_weights(client):
    session = Session(client, open_results=True)
    session.release()
    everyone = session.results(session.facilitator).json
    seen = session.results(session.people[2]["auth"]).json
    assert seen["participants"] == everyone["participants"]
    assert [p["display_name"] for p in seen["participants"]] == list(NAMES)
    assert set(seen["compromise"]["regrets"]) == {p["id"] for p in session.people}


ANONYMOUS_LABELS = ["Participant 1", "Participant 2", "Participant 3"]


def every_response_of_an_anonymous_workshop(client) -> tuple[list[str], Session]:
    """The bodies of every response a facilitator or participant can get from an anonymous workshop."""
    session = Session(client, anonymous=True)
    session.release()
    session.next_round()
    session.submit(session.people[1], {"peace-process": 2})
    session.release()
    bodies = []
    for auth in [session.facilitator] + [p["auth"] for p in session.people]:
        for path in ("", "/results", "/results?round=1", "/results?round=2"):
            answer = client.get(f"/api/v1/workshops/{session.id}{path}", headers=auth)
            assert answer.status_code == 200, (path, answer.json)
            bodies.append(answer.get_data(as_text=True))
        for person in session.people:
            answer = client.get(f"/api/v1/workshops/{session.id}/participants/{person['id']}/submission", headers=auth)
            bodies.append(answer.get_data(as_text=True))
    for brief_format in ("json", "md", "html", "docx"):
        answer = client.get(f"/api/v1/workshops/{session.id}/brief?format={brief_format}", headers=session.facilitator)
        assert answer.status_code == 200
        bodies.append(answer.data.decode("utf-8", "replace") if brief_format != "docx" else _docx_text(answer.data))
    return bodies, session


def _docx_text(data: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        return "".join(docx.read(name).decode("utf-8") for name in docx.namelist() if name.endswith(".xml"))


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_an_anonymous_workshop_lets_no_name_or_perspective_out_in_any_response(client):
    bodies, session = every_response_of_an_anonymous_workshop(client)
    for body in bodies:
        for secret in NAMES + PERSPECTIVES:
            assert secret not in body and json.dumps(secret)[1:-1] not in body, secret
    assert [p["display_name"] for p in session.results(session.facilitator, 1).json["participants"]] == ANONYMOUS_LABELS
    assert [p["display_name"] for p in session.results(session.facilitator, 2).json["participants"]] == ["Participant 2"]
    view = client.get(f"/api/v1/workshops/{session.id}", headers=session.facilitator).json
    assert [p["display_name"] for p in view["participants"]] == ANONYMOUS_LABELS  # in the order they joined
    assert all(p["perspective"] is None for p in view["participants"])
    me = client.get(f"/api/v1/workshops/{session.id}", headers=session.people[1]["auth"]).json["me"]
    assert me["display_name"] == "Participant 2"


def test_labels_stay_with_people_across_rounds_whoever_submits(client):
    session = Session(client, anonymous=True)
    session.next_round()
    session.submit(session.people[2], {"peace-process": 1})
    round_two = session.results(session.facilitator).json
    assert [(p["participant_id"], p["display_name"]) for p in round_two["participants"]] == [
        (session.people[2]["id"], "Participant 3")]


# -- settings --------------------------------------------------------------------------------------


def test_settings_are_created_stored_and_changed_by_the_facilitator_only(client):
    session = Session(client, language="fr", instructions="Lisez les options.")
    view = client.get(f"/api/v1/workshops/{session.id}", headers=session.people[0]["auth"]).json
    assert (view["language"], view["instructions"], view["anonymous"], view["open_results"]) == (
        "fr", "Lisez les options.", False, False)
    path = f"/api/v1/workshops/{session.id}"
    assert client.patch(path, json={"language": "en"}, headers=session.people[0]["auth"]).status_code == 403
    assert client.patch(path, json={"language": "en"}).status_code == 401
    changed = client.patch(path, json={"title": "Renamed", "language": "en", "instructions": "Read.", "open_results": True},
                           headers=session.facilitator)
    assert changed.status_code == 200
    assert (changed.json["title"], changed.json["language"], changed.json["instructions"], changed.json["open_results"]) == (
        "Renamed", "en", "Read.", True)
    assert client.patch(path, json={"language": "de"}, headers=session.facilitator).status_code == 422
    assert client.patch(path, json={"anonymous": "yes"}, headers=session.facilitator).status_code == 422
    assert client.patch(path, json={"anonymous": True, "open_results": True}, headers=session.facilitator).status_code == 422


def test_anonymity_is_never_withdrawn_from_people_who_joined_under_it_nor_combined_with_open_results(client):
    refused = client.post("/api/v1/workshops", json={"title": "t", "model_id": MODEL, "anonymous": True,
                                                     "open_results": True})
    assert refused.status_code == 422 and [e["pointer"] for e in refused.json["errors"]] == ["/open_results"]
    session = Session(client, anonymous=True)
    path = f"/api/v1/workshops/{session.id}"
    for body, pointer in (({"anonymous": False}, "/anonymous"), ({"open_results": True}, "/open_results")):
        answer = client.patch(path, json=body, headers=session.facilitator)
        assert answer.status_code == 409 and answer.json["errors"][0]["pointer"] == pointer
    assert client.get(path, headers=session.facilitator).json["anonymous"] is True
    # Turning it on later is always allowed: the names stop leaving at once.
    later = Session(client)
    assert client.patch(f"/api/v1/workshops/{later.id}", json={"anonymous": True}, headers=later.facilitator).status_code == 200
    assert [p["display_name"] for p in later.results(later.facilitator).json["participants"]] == ANONYMOUS_LABELS
