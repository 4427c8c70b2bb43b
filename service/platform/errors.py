"""Every error becomes one RFC 9457 problem document (application/problem+json).

Domain errors are defined where they arise (`models.validation`, `service.engine.errors`)
and mapped to HTTP here, once. No stack trace or SQL reaches a client.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, json, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from models.schema import pointers_from_messages
from models.validation import ModelInvalid
from service.engine.errors import InfeasibleConstraints, RequestInvalid, SolverFailure, SolverTimeLimit

# Relative URI references (RFC 9457 §4.2.1), resolved against the service itself.
PROBLEM_TYPE_BASE = "/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)

_DEFAULT_SLUGS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
                  405: "method-not-allowed", 406: "not-acceptable", 409: "conflict",
                  412: "precondition-failed", 413: "body-too-large", 415: "unsupported-media-type",
                  422: "validation-error", 428: "precondition-required", 429: "too-many-requests",
                  500: "internal-error", 503: "service-unavailable"}


class ApiProblem(Exception):
    """Raise from a view to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, slug: str | None = None, title: str | None = None,
                 headers: dict | None = None, **extensions):
        super().__init__(detail)
        self.status, self.detail, self.slug, self.title = status, detail, slug, title
        self.headers = headers or {}
        self.extensions = extensions


def problem_response(status: int, detail: str, *, slug: str | None = None, title: str | None = None,
                     headers: dict | None = None, **extensions):
    """Build a problem+json response (RFC 9457 §3: type, title, status, detail, instance, extensions)."""
    from http import HTTPStatus

    body = {
        "type": PROBLEM_TYPE_BASE + (slug or _DEFAULT_SLUGS.get(status, "error")),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
        **extensions,
    }
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def validation_problem(pairs, detail: str = "The request does not match the schema.", **extensions):
    errors = [{"pointer": pointer, "detail": message} for pointer, message in pairs]
    return problem_response(422, detail, slug="validation-error", title="Unprocessable Content",
                            errors=errors, **extensions)


def _handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    if error.code == 422 and "messages" in data:
        # webargs nests messages under the location ("json", "query"); pointers start at the body.
        messages = data["messages"]
        pairs = []
        for location, nested in messages.items():
            pairs.extend(pointers_from_messages(nested))
        return validation_problem(pairs)
    if error.code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return problem_response(413, f"The request body exceeds the limit of {limit} bytes (MAX_BODY_BYTES).",
                                limit=limit)
    headers = {}
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = data.get("message") or error.description or error.name
    return problem_response(error.code or 500, detail, slug=data.get("problem"), headers=headers)


def _handle_problem(error: ApiProblem):
    return problem_response(error.status, error.detail, slug=error.slug, title=error.title,
                            headers=error.headers, **error.extensions)


def _handle_model_invalid(error: ModelInvalid):
    return validation_problem([(p.pointer, p.detail) for p in error.problems],
                              "The model breaks the rules of a decision model.")


def _handle_request_invalid(error: RequestInvalid):
    return validation_problem([(p.pointer, p.detail) for p in error.problems],
                              "The request does not fit the model.")


def _handle_marshmallow(error: ValidationError):
    return validation_problem(pointers_from_messages(error.messages))


def _handle_infeasible(error: InfeasibleConstraints):
    return problem_response(422, str(error), slug="infeasible-constraints", title="Infeasible constraints",
                            conflict=error.conflict)


def _handle_time_limit(error: SolverTimeLimit):
    limit = current_app.config["SOLVER_TIME_LIMIT_SECONDS"]
    return problem_response(503, f"{error} (SOLVER_TIME_LIMIT_SECONDS = {limit:g}); no answer is better than a possibly wrong one.",
                            slug="solver-time-limit", headers={"Retry-After": "5"}, limit=limit)


def _handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _handle_http_exception(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    detail = "The server met an unexpected error; it has been logged."
    if current_app.debug:
        detail += f" ({type(error).__name__}: {error})"
    return problem_response(500, detail)


def _handle_solver_failure(error: SolverFailure):
    log.error("solver failure: %s", error)
    return problem_response(500, "The solver failed; it has been logged.", slug="solver-failure")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(ApiProblem, _handle_problem)
    app.register_error_handler(ModelInvalid, _handle_model_invalid)
    app.register_error_handler(RequestInvalid, _handle_request_invalid)
    app.register_error_handler(ValidationError, _handle_marshmallow)
    app.register_error_handler(InfeasibleConstraints, _handle_infeasible)
    app.register_error_handler(SolverTimeLimit, _handle_time_limit)
    app.register_error_handler(SolverFailure, _handle_solver_failure)
    app.register_error_handler(Exception, _handle_unexpected)
