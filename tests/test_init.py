"""`evidence-review init`: a new review from an article file, data only."""

import shutil
from pathlib import Path

import pytest
import yaml

from evidence_review.appraisal import claims, evidence
from evidence_review.cli import main as cli
from evidence_review.core.errors import InputError
from evidence_review.core.paths import Review
from evidence_review.intake import citedbib as bib
from evidence_review.report import session as api
from evidence_review.workflow import init

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = Path(__file__).parent / "fixtures" / "articles"
HTML = ARTICLES / "vitamin-d-falls.html"
TEXT = ARTICLES / "sleep-blood-pressure.txt"


@pytest.fixture(autouse=True)
def no_fetch(monkeypatch):
    """Crossref is never asked from these tests unless one puts the real fetch back (no network)."""
    monkeypatch.setattr(init, "fetch_references", lambda *a, **k: 0)


@pytest.fixture
def root(tmp_path):
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data" / "evidence-levels.yaml", tmp_path / "data")
    return tmp_path


def _init(root, article, name, *extra):
    return cli.main(["init", "--root", str(root), str(article), "--name", name, *extra])


@pytest.mark.parametrize("article, name, style, n_refs, web", [
    (HTML, "vitamin-d", "ama", 6, {"3", "6"}),
    (TEXT, "sleep", "apa", 5, {"4"}),
])
def test_init_writes_the_review_files(root, article, name, style, n_refs, web, capsys):
    assert _init(root, article, name, "--no-fetch") == 0
    review = Review.open(name, root)
    suffix = article.suffix
    for path in (review.data_dir / f"article.original{suffix}", review.article, review.review_meta,
                 review.cited_bib, review.data_dir / "candidates.csv", review.claims, review.sources):
        assert path.is_file(), path
    assert (review.data_dir / f"article.original{suffix}").read_bytes() == article.read_bytes()
    meta = yaml.safe_load(review.review_meta.read_text(encoding="utf-8"))["article"]
    assert meta["citation_style"] == style and meta["non_claim_sections"] == ["Disclaimer"]
    assert meta["original"] == f"article.original{suffix}" and meta["last_updated"] is not None
    refs = bib.read_cited(review.cited_bib)
    assert len(refs) == n_refs and {r.number for r in refs if r.kind == "web"} == web
    session = api.open_review(name, root)
    frame = claims.load(review.claims, session.claims_context())  # valid, every row unreviewed
    assert len(frame) == len(session.candidates) > 5
    assert "Disclaimer" not in set(frame["section"])
    err = capsys.readouterr().err
    assert f"wrote data/{name}/article.md" in err and "next steps:" in err
    assert f"evidence-review fetch --review {name}" in err


def test_broken_doi_and_web_source_reach_cited_bib(root):
    _init(root, HTML, "vitamin-d")
    refs = {r.number: r for r in bib.read_cited(Review.open("vitamin-d", root).cited_bib)}
    assert refs["4"].doi_printed == "doi:5555/bar.2019.031"
    assert refs["6"].url == "https://www.example.org/falls/staying-steady" and refs["6"].doi_printed is None
    assert refs["6"].accessed == "February 12, 2024"


def test_sources_scaffold_is_reported_incomplete_not_a_traceback(root):
    _init(root, TEXT, "sleep")
    review = Review.open("sleep", root)
    scheme = evidence.load_scheme(root / "data" / "evidence-levels.yaml")
    with pytest.raises(InputError) as err:
        evidence.load_sources(review.sources, scheme, {"1", "2", "3", "4", "5"})
    assert [p.field for p in err.value.problems] == [f"references.{n}" for n in range(1, 6)]
    assert all("has no design and level" in p.message for p in err.value.problems)
    assert '#  "1":  # Okonkwo, A. C.' in review.sources.read_text(encoding="utf-8")


def test_refuses_to_overwrite_then_force_replaces(root, capsys):
    assert _init(root, TEXT, "sleep") == 0
    table = Review.open("sleep", root).claims
    table.write_text("edited by the reviewer\n", encoding="utf-8")
    capsys.readouterr()
    assert _init(root, HTML, "sleep") == 2
    err = capsys.readouterr().err
    assert "data/sleep" in err and "already exists" in err and "--force" in err
    assert table.read_text(encoding="utf-8") == "edited by the reviewer\n"
    assert _init(root, HTML, "sleep", "--force") == 0
    assert table.read_text(encoding="utf-8").startswith("id,section,")
    assert not (table.parent / "article.original.txt").exists()


def test_force_from_the_reviews_own_original(root):
    _init(root, HTML, "vitamin-d")
    original = Review.open("vitamin-d", root).data_dir / "article.original.html"
    assert _init(root, original, "vitamin-d", "--force") == 0
    assert original.read_bytes() == HTML.read_bytes()


@pytest.mark.parametrize("article, name, words", [
    (HTML, "Bad Name", "a review name uses lower-case letters"),
    (ARTICLES / "missing.html", "x", "missing.html: article file not found"),
])
def test_bad_input_exits_2_naming_the_file(root, article, name, words, capsys):
    assert _init(root, article, name) == 2
    assert words in capsys.readouterr().err
    assert not (root / "data" / "x").exists()


def test_unknown_extension(root, tmp_path, capsys):
    odd = tmp_path / "article.docx"
    odd.write_bytes(b"PK")
    assert _init(root, odd, "x") == 2
    assert f"{odd} [suffix]: unknown article type '.docx'" in capsys.readouterr().err


def test_fetch_seam_passes_crossref_options_and_exit_code(root, monkeypatch):
    calls = []

    def run_fetch(args, **kwargs):  # init also hands over its client and parsed list
        calls.append((args.review, args.root, args.base_url, args.mailto, args.refresh))
        return 1

    from evidence_review.records import fetch

    monkeypatch.undo()
    monkeypatch.setattr(fetch, "run", run_fetch)
    status = _init(root, TEXT, "sleep", "--base-url", "http://127.0.0.1:9/", "--mailto", "a@example.org")
    assert status == 1 and calls == [("sleep", root.resolve(), "http://127.0.0.1:9/", "a@example.org", False)]


def test_crossref_failure_keeps_the_review_and_says_what_next(root, monkeypatch, capsys):
    from evidence_review.core.errors import CrossrefError

    def unreachable(*args, **kwargs):
        raise CrossrefError("gave up after 5 attempts: connection failed")

    monkeypatch.setattr(init, "fetch_references", unreachable)
    assert _init(root, TEXT, "sleep") == 1
    err = capsys.readouterr().err
    assert "gave up after 5 attempts" in err and "evidence-review fetch --review sleep" in err
    assert Review.open("sleep", root).claims.is_file()


def test_no_fetch_leaves_crossref_for_later(root, monkeypatch, capsys):
    def must_not_run(*args, **kwargs):
        raise AssertionError("fetch ran despite --no-fetch")

    monkeypatch.setattr(init, "fetch_references", must_not_run)
    assert _init(root, TEXT, "sleep", "--no-fetch") == 0
    assert "evidence-review fetch --review sleep" in capsys.readouterr().err


def test_marker_warnings():
    from evidence_review.intake import article, reflist

    parsed = article.parse_markdown("# T\n\nA [1]. B [3].\n\n## References\n\n[1] A\n\n[2] B\n")
    warnings = init.marker_warnings(parsed, reflist.parse_list(parsed.references))
    assert warnings == ["marker [3] has no entry in the reference list",
                        "reference [2] is never cited in the body"]


def _work(doi, title, journal, family, year, volume, issue, page):
    return {"DOI": doi, "type": "journal-article", "title": [title], "container-title": [journal],
            "author": [{"family": family, "given": "A.", "sequence": "first"}],
            "issued": {"date-parts": [[year]]}, "volume": volume, "issue": issue, "page": page}


# The fictional records the vitamin-d sample cites (reference 2 has no DOI and reference 4 a broken one).
VITAMIN_D_RECORDS = [
    _work("10.5555/jcmr.2018.0124", "Vitamin D and skeletal muscle function: a narrative review",
          "Journal of Clinical Musculoskeletal Research", "Arvidsson", 2018, "12", "4", "233-241"),
    _work("10.5555/an.2020.007", "Prevalence of vitamin D deficiency in adults aged 65 and over: a "
          "cross-sectional survey", "Age and Nutrition", "Delacroix", 2020, "7", None, "45-53"),
    _work("10.5555/bar.2019.031", "Monthly high-dose vitamin D and falls in older women: a randomised "
          "controlled trial", "Bone and Ageing Research", "Kowalczyk", 2019, "31", "2", "118-126"),
    _work("10.5555/srg.2021.e0415", "Vitamin D supplementation for preventing falls in community-dwelling "
          "older people: systematic review and meta-analysis", "Systematic Reviews in Geriatrics",
          "Fairweather", 2021, "9", "1", "e0415"),
]


def test_init_resolves_through_the_crossref_stand_in(root, monkeypatch, capsys):
    from evidence_review.records.standin import CrossrefStandIn

    monkeypatch.undo()  # the real fetch step, pointed at the local stand-in
    with CrossrefStandIn(VITAMIN_D_RECORDS, rate_limit=1000) as standin:
        status = _init(root, HTML, "vitamin-d", "--base-url", standin.base_url, "--mailto", "a@example.org",
                       "--no-europepmc")
    err = capsys.readouterr().err
    assert "resolving references through Crossref" in err and "evidence-review audit" in err
    assert status == 0  # every journal reference resolved; web pages are "not-in-crossref"
    manifest = Review.open("vitamin-d", root).snapshot_dir / "manifest.json"
    assert manifest.is_file()
    session = api.open_review("vitamin-d", root)
    audit = {r["ref"]: r for r in session.audit.to_json("vitamin-d", session.snapshot)["references"]}
    assert audit["1"]["doi"] == "10.5555/jcmr.2018.0124"
    assert audit["4"]["doi"] == "10.5555/bar.2019.031" and audit["4"]["status"] == "repaired"
    assert audit["2"]["doi"] == "10.5555/an.2020.007"  # found by query.bibliographic
    assert audit["6"]["status"] == "not-in-crossref" and audit["5"]["status"] == "matched"


def test_claim_files_made_during_the_parse_are_used_only_for_the_sections_review_yaml_names(root):
    from evidence_review.workflow.prepare import ClaimFiles, claim_files, prepare

    assert _init(root, TEXT, "sleep", "--no-fetch") == 0
    review = Review.open("sleep", root)
    made = (review.data_dir / "candidates.csv").read_text(encoding="utf-8")
    art = init.article_mod.load(review.article)
    assert claim_files(art, ["Disclaimer"]).candidates == made  # what init made while parsing
    review.claims.unlink()
    # made for other sections than review.yaml's ["Disclaimer"]: not used, made again
    prepare(review, art, claims=ClaimFiles((), "stale\n", "stale\n"))
    assert (review.data_dir / "candidates.csv").read_text(encoding="utf-8") == made
    assert review.claims.read_text(encoding="utf-8") != "stale\n"
    review.claims.unlink()
    prepare(review, art, claims=ClaimFiles(("Disclaimer",), "given\n", "given\n"))  # the same: used
    assert (review.data_dir / "candidates.csv").read_text(encoding="utf-8") == "given\n"
    assert review.claims.read_text(encoding="utf-8") == "given\n"
