"""The command line: exit codes, JSON shapes from interface.md, clear errors without tracebacks.

Most cases run the CLI in this process (tests/projects.py `run_cli`); the two entry points a
reviewer types, `python -m evidence_review` and the `evidence-review` console script, are run as
real subprocesses in the first tests below.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from projects import PLUS_TOKEN, run_cli

from evidence_review.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args, root=ROOT):
    """Run the CLI in this process, as the console script would."""
    return run_cli(*args, root=root)


def test_python_dash_m_runs_the_cli():
    """`check` runs, served without the site's stack or the charts (cli/review.py): -X importtime
    lists on stderr every module the run imported."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "evidence_review", "check",
                             "--root", str(ROOT)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "all inputs valid" in result.stdout
    imported = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "evidence_review.report.session" in imported
    heavy = ("matplotlib", "duckdb", "distributed", "evidence_review.site.scan",
             "evidence_review.cli.commands")
    assert not [name for name in imported if name.split(".")[0] in heavy or name in heavy]


def test_the_console_script_is_exit_2_with_one_line_and_no_traceback():
    script = Path(sys.executable).with_name("evidence-review")
    if not script.exists():
        pytest.skip(f"no console script next to {sys.executable}: install the package (pip install -e .)")
    result = subprocess.run([str(script), "claims", "--review", "no-such-review", "--root", str(ROOT)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no review named 'no-such-review'" in lines[0], result.stderr


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


def test_notebook_counts_agree_with_the_cli():
    """The verdict counts the notebooks show are the counts of `claims --format json`."""
    from collections import Counter

    from evidence_review.report import session as api
    from evidence_review.report import views

    data = json.loads(run("claims", "--format", "json").stdout)["claims"]
    from_cli = Counter(c["verdict"] for c in data)
    shown = views.verdict_counts(api.open_review("muscle-spasm", ROOT))
    assert dict(zip(shown["verdict"], shown["claims"], strict=True)) == {
        v: from_cli.get(v, 0) for v in shown["verdict"]}
    assert shown["claims"].sum() == len(data)


def test_plus_token_never_reaches_snapshot_or_report(edited_report):
    """CROSSREF_PLUS_TOKEN is sent to Crossref only as a header: no file fetch or build writes holds it.

    `edited_report` (tests/conftest.py) ran `fetch --refresh` against a stand-in and `build --no-pdf`
    with the token in the environment; the kernel that runs notebook 03 inherits it too.
    """
    token = PLUS_TOKEN
    headers = edited_report.token_headers
    assert headers and all(h == f"Bearer {token}" for h in headers)  # it was really sent
    for done in edited_report.runs:
        assert token not in done.stdout + done.stderr, done.args
    files = [path for path in edited_report.built.root.rglob("*") if path.is_file()]
    assert edited_report.built.html in files
    for path in files:
        assert token.encode() not in path.read_bytes(), path
