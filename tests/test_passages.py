"""Passages beside claims: tokenising, ranking, licences, and recall on the fictional claim–passage set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from evidence_review.appraisal import passages
from evidence_review.appraisal.evidence import load_scheme, suggest_level
from evidence_review.core.errors import InputError
from evidence_review.records.sourcetext import Paragraph, Section, SourceText

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_passages import load_set  # noqa: E402


def text(licence="cc by", *paras):
    return SourceText("10.5555/x", [Section("Results", "body",
                                            [Paragraph(i, [p]) for i, p in enumerate(paras, 1)])],
                      "europepmc-fulltext", licence, True)


def test_tokeniser_keeps_numbers_negations_and_hyphenated_terms():
    tokens = passages.tokenize("Sleep did not differ; cramps fell 2.1 (95% CI) in the random-effects model")
    assert {"not", "did", "2.1", "95", "random", "effects", "randomeffects"} <= set(tokens)
    assert "the" not in tokens and "in" not in tokens


def test_best_three_distinct_locators_best_first():
    src = text("cc by", "Magnesium did not reduce cramps in older adults.",
               "Stretching reduced cramps.", "Quinine reduces cramps but harms the heart.",
               "Unrelated text about weather.")
    found = passages.rank_passages("Magnesium does not reduce cramps", {"2": src})
    assert [p.locator for p in found][0] == "Results, para 1"
    assert len(found) == 3 and len({p.locator for p in found}) == 3
    assert all(a.score >= b.score for a, b in zip(found, found[1:], strict=False))


def test_closed_text_is_quoted_briefly():
    long = " ".join(["magnesium cramps"] * 40) + "."
    (found,) = passages.rank_passages("magnesium cramps", {"1": text(None, long)})
    assert not found.open_licence and found.text.endswith("…") and len(found.text.split()) == 26


def test_claims_without_texts_get_empty_lists():
    got = passages.claim_passages([{"id": "C1", "text": "x", "refs": ["9"]}], {})
    assert got == {"C1": []}


def test_recall_at_3_on_the_claim_passage_set():
    cases, texts = load_set()
    result = passages.evaluate(cases, texts, k=3)
    assert result["n"] == 33
    assert result["recall@3"] >= 0.9, result["misses"]  # measured 1.000 (docs/benchmarks.md)


def test_recall_counts_a_wrong_locator_as_a_miss():
    cases, texts = load_set()
    wrong = [{**c, "where": ["Nowhere, para 9"]} for c in cases[:5]]
    assert passages.evaluate(wrong, texts)["recall@3"] == 0.0


SCHEME = load_scheme(ROOT / "data" / "evidence-levels.yaml")


@pytest.mark.parametrize("types, mesh, level", [
    (["Randomized Controlled Trial", "Journal Article"], [], "2"),
    (["Review", "Systematic Review", "Meta-Analysis"], [], "1"),
    (["Observational Study"], [], "3"),
    (["Journal Article"], ["Case-Control Studies"], "4"),
    (["Case Reports"], [], "4"),
    (["Review"], [], "5"),
    (["Practice Guideline"], [], None),
])
def test_publication_types_suggest_a_level(types, mesh, level):
    suggestion = suggest_level(types, mesh, SCHEME)
    assert suggestion is not None and suggestion.level == level and suggestion.basis


def test_no_matching_type_no_suggestion_and_disagreement_is_only_shown():
    assert suggest_level(["Journal Article"], [], SCHEME) is None
    rct = suggest_level(["Randomized Controlled Trial"], [], SCHEME)
    assert rct.differs_from("1") and not rct.differs_from("2") and not rct.differs_from("")


def test_bad_publication_type_table_names_the_field(tmp_path):
    path = tmp_path / "levels.yaml"
    raw = (ROOT / "data" / "evidence-levels.yaml").read_text(encoding="utf-8")
    path.write_text(raw + "  - {type: Twin Study, level: \"7\", design: randomised-trial}\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scheme(path)
    assert "publication_types[19].level" in str(err.value)
