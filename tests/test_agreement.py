"""Agreement between two reviewers, against a fixture whose kappa and alpha are worked out by hand.

The fixture (tests/fixtures/dual-review, data/cold-swim) has 14 claims: 12 cited (C01-C12) and 2
uncited (C13, C14, left out of agreement). Ana's and Ben's verdicts on the 12 cited claims
(S supported, P partially-supported, U unsupported, N not-verifiable):

    claim  C01 C02 C03 C04 C05 | C06 C07 C08 C09 | C10 C11 C12
    refs   [1] [1] [1] [1] [1] | [2] [2] [2] [2] | [3] [3] [3]
    ana     S   S   S   P   S  |  P   U   N   S  |  U   P   S
    ben     S   S   P   P   S  |  S   U   N   S  |  P   P   S

Cohen's kappa, by hand. Cross-table (ana rows, ben columns): S/S 5, S/P 1, P/P 2, P/S 1, U/U 1,
U/P 1, N/N 1. Observed agreement po = (5+2+1+1)/12 = 9/12 = 0.75. Marginals: ana S6 P3 U2 N1,
ben S6 P4 U1 N1, so chance agreement pe = (6*6 + 3*4 + 2*1 + 1*1)/144 = 51/144.
kappa = (po - pe)/(1 - pe) = (108/144 - 51/144)/(93/144) = 57/93 = 19/31 = 0.6129.

Its standard error (Fleiss, Cohen & Everitt 1969), with 1 - kappa = 12/31:
  diagonal  sum p_ii [1 - (p_i. + p_.i)(1 - kappa)]^2
            = [5*(19/31)^2 + 2*(24/31)^2 + (28/31)^2 + (29/31)^2]/12 = 4582/11532
  off-diag  (1 - kappa)^2 sum p_ij (p_.i + p_j.)^2, cells S/P (6+3)/12, P/S (4+6)/12, U/P (1+3)/12
            = (144/961) * (81 + 100 + 16)/1728 = 197/11532
  minus     [kappa - pe(1 - kappa)]^2 = (19/31 - 17/124)^2 = (59/124)^2 = 3481/15376
  var = (4779/11532 - 3481/15376) / (12 * (31/48)^2) = 0.188020/5.005208 = 0.037565, SE = 0.19382
  95% CI = 0.6129 -/+ 1.95996 * 0.19382 = [0.2330, 0.9928].

Krippendorff's alpha (nominal), by hand: 24 values, S 12, P 7, U 3, N 2; 3 disagreeing units
give 6 off-diagonal coincidences. Do = 6/24; De = (24^2 - (144+49+9+4))/(24*23) = 370/552;
alpha = 1 - Do/De = 1 - 138/370 = 116/185 = 0.6270.

Per source: [1] po 4/5, pe (4*3 + 1*2)/25 = 14/25, kappa = (6/25)/(11/25) = 6/11 = 0.5455;
[2] po 3/4, pe (1*2 + 1*1 + 1*1)/16 = 4/16, kappa = (8/16)/(12/16) = 2/3;
[3] po 2/3, pe (1*2 + 1*1)/9 = 3/9, kappa = (3/9)/(6/9) = 1/2.
Conflicts: C03 (S/P), C06 (P/S), C10 (U/P).
"""

from __future__ import annotations

import json

import pytest
from dual_review import NAME, dual_project
from projects import run_cli

from evidence_review.cli import main as cli
from evidence_review.report.session import open_review

ANA = "S S S P S P U N S U P S".split()
BEN = "S S P P S S U N S P P S".split()
KAPPA = 19 / 31
CI = (0.2330, 0.9928)
ALPHA = 116 / 185


@pytest.fixture
def project(tmp_path):
    return dual_project(tmp_path)


@pytest.fixture
def agreement():
    """The module under test, imported by the tests that call it: it loads scikit-learn (with
    SciPy), which at this module's top cost every xdist worker ~2 s of collection."""
    from evidence_review.appraisal import agreement

    return agreement


def test_hand_computed_kappa_equals_the_librarys(agreement):
    from sklearn.metrics import cohen_kappa_score

    assert cohen_kappa_score(ANA, BEN) == pytest.approx(KAPPA, abs=1e-12)
    assert agreement.cohen_kappa(ANA, BEN) == pytest.approx(KAPPA, abs=1e-12)
    lo, hi = agreement.kappa_interval(ANA, BEN, KAPPA)
    assert (lo, hi) == pytest.approx(CI, abs=5e-5)


def test_fixture_agreement_matches_the_hand_computation(project):
    result = open_review(NAME, project).agreement
    assert result.reviewers == ["ana", "ben"]
    assert result.claims == 12  # the two uncited claims are left out
    assert result.kappa == pytest.approx(KAPPA, abs=1e-12)
    assert result.kappa_ci == pytest.approx(CI, abs=5e-5)
    assert result.alpha == pytest.approx(ALPHA, abs=1e-12)
    assert result.observed == pytest.approx(0.75)
    assert {ref: (s["n"], s["kappa"]) for ref, s in result.per_source.items()} == {
        "1": (5, round(6 / 11, 4)), "2": (4, round(2 / 3, 4)), "3": (3, 0.5)}
    assert [c["id"] for c in result.conflicts] == ["C03", "C06", "C10"]
    assert result.conflicts[0]["verdicts"] == {"ana": "supported", "ben": "partially-supported"}
    assert all(c["settled"] is None for c in result.conflicts)
    assert result.complete


def test_cli_json_has_the_interface_shape_and_the_hand_values(project, capsys):
    assert cli.main(["agreement", "--root", str(project), "--review", NAME, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("review", "reviewers", "claims", "kappa", "kappa_ci", "alpha", "per_source", "conflicts"):
        assert key in data
    assert data["review"] == NAME and data["reviewers"] == ["ana", "ben"] and data["claims"] == 12
    assert data["kappa"] == round(KAPPA, 4) and data["kappa_ci"] == [0.233, 0.9928]
    assert data["alpha"] == round(ALPHA, 4)
    assert data["per_source"]["1"] == {"kappa": 0.5455, "n": 5, "alpha": data["per_source"]["1"]["alpha"],
                                       "observed_agreement": 0.8}
    assert data["conflicts"][2] == {"id": "C10", "verdicts": {"ana": "unsupported",
                                                              "ben": "partially-supported"},
                                    "settled": None}


def test_cli_table_names_kappa_alpha_and_conflicts(project, capsys):
    assert cli.main(["agreement", "--root", str(project), "--review", NAME]) == 0
    out = capsys.readouterr().out
    assert "Cohen's kappa 0.61 (95% CI 0.23 to 0.99" in out
    assert "Krippendorff's alpha (nominal) 0.63" in out
    assert "3 conflict(s), 0 settled" in out and "C06" in out


def test_fewer_than_two_reviewers_is_one_clear_message(project):
    (project / "data" / NAME / "verdicts" / "ben.csv").unlink()
    done = run_cli("agreement", "--review", NAME, root=project)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: data/{NAME}/verdicts: agreement needs the verdict files of two or more reviewers "
        "(REVIEWER.csv); found ana.csv"]
    assert "Traceback" not in done.stderr


def test_a_settled_conflict_names_the_final_verdict_and_who_set_it(project):
    claims = project / "data" / NAME / "claims.csv"
    text = claims.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("C03,"))
    fixed = row.replace(",sentence,,,,none,,,false,,,", ",sentence,partially-supported,"
                        "Mood was asked about on the day only.,\"Results, para 3\",abstract,true,,false,"
                        "Adjudicated: the survey asked about the day of the swim.,cleo,2026-11-25")
    assert fixed != row
    claims.write_text(text.replace(row, fixed), encoding="utf-8")
    result = open_review(NAME, project).agreement
    c03 = next(c for c in result.conflicts if c["id"] == "C03")
    assert c03["settled"] == {"verdict": "partially-supported", "reviewer": "cleo", "decided": "2026-11-25"}


def test_three_reviewers_give_alpha_and_no_single_kappa(agreement):
    ratings = {"ana": {"C1": "supported", "C2": "unsupported", "C3": "supported"},
               "ben": {"C1": "supported", "C2": "unsupported", "C3": "contradicted"},
               "cat": {"C1": "supported", "C2": "supported"}}
    result = agreement.compute("x", ratings, {"C1": ["1"], "C2": ["1"], "C3": ["2"], "C4": []})
    assert result.kappa is None and result.kappa_ci is None
    assert result.claims == 3 and result.alpha is not None
    assert [c["id"] for c in result.conflicts] == ["C2", "C3"]
    assert not result.complete  # nobody judged C4


def test_one_verdict_throughout_leaves_kappa_undefined_not_nan(agreement):
    ratings = {"a": {"C1": "supported", "C2": "supported"}, "b": {"C1": "supported", "C2": "supported"}}
    result = agreement.compute("x", ratings, {"C1": ["1"], "C2": ["1"]})
    assert result.kappa is None and result.alpha is None and result.observed == 1.0
    assert json.dumps(result.to_json())  # no NaN in the JSON
