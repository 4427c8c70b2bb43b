"""Where workshops live: workshops, participants, rounds, every submission version and an audit trail.

Tokens are made with `secrets.token_urlsafe`, shown once, and stored only as
SHA-256 digests; a presented token is hashed and compared in constant time.
Every write is one transaction that first takes the row it changes, so several
API processes sharing one database never lose or duplicate a submission.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.persistence.tables import (AuditEvent, Participant, StoredModel, Submission, Workshop, WorkshopRound,
                                       as_utc, stored_json, utc_now)

# A refusal names this limit: one workshop is a meeting, not a survey of thousands.
MAX_PARTICIPANTS_PER_WORKSHOP = 500
FACILITATOR = "facilitator"
# No 0/O, 1/I/L: join codes are read aloud and typed on phones.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 10


class WorkshopNotFound(Exception):
    pass


class RoundNotFound(Exception):
    def __init__(self, round_number: int, current_round: int):
        self.round_number, self.current_round = round_number, current_round
        super().__init__(f"Round {round_number} has not opened (the current round is {current_round}).")


class ModelGone(Exception):
    """The model a workshop was being opened on was deleted meanwhile."""


class SettingsRefused(Exception):
    """A settings change that would break a promise made to participants (`pointer` names the setting)."""

    def __init__(self, pointer: str, detail: str):
        self.pointer = pointer
        super().__init__(detail)


class ParticipantNotFound(Exception):
    pass


class JoinCodeMismatch(Exception):
    pass


class ParticipantLimitReached(Exception):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"The workshop already has {limit} participants (MAX_PARTICIPANTS_PER_WORKSHOP).")


class PreconditionFailed(Exception):
    """If-Match did not match the current submission; `current_etag` is what it is now (or None)."""

    def __init__(self, current_etag: str | None):
        self.current_etag = current_etag
        super().__init__("The submission has changed since this ETag.")


class PreconditionRequired(Exception):
    """An existing submission would be replaced without If-Match (a lost update is possible)."""

    def __init__(self, current_etag: str):
        self.current_etag = current_etag
        super().__init__("Replacing a submission needs If-Match.")


# Called inside a creating transaction, with its session and what was created: whatever must be
# stored together with it (an idempotent response) is added there.
InTransaction = Callable[..., None]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class WorkshopRecord:
    id: str
    title: str
    model_id: str
    model_version: str
    scenario: str | None
    constraints: list[dict]
    join_code: str
    current_round: int
    participant_count: int
    created_at: datetime
    anonymous: bool
    open_results: bool
    language: str
    released_rounds: tuple[int, ...]
    instructions: str | None  # the current round's

    def released(self, round_number: int) -> bool:
        return round_number in self.released_rounds

    @property
    def latest_released_round(self) -> int | None:
        return max(self.released_rounds, default=None)


@dataclass(frozen=True)
class ParticipantRecord:
    id: str
    display_name: str
    perspective: str | None
    joined_at: datetime
    submission_count: int


@dataclass(frozen=True)
class SubmissionRecord:
    participant_id: str
    round: int
    version: int
    priorities: dict  # as given: weights or priority_order, effect_overrides, comment, warnings
    weights: dict[str, float]  # normalized
    submitted_at: datetime
    is_current: bool = True  # False for a version a later one replaced

    @property
    def etag(self) -> str:
        return submission_etag(self.round, self.version)


def submission_etag(round_number: int, version: int) -> str:
    """A strong entity tag (RFC 9110 §8.8.3) of one submission version, quotes included."""
    return f'"r{round_number}v{version}"'


def _workshop_record(session: Session, row: Workshop) -> WorkshopRecord:
    rounds = session.execute(select(WorkshopRound.number, WorkshopRound.released_at, WorkshopRound.instructions)
                             .where(WorkshopRound.workshop_id == row.id)).all()
    return WorkshopRecord(
        row.id, row.title, row.model_id, row.model_version, row.scenario, json.loads(row.constraints), row.join_code,
        row.current_round, row.participant_count, as_utc(row.created_at), row.anonymous, row.open_results, row.language,
        released_rounds=tuple(sorted(number for number, released_at, _ in rounds if released_at is not None)),
        instructions=next((text for number, _, text in rounds if number == row.current_round), None))


def _participant_record(row: Participant) -> ParticipantRecord:
    return ParticipantRecord(row.id, row.display_name, row.perspective, as_utc(row.joined_at), row.submission_count)


def _submission_record(row: Submission) -> SubmissionRecord:
    return SubmissionRecord(row.participant_id, row.round_number, row.version, json.loads(row.priorities),
                            json.loads(row.weights), as_utc(row.submitted_at), row.is_current)


def _audit(session: Session, workshop_id: str, actor: str, action: str, **detail) -> None:
    session.add(AuditEvent(workshop_id=workshop_id, actor=actor, action=action, detail=stored_json(detail), at=utc_now()))


def anonymous_label(position: int) -> str:
    """How participant number `position` (1-based, in the order they joined) appears in an anonymous workshop."""
    return f"Participant {position}"


class WorkshopStore:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    # -- workshops ------------------------------------------------------------------------------

    def create(self, *, title: str, model_id: str, model_version: str, scenario: str | None,
               constraints: list[dict], anonymous: bool = False, open_results: bool = False, language: str = "en",
               instructions: str | None = None, model_is_stored: bool = False,
               also: InTransaction | None = None) -> tuple[WorkshopRecord, str]:
        """Store a new workshop with round 1 open; return it and the facilitator token (shown once).

        For a model added through the API (`model_is_stored`), its row is read under a shared lock
        after the workshop is written, so a concurrent delete either waits and then sees this workshop,
        or has already gone and this raises ModelGone (service/persistence/model_store.py).

        `also(session, workshop, token)` runs in the same transaction.
        """
        token = new_token()
        with self.sessions.begin() as session:
            row = Workshop(id=uuid.uuid4().hex, title=title, model_id=model_id, model_version=model_version,
                           scenario=scenario, constraints=stored_json(constraints),
                           join_code="".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH)),
                           facilitator_token_sha256=token_digest(token), current_round=1, participant_count=0,
                           created_at=utc_now(), anonymous=anonymous, open_results=open_results, language=language)
            session.add(row)
            session.flush()  # the workshop row first: the rows below refer to it
            if model_is_stored and session.scalar(select(StoredModel.id).where(StoredModel.id == model_id)
                                                  .with_for_update(read=True)) is None:
                raise ModelGone(model_id)
            session.add(WorkshopRound(workshop_id=row.id, number=1, opened_at=utc_now(), instructions=instructions))
            _audit(session, row.id, FACILITATOR, "workshop.created", model=model_id, scenario=scenario)
            session.flush()
            record = _workshop_record(session, row)
            if also is not None:
                also(session, record, token)
            return record, token

    def get(self, workshop_id: str) -> WorkshopRecord | None:
        with self.sessions() as session:
            row = session.get(Workshop, workshop_id)
            return _workshop_record(session, row) if row else None

    def by_join_code(self, join_code: str) -> WorkshopRecord | None:
        with self.sessions() as session:
            row = session.scalars(select(Workshop).where(Workshop.join_code == join_code)).one_or_none()
            return _workshop_record(session, row) if row else None

    def update_settings(self, workshop_id: str, changes: dict) -> WorkshopRecord:
        """Change `title`, `anonymous`, `open_results`, `language` or the current round's `instructions`.

        A workshop made anonymous stays so once someone has joined (they joined on that promise),
        and an anonymous workshop never opens its results: both raise SettingsRefused.
        """
        with self.sessions.begin() as session:
            row = session.scalars(select(Workshop).where(Workshop.id == workshop_id).with_for_update()).one_or_none()
            if row is None:
                raise WorkshopNotFound(workshop_id)
            if row.anonymous and changes.get("anonymous") is False and row.participant_count:
                raise SettingsRefused("/anonymous", "The workshop was anonymous when participants joined: "
                                                    "it stays anonymous.")
            anonymous = changes.get("anonymous", row.anonymous)
            if anonymous and changes.get("open_results", row.open_results):
                raise SettingsRefused("/open_results", "An anonymous workshop never shows participants "
                                                       "each other's names or weights.")
            for name in ("title", "anonymous", "open_results", "language"):
                if name in changes:
                    setattr(row, name, changes[name])
            if "instructions" in changes:
                session.execute(update(WorkshopRound).where(WorkshopRound.workshop_id == workshop_id,
                                                            WorkshopRound.number == row.current_round)
                                .values(instructions=changes["instructions"]))
            _audit(session, workshop_id, FACILITATOR, "workshop.updated", settings=sorted(changes))
            session.flush()
            return _workshop_record(session, row)

    def token_known(self, token: str) -> bool:
        """Whether the token belongs to anyone: a facilitator or participant of any workshop."""
        digest = token_digest(token)
        with self.sessions() as session:
            return (session.scalar(select(Workshop.id).where(Workshop.facilitator_token_sha256 == digest).limit(1))
                    or session.scalar(select(Participant.id).where(Participant.token_sha256 == digest).limit(1))) is not None

    def role_for_token(self, workshop_id: str, token: str) -> str | None:
        """FACILITATOR, a participant id, or None when the token belongs to no one in this workshop."""
        digest = token_digest(token)
        with self.sessions() as session:
            facilitator = session.scalar(select(Workshop.facilitator_token_sha256).where(Workshop.id == workshop_id))
            if facilitator is not None and hmac.compare_digest(facilitator, digest):
                return FACILITATOR
            for participant_id, stored in session.execute(
                    select(Participant.id, Participant.token_sha256)
                    .where(Participant.workshop_id == workshop_id, Participant.token_sha256 == digest)):
                if hmac.compare_digest(stored, digest):
                    return participant_id
        return None

    def open_next_round(self, workshop_id: str, instructions: str | None = None,
                        also: InTransaction | None = None) -> int:
        """Close the current round (its submissions are frozen: only the current round takes
        submissions) and open the next, unreleased; return the new round's number.

        The increment is the transaction's first statement, so it takes the workshop's row (PostgreSQL)
        or the database's write lock (SQLite) before anything is read: concurrent calls open one round
        each, in turn, on both databases. The closing time is read once the lock is held.

        `also(session, new_round_number)` runs in the same transaction.
        """
        with self.sessions.begin() as session:
            new_round = session.scalar(update(Workshop).where(Workshop.id == workshop_id)
                                       .values(current_round=Workshop.current_round + 1)
                                       .returning(Workshop.current_round))
            if new_round is None:
                raise WorkshopNotFound(workshop_id)
            now = utc_now()
            session.execute(update(WorkshopRound).where(WorkshopRound.workshop_id == workshop_id,
                                                        WorkshopRound.number == new_round - 1)
                            .values(closed_at=now))
            session.add(WorkshopRound(workshop_id=workshop_id, number=new_round, opened_at=now, instructions=instructions))
            _audit(session, workshop_id, FACILITATOR, "round.opened", round=new_round)
            if also is not None:
                also(session, new_round)
            return new_round

    def set_release(self, workshop_id: str, round_number: int | None, released: bool) -> int:
        """Release a round's results to the participants, or withdraw them; the current round when
        `round_number` is None. Return the round's number; raise WorkshopNotFound or RoundNotFound."""
        with self.sessions.begin() as session:
            current = session.scalar(select(Workshop.current_round).where(Workshop.id == workshop_id))
            if current is None:
                raise WorkshopNotFound(workshop_id)
            number = current if round_number is None else round_number
            if not 1 <= number <= current:
                raise RoundNotFound(number, current)
            session.execute(update(WorkshopRound).where(WorkshopRound.workshop_id == workshop_id,
                                                        WorkshopRound.number == number)
                            .values(released_at=utc_now() if released else None))
            _audit(session, workshop_id, FACILITATOR, "results.released" if released else "results.withdrawn",
                   round=number)
            return number

    def status(self, workshop_id: str) -> dict | None:
        """What open pages poll for (DESIGN.md §8.3): the current round, the released rounds, a digest
        of the settings, how many have joined, submitted this round and saved in all. Four small
        queries on indexed columns; None for an unknown workshop."""
        with self.sessions() as session:
            row = session.execute(select(Workshop.current_round, Workshop.participant_count, Workshop.title,
                                         Workshop.anonymous, Workshop.open_results, Workshop.language)
                                  .where(Workshop.id == workshop_id)).one_or_none()
            if row is None:
                return None
            rounds = session.execute(select(WorkshopRound.number, WorkshopRound.released_at, WorkshopRound.instructions)
                                     .where(WorkshopRound.workshop_id == workshop_id)).all()
            counts = session.execute(
                select(func.count(Submission.id),
                       func.count(Submission.id).filter(Submission.round_number == row.current_round,
                                                        Submission.is_current))
                .where(Submission.workshop_id == workshop_id)).one()
        instructions = next((text for number, _, text in rounds if number == row.current_round), None)
        settings = [row.title, row.anonymous, row.open_results, row.language, instructions]
        return {"round": row.current_round,
                "released_rounds": sorted(number for number, released_at, _ in rounds if released_at is not None),
                "settings_version": hashlib.sha256(json.dumps(settings).encode()).hexdigest()[:16],
                "participants": row.participant_count, "submitted_this_round": counts[1], "saved_versions": counts[0]}

    def submissions(self, workshop_id: str, round_number: int | None = None) -> list[SubmissionRecord]:
        """Every stored version (of one round, or of all), by round, then the order participants
        joined, then version: the facilitator's export."""
        query = (select(Submission).join(Participant, Participant.id == Submission.participant_id)
                 .where(Submission.workshop_id == workshop_id)
                 .order_by(Submission.round_number, Participant.joined_at, Participant.id, Submission.version))
        if round_number is not None:
            query = query.where(Submission.round_number == round_number)
        with self.sessions() as session:
            return [_submission_record(row) for row in session.scalars(query)]

    def rounds(self, workshop_id: str) -> list[dict]:
        with self.sessions() as session:
            return [{"number": r.number, "opened_at": as_utc(r.opened_at), "closed_at": as_utc(r.closed_at),
                     "released_at": as_utc(r.released_at), "instructions": r.instructions}
                    for r in session.scalars(select(WorkshopRound).where(WorkshopRound.workshop_id == workshop_id)
                                             .order_by(WorkshopRound.number))]

    def round(self, workshop_id: str, number: int) -> dict | None:
        """One round's number and when it opened and closed (None while open), or None."""
        return next((r for r in self.rounds(workshop_id) if r["number"] == number), None)

    def audit_trail(self, workshop_id: str) -> list[dict]:
        with self.sessions() as session:
            return [{"at": as_utc(e.at), "actor": e.actor, "action": e.action, "detail": json.loads(e.detail)}
                    for e in session.scalars(select(AuditEvent).where(AuditEvent.workshop_id == workshop_id)
                                             .order_by(AuditEvent.id))]

    # -- participants ---------------------------------------------------------------------------

    def join(self, workshop_id: str, join_code: str, display_name: str, perspective: str | None) -> tuple[ParticipantRecord, str]:
        """Add a participant; return it and its token (shown once).

        Raises WorkshopNotFound, JoinCodeMismatch, or ParticipantLimitReached.
        """
        token = new_token()
        with self.sessions.begin() as session:
            code = session.scalar(select(Workshop.join_code).where(Workshop.id == workshop_id))
            if code is None:
                raise WorkshopNotFound(workshop_id)
            if not hmac.compare_digest(code.encode(), join_code.encode()):
                raise JoinCodeMismatch()
            # One atomic statement both counts and enforces the limit, whatever runs beside it.
            admitted = session.execute(update(Workshop).where(Workshop.id == workshop_id,
                                                              Workshop.participant_count < MAX_PARTICIPANTS_PER_WORKSHOP)
                                       .values(participant_count=Workshop.participant_count + 1)).rowcount
            if not admitted:
                raise ParticipantLimitReached(MAX_PARTICIPANTS_PER_WORKSHOP)
            row = Participant(id=uuid.uuid4().hex, workshop_id=workshop_id, display_name=display_name,
                              perspective=perspective, token_sha256=token_digest(token), submission_count=0,
                              joined_at=utc_now())
            session.add(row)
            # No name in the audit trail: the workshop may be (or become) anonymous.
            _audit(session, workshop_id, f"participant:{row.id}", "participant.joined")
        return _participant_record(row), token

    def participants(self, workshop_id: str) -> list[ParticipantRecord]:
        """In the order they joined: the order of anonymous labels, stable across rounds."""
        with self.sessions() as session:
            return [_participant_record(p) for p in session.scalars(
                select(Participant).where(Participant.workshop_id == workshop_id).order_by(Participant.joined_at, Participant.id))]

    def participant(self, workshop_id: str, participant_id: str) -> ParticipantRecord | None:
        with self.sessions() as session:
            row = session.get(Participant, participant_id)
            return _participant_record(row) if row is not None and row.workshop_id == workshop_id else None

    # -- submissions ----------------------------------------------------------------------------

    def submit(self, workshop_id: str, participant_id: str, priorities: dict, weights: dict[str, float],
               precondition: Callable[[str | None], bool] | None = None) -> SubmissionRecord:
        """Store a new version of the participant's submission in the current round and make it current.

        `precondition(current_etag)` (If-Match) is checked under the participant's row lock;
        when it fails, PreconditionFailed is raised and nothing is stored. Without a precondition,
        only a first submission in the round is stored: replacing one raises PreconditionRequired.
        """
        with self.sessions.begin() as session:
            # Taking the participant's row first serializes this participant's writes (PostgreSQL
            # row lock; SQLite's single writer lock), so versions never collide.
            locked = session.execute(update(Participant)
                                     .where(Participant.id == participant_id, Participant.workshop_id == workshop_id)
                                     .values(submission_count=Participant.submission_count + 1)).rowcount
            if not locked:
                raise ParticipantNotFound(participant_id)
            # A shared lock on the workshop: a round cannot close between reading it and writing.
            round_number = session.scalar(select(Workshop.current_round).where(Workshop.id == workshop_id)
                                          .with_for_update(read=True))
            current = session.scalars(select(Submission).where(Submission.participant_id == participant_id,
                                                               Submission.round_number == round_number,
                                                               Submission.is_current)).one_or_none()
            current_etag = submission_etag(current.round_number, current.version) if current else None
            if precondition is None and current_etag is not None:
                raise PreconditionRequired(current_etag)
            if precondition is not None and not precondition(current_etag):
                raise PreconditionFailed(current_etag)
            latest = session.scalar(select(func.max(Submission.version)).where(
                Submission.participant_id == participant_id, Submission.round_number == round_number)) or 0
            if current is not None:
                current.is_current = False
                session.flush()  # before the insert: the partial unique index allows one current version
            row = Submission(workshop_id=workshop_id, participant_id=participant_id, round_number=round_number,
                             version=latest + 1, is_current=True, priorities=stored_json(priorities),
                             weights=stored_json(weights), submitted_at=utc_now())
            session.add(row)
            _audit(session, workshop_id, f"participant:{participant_id}", "submission.saved",
                   round=round_number, version=latest + 1)
        return _submission_record(row)

    def current_submission(self, workshop_id: str, participant_id: str, round_number: int) -> SubmissionRecord | None:
        with self.sessions() as session:
            row = session.scalars(select(Submission).where(
                Submission.workshop_id == workshop_id, Submission.participant_id == participant_id,
                Submission.round_number == round_number, Submission.is_current)).one_or_none()
            return _submission_record(row) if row else None

    def latest_submission(self, workshop_id: str, participant_id: str) -> SubmissionRecord | None:
        """The participant's newest submission in any round (to start a new round from)."""
        with self.sessions() as session:
            row = session.scalars(select(Submission).where(
                Submission.workshop_id == workshop_id, Submission.participant_id == participant_id, Submission.is_current)
                .order_by(Submission.round_number.desc()).limit(1)).one_or_none()
            return _submission_record(row) if row else None

    def current_submissions(self, workshop_id: str, round_number: int) -> list[SubmissionRecord]:
        """Each participant's current submission in a round, in the order participants joined."""
        with self.sessions() as session:
            rows = session.scalars(
                select(Submission).join(Participant, Participant.id == Submission.participant_id)
                .where(Submission.workshop_id == workshop_id, Submission.round_number == round_number, Submission.is_current)
                .order_by(Participant.joined_at, Participant.id))
            return [_submission_record(row) for row in rows]
