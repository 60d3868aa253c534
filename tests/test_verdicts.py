"""Reviewers' verdict files: checked with the claims table's rules, written atomically, and the
review form's logic (blinding, conflicts, progress, confirmation of a changed verdict, the trail)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from dual_review import NAME, dual_project

from evidence_review.appraisal import claims as claims_mod
from evidence_review.appraisal import verdicts
from evidence_review.core.errors import InputError
from evidence_review.report.session import open_review
from evidence_review.report.workbench import Workbench

TODAY = dt.date(2026, 11, 30)
GOOD = {"text": "Regular winter swimmers report a better mood after a swim.", "verdict": "supported",
        "source_says": "Mood scores rose after swimming.", "locator": "Results, para 1",
        "basis": "abstract", "needs_citation": "true", "note": ""}


@pytest.fixture
def project(tmp_path):
    return dual_project(tmp_path)


def vfile(project, who):
    return project / "data" / NAME / "verdicts" / f"{who}.csv"


def problems(project):
    with pytest.raises(InputError) as info:
        open_review(NAME, project).verdict_files  # noqa: B018 (loading is the check)
    return [str(p) for p in info.value.problems]


def test_fixture_files_load_and_check_passes_them(project):
    session = open_review(NAME, project)
    assert sorted(session.verdict_files) == ["ana", "ben"]
    assert len(session.verdict_files["ana"].verdicts()) == 14
    assert not [p for p in session.check() if "verdicts" in p.file]


def test_minimal_file_needs_only_id_and_verdict_the_rest_comes_from_claims_csv(project):
    vfile(project, "cat").write_text("id,verdict\nC13,uncited\n", encoding="utf-8")
    assert open_review(NAME, project).verdict_files["cat"].verdicts() == {"C13": "uncited"}


@pytest.mark.parametrize("body,expected", [
    ("id,verdict\nC01,mostly-true\n", "cat.csv:2 [verdict]: 'mostly-true' is not a verdict"),
    ("id,verdict\nC13,supported\n", "cat.csv:2 [verdict]: an uncited claim must have verdict 'uncited'"),
    ("id,verdict\nC03,supported\n", "cat.csv:2 [source_says]: a cited claim needs 'source_says'"),
    ("id,verdict\nC99,uncited\n", "cat.csv:2 [id]: claim C99 is not in claims.csv"),
    ("id,verdict\nC13,uncited\nC13,uncited\n", "cat.csv:3 [id]: duplicate id C13"),
    ("id\nC13\n", "cat.csv:1 [verdict]: required column 'verdict' is missing"),
    ("id,verdict,colour\nC13,uncited,red\n", "cat.csv:1 [colour]: unknown column 'colour'"),
    ("id,verdict,reviewer\nC13,uncited,ana\n", "cat.csv:2 [reviewer]: reviewer 'ana' in cat's file"),
    ("id,verdict,reviewer,decided\nC13,uncited,cat,30/11/2026\n",
     "cat.csv:2 [decided]: '30/11/2026' is not a date"),
    ("id,verdict,decided\nC13,uncited,2026-11-30\n",
     "cat.csv:2 [reviewer]: a decided date needs the reviewer"),
    ('id,verdict\nC13,"uncited\n', "cat.csv:2: CSV syntax error"),
])
def test_bad_verdict_files_are_located_by_file_row_and_field(project, body, expected):
    vfile(project, "cat").write_text(body, encoding="utf-8")
    found = problems(project)
    assert any(expected in p for p in found), found
    assert all(p.startswith(f"data/{NAME}/verdicts/cat.csv") for p in found)


def test_a_file_named_for_no_valid_reviewer_is_reported(project):
    vfile(project, "Ana Smith").write_text("id,verdict\nC13,uncited\n", encoding="utf-8")
    assert any("not a reviewer name" in p for p in problems(project))


def test_the_default_review_still_validates_with_the_trail_columns_optional():
    session = open_review("muscle-spasm")
    header, _ = session.claims_rows
    assert "reviewer" not in header  # the committed table predates the trail
    assert len(session.claims) > 0 and session.verdict_files == {}
    assert list(session.claims["reviewer"].unique()) == [""]


def test_claims_csv_round_trips_byte_for_byte():
    session = open_review("muscle-spasm")
    header, records = session.claims_rows
    assert claims_mod.csv_text(header, records) == session.review.claims.read_text(encoding="utf-8")


def test_a_failed_save_leaves_the_old_file_whole_and_no_temporary_file(project, monkeypatch):
    wb = bench(project)
    assert wb.save("C01", GOOD).saved
    path = vfile(project, "cat")
    before = path.read_bytes()

    def broken(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)  # the write dies after the bytes, before the rename
    outcome = wb.save("C02", {**GOOD, "text": "Most of them swim twice a week."})
    monkeypatch.undo()
    assert not outcome.saved and "No space left on device" in outcome.message
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["ana.csv", "ben.csv", "cat.csv"]


# --- the form's logic --------------------------------------------------------------------------------

def bench(project, reviewer="cat", mode="review"):
    return Workbench(open_review(NAME, project), reviewer=reviewer, mode=mode, today=TODAY)


def test_save_writes_the_reviewers_file_with_the_trail_and_counts_progress(project):
    wb = bench(project)
    assert wb.progress() == (0, 14) and wb.progress_line().startswith("cat: 0 of 14 reviewed")
    outcome = wb.save("C01", GOOD)
    assert outcome.saved, outcome.message
    assert "1 of 14 reviewed" in outcome.message
    text = vfile(project, "cat").read_text(encoding="utf-8")
    assert text.splitlines() == [",".join(verdicts.FORM_COLUMNS),
                                 "C01,Regular winter swimmers report a better mood after a swim.,supported,"
                                 'Mood scores rose after swimming.,"Results, para 1",abstract,true,,cat,'
                                 "2026-11-30"]
    assert wb.progress() == (1, 14)
    assert open_review(NAME, project).check() == open_review(NAME, project).check()  # stable
    assert not [p for p in open_review(NAME, project).check() if "cat.csv" in p.file]


def test_save_refuses_what_check_would_refuse_and_writes_nothing(project):
    wb = bench(project)
    outcome = wb.save("C01", {**GOOD, "locator": "", "basis": "hearsay"})
    assert not outcome.saved
    assert "[locator]" in outcome.message and "'hearsay' is not a basis" in outcome.message
    assert outcome.message.startswith(f"Not saved, data/{NAME}/verdicts/cat.csv: line 2")
    assert not vfile(project, "cat").exists()


def test_save_needs_a_reviewer_name(project):
    outcome = bench(project, reviewer="").save("C01", GOOD)
    assert not outcome.saved and "reviewer name" in outcome.message


def test_changing_a_verdict_asks_to_confirm_or_edit_the_note(project):
    wb = bench(project)
    assert wb.save("C01", {**GOOD, "note": "Clearly stated in the abstract."}).saved
    changed = {**GOOD, "verdict": "partially-supported", "note": "Clearly stated in the abstract."}
    first = wb.save("C01", changed)
    assert not first.saved and first.needs_confirmation
    assert "from 'supported' to 'partially-supported'" in first.message
    assert "supported,Mood" in vfile(project, "cat").read_text(encoding="utf-8")  # unchanged so far
    assert wb.save("C01", changed, confirm=True).saved
    edited = {**GOOD, "verdict": "unsupported", "note": "Re-read: the abstract is about sleep."}
    assert wb.save("C01", edited).saved  # an edited note needs no confirmation
    assert wb.values("C01")["verdict"] == "unsupported"


def test_a_new_reviewer_is_blinded_to_the_others(project):
    wb = bench(project)
    assert not wb.unblinded()
    assert wb.visible_verdicts("C03") == {}
    assert wb.conflicts() == [] and wb.select("conflicts") == []
    assert wb.values("C03")["verdict"] == ""  # claims.csv's judgement is not shown either
    assert wb.values("C13")["verdict"] == "uncited"  # the only verdict an uncited claim can get
    assert "blinded until every reviewer has finished" in wb.progress_line()


def test_reviewers_see_each_other_only_when_all_have_finished(project):
    ben = vfile(project, "ben")
    full = ben.read_text(encoding="utf-8")
    ben.write_text("\n".join(line for line in full.splitlines() if not line.startswith("C14,")) + "\n",
                   encoding="utf-8")
    ana = bench(project, reviewer="ana")
    assert not ana.unblinded()
    assert list(ana.visible_verdicts("C03")) == ["ana"]
    assert ana.select("conflicts") == []
    ben.write_text(full, encoding="utf-8")
    assert ana.unblinded()
    assert ana.visible_verdicts("C03")["ben"]["verdict"] == "partially-supported"
    assert ana.select("conflicts") == ["C03", "C06", "C10"]


def test_filters_pending_mine_section_and_source(project):
    wb = bench(project, reviewer="ana")
    assert wb.select("mine") == wb.claim_ids() and wb.select("pending") == []
    cat = bench(project)
    cat.save("C01", GOOD)
    assert cat.select("mine") == ["C01"] and len(cat.select("pending")) == 13
    assert cat.select(section="Heart and breathing") == ["C06", "C07", "C08", "C09"]
    assert cat.select(source="3") == ["C10", "C11", "C12"]
    assert cat.select("pending", source="1") == ["C02", "C03", "C04", "C05"]


def test_final_mode_writes_claims_csv_with_the_trail_and_keeps_every_other_line(project):
    claims = project / "data" / NAME / "claims.csv"
    before = claims.read_text(encoding="utf-8").splitlines()
    wb = bench(project, reviewer="cleo", mode="final")
    assert wb.select("conflicts") == ["C03", "C06", "C10"]  # the adjudicator sees every reviewer
    assert set(wb.visible_verdicts("C03")) == {"ana", "ben"}
    values = {**wb.values("C03"), "verdict": "partially-supported", "basis": "abstract",
              "source_says": "Mood was asked about on the day only.", "locator": "Results, para 3",
              "needs_citation": "true", "note": "Adjudicated: the survey asked about the day only."}
    outcome = wb.save("C03", values)
    assert outcome.saved, outcome.message
    after = claims.read_text(encoding="utf-8").splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [3]  # line 4 of the file: C03, nothing else
    assert after[3].endswith(",cleo,2026-11-30")
    session = open_review(NAME, project)
    assert session.claims.set_index("id").loc["C03", "verdict"] == "partially-supported"
    c03 = next(c for c in session.agreement.conflicts if c["id"] == "C03")
    assert c03["settled"] == {"verdict": "partially-supported", "reviewer": "cleo", "decided": "2026-11-30"}


def test_context_marks_the_sentence_and_references_carry_title_year_and_doi(project):
    wb = bench(project)
    html = wb.context_html("C07")
    assert html.count("<mark>") == 1
    assert ("<mark><b>Heart rhythm disturbances during immersion are common in healthy young "
            "adults</b>") in html
    assert "A sudden plunge" in html  # the rest of the paragraph is shown too
    (ref,) = wb.references("C07")
    assert ref == {"ref": "2", "title": "The cold shock response to sudden immersion: A narrative review",
                   "year": "2019", "doi": "10.5555/epr.2019.011", "url": "https://doi.org/10.5555/epr.2019.011"}
    assert wb.references("C13") == [] and wb.passages("C07") == []


def test_passages_are_shown_when_the_session_offers_them(project):
    wb = bench(project)
    wb.session.passages = {"C07": [{"ref": "2", "locator": "Section 4", "text": "Arrhythmias...",
                                    "score": 3.1}]}
    assert wb.passages("C07")[0]["locator"] == "Section 4"
