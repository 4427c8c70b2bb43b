"""Problem type pages: each `type` URI of a problem document (`/problems/<slug>`) explains the
problem (RFC 9457 §3.1.1), as HTML, or as JSON when the client prefers it."""

from __future__ import annotations

from flask import Blueprint, render_template_string, request

from service.platform.errors import PROBLEM_TYPES, ApiProblem, problem_type_uri

blp = Blueprint("problems", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ problem.title }} · policy-options</title></head>
<body><main>
<h1>{{ problem.title }}</h1>
{% if problem.status %}<p>HTTP status {{ problem.status }}</p>{% endif %}
<p>{{ problem.explanation }}</p>
<p>Problem documents of this type have <code>type</code> <code>{{ uri }}</code>; see RFC 9457 and
<a href="/docs">the API description</a>.</p>
</main></body></html>"""
# Explanations change only with a deployment.
CACHE_CONTROL = "public, max-age=86400"


@blp.get("/problems/<slug>")
def problem_type(slug):
    problem = PROBLEM_TYPES.get(slug)
    if problem is None:
        raise ApiProblem(404, f"No problem type '{slug}'.")
    uri = problem_type_uri(slug)
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        body = {"type": uri, "title": problem.title, "status": problem.status or None, "explanation": problem.explanation}
        return body, 200, {"Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
    return render_template_string(_PAGE, problem=problem, uri=uri), 200, {"Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
