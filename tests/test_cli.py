"""The command line and the API give the same ranking for the same input; errors are one line."""

from __future__ import annotations

import json

from service.cli import main

BODY = {"weights": {"peace-process": 2, "personnel-safety": 1, "impartiality-and-authority": 3},
        "scenario": "truce-holds", "k": 4, "score_case": "low",
        "constraints": [{"type": "max_options", "count": 2}, {"type": "exclude", "options": ["plan-exit"]}]}


def test_rank_json_equals_the_endpoint(client, tmp_path, capsys):
    request = tmp_path / "body.json"
    request.write_text(json.dumps(BODY))
    assert main(["rank", "--request", str(request), "--json"]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    from_api = client.post("/api/v1/models/minusma-2017/rankings", json=BODY).json
    assert from_cli == from_api


def test_rank_table_names_the_best_package(capsys):
    assert main(["rank", "--weight", "peace-process=1", "--k", "2"]) == 0
    table = capsys.readouterr().out
    assert "Packages" in table and "Options on their own" in table and "input sha256" in table


def test_errors_are_one_line_and_exit_non_zero(capsys):
    assert main(["rank", "--weight", "nowhere=1"]) == 3
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "/weights/nowhere" in error
    assert main(["rank", "--weight", "peace-process=1", "--scenario", "nowhere"]) == 3
    assert "/scenario" in capsys.readouterr().err


def test_infeasible_request_names_the_conflict(tmp_path, capsys):
    request = tmp_path / "infeasible.json"
    request.write_text(json.dumps({"weights": {"peace-process": 1}, "constraints": [
        {"type": "include", "options": ["dissociate-from-barkhane", "integrate-under-un-command"]}]}))
    assert main(["rank", "--request", str(request)]) == 4
    error = capsys.readouterr().err
    assert '"source": "model", "id": "rec1-alternatives"' in error and '"source": "request", "index": 0' in error
