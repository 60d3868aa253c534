"""DISCERN: the instrument as data, the reviewer's 16 scores, and their section sums."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_review.core.datafile import read_yaml
from evidence_review.core.errors import InputError, Problem

SCORE_MIN, SCORE_MAX = 1, 5


@dataclass(frozen=True)
class DiscernInstrument:
    """The DISCERN questions, their sections and paraphrased scoring guidance.

    ``sections`` is a list of ``{"id", "name", "questions"}`` in report order; ``questions`` maps a
    question id ("Q1") to ``{"text": str, "guidance": {1: str, 3: str, 5: str}}``.
    """

    sections: list[dict[str, Any]]
    questions: dict[str, dict[str, Any]]

    @property
    def question_ids(self) -> list[str]:
        """Question ids in section order."""
        return [q for section in self.sections for q in section["questions"]]

    def section_of(self, question: str) -> str:
        """The id of the section a question belongs to."""
        return next(s["id"] for s in self.sections if question in s["questions"])


def load_discern(path: Path | str) -> DiscernInstrument:
    """Load and check the DISCERN definition (``data/quality/discern.yaml``).

    Raises
    ------
    InputError
        If a section names an undefined question, a question is in no section, or guidance for
        scores 1, 3 and 5 is missing.
    """
    path = Path(path)
    data = read_yaml(path, str(path))
    if not (isinstance(data, dict) and isinstance(data.get("sections"), list)
            and isinstance(data.get("questions"), dict)
            and all(isinstance(s, dict) and isinstance(s.get("questions"), list)
                    for s in data["sections"])
            and all(isinstance(q, dict) for q in data["questions"].values())):
        raise InputError(Problem(str(path), "expected 'sections' (a list, each with its 'questions') "
                                            "and 'questions' (a mapping of id to definition)"))
    sections, questions = data["sections"], data["questions"]
    placed = [q for s in sections for q in s["questions"]]
    problems = [Problem(str(path), f"section lists undefined question {q}", field="sections")
                for q in placed if q not in questions]
    problems += [Problem(str(path), "question is in no section", field=f"questions.{q}")
                 for q in questions if q not in placed]
    problems += [Problem(str(path), "guidance needs scores 1, 3 and 5",
                         field=f"questions.{q}.guidance")
                 for q, spec in questions.items() if set(spec.get("guidance", {})) != {1, 3, 5}]
    if problems:
        raise InputError(problems)
    return DiscernInstrument(sections=sections, questions=questions)


def discern_table(instrument: DiscernInstrument, entries: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per question: section, paraphrased question, the reviewer's score and reason.

    Parameters
    ----------
    instrument : DiscernInstrument
        From :func:`load_discern`.
    entries : mapping
        Question id -> ``{"score": int, "justification": str}`` (the validated ``discern`` block).

    Returns
    -------
    pandas.DataFrame
        Columns ``question, section, text, score, justification``; unscored questions have NA.
    """
    rows = []
    for qid in instrument.question_ids:
        entry = entries.get(qid, {})
        rows.append({"question": qid, "section": instrument.section_of(qid),
                     "text": instrument.questions[qid]["text"], "score": entry.get("score"),
                     "justification": entry.get("justification", "")})
    return pd.DataFrame(rows).astype({"score": "Int64"})


def discern_scores(instrument: DiscernInstrument, entries: Mapping[str, Mapping]) -> pd.DataFrame:
    """Section sums, the Q16 overall rating, and the total of the questions before it.

    Parameters
    ----------
    instrument : DiscernInstrument
        From :func:`load_discern`.
    entries : mapping
        Question id -> ``{"score": int, ...}``; every question must be scored.

    Returns
    -------
    pandas.DataFrame
        Rows per section (for ``overall`` the single Q16 rating) then ``total`` of every question
        outside the overall section; columns ``part, name, questions, score, minimum, maximum``.

    Raises
    ------
    ValueError
        If a question has no score (validate the file first with ``validate_quality``).
    """
    missing = [q for q in instrument.question_ids if q not in entries]
    if missing:
        raise ValueError(f"DISCERN questions not scored: {', '.join(missing)}")
    rows = [_part(s["id"], s["name"], s["questions"], entries) for s in instrument.sections]
    rated = [q for s in instrument.sections if s["id"] != "overall" for q in s["questions"]]
    rows.append(_part("total", "Sum of all questions before the overall rating", rated, entries))
    return pd.DataFrame(rows)


def _part(part: str, name: str, questions: list[str], entries: Mapping[str, Mapping]) -> dict:
    return {
        "part": part,
        "name": name,
        "questions": f"{questions[0]}–{questions[-1]}" if len(questions) > 1 else questions[0],
        "score": sum(int(entries[q]["score"]) for q in questions),
        "minimum": SCORE_MIN * len(questions),
        "maximum": SCORE_MAX * len(questions),
    }


def guidance(instrument: DiscernInstrument, question: str) -> str:
    """The paraphrased question and its scoring guidance, as text a reviewer reads while scoring."""
    spec = instrument.questions[question]
    lines = [f"{question}. {spec['text']}"]
    lines += [f"  {score}: {text}" for score, text in sorted(spec["guidance"].items())]
    return "\n".join(lines)
