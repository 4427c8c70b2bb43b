"""The OpenAPI document (`/openapi.json`) and an interactive page (`/docs`), served with no CDN."""

import hashlib
import json

from flask import Blueprint, current_app, render_template_string, request, send_from_directory

blp = Blueprint("docs", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>policy-options API</title>
<link rel="stylesheet" href="{{ url_for('docs.asset', filename='swagger-ui.css') }}"></head>
<body><div id="swagger-ui"></div>
<script src="{{ url_for('docs.asset', filename='swagger-ui-bundle.js') }}"></script>
<script src="{{ url_for('docs.initializer') }}"></script>
</body></html>"""


@blp.get("/openapi.json")
def openapi_json():
    from service.openapi import openapi_document

    response = current_app.response_class(json.dumps(openapi_document(current_app)), mimetype="application/json")
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest())
    return response.make_conditional(request)


@blp.get("/docs")
def page():
    return render_template_string(_PAGE)


@blp.get("/docs/initializer.js")
def initializer():
    # A separate file, not an inline script, so the page runs under a strict Content-Security-Policy.
    script = "window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui'});"
    return current_app.response_class(script, mimetype="text/javascript")


@blp.get("/docs/assets/<path:filename>")
def asset(filename):
    import swagger_ui_bundle

    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
