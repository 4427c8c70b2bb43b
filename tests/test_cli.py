"""The command line and the API give the same ranking for the same input; errors are one line."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
from importlib.metadata import version

import pytest

from models.loader import builtin_models
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


# -- stage 2: the whole command line (DESIGN.md §8.4) ---------------------------------------------

ROBUSTNESS_BODY = {"priority_order": ["impartiality-and-authority", ["peace-process", "personnel-safety"]],
                   "weight_intervals": {"stabilization": [0.05, 0.3]}, "samples": 400, "seed": 3}


def run_command(*args, env=None, **options) -> subprocess.CompletedProcess:
    """The installed command in its own process, so a traceback would show on its stderr."""
    options = {"capture_output": True, "text": True, **options}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], timeout=120,
                          env={**os.environ, **(env or {})}, **options)


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"policy-options {version('policy-options')}"


def test_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for code, meaning in (("2", "usage"), ("3", "invalid input"), ("4", "infeasible constraints"), ("1", "any other")):
        assert f"  {code}  {meaning}" in text


def test_models_lists_and_shows_every_id_and_label(capsys):
    assert main(["models"]) == 0
    assert "minusma-2017" in capsys.readouterr().out
    assert main(["models", "show", "minusma-2017"]) == 0
    shown = capsys.readouterr().out
    model = builtin_models()["minusma-2017"]
    for item in (*model.criteria, *model.options, *model.scenarios):
        assert re.search(rf"^  {re.escape(item.id)} +{re.escape(item.name)}", shown, re.MULTILINE), item.id
    assert main(["models", "show", "minusma-2017", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == model.version
    assert main(["models", "show", "nowhere"]) == 3


def test_robustness_json_equals_the_endpoint_and_the_table_has_the_verdicts(client, tmp_path, capsys):
    request = tmp_path / "robustness.json"
    request.write_text(json.dumps(ROBUSTNESS_BODY))
    assert main(["robustness", "--request", str(request), "--json"]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    assert from_cli == client.post("/api/v1/models/minusma-2017/robustness", json=ROBUSTNESS_BODY).json
    assert main(["robustness", "--request", str(request)]) == 0
    table = capsys.readouterr().out
    assert "Verdicts" in table and all(verdict in table for verdict in from_cli["verdicts"])


def test_priority_order_flag_reads_ties_and_equals_the_api(client, capsys):
    assert main(["rank", "--priority-order", "impartiality-and-authority,peace-process=personnel-safety", "--json"]) == 0
    body = {"priority_order": ["impartiality-and-authority", ["peace-process", "personnel-safety"]]}
    assert json.loads(capsys.readouterr().out) == client.post("/api/v1/models/minusma-2017/rankings", json=body).json


def test_request_from_standard_input(client, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(BODY).encode())))
    assert main(["rank", "--request", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == client.post("/api/v1/models/minusma-2017/rankings", json=BODY).json


def test_priorities_come_from_one_place(tmp_path, capsys):
    request = tmp_path / "body.json"
    request.write_text(json.dumps(BODY))
    for flags in (["--weight", "peace-process=1"], ["--priority-order", "peace-process"]):
        assert main(["rank", "--request", str(request), *flags]) == 2
        assert "already gives weights" in capsys.readouterr().err
    assert main(["rank", "--weight", "peace-process=1", "--priority-order", "stabilization"]) == 2
    assert main(["brief", "--equal-weights", "--weight", "peace-process=1"]) == 2


@pytest.mark.parametrize("args, code", [
    (["rank", "--no-such-flag"], 2),
    (["rank", "--weight", "peace-process"], 2),
    (["rank", "--priority-order", "a,,b"], 2),
    (["rank", "--weight", "peace-process=lots"], 3),
    (["rank", "--request", "/no/such/file.json"], 3),
    (["rank", "--weight", "peace-process=1", "--k", "0"], 3),
    (["robustness", "--weight-interval", "peace-process=0.9:0.1"], 3),
    (["rank", "--weight", "peace-process=1", "--scenario", "truce-holds", "--model", "nowhere"], 3),
])
def test_exit_codes_say_what_kind_of_failure(args, code, capsys):
    try:
        returned = main(args)
    except SystemExit as usage:  # argparse's own usage errors
        returned = usage.code
    assert returned == code
    error = capsys.readouterr().err.strip().splitlines()
    assert error and error[-1].startswith("policy-options: error:")


def test_infeasible_constraints_exit_4_from_standard_input():
    body = {"weights": {"peace-process": 1}, "constraints": [
        {"type": "include", "options": ["dissociate-from-barkhane", "integrate-under-un-command"]}]}
    done = run_command("rank", "--request", "-", input=json.dumps(body))
    assert done.returncode == 4 and done.stderr.count("\n") == 1 and "conflict" in done.stderr


def test_failures_outside_the_input_are_one_line_and_exit_1(tmp_path):
    written = run_command("brief", "--equal-weights", "--samples", "200", "-o", str(tmp_path / "missing" / "x.md"))
    assert written.returncode == 1 and "Traceback" not in written.stderr
    assert written.stderr.strip().count("\n") == 0 and "cannot write" in written.stderr
    unreachable = run_command("migrate", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"})
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert unreachable.stderr.strip().count("\n") == 0 and "cannot migrate the database at 127.0.0.1:1/nothing" in unreachable.stderr


def test_a_docx_brief_is_not_written_to_a_terminal(tmp_path):
    controller, terminal = pty.openpty()
    try:
        refused = run_command("brief", "--equal-weights", "--format", "docx", stdout=terminal, stderr=subprocess.PIPE,
                              capture_output=False)
    finally:
        os.close(terminal)
        os.close(controller)
    assert refused.returncode == 2 and "binary" in refused.stderr
    piped = run_command("brief", "--equal-weights", "--samples", "200", "--format", "docx", text=False)
    assert piped.returncode == 0 and piped.stdout[:2] == b"PK"


def test_rank_with_a_profile_equals_the_endpoint(client, capsys):
    assert main(["rank", "--profile", "malian-government", "--scenario", "truce-holds", "--json"]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    from_api = client.post("/api/v1/models/minusma-2017/rankings",
                           json={"profile": "malian-government", "scenario": "truce-holds"}).json
    assert from_cli == from_api and from_cli["profile"] == "malian-government"
    assert main(["rank", "--profile", "author"]) == 0
    assert "profile author" in capsys.readouterr().out.splitlines()[0]


def test_an_unknown_profile_is_one_line_naming_the_pointer(capsys):
    assert main(["rank", "--profile", "nobody"]) == 3
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
    assert main(["model", "check", str(tmp_path / "missing.yaml")]) == 3
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(small_model()))
    assert main(["model", "check", str(tmp_path / "small.yaml")]) == 0
