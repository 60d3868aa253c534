"""What the report's views say and how they are marked up, checked on the default review's data
without building it (fast): words from data, no maintainer text, accessible charts and tables."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from evidence_review.report import charts, views
from evidence_review.report.html import table
from evidence_review.report.session import open_review

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def session():
    return open_review("muscle-spasm", ROOT)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_methods_count_what_was_read_from_the_claims_table(session):
    text = _text(views.methods(session))
    claims = session.claims
    cited = claims[claims["refs"].map(len) > 0]
    for basis, n in cited["basis"].value_counts().items():
        assert f"{views.BASIS_TEXT[basis]} for {n}" in text, basis
    assert f"the {len(cited)} cited claims" in text.lower()
    assert session.scheme.name in text  # named from data/evidence-levels.yaml, not typed in code


def test_editor_facing_text_has_no_markup_residue_or_maintainer_instruction(session):
    for view in (views.methods, views.snapshot_note, views.editors_summary, views.key_findings,
                 views.recommendations):
        text = _text(view(session))
        assert "`" not in text, view.__name__
        assert "--refresh" not in text and "Replace with" not in text, view.__name__


def test_claims_table_shows_the_articles_words_beside_the_paraphrase(session):
    html = views.claims_table(session)
    row = session.claims.iloc[0]
    assert f"<q>{views.esc(row['quote'])}</q>" in html
    assert views.esc(row["text"]) in html


def test_editors_summary_lists_fixes_worst_first_with_links(session):
    html = views.editors_summary(session)
    assert "Verdict:" in html
    fixes = re.search(r'<ol class="fixes">(.*)</ol>', html, re.S).group(1)
    linked = re.findall(r'href="#(claim-C\d+|ref-\d+)"', fixes)
    worst = views.fix_list(session)
    wrong = worst[worst["verdict"].isin(["contradicted", "unsupported"])]["id"]
    assert {f"claim-{c}" for c in wrong} <= set(linked)
    # a major reference error comes before the claims, claims before the minor errors
    order = [m.group(0) for m in re.finditer(r"<li><b>[^<]+", fixes)]
    assert order and order[0].startswith("<li><b>Correct reference")
    assert order[-1].startswith("<li><b>Tidy")


def test_corrected_list_is_numbered_once(session):
    html = views.corrected_reference_list(session)
    assert '<li value="1">' in html and "[1]" not in _text(html)


def test_record_lines_never_end_a_part_with_two_full_stops():
    record = {"author": [{"family": "Doe", "given": "J."}], "issued": {"date-parts": [[2020]]},
              "title": "Does it work?", "container-title": "J Test.", "volume": "3", "DOI": "10.5555/x"}
    line = views._record_line(record)
    assert ".." not in line and "?." not in line


def test_readability_says_the_smog_caveat_once(session):
    text = _text(views.quality_section(session))
    assert text.count("SMOG was calibrated") == 1
    assert "not meaningful" not in text


def test_each_stage_has_a_next_step(session):
    for stage in ("references", "claims", "report"):
        assert "<li>" in views.next_steps(session, stage)


def test_chart_svgs_are_labelled_images_in_an_accessible_palette():
    data = pd.DataFrame({"supported": [2, 0], "unsupported": [1, 3]}, index=["Doe 2020 [1]", "Roe 2019 [2]"])
    svg = charts.stacked_bars(data, charts.VERDICT_COLOURS, "Verdicts", "claims",
                              hatches=charts.VERDICT_HATCHES, name="t")
    opened = re.findall(r"<svg[^>]*>", svg)
    assert len(opened) == 2 and all('role="img"' in s for s in opened)
    assert svg.count("<title") == 2
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1)
    assert "Doe 2020 [1]: 3 claims (2 supported, 1 unsupported)" in desc
    assert "Roe 2019 [2]: 3 claims (3 unsupported)" in desc
    assert charts.VERDICT_COLOURS["supported"].lower() in svg.lower()
    assert "<pattern" in svg  # hatching: the series differ without colour too
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert len(ids) == len(set(ids))
    widths = [float(w) for w in re.findall(r'<svg[^>]*width="([\d.]+)pt"', svg)]
    assert widths[1] <= charts.NARROW_PT + 0.5 and widths[0] <= charts.WIDE_PT + 0.5


def test_a_chart_is_drawn_once_per_process_for_the_same_counts(monkeypatch, tmp_path):
    monkeypatch.setenv("EVIDENCE_REVIEW_CACHE", str(tmp_path))  # no drawing kept by an earlier test
    drawn = []
    real = charts._draw
    monkeypatch.setattr(charts, "_draw", lambda *a: drawn.append(a[4]) or real(*a))
    monkeypatch.setattr(charts, "_FITTED", {})
    counts = pd.DataFrame({"supported": [2, 1], "unsupported": [0, 3]}, index=["Study A", "Study B"])
    first = charts.stacked_bars(counts, charts.VERDICT_COLOURS, "Verdicts", "claims")
    assert len(drawn) >= 2  # wide and narrow, each fitted to its width
    n = len(drawn)
    assert charts.stacked_bars(counts.copy(), charts.VERDICT_COLOURS, "Verdicts", "claims") == first
    assert len(drawn) == n
    changed = counts.copy()
    changed.iloc[0, 0] = 3
    assert charts.stacked_bars(changed, charts.VERDICT_COLOURS, "Verdicts", "claims") != first
    assert len(drawn) > n
    n = len(drawn)
    other = charts.stacked_bars(counts, {**charts.VERDICT_COLOURS, "supported": "#000000"}, "Verdicts",
                                "claims")
    assert other != first and len(drawn) > n


def test_legend_reads_in_the_order_the_segments_run():
    handles = list("abcde")
    order = charts._legend_order(handles, 3)  # matplotlib fills columns first
    nrow = 2
    rows = [[order[c * nrow + r] for c in range(3) if c * nrow + r < len(order)] for r in range(nrow)]
    assert [h for row in rows for h in row] == handles


def test_tables_label_every_cell_and_are_reachable_regions():
    html = table(pd.DataFrame({"a": ["x"], "b": ["https://example.org/" + "p" * 40]}), {"a": "A", "b": "B"},
                 label="Example")
    assert 'data-label="A"' in html and 'data-label="B"' in html
    assert 'role="region" tabindex="0" aria-label="Example"' in html
    assert '<span class="brk">https://example.org/' in html
