"""The committed openapi.yaml is the document the app serves, and it is valid OpenAPI 3."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from openapi_spec_validator import validate

COMMITTED = Path(__file__).resolve().parents[1] / "openapi.yaml"


def test_committed_spec_equals_served_spec(client):
    served = client.get("/openapi.json").json
    committed = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    assert committed == served, "openapi.yaml is stale: run `policy-options openapi -o openapi.yaml`"


def test_spec_is_valid_openapi(client):
    validate(client.get("/openapi.json").json)


def test_every_error_response_is_problem_json(client):
    spec = client.get("/openapi.json").json
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status == "default" or int(status) >= 400:
                    if "$ref" in response:
                        name = response["$ref"].rsplit("/", 1)[1]
                        response = spec["components"]["responses"][name]
                    assert list(response["content"]) == ["application/problem+json"], (path, method, status)


def test_every_api_route_is_documented(app, client):
    spec = client.get("/openapi.json").json
    documented = {path for path in spec["paths"]}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            assert re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) in documented, rule.rule


def test_docs_page_works_without_external_requests(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    with client.get("/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200
