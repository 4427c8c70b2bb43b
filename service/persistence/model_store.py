"""Where decision models are found: the built-in files first, then those added through the API.

Added models can be replaced and deleted, except while a workshop uses them (its results are
computed on the model): each of those writes first takes the model's row, then counts the
workshops, so a workshop opened at the same moment either sees the model or is refused
(service/persistence/workshop_store.py takes the same row).
"""

from __future__ import annotations

import json

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models.domain import DecisionModel, given
from models.loader import builtin_models, model_from_document, model_from_stored
from models.schema import is_identifier
from service.persistence.tables import StoredModel, Workshop, stored_json


class ModelExists(Exception):
    """A model with this id is already served."""


class ModelIsBuiltin(Exception):
    """Built-in models are part of the service: they cannot be replaced or deleted."""

    def __init__(self, model_id: str):
        super().__init__(f"'{model_id}' is a built-in model: it cannot be replaced or deleted.")


class ModelNotFound(Exception):
    pass


class ModelInUse(Exception):
    def __init__(self, model_id: str, workshops: int):
        self.workshops = workshops
        super().__init__(f"Model '{model_id}' is used by {workshops} workshop(s), whose results are computed on it: "
                         "it can be neither replaced nor deleted while they exist.")


class ModelStore:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions
        # Parsed user models by (id, version): versions are content hashes, so entries never go stale.
        self._parsed: dict[tuple[str, str], DecisionModel] = {}

    def summaries(self) -> list[dict]:
        """Built-in models first, then added ones by id; from the stored summary columns alone."""
        items = [_summary(m.id, m.version, given(m.title), m.source, True) for m in builtin_models().values()]
        with self.sessions() as session:
            for model_id, version, title, source in session.execute(
                    select(StoredModel.id, StoredModel.version, StoredModel.title, StoredModel.source)
                    .order_by(StoredModel.id)):
                items.append(_summary(model_id, version, json.loads(title), json.loads(source), False))
        return items

    def get(self, model_id: str) -> DecisionModel | None:
        builtin = builtin_models().get(model_id)
        if builtin is not None:
            return builtin
        if not is_identifier(model_id):  # no stored model can have it (and no query is made)
            return None
        with self.sessions() as session:
            stored = session.get(StoredModel, model_id)
            if stored is None:
                return None
            key = (stored.id, stored.version)
            if key not in self._parsed:
                if len(self._parsed) > 1000:
                    self._parsed.clear()
                # Validated when it was posted: stored documents are the service's own.
                self._parsed[key] = model_from_stored(json.loads(stored.document), stored.version)
            return self._parsed[key]

    def add(self, document: dict) -> DecisionModel:
        """Validate and store a model; raise `ModelInvalid` or `ModelExists`."""
        model = model_from_document(document)
        if model.id in builtin_models():
            raise ModelExists(f"'{model.id}' is a built-in model and cannot be replaced.")
        with self.sessions() as session:
            session.add(StoredModel(id=model.id, **_columns(model)))
            try:
                session.commit()
            except IntegrityError:
                raise ModelExists(f"A model with id '{model.id}' already exists.") from None
        return model

    def replace(self, model_id: str, document: dict) -> tuple[DecisionModel, bool]:
        """Store `document` under `model_id`, adding it or replacing the stored one; return the model
        and whether it was created. Raises ModelInvalid, ModelIsBuiltin or ModelInUse."""
        model = model_from_document(document)
        if model_id in builtin_models():
            raise ModelIsBuiltin(model_id)
        with self.sessions.begin() as session:
            # The row first (a write lock on it), then the workshops: see the module's docstring.
            replaced = session.execute(update(StoredModel).where(StoredModel.id == model_id)
                                       .values(**_columns(model))).rowcount
            if replaced:
                _refuse_when_used(session, model_id)
                return model, False
        try:
            return self.add(document), True
        except ModelExists:  # added by someone else since: replace theirs
            return self.replace(model_id, document)

    def delete(self, model_id: str) -> None:
        """Delete an added model. Raises ModelIsBuiltin, ModelNotFound or ModelInUse."""
        if model_id in builtin_models():
            raise ModelIsBuiltin(model_id)
        with self.sessions.begin() as session:
            deleted = session.execute(delete(StoredModel).where(StoredModel.id == model_id)).rowcount
            if not deleted:
                raise ModelNotFound(model_id)
            _refuse_when_used(session, model_id)


def _refuse_when_used(session: Session, model_id: str) -> None:
    """Raise ModelInUse (which rolls the write back) when a workshop uses the model."""
    workshops = session.scalar(select(func.count()).select_from(Workshop).where(Workshop.model_id == model_id))
    if workshops:
        raise ModelInUse(model_id, workshops)


def _columns(model: DecisionModel) -> dict:
    stored_document = {k: v for k, v in model.to_document().items() if k not in ("builtin", "version")}
    return {"version": model.version, "title": stored_json(stored_document["title"]),
            "source": stored_json(stored_document["source"]),
            "document": stored_json(stored_document)}


def _summary(model_id, version, title, source, builtin) -> dict:
    return {"id": model_id, "version": version, "title": title, "source": source, "builtin": builtin}
