"""The examples in the package's docstrings run as tests, so they cannot go stale."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "evidence_review"


def _with_examples() -> list[str]:
    """The modules whose source holds a ``>>>`` example, found by reading the files: importing every
    module to ask doctest cost each test process ~3 s at collection (scikit-learn among them)."""
    return sorted(".".join(("evidence_review", *path.relative_to(PACKAGE).with_suffix("").parts))
                  for path in PACKAGE.rglob("*.py")
                  if path.name != "__main__.py" and ">>> " in path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", _with_examples())
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


def test_some_modules_have_examples():
    # guards the finder itself: an empty parametrisation would pass silently
    assert len(_with_examples()) >= 3


def test_the_scan_finds_every_module_doctest_finds():
    """The text scan misses no module with an example (doctest's own finder, over every module)."""
    import pkgutil

    import evidence_review

    finder = doctest.DocTestFinder()
    found = sorted(m.name for m in pkgutil.walk_packages(evidence_review.__path__, "evidence_review.")
                   if not m.name.endswith("__main__")
                   and any(t.examples for t in finder.find(importlib.import_module(m.name))))
    assert found == _with_examples()


# --- rules whose copies once disagreed: these cases decided which copy was right ------------------

def test_a_printed_day_month_year_is_that_year():
    # resolution once read "12 May 2019" as 1220 (the first four digits); the audit read 2019
    from evidence_review.core.dates import printed_year

    assert printed_year("12 May 2019") == 2019
    assert printed_year("2018 Dec;26(2)") == 2018
    assert printed_year("no year") is None


def test_an_abbreviated_last_page_is_expanded_everywhere():
    # the audit expanded "279-83" to 279–283, the exports kept "83"
    from evidence_review.core.pages import page_range
    from evidence_review.intake.references import CitedReference
    from evidence_review.report.exports import bibtex_entry

    assert page_range("279-83") == ("279", "283")
    entry = bibtex_entry(CitedReference(number="1", printed="x", title="T", pages="279-83"))
    assert entry.fields_dict["pages"].value == "279--283"


def test_volatile_fields_are_one_list():
    # resolution dropped four volatile fields, the snapshot five ("references-count" too)
    from evidence_review.records.snapshot import VOLATILE_FIELDS, stable_message

    message = {"DOI": "10.5555/x", **{k: 1 for k in VOLATILE_FIELDS}}
    assert stable_message(message) == {"DOI": "10.5555/x"}
    assert "references-count" in VOLATILE_FIELDS


def test_a_descending_marker_range_names_both_ends():
    from evidence_review.core.markers import expand, numbers_in

    assert expand("1, 3–5") == ["1", "3", "4", "5"]
    assert expand("5-3") == ["5", "3"]
    assert numbers_in("as shown [2], [4,6] and [7–8].") == ["2", "4", "6", "7", "8"]


def test_dates_from_every_shape():
    from datetime import date

    from evidence_review.core.dates import as_date

    assert as_date({"date-parts": [[2019, 5]]}) == date(2019, 5, 1)
    assert as_date("2020-03-04T10:00:00Z") == date(2020, 3, 4)
    assert as_date("2019, October") == date(2019, 10, 1)
    assert as_date(None) is None


def test_an_atomic_write_keeps_the_files_mode(tmp_path):
    import os
    import stat

    from evidence_review.core.atomic import write_text

    target = tmp_path / "claims.csv"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_text(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.read_text() == "new"
    fresh = write_text(tmp_path / "fresh.txt", "x")
    assert stat.S_IMODE(fresh.stat().st_mode) & 0o044  # readable by others, as open() would make it
