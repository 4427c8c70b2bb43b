"""The models resource: list, read, add, replace and delete decision models (DESIGN.md §4)."""

from flask import current_app, url_for
from flask.views import MethodView

from models.validation import ModelInvalid, Problem
from service.api import Blueprint, not_modified_response, operation, problem_responses
from service.api.conditional import conditional_json
from service.schemas import examples
from service.platform.errors import ApiProblem
from service.persistence.model_store import ModelExists, ModelInUse, ModelIsBuiltin, ModelNotFound
from service.schemas.models import ModelCreatedSchema, ModelDocumentSchema, ModelListSchema, ModelOutputSchema

blp = Blueprint("models", __name__, url_prefix="/api/v1/models", description="Decision models built from reports")


def model_store():
    return current_app.extensions["policy_options"].models


def find_model(model_id: str):
    model = model_store().get(model_id)
    if model is None:
        raise ApiProblem(404, f"No model with id '{model_id}'.", slug="model-not-found")
    return model


@blp.route("")
class Models(MethodView):
    @operation("listModels", headers=("IfNoneMatch",))
    @blp.response(200, ModelListSchema, headers={"ETag": "ETag"})
    @not_modified_response
    def get(self):
        """List the decision models served (built-in first).

        Each with its id, version (a content hash), title and source; read one in full with getModel.
        The ETag changes when a model is added: send it in If-None-Match to get 304 until then.
        """
        return conditional_json(ModelListSchema().dump({"items": model_store().summaries()}))

    @operation("createModel", write_scope="models")
    @blp.arguments(ModelDocumentSchema, example=examples.MODEL_DOCUMENT)
    @blp.response(201, ModelCreatedSchema, headers={"Location": "Location"})
    @problem_responses(400, 409, 413, 415, 422)
    def post(self, document):
        """Add a decision model; validated (every problem listed, with a pointer) and stored.

        The status quo may be left out (its effects are all 0). 409 when the id is taken:
        models are never replaced, so a model's URL always means the same document.
        The 201 body lists `warnings`: what a reviewer should confirm (a passage scoring two
        criteria of one option, a quote that may be the author's critique, an interaction that
        pushes a package beyond the scale). Warnings never block a model.
        """
        from service.engine.model_check import model_warnings  # the engine, on first use

        try:
            model = model_store().add(document)
        except ModelExists as error:
            raise ApiProblem(409, str(error), slug="model-exists") from None
        body = {**model.to_document(), "warnings": [w.to_document() for w in model_warnings(document, model)]}
        return body, 201, {"Location": url_for("models.Model", model_id=model.id)}


@blp.route("/<model_id>")
class Model(MethodView):
    @operation("getModel", headers=("IfNoneMatch",))
    @blp.response(200, ModelOutputSchema, headers={"ETag": "ETag"})
    @not_modified_response
    @problem_responses(404)
    def get(self, model_id):
        """The whole model: criteria, options, effects with evidence, interactions, constraints, scenarios, scale.

        The ETag is the model's version (a hash of its content): send it in If-None-Match to get 304
        while the model is unchanged.
        """
        model = find_model(model_id)
        return conditional_json(ModelOutputSchema().dump(model.to_document()), etag=model.version)

    @operation("replaceModel", write_scope="models")
    @blp.arguments(ModelDocumentSchema, example=examples.MODEL_DOCUMENT)
    @blp.response(200, ModelOutputSchema, description="The model, replaced")
    @blp.alt_response(201, schema=ModelOutputSchema, description="The model, added", headers={"Location": "Location"})
    @problem_responses(400, 409, 413, 415, 422)
    def put(self, document, model_id):
        """Add or replace a model added through the API.

        Its `id` must be the one in the path. 403 for a built-in model; 409 while a workshop uses the model (its results are computed on it).
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

    @operation("deleteModel", write_scope="models")
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
