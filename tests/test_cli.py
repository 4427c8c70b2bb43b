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
from pathlib import Path

import pytest

from models.loader import builtin_models
from service.cli import language_from_environment, main

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



# -- languages (DESIGN.md §8.2): --lang, else POLICY_OPTIONS_LANG, else the POSIX locale, else English ---

MODEL_FILE = str(Path(__file__).resolve().parents[1] / "models" / "data" / "minusma-2017.yaml")
LOCALE_VARIABLES = ("POLICY_OPTIONS_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def run_main(args: list[str], capsys) -> tuple[int, str, str]:
    """main's exit code (argparse's too), standard output and standard error."""
    try:
        code = main(args)
    except SystemExit as done:
        code = done.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_french_run_prints_french_tables_numbers_and_messages(tmp_path, capsys):
    code, out, _ = run_main(["--lang", "fr", "rank", "--weight", "peace-process=1", "--k", "2"], capsys)
    assert code == 0
    assert "Combinaisons" in out and "Options seules" in out and "effets les plus probables" in out
    assert "Packages" not in out and "Options on their own" not in out and "likely effects" not in out
    values = re.findall(r"^ +\d+ +([+-]\d+[.,]\d{4}) ", out, re.MULTILINE)
    assert values and all("," in value for value in values)  # 0,8333, not 0.8333
    code, english, _ = run_main(["rank", "--weight", "peace-process=1", "--k", "2"], capsys)
    assert code == 0 and re.findall(r"^ +\d+ +([+-]\d+[.,]\d{4}) ", english, re.MULTILINE) == [v.replace(",", ".") for v in values]

    code, out, _ = run_main(["robustness", "--lang", "fr", "--weight", "peace-process=1", "--samples", "200"], capsys)
    assert code == 0 and "Stabilité des poids de la meilleure combinaison" in out
    shares = re.findall(r"rangs \d+\.\.\d+ +(\S+\s%)$", out, re.MULTILINE)
    assert shares and all(re.fullmatch(r"\d+,\d\u00a0%", share) for share in shares)  # 91,0 %

    code, _, err = run_main(["--lang", "fr", "rank", "--weight", "peace-process=1", "--priority-order", "stabilization"], capsys)
    assert code == 2 and err.startswith("policy-options\u00a0: erreur\u00a0: donnez les priorités d’une seule façon")

    output = tmp_path / "note.json"
    code, _, err = run_main(["brief", "--lang", "fr", "--equal-weights", "--samples", "100", "--format", "json",
                             "-o", str(output)], capsys)
    assert code == 0 and re.fullmatch(r"\S+ écrit \(\d{1,3}(\u202f\d{3})* octets, json\)\n", err), err
    assert json.loads(output.read_text())["language"] == "fr"


def test_json_output_is_the_same_in_every_language(capsys):
    args = ["rank", "--weight", "peace-process=1", "--json"]
    assert run_main(args, capsys)[1] == run_main(["--lang", "fr", *args], capsys)[1]
    assert run_main(["models", "show", "minusma-2017", "--json"], capsys)[1] == \
        run_main(["models", "show", "minusma-2017", "--json", "--lang", "fr"], capsys)[1]


def test_robustness_json_in_french_equals_the_endpoint_in_french(client, tmp_path, capsys):
    """Verdicts are the one part of the JSON in the asked language, as with the API's ?lang= (DESIGN.md §8.2)."""
    request = tmp_path / "robustness.json"
    request.write_text(json.dumps(ROBUSTNESS_BODY))
    code, out, _ = run_main(["robustness", "--request", str(request), "--json", "--lang", "fr"], capsys)
    from_api = client.post("/api/v1/models/minusma-2017/robustness?lang=fr", json=ROBUSTNESS_BODY).json
    assert code == 0 and json.loads(out) == from_api
    english = client.post("/api/v1/models/minusma-2017/robustness", json=ROBUSTNESS_BODY).json
    assert {k: v for k, v in from_api.items() if k != "verdicts"} == {k: v for k, v in english.items() if k != "verdicts"}


@pytest.mark.parametrize(("environment", "expected"), [
    ({}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LANG": "fr"}, "fr"),
    ({"LC_MESSAGES": "fr_CA.UTF-8", "LANG": "en_US.UTF-8"}, "fr"),  # LC_MESSAGES before LANG
    ({"LC_ALL": "fr_BE.UTF-8@euro", "LC_MESSAGES": "en_GB.UTF-8"}, "fr"),  # LC_ALL before both
    ({"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, "en"),  # the first one set decides, even when English
    ({"LANG": "de_DE.UTF-8"}, "en"),  # a locale the CLI does not speak means English
    ({"LC_ALL": "", "LANG": "fr_FR.UTF-8"}, "fr"),  # an empty one is not set
    ({"POLICY_OPTIONS_LANG": "fr", "LC_ALL": "en_US.UTF-8"}, "fr"),  # the variable before the locale
    ({"POLICY_OPTIONS_LANG": "en", "LANG": "fr_FR.UTF-8"}, "en"),
])
def test_the_language_comes_from_the_variable_then_the_locale(environment, expected):
    assert language_from_environment(environment) == expected


def test_lang_comes_before_the_environment_which_comes_before_the_locale(monkeypatch, capsys):
    for variable in LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert "Critères" in run_main(["models", "show", "minusma-2017"], capsys)[1]
    assert "Criteria" in run_main(["models", "show", "minusma-2017", "--lang", "en"], capsys)[1]
    monkeypatch.setenv("POLICY_OPTIONS_LANG", "en")
    assert "Criteria" in run_main(["models", "show", "minusma-2017"], capsys)[1]
    assert "Critères" in run_main(["--lang", "fr", "models", "show", "minusma-2017"], capsys)[1]
    # In its own process, from the environment alone.
    done = run_command("models", "show", "minusma-2017", env={"POLICY_OPTIONS_LANG": "", "LC_ALL": "fr_FR.UTF-8"})
    assert done.returncode == 0 and "Critères" in done.stdout and "Processus de paix" in done.stdout


@pytest.mark.parametrize("command", [
    ["models"], ["models", "list"], ["models", "show", "minusma-2017"], ["rank"], ["robustness"], ["brief"],
    ["model", "check", MODEL_FILE], ["openapi"], ["migrate"],
])
def test_every_command_takes_lang_after_it_and_before_it(command, capsys):
    """The help of each command is French with --lang fr wherever it stands, and the parser accepts it."""
    for args in ([*command, "--lang", "fr", "--help"], ["--lang", "fr", *command, "--help"]):
        code, out, _ = run_main(args, capsys)
        assert code == 0 and "--lang {en,fr}" in out, args
        assert "la langue des messages, des tableaux et des notes" in out, args
        assert out.startswith("usage\u00a0: policy-options") and "options\u00a0:\n" in out, args
        assert "afficher cette aide et quitter" in out, args
        assert "the language of messages" not in out and "show this help" not in out, args


def test_every_command_speaks_french_with_lang(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    missing = str(tmp_path / "missing" / "out")
    runs = [
        (["models", "--lang", "fr"], 0, "Options pour la MINUSMA d’après Charbonneau (2017)"),
        (["models", "list", "--lang", "fr"], 0, "Options pour la MINUSMA d’après Charbonneau (2017)"),
        (["models", "show", "minusma-2017", "--lang", "fr"], 0, "Scénarios"),
        (["rank", "--lang", "fr", "--weight", "peace-process=lots"], 3, "n’est pas un nombre"),
        (["robustness", "--lang", "fr", "--weight-interval", "peace-process"], 2, "attend CRITÈRE=BAS:HAUT"),
        (["brief", "--lang", "fr", "--equal-weights", "--samples", "100", "-o", missing], 1, "impossible d’écrire"),
        (["model", "check", MODEL_FILE, "--lang", "fr"], 0, "valide\u00a0: modèle minusma-2017"),
        (["model", "--lang", "fr", "check", str(tmp_path / "none.yaml")], 3, "impossible de lire"),
        (["openapi", "--lang", "fr", "-o", missing], 1, "impossible d’écrire"),
        (["migrate", "--lang", "fr"], 0, "base de données au dernier schéma"),
    ]
    for args, expected_code, french in runs:
        code, out, err = run_main(args, capsys)
        assert code == expected_code and french in out + err, (args, out, err)
        assert code == 0 or err.startswith("policy-options\u00a0: erreur\u00a0:"), (args, err)


def test_argparse_speaks_french_too(capsys):
    code, _, err = run_main(["--lang", "fr", "rank", "--k", "many"], capsys)
    assert code == 2 and err.startswith("usage\u00a0: policy-options rank")
    assert err.splitlines()[-1] == "policy-options rank\u00a0: erreur\u00a0: argument --k\u00a0: valeur invalide pour le type int\u00a0: 'many'"
    code, _, err = run_main(["rank", "--lang", "fr", "--no-such-flag"], capsys)
    assert code == 2 and "arguments non reconnus\u00a0: --no-such-flag" in err
    code, _, err = run_main(["rank", "--k", "many"], capsys)  # and English stays English
    assert code == 2 and err.splitlines()[-1] == "policy-options rank: error: argument --k: invalid int value: 'many'"


@pytest.mark.parametrize("args", [["--lang", "de", "models"], ["models", "--lang", "de"], ["rank", "--lang="],
                                  ["brief", "--lang", "FR"]])
def test_an_unknown_language_is_a_usage_error(args, capsys):
    code, _, err = run_main(args, capsys)
    assert code == 2 and "--lang" in err and "invalid choice" in err


def test_an_unknown_language_in_the_environment_is_a_usage_error_unless_lang_is_given(monkeypatch, capsys):
    monkeypatch.setenv("POLICY_OPTIONS_LANG", "de")
    code, _, err = run_main(["models"], capsys)
    assert code == 2 and err.strip() == "policy-options: error: POLICY_OPTIONS_LANG must be one of en, fr, not 'de'"
    assert run_main(["models", "--lang", "fr"], capsys)[0] == 0
