"""The committed openapi.yaml is the document the app serves, and it is valid OpenAPI 3."""

from __future__ import annotations

import json
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


# -- what client generators and linters need (DESIGN.md §8.4) -----------------------------------


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def walk(node, trail=()):
    """Every dict in the document with the path that leads to it."""
    if isinstance(node, dict):
        yield trail, node
        for key, value in node.items():
            yield from walk(value, (*trail, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*trail, index))


def test_every_operation_has_a_readable_unique_operation_id_and_a_description(client):
    spec = client.get("/openapi.json").json
    ids = [operation["operationId"] for _, _, operation in operations(spec)]
    assert len(ids) == len(set(ids)) == len(list(operations(spec)))
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)+", operation_id) for operation_id in ids), ids
    for path, method, operation in operations(spec):
        assert operation.get("summary") and operation.get("description"), (path, method)


def test_token_operations_declare_the_bearer_scheme_and_the_others_none(client):
    spec = client.get("/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"]}
    writes = {"createModel", "replaceModel", "deleteModel", "createWorkshop"}  # an API key when API_KEYS is set
    for path, method, operation in operations(spec):
        needs_token = "401" in operation["responses"]
        if operation["operationId"] in writes:
            assert operation["security"] == [{"bearerAuth": []}, {}] and needs_token, (path, method)
        else:
            assert operation["security"] == ([{"bearerAuth": []}] if needs_token else []), (path, method)


def test_nullable_references_are_nullable_all_of_and_nothing_is_any_of(client):
    spec = client.get("/openapi.json").json
    nullable_refs = 0
    for trail, node in walk(spec):
        assert "anyOf" not in node, trail
        if node.get("nullable") and "allOf" in node:
            assert "type" not in node and len(node["allOf"]) == 1 and "$ref" in node["allOf"][0], trail
            nullable_refs += 1
    assert nullable_refs >= 11  # Results.compromise and .group, Brief.workshop, overturn, packages, ...
    results = spec["components"]["schemas"]["Results"]["properties"]
    assert results["compromise"] == {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Compromise"}]}


def test_maps_use_min_and_max_properties(client):
    spec = client.get("/openapi.json").json
    maps = [node for _, node in walk(spec) if node.get("type") == "object" and "additionalProperties" in node
            and node["additionalProperties"] is not False]
    assert maps and not [node for node in maps if {"minLength", "maxLength"} & set(node)]
    weights = spec["components"]["schemas"]["RankingRequest"]["properties"]["weights"]
    assert (weights["minProperties"], weights["maxProperties"]) == (1, 1000)


def test_closed_sets_of_strings_are_enums(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    assert schemas["WorkshopView"]["properties"]["role"]["enum"] == ["facilitator", "participant"]
    assert schemas["Results"]["properties"]["method"]["enum"] == ["enumeration", "milp"]
    assert schemas["Health"]["properties"]["status"]["enum"] == ["ok", "degraded"]
    for name in ("Ranking", "Robustness", "BriefQuestion"):
        assert schemas[name]["properties"]["score_case"]["enum"] == ["low", "likely", "high"], name
    assert schemas["ConflictEntry"]["properties"]["source"]["enum"] == ["request", "model", "scenario"]


def test_priority_order_items_are_a_criterion_or_a_list_of_tied_ones(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    for name in ("RankingRequest", "SubmissionInput", "Submission"):
        items = schemas[name]["properties"]["priority_order"]["items"]
        assert [variant["type"] for variant in items["oneOf"]] == ["string", "array"], name


def test_always_written_model_fields_are_required(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    assert {"description", "scale", "interactions", "constraints", "scenarios", "default_scenario",
            "version", "builtin"} <= set(schemas["ModelOutput"]["required"])
    document = client.get("/api/v1/models/minusma-2017").json
    for name, schema in (("ModelOutput", document), ("CriterionOutput", document["criteria"][0]),
                         ("OptionOutput", document["options"][0]), ("ScenarioOutput", document["scenarios"][0]),
                         ("EffectOutput", document["effects"][0])):
        assert set(schemas[name]["required"]) <= set(schema), name


def test_the_problem_schema_has_every_member_a_problem_carries(client):
    """Every extension member the code passes to a problem document is declared (and typed)."""
    import ast

    passed = set()
    builders = {"ApiProblem", "problem_response", "validation_problem"}
    for path in (Path(__file__).resolve().parents[1] / "service").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in builders:
                passed |= {keyword.arg for keyword in node.keywords if keyword.arg}
    extensions = passed - {"slug", "title", "headers", "detail"}
    problem = client.get("/openapi.json").json["components"]["schemas"]["Problem"]["properties"]
    assert {"errors", "conflict", "limit", "current_etag"} <= extensions | {"errors", "conflict"}
    assert extensions <= set(problem), extensions - set(problem)
    assert problem["conflict"]["items"] == {"$ref": "#/components/schemas/ConflictEntry"}
    assert problem["current_etag"]["nullable"] is True


def test_no_component_is_unused(client):
    spec = client.get("/openapi.json").json
    text = json.dumps(spec["paths"]) + json.dumps(spec["components"])
    for kind, named in spec["components"].items():
        for name in named:
            if kind == "securitySchemes":
                assert f'"{name}"' in json.dumps(spec["paths"]), name
            else:
                assert f'"#/components/{kind}/{name}"' in text, (kind, name)


def test_refusals_declare_their_headers(client):
    responses = client.get("/openapi.json").json["components"]["responses"]
    assert set(responses["Problem429"]["headers"]) == {"Retry-After", "RateLimit", "RateLimit-Policy"}
    assert set(responses["Problem503"]["headers"]) == {"Retry-After"}
    assert set(responses["Problem401"]["headers"]) == {"WWW-Authenticate"}


def test_briefs_declare_every_format_text_first_and_docx_as_binary(client):
    spec = client.get("/openapi.json").json
    for path, method in (("/api/v1/models/{model_id}/briefs", "post"), ("/api/v1/workshops/{workshop_id}/brief", "get")):
        content = spec["paths"][path][method]["responses"]["200"]["content"]
        assert list(content)[-1] == "application/json", path
        assert content["text/markdown"]["schema"]["type"] == "string"
        assert content["text/html"]["schema"]["type"] == "string"
        docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert content[docx]["schema"] == {"type": "string", "format": "binary"}


def test_the_conditional_and_idempotent_headers_are_declared(client):
    spec = client.get("/openapi.json").json
    by_id = {operation["operationId"]: operation for _, _, operation in operations(spec)}
    header = lambda name: {"$ref": f"#/components/parameters/{name}"}  # noqa: E731
    assert header("IfMatch") in by_id["submitPriorities"]["parameters"]
    assert "428" in by_id["submitPriorities"]["responses"] and "412" in by_id["submitPriorities"]["responses"]
    for operation_id in ("getModel", "listModels", "getResults"):
        assert header("IfNoneMatch") in by_id[operation_id]["parameters"], operation_id
        assert by_id[operation_id]["responses"]["304"] == {"$ref": "#/components/responses/NotModified"}
    for operation_id in ("createWorkshop", "openRound"):
        assert header("IdempotencyKey") in by_id[operation_id]["parameters"], operation_id
    assert spec["servers"] == [{"url": "/", "description": "the server this document is served from"}]


def test_every_request_body_example_is_answered_with_success(client):
    """The examples in the document are real requests (the join code and ids are the live ones)."""
    spec = client.get("/openapi.json").json
    examples = {operation["operationId"]: operation["requestBody"]["content"]["application/json"]["example"]
                for _, _, operation in operations(spec) if "requestBody" in operation}
    assert set(examples) == {"createModel", "replaceModel", "rankOptions", "analyzeRobustness", "createBrief",
                             "createWorkshop", "updateWorkshop", "joinWorkshop", "submitPriorities", "openRound",
                             "releaseResults"}
    assert client.post("/api/v1/models", json=examples["createModel"]).status_code == 201
    for operation_id, path in (("rankOptions", "rankings"), ("analyzeRobustness", "robustness"), ("createBrief", "briefs")):
        assert client.post(f"/api/v1/models/minusma-2017/{path}", json=examples[operation_id]).status_code == 200, operation_id
    workshop = client.post("/api/v1/workshops", json=examples["createWorkshop"]).json
    joined = client.post(f"/api/v1/workshops/{workshop['id']}/participants",
                         json={**examples["joinWorkshop"], "join_code": workshop["join_code"]})
    assert joined.status_code == 201
    submitted = client.put(f"/api/v1/workshops/{workshop['id']}/participants/{joined.json['participant_id']}/submission",
                           json=examples["submitPriorities"],
                           headers={"Authorization": f"Bearer {joined.json['participant_token']}"})
    assert submitted.status_code == 200, submitted.json
    facilitator = {"Authorization": f"Bearer {workshop['facilitator_token']}"}
    for operation_id, method, path in (("releaseResults", "post", "release"), ("updateWorkshop", "patch", ""),
                                       ("openRound", "post", "rounds")):
        answered = client.open(f"/api/v1/workshops/{workshop['id']}" + (f"/{path}" if path else ""), method=method,
                               json=examples[operation_id], headers=facilitator)
        assert answered.status_code in (200, 201), (operation_id, answered.json)
    assert client.put("/api/v1/models/" + examples["replaceModel"]["id"], json=examples["replaceModel"]).status_code == 200
