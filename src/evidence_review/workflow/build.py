"""``evidence-review build``: check a review, rebuild its derived files, its report and exports.

One review at a time (:func:`build_one`) or every review under ``data/`` in parallel processes
(:func:`build_all`).
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from evidence_review.core.errors import EvidenceReviewError, InputError
from evidence_review.core.paths import available_reviews, default_review, find_root
from evidence_review.core.progress import stderr
from evidence_review.report import build as report
from evidence_review.report import exports
from evidence_review.report.session import ReviewSession, open_review
from evidence_review.workflow.prepare import prepare


def build_one(name: str | None, root: Path | str | None, pdf: bool = True, strict: bool = False,
              refresh: bool = False) -> int:
    """Build one review; returns its exit status (1 when ``strict`` and the gate finds blockers).

    ``refresh`` also re-runs the committed notebooks in notebooks/ in place (``make review``), so
    that nbval in CI compares against outputs made from the data as it is now.
    """
    session = open_review(name, root)
    name = session.review.name
    problems = session.check()
    if problems:
        raise InputError(problems)
    try:  # the inputs are valid: a write failing from here on is a failed build (exit 1)
        prepare(session.review)
        result = report.build(session.review, pdf=pdf, progress=stderr, title=session.meta.title)
        write_exports(session)
    except InputError as exc:
        raise report.BuildError("; ".join(str(p) for p in exc.problems)) from None
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    stderr(f"{name}: built {session.review.rel(result.html)}"
           + (f" and {session.review.rel(result.pdf)}" if result.pdf else "") + f" ({timing})")
    for line in session.pending():
        stderr(f"{name}: pending: {line}")
    if refresh:
        refresh_committed(session)
    if strict:
        blockers = session.blockers()
        for line in blockers:
            stderr(f"{name}: blocking: {line}")
        return 1 if blockers else 0
    return 0


def refresh_committed(session: ReviewSession) -> list[Path]:
    """Re-run the committed notebooks in place when they show this review (their default one)."""
    shown = default_review(session.review.root)
    if session.review.name != shown:
        stderr(f"  notebooks/ not refreshed: the committed notebooks show review '{shown}', not "
               f"'{session.review.name}'")
        return []
    written = report.refresh_notebooks(session.review)
    for path in written:
        stderr(f"  refreshed {session.review.rel(path)}")
    return written


def write_exports(session: ReviewSession) -> None:
    """reports/NAME/exports/ and refs/NAME/corrected.bib (unchanged text leaves the file alone)."""
    for path in exports.write_all(session, session.review.reports_dir / "exports"):
        stderr(f"  wrote {session.review.rel(path)}")
    exports.write_corrected_bib(session)


def _build_quietly(name: str, root, pdf: bool, strict: bool) -> tuple[str, int, str]:
    """Worker for --all: one review in its own process; errors come back as text, not tracebacks."""
    try:
        return name, build_one(name, root, pdf, strict), ""
    except InputError as exc:
        return name, 2, "\n".join(str(p) for p in exc.problems)
    except EvidenceReviewError as exc:
        return name, 1, str(exc)


def build_all(root: Path | str | None, pdf: bool = True, strict: bool = False) -> int:
    """Build every review under data/ in parallel processes; the worst exit status wins."""
    root = Path(root) if root else find_root()
    names = available_reviews(root)
    workers = max(1, min(len(names), os.cpu_count() or 1))
    stderr(f"Building {len(names)} review(s) in {workers} process(es): {', '.join(names)}")
    status = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(_build_quietly, n, root, pdf, strict) for n in names]
        for job in jobs:
            name, code, message = job.result()
            if message:
                print(f"error: {name}: {message}", file=sys.stderr)
            status = max(status, code)
    return status
