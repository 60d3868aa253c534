"""The reviewer's quality entries for one article (``data/<review>/quality.yaml``): validate, load.

Validation lists every problem at once, each with the file, the line a reviewer sees in an editor
and a dotted field path (``discern.Q3.score``), like the claims table's validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evidence_review.appraisal.quality.currency import DEFAULT_THRESHOLD_YEARS
from evidence_review.appraisal.quality.discern import SCORE_MAX, SCORE_MIN, load_discern
from evidence_review.appraisal.quality.jama import CRITERIA
from evidence_review.appraisal.quality.readability import TARGET_GRADE
from evidence_review.core.datafile import read_yaml, read_yaml_lines
from evidence_review.core.errors import InputError, Problem
from evidence_review.core.schemas import QualityFile, shape_problems

TOP_KEYS = ("jama", "discern", "currency", "readability")
JAMA_KEYS = ("met", "reason")
DISCERN_KEYS = ("score", "justification")
CURRENCY_KEYS = ("threshold_years", "notes")
READABILITY_KEYS = ("target_grade",)
Lines = dict[tuple[str, ...], int]


def default_discern_path(quality_path: Path | str) -> Path:
    """``data/quality/discern.yaml`` beside a review's ``data/<review>/quality.yaml``."""
    return Path(quality_path).resolve().parent.parent / "quality" / "discern.yaml"


def validate_quality(path: Path | str, discern_path: Path | str | None = None) -> list[Problem]:
    """Check a review's quality.yaml and return every problem found (empty when it is valid).

    Parameters
    ----------
    path : path-like
        The review's ``quality.yaml``.
    discern_path : path-like, optional
        The DISCERN definition; defaults to ``data/quality/discern.yaml`` under the same root.

    Returns
    -------
    list of Problem
        Missing or unknown JAMA criteria and DISCERN questions, scores that are not whole numbers
        from 1 to 5, empty justifications or reasons, unknown keys, a bad threshold or target.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        return [Problem(name, "file not found; copy another review's quality.yaml and edit it")]
    try:
        data, lines = read_yaml_lines(path, name)
    except InputError as exc:
        return exc.problems
    if not isinstance(data, dict):
        return [Problem(name, "expected a mapping with keys: " + ", ".join(TOP_KEYS), row=1)]
    shape = shape_problems(QualityFile, data, name, lines)
    if shape:  # a block of the wrong type: the per-criterion rules below would only repeat it
        return shape
    questions = load_discern(discern_path or default_discern_path(path)).question_ids
    check = _Checker(name, lines)
    check.unknown_keys(data, (), TOP_KEYS)
    check.jama(data.get("jama"))
    check.discern(data.get("discern"), questions)
    check.currency(data.get("currency"))
    check.readability(data.get("readability"))
    return check.problems


def load_quality(path: Path | str, discern_path: Path | str | None = None) -> dict[str, Any]:
    """Load a review's quality.yaml after validating it.

    Raises
    ------
    InputError
        With every problem :func:`validate_quality` found.
    """
    problems = validate_quality(path, discern_path)
    if problems:
        raise InputError(problems)
    return read_yaml(Path(path), str(path))


class _Checker:
    """Collects problems for one file; each method checks one block."""

    def __init__(self, file: str, lines: Lines):
        self.file, self.lines, self.problems = file, lines, []

    def add(self, path: tuple[str, ...], message: str) -> None:
        row = next((self.lines[path[:n]] for n in range(len(path), 0, -1)
                    if path[:n] in self.lines), None)
        self.problems.append(Problem(self.file, message, row=row, field=".".join(path) or None))

    def mapping(self, value: Any, path: tuple[str, ...], required: bool = True) -> bool:
        if value is None and not required:
            return False
        if value is None:
            self.add(path, "is empty; fill it in" if path in self.lines
                     else "missing; add this block")
            return False
        if not isinstance(value, dict):
            self.add(path, "expected a mapping of keys to values")
            return False
        return True

    def unknown_keys(self, value: Mapping, path: tuple[str, ...], allowed: tuple[str, ...]) -> None:
        for key in value:
            if str(key) not in allowed:
                self.add((*path, str(key)), f"unknown key; allowed: {', '.join(allowed)}")

    def text(self, entry: Mapping, path: tuple[str, ...], what: str) -> None:
        value = entry.get(path[-1])
        if not isinstance(value, str) or not value.strip():
            self.add(path, f"missing {what}; write one or two sentences")

    def jama(self, block: Any) -> None:
        if not self.mapping(block, ("jama",)):
            return
        self.unknown_keys(block, ("jama",), CRITERIA)
        for criterion in CRITERIA:
            path = ("jama", criterion)
            if criterion not in block:
                self.add(path, "no reviewer decision; add met: true/false with a reason")
            elif self.mapping(block[criterion], path):
                entry = block[criterion]
                self.unknown_keys(entry, path, JAMA_KEYS)
                if not isinstance(entry.get("met"), bool):
                    self.add((*path, "met"), "must be true or false")
                self.text(entry, (*path, "reason"), "reason")

    def discern(self, block: Any, questions: list[str]) -> None:
        if not self.mapping(block, ("discern",)):
            return
        self.unknown_keys(block, ("discern",), tuple(questions))
        for qid in questions:
            path = ("discern", qid)
            if qid not in block:
                self.add(path, "question not scored; add score (1-5) and justification")
            elif self.mapping(block[qid], path):
                entry = block[qid]
                self.unknown_keys(entry, path, DISCERN_KEYS)
                self.score(entry.get("score"), (*path, "score"))
                self.text(entry, (*path, "justification"), "justification")

    def score(self, value: Any, path: tuple[str, ...]) -> None:
        # bool is an int in Python; "yes" must not pass as a score of 1.
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"must be a whole number from {SCORE_MIN} to {SCORE_MAX}")
        elif not SCORE_MIN <= value <= SCORE_MAX:
            self.add(path, f"{value} is outside {SCORE_MIN}-{SCORE_MAX}")

    def currency(self, block: Any) -> None:
        if not self.mapping(block, ("currency",), required=False):
            return
        self.unknown_keys(block, ("currency",), CURRENCY_KEYS)
        years = block.get("threshold_years", DEFAULT_THRESHOLD_YEARS)
        if isinstance(years, bool) or not isinstance(years, int | float) or years <= 0:
            self.add(("currency", "threshold_years"), "must be a positive number of years")
        notes = block.get("notes", {})
        if not self.mapping(notes, ("currency", "notes"), required=False):
            return
        for ref, note in notes.items():
            if not isinstance(note, str) or not note.strip():
                self.add(("currency", "notes", str(ref)), "a note must be non-empty text")

    def readability(self, block: Any) -> None:
        if not self.mapping(block, ("readability",), required=False):
            return
        self.unknown_keys(block, ("readability",), READABILITY_KEYS)
        target = block.get("target_grade", list(TARGET_GRADE))
        ok = (isinstance(target, list) and len(target) == 2
              and all(isinstance(x, int | float) and not isinstance(x, bool) for x in target)
              and target[0] <= target[1])
        if not ok:
            self.add(("readability", "target_grade"), "must be [low, high] grades, low <= high")
