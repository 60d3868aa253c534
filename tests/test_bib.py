"""cited.bib round-trips every printed value; syntax errors are reported by line."""

import pytest

from evidence_review.core.errors import InputError
from evidence_review.intake import citedbib as bib
from evidence_review.intake import reflist

ENTRIES = [
    "[1] Swash, M., & De Carvalho, M. (2018). Cramp: causes & management. Eur J, 26(2), 214–221. "
    "https://doi.org/10.1111/ene.13799",
    "[3] Katzberg, H. D. (2010). Assessment. Neurology, 74(8), 691–696. https://doi.org/1212/wnl.0b0",
    "[5] MedlinePlus. (2019, October). Baclofen: Drug Information. NLM. https://medlineplus.gov/a.html",
]


def test_round_trip_is_lossless(tmp_path):
    refs = reflist.parse_list(ENTRIES)
    path = tmp_path / "cited.bib"
    bib.write_cited(refs, path, "demo")
    assert bib.read_cited(path) == refs
    text = path.read_text(encoding="utf-8")
    assert "doi = {https://doi.org/1212/wnl.0b0}" in text  # the broken DOI exactly as printed
    assert "@online{ref5," in text


def test_unbalanced_braces_are_refused(tmp_path):
    refs = reflist.parse_list(["[1] A, B. (2020). Title {oops. J, 1(1), 1–2."])
    with pytest.raises(InputError, match="unbalanced braces"):
        bib.write_cited(refs, tmp_path / "x.bib", "demo")


def test_bibtex_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "cited.bib"
    path.write_text("@article{ref1,\n  title = {Fine},\n}\n\n@article{ref2,\n  title = {Broken\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        bib.read_cited(path)
    problem = info.value.problems[0]
    assert problem.file == "cited.bib" and problem.row == 5 and "syntax" in problem.message
