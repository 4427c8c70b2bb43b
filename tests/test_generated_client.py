"""A Python client generated from the committed openapi.yaml by openapi-python-client drives a whole
workflow against a live server (DESIGN.md §8.4), as a client developer would: typed models in and
out, typed problems, conditional requests, idempotent creation and every brief format as bytes.

Only the generated client's public API is used: no private attribute, no raw HTTP. The generator
must read the whole document without a warning: a warning means a part of the API it cannot type.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

SPEC = Path(__file__).resolve().parent.parent / "openapi.yaml"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "policy_options_client"
MODEL = "minusma-2017"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The generated package, imported from a fresh folder."""
    folder = tmp_path_factory.mktemp("generated")
    config = folder / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: it is not what is tested
    generated = subprocess.run([str(GENERATOR), "generate", "--path", str(SPEC), "--meta", "none",
                                "--output-path", str(folder / PACKAGE), "--config", str(config)],
                               capture_output=True, text=True, timeout=300)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout + generated.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def module(api, name: str):
    return importlib.import_module(f"{api.__name__}.{name}")


def test_a_whole_workflow_through_the_generated_client(api, live_server):
    _, base_url = live_server
    m = module(api, "models")
    endpoint = lambda path: module(api, f"api.{path}")  # noqa: E731
    client = api.Client(base_url=base_url, raise_on_unexpected_status=True)

    # Models: list, read, and a 304 for the ETag held.
    listed = endpoint("models.list_models").sync(client=client)
    assert isinstance(listed, m.ModelList) and MODEL in [item.id for item in listed.items]
    read = endpoint("models.get_model").sync_detailed(MODEL, client=client)
    model = read.parsed
    assert read.status_code == 200 and isinstance(model, m.ModelOutput)
    assert read.headers["ETag"] == f'"{model.version}"'
    criteria = [criterion.id for criterion in model.criteria]
    print(f"\nmodel {model.id} version {model.version}: {len(criteria)} criteria, {len(model.options)} options, "
          f"{len(model.scenarios)} scenarios; ETag {read.headers['ETag']}")
    again = endpoint("models.get_model").sync_detailed(MODEL, client=client, if_none_match=read.headers["ETag"])
    assert again.status_code == 304 and again.content == b""
    print(f"GET model with If-None-Match: {again.status_code}, {len(again.content)} bytes")

    # Rank with constraints: every package keeps them.
    weights = m.RankingRequestWeights.from_dict({"impartiality-and-authority": 3, "peace-process": 2, "personnel-safety": 1})
    constraints = [m.ConstraintFields(type_=m.ConstraintFieldsType.EXCLUDE, options=["plan-exit"]),
                   m.ConstraintFields(type_=m.ConstraintFieldsType.MAX_OPTIONS, count=2)]
    ranking = endpoint("rankings.rank_options").sync(
        MODEL, client=client, body=m.RankingRequest(weights=weights, constraints=constraints, k=4))
    assert isinstance(ranking, m.Ranking) and ranking.score_case == m.RankingScoreCase.LIKELY
    assert len(ranking.packages) == 4
    assert all(len(p.options) <= 2 and "plan-exit" not in p.options for p in ranking.packages)
    assert [p.value for p in ranking.packages] == sorted((p.value for p in ranking.packages), reverse=True)
    assert "plan-exit" in [item.option for item in ranking.excluded]
    print(f"ranking: best package {ranking.packages[0].options} value {ranking.packages[0].value:.4f}, "
          f"{len(ranking.packages)} packages, none with plan-exit or more than 2 options")

    # An infeasible request: a typed problem whose conflict names its sources.
    clash = [m.ConstraintFields(type_=m.ConstraintFieldsType.INCLUDE,
                                options=["dissociate-from-barkhane", "integrate-under-un-command"])]
    infeasible = endpoint("rankings.rank_options").sync_detailed(
        MODEL, client=client, body=m.RankingRequest(weights=weights, constraints=clash))
    problem = infeasible.parsed
    assert infeasible.status_code == 422 and isinstance(problem, m.Problem)
    assert problem.type_.endswith("/infeasible-constraints")
    sources = {(entry.source, entry.index if entry.source == m.ConflictEntrySource.REQUEST else entry.id)
               for entry in problem.conflict}
    assert (m.ConflictEntrySource.REQUEST, 0) in sources and (m.ConflictEntrySource.MODEL, "rec1-alternatives") in sources
    print(f"infeasible: {infeasible.status_code} {problem.type_}, conflict "
          f"{sorted(f'{source}:{where}' for source, where in sources)}")

    # Robustness.
    robustness = endpoint("robustness.analyze_robustness").sync(MODEL, client=client, body=m.RobustnessRequest(
        priority_order=["impartiality-and-authority", ["peace-process", "personnel-safety"]], samples=500, seed=7))
    assert isinstance(robustness, m.Robustness) and robustness.smaa.samples == 500
    assert all(1 <= entry.best <= entry.worst for entry in robustness.rank_ranges)
    assert all(abs(sum(entry.acceptability) - 1) < 1e-9 for entry in robustness.smaa.options)
    print(f"robustness: best package {robustness.stability.best_package}, {len(robustness.verdicts)} verdicts, "
          f"rank ranges {[(r.option, r.best, r.worst) for r in robustness.rank_ranges]}")

    # A workshop, opened once even when the request is sent twice with one Idempotency-Key.
    key = str(uuid.uuid4())
    opening = m.WorkshopCreate(title="Generated client", model_id=MODEL)
    created = endpoint("workshops.create_workshop").sync_detailed(client=client, body=opening, idempotency_key=key)
    workshop = created.parsed
    assert created.status_code == 201 and isinstance(workshop, m.WorkshopCreated)
    assert created.headers["Location"].endswith(f"/api/v1/workshops/{workshop.id}")
    assert created.headers["Cache-Control"] == "no-store"
    retried = endpoint("workshops.create_workshop").sync_detailed(client=client, body=opening, idempotency_key=key)
    assert retried.status_code == 201 and retried.parsed.id == workshop.id
    assert retried.parsed.facilitator_token == workshop.facilitator_token
    assert retried.headers["Idempotent-Replayed"] == "true"
    print(f"workshop {workshop.id} created; the retry with the same Idempotency-Key replayed it "
          f"(Idempotent-Replayed: {retried.headers['Idempotent-Replayed']})")
    facilitator = api.AuthenticatedClient(base_url=base_url, token=workshop.facilitator_token,
                                          raise_on_unexpected_status=True)

    # Two participants join.
    people = {}
    for name in ("Awa", "Jean"):
        joined = endpoint("workshops.join_workshop").sync_detailed(
            workshop.id, client=client, body=m.Join(join_code=workshop.join_code, display_name=name))
        assert joined.status_code == 201 and isinstance(joined.parsed, m.Joined)
        people[name] = joined.parsed
        assert joined.headers["Location"].endswith(f"/participants/{joined.parsed.participant_id}")
    awa = api.AuthenticatedClient(base_url=base_url, token=people["Awa"].participant_token,
                                  raise_on_unexpected_status=True)
    jean = api.AuthenticatedClient(base_url=base_url, token=people["Jean"].participant_token,
                                   raise_on_unexpected_status=True)
    awa_id = people["Awa"].participant_id
    me = endpoint("workshops.get_participant").sync(workshop.id, awa_id, client=awa)
    assert isinstance(me, m.ParticipantStatus) and me.display_name == "Awa" and not me.submitted_this_round

    # Awa submits, revises with If-Match, and a stale If-Match is refused with the current ETag.
    submit = endpoint("workshops.submit_priorities")
    first = submit.sync_detailed(workshop.id, awa_id, client=awa, body=m.SubmissionInput(
        weights=m.SubmissionInputWeights.from_dict({"peace-process": 3, "personnel-safety": 1})))
    assert first.status_code == 200 and isinstance(first.parsed, m.Submission)
    assert first.headers["ETag"] == first.parsed.etag
    unguarded = submit.sync_detailed(workshop.id, awa_id, client=awa, body=m.SubmissionInput(
        weights=m.SubmissionInputWeights.from_dict({"peace-process": 1})))
    assert unguarded.status_code == 428 and isinstance(unguarded.parsed, m.Problem)
    assert unguarded.parsed.current_etag == first.parsed.etag
    revised = submit.sync_detailed(workshop.id, awa_id, client=awa, if_match=first.parsed.etag, body=m.SubmissionInput(
        weights=m.SubmissionInputWeights.from_dict({"peace-process": 2, "stabilization": 1})))
    assert revised.status_code == 200 and revised.parsed.version == first.parsed.version + 1
    stale = submit.sync_detailed(workshop.id, awa_id, client=awa, if_match=first.parsed.etag, body=m.SubmissionInput(
        weights=m.SubmissionInputWeights.from_dict({"state-authority": 1})))
    assert stale.status_code == 412 and isinstance(stale.parsed, m.Problem)
    assert stale.parsed.current_etag == revised.parsed.etag
    print(f"submissions: first {first.parsed.etag}; without If-Match {unguarded.status_code}; with If-Match "
          f"{revised.status_code} -> {revised.parsed.etag}; stale If-Match {stale.status_code}, "
          f"current_etag {stale.parsed.current_etag}")
    jean_submitted = submit.sync(workshop.id, people["Jean"].participant_id, client=jean, body=m.SubmissionInput(
        priority_order=["personnel-safety", ["stabilization", "peace-process"]]))
    assert jean_submitted.priority_order == ["personnel-safety", ["stabilization", "peace-process"]]

    # Tokens: none is 401, a token of no one is 401, a valid token without the right is 403.
    results = endpoint("workshops.get_results")
    assert results.sync_detailed(workshop.id, client=client).status_code == 401
    nobody = api.AuthenticatedClient(base_url=base_url, token="not-a-token", raise_on_unexpected_status=True)
    refused = results.sync_detailed(workshop.id, client=nobody)
    assert refused.status_code == 401 and refused.parsed.type_.endswith("/invalid-token")
    assert results.sync_detailed(workshop.id, client=awa).status_code == 403  # not released yet

    # Release, then typed results for the facilitator and the participants, with an ETag.
    released = endpoint("workshops.release_results").sync(workshop.id, client=facilitator)
    assert isinstance(released, m.WorkshopView) and released.role == m.WorkshopViewRole.FACILITATOR
    answer = results.sync_detailed(workshop.id, client=facilitator)
    typed = answer.parsed
    assert answer.status_code == 200 and isinstance(typed, m.Results)
    assert isinstance(typed.group, m.Group) and isinstance(typed.compromise, m.Compromise)
    assert typed.method in (m.ResultsMethod.ENUMERATION, m.ResultsMethod.MILP)
    assert {p.display_name for p in typed.participants} == {"Awa", "Jean"}
    assert set(typed.compromise.regrets.additional_properties) == {p.participant_id for p in typed.participants}
    assert typed.changes is None  # round 1
    assert results.sync_detailed(workshop.id, client=facilitator, if_none_match=answer.headers["ETag"]).status_code == 304
    assert results.sync(workshop.id, client=jean).compromise.package == typed.compromise.package
    print(f"results: group best package {typed.group.best_package}, compromise {typed.compromise.package} "
          f"(max regret {typed.compromise.max_regret:.4f}), Kendall's W {typed.consensus.kendall_w}, "
          f"304 with its ETag")

    # A new round, opened once for two sends of one Idempotency-Key; its Location resolves.
    key = str(uuid.uuid4())
    opened = endpoint("workshops.open_round").sync_detailed(workshop.id, client=facilitator, idempotency_key=key)
    assert opened.status_code == 201 and opened.parsed.round_ == 2
    assert endpoint("workshops.open_round").sync_detailed(workshop.id, client=facilitator,
                                                         idempotency_key=key).parsed.round_ == 2
    round_two = endpoint("workshops.get_round").sync(workshop.id, 2, client=awa)
    assert isinstance(round_two, m.Round) and round_two.closed_at is None
    assert endpoint("workshops.get_workshop").sync(workshop.id, client=facilitator).round_ == 2

    # Briefs in every format, as bytes: of a rankings request and of the workshop's first round.
    brief_body = m.BriefRequest(weights=m.BriefRequestWeights.from_dict({"peace-process": 2, "personnel-safety": 1}),
                                title="Generated client", robustness=m.RobustnessParameters(samples=300, seed=7))
    sizes = {}
    for chosen in m.CreateBriefFormat:
        brief = endpoint("briefs.create_brief").sync_detailed(MODEL, client=client, body=brief_body, format_=chosen)
        assert brief.status_code == 200, brief.content[:300]
        check_brief_bytes(str(chosen), brief.content)
        sizes[f"model {chosen}"] = len(brief.content)
    for chosen in m.GetWorkshopBriefFormat:
        brief = endpoint("briefs.get_workshop_brief").sync_detailed(workshop.id, client=facilitator, format_=chosen,
                                                                    round_=1)
        assert brief.status_code == 200, brief.content[:300]
        check_brief_bytes(str(chosen), brief.content)
        sizes[f"workshop {chosen}"] = len(brief.content)
    print("briefs (bytes): " + ", ".join(f"{name} {size:,}" for name, size in sizes.items()))


def check_brief_bytes(chosen: str, content: bytes) -> None:
    """Each format is what it says: Markdown text, an HTML page, a PDF, a DOCX (ZIP) package, or the JSON brief."""
    signatures = {"md": lambda: content.decode().startswith("# "),
                  "html": lambda: content.lstrip().lower().startswith(b"<!doctype html"),
                  "pdf": lambda: content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF"),
                  "docx": lambda: content[:2] == b"PK" and b"word/document.xml" in content,
                  "json": lambda: json.loads(content)["brief_version"] >= 1}
    assert signatures[chosen](), (chosen, content[:200])
