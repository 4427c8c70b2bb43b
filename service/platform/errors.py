"""Every error becomes one RFC 9457 problem document (application/problem+json).

Domain errors are defined where they arise (`models.validation`, `service.engine.errors`)
and mapped to HTTP here, once. No stack trace or SQL reaches a client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

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
GENERIC_SLUG = "error"  # any other status


@dataclass(frozen=True)
class ProblemType:
    title: str
    status: int
    explanation: str


# Every problem type the service can send, explained at its `type` URI (`/problems/<slug>`,
# service/api/problems.py). A test checks that every slug the code names is here.
PROBLEM_TYPES: dict[str, ProblemType] = {
    "bad-request": ProblemType("Bad request", 400, "The request cannot be read as sent; `detail` says why."),
    "invalid-json": ProblemType("Not JSON", 400, "The body is not strict JSON: malformed text, NaN or Infinity, "
                                "duplicate keys, unpaired surrogates, or nesting deeper than MAX_JSON_DEPTH. "
                                "Send one well-formed JSON document."),
    "invalid-idempotency-key": ProblemType("Invalid Idempotency-Key", 400, "The Idempotency-Key header must be 1 to "
                                           "255 printable ASCII characters, optionally in double quotes; a UUID is best."),
    "unauthorized": ProblemType("Token needed", 401, "This operation needs `Authorization: Bearer <token>`: the "
                                "facilitator token a workshop gave when it was opened, or a participant token."),
    "invalid-token": ProblemType("Unknown token", 401, "The bearer token belongs to no one. Tokens are shown once, "
                                 "when a workshop is opened or joined; send that token."),
    "forbidden": ProblemType("Not allowed", 403, "The token is valid but does not allow this action here: another "
                             "participant's submission, a facilitator's action, another workshop, results not yet "
                             "released, or a wrong join code."),
    "not-found": ProblemType("Not found", 404, "Nothing is served at this URL."),
    "model-not-found": ProblemType("No such model", 404, "No decision model has this id; GET /api/v1/models lists them."),
    "workshop-not-found": ProblemType("No such workshop", 404, "No workshop has this id."),
    "participant-not-found": ProblemType("No such participant", 404, "The workshop has no participant with this id."),
    "submission-not-found": ProblemType("No submission yet", 404, "The participant has not submitted in the "
                                        "current round."),
    "round-not-found": ProblemType("No such round", 404, "The workshop has not opened this round."),
    "method-not-allowed": ProblemType("Method not allowed", 405, "This URL does not take this method; the Allow "
                                      "header lists those it takes."),
    "not-acceptable": ProblemType("Format not available", 406, "The format asked for (`?format=` or Accept) is "
                                  "not one this resource comes in; `detail` lists those it does."),
    "conflict": ProblemType("Conflict", 409, "The request conflicts with the resource's current state."),
    "model-exists": ProblemType("Model id taken", 409, "A model with this id exists; models are never replaced, "
                                "so choose another id."),
    "participant-limit": ProblemType("Workshop full", 409, "The workshop has as many participants as it may "
                                     "(`limit`)."),
    "no-submissions": ProblemType("Nothing to brief yet", 409, "No one has submitted in this round, so there is no "
                                  "group view to write a brief about."),
    "precondition-failed": ProblemType("Submission changed", 412, "If-Match names an ETag that is no longer the "
                                       "submission's: another tab or device saved since. `current_etag` is the ETag "
                                       "now; read the submission again, then resubmit with it."),
    "body-too-large": ProblemType("Body too large", 413, "The body is larger than MAX_BODY_BYTES (`limit`)."),
    "unsupported-media-type": ProblemType("Send JSON", 415, "Bodies are `application/json`."),
    "validation-error": ProblemType("Invalid request", 422, "The JSON breaks the schema or does not fit the model. "
                                    "`errors` lists each problem with a JSON pointer into your body."),
    "infeasible-constraints": ProblemType("Infeasible constraints", 422, "No package satisfies the constraints "
                                          "together. `conflict` lists a minimal set that cannot hold together, each "
                                          "naming its source: a request index, a model constraint id, or an option "
                                          "the scenario makes unavailable. Drop or relax one of them."),
    "idempotency-key-reused": ProblemType("Idempotency-Key reused", 422, "This Idempotency-Key came with another "
                                          "request. A key stands for one request: send a new key for a new one."),
    "precondition-required": ProblemType("If-Match needed", 428, "Replacing an existing submission needs its ETag "
                                         "in If-Match, so an older page never overwrites a newer submission. "
                                         "`current_etag` is the ETag now."),
    "too-many-requests": ProblemType("Too many requests", 429, "Too many requests from this client; wait as long "
                                     "as Retry-After says."),
    "rate-limit": ProblemType("Rate limit", 429, "This client sent more requests than RATE_LIMIT allows (`limit`); "
                              "wait as long as Retry-After says."),
    "internal-error": ProblemType("Internal error", 500, "The server met an unexpected error; it has been logged "
                                  "with the request id (X-Request-ID)."),
    "model-missing": ProblemType("Model missing", 500, "A workshop's model is no longer served: the deployment "
                                 "lost a model it had."),
    "solver-failure": ProblemType("Solver failure", 500, "The optimizer failed; it has been logged."),
    "service-unavailable": ProblemType("Service unavailable", 503, "The service cannot answer now; try again "
                                       "after Retry-After."),
    "solver-time-limit": ProblemType("Solver time limit", 503, "The optimizer could not prove an optimum within "
                                     "SOLVER_TIME_LIMIT_SECONDS (`limit`): no answer rather than a possibly wrong "
                                     "one. Fewer options or constraints, or a retry, may help."),
    "model-builtin": ProblemType("Built-in model", 403, "Built-in models ship with the service and cannot be "
                                 "replaced or deleted through the API; post a model of your own under another id."),
    "model-in-use": ProblemType("Model in use", 409, "A workshop uses this model, and its results are computed on "
                                "it: the model cannot be replaced or deleted while it does (`workshops` counts them)."),
    "results-not-released": ProblemType("Results not released", 403, "The facilitator has not released this round's "
                                        "results (or has withdrawn them); participants read released rounds only."),
    "settings-conflict": ProblemType("Settings conflict", 409, "The workshop's settings cannot change this way: an "
                                     "anonymous workshop stays anonymous once someone has joined, and never opens "
                                     "its results; `errors` points at the setting."),
    "renderer-unavailable": ProblemType("Renderer unavailable", 503, "This format's renderer cannot run on this "
                                        "server (for PDF, WeasyPrint needs the Pango library). The other formats "
                                        "still work; the operator can install what is missing."),
    GENERIC_SLUG: ProblemType("HTTP error", 0, "An HTTP error without a more specific type; `status` and `detail` "
                              "say what happened."),
}


def problem_type_uri(slug: str) -> str:
    return PROBLEM_TYPE_BASE + slug


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
        "type": problem_type_uri(slug or _DEFAULT_SLUGS.get(status, GENERIC_SLUG)),
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
