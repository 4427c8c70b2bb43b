"""Where decision models are found: the built-in files first, then those added through the API."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from models.domain import DecisionModel
from models.loader import builtin_models, model_from_document, model_from_stored
from service.persistence.tables import StoredModel


class ModelExists(Exception):
    """A model with this id is already served (built-in models cannot be overwritten)."""


class ModelStore:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions
        # Parsed user models by (id, version): versions are content hashes, so entries never go stale.
        self._parsed: dict[tuple[str, str], DecisionModel] = {}

    def summaries(self) -> list[dict]:
        items = [_summary(m.id, m.version, m.title, m.source, True) for m in builtin_models().values()]
        with self.sessions() as session:
            for stored in session.scalars(select(StoredModel).order_by(StoredModel.id)):
                document = json.loads(stored.document)
                items.append(_summary(stored.id, stored.version, stored.title, document["source"], False))
        return items

    def get(self, model_id: str) -> DecisionModel | None:
        builtin = builtin_models().get(model_id)
        if builtin is not None:
            return builtin
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
        stored_document = {k: v for k, v in model.to_document().items() if k not in ("builtin", "version")}
        with self.sessions() as session:
            session.add(StoredModel(id=model.id, version=model.version, title=model.title,
                                    document=json.dumps(stored_document)))
            try:
                session.commit()
            except IntegrityError:
                raise ModelExists(f"A model with id '{model.id}' already exists.") from None
        return model


def _summary(model_id, version, title, source, builtin) -> dict:
    return {"id": model_id, "version": version, "title": title, "source": source, "builtin": builtin}
