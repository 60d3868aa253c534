"""Claims-table validation: each kind of malformed table is rejected with file, row and column."""

import pytest

from evidence_review.appraisal import claims
from evidence_review.core.errors import InputError

# The rows below predate the optional trail columns (reviewer, decided): a table without them is valid.
HEADER = ",".join(c for c in claims.COLUMNS if c not in claims.TRAIL)
GOOD = [
    'C01,Intro,S01,"Cramps hurt [1].",Cramps are painful.,1,sentence,supported,'
    'The review says cramps are painful.,Abstract,abstract,true,,false,',
    'C02,Intro,S02,Drink water.,Drinking water prevents cramps.,,,uncited,,,none,true,2,false,'
    'Needs a source.',
]
ARTICLE = "Cramps hurt [1]. Drink water."
CTX = claims.Context(ref_numbers=frozenset({"1", "2"}), article_text=ARTICLE,
                     candidate_ids=frozenset({"S01", "S02"}),
                     candidate_markers={"S01": ("1",), "S02": ()})


def write(tmp_path, lines, header=HEADER, encoding="utf-8"):
    path = tmp_path / "claims.csv"
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode(encoding))
    return path


def problems_of(path):
    with pytest.raises(InputError) as info:
        claims.load(path, CTX, label="claims.csv")
    return info.value.problems


def test_good_table_loads_typed(tmp_path):
    frame = claims.load(write(tmp_path, GOOD), CTX)
    assert list(frame["id"]) == ["C01", "C02"]
    assert frame.loc[0, "refs"] == ["1"] and frame.loc[1, "refs"] == []
    assert frame.loc[1, "would_support"] == ["2"]
    assert frame["needs_citation"].tolist() == [True, True]


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        claims.load(tmp_path / "nope.csv", CTX)


def test_empty_file(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text("", encoding="utf-8")
    assert "empty" in problems_of(path)[0].message


def test_not_utf8_names_the_line(tmp_path):
    path = write(tmp_path, [GOOD[0], GOOD[1].replace("Drink water.", "Drink w\xe4ter.")],
                 encoding="latin-1")
    (problem,) = problems_of(path)
    assert problem.row == 3 and "UTF-8" in problem.message


def test_unclosed_quote(tmp_path):
    (problem,) = problems_of(write(tmp_path, [GOOD[0], 'C02,Intro,S02,"unclosed']))
    assert "CSV syntax" in problem.message


def test_missing_required_column(tmp_path):
    header = HEADER.replace(",verdict", "")
    lines = [g.replace(",supported", "").replace(",uncited", "") for g in GOOD]
    found = problems_of(write(tmp_path, lines, header=header))
    assert any(p.field == "verdict" and p.row == 1 and "missing" in p.message for p in found)


def test_unknown_column(tmp_path):
    found = problems_of(write(tmp_path, [g + ",x" for g in GOOD], header=HEADER + ",colour"))
    assert any(p.field == "colour" and "unknown column" in p.message for p in found)


@pytest.mark.parametrize("old,new,field,fragment", [
    ("C01,Intro,S01", "C1,Intro,S01", "id", "not a claim id"),
    (",1,sentence,supported", ",9,sentence,supported", "refs", "[9] is not in the article"),
    ("supported,The", "sort-of,The", "verdict", "not a verdict"),
    ("Cramps are painful.", "", "text", "empty claim text"),
    ("The review says cramps are painful.", "", "source_says", "needs 'source_says'"),
    (",Abstract,abstract", ",,abstract", "locator", "needs 'locator'"),
    ("abstract,true", "vibes,true", "basis", "not a basis"),
    ("abstract,true", "abstract,maybe", "needs_citation", "not true or false"),
    ('"Cramps hurt [1]."', '"Cramps hurts [1]."', "quote", "does not occur verbatim"),
    ("C01,Intro,S01", "C01,Intro,S99", "sentence", "not a claim candidate"),
    ("1,sentence,supported", "1,sentence,uncited", "verdict", "cannot be 'uncited'"),
    ("sentence,supported", "whole-page,supported", "marker_scope", "not a marker scope"),
])
def test_each_bad_cell_is_located(tmp_path, old, new, field, fragment):
    assert old in GOOD[0]
    found = problems_of(write(tmp_path, [GOOD[0].replace(old, new), GOOD[1]]))
    assert any(p.field == field and p.row == 2 and fragment in p.message for p in found), found


def test_duplicate_id_points_to_first_use(tmp_path):
    found = problems_of(write(tmp_path, [GOOD[0], GOOD[1].replace("C02", "C01")]))
    assert any(p.field == "id" and p.row == 3 and "line 2" in p.message for p in found)


def test_uncited_claim_with_other_verdict(tmp_path):
    found = problems_of(write(tmp_path, [GOOD[0], GOOD[1].replace(",uncited,", ",supported,")]))
    assert any(p.field == "verdict" and p.row == 3 for p in found)


def test_not_verifiable_needs_a_note(tmp_path):
    line = GOOD[0].replace("supported,The review says cramps are painful.,Abstract,abstract",
                           "not-verifiable,,,none")
    found = problems_of(write(tmp_path, [line, GOOD[1]]))
    assert any(p.field == "note" and "why" in p.message for p in found)


def test_stray_comma_extra_cell(tmp_path):
    found = problems_of(write(tmp_path, [GOOD[0] + ",extra", GOOD[1]]))
    assert any("more cell" in p.message and p.row == 2 for p in found)


def test_candidate_with_marker_must_be_covered(tmp_path):
    found = problems_of(write(tmp_path, [GOOD[1]]))
    assert any("S01 carries [1]" in p.message for p in found)


def test_all_problems_are_listed_at_once(tmp_path):
    lines = [GOOD[0].replace("supported,The", "bad,The").replace("C01,", "X1,"), GOOD[1]]
    found = problems_of(write(tmp_path, lines))
    assert {p.field for p in found} >= {"id", "verdict"}


def test_scaffold_round_trips_through_validation(tmp_path):
    from evidence_review.intake.article import Candidate

    cands = [Candidate("S01", "Intro", "Cramps hurt [1].", ("1",), False),
             Candidate("S02", "Intro", "Drink water.", (), False)]
    path = tmp_path / "claims.csv"
    path.write_text(claims.scaffold(cands), encoding="utf-8")
    header, records = claims.read_rows(path)
    found = claims.validate_rows(header, records, CTX, "claims.csv")
    assert found == []  # a scaffold is valid: unreviewed rows have empty verdicts
    assert records[0]["quote"] == "Cramps hurt [1]." and records[0]["refs"] == "1"
    frame = claims.to_frame(records)
    assert frame["verdict"].tolist() == ["unreviewed", "unreviewed"]


def test_trail_columns_are_optional_and_checked_when_present(tmp_path):
    header = HEADER + ",reviewer,decided"
    good = [GOOD[0] + ",ana,2026-11-30", GOOD[1] + ",,"]
    frame = claims.load(write(tmp_path, good, header=header), CTX)
    assert frame.loc[0, "reviewer"] == "ana" and frame.loc[0, "decided"] == "2026-11-30"
    found = problems_of(write(tmp_path, [GOOD[0] + ",Ana B,30.11.2026", GOOD[1] + ",,2026-11-30"],
                              header=header))
    assert {(p.row, p.field) for p in found} == {(2, "reviewer"), (2, "decided"), (3, "reviewer")}
