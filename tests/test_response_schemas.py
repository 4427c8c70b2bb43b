"""Responses returned without a marshmallow dump still match the schemas that document them."""

from __future__ import annotations

from service.schemas.rankings import RankingSchema
from service.schemas.workshops import ResultsSchema


def test_ranking_matches_its_schema(client):
    body = client.post("/api/v1/models/minusma-2017/rankings", json={"weights": {"peace-process": 1}, "k": 3}).json
    assert RankingSchema().validate(body) == {}
    assert set(body) == set(RankingSchema().fields)


def test_workshop_results_match_their_schema(client):
    created = client.post("/api/v1/workshops", json={"title": "schema check", "model_id": "minusma-2017"}).json
    for number, weights in enumerate(({"peace-process": 3, "personnel-safety": 1}, {"stabilization": 1})):
        joined = client.post(f"/api/v1/workshops/{created['id']}/participants",
                             json={"join_code": created["join_code"], "display_name": f"P{number}"}).json
        response = client.put(f"/api/v1/workshops/{created['id']}/participants/{joined['participant_id']}/submission",
                              json={"weights": weights}, headers={"Authorization": f"Bearer {joined['participant_token']}"})
        assert response.status_code == 200
    response = client.get(f"/api/v1/workshops/{created['id']}/results",
                          headers={"Authorization": f"Bearer {created['facilitator_token']}"})
    assert response.status_code == 200
    assert ResultsSchema().validate(response.json) == {}
    assert len(response.json["participants"]) == 2
