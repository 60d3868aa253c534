"""``evidence-review build``: check a review, rebuild its derived files, its report and exports.

One review at a time (:func:`build_one`); every review under ``data/`` is
:mod:`evidence_review.workflow.build_all` (each build a child process of this one).
"""

from __future__ import annotations

from pathlib import Path

from evidence_review.core.errors import InputError
from evidence_review.core.paths import default_review
from evidence_review.core.progress import stderr
from evidence_review.report import build as report
from evidence_review.report import exports
from evidence_review.report.session import ReviewSession, open_review
from evidence_review.workflow.prepare import prepare


def build_one(name: str | None, root: Path | str | None, pdf: bool = True, strict: bool = False,
              refresh: bool = False, full_pdf: bool = False, engine_name: str | None = None) -> int:
    """Build one review; returns its exit status (1 when ``strict`` and the gate finds blockers).

    ``refresh`` also re-runs the committed notebooks in notebooks/ in place (``make review``), so
    that nbval in CI compares against outputs made from the data as it is now. ``full_pdf`` prints
    the whole report into the PDF even when it is large (see ``report.pdf_scope``); ``engine_name``
    how its notebook runs (see ``report.build.engine``).
    """
    session = open_review(name, root)
    name = session.review.name
    problems = session.check()
    if problems:
        raise InputError(problems)
    try:  # the inputs are valid: a write failing from here on is a failed build (exit 1)
        prepare(session.review)
        result = report.build(session.review, pdf=pdf, progress=stderr, title=session.meta.title,
                              full_pdf=full_pdf, engine_name=engine_name)
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
