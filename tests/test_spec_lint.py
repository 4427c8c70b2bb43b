"""The committed openapi.yaml passes the linters client developers run on it (DESIGN.md §8.4).

Redocly CLI with its recommended ruleset (`redocly.yaml` downgrades one rule to a warning, and
says why): no error. Spectral's `spectral:oas`: no error, and every warning it gives is one the
README lists with the reason it is kept. Both come from the npm registry, installed by `.ci/run`
into `.ci/node`; the tests are skipped, saying so, where they are missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
BIN = ROOT / ".ci" / "node" / "node_modules" / ".bin"
QUIET = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}


def linter(name: str) -> Path:
    if shutil.which("node") is None:
        pytest.skip("node is missing: the OpenAPI linters run on node")
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{path} is missing: .ci/run installs it (npm install --prefix .ci/node ...)")
    return path


def test_redocly_recommended_ruleset_finds_no_error():
    result = subprocess.run([str(linter("redocly")), "lint", str(SPEC), "--config", str(ROOT / "redocly.yaml"),
                             "--format", "json"], capture_output=True, text=True, cwd=ROOT, env=QUIET, timeout=300)
    report = json.loads(result.stdout)
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert errors == [], errors
    assert result.returncode == 0, result.stderr
    warnings = sorted({p["ruleId"] for p in report["problems"]})
    assert set(warnings) <= set(documented_warnings("Redocly")), warnings


def test_spectral_oas_ruleset_finds_no_error_and_only_documented_warnings():
    result = subprocess.run([str(linter("spectral")), "lint", str(SPEC), "--ruleset", str(ROOT / ".spectral.yaml"),
                             "--format", "json", "--quiet"], capture_output=True, text=True, cwd=ROOT, env=QUIET,
                            timeout=300)
    findings = json.loads(result.stdout or "[]")
    # Spectral severities: 0 error, 1 warning, 2 information, 3 hint.
    assert [f for f in findings if f["severity"] == 0] == []
    warnings = sorted({f["code"] for f in findings if f["severity"] == 1})
    assert set(warnings) <= set(documented_warnings("Spectral")), warnings


def documented_warnings(tool: str) -> list[str]:
    """The rule ids the README's table of lint warnings lists for `tool`, each with its reason."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(rf"^\| {tool} \| `([a-z0-9-]+)` \| ([^|]+) \|$", readme, re.MULTILINE)
    assert all(reason.strip() for _, reason in rows)
    return [rule for rule, _ in rows]
