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
    assert main(["rank", "--weight", "nowhere=1"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "/weights/nowhere" in error
    assert main(["rank", "--weight", "peace-process=1", "--scenario", "nowhere"]) == 2
    assert "/scenario" in capsys.readouterr().err


def test_infeasible_request_names_the_conflict(tmp_path, capsys):
    request = tmp_path / "infeasible.json"
    request.write_text(json.dumps({"weights": {"peace-process": 1}, "constraints": [
        {"type": "include", "options": ["dissociate-from-barkhane", "integrate-under-un-command"]}]}))
    assert main(["rank", "--request", str(request)]) == 2
    error = capsys.readouterr().err
    assert '"source": "model", "id": "rec1-alternatives"' in error and '"source": "request", "index": 0' in error


def test_rank_with_a_profile_equals_the_endpoint(client, capsys):
    assert main(["rank", "--profile", "malian-government", "--scenario", "truce-holds", "--json"]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    from_api = client.post("/api/v1/models/minusma-2017/rankings",
                           json={"profile": "malian-government", "scenario": "truce-holds"}).json
    assert from_cli == from_api and from_cli["profile"] == "malian-government"
    assert main(["rank", "--profile", "author"]) == 0
    assert "profile author" in capsys.readouterr().out.splitlines()[0]


def test_an_unknown_profile_is_one_line_naming_the_pointer(capsys):
    assert main(["rank", "--profile", "nobody"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "/profile" in error


def test_brief_with_a_profile(tmp_path, capsys):
    output = tmp_path / "brief.json"
    assert main(["brief", "--profile", "france", "--format", "json", "--samples", "100", "-o", str(output)]) == 0
    assert json.loads(output.read_text())["profile"] == "france"


def test_model_check_prints_problems_and_warnings_with_exit_codes(tmp_path, capsys):
    from pathlib import Path

    import yaml

    from tests.documents import small_model

    root = Path(__file__).resolve().parents[1]
    assert main(["model", "check", str(root / "models" / "data" / "minusma-2017.yaml")]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "0 warnings" in out and "5 profiles" in out

    assert main(["model", "check", str(root / "tests" / "data" / "minusma-2017-v1.yaml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "warnings" in lines[0] and any(line.startswith("warning /effects/") for line in lines[1:])

    broken = small_model()
    broken["effects"][0]["option"] = "zz"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))  # JSON is read as well as YAML
    assert main(["model", "check", str(path)]) == 3
    out = capsys.readouterr().out
    assert "invalid" in out and "problem /effects/0/option: Unknown option 'zz'." in out

    garbled = tmp_path / "garbled.yaml"
    garbled.write_text("id: [unclosed")
    assert main(["model", "check", str(garbled)]) == 3
    assert main(["model", "check", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(small_model()))
    assert main(["model", "check", str(tmp_path / "small.yaml")]) == 0
