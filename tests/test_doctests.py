"""The examples in the package's docstrings run as tests, so they cannot go stale."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import evidence_review

MODULES = sorted(m.name for m in pkgutil.walk_packages(evidence_review.__path__, "evidence_review.")
                 if not m.name.endswith("__main__"))


def _with_examples() -> list[str]:
    finder = doctest.DocTestFinder()
    return [name for name in MODULES
            if any(t.examples for t in finder.find(importlib.import_module(name)))]


@pytest.mark.parametrize("name", _with_examples())
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


def test_some_modules_have_examples():
    # guards the finder itself: an empty parametrisation would pass silently
    assert len(_with_examples()) >= 3
