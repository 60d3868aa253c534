"""Evidence scheme and sources as data; the SORT rule applied per claim."""

import pandas as pd
import pytest
import yaml

from evidence_review.appraisal import evidence
from evidence_review.core.errors import InputError

SCHEME = {
    "scheme": "Oxford CEBM 2011",
    "levels": [{"level": str(n), "definition": "d", "designs": [f"d{n}"]} for n in range(1, 6)],
    "designs": {f"d{n}": "x" for n in range(1, 6)},
    "sort": {"grades": [{"grade": "A", "max_level": 1, "full_support": True},
                        {"grade": "B", "max_level": 3}, {"grade": "C", "max_level": 5}],
             "rule": "best supporting level decides"},
}


@pytest.fixture
def scheme(tmp_path):
    path = tmp_path / "levels.yaml"
    path.write_text(yaml.safe_dump(SCHEME))
    return evidence.load_scheme(path)


def sources_file(tmp_path, refs):
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"references": refs}))
    return path


@pytest.mark.parametrize("levels,verdict,grade", [
    (["1"], "supported", "A"), (["1"], "partially-supported", "B"), (["2"], "supported", "B"),
    (["3", "5"], "supported", "B"), (["4"], "supported", "C"), (["5"], "partially-supported", "C"),
    (["1"], "unsupported", ""), (["1"], "contradicted", ""), ([], "supported", ""),
])
def test_sort_rule(scheme, levels, verdict, grade):
    assert evidence.sort_grade(levels, scheme, verdict) == grade


def test_scheme_rejects_a_level_naming_an_undescribed_design(tmp_path):
    bad = dict(SCHEME, designs={"d1": "x"})
    path = tmp_path / "levels.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(InputError, match="design 'd2'"):
        evidence.load_scheme(path)


def test_sources_validation_lists_every_problem(tmp_path, scheme):
    path = sources_file(tmp_path, {"1": {"design": "d5", "cebm_level": "7", "rationale": ""},
                                   "9": {"design": "d1", "cebm_level": "1", "rationale": "r"}})
    with pytest.raises(InputError) as info:
        evidence.load_sources(path, scheme, {"1", "2"})
    fields = {p.field for p in info.value.problems}
    assert fields == {"references.1.cebm_level", "references.1.rationale", "references.9",
                      "references.2"}


def test_per_claim_level_overrides_the_source_level(tmp_path, scheme):
    path = sources_file(tmp_path, {"1": {"design": "d1", "cebm_level": "1", "rationale": "r",
                                         "claim_levels": {"C02": {"level": "5", "reason": "bg"}}}})
    sources = evidence.load_sources(path, scheme, {"1"})
    frame = pd.DataFrame({"id": ["C01", "C02", "C03"], "refs": [["1"], ["1"], []],
                          "verdict": ["supported", "supported", "uncited"]})
    out = evidence.annotate_claims(frame, sources, scheme)
    assert out["evidence_level"].tolist() == ["[1] 1", "[1] 5", ""]
    assert out["sort"].tolist() == ["A", "C", ""]


def test_project_scheme_and_sources_load():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    scheme = evidence.load_scheme(root / "data" / "evidence-levels.yaml")
    assert set(scheme.levels) == {"1", "2", "3", "4", "5"}
    assert [g[0] for g in scheme.sort_grades] == ["A", "B", "C"]


def test_scheme_rejects_rationale_terms_that_are_not_a_list_of_phrases(tmp_path):
    bad = dict(SCHEME, levels=[dict(SCHEME["levels"][0], rationale_terms="systematic review")]
               + SCHEME["levels"][1:])
    path = tmp_path / "levels.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(InputError, match="rationale_terms"):
        evidence.load_scheme(path)
