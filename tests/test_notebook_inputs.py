"""A notebook that reads other files than a review's (the site notebook reads a site's saved pages)
names them in its metadata; staleness is judged on those files, not on the review's data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from evidence_review.core.paths import Review
from evidence_review.report import build

ROOT = Path(__file__).resolve().parents[1]
REVIEW = "muscle-spasm"


def _project(tmp_path: Path) -> Path:
    for folder in (f"data/{REVIEW}", f"refs/{REVIEW}", "tests/fixtures/site"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "notebooks").mkdir()
    review = Review.open(REVIEW, tmp_path)
    reads = ["tests/fixtures/site"]
    meta = {"review": REVIEW, "reads": reads, "data": build.input_fingerprint(review, reads)}
    nb = {"cells": [], "metadata": {build.FINGERPRINT_KEY: meta}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "notebooks" / "05-site.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return tmp_path


def test_a_changed_site_page_makes_the_site_notebook_stale(tmp_path):
    root = _project(tmp_path)
    assert build.stale_notebooks(root, ["05-site"]) == {}
    records = root / "tests" / "fixtures" / "site" / "records.json"
    records.write_text(records.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    (line,) = build.stale_notebooks(root, ["05-site"]).values()
    assert "tests/fixtures/site/records.json" in line and "make notebooks" in line


def test_the_review_data_does_not_make_the_site_notebook_stale(tmp_path):
    root = _project(tmp_path)
    claims = root / "data" / REVIEW / "claims.csv"
    claims.write_text(claims.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert build.stale_notebooks(root, ["05-site"]) == {}


def test_the_committed_site_notebook_records_the_site_it_read():
    nb = json.loads((ROOT / "notebooks" / "05-site.ipynb").read_text(encoding="utf-8"))
    recorded = nb["metadata"][build.FINGERPRINT_KEY]
    assert recorded["reads"] == ["tests/fixtures/site"]
    assert "tests/fixtures/site/records.json" in recorded["data"]
    assert not any(path.startswith("data/") for path in recorded["data"])
