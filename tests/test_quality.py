"""Tests of evidence_review.quality: readability, JAMA, DISCERN, currency."""

from __future__ import annotations

import math

import pandas as pd

from evidence_review.quality import prose_for_scoring, readability_by_section, split_sections

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
