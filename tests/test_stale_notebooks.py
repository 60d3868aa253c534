"""Committed notebooks remember the data they were run on; a changed data file is named in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

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
