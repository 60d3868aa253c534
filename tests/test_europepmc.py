"""Europe PMC end to end: client, stand-in faults, source texts, fetch after Crossref, and what the
review shows (PMIDs, passages, level suggestions, update signals from both registries).

Every record and text is fictional (tests/fixtures/europepmc, 10.5555 DOIs); the stand-ins run on
127.0.0.1 only.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evidence_review.cli import commands
from evidence_review.core.paths import Review
from evidence_review.records import fetch as fetch_mod
from evidence_review.records.crossref import CrossrefClient
from evidence_review.records.europepmc import EuropePMCClient, notice_date, record_facts
from evidence_review.records.europepmc_standin import EuropePMCStandIn
from evidence_review.records.snapshot import Snapshot
from evidence_review.records.sourcetext import (
    Paragraph,
    Section,
    SourceText,
    SourceTexts,
    UnsafeXML,
    crossref_abstract,
    parse_jats,
    write_source_texts,
)
from evidence_review.records.standin import XML_BOMB, CrossrefStandIn
from evidence_review.report import exports, views
from evidence_review.report.session import ReviewSession
from evidence_review.workflow.init import init_review

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "europepmc"
RESULTS = json.loads((FIXTURES / "records.json").read_text(encoding="utf-8"))
FULL_TEXTS = {p.stem: p.read_bytes() for p in FIXTURES.glob("PMC*.xml")}
RCT, SR, COHORT, RETRACTED, ABSENT = ("10.5555/epmc.cramp.rct", "10.5555/epmc.magnesium.sr",
                                      "10.5555/epmc.velocramin.cohort", "10.5555/epmc.retracted.rct",
                                      "10.5555/epmc.absent")

ARTICLE = """\
Night Cramps: What Helps?

Updated on 10 January 2025

Night-time leg cramps are common in older people and often wake them up [1]. Stretching the calves \
before bed reduced how often night cramps happened in a randomised trial [1].

Magnesium does not reduce cramps in older adults [2]. It can also cause diarrhoea [2].

Velocramin raised the risk of hospital admission for heart rhythm problems in people over 65 [3]. \
Vitamin E cut cramps by 70% in people on dialysis [4]. Cramps are more common in hot weather [5].

References

[1] Example, A. (2023). Calf stretching before bed for nocturnal leg cramps in adults over 55: a \
randomised controlled trial. Journal of Fictional Neuromuscular Medicine, 4(2), 10–19. \
https://doi.org/10.5555/epmc.cramp.rct

[2] Sample, B. (2024). Oral magnesium for idiopathic muscle cramps: a systematic review and \
meta-analysis of randomised trials. Fictional Reviews in Pharmacotherapy, 9(1), 1–12. \
https://doi.org/10.5555/epmc.magnesium.sr

[3] Tester, C. (2021). Velocramin and the risk of arrhythmia in older adults treated for leg cramps: a \
population cohort study. Journal of Fictional Cardiology, 9(1), 20–29. \
https://doi.org/10.5555/epmc.velocramin.cohort

[4] Dummy, D. (2019). High-dose vitamin E for nocturnal cramps in dialysis patients: a randomised \
trial. Fictional Kidney Journal, 12(3), 30–35. https://doi.org/10.5555/epmc.retracted.rct

[5] Placeholder, E. (2022). Heat, hydration and muscle cramps: a survey. Journal of Invented \
Physiology, 3(1), 5–9. https://doi.org/10.5555/epmc.absent
"""


def _work(doi, title, journal, family, year, volume, issue, page, **extra):
    return {"DOI": doi, "type": "journal-article", "title": [title], "container-title": [journal],
            "author": [{"family": family, "given": "A.", "sequence": "first"}],
            "issued": {"date-parts": [[year]]}, "volume": volume, "issue": issue, "page": page,
            **extra}


CROSSREF = [
    _work(RCT, "Calf stretching before bed for nocturnal leg cramps in adults over 55: a randomised "
          "controlled trial", "Journal of Fictional Neuromuscular Medicine", "Example", 2023, "4", "2",
          "10-19"),
    _work(SR, "Oral magnesium for idiopathic muscle cramps: a systematic review and meta-analysis of "
          "randomised trials", "Fictional Reviews in Pharmacotherapy", "Sample", 2024, "9", "1", "1-12"),
    _work(COHORT, "Velocramin and the risk of arrhythmia in older adults treated for leg cramps: a "
          "population cohort study", "Journal of Fictional Cardiology", "Tester", 2021, "9", "1", "20-29",
          **{"updated-by": [{"type": "correction", "source": "publisher", "DOI": "10.5555/epmc.erratum",
                             "updated": {"date-parts": [[2021, 6, 3]]}, "label": "Correction"}]}),
    _work(RETRACTED, "High-dose vitamin E for nocturnal cramps in dialysis patients: a randomised trial",
          "Fictional Kidney Journal", "Dummy", 2019, "12", "3", "30-35"),
    _work(ABSENT, "Heat, hydration and muscle cramps: a survey", "Journal of Invented Physiology",
          "Placeholder", 2022, "3", "1", "5-9",
          abstract="<jats:p>Cramps were reported more often in hot weather by 300 surveyed runners."
                   "</jats:p>"),
]
SOURCES_YAML = """\
references:
  "1": {design: randomised-trial, cebm_level: "2", rationale: one randomised trial}
  "2": {design: systematic-review-of-rcts, cebm_level: "1", rationale: pools randomised trials}
  "3": {design: case-control-study, cebm_level: "4", rationale: reviewer's judgement}
  "4": {design: randomised-trial, cebm_level: "2", rationale: one randomised trial (retracted)}
  "5": {design: case-series, cebm_level: "4", rationale: a survey}
"""


def quick_epmc(url, timeout=1.0, **kw) -> EuropePMCClient:
    return EuropePMCClient(base_url=url, email="reviewer@example.org", timeout=timeout, backoff=0.01,
                           backoff_max=0.05, rate=1000.0, **kw)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data" / "evidence-levels.yaml", tmp_path / "data")
    article = tmp_path / "cramps.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    init_review(article, "cramps", root=tmp_path, progress=lambda line: None)
    review = Review.open("cramps", tmp_path)
    review.sources.write_text(SOURCES_YAML, encoding="utf-8")
    return review


def run_fetch(review, epmc_faults=(), lines=None, **kw):
    lines = [] if lines is None else lines
    with CrossrefStandIn(CROSSREF, rate_limit=1000) as cr, \
            EuropePMCStandIn(RESULTS, FULL_TEXTS, rate_limit=1000) as ep:
        for fault in epmc_faults:
            ep.add_fault(**fault)
        client = CrossrefClient(base_url=cr.base_url, backoff=0.01, progress=False, rate=1000.0)
        with quick_epmc(ep.base_url, cache_dir=kw.pop("cache_dir", None),
                        timeout=kw.pop("epmc_timeout", 1.0)) as epmc:
            snapshot = fetch_mod.fetch(review, base_url=cr.base_url, client=client,
                                       europepmc_client=epmc, progress=lines.append, **kw)
        return snapshot, ep, lines


@pytest.fixture
def fetched(project):
    snapshot, standin, lines = run_fetch(project)
    return project, snapshot, standin, lines


# --- the client and the stand-in ---------------------------------------------------------------------

def test_lookup_batches_dois_with_or_and_sends_the_email():
    with EuropePMCStandIn(RESULTS, rate_limit=1000) as ep, quick_epmc(ep.base_url) as client:
        found = client.lookup_dois([RCT, SR, COHORT, ABSENT])
        (search,) = ep.requests("search")
    query = search.target.replace("+", " ")
    assert 'DOI:"10.5555/epmc.cramp.rct" OR DOI:"10.5555/epmc.magnesium.sr"' in query
    assert "resultType=core" in search.target and "format=json" in search.target
    assert "email=reviewer@example.org" in search.target
    assert found[RCT].status == "ok" and found[RCT].record["pmid"] == "90000001"
    assert found[SR].record["source"] == "MED"  # the MEDLINE record, not the preprint
    assert found[ABSENT].status == "not-in-europepmc" and "no record" in found[ABSENT].reason


def test_long_lists_are_split_into_batches_within_url_limits():
    dois = [f"10.5555/epmc.synthetic.{i:04d}" for i in range(120)]
    with EuropePMCStandIn([], rate_limit=1000) as ep, quick_epmc(ep.base_url) as client:
        found = client.lookup_dois(dois)
        searches = ep.requests("search")
    assert len(searches) >= 3 and all(len(r.target) < 7000 for r in searches)
    assert {o.status for o in found.values()} == {"not-in-europepmc"}


def test_cache_is_keyed_by_server_and_query_and_refresh_asks_again(tmp_path):
    with EuropePMCStandIn(RESULTS, rate_limit=1000) as ep:
        with quick_epmc(ep.base_url, cache_dir=tmp_path) as client:
            client.lookup_dois([RCT])
            again = client.lookup_dois([RCT])
            assert again[RCT].from_cache and ep.total_requests == 1
            client.lookup_dois([RCT], refresh=True)
            assert ep.total_requests == 2
        with EuropePMCStandIn([], rate_limit=1000) as other, \
                quick_epmc(other.base_url, cache_dir=tmp_path) as client:
            elsewhere = client.lookup_dois([RCT])  # another server: not answered from the cache
            assert other.total_requests == 1 and elsewhere[RCT].status == "not-in-europepmc"


@pytest.mark.parametrize("fault", [
    {"kind": "status", "status": 429, "retry_after": 0.05, "times": 2},
    {"kind": "status", "status": 503, "times": 2},
    {"kind": "hang", "delay": 2.0, "times": 1},
    {"kind": "not-json", "times": 1},
    {"kind": "truncated", "times": 1},
])
def test_passing_faults_are_retried(fault):
    timeout = 0.3 if fault["kind"] == "hang" else 1.0  # the hang outlasts it: one attempt times out
    with EuropePMCStandIn(RESULTS, rate_limit=1000) as ep, quick_epmc(ep.base_url, timeout) as client:
        ep.add_fault(**fault)
        found = client.lookup_dois([RCT])
        assert found[RCT].status == "ok"
        assert ep.total_requests >= 2 and client.stats["retries"] >= 1


def test_malformed_json_every_time_is_an_error_not_a_crash():
    with EuropePMCStandIn(RESULTS, rate_limit=1000) as ep, quick_epmc(ep.base_url) as client:
        ep.add_fault(kind="not-json")
        found = client.lookup_dois([RCT, SR])
    assert {o.status for o in found.values()} == {"error"}
    assert "unreadable answer" in found[RCT].reason and "gave up after 4 attempts" in found[RCT].reason


def test_retry_after_is_honoured():
    import time

    with EuropePMCStandIn(RESULTS, rate_limit=1000) as ep, quick_epmc(ep.base_url) as client:
        ep.add_fault(kind="status", status=429, retry_after=0.3, times=1)
        client.lookup_dois([RCT])
        first, second = ep.requests("search")
    assert second.started - first.started >= 0.3 - 0.02
    assert time.monotonic() > second.started


def test_xml_bomb_is_refused_unparsed():
    with pytest.raises(UnsafeXML):
        parse_jats(XML_BOMB, RCT)
    with EuropePMCStandIn(RESULTS, FULL_TEXTS, rate_limit=1000) as ep, quick_epmc(ep.base_url) as client:
        ep.add_fault(kind="xml-bomb", kinds=("fulltext",))
        (outcome,) = client.full_texts(["PMC9000001"]).values()
    assert outcome.status == "ok"  # it is XML; the parser is what refuses it
    with pytest.raises(UnsafeXML):
        parse_jats(outcome.xml, RCT)


def test_full_text_parses_into_sections_paragraphs_and_sentences():
    sections = parse_jats(FULL_TEXTS["PMC9000001"], RCT)
    titles = [s.title for s in sections]
    assert titles[:4] == ["Abstract, Background", "Abstract, Methods", "Abstract, Results",
                          "Abstract, Conclusions"]
    assert titles[4:] == ["Introduction", "Methods", "Results", "Discussion"]
    results = sections[titles.index("Results")]
    assert results.locator(results.paragraphs[1]) == "Results, para 2"
    assert results.paragraphs[1].sentences[1].startswith("The adjusted between-group difference")


def test_crossref_jats_abstract_is_read():
    (section,) = crossref_abstract(CROSSREF[-1])
    assert section.title == "Abstract" and "300 surveyed runners" in section.paragraphs[0].text


def test_record_facts_and_notice_dates():
    facts = record_facts(next(r for r in RESULTS if r.get("doi") == COHORT and r["source"] == "MED"))
    assert facts["pmid"] == "90000003" and facts["pmcid"] is None and not facts["open_access"]
    assert facts["pub_types"] == ["Observational Study", "Journal Article"]
    assert facts["mesh"] == ["Arrhythmias, Cardiac", "Cohort Studies"]
    assert [n["kind"] for n in facts["notices"]] == ["correction"]  # "Comment in" is not a notice
    assert facts["notices"][0]["date"] == "2021-06-03"
    assert notice_date("Fict Kidney J. 2025 Mar;12:e100") == "2025-03"
    assert notice_date("no date here") is None


# --- fetch: Crossref, then Europe PMC in the same run --------------------------------------------------

def test_fetch_fills_pmids_abstracts_full_texts_and_types(fetched):
    review, snapshot, standin, lines = fetched
    assert all(e["status"] == "matched" for e in snapshot.references.values())
    texts = SourceTexts.load(review.europepmc_dir)
    assert texts.record(RCT)["pmid"] == "90000001" and texts.record(RCT)["pmcid"] == "PMC9000001"
    assert texts.record(SR)["pub_types"][:2] == ["Systematic Review", "Meta-Analysis"]
    assert texts.text(RCT).has_full_text and texts.text(SR).has_full_text
    assert texts.text(COHORT).origin == "europepmc-abstract" and not texts.text(COHORT).open_licence
    assert texts.record(ABSENT)["status"] == "not-in-europepmc"
    assert texts.text(ABSENT).origin == "crossref-abstract"  # Crossref's JATS abstract instead
    assert standin.counts["fulltext"] == 2  # only the open-access records were asked
    manifest = json.loads((review.europepmc_dir / "manifest.json").read_text("utf-8"))
    assert manifest["provenance"] == "europepmc-api" and manifest["retrieved"]
    assert {"raw/search-1.json", "raw/PMC9000001.xml"} <= set(manifest["files"])
    assert manifest["sources"][RCT]["licence"] == "cc by" and manifest["sources"][RCT]["open_access"]
    assert any("2 with full text" in line for line in lines)


def test_outage_keeps_the_complete_crossref_snapshot_and_says_so_once(project):
    snapshot, standin, lines = run_fetch(project, [{"kind": "status", "status": 503}])
    assert len(Snapshot.load(project.snapshot_dir).works()) == 5
    assert not (project.europepmc_dir / "manifest.json").exists()
    messages = [line for line in lines if "Europe PMC could not be reached" in line]
    assert len(messages) == 1 and "Crossref snapshot is complete" in messages[0]
    assert standin.statuses[503] >= 1


def test_outage_after_a_good_fetch_leaves_the_previous_source_texts(fetched):
    review = fetched[0]
    before = (review.europepmc_dir / "manifest.json").read_bytes()
    # every request hangs past the client's timeout (0.1 s here: four attempts, ~0.4 s, not ~4 s)
    run_fetch(review, [{"kind": "hang", "delay": 3.0}], refresh=True, epmc_timeout=0.1)
    assert (review.europepmc_dir / "manifest.json").read_bytes() == before


def test_xml_bomb_in_a_full_text_keeps_the_abstract_and_the_rest(project):
    run_fetch(project, [{"kind": "xml-bomb", "kinds": ("fulltext",), "match": "PMC9000001"}])
    texts = SourceTexts.load(project.europepmc_dir)
    assert texts.record(RCT)["full_text"].startswith("error: refused unsafe XML")
    assert texts.text(RCT).origin == "europepmc-abstract" and not texts.text(RCT).has_full_text
    assert texts.text(SR).has_full_text


def test_no_europepmc_asks_nothing(project):
    _, standin, _ = run_fetch(project, europepmc=False)
    assert standin.total_requests == 0 and not project.europepmc_dir.exists()


def test_fetch_command_with_europepmc_url(project, capsys):
    from evidence_review.cli.main import main

    with CrossrefStandIn(CROSSREF, rate_limit=1000) as cr, \
            EuropePMCStandIn(RESULTS, FULL_TEXTS, rate_limit=1000) as ep:
        status = main(["fetch", "--review", "cramps", "--root", str(project.root), "--base-url",
                       cr.base_url, "--europepmc-url", ep.base_url, "--mailto", "a@example.org"])
        asked = ep.total_requests
    err = capsys.readouterr().err
    assert status == 0 and asked == 3  # one search, two full texts
    assert "Europe PMC: 4 found, 1 not in Europe PMC, 0 failed" in err
    assert SourceTexts.load(project.europepmc_dir).record(RCT)["pmid"] == "90000001"


def test_europepmc_base_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("EUROPEPMC_BASE_URL", "http://127.0.0.1:9/rest/")
    with EuropePMCClient() as client:
        assert client.base_url == "http://127.0.0.1:9/rest"
    monkeypatch.delenv("EUROPEPMC_BASE_URL")
    with EuropePMCClient() as client:
        assert client.base_url == "https://www.ebi.ac.uk/europepmc/webservices/rest"


# --- what the review shows ---------------------------------------------------------------------------

def test_claims_json_gives_passages_best_first(fetched):
    session = ReviewSession("cramps", fetched[0].root)
    claims = {c["text"]: c for c in commands.claims_json(session)["claims"]}
    stretching = next(c for t, c in claims.items() if t.startswith("Stretching the calves"))
    passages = stretching["passages"]
    assert 1 <= len(passages) <= 3 and set(passages[0]) >= {"ref", "locator", "text", "score"}
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)
    assert passages[0]["ref"] == "1"
    velo = next(c for t, c in claims.items() if t.startswith("Velocramin"))
    assert velo["passages"][0]["locator"] == "Abstract, Results, para 1"
    assert not velo["passages"][0]["open_licence"]  # no open licence: a short quotation only
    assert len(velo["passages"][0]["text"].split()) <= 26


def test_level_suggestions_beside_the_reviewers_levels(fetched):
    session = ReviewSession("cramps", fetched[0].root)
    html = str(views.sources_table(session))
    assert "Suggested by PubMed type" in html and "Publication types" in html and "MeSH terms" in html
    assert session.level_suggestions["1"].level == "2" and session.level_suggestions["2"].level == "1"
    assert "differs from the reviewer's level 4, which stands" in views.suggestion_text(session, "3")
    assert session.sources["3"].cebm_level == "4"  # shown, never overwritten
    assert "level-differs" in html and "Muscle Cramp" in html


def test_pubmed_ids_in_audit_bibliography_and_exports(fetched):
    session = ReviewSession("cramps", fetched[0].root)
    audit = {r["ref"]: r for r in session.audit.to_json("cramps", session.snapshot)["references"]}
    assert audit["1"]["pmid"] == "90000001" and audit["1"]["pmcid"] == "PMC9000001"
    assert audit["1"]["pubmed_url"] == "https://pubmed.ncbi.nlm.nih.gov/90000001/"
    assert audit["1"]["pmc_url"] == "https://pmc.ncbi.nlm.nih.gov/articles/PMC9000001/"
    assert audit["5"]["pmid"] is None
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/90000001/"' in str(views.bibliography(session))
    bib = exports.render(session, "bibtex")
    assert "pmid = {90000001}" in bib and "pmcid = {PMC9000001}" in bib
    ris = exports.render(session, "ris")
    assert "AN  - 90000001" in ris and "C2  - PMC9000001" in ris
    csl = {i["id"]: i for i in json.loads(exports.render(session, "csl-json"))}
    assert csl["ref1"]["PMID"] == "90000001" and csl["ref1"]["PMCID"] == "PMC9000001"
    assert "PMID" not in csl["ref5"]


def test_update_signals_from_both_registries(fetched):
    session = ReviewSession("cramps", fetched[0].root)
    audits = {a.ref: a for a in session.audit.references}
    # [3]: both registries list the correction: one finding, naming both sources
    corrections = [f for f in audits["3"].findings if f.field == "update" and f.severity == "major"]
    assert len(corrections) == 1
    assert "source: publisher" in corrections[0].message
    assert "Europe PMC lists it too" in corrections[0].message
    assert "dated 2021-06-03" in corrections[0].message
    # [4]: only Europe PMC knows of the retraction: a major finding plus the disagreement
    found = [f for f in audits["4"].findings if f.field == "update"]
    (retraction,) = [f for f in found if f.severity == "major"]
    assert "Europe PMC lists a retraction" in retraction.message and "2025-03-04" in retraction.message
    assert retraction.suggestion == "https://pubmed.ncbi.nlm.nih.gov/90000014/"
    (disagree,) = [f for f in found if f.severity == "info"]
    assert "Europe PMC records a retraction for this work and Crossref does not" in disagree.message


def test_claim_cards_and_notebook_view_show_suggestions(fetched):
    session = ReviewSession("cramps", fetched[0].root)
    cards = str(views.claim_cards(session))
    assert "Suggested passages (BM25; not a verdict)" in cards and "Results, para 2" in cards
    assert "short quotation" in cards  # the cohort's abstract has no open licence
    table = str(views.claim_passages(session))
    assert "Suggested passages" in table and "Abstract, Results, para 1" in table
    assert "Source texts of 5 reference(s)" in str(views.snapshot_note(session))


def test_default_review_has_no_source_texts_and_says_so():
    session = ReviewSession("muscle-spasm", ROOT)
    assert not session.source_texts and session.texts_by_ref == {}
    note = str(views.snapshot_note(session))
    assert "No source texts (abstracts or open full texts from Europe PMC) are stored" in note
    assert all(c["passages"] == [] for c in commands.claims_json(session)["claims"])
    assert session.level_suggestions == {}


def test_a_source_text_edited_by_hand_names_the_file(fetched):
    from evidence_review.core.errors import SnapshotError

    review = fetched[0]
    (path,) = [p for p in (review.europepmc_dir / "texts").iterdir() if "cramp.rct" in p.name]
    path.write_text(path.read_text("utf-8").replace("stretching", "stretch"), encoding="utf-8")
    with pytest.raises(SnapshotError, match="texts/10.5555_epmc.cramp.rct.json: contents do not match"):
        SourceTexts.load(review.europepmc_dir)


def _one_text_folder(folder):
    """A source-text folder as fetch writes it, for one fictional source with an abstract."""
    text = SourceText(doi="10.5555/shape.1", origin="europepmc-abstract", pmid="90000009",
                      sections=[Section("Abstract", "abstract", [Paragraph(1, ["One sentence."])])])
    entry = {"status": "found", "pmid": "90000009", "pmcid": None}
    write_source_texts(folder, {text.doi: entry}, {text.doi: text}, {}, retrieved="2026-12-01",
                       base_url="http://127.0.0.1:1", client="test")
    return json.loads((folder / "manifest.json").read_text("utf-8"))


def test_a_manifest_of_the_wrong_shape_names_the_file_and_field(tmp_path):
    from evidence_review.core.errors import SnapshotError

    folder = tmp_path / "europepmc"
    manifest = _one_text_folder(folder)
    assert SourceTexts.load(folder).record("10.5555/shape.1")["pmid"] == "90000009"
    manifest["sources"]["10.5555/shape.1"]["pmid"] = '1"><script>x()</script>'
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(SnapshotError, match=r"manifest.json \[sources\.10\.5555/shape\.1\.pmid\]"):
        SourceTexts.load(folder)


def test_a_text_of_the_wrong_shape_is_refused_even_with_a_matching_hash(tmp_path):
    """The sha256 proves the file is what was written; the shape check catches what was written wrong."""
    import hashlib

    from evidence_review.core.errors import SnapshotError

    folder = tmp_path / "europepmc"
    manifest = _one_text_folder(folder)
    rel = manifest["sources"]["10.5555/shape.1"]["text"]
    broken = json.dumps({"doi": "10.5555/shape.1", "origin": "abstract",
                         "sections": [{"title": "A", "paragraphs": []}]}).encode()
    (folder / rel).write_bytes(broken)
    manifest["files"][rel]["sha256"] = hashlib.sha256(broken).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(SnapshotError, match=r"sections\.0\.kind\]: is required"):
        SourceTexts.load(folder)


def test_an_identifier_of_another_shape_in_an_answer_is_not_kept():
    record = dict(next(r for r in RESULTS if r.get("doi") == COHORT and r["source"] == "MED"))
    record.update(pmid="javascript:alert(1)", pmcid="PMC12 3")
    facts = record_facts(record)
    assert facts["pmid"] is None and facts["pmcid"] is None


def test_write_tree_refuses_paths_outside_its_folder(tmp_path):
    from evidence_review.core.errors import SnapshotError
    from evidence_review.records.snapshot import write_tree

    with pytest.raises(SnapshotError):
        write_tree(tmp_path / "europepmc", {"../escape.json": b"{}"}, {"schema": 1})
    assert not (tmp_path / "escape.json").exists() and not (tmp_path / "europepmc").exists()
