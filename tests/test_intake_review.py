"""Issue 13: the article's own errors are findings, a review starts offline, `parse` reads a page."""

import json
import shutil
from pathlib import Path

import pytest

from evidence_review.cli import main as cli
from evidence_review.core.paths import Review
from evidence_review.report import session as api
from evidence_review.workflow import init

ROOT = Path(__file__).resolve().parents[1]
TEXT = Path(__file__).parent / "fixtures" / "articles" / "sleep-blood-pressure.txt"


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setattr(init, "fetch_references", lambda *a, **k: 0)
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data" / "evidence-levels.yaml", tmp_path / "data")
    return tmp_path


def _page(tmp_path, body_extra="", refs=True):
    page = ("Health Site\n\nWhy Walking Helps Your Knees\n\n"
            "Walking every day keeps the knee joint moving and may ease pain in older adults [1]. "
            "A trial of brisk walking found less stiffness after twelve weeks of training [2]. "
            + body_extra + "\n\n")
    if refs:
        page += ("References\n\n1. Ames B, Cole D. Walking and knee pain. Knee J. 2019;4(2):10-19.\n\n"
                 "2. Bose C. Brisk walking trial. Joint Res. 2020;8:100-109.\n")
    path = tmp_path / "page.txt"
    path.write_text(page, encoding="utf-8")
    return path


def test_a_marker_without_a_reference_is_a_finding_not_an_input_error(root, tmp_path, capsys):
    article = _page(tmp_path, "Swimming helps as well, according to one survey [8].")
    assert cli.main(["init", "--root", str(root), str(article), "--name", "knees", "--no-fetch"]) == 0
    assert "marker [8] has no entry" in capsys.readouterr().err
    session = api.open_review("knees", root)
    assert session.check() == []  # the article as published is never edited to make the tool run
    messages = [f.message for f in session.audit.markers]
    assert "The text cites [8] but the list has no reference 8." in messages
    assert cli.main(["check", "--root", str(root), "--review", "knees"]) == 0


def test_offline_review_checks_and_says_not_yet_resolved(root, tmp_path, capsys):
    article = _page(tmp_path)
    assert cli.main(["init", "--root", str(root), str(article), "--name", "knees", "--no-fetch"]) == 0
    assert not (Review.open("knees", root).snapshot_dir / "manifest.json").exists()
    assert cli.main(["check", "--root", str(root), "--review", "knees"]) == 0
    capsys.readouterr()
    assert cli.main(["audit", "--root", str(root), "--review", "knees", "--format", "json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    assert audit["snapshot"]["provenance"] == "not-yet-resolved"
    assert [r["status"] for r in audit["references"]] == ["not-yet-resolved"] * 2
    assert all("Not yet resolved" in r["findings"][0]["message"] for r in audit["references"])


def test_a_page_without_a_list_is_a_review_with_a_finding(root, tmp_path):
    article = _page(tmp_path, refs=False)
    assert cli.main(["init", "--root", str(root), str(article), "--name", "knees", "--no-fetch"]) == 0
    session = api.open_review("knees", root)
    assert session.check() == []
    found = [f for f in session.audit.markers if f.field == "reference-list"]
    assert found and found[0].severity == "major" and "no reference list" in found[0].message


def test_a_list_without_heading_is_a_minor_finding(root, tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(_page(tmp_path).read_text(encoding="utf-8").replace("References\n\n", ""),
                    encoding="utf-8")
    assert cli.main(["init", "--root", str(root), str(path), "--name", "knees", "--no-fetch"]) == 0
    session = api.open_review("knees", root)
    assert len(session.cited) == 2
    assert any("no heading" in f.message for f in session.audit.markers)


def test_parse_prints_the_interface_shape(capsys):
    assert cli.main(["parse", str(TEXT), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"title", "sections", "sentences", "markers", "references", "warnings"} <= set(doc)
    assert doc["title"] == "How Sleep Affects Your Blood Pressure" and doc["sections"] == 5
    assert doc["markers"]["1"] == 3 and len(doc["references"]) == 5
    first = doc["references"][0]
    assert set(first) >= {"ref", "printed", "kind", "authors", "year", "title", "container", "volume",
                          "issue", "pages", "doi", "url", "pmid", "pmcid", "accessed"}
    assert first["authors"][0] == {"family": "Okonkwo", "given": "A. C."}
    assert first["kind"] == "journal" and first["doi"] == "10.5555/jsch.2016.0082"
    assert doc["references"][3]["kind"] == "web"


def test_the_corrected_list_is_printed_in_the_articles_style():
    from evidence_review.audit.corrected import format_in_style
    from evidence_review.intake.references import CitedReference

    ref = CitedReference(number="1", printed="x", authors=["de Carvalho, M. A.", "Lindqvist, AB"], et_al=True,
                         year="2019", title="Muscular cramp", container="Eur J Neurol", volume="26",
                         issue="2", pages="214-221", doi_printed="https://doi.org/10.5555/ene.1")
    assert format_in_style(ref, "ama") == ("de Carvalho MA, Lindqvist AB, et al. Muscular cramp. "
                                           "Eur J Neurol. 2019;26(2):214-221. doi:10.5555/ene.1")
    assert format_in_style(ref, "apa").startswith("de Carvalho, M. A., & Lindqvist, AB, et al. (2019).")
    web = CitedReference(number="2", printed="x", kind="web", organisation="Example Agency",
                         title="Coughs in children", year="2023", accessed="January 9, 2024",
                         url="https://www.example.org/children/coughs")
    assert format_in_style(web, "ama") == ("Example Agency. Coughs in children. Published 2023. Accessed "
                                           "January 9, 2024. https://www.example.org/children/coughs")


def test_et_al_is_never_a_person_in_bibtex_and_reads_back(tmp_path):
    from evidence_review.intake import citedbib
    from evidence_review.intake.references import CitedReference

    ref = CitedReference(number="1", printed="Khan SU, Osei K, et al. T. J. 2020;1:2.",
                         authors=["Khan, SU", "Osei, K"], et_al=True, title="T")
    text = citedbib.cited_text([ref], "x")
    assert "author = {Khan, SU and Osei, K and others}" in text
    path = tmp_path / "cited.bib"
    path.write_text(text, encoding="utf-8")
    assert citedbib.read_cited(path) == [ref]
