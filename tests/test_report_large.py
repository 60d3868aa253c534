"""A large review's report (issue 19, item 5): the findings that need action, capped and worst first;
charts that draw at most CHART_MAX_BARS sources; an editor's summary that stays a summary.

Checked on a stand-in session (plain objects and a claims frame shaped like ReviewSession's), so no
review of 1,000 references is built here; ``benchmarks/bench_build.py --pdf-refs 1000`` builds one.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from evidence_review.audit.findings import Finding
from evidence_review.report import pdf_scope, views
from evidence_review.report.session import open_review

ROOT = Path(__file__).resolve().parents[1]
VERDICT_CYCLE = ["supported", "partially-supported", "unsupported", "contradicted", "not-verifiable"]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def large_session(refs: int = 300, claims: int = 1200) -> SimpleNamespace:
    rows = [{"id": f"C{i:04d}", "section": "Findings", "verdict": VERDICT_CYCLE[i % 5],
             "refs": [str(i % refs + 1)], "needs_citation": False, "would_support": [],
             "text": f"Claim {i}.", "note": ""} for i in range(1, claims + 1)]
    rows += [{"id": "C9999", "section": "Findings", "verdict": "uncited", "refs": [],
              "needs_citation": True, "would_support": [], "text": "Uncited.", "note": ""}]
    references = []
    for i in range(1, refs + 1):
        findings = [Finding("year", "minor", "2001", "2002", f"Year of [{i}] differs.", "2002")]
        if i % 100 == 0:  # 3 references with a major error, listed first
            findings.append(Finding("doi", "major", "10.5555/x", "10.5555/y", "Wrong DOI.", "10.5555/y"))
        findings.append(Finding("issue", "could-not-check", "1", None, "Not on record.", None))
        references.append(SimpleNamespace(ref=str(i), findings=findings))
    return SimpleNamespace(claims=pd.DataFrame(rows), audit=SimpleNamespace(references=references))


def test_the_default_review_has_no_digest_and_a_whole_summary():
    session = open_review("muscle-spasm", ROOT)
    assert views.action_digest(session) is None  # under the limit: its PDF is the whole report
    assert " more in " not in _text(views.editors_summary(session))
    assert "Drawn: the" not in views.verdicts_chart(session)


def test_digest_lists_the_worst_findings_first_capped_with_the_rest_counted():
    session = large_session()
    html = views.action_digest(session)
    text = _text(html)
    cap = pdf_scope.PDF_ACTION_MAX
    assert "This review has 300 references and 1,201 claims, more than 150" in text
    assert "editor's PDF" in text and "--full-pdf" in text
    for name, _kind in pdf_scope.OMITTABLE.values():  # the HTML names every part the PDF leaves out
        assert name[0].lower() + name[1:] in text
    refs_table, claims_table = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
    severities = re.findall(r'<tr class="s-(\w+)"', refs_table)
    assert severities == ["major"] * 3 + ["minor"] * (cap - 3)  # majors first; could-not-check never
    assert "303 major or minor errors in 300 references of 300" in text
    assert f"The {cap} worst of 303 findings: {303 - cap} more in the HTML report" in text
    verdicts = re.findall(r'<tr class="v-([\w-]+)"', claims_table)
    assert len(verdicts) == cap and verdicts[0] == "contradicted"
    assert verdicts == sorted(verdicts, key=lambda v: views.SEVERITY[v])
    fix = len(views.fix_list(session))
    assert f"{fix:,} claims of 1,201" in text and f"{fix - cap:,} more in the HTML report" in text


def test_a_chart_draws_the_sources_that_matter_most_and_says_so():
    table_ = pd.DataFrame({"supported": [1] * 1000, "unsupported": [0] * 1000},
                          index=[f"S{i} [{i}]" for i in range(1, 1001)])
    table_.loc["S500 [500]", "unsupported"] = 4
    table_.loc["S7 [7]", "supported"] = 9
    drawn, sentence = views._busiest(table_, ["unsupported"], "with the most claims unsupported")
    assert len(drawn) == views.CHART_MAX_BARS
    assert list(drawn.index[:3]) == ["S500 [500]", "S7 [7]", "S1 [1]"]  # worst, then most, then order
    assert f"the {views.CHART_MAX_BARS} of the 1,000 sources with the most claims unsupported" in sentence
    small = table_.head(5)
    assert views._busiest(small, ["unsupported"], "x") == (small, "")


@pytest.mark.parametrize("with_text", [True, False])
def test_editors_summary_lists_are_capped(with_text):
    rows = pd.DataFrame({"id": [f"C{i:03d}" for i in range(1, 121)], "refs": [["1"]] * 120,
                         "text": ["A claim."] * 120})
    html = views._claim_items(rows, with_text)
    shown = views.SUMMARY_MAX_WRITTEN if with_text else views.SUMMARY_MAX_LINKED
    assert html.count('href="#claim-C') == shown
    assert f"and {120 - shown} more in the claims table" in html
    assert views._claim_items(rows.head(3), with_text).count("more in") == 0
