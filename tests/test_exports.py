"""Each export parsed back with a standard reader (bibtexparser, rispy, json), its counts checked
against the review's data, and the ClaimReview fields schema.org and fact-check readers rely on."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import bibtexparser
import pytest
import rispy
from projects import copy_project
from test_bibliography import claims_rows, open_session, refs_of

from evidence_review.core.errors import InputError
from evidence_review.intake.references import CitedReference
from evidence_review.report import exports


@pytest.fixture(scope="module")
def session():
    return open_session()


@pytest.fixture(scope="module")
def rendered(session) -> dict[str, str]:
    return {fmt: exports.render(session, fmt) for fmt in exports.FORMATS}


def reviewed_rows() -> list[dict]:
    return [r for r in claims_rows() if r["verdict"] not in ("uncited", "")]


# --- BibTeX ----------------------------------------------------------------------------------------

def test_bibtex_parses_cleanly_with_one_entry_per_reference(session, rendered):
    library = bibtexparser.parse_string(rendered["bibtex"])
    assert library.failed_blocks == []
    assert [e.key for e in library.entries] == [f"ref{r.number}" for r in session.cited]
    assert rendered["bibtex"].startswith("% Corrected reference list")
    assert "evidence-review build --review muscle-spasm" in rendered["bibtex"]


def test_bibtex_holds_the_corrections_not_the_printed_errors(rendered):
    entries = {e.key: {f.key: f.value for f in e.fields}
               for e in bibtexparser.parse_string(rendered["bibtex"]).entries}
    assert entries["ref3"]["doi"] == "10.1212/wnl.0b013e3181d0ccca"  # printed as "1212/wnl..."
    assert entries["ref1"]["year"] == "2019"  # printed 2018, the record says 2019
    assert entries["ref1"]["pages"] == "214--221"
    assert "de Carvalho, M." in entries["ref1"]["author"]
    assert entries["ref5"]["url"].startswith("https://medlineplus.gov/")


def test_bibtex_escapes_latex_specials_and_refuses_unbalanced_braces():
    ref = CitedReference(number="9", printed="", authors=["Doe, J."], title="Salt & water: 5% of #1",
                         container="J", year="2020", doi_printed="10.1000/a_b%c")
    fields = {f.key: f.value for f in exports.bibtex_entry(ref).fields}
    assert fields["title"] == r"Salt \& water: 5\% of \#1"
    assert fields["doi"] == "10.1000/a_b%c"  # identifiers stay raw
    with pytest.raises(InputError, match=r"\[9\] has unbalanced braces in 'title'"):
        exports.bibtex_entry(CitedReference(number="9", printed="", title="A {broken title"))


def test_corrected_bib_is_written_deterministically(tmp_path):


    copy_project(tmp_path)
    path = exports.write_corrected_bib(open_session(tmp_path))
    assert path == tmp_path / "refs" / "muscle-spasm" / "corrected.bib"
    text = path.read_text(encoding="utf-8")
    assert exports.write_corrected_bib(open_session(tmp_path)).read_text(encoding="utf-8") == text
    assert bibtexparser.parse_string(text).failed_blocks == []
    assert text.startswith("% Corrected reference list") and "do not edit" in text


# --- RIS and CSL-JSON ---------------------------------------------------------------------------

def test_ris_reads_back_with_every_reference(session, rendered):
    records = rispy.loads(rendered["ris"])
    assert [r["id"] for r in records] == [f"ref{r.number}" for r in session.cited]
    assert not re.search(r"^\d+\.$", rendered["ris"], re.M), "rispy's counter lines are not RIS"
    by_id = {r["id"]: r for r in records}
    assert by_id["ref1"]["type_of_reference"] == "JOUR"
    assert (by_id["ref1"]["start_page"], by_id["ref1"]["end_page"]) == ("214", "221")
    assert by_id["ref3"]["doi"] == "10.1212/wnl.0b013e3181d0ccca"
    assert by_id["ref5"]["type_of_reference"] == "ELEC"
    assert by_id["ref5"]["authors"] == ["MedlinePlus"]


def test_csl_json_is_a_list_of_items_keyed_like_the_other_exports(session, rendered):
    items = json.loads(rendered["csl-json"])
    assert [i["id"] for i in items] == [f"ref{r.number}" for r in session.cited]
    for item in items:
        assert item["type"] and item["title"]
        assert "published-print" not in item
        assert item["issued"]["date-parts"][0][0] > 1900
    assert items[0]["DOI"] == "10.1111/ene.13799"


# --- ClaimReview -------------------------------------------------------------------------------------

REQUIRED = {"@context", "@type", "url", "claimReviewed", "itemReviewed", "reviewRating", "author",
            "datePublished"}


def test_one_claimreview_per_reviewed_claim(rendered):
    reviews = json.loads(rendered["claimreview"])
    rows = reviewed_rows()
    assert len(reviews) == len(rows)
    assert [r["url"].split("#")[1] for r in reviews] == [f"claim-{row['id']}" for row in rows]
    assert [r["claimReviewed"] for r in reviews] == [row["text"] for row in rows]


def test_claimreview_fields(session, rendered):
    reviews = json.loads(rendered["claimreview"])
    for review in reviews:
        assert REQUIRED <= set(review)
        assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
        assert review["datePublished"] == session.meta.reviewed.isoformat()  # never the clock
        assert review["author"]["name"] == session.meta.reviewers
        item = review["itemReviewed"]
        assert item["@type"] == "Claim"
        assert item["appearance"]["@type"] == "CreativeWork"
        assert item["appearance"]["headline"] == session.meta.title
        assert ("url" in item["appearance"]) == bool(session.meta.url)


def test_ratings_follow_the_documented_scale(rendered):
    by_verdict = {}
    for review, row in zip(json.loads(rendered["claimreview"]), reviewed_rows(), strict=True):
        rating = review["reviewRating"]
        assert rating["@type"] == "Rating" and rating["alternateName"] == row["verdict"]
        by_verdict[row["verdict"]] = rating
    for verdict, rating in by_verdict.items():
        value = exports.RATINGS[verdict]
        if value is None:
            assert not {"ratingValue", "bestRating", "worstRating"} & set(rating)
        else:
            assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (value, 5, 1)
    assert exports.RATINGS["supported"] > exports.RATINGS["partially-supported"] \
        > exports.RATINGS["unsupported"] > exports.RATINGS["contradicted"]


def test_claimreview_url_uses_the_review_url_when_recorded(session):
    meta = SimpleNamespace(**{**vars(session.meta), "raw": {"review": {"url": "https://x.org/r",
                                                                         "reviewers": ["A. One", "B. Two"]}}})
    other = SimpleNamespace(meta=meta, claims=session.claims)
    reviews = exports.claim_reviews(other)
    assert reviews[0]["url"].startswith("https://x.org/r#claim-")
    assert reviews[0]["author"] == [{"@type": "Person", "name": "A. One"},
                                    {"@type": "Person", "name": "B. Two"}]


# --- entry points --------------------------------------------------------------------------------------

def test_counts_equal_the_data(session, rendered):
    n_refs = len({n for r in claims_rows() for n in refs_of(r)} | {r.number for r in session.cited})
    assert len(json.loads(rendered["csl-json"])) == n_refs == len(session.cited)


def test_write_all_writes_the_four_files(session, tmp_path, rendered):
    paths = exports.write_all(session, tmp_path / "exports")
    assert [p.name for p in paths] == ["corrected.bib", "references.ris", "references.csl.json",
                                       "claimreview.jsonld"]
    for path, fmt in zip(paths, exports.FORMATS, strict=True):
        assert path.read_text(encoding="utf-8") == rendered[fmt]


def test_unknown_format_is_an_input_error(session):
    with pytest.raises(InputError, match="choose one of bibtex, ris, csl-json, claimreview"):
        exports.render(session, "endnote")


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_export_command_writes_what_render_gives(session, rendered, tmp_path, fmt):
    from test_bibliography import ROOT

    from evidence_review.cli import main as cli

    out = tmp_path / exports.FILES[fmt]
    assert cli.main(["export", "--root", str(ROOT), "--format", fmt, "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == rendered[fmt]
