"""Scenario workshops: participants, rounds, disagreement and a compromise (DESIGN.md §5.2, §7, §8.3).

Tokens travel as `Authorization: Bearer <token>`: no token is 401, a token that
belongs to no one here or to someone not allowed is 403. A join code lets a
person join, and nothing more.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask.views import MethodView

from models.loader import constraint_from_fields
from models.validation import Problem
from service.api import Blueprint, problem_responses
from service.engine.errors import RequestInvalid
from service.platform.errors import ApiProblem
from service.persistence.workshop_store import (FACILITATOR, JoinCodeMismatch,
                                                ParticipantLimitReached, ParticipantNotFound, PreconditionFailed,
                                                SubmissionRecord, WorkshopNotFound, WorkshopRecord, WorkshopStore)
from service.schemas.workshops import (JoinedSchema, JoinSchema, ResultsQuerySchema, ResultsSchema,
                                       RoundOpenedSchema, SubmissionInputSchema, SubmissionSchema,
                                       WorkshopCreatedSchema, WorkshopCreateSchema, WorkshopViewSchema)

blp = Blueprint("workshops", __name__, url_prefix="/api/v1/workshops",
                description="Scenario workshops: each participant's priorities, the group's agreement and a compromise")

BEARER = {"WWW-Authenticate": 'Bearer realm="workshops"'}
ETAG_HEADER = {"ETag": {"description": "the submission's version; send it back in If-Match", "schema": {"type": "string"}}}


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

    401 without a token, 404 for an unknown workshop, 403 unless `allowed(role)`.
    """
    token = bearer_token()
    store = workshop_store()
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
            "effect_overrides": given.get("effect_overrides", []), "comment": given.get("comment"),
            "warnings": given.get("warnings", [])}


@blp.route("")
class Workshops(MethodView):
    @blp.arguments(WorkshopCreateSchema)
    @blp.response(201, WorkshopCreatedSchema, headers={"Location": {"description": "the new workshop", "schema": {"type": "string"}}})
    @problem_responses(400, 413, 415, 422)
    def post(self, fields):
        """Open a workshop on a model; the facilitator token is shown once, here, and stored only as a hash.

        422 when the model, scenario or constraints do not fit, or no package satisfies the constraints.
        """
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
        workshop, token = workshop_store().create(
            title=fields["title"], model_id=model.id, model_version=model.version, scenario=scenario,
            constraints=[c.to_document() for c in constraints])
        body = {"id": workshop.id, "join_code": workshop.join_code, "facilitator_token": token,
                "participant_page": url_for("pages.participant_page", join_code=workshop.join_code),
                "dashboard_page": url_for("pages.dashboard_page", workshop_id=workshop.id)}
        return body, 201, {"Location": url_for("workshops.Workshop", workshop_id=workshop.id)}


@blp.route("/<workshop_id>")
class Workshop(MethodView):
    @blp.response(200, WorkshopViewSchema)
    @problem_responses(401, 403, 404)
    def get(self, workshop_id):
        """The workshop: everything for the facilitator; for a participant, the workshop and their own submission."""
        workshop, role = authorized(workshop_id, lambda role: True)
        return workshop_view(workshop, role)


def workshop_view(workshop: WorkshopRecord, role: str) -> dict:
    store = workshop_store()
    view = {"id": workshop.id, "title": workshop.title, "role": "facilitator" if role == FACILITATOR else "participant",
            "model": {"id": workshop.model_id, "version": workshop.model_version}, "scenario": workshop.scenario,
            "constraints": workshop.constraints, "round": workshop.current_round,
            "results_released": workshop.results_released}
    if role == FACILITATOR:
        submitted = {s.participant_id for s in store.current_submissions(workshop.id, workshop.current_round)}
        view.update(
            join_code=workshop.join_code,
            participants=[{"participant_id": p.id, "display_name": p.display_name, "perspective": p.perspective,
                           "joined_at": p.joined_at, "submitted_this_round": p.id in submitted,
                           "versions": p.submission_count} for p in store.participants(workshop.id)],
            rounds=store.rounds(workshop.id), audit=store.audit_trail(workshop.id))
    else:
        me = store.participant(workshop.id, role)
        view.update(me={"participant_id": me.id, "display_name": me.display_name, "perspective": me.perspective},
                    submission=submission_document(store.current_submission(workshop.id, role, workshop.current_round)),
                    previous_submission=submission_document(store.latest_submission(workshop.id, role)))
    return view


@blp.route("/<workshop_id>/participants")
class Participants(MethodView):
    @blp.arguments(JoinSchema)
    @blp.response(201, JoinedSchema)
    @problem_responses(400, 403, 404, 409, 413, 415, 422)
    def post(self, fields, workshop_id):
        """Join with the workshop's join code (no token needed); the participant token is shown once.

        403 when the join code is wrong; 409 when the workshop has reached its participant limit.
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
        return {"workshop_id": workshop_id, "participant_id": participant.id, "participant_token": token}, 201


def _own_submission(workshop_id: str, participant_id: str, *, facilitator_may_read: bool):
    def allowed(role):
        return role == participant_id or (facilitator_may_read and role == FACILITATOR)

    workshop, role = authorized(workshop_id, allowed)
    if workshop_store().participant(workshop_id, participant_id) is None:
        raise ApiProblem(404, f"No participant '{participant_id}' in this workshop.", slug="participant-not-found")
    return workshop


@blp.route("/<workshop_id>/participants/<participant_id>/submission")
class ParticipantSubmission(MethodView):
    @blp.response(200, SubmissionSchema, headers=ETAG_HEADER)
    @problem_responses(401, 403, 404)
    def get(self, workshop_id, participant_id):
        """The participant's current submission in the current round (the participant or the facilitator)."""
        workshop = _own_submission(workshop_id, participant_id, facilitator_may_read=True)
        record = workshop_store().current_submission(workshop_id, participant_id, workshop.current_round)
        if record is None:
            raise ApiProblem(404, f"No submission yet in round {workshop.current_round}.", slug="submission-not-found")
        return submission_document(record), 200, {"ETag": record.etag}

    @blp.arguments(SubmissionInputSchema)
    @blp.response(200, SubmissionSchema, headers=ETAG_HEADER)
    @problem_responses(400, 401, 403, 404, 412, 413, 415, 422)
    def put(self, fields, workshop_id, participant_id):
        """Submit (or revise) the participant's priorities for the current round; every version is kept.

        Only the participant's own token may write. Send the ETag you hold in If-Match: a stale one
        gets 412 (another tab or device saved since), so an old page cannot overwrite a newer submission.
        """
        from service.engine.group import checked_effect_overrides
        from service.engine.ranking import priorities_from_fields

        workshop = _own_submission(workshop_id, participant_id, facilitator_may_read=False)
        model = _model_of(workshop)
        problems = []
        weights, warnings = {}, []
        try:
            weights, warnings = priorities_from_fields(model, fields)
        except RequestInvalid as error:
            problems.extend(error.problems)
        try:
            checked_effect_overrides(model, fields["effect_overrides"])
        except RequestInvalid as error:
            problems.extend(error.problems)
        if problems:
            raise RequestInvalid(problems)
        given = {key: fields[key] for key in ("weights", "priority_order", "effect_overrides", "comment") if key in fields}
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
        except ParticipantNotFound:
            raise ApiProblem(404, f"No participant '{participant_id}' in this workshop.", slug="participant-not-found") from None
        return submission_document(record), 200, {"ETag": record.etag}


@blp.route("/<workshop_id>/rounds")
class Rounds(MethodView):
    @blp.response(201, RoundOpenedSchema)
    @problem_responses(401, 403, 404)
    def post(self, workshop_id):
        """Close the current round (its submissions are frozen) and open the next (facilitator)."""
        authorized(workshop_id, facilitator_only)
        new_round = workshop_store().open_next_round(workshop_id)
        return {"round": new_round, "closed": new_round - 1}, 201


@blp.route("/<workshop_id>/release")
class Release(MethodView):
    @blp.response(200, WorkshopViewSchema)
    @problem_responses(401, 403, 404)
    def post(self, workshop_id):
        """Let participants see the results (facilitator)."""
        workshop, role = authorized(workshop_id, facilitator_only)
        workshop_store().release_results(workshop_id)
        return workshop_view(workshop_store().get(workshop_id), role)


@blp.route("/<workshop_id>/results")
class Results(MethodView):
    @blp.arguments(ResultsQuerySchema, location="query")
    # Documented by ResultsSchema, not dumped through it: for hundreds of participants the dump
    # cost more than the analysis; the engine builds that shape and tests check it against the schema.
    @blp.alt_response(200, schema=ResultsSchema, success=True)
    @problem_responses(401, 403, 404, 422, 503)
    def get(self, query, workshop_id):
        """Each participant's ranking, the group ranking (mean weights and Borda), consensus (Kendall's W),
        the most contested criteria, the compromise that minimizes the largest regret, and what changed
        since the previous round. Participants see it only once the facilitator has released it (403 before).
        """
        settings = current_app.extensions["policy_options"].solver_settings.for_request()  # the deadline starts now
        workshop, role = authorized(workshop_id, lambda role: role == FACILITATOR or workshop_released(workshop_id))
        round_number = query.get("round", workshop.current_round)
        if round_number > workshop.current_round:
            raise ApiProblem(404, f"Round {round_number} has not opened (the current round is {workshop.current_round}).",
                             slug="round-not-found")
        current = round_results(workshop, round_number, settings)
        changes = None
        if round_number > 1:
            previous = round_results(workshop, round_number - 1, settings)
            from service.engine.group import round_changes

            changes = {"previous_round": round_number - 1, **round_changes(previous, current)}
        model = _model_of(workshop)
        return {"round": round_number, "model": {"id": model.id, "version": model.version}, **current, "changes": changes}


def workshop_released(workshop_id: str) -> bool:
    workshop = workshop_store().get(workshop_id)
    return workshop is not None and workshop.results_released


def round_results(workshop: WorkshopRecord, round_number: int, settings) -> dict:
    """`group_results` over the current submissions of one round, within `settings`' deadline."""
    from service.engine.cost import enforced
    from service.engine.group import ParticipantPriorities, checked_effect_overrides, group_results

    store = workshop_store()
    model = _model_of(workshop)
    names = {p.id: p.display_name for p in store.participants(workshop.id)}
    participants = []
    for record in store.current_submissions(workshop.id, round_number):
        overrides = checked_effect_overrides(model, record.priorities.get("effect_overrides", []))
        participants.append(ParticipantPriorities(record.participant_id, names[record.participant_id],
                                                  record.weights, overrides))
    constraints = [constraint_from_fields(c) for c in workshop.constraints]
    with enforced(settings):
        return group_results(model, workshop.scenario, constraints, participants, settings)
