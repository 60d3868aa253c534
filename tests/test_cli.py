"""The command line: exit codes, JSON shapes from interface.md, clear errors without tracebacks."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_review import cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args, root=ROOT):
    """Run the CLI in a subprocess, as a reviewer would."""
    return subprocess.run([sys.executable, "-m", "evidence_review", *args, "--root", str(root)],
                          capture_output=True, text=True, timeout=120)


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("build", "fetch", "audit", "claims", "export", "check", "init"):
        assert command in out


def test_check_passes_on_the_default_review():
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert "all inputs valid" in result.stdout


def test_claims_json_has_the_interface_shape():
    result = run("claims", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["review"] == "muscle-spasm"
    keys = {"id", "section", "text", "refs", "verdict", "needs_citation", "source_says", "locator",
            "basis", "evidence_level", "note"}
    assert data["claims"] and all(keys <= set(c) for c in data["claims"])
    claim = data["claims"][0]
    assert isinstance(claim["refs"], list) and isinstance(claim["needs_citation"], bool)
    verdicts = {"supported", "partially-supported", "unsupported", "contradicted",
                "not-verifiable", "uncited"}
    assert {c["verdict"] for c in data["claims"]} <= verdicts


def test_claims_csv_and_table_agree_with_json():
    as_json = json.loads(run("claims", "--format", "json").stdout)["claims"]
    as_csv = run("claims", "--format", "csv").stdout.splitlines()
    assert len(as_csv) == len(as_json) + 1
    table = run("claims").stdout
    assert all(c["id"] in table for c in as_json)


def test_unknown_review_is_exit_2_with_a_message():
    result = run("claims", "--review", "no-such-review")
    assert result.returncode == 2
    assert "no review named 'no-such-review'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_format_is_a_usage_error():
    result = run("claims", "--format", "xml")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr
