"""Stakeholder profiles (DESIGN.md §8.1).

First, each profile of the default model is ranked and the result compared, in words, with what the
profile's evidence implies. Then `profile` as the third way to give priorities: in rankings (against
the independent brute force of tests/oracle.py, which applies the profile as §8.1 states it), in
robustness, briefs and workshops, with 422 and a pointer for a profile the model lacks.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from models.loader import builtin_models
from service.engine.ranking import RankingRequest, rank
from tests.oracle import Oracle, as_profile_sees_it
from tests.test_workshops_api import bearer, join, open_workshop, submission_url

MODEL_ID = "minusma-2017"
MODEL = builtin_models()[MODEL_ID]
DOCUMENT = yaml.safe_load((Path(__file__).resolve().parents[1] / "models" / "data" / "minusma-2017.yaml")
                          .read_text(encoding="utf-8"))
PROFILES = [p.id for p in MODEL.profiles]
DISSOCIATE, INTEGRATE, REFRAME = "dissociate-from-barkhane", "integrate-under-un-command", "reframe-as-spoilers"
REINFORCE, EXIT = "reinforce-protection", "plan-exit"
RANKINGS = f"/api/v1/models/{MODEL_ID}/rankings"


def ranking(fields: dict) -> dict:
    return rank(MODEL, RankingRequest.from_fields(MODEL, fields))


def best_package(fields: dict) -> set[str]:
    return set(ranking(fields)["packages"][0]["options"])


def value_of(result: dict, options: set[str]) -> float:
    """The value of a package, from a ranking's explanations or packages (k large enough to hold it)."""
    return next(p["value"] for p in result["packages"] if set(p["options"]) == options)


# -- Each profile's ranking against what its evidence implies ---------------------------------------


def test_the_authors_best_package_is_the_reports_own_recommendations():
    """The author puts impartiality first ('it is the war against terrorism perspective that weakens
    MINUSMA's impartiality', L57-L59), resolution before management (L788-L790), demilitarization high
    (L922-L923) and feasibility low (the recommendations are 'essential' although 'very difficult, if
    not impossible', L921-L923). His best package is then exactly his recommendations: dissociation,
    the branch of recommendation 1 he puts first (L903); reframing (L908-L913); reinforcement together
    with exit planning (L915-L918). Integration, 'unlikely at this point' (L905), is left out."""
    result = ranking({"profile": "author", "k": 10})
    assert set(result["packages"][0]["options"]) == {DISSOCIATE, REFRAME, REINFORCE, EXIT}
    assert result["options"][0]["option"] == REFRAME  # the report's stated cause of the lost impartiality
    integration = next(e for e in result["explanations"] if e["option"] == INTEGRATE)
    assert integration["value_loss"] > 0


def test_the_malian_government_keeps_the_un_fighting_and_wants_no_talks_with_terrorists():
    """Bamako wants the state back in the north and the 'terrorists' destroyed (L742-L745), does not
    tell jihadists from Tuareg rebels (L740-L741) and will not accept autonomy for the north
    (L751-L753). Its best package keeps reinforcement of the UN's capacities against terrorist acts and
    leaves out reframing and dissociation, the options that would negotiate with or stand back from
    those it calls terrorists. Its beliefs decide this: with its priorities alone, on the model's own
    effects, reframing would be in its best package."""
    best = best_package({"profile": "malian-government"})
    assert REINFORCE in best and REFRAME not in best and DISSOCIATE not in best
    order = MODEL.profile("malian-government").priority_fields()
    assert REFRAME in best_package(order)


def test_france_keeps_the_division_of_labour_and_the_war_on_terror_frame():
    """France fights terrorists as the precondition of a political solution (L152-L154), will stay until
    they are eradicated (L609-L610), and its officers find the division of labour 'clear' and 'totally
    complementary' (L663-L666). Its best package leaves out dissociation and reframing and keeps
    reinforcement, Barkhane's own task of supporting MINUSMA made the mission's (L594-L595).

    It also holds exit planning, which France would hardly choose: the model credits planning with
    small gains in safety and impartiality and no criterion counts France's interest in the UN's legal
    cover for Barkhane (L614-L616). The test pins how thin that is, so that a reader is not misled."""
    result = ranking({"profile": "france", "k": 10})
    best = set(result["packages"][0]["options"])
    assert DISSOCIATE not in best and REFRAME not in best and REINFORCE in best
    assert EXIT in best
    assert result["packages"][0]["value"] - value_of(result, best - {EXIT}) < 0.02


def test_the_un_secretariat_wants_the_mission_impartial_and_safe():
    """The Secretariat's doctrine ties robust peacekeeping to consent (L429-L431), it carries the
    protection of its personnel (L307), and DPKO acknowledged that the terrorist label keeps groups out
    of negotiated solutions (L720-L722). Impartiality and safety first: its best package reframes,
    dissociates and reinforces the mission's own protection, and reframing is its best option."""
    result = ranking({"profile": "un-secretariat-dpko"})
    assert {REFRAME, DISSOCIATE, REINFORCE} <= set(result["packages"][0]["options"])
    assert result["options"][0]["option"] == REFRAME


def test_malian_civil_society_puts_the_political_questions_first():
    """What the report records of Malians outside the state: the problems 'go well beyond terrorism'
    (L779-L781), there is no consensus on the road map (L848-L849), and an aspiration to radical change
    (L418-L420). With the peace process and Malian ownership first, reframing is in its best package and
    is its best option. Dissociation is not: its cost to ownership (Bamako's request that MINUSMA fight,
    L742-L744) and to safety outweighs its gain for impartiality, which this profile ranks fifth. It
    ranks feasibility last, so integration being 'unlikely at this point' (L905) weighs least here, and
    integration's limit on war operations (L904-L906) puts that branch of recommendation 1 in instead."""
    result = ranking({"profile": "malian-civil-society"})
    best = set(result["packages"][0]["options"])
    assert REFRAME in best and DISSOCIATE not in best and INTEGRATE in best
    assert result["options"][0]["option"] == REFRAME


# -- Profiles in rankings: the brute force ------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["counter-terror-war-continues", "french-drawdown", "agreement-breaks-down"])
@pytest.mark.parametrize("profile", PROFILES)
def test_profile_rankings_equal_the_brute_force(client, profile, scenario):
    """Every value of a ranking with a profile equals the brute force's, computed from the model
    document with the profile's priorities and its overrides as the effects' most likely values."""
    request = {"profile": profile, "scenario": scenario, "k": 40}
    response = client.post(RANKINGS, json=request)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["profile"] == profile
    oracle = Oracle(*as_profile_sees_it(DOCUMENT, request))
    assert body["weights"] == pytest.approx({c: float(w) for c, w in oracle.weights.items()}, abs=1e-12)
    expected = oracle.ranked_packages()
    assert [(p["rank"], tuple(p["options"])) for p in body["packages"]] == [(e.rank, e.members) for e in expected]
    for package, entry in zip(body["packages"], expected):
        assert package["value"] == pytest.approx(float(entry.value), abs=1e-12)
    options = {o["option"]: o["value"] for o in body["options"]}
    for entry in oracle.ranked_options():
        assert options["status-quo" if not entry.members else entry.members[0]] == pytest.approx(float(entry.value), abs=1e-12)


def test_a_profiles_overrides_change_the_values_it_ranks_by():
    """The Malian government moves reframing's effect on stabilization to -1: its value of reframing
    differs from the value under its bare priorities by exactly w(stabilization) * (-1 - likely) / 3."""
    profile = MODEL.profile("malian-government")
    with_beliefs = ranking({"profile": profile.id})
    bare = ranking(profile.priority_fields())
    assert with_beliefs["weights"] == bare["weights"]
    expected = sum(Fraction(with_beliefs["weights"][o.criterion]) * (Fraction(o.likely) - Fraction(
        MODEL.effect(o.option, o.criterion).likely)) / 3 for o in profile.effect_overrides if o.option == REFRAME)
    value = {o["option"]: o["value"] for o in with_beliefs["options"]}
    bare_value = {o["option"]: o["value"] for o in bare["options"]}
    assert value[REFRAME] - bare_value[REFRAME] == pytest.approx(float(expected), abs=1e-12)
    assert expected < 0
    assert value[INTEGRATE] == pytest.approx(bare_value[INTEGRATE], abs=1e-12)  # no override there
    assert any("moves the most likely value" in w for w in with_beliefs["warnings"])


def test_overrides_move_the_most_likely_value_only():
    """In the pessimistic case a profile ranks by the model's own low values (overrides move `likely`),
    and the response warns about it."""
    profile = MODEL.profile("malian-government")
    low = ranking({"profile": profile.id, "score_case": "low"})
    bare = ranking({**profile.priority_fields(), "score_case": "low"})
    assert [(p["options"], p["value"]) for p in low["packages"]] == [(p["options"], p["value"]) for p in bare["packages"]]
    assert any("'low' score case uses the model's own values" in w for w in low["warnings"])


def test_the_input_hash_names_the_profile():
    """The same weights reached through a profile hash differently from the bare priorities, even for a
    profile that moves no effect; requests without a profile hash as before."""
    author = MODEL.profile("author")
    through_profile = ranking({"profile": "author"})
    bare = ranking(author.priority_fields())
    assert through_profile["packages"] == bare["packages"]
    assert through_profile["provenance"]["input_sha256"] != bare["provenance"]["input_sha256"]
    assert bare["profile"] is None
    again = ranking({"profile": "author"})
    assert again["provenance"]["input_sha256"] == through_profile["provenance"]["input_sha256"]


@pytest.mark.parametrize("path", [RANKINGS, f"/api/v1/models/{MODEL_ID}/robustness", f"/api/v1/models/{MODEL_ID}/briefs"])
def test_an_unknown_profile_is_422_with_its_pointer(client, path):
    response = client.post(path, json={"profile": "no-such-profile", "samples": 100} if "robustness" in path
                           else {"profile": "no-such-profile"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [e["pointer"] for e in response.json["errors"]] == ["/profile"]
    assert "author" in response.json["errors"][0]["detail"]  # names the profiles there are


@pytest.mark.parametrize("body", [{"profile": "author", "weights": {"peace-process": 1}},
                                  {"profile": "author", "priority_order": ["peace-process"]},
                                  {"profile": 3}])
def test_a_profile_is_one_way_to_give_priorities_not_an_addition(client, body):
    response = client.post(RANKINGS, json=body)
    assert response.status_code == 422
    assert response.json["errors"]


# -- Robustness, briefs ---------------------------------------------------------------------------------


def test_robustness_with_a_profile_ranks_every_scenario_by_its_beliefs(client):
    """The scenario sweep of a robustness analysis with a profile equals the rankings endpoint with that
    profile in each scenario: the overrides reach every part of the analysis."""
    response = client.post(f"/api/v1/models/{MODEL_ID}/robustness",
                           json={"profile": "malian-government", "samples": 200})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["profile"] == "malian-government" and body["weights_source"] == "priority_order"
    for entry in body["scenarios"]["rankings"]:
        direct = client.post(RANKINGS, json={"profile": "malian-government", "scenario": entry["scenario"]}).json
        assert entry["best_package"] == direct["packages"][0]["options"]
        assert {o["option"]: o["value"] for o in entry["options"]} == pytest.approx(
            {o["option"]: o["value"] for o in direct["options"]}, abs=1e-12)
    bare = client.post(f"/api/v1/models/{MODEL_ID}/robustness",
                       json={**MODEL.profile("malian-government").priority_fields(), "samples": 200}).json
    assert bare["profile"] is None
    assert bare["provenance"]["input_sha256"] != body["provenance"]["input_sha256"]


def test_robustness_takes_intervals_beside_a_profile_but_not_weights(client):
    url = f"/api/v1/models/{MODEL_ID}/robustness"
    with_intervals = client.post(url, json={"profile": "author", "samples": 100,
                                            "weight_intervals": {"impartiality-and-authority": [0.2, 0.5]}})
    assert with_intervals.status_code == 200, with_intervals.json
    assert with_intervals.json["profile"] == "author"
    assert client.post(url, json={"profile": "author", "weights": {"peace-process": 1}}).status_code == 422


def test_a_brief_with_a_profile_names_it_and_shows_its_beliefs(client):
    """The brief's JSON names the profile, says the priorities are the profile's, and its side-by-side
    table shows the effects as the profile sees them (the overridden most likely value)."""
    response = client.post(f"/api/v1/models/{MODEL_ID}/briefs?format=json",
                           json={"profile": "malian-government", "robustness": {"samples": 200}})
    assert response.status_code == 200, response.json
    brief = response.json
    profile = MODEL.profile("malian-government")
    assert brief["profile"] == profile.id
    assert profile.label in brief["question"]["priorities"]["given_as"]
    rows = {row["option"]: row for row in brief["table"]["rows"]}
    for override in profile.effect_overrides:
        shown = rows[override.option]["effects"][override.criterion]
        model_effect = MODEL.effect(override.option, override.criterion)
        assert shown == {"low": model_effect.low, "likely": override.likely, "high": model_effect.high}
    plain = client.post(f"/api/v1/models/{MODEL_ID}/briefs?format=json",
                        json={"priority_order": ["peace-process"], "robustness": {"samples": 200}}).json
    assert plain["profile"] is None


# -- Workshops: a participant may start from a profile ----------------------------------------------------


def put(client, workshop, person, body):
    return client.put(submission_url(workshop, person), json=body, headers=bearer(person["participant_token"]))


def test_a_participant_starts_from_a_profile(client):
    """Starting from a profile: its priorities and its beliefs count unless the participant gives their
    own; the submission records the profile; the participant then ranks exactly as the rankings endpoint
    does with that profile (the one override mechanism)."""
    workshop = open_workshop(client)
    awa, ben, cis = (join(client, workshop, name) for name in ("Awa", "Ben", "Cis"))
    government = MODEL.profile("malian-government")

    saved = put(client, workshop, awa, {"profile": government.id})
    assert saved.status_code == 200, saved.json
    assert saved.json["profile"] == government.id and saved.json["given_weights"] is None
    direct = client.post(RANKINGS, json={"profile": government.id}).json
    assert saved.json["weights"] == pytest.approx(direct["weights"], abs=1e-12)

    own = {"option": REFRAME, "criterion": "stabilization", "likely": 0.5}
    assert put(client, workshop, ben, {"profile": government.id, "weights": {"peace-process": 1},
                                       "effect_overrides": [own]}).status_code == 200
    assert put(client, workshop, cis, {"weights": {"peace-process": 1}}).status_code == 200

    facilitator = bearer(workshop["facilitator_token"])
    results = client.get(f"/api/v1/workshops/{workshop['id']}/results", headers=facilitator).json
    rows = {row["display_name"]: row for row in results["participants"]}
    # With the profile's rationale for each: the reasons reach the facilitator (DESIGN.md §8.3).
    profile_overrides = [{"option": o.option, "criterion": o.criterion, "likely": o.likely, "rationale": o.rationale}
                         for o in government.effect_overrides]
    assert rows["Awa"]["profile"] == government.id and rows["Awa"]["effect_overrides"] == profile_overrides
    assert {o["option"]: o["value"] for o in rows["Awa"]["options"]} == pytest.approx(
        {o["option"]: o["value"] for o in direct["options"]}, abs=1e-12)
    assert rows["Awa"]["best_package"] == direct["packages"][0]["options"]

    # Ben's own weights replace the profile's; his own belief replaces the profile's on that one cell.
    assert rows["Ben"]["weights"]["peace-process"] == pytest.approx(1.0)
    in_force = {(o["option"], o["criterion"]): o["likely"] for o in rows["Ben"]["effect_overrides"]}
    assert in_force[(REFRAME, "stabilization")] == 0.5
    assert in_force[(REFRAME, "state-authority")] == -1
    assert rows["Cis"]["profile"] is None and rows["Cis"]["effect_overrides"] == []


@pytest.mark.parametrize("body, pointer", [({"profile": "no-such-profile"}, "/profile"),
                                           ({"weights": {"peace-process": 1}, "priority_order": ["peace-process"]}, ""),
                                           ({"comment": "no priorities"}, "")])
def test_a_submission_with_a_bad_profile_or_priorities_is_422(client, body, pointer):
    workshop = open_workshop(client)
    person = join(client, workshop, "Awa")
    response = put(client, workshop, person, body)
    assert response.status_code == 422
    assert pointer in [e["pointer"] for e in response.json["errors"]]
