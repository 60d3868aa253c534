"""The annotated bibliography: real CSL styles (citeproc-py), the known citeproc-py flaws worked
around, HTML safety, and annotations whose every count matches the review's data."""

from __future__ import annotations

import copy
import csv
import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from evidence_review.records import csl
from evidence_review.records.doi import normalise
from evidence_review.report import bibliography
from evidence_review.report import session as api
from evidence_review.report.bibliography import annotated_bibliography, bibliography_entries, format_reference

ROOT = Path(__file__).resolve().parents[1]
REVIEW = "muscle-spasm"
DATA = ROOT / "data" / REVIEW


# --- the review -----------------------------------------------------------------------------------

def record_facts() -> dict[str, dict]:
    """The confirmed Crossref work messages of data/muscle-spasm/record-facts.yaml, by DOI."""
    facts = yaml.safe_load((DATA / "record-facts.yaml").read_text(encoding="utf-8"))
    return {normalise(w["message"]["DOI"]): w["message"] for w in facts["works"]}


def open_session(root: Path = ROOT) -> api.ReviewSession:
    """The muscle-spasm review with its committed (reconstructed) Crossref snapshot."""
    return api.open_review(REVIEW, root)


def claims_rows() -> list[dict]:
    """claims.csv read with the csv module only, as an independent check of the package."""
    with (DATA / "claims.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def refs_of(row: dict) -> list[str]:
    return [r.strip() for r in row["refs"].split(";") if r.strip()]


@pytest.fixture(scope="module")
def session() -> api.ReviewSession:
    return open_session()


class Tags(HTMLParser):
    """Every start tag and its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(fragment: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(fragment)
    return parser.tags


# --- format_reference ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def swash() -> dict:
    return csl.from_crossref(record_facts()["10.1111/ene.13799"])


def test_ama_citation_of_a_known_record_has_every_part(swash):
    text = format_reference(swash, "ama", links=False)
    # the record holds no journal abbreviation (not confirmed), so AMA prints the full name
    assert text == ("Swash M, Czesnik D, de Carvalho M. Muscular cramp: causes and management. "
                    "<i>European Journal of Neurology</i>. 2019;26:214-221. doi:10.1111/ene.13799")


def test_ama_citation_links_the_doi(swash):
    text = format_reference(swash)
    assert '<a href="https://doi.org/10.1111/ene.13799">doi:10.1111/ene.13799</a>' in text
    assert not re.match(r"\s*\d", text), "citeproc's own number (glued '1.Swash') must be gone"


def test_ama_more_than_six_authors_uses_et_al():
    message = record_facts()["10.1136/pn-2022-003574"]
    text = format_reference(csl.from_crossref(message), links=False)
    assert text.startswith("Dijkstra JN, Boon E, Kruijt N, et al. Muscle cramps and contractures")
    assert "<i>Pract Neurol</i>" in text and "23(1):23-34" in text


@pytest.mark.parametrize("style", sorted(bibliography.STYLES))
def test_title_markup_and_ampersand_are_escaped(swash, style):
    hostile = {**swash, "title": 'Cramps & spasms <script>alert("x")</script>',
               "author": [{"family": "O'Brien <b>", "given": "A."}]}
    text = format_reference(hostile, style)
    assert "<script" not in text and "<b>" not in text
    assert "Cramps &amp; spasms &lt;script&gt;" in text
    assert {t for t, _ in tags(text)} <= {"i", "b", "sub", "sup", "a"}


def test_vancouver_dates_are_spaced_as_nlm_prints_them(swash):
    dated = {**swash, "issued": {"date-parts": [[2019, 3, 15]]}}
    text = format_reference(dated, "vancouver", links=False)
    assert "2019 Mar 15;26:214–21" in text and "2019Mar15" not in text
    web = {"type": "webpage", "title": "Baclofen", "author": [{"literal": "MedlinePlus"}],
           "URL": "https://medlineplus.gov/x.html", "issued": {"date-parts": [[2019]]},
           "accessed": {"date-parts": [[2025, 1, 2]]}}
    assert "[cited 2025 Jan 2]" in format_reference(web, "vancouver")


def test_apa_style_is_selectable(swash):
    text = format_reference(swash, "apa", links=False)
    assert text.startswith("Swash, M., Czesnik, D., &amp; de Carvalho, M. (2019). Muscular cramp")
    assert "https://doi.org/10.1111/ene.13799" in text


def test_unknown_style_is_refused(swash):
    with pytest.raises(ValueError, match="ama, vancouver, apa"):
        format_reference(swash, "chicago")


def test_item_is_not_modified(swash):
    before = copy.deepcopy(swash)
    format_reference(swash, "vancouver")
    assert swash == before


# --- the annotated bibliography ----------------------------------------------------------------------

def entries_by_anchor(fragment: str) -> dict[str, str]:
    """The HTML of each ``bib-entry`` keyed by its id."""
    parts = re.split(r'(?=<div class="bib-entry" id=")', fragment)
    return {re.match(r'<div class="bib-entry" id="([^"]+)"', p).group(1): p
            for p in parts if p.startswith('<div class="bib-entry"')}


def test_one_entry_per_reference_in_list_order(session):
    html = annotated_bibliography(session)
    numbers = [r.number for r in session.cited]
    assert list(entries_by_anchor(html)) == [f"ref-{n}" for n in numbers]


def test_claims_and_verdict_counts_match_the_claims_table(session):
    entries = entries_by_anchor(annotated_bibliography(session))
    rows = claims_rows()
    for ref in session.cited:
        citing = [r for r in rows if ref.number in refs_of(r)]
        text = entries[f"ref-{ref.number}"]
        linked = re.findall(r'href="#claim-(C\w+)"', text.split("<b>How accurately:</b>")[0])
        assert linked == [r["id"] for r in citing]
        accuracy = re.search(r"<b>How accurately:</b> (.*?)</p>", text).group(1)
        if citing:
            assert accuracy.startswith(f"{len(citing)} claim")
            for verdict in {r["verdict"] for r in citing}:
                n = sum(r["verdict"] == verdict for r in citing)
                assert f"{n} {verdict.replace('-', ' ')}" in accuracy


def test_design_level_note_and_audit_status_come_from_the_data(session):
    entries = entries_by_anchor(annotated_bibliography(session))
    sources = yaml.safe_load((DATA / "sources.yaml").read_text(encoding="utf-8"))["references"]
    statuses = {r.ref: r.status for r in session.audit.references}
    for number, source in sources.items():
        text = entries[f"ref-{number}"]
        assert f"level {source['cebm_level']}" in text
        assert source["design"].replace("-", " ") in text
        note = " ".join(source["annotation"].split()).replace("'", "&#x27;")
        assert note[:80] in text
        assert f"<b>Reference audit:</b> {statuses[number]};" in text
    assert "AAN classification of evidence" in entries["ref-3"]  # a native grade is shown


def test_entries_model_matches_the_html(session):
    for entry in bibliography_entries(session):
        assert sum(entry.verdicts.values()) == len(entry.cited_for)
        assert entry.from_record == (entry.status in ("matched", "repaired"))


def test_bibliography_is_safe_html_even_with_hostile_notes(session):
    hostile = copy.copy(session)
    hostile.__dict__.update(session.__dict__)
    sources = dict(session.sources)
    sources["1"] = dataclasses.replace(sources["1"], annotation="<script>alert(1)</script> & <img src=x>")
    hostile.__dict__["sources"] = sources
    html = annotated_bibliography(hostile)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x&gt;" in html
    allowed = {"div", "p", "span", "a", "i", "b", "em", "strong", "sub", "sup"}
    found = tags(html)
    assert {t for t, _ in found} <= allowed
    for tag, attrs in found:
        assert not {k for k in attrs if k.startswith("on") or k in ("style", "src")}
        if tag == "a":
            assert re.match(r"^(#(claim|ref)-\w+|https://doi\.org/|https?://)", attrs["href"])


@pytest.mark.parametrize("style", ["vancouver", "apa"])
def test_other_styles_render_the_whole_bibliography(session, style):
    html = annotated_bibliography(session, style)
    assert len(entries_by_anchor(html)) == len(session.cited)
    assert f'data-style="{style}"' in html
