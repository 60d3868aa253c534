"""Committed notebooks remember the data they were run on; a changed data file is named in one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence_review.core.paths import Review
from evidence_review.report import build

ROOT = Path(__file__).resolve().parents[1]


def project(tmp_path: Path) -> Path:
    for folder in ("data", "refs"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "notebooks").mkdir()
    review = Review.open("muscle-spasm", tmp_path)
    nb = {"cells": [], "metadata": {build.FINGERPRINT_KEY: {"review": "muscle-spasm",
                                                            "data": build.data_fingerprint(review)}},
          "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "notebooks" / "02-claims.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return tmp_path


def test_fresh_notebooks_are_not_stale(tmp_path):
    assert build.stale_notebooks(project(tmp_path)) == {}


def test_an_edited_claims_table_is_named_with_the_command_to_run(tmp_path):
    root = project(tmp_path)
    claims = root / "data" / "muscle-spasm" / "claims.csv"
    claims.write_text(claims.read_text(encoding="utf-8").replace("partially-supported", "supported", 1),
                      encoding="utf-8")
    assert build.stale_notebooks(root) == {
        "notebooks/02-claims.ipynb": "committed outputs of notebooks/02-claims.ipynb are older than "
                                     "data/muscle-spasm/claims.csv: run `make notebooks`"}


def test_a_new_verdict_file_makes_the_notebooks_stale_too(tmp_path):
    root = project(tmp_path)
    (root / "data" / "muscle-spasm" / "verdicts").mkdir()
    (root / "data" / "muscle-spasm" / "verdicts" / "ana.csv").write_text("id,verdict\n", encoding="utf-8")
    (line,) = build.stale_notebooks(root).values()
    assert "data/muscle-spasm/verdicts/ana.csv" in line


def test_editor_checkpoints_do_not_count(tmp_path):
    root = project(tmp_path)
    hidden = root / "data" / "muscle-spasm" / ".ipynb_checkpoints"
    hidden.mkdir()
    (hidden / "claims-checkpoint.csv").write_text("x", encoding="utf-8")
    assert build.stale_notebooks(root) == {}


def test_the_committed_review_notebook_records_its_data():
    nb = json.loads((ROOT / "notebooks" / "04-review.ipynb").read_text(encoding="utf-8"))
    recorded = nb["metadata"][build.FINGERPRINT_KEY]
    assert recorded["review"] == "muscle-spasm"
    assert "data/muscle-spasm/claims.csv" in recorded["data"]
    assert "widgets" not in nb["metadata"]  # random widget state is not committed


@pytest.mark.slow
def test_nbval_run_says_in_one_line_which_data_changed(tmp_path):
    """A real nbval run (a kernel, the notebooks' conftest.py) over a notebook whose data changed
    since it was run: its cell fails, and the run names the changed file in one line. The notebook
    is one cell that prints the review's reviewers, as 04-review shows them (which also loads the
    package, pandas and the review form in its kernel: 1.5 s more for the same failure)."""
    for folder in ("data", "refs"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "conftest.py", tmp_path / "notebooks" / "conftest.py")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "tests").mkdir()  # pyproject's addopts load tests/lean_start.py
    shutil.copy(ROOT / "tests" / "lean_start.py", tmp_path / "tests")
    meta = tmp_path / "data" / "muscle-spasm" / "review.yaml"
    committed = json.loads((ROOT / "notebooks" / "04-review.ipynb").read_text(encoding="utf-8"))["metadata"]
    show = (f"print(next(line.strip() for line in open({str(meta)!r}, encoding='utf-8') "
            "if 'reviewers:' in line))")
    nb = {"cells": [{"cell_type": "code", "execution_count": 1, "id": "reviewers", "metadata": {},
                     "outputs": [{"name": "stdout", "output_type": "stream",
                                  "text": ["reviewers: evidence-review maintainers\n"]}],
                     "source": [show]}],
          "metadata": {"kernelspec": committed["kernelspec"], "language_info": committed["language_info"],
                       build.FINGERPRINT_KEY: {"review": "muscle-spasm",
                                               "data": build.data_fingerprint(Review.open("muscle-spasm",
                                                                                          tmp_path))}},
          "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "notebooks" / "04-review.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    meta.write_text(meta.read_text(encoding="utf-8").replace("reviewers: evidence-review maintainers",
                                                             "reviewers: ana and ben"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("EVIDENCE_REVIEW_ROOT", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "notebooks/04-review.ipynb", "--nbval",
                           "--nbval-current-env", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "ana and ben" in done.stdout  # the cell failed on the changed data
    assert ("committed outputs of notebooks/04-review.ipynb are older than "
            "data/muscle-spasm/review.yaml: run `make notebooks`") in done.stdout
