"""The models resource: list, read, add, replace and delete decision models (DESIGN.md §4)."""

from flask import current_app, url_for
from flask.views import MethodView

from models.validation import ModelInvalid, Problem
from service.api import Blueprint, problem_responses, write_access
from service.platform.errors import ApiProblem
from service.persistence.model_store import ModelExists, ModelInUse, ModelIsBuiltin, ModelNotFound
from service.schemas.models import ModelDocumentSchema, ModelListSchema, ModelOutputSchema

blp = Blueprint("models", __name__, url_prefix="/api/v1/models", description="Decision models built from reports")
LOCATION = {"Location": {"description": "the new model", "schema": {"type": "string"}}}


def model_store():
    return current_app.extensions["policy_options"].models


def find_model(model_id: str):
    model = model_store().get(model_id)
    if model is None:
        raise ApiProblem(404, f"No model with id '{model_id}'.", slug="model-not-found")
    return model


@blp.route("")
class Models(MethodView):
    @blp.response(200, ModelListSchema)
    def get(self):
        """List the decision models served (built-in first)."""
        return {"items": model_store().summaries()}

    @write_access("models")
    @blp.arguments(ModelDocumentSchema)
    @blp.response(201, ModelOutputSchema, headers=LOCATION)
    @problem_responses(400, 409, 413, 415, 422)
    def post(self, document):
        """Add a decision model; validated (every problem listed, with a pointer) and stored."""
        try:
            model = model_store().add(document)
        except ModelExists as error:
            raise ApiProblem(409, str(error), slug="model-exists") from None
        return model.to_document(), 201, {"Location": url_for("models.Model", model_id=model.id)}


@blp.route("/<model_id>")
class Model(MethodView):
    @blp.response(200, ModelOutputSchema)
    @problem_responses(404)
    def get(self, model_id):
        """The whole model: criteria, options, effects with evidence, interactions, constraints, scenarios, scale."""
        return find_model(model_id).to_document()

    @write_access("models")
    @blp.arguments(ModelDocumentSchema)
    @blp.response(200, ModelOutputSchema, description="The model, replaced")
    @blp.alt_response(201, schema=ModelOutputSchema, description="The model, added", headers=LOCATION)
    @problem_responses(400, 409, 413, 415, 422)
    def put(self, document, model_id):
        """Add or replace a model added through the API; its `id` must be the one in the path.

        403 for a built-in model; 409 while a workshop uses the model (its results are computed on it).
        """
        if document.get("id") != model_id:
            raise ModelInvalid([Problem("/id", f"The id must be the one in the path, '{model_id}'.")])
        try:
            model, created = model_store().replace(model_id, document)
        except ModelIsBuiltin as error:
            raise ApiProblem(403, str(error), slug="model-builtin") from None
        except ModelInUse as error:
            raise ApiProblem(409, str(error), slug="model-in-use", workshops=error.workshops) from None
        if created:
            return model.to_document(), 201, {"Location": url_for("models.Model", model_id=model.id)}
        return model.to_document()

    @write_access("models")
    @blp.response(204)
    @problem_responses(404, 409)
    def delete(self, model_id):
        """Delete a model added through the API.

        403 for a built-in model; 409 while a workshop uses the model (its results are computed on it).
        """
        try:
            model_store().delete(model_id)
        except ModelIsBuiltin as error:
            raise ApiProblem(403, str(error), slug="model-builtin") from None
        except ModelNotFound:
            raise ApiProblem(404, f"No model with id '{model_id}'.", slug="model-not-found") from None
        except ModelInUse as error:
            raise ApiProblem(409, str(error), slug="model-in-use", workshops=error.workshops) from None
        return None
