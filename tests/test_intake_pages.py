"""Issue 13: what intake reads from the fixture pages, scored against their truth files, and every
page taken from `init` to a built report, with and without a Crossref stand-in.

The pages (tests/fixtures/pages/, written by make_pages.py; fictional works under 10.5555 and
example.org/.com) have the shapes of real consumer-health pages: lists with and without headings
in several languages, numbered or not, before or after the body, footnote boxes, "Trusted Source"
badges, link citations, superscripts (HTML, Unicode, flattened), (n) and author-date markers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from intake_scoring import PAGES, score_all, standin_records, truth_files

from evidence_review.core.paths import Review
from evidence_review.records import fetch
from evidence_review.records.standin import CrossrefStandIn
from evidence_review.report import views
from evidence_review.report.session import open_review
from evidence_review.workflow import build, init

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scores():
    return score_all()


def test_at_least_15_pages_of_different_shapes():
    truths = truth_files()
    assert len(truths) >= 15
    kinds = {json.loads(t.read_text(encoding="utf-8"))["page"].rsplit(".", 1)[1] for t in truths}
    assert kinds == {"html", "txt"}


def test_references_found(scores):
    assert scores["references_found"] >= 0.98, scores["per_page"]
    assert scores["extra"] == 0


def test_markers_precision_and_recall(scores):
    assert scores["marker_precision"] >= 0.95 and scores["marker_recall"] >= 0.95, [
        (p["page"], p["markers_right"], p["markers_true"], p["markers_found"]) for p in scores["per_page"]]


def test_printed_fields_right_per_field(scores):
    low = {f: a for f, a in scores["field_accuracy"].items() if a is not None and a < 0.95}
    assert not low, (low, [m for p in scores["per_page"] for m in p["misses"]])


# --- every page through init -> check -> the report's views, with and without Crossref ----------

VIEWS = ["snapshot_note", "cited_vs_record", "audit_findings", "marker_findings", "corrected_reference_list",
         "claims_summary", "verdicts_chart", "sources_table", "levels_chart", "uncited_chart", "fix_table",
         "claims_table", "title_block", "key_findings", "methods", "quality_section", "recommendations",
         "bibliography", "claim_cards"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    (root / "data").mkdir()
    shutil.copy(ROOT / "data" / "evidence-levels.yaml", root / "data")
    shutil.copytree(ROOT / "data" / "quality", root / "data" / "quality")
    return root


# Every page offline first, then every page with the stand-in: the same page's two runs draw the
# same charts (the counts do not depend on Crossref), so the second, later, finds them in the run's
# cache folder whichever xdist worker drew them.
@pytest.mark.slow
@pytest.mark.parametrize("truth_path", truth_files(), ids=lambda p: p.name.split(".")[0])
@pytest.mark.parametrize("crossref", ["offline", "stand-in"])
def test_every_page_becomes_a_review_that_checks_and_renders(project, truth_path, crossref):
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    name = f"{truth['page'][:2]}-{crossref}"
    init.init_review(PAGES / truth["page"], name, root=project, force=True, progress=lambda line: None)
    review = Review.open(name, project)
    records = standin_records(truth)
    if crossref == "stand-in":
        with CrossrefStandIn(records, rate_limit=1000) as api:
            fetch.fetch(review, base_url=api.base_url)
    session = open_review(name, project)
    assert session.check() == []
    statuses = {r.status for r in session.audit.references}
    if crossref == "offline":
        assert statuses <= {"not-yet-resolved", "not-in-crossref"}
    else:
        assert "not-yet-resolved" not in statuses
        known = {r["DOI"] for r in records}
        assert all(r.status == "matched" for r in session.audit.references
                   if r.cited.doi_printed and r.doi_cited in known), [
            (r.ref, r.status, r.reason) for r in session.audit.references]
    for view in VIEWS:
        assert str(getattr(views, view)(session)) is not None
    build.write_exports(session)
    assert (review.reports_dir / "exports").is_dir()


# The real notebook build of two of these pages (one without a list, one citing by footnote link)
# runs with the new reviews' `build --all` in test_new_review_build.py.
