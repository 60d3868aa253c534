"""Exceptions a caller can catch, and the Problem record every validator returns.

The hierarchy follows httpx/requests: one base class, a few specific ones. The CLI turns an
``InputError`` into exit code 2 with one line per problem, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    ``row`` is the 1-based line number in the file as a reviewer sees it in an editor (for a CSV the
    header is line 1, so the first data row is line 2); ``None`` when the problem is not row-bound.
    """

    file: str
    message: str
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.field:
            where += f" [{self.field}]"
        return f"{where}: {self.message}"


class EvidenceReviewError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(EvidenceReviewError):
    """Bad input or usage: a file, row or field a reviewer must fix (CLI exit code 2)."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(file="-", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class CrossrefError(EvidenceReviewError):
    """Crossref could not be asked or answered badly (after retries)."""


class EuropePMCError(EvidenceReviewError):
    """Europe PMC could not be asked or answered badly (after retries)."""


class SnapshotError(EvidenceReviewError):
    """The stored Crossref snapshot is missing, corrupt or inconsistent with its manifest."""
