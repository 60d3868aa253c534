"""DOIs: normalisation, validation, and each printed breakage with its diagnosis and repair."""

from __future__ import annotations

import pytest

from evidence_review.records.doi import (
    as_clause,
    candidates,
    diagnose,
    is_valid,
    looks_truncated,
    normalise,
)

DOI = "10.1212/wnl.0b013e3181d0ccca"


@pytest.mark.parametrize("printed", [
    "10.1212/WNL.0b013e3181d0ccca",
    "https://doi.org/10.1212/WNL.0b013e3181d0ccca",
    "http://dx.doi.org/10.1212/wnl.0b013e3181d0ccca",
    "https://www.doi.org/10.1212/wnl.0b013e3181d0ccca",
    "doi.org/10.1212/wnl.0b013e3181d0ccca",
    "doi:10.1212/wnl.0b013e3181d0ccca",
    "DOI: 10.1212/wnl.0b013e3181d0ccca",
    "  10.1212/wnl.0b013e3181d0ccca.  ",
    "(https://doi.org/10.1212/wnl.0b013e3181d0ccca);",
    "https://doi.org/10.1212%2Fwnl.0b013e3181d0ccca",
    "doi:https://doi.org/10.1212/wnl.0b013e3181d0ccca",
])
def test_normalise_printed_forms(printed):
    assert normalise(printed.lstrip("(")) == DOI
    assert is_valid(normalise(printed.lstrip("(")))


def test_balanced_parenthesis_is_part_of_the_doi():
    doi = "10.1002/(sici)1097-4636(199606)31:2<>3.0.co;2-e"
    assert normalise("10.1002/(SICI)1097-4636(199606)31:2<>3.0.CO;2-E") == doi
    assert normalise("10.1002/(sici)1097-4636(199606)31").endswith("(199606)31")
    assert normalise("10.1000/abc(1))") == "10.1000/abc(1)"


@pytest.mark.parametrize("doi", ["1212/wnl.x", "10.12/wnl", "10.1212", "10.1212/wnl x",
                                 "11.1212/wnl", ""])
def test_invalid(doi):
    assert not is_valid(doi)


def test_valid_doi_has_no_diagnosis_and_no_candidates():
    assert diagnose(f"https://doi.org/{DOI}") == []
    assert candidates(f"https://doi.org/{DOI}") == []


@pytest.mark.parametrize(("printed", "says", "repaired"), [
    ("https://doi.org/1212/wnl.0b013e3181d0ccca", "lacks the '10.' directory indicator", DOI),
    ("10,1212/wnl.0b013e3181d0ccca", "followed by ','", DOI),
    ("10/1212/wnl.0b013e3181d0ccca", "followed by '/'", DOI),
    ("Neurology.10.1212/wnl.0b013e3181d0ccca", "glued to preceding text", DOI),
    (".10.1212/wnl.0b013e3181d0ccca", "glued to preceding text", DOI),
    ("10.1212/ wnl.0b013e 3181d0ccca", "contains spaces", DOI),
    ("10.1212/wnl\u20110b013e3181d0ccca".replace("\u2011", "."), None, None),  # control
    ("10.1177/1941738109357299\u200b", "invisible characters", "10.1177/1941738109357299"),
    ("10.1136/pn\u20132022\u2013003574", "typographic dashes", "10.1136/pn-2022-003574"),
    ("1212/ wnl.0b013e3181d0ccca", "lacks the '10.'", DOI),  # two breakages at once
])
def test_breakage_diagnosed_and_repaired(printed, says, repaired):
    problems = diagnose(printed)
    if says is None:
        assert problems == [] and candidates(printed) == []
        return
    assert any(says in p for p in problems), problems
    assert all(p.endswith(".") for p in problems)
    assert candidates(printed)[0] == repaired


def test_missing_directory_without_dot_proposes_both_readings():
    assert candidates("101212/wnl.x") == ["10.101212/wnl.x", "10.1212/wnl.x"]


def test_trailing_punctuation_is_named_but_needs_no_repair():
    assert diagnose(f"{DOI}.);") == ["The DOI ends in punctuation ('.);') that is not part of it."]
    assert candidates(f"{DOI}.") == []


@pytest.mark.parametrize("printed", ["10.1212/wnl.0b013e...", "10.1212/wnl.0b013e\u2026",
                                     "10.1212/", "https://doi.org/10.1212/wnl-"])
def test_truncated_suffix_is_flagged_not_repaired(printed):
    assert looks_truncated(printed)
    assert any("truncated" in p for p in diagnose(printed))
    assert candidates(printed) == []


def test_unrecognised_breakage_and_empty():
    assert diagnose("wnl.0b013e3181d0ccca") == [
        "The DOI does not fit Crossref's pattern '10.<registrant>/<suffix>'."]
    assert diagnose("  ") == ["No DOI is printed."]
    assert candidates("wnl.0b013e3181d0ccca") == []


def test_as_clause():
    assert as_clause("The DOI contains spaces.") == "the DOI contains spaces"
