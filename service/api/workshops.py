"""Scenario workshops: participants, rounds, disagreement and a compromise (DESIGN.md §5.2, §7, §8.3).

Tokens travel as `Authorization: Bearer <token>` (DESIGN.md §8.4): no token, or a token that
belongs to no one, is 401; a token of someone not allowed the action (another participant,
or a member of another workshop) is 403. A join code lets a person join, and nothing more.
Every response here is `Cache-Control: no-store` (service/platform/caching.py).

Privacy of results (DESIGN.md §8.3): release applies to a round and can be withdrawn; a participant
reads released rounds only, and receives the group view and their own position, other participants'
names and weights only when the facilitator opened the results. In an anonymous workshop no name
leaves the server: participants are "Participant 1…n" in the order they joined, for everyone.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request, url_for
from flask.views import MethodView

from models.loader import builtin_models, constraint_from_fields
from models.validation import Problem
from service.api import Blueprint, not_modified_response, operation, problem_responses
from service.api.conditional import conditional_json
from service.api.idempotency import IdempotentCreation
from service.engine.errors import RequestInvalid
from service.platform.errors import ApiProblem
from service.persistence.workshop_store import (FACILITATOR, JoinCodeMismatch, ModelGone, ParticipantLimitReached,
                                                ParticipantNotFound, PreconditionFailed, PreconditionRequired,
                                                RoundNotFound, SettingsRefused, SubmissionRecord, WorkshopNotFound,
                                                WorkshopRecord, WorkshopStore, anonymous_label)
from service.schemas import examples
from service.schemas.workshops import (ChartsQuerySchema, ChartsSchema, JoinedSchema, JoinSchema,
                                       ParticipantStatusSchema, ReleaseSchema, ResultsQuerySchema, ResultsSchema,
                                       RoundOpenedSchema, RoundOpenSchema, RoundSchema, SubmissionInputSchema,
                                       SubmissionSchema, SubmissionsQuerySchema, WithdrawQuerySchema,
                                       WorkshopCreatedSchema, WorkshopCreateSchema, WorkshopSettingsSchema,
                                       WorkshopStatusSchema, WorkshopViewSchema)

blp = Blueprint("workshops", __name__, url_prefix="/api/v1/workshops",
                description="Scenario workshops: each participant's priorities, the group's agreement and a compromise")

BEARER = {"WWW-Authenticate": 'Bearer realm="workshops"'}
# RFC 6750 §3.1: a token presented but not recognised.
INVALID_TOKEN = {"WWW-Authenticate": 'Bearer realm="workshops", error="invalid_token"'}


def workshop_store() -> WorkshopStore:
    return WorkshopStore(current_app.extensions["policy_options"].sessions)


def _model_of(workshop: WorkshopRecord):
    model = current_app.extensions["policy_options"].models.get(workshop.model_id)
    if model is None:  # models cannot be deleted or replaced; this is a broken deployment
        raise ApiProblem(500, f"The workshop's model '{workshop.model_id}' is no longer served.", slug="model-missing")
    return model


def bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(401, "Send 'Authorization: Bearer <token>' (the facilitator's or a participant's token).",
                         slug="unauthorized", headers=BEARER)
    return token.strip()


def authorized(workshop_id: str, allowed) -> tuple[WorkshopRecord, str]:
    """The workshop and the caller's role (FACILITATOR or a participant id).

    401 without a token or with one that belongs to no one, 404 for an unknown workshop,
    403 unless the token is of this workshop and `allowed(role)`.
    """
    token = bearer_token()
    store = workshop_store()
    if not store.token_known(token):
        raise ApiProblem(401, "This token belongs to no one: send the token you were given when you opened "
                              "or joined the workshop.", slug="invalid-token", headers=INVALID_TOKEN)
    workshop = store.get(workshop_id)
    if workshop is None:
        raise ApiProblem(404, f"No workshop with id '{workshop_id}'.", slug="workshop-not-found")
    role = store.role_for_token(workshop_id, token)
    if role is None or not allowed(role):
        raise ApiProblem(403, "This token does not allow that action in this workshop.", slug="forbidden")
    return workshop, role


def facilitator_only(role: str) -> bool:
    return role == FACILITATOR


def submission_document(record: SubmissionRecord | None) -> dict | None:
    if record is None:
        return None
    given = record.priorities
    return {"participant_id": record.participant_id, "round": record.round, "version": record.version,
            "etag": record.etag, "submitted_at": record.submitted_at, "weights": record.weights,
            "given_weights": given.get("weights"), "priority_order": given.get("priority_order"),
            "profile": given.get("profile"),
            "effect_overrides": given.get("effect_overrides", []), "comment": given.get("comment"),
            "warnings": given.get("warnings", [])}


def creation_scope(name: str) -> str:
    """Idempotency keys of creations anyone may make are kept apart per credential sent, if any."""
    credential = request.headers.get("Authorization")
    return f"{name}/{hashlib.sha256(credential.encode()).hexdigest()}" if credential else name


@blp.route("")
class Workshops(MethodView):
    @operation("createWorkshop", write_scope="workshops", headers=("IdempotencyKey",))
    @blp.arguments(WorkshopCreateSchema, example=examples.WORKSHOP_CREATE)
    @blp.response(201, WorkshopCreatedSchema, headers={"Location": "Location", "Cache-Control": "Cache-Control",
                                                      "Idempotent-Replayed": "Idempotent-Replayed"})
    @problem_responses(400, 413, 415, 422)
    def post(self, fields):
        """Open a workshop on a model; the facilitator token is shown once, here, and stored only as a hash.

        422 when the model, scenario or constraints do not fit, or no package satisfies the constraints.
        With an Idempotency-Key, a retry of the same request gets the first response and opens no
        second workshop.
        """
        creation = IdempotentCreation(creation_scope("workshops"))

        def create():
            from service.engine.group import group_results
            from service.engine.ranking import check_request_constraints, resolve_scenario

            model = current_app.extensions["policy_options"].models.get(fields["model_id"])
            if model is None:
                raise RequestInvalid([Problem("/model_id", f"No model with id '{fields['model_id']}'.")])
            problems: list[Problem] = []
            scenario = resolve_scenario(model, fields.get("scenario"), problems)
            constraints = check_request_constraints(model, fields["constraints"], problems)
            if problems:
                raise RequestInvalid(problems)
            group_results(model, scenario, constraints, [],
                          current_app.extensions["policy_options"].solver_settings.for_request())  # raises when infeasible

            def respond(session, workshop, token):
                body = {"id": workshop.id, "join_code": workshop.join_code, "facilitator_token": token,
                        "participant_page": url_for("pages.participant_page", join_code=workshop.join_code),
                        "dashboard_page": url_for("pages.dashboard_page", workshop_id=workshop.id)}
                creation.respond(session, 201, body, {"Location": url_for("workshops.Workshop", workshop_id=workshop.id)})

            try:
                workshop_store().create(
                    title=fields["title"], model_id=model.id, model_version=model.version, scenario=scenario,
                    constraints=[c.to_document() for c in constraints], anonymous=fields["anonymous"],
                    open_results=fields["open_results"], language=fields["language"],
                    instructions=fields.get("instructions"), model_is_stored=model.id not in builtin_models(),
                    also=respond)
            except ModelGone:
                raise RequestInvalid([Problem("/model_id", f"No model with id '{fields['model_id']}'.")]) from None

        return creation.run(create)


@blp.route("/<workshop_id>")
class Workshop(MethodView):
    @operation("getWorkshop", bearer=True)
    @blp.response(200, WorkshopViewSchema)
    @problem_responses(401, 403, 404)
    def get(self, workshop_id):
        """The workshop: everything for the facilitator; for a participant, the workshop and their own submission.

        The facilitator also sees the join code, every participant and whether they have submitted
        this round, the rounds and the audit trail; a participant sees `me`, `submission` (this round)
        and `previous_submission` (their latest of any round).
        """
        workshop, role = authorized(workshop_id, lambda role: True)
        return workshop_view(workshop, role)

    @operation("updateWorkshop", bearer=True)
    @blp.arguments(WorkshopSettingsSchema, example=examples.WORKSHOP_SETTINGS)
    @blp.response(200, WorkshopViewSchema)
    @problem_responses(400, 401, 403, 404, 409, 413, 415, 422)
    def patch(self, fields, workshop_id):
        """Change the workshop's settings (facilitator).

        Any of title, anonymous, open_results, language and the current round's instructions. 409 when
        turning anonymity off after someone joined, or opening the results of an anonymous workshop.
        """
        _, role = authorized(workshop_id, facilitator_only)
        try:
            workshop = workshop_store().update_settings(workshop_id, fields)
        except SettingsRefused as error:
            raise ApiProblem(409, str(error), slug="settings-conflict",
                             errors=[{"pointer": error.pointer, "detail": str(error)}]) from None
        return workshop_view(workshop, role)


def display_names(workshop: WorkshopRecord, participants) -> dict[str, str]:
    """participant id -> the name shown for them: "Participant k" (in the order they joined) when anonymous."""
    if workshop.anonymous:
        return {p.id: anonymous_label(position) for position, p in enumerate(participants, start=1)}
    return {p.id: p.display_name for p in participants}


def workshop_view(workshop: WorkshopRecord, role: str) -> dict:
    store = workshop_store()
    view = {"id": workshop.id, "title": workshop.title, "role": "facilitator" if role == FACILITATOR else "participant",
            "model": {"id": workshop.model_id, "version": workshop.model_version}, "scenario": workshop.scenario,
            "constraints": workshop.constraints, "round": workshop.current_round,
            "results_released": workshop.released(workshop.current_round),
            "released_rounds": list(workshop.released_rounds), "anonymous": workshop.anonymous,
            "open_results": workshop.open_results, "language": workshop.language,
            "instructions": workshop.instructions}
    participants = store.participants(workshop.id)
    names = display_names(workshop, participants)
    # A perspective ("speaks for the ministry") can name someone as surely as a name.
    perspective = (lambda p: None) if workshop.anonymous else (lambda p: p.perspective)
    if role == FACILITATOR:
        # Versions count within the current round, as the participant's page numbers them.
        versions = {s.participant_id: s.version for s in store.current_submissions(workshop.id, workshop.current_round)}
        audit = store.audit_trail(workshop.id)
        if workshop.anonymous:
            for event in audit:
                event["detail"].pop("display_name", None)  # written by joins before names left the trail
        view.update(
            join_code=workshop.join_code,
            participants=[{"participant_id": p.id, "display_name": names[p.id], "perspective": perspective(p),
                           "joined_at": p.joined_at, "submitted_this_round": p.id in versions,
                           "versions": versions.get(p.id, 0)} for p in participants],
            rounds=store.rounds(workshop.id), audit=audit)
    else:
        me = next(p for p in participants if p.id == role)
        view.update(me={"participant_id": me.id, "display_name": names[me.id], "perspective": perspective(me)},
                    submission=submission_document(store.current_submission(workshop.id, role, workshop.current_round)),
                    previous_submission=submission_document(store.latest_submission(workshop.id, role)))
    return view


@blp.route("/<workshop_id>/status")
class Status(MethodView):
    @operation("getWorkshopStatus", bearer=True, headers=("IfNoneMatch",))
    @blp.alt_response(200, schema=WorkshopStatusSchema, success=True, headers={"ETag": "ETag"})
    @not_modified_response
    @problem_responses(401, 403, 404)
    def get(self, workshop_id):
        """What an open page polls to follow the workshop without a reload (any member).

        The current round, the released rounds, a version of the settings, and how many have joined,
        submitted this round and saved in all (DESIGN.md §8.3). Send the ETag back in If-None-Match: 304, without a body, while nothing changed. Cheaper than a
        held-open stream, which would keep a server worker per open page.
        """
        authorized(workshop_id, lambda role: True)
        found = workshop_store().status(workshop_id)
        if found is None:  # deleted between the two reads
            raise ApiProblem(404, f"No workshop with id '{workshop_id}'.", slug="workshop-not-found")
        return conditional_json(WorkshopStatusSchema().dump(found))


@blp.route("/<workshop_id>/participants")
class Participants(MethodView):
    @operation("joinWorkshop")
    @blp.arguments(JoinSchema, example=examples.JOIN)
    @blp.response(201, JoinedSchema, headers={"Location": "Location", "Cache-Control": "Cache-Control"})
    @problem_responses(400, 403, 404, 409, 413, 415, 422)
    def post(self, fields, workshop_id):
        """Join with the workshop's join code (no token needed); the participant token is shown once.

        403 when the join code is wrong; 409 when the workshop has reached its participant limit.
        Location is the new participant (getParticipant).
        """
        try:
            participant, token = workshop_store().join(workshop_id, fields["join_code"], fields["display_name"],
                                                       fields.get("perspective"))
        except WorkshopNotFound:
            raise ApiProblem(404, f"No workshop with id '{workshop_id}'.", slug="workshop-not-found") from None
        except JoinCodeMismatch:
            raise ApiProblem(403, "The join code does not open this workshop.", slug="forbidden") from None
        except ParticipantLimitReached as error:
            raise ApiProblem(409, str(error), slug="participant-limit", limit=error.limit) from None
        return ({"workshop_id": workshop_id, "participant_id": participant.id, "participant_token": token}, 201,
                {"Location": url_for("workshops.Participant", workshop_id=workshop_id, participant_id=participant.id)})


def participant_status(workshop: WorkshopRecord, participant) -> dict:
    current = workshop_store().current_submission(workshop.id, participant.id, workshop.current_round)
    name = display_names(workshop, workshop_store().participants(workshop.id))[participant.id]
    return {"participant_id": participant.id, "display_name": name,
            "perspective": None if workshop.anonymous else participant.perspective, "joined_at": participant.joined_at,
            "submitted_this_round": current is not None, "versions": current.version if current else 0}


def _own_submission(workshop_id: str, participant_id: str, *, facilitator_may_read: bool):
    def allowed(role):
        return role == participant_id or (facilitator_may_read and role == FACILITATOR)

    workshop, role = authorized(workshop_id, allowed)
    if workshop_store().participant(workshop_id, participant_id) is None:
        raise ApiProblem(404, f"No participant '{participant_id}' in this workshop.", slug="participant-not-found")
    return workshop


@blp.route("/<workshop_id>/participants/<participant_id>")
class Participant(MethodView):
    @operation("getParticipant", bearer=True)
    @blp.response(200, ParticipantStatusSchema)
    @problem_responses(401, 403, 404)
    def get(self, workshop_id, participant_id):
        """One participant: name, perspective, when they joined and whether they have submitted this round.

        For the participant themself or the facilitator; the resource a join creates.
        """
        workshop = _own_submission(workshop_id, participant_id, facilitator_may_read=True)
        return participant_status(workshop, workshop_store().participant(workshop_id, participant_id))


@blp.route("/<workshop_id>/participants/<participant_id>/submission")
class ParticipantSubmission(MethodView):
    @operation("getSubmission", bearer=True)
    @blp.response(200, SubmissionSchema, headers={"ETag": "ETag"})
    @problem_responses(401, 403, 404)
    def get(self, workshop_id, participant_id):
        """The participant's current submission in the current round (the participant or the facilitator).

        Its ETag is what a revision sends back in If-Match; 404 while there is none this round.
        """
        workshop = _own_submission(workshop_id, participant_id, facilitator_may_read=True)
        record = workshop_store().current_submission(workshop_id, participant_id, workshop.current_round)
        if record is None:
            raise ApiProblem(404, f"No submission yet in round {workshop.current_round}.", slug="submission-not-found")
        return submission_document(record), 200, {"ETag": record.etag}

    @operation("submitPriorities", bearer=True, headers=("IfMatch",))
    @blp.arguments(SubmissionInputSchema, example=examples.SUBMISSION)
    @blp.response(200, SubmissionSchema, headers={"ETag": "ETag"})
    @problem_responses(400, 401, 403, 404, 412, 413, 415, 422, 428)
    def put(self, fields, workshop_id, participant_id):
        """Submit (or revise) the participant's priorities for the current round; every version is kept.

        Only the participant's own token may write. The first submission of a round needs no
        If-Match; revising one needs the ETag you hold in If-Match (428 without it), and a stale one
        gets 412 with the problem's `current_etag` (another tab or device saved since), so an old
        page never overwrites a newer submission.
        """
        from service.engine.group import checked_effect_overrides
        from service.engine.ranking import priorities_from_fields, with_profile_priorities

        workshop = _own_submission(workshop_id, participant_id, facilitator_may_read=False)
        model = _model_of(workshop)
        problems = []
        weights, warnings = {}, []
        try:
            # Starting from a profile: its priorities unless the participant gives their own (DESIGN.md §8.1).
            priorities, _ = with_profile_priorities(model, fields, exclusive=False)
            weights, warnings = priorities_from_fields(model, priorities)
        except RequestInvalid as error:
            problems.extend(error.problems)
        try:
            checked_effect_overrides(model, fields["effect_overrides"])
        except RequestInvalid as error:
            problems.extend(error.problems)
        if problems:
            raise RequestInvalid(problems)
        given = {key: fields[key] for key in ("weights", "priority_order", "profile", "effect_overrides", "comment")
                 if key in fields}
        given["warnings"] = warnings
        if_match = request.if_match
        precondition = None
        if request.headers.get("If-Match"):
            precondition = lambda etag: etag is not None and (if_match.star_tag or if_match.contains(etag.strip('"')))  # noqa: E731
        try:
            record = workshop_store().submit(workshop_id, participant_id, given, weights, precondition)
        except PreconditionFailed as error:
            raise ApiProblem(412, "The submission changed since the ETag in If-Match "
                                  f"(now {error.current_etag or 'none this round'}); reload it and submit again.",
                             slug="precondition-failed", current_etag=error.current_etag) from None
        except PreconditionRequired as error:
            raise ApiProblem(428, "You already have a submission this round: send its ETag in If-Match to "
                                  "replace it (GET the submission for it), so no newer one is lost.",
                             slug="precondition-required", current_etag=error.current_etag) from None
        except ParticipantNotFound:
            raise ApiProblem(404, f"No participant '{participant_id}' in this workshop.", slug="participant-not-found") from None
        return submission_document(record), 200, {"ETag": record.etag}


@blp.route("/<workshop_id>/rounds")
class Rounds(MethodView):
    @operation("openRound", bearer=True, headers=("IdempotencyKey",))
    @blp.arguments(RoundOpenSchema, required=False, example=examples.ROUND_OPEN)
    @blp.response(201, RoundOpenedSchema, headers={"Location": "Location", "Idempotent-Replayed": "Idempotent-Replayed"})
    @problem_responses(400, 401, 403, 404, 413, 415, 422)
    def post(self, fields, workshop_id):
        """Close the current round (its submissions are frozen) and open the next, unreleased (facilitator).

        The body, optional, gives the new round's instructions. With an Idempotency-Key, a retry gets
        the first response and opens no further round. Location is the new round (getRound).
        """
        authorized(workshop_id, facilitator_only)
        creation = IdempotentCreation(f"workshops/{workshop_id}/rounds")

        def respond(session, new_round):
            creation.respond(session, 201, {"round": new_round, "closed": new_round - 1},
                             {"Location": url_for("workshops.Round", workshop_id=workshop_id, number=new_round)})

        return creation.run(lambda: workshop_store().open_next_round(workshop_id, fields.get("instructions"),
                                                                     also=respond))


@blp.route("/<workshop_id>/rounds/<int:number>")
class Round(MethodView):
    @operation("getRound", bearer=True)
    @blp.response(200, RoundSchema)
    @problem_responses(401, 403, 404)
    def get(self, workshop_id, number):
        """One round: its number, when it opened and when it closed (null while it is the current round).

        For every member of the workshop; the resource openRound creates.
        """
        authorized(workshop_id, lambda role: True)
        found = workshop_store().round(workshop_id, number)
        if found is None:
            raise ApiProblem(404, f"Round {number} has not opened.", slug="round-not-found")
        return found


@blp.route("/<workshop_id>/release")
class Release(MethodView):
    @operation("releaseResults", bearer=True)
    @blp.arguments(ReleaseSchema, required=False, example=examples.RELEASE)
    @blp.response(200, WorkshopViewSchema)
    @problem_responses(400, 401, 403, 404, 413, 415, 422)
    def post(self, fields, workshop_id):
        """Let participants read a round's results (facilitator).

        `{"round": N}`, or the current round when the body is left out. Each round is released on its
        own; a new round starts unreleased. Answers with the workshop as getWorkshop shows it to the
        facilitator.
        """
        return _set_release(workshop_id, fields.get("round"), released=True)

    @operation("withdrawRelease", bearer=True)
    @blp.arguments(WithdrawQuerySchema, location="query")
    @blp.response(200, WorkshopViewSchema)
    @problem_responses(401, 403, 404, 422)
    def delete(self, query, workshop_id):
        """Withdraw a round's release (facilitator).

        `?round=N`, the current round when left out. Participants can no longer read that round's results.
        """
        return _set_release(workshop_id, query.get("round"), released=False)


def _set_release(workshop_id: str, round_number: int | None, released: bool) -> dict:
    _, role = authorized(workshop_id, facilitator_only)
    try:
        workshop_store().set_release(workshop_id, round_number, released)
    except RoundNotFound as error:
        raise ApiProblem(404, str(error), slug="round-not-found") from None
    return workshop_view(workshop_store().get(workshop_id), role)


@blp.route("/<workshop_id>/results")
class Results(MethodView):
    @operation("getResults", bearer=True, headers=("IfNoneMatch",))
    @blp.arguments(ResultsQuerySchema, location="query")
    # Documented by ResultsSchema, not dumped through it: for hundreds of participants the dump
    # cost more than the analysis; the engine builds that shape and tests check it against the schema.
    @blp.alt_response(200, schema=ResultsSchema, success=True, headers={"ETag": "ETag"})
    @not_modified_response
    @problem_responses(401, 403, 404, 422, 503)
    def get(self, query, workshop_id):
        """Each participant's ranking, the group ranking (mean weights and Borda), consensus (Kendall's W),
        the most contested criteria, the compromise that minimizes the largest regret, and what changed
        since the previous round.

        The facilitator reads any round (the current one by default). A participant reads released rounds
        only (the latest released by default; 403 while none is), and receives the group view and their
        own position: other participants' names, weights and regrets only when the workshop's results are
        open. `changes` compare with the previous round only when the reader may read that round too. The ETag
        is a hash of the body: send it in If-None-Match to get 304 while nothing changed.
        """
        settings = current_app.extensions["policy_options"].solver_settings.for_request()  # the deadline starts now
        workshop, role = authorized(workshop_id, lambda role: True)
        participant = None if role == FACILITATOR else role
        round_number = query.get("round", workshop.current_round if participant is None else workshop.latest_released_round)
        if round_number is None:
            raise ApiProblem(403, "The facilitator has not released any round's results yet.", slug="results-not-released")
        if round_number > workshop.current_round:
            raise ApiProblem(404, f"Round {round_number} has not opened (the current round is {workshop.current_round}).",
                             slug="round-not-found")
        if participant is not None and not workshop.released(round_number):
            raise ApiProblem(403, f"The results of round {round_number} are not released.", slug="results-not-released")
        current = round_results(workshop, round_number, settings)
        changes = None
        if round_number > 1 and (participant is None or workshop.released(round_number - 1)):
            previous = round_results(workshop, round_number - 1, settings)
            from service.engine.group import round_changes

            changes = {"previous_round": round_number - 1, **round_changes(previous, current)}
        model = _model_of(workshop)
        results = {"round": round_number, "released": workshop.released(round_number),
                   "model": {"id": model.id, "version": model.version}, **current, "changes": changes}
        if participant is not None and not workshop.open_results:
            results = own_position_only(results, participant)
        return conditional_json(results)


@blp.route("/<workshop_id>/submissions")
class Submissions(MethodView):
    @operation("exportSubmissions", bearer=True)
    @blp.arguments(SubmissionsQuerySchema, location="query")
    @blp.doc(responses={200: {"description": "Every stored submission version, one per row, as CSV (RFC 4180)",
                              "headers": {"Cache-Control": "Cache-Control"},
                              "content": {"text/csv": {"schema": {"type": "string"}}}}})
    @problem_responses(401, 403, 404, 422)
    def get(self, query, workshop_id):
        """Every submission version of the workshop (or of `?round=N`) as CSV (facilitator).

        One row per version: round, participant ("Participant k" in an anonymous workshop, and no
        perspective), version, whether it is the one that counts, when, the profile started from, the
        normalized weight of each criterion, the comment, and each effect read differently with its
        value and rationale. Headers in the request's language (`?lang=`, `Accept-Language`). A cell
        that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return)
        is prefixed with an apostrophe.
        """
        from service.api.submissions_csv import submissions_csv

        workshop, _ = authorized(workshop_id, facilitator_only)
        round_number = query.get("round")
        if round_number is not None and round_number > workshop.current_round:
            raise ApiProblem(404, f"Round {round_number} has not opened (the current round is {workshop.current_round}).",
                             slug="round-not-found")
        store = workshop_store()
        participants = store.participants(workshop_id)
        names = display_names(workshop, participants)
        perspectives = {p.id: (None if workshop.anonymous else p.perspective) for p in participants}
        body = submissions_csv(_model_of(workshop), store.submissions(workshop_id, round_number), names, perspectives)
        response = current_app.response_class(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = (f'attachment; filename="workshop-{workshop_id}-submissions'
                                                   f'{"-round-" + str(round_number) if round_number else ""}.csv"')
        response.vary.add("Accept-Language")
        return response


@blp.route("/<workshop_id>/charts")
class Charts(MethodView):
    @operation("getWorkshopCharts", bearer=True, headers=("IfNoneMatch",))
    @blp.arguments(ChartsQuerySchema, location="query")
    @blp.alt_response(200, schema=ChartsSchema, success=True, headers={"ETag": "ETag"})
    @not_modified_response
    @problem_responses(401, 403, 404, 422, 503)
    def get(self, query, workshop_id):
        """The projection view's charts of a round as SVG (facilitator).

        Drawn by the same code as the briefs' charts: weights by participant and criterion, how many
        participants put each option at each rank, each participant's regret under the compromise, and
        the agreement (Kendall's W). Texts in the request's language (`?lang=`, `Accept-Language`); participants appear as
        "Participant 1…n" when the workshop is anonymous. No charts while no one has submitted.
        ETag and If-None-Match as for the results.
        """
        from service.briefs.projection import projection_charts

        settings = current_app.extensions["policy_options"].solver_settings.for_request()  # the deadline starts now
        workshop, _ = authorized(workshop_id, facilitator_only)
        round_number = query.get("round", workshop.current_round)
        if round_number > workshop.current_round:
            raise ApiProblem(404, f"Round {round_number} has not opened (the current round is {workshop.current_round}).",
                             slug="round-not-found")
        results = round_results(workshop, round_number, settings)
        charts = projection_charts(_model_of(workshop), results) if results["group"] is not None else []
        response = conditional_json({"round": round_number, "charts": charts})
        response.vary.add("Accept-Language")
        return response


def own_position_only(results: dict, participant_id: str) -> dict:
    """What a participant of a workshop without open results receives: the group view (group ranking,
    consensus, contested criteria, the compromise and its largest regret) and their own entries;
    nothing of any other participant, not even their ids."""
    mine = lambda ids: [pid for pid in ids if pid == participant_id]  # noqa: E731
    results = dict(results, participants=[p for p in results["participants"] if p["participant_id"] == participant_id])
    if results["compromise"] is not None:
        regrets = results["compromise"]["regrets"]
        results["compromise"] = dict(results["compromise"],
                                     regrets={pid: regret for pid, regret in regrets.items() if pid == participant_id})
    if results["changes"] is not None:
        changes = results["changes"]
        results["changes"] = dict(changes, participants=[p for p in changes["participants"] if p["participant_id"] == participant_id],
                                  new_participants=mine(changes["new_participants"]),
                                  missing_participants=mine(changes["missing_participants"]))
    return results


def round_results(workshop: WorkshopRecord, round_number: int, settings) -> dict:
    """`group_results` over the current submissions of one round (names as the workshop shows them),
    within `settings`' deadline."""
    from service.engine.cost import enforced
    from service.engine.group import (ParticipantPriorities, checked_effect_overrides, group_results,
                                      starting_overrides)

    store = workshop_store()
    model = _model_of(workshop)
    names = display_names(workshop, store.participants(workshop.id))
    participants = []
    for record in store.current_submissions(workshop.id, round_number):
        profile = record.priorities.get("profile")
        own = checked_effect_overrides(model, record.priorities.get("effect_overrides", []))
        participants.append(ParticipantPriorities(record.participant_id, names[record.participant_id],
                                                  record.weights, starting_overrides(model, profile, own), profile,
                                                  record.priorities.get("comment") or None))
    constraints = [constraint_from_fields(c) for c in workshop.constraints]
    with enforced(settings):
        return group_results(model, workshop.scenario, constraints, participants, settings)
