"""The audit over the real HTTP path: resolve through CrossrefClient against the local stand-in,
store the snapshot, audit it. Covers the cases the reference audit must catch end to end."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from test_resolve import OTHER, PAPER, cited

from evidence_review.audit.fields import audit_review
from evidence_review.records.crossref import CrossrefClient
from evidence_review.records.resolve import records, resolve_references
from evidence_review.records.snapshot import Snapshot, write_snapshot
from evidence_review.records.standin import CrossrefStandIn

RETRACTED = {**copy.deepcopy(PAPER), "updated-by": [
    {"type": "retraction", "source": "retraction-watch", "DOI": "10.5555/cramp.2020.1.retraction",
     "updated": {"date-parts": [[2024, 3, 1]]}, "label": "Retraction"}]}
CORRECTED = {**copy.deepcopy(PAPER), "updated-by": [
    {"type": "correction", "source": "publisher", "DOI": "10.5555/cramp.2020.1.erratum",
     "updated": {"date-parts": [[2026, 1, 5]]}, "label": "Correction"}]}


def audit_through_standin(records_served, refs, tmp_path, article_updated=dt.date(2025, 11, 8),
                          **standin):
    with CrossrefStandIn(records_served, **standin) as api:
        client = CrossrefClient(base_url=api.base_url, backoff=0.01, progress=False)
        resolutions = resolve_references(refs, client)
        seen = [r.kind for r in api.requests()]
    snapshot = write_snapshot(tmp_path / "crossref", records(resolutions),
                              {n: r.to_dict() for n, r in resolutions.items()},
                              provenance="crossref-api", retrieved="2026-11-28",
                              base_url="stand-in", client="test", review="demo")
    result = audit_review(refs, Snapshot.load(tmp_path / "crossref"),
                          article_updated=article_updated)
    return result.references[0], seen, snapshot


def majors(ref_audit, field=None):
    return [f for f in ref_audit.findings if f.severity == "major" and field in (None, f.field)]


def test_retraction_before_the_article_update_is_the_articles_error(tmp_path):
    audit, _, _ = audit_through_standin([RETRACTED], [cited()], tmp_path)
    (finding,) = [f for f in majors(audit) if "retract" in f.message.lower()]
    assert "2024" in finding.message


def test_correction_after_the_article_update_is_news_for_the_editor(tmp_path):
    audit, _, _ = audit_through_standin([CORRECTED], [cited()], tmp_path)
    assert any("correct" in f.message.lower() for f in majors(audit))


def test_doi_that_resolves_to_a_different_paper_is_refused(tmp_path):
    # the printed DOI belongs to OTHER; the right paper is not in the stand-in at all
    wrong = {**copy.deepcopy(OTHER), "DOI": "10.5555/cramp.2020.1"}
    audit, seen, snapshot = audit_through_standin([wrong], [cited()], tmp_path)
    assert audit.status != "matched" and audit.doi is None
    assert snapshot.works() == {}  # nothing wrong was stored
    assert majors(audit, "doi")
    assert "query" in seen  # it looked for the cited paper by bibliographic query


def test_bibliographic_query_with_no_acceptable_match(tmp_path):
    audit, seen, _ = audit_through_standin([OTHER], [cited(doi=None)], tmp_path)
    assert audit.status == "not-found"
    assert seen.count("query") == 1


def test_broken_doi_is_repaired_and_verified(tmp_path):
    audit, _, snapshot = audit_through_standin([PAPER], [cited(doi="https://doi.org/5555/cramp.2020.1")],
                                               tmp_path)
    assert audit.status == "repaired" and audit.doi == "10.5555/cramp.2020.1"
    assert snapshot.work("10.5555/cramp.2020.1")["title"] == PAPER["title"]
    assert majors(audit, "doi")[0].suggestion == "10.5555/cramp.2020.1"


@pytest.mark.parametrize("agency", ["datacite"])
def test_404_names_the_registration_agency_once(tmp_path, agency):
    ref = cited(doi="10.5061/dryad.example")
    audit, seen, _ = audit_through_standin([], [ref], tmp_path,
                                           other_agency={"10.5061/dryad.example": agency})
    assert seen.count("agency") == 1
    assert audit.status == "not-in-crossref"  # registered, but with another agency
    assert agency in (audit.reason or "").lower() or any(agency in f.message.lower()
                                                          for f in audit.findings)


def test_a_doi_printed_alone_is_the_cited_work_not_a_different_one(tmp_path):
    from test_resolve import HYDRATION, LINK

    from evidence_review.intake.references import CitedReference

    ref = CitedReference(number="1", printed=LINK, doi_printed="https://doi.org/10.5555/hyd.2020.031")
    audit, seen, snapshot = audit_through_standin([HYDRATION], [ref], tmp_path)
    assert (audit.status, audit.doi) == ("matched", "10.5555/hyd.2020.031")
    assert not majors(audit, "doi") and "query" not in seen
    assert audit.reason.startswith("Only the DOI is printed")
    assert set(snapshot.works()) == {"10.5555/hyd.2020.031"}
    # the link reaches the work: no title or journal printed is minor for it (major for a list entry)
    assert not [f for f in audit.findings if f.severity == "major"]
    minors = {f.field: f.message for f in audit.findings if f.severity == "minor"}
    assert "only a DOI link" in minors["title"] and "only a DOI link" in minors["journal"]


def test_a_full_reference_whose_doi_is_another_work_keeps_the_finding(tmp_path):
    from test_resolve import HYDRATION

    wrong = {**copy.deepcopy(HYDRATION)}
    ref = cited("https://doi.org/10.5555/hyd.2020.031")
    audit, _, _ = audit_through_standin([wrong], [ref], tmp_path)
    assert audit.status == "not-found" and audit.doi is None
    (finding,) = majors(audit, "doi")
    assert "different work" in finding.message
