"""Rules across claims and sources (appraisal/consistency.py), on small hand-written fixtures."""

import pytest

from evidence_review.appraisal import consistency
from evidence_review.appraisal.evidence import Scheme, Source

SCHEME = Scheme(
    name="test scheme",
    levels={"1": {"designs": ["sr"], "rationale_terms": ["systematic review"]},
            "2": {"designs": ["rct"], "rationale_terms": ["randomised trial"]},
            "5": {"designs": ["narrative"]}},
    designs={"sr": "s", "rct": "r", "narrative": "n", "guideline": "g"},
    sort_grades=[], sort_rule="")


def claim(cid, ref, locator, basis, verdict="supported"):
    refs = ref if isinstance(ref, list) else [ref]
    return {"id": cid, "refs": refs, "locator": locator, "basis": basis, "verdict": verdict}


def source(ref, design, level, rationale="r", claim_levels=None, store=None):
    raw = {"located_in_store": store} if store is not None else {}
    return Source(ref=ref, design=design, cebm_level=level, rationale=rationale,
                  claim_levels=claim_levels or {}, raw=raw)


# --- one basis per place in a source ----------------------------------------------------------------
def test_same_locator_with_two_bases_is_one_problem_naming_both_claims():
    rows = [claim("C01", "2", "Introduction para 1 (p. 3)", "full-text"),
            claim("C02", "2", "introduction  para 1 (p. 3).", "abstract")]
    problems = consistency.locator_basis_problems(rows, "claims.csv")
    assert len(problems) == 1
    assert "C01" in problems[0].message and "C02" in problems[0].message
    assert problems[0].field == "basis"


def test_same_locator_same_basis_or_other_reference_is_fine():
    rows = [claim("C01", "2", "Abstract", "abstract"), claim("C02", "2", "Abstract", "abstract"),
            claim("C03", "3", "Abstract", "full-text"), claim("C04", "2", "Abstract", "none"),
            claim("C05", ["2", "3"], "Abstract", "full-text")]
    assert consistency.locator_basis_problems(rows, "claims.csv") == []


def test_a_place_read_as_full_text_cannot_be_abstract_when_cited_with_the_abstract():
    rows = [claim("C04", "2", "Introduction para 1 (p. 23)", "full-text"),
            claim("C02", "2", "Abstract; Introduction para 1 (p. 23)", "abstract"),
            claim("C03", "2", "Introduction para 1 (p. 23); Abstract", "abstract")]
    problems = consistency.locator_basis_problems(rows, "claims.csv")
    assert len(problems) == 1, problems
    assert all(cid in problems[0].message for cid in ("C02", "C03", "C04"))


def test_a_more_direct_basis_for_a_wider_locator_is_fine():
    rows = [claim("C01", "1", "Abstract", "abstract"),
            claim("C02", "1", "Abstract; Introduction para 1", "full-text")]
    assert consistency.locator_basis_problems(rows, "claims.csv") == []


# --- levels against the scheme ---------------------------------------------------------------------
def test_a_design_fixed_at_one_level_cannot_be_given_another():
    problems = consistency.level_problems({"1": source("1", "narrative", "1")}, SCHEME, "sources.yaml")
    assert [p.field for p in problems] == ["references.1.cebm_level"]
    assert "level 5" in problems[0].message


def test_a_guideline_rationale_must_name_the_evidence_of_its_level():
    trials_only = source("3", "guideline", "1", rationale="Its conclusion rests on two randomised trials.")
    problems = consistency.level_problems({"3": trials_only}, SCHEME, "sources.yaml")
    assert [p.field for p in problems] == ["references.3.rationale"]
    assert "systematic review" in problems[0].message
    fixed = source("3", "guideline", "1", rationale="A Systematic Review of randomised trials.")
    assert consistency.level_problems({"3": fixed}, SCHEME, "sources.yaml") == []


def test_a_per_claim_level_cannot_be_better_than_the_source():
    src = source("3", "rct", "2", claim_levels={"C30": {"level": "1", "reason": "x"},
                                                "C31": {"level": "5", "reason": "y"}})
    problems = consistency.level_problems({"3": src}, SCHEME, "sources.yaml")
    assert len(problems) == 1 and "C30" in problems[0].message


def test_consistent_and_pending_sources_pass():
    sources = {"1": source("1", "narrative", "5"), "2": source("2", "sr", "1"),
               "4": source("4", "unassessed", "")}
    assert consistency.level_problems(sources, SCHEME, "sources.yaml") == []


# --- locators name stored copies of the cited source -----------------------------------------------
STORE = ["https://www.example.org/page/1", "https://news.example.net/item"]


def test_a_locator_naming_another_site_is_a_problem_with_its_row():
    sources = {"5": source("5", "narrative", "5", store=STORE)}
    rows = [claim("C65", "5", "Uses as restated by other-site.com; page not read", "secondary-summary")]
    problems = consistency.locator_host_problems(rows, sources, "claims.csv", rows={"C65": 66})
    assert len(problems) == 1
    assert problems[0].row == 66 and "other-site.com" in problems[0].message


@pytest.mark.parametrize("locator", [
    "Uses as restated by example.org (p. 2)", "Press release (www.example.org, 23 Feb 2010); Abstract",
    "example.net summary", "Abstract, Conclusions (e.g. p. 23; i.e. the end)", "Table 2.5a"])
def test_stored_hosts_and_ordinary_text_pass(locator):
    sources = {"5": source("5", "narrative", "5", store=STORE)}
    assert consistency.locator_host_problems([claim("C01", "5", locator, "abstract")], sources, "c") == []


def test_no_store_recorded_means_nothing_to_compare():
    sources = {"5": source("5", "narrative", "5")}
    rows = [claim("C01", "5", "other-site.com", "secondary-summary")]
    assert consistency.locator_host_problems(rows, sources, "claims.csv") == []
