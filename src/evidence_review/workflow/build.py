"""``evidence-review build``: check a review, rebuild its derived files, its report and exports.

One review at a time (:func:`build_one`) or every review under ``data/``, each build a task on the
Dask engine the site scan uses (:func:`build_all`: a LocalCluster by default, ``--scheduler`` /
``DASK_SCHEDULER_ADDRESS`` for a cluster).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from evidence_review.core.errors import EvidenceReviewError, InputError
from evidence_review.core.paths import available_reviews, default_review, find_root
from evidence_review.core.progress import stderr
from evidence_review.report import build as report
from evidence_review.report import exports
from evidence_review.report.session import ReviewSession, open_review
from evidence_review.site.engine import Engine
from evidence_review.workflow.prepare import prepare


def build_one(name: str | None, root: Path | str | None, pdf: bool = True, strict: bool = False,
              refresh: bool = False, full_pdf: bool = False) -> int:
    """Build one review; returns its exit status (1 when ``strict`` and the gate finds blockers).

    ``refresh`` also re-runs the committed notebooks in notebooks/ in place (``make review``), so
    that nbval in CI compares against outputs made from the data as it is now. ``full_pdf`` prints
    the whole report into the PDF even when it is large (see ``report.pdf_scope``).
    """
    session = open_review(name, root)
    name = session.review.name
    problems = session.check()
    if problems:
        raise InputError(problems)
    try:  # the inputs are valid: a write failing from here on is a failed build (exit 1)
        prepare(session.review)
        result = report.build(session.review, pdf=pdf, progress=stderr, title=session.meta.title,
                              full_pdf=full_pdf)
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


def _build_quietly(name: str, root, pdf: bool, strict: bool,
                   full_pdf: bool = False) -> tuple[str, int, str]:
    """One review in this process; errors come back as text, not tracebacks."""
    try:
        return name, build_one(name, root, pdf, strict, full_pdf=full_pdf), ""
    except InputError as exc:
        return name, 2, "\n".join(f"error: {name}: {p}" for p in exc.problems)
    except EvidenceReviewError as exc:
        return name, 1, f"error: {name}: {exc}"


def _build_here(items: list[tuple[str, str, bool, bool, bool]]) -> list[tuple[str, int, str]]:
    return [_build_quietly(*item) for item in items]


def _build_in_child(items: list[tuple[str, str, bool, bool, bool]]) -> list[tuple[str, int, str]]:
    """One Dask task: each build as `evidence-review build` in a child process of the worker.

    A build's work is a notebook kernel, HTML export and WeasyPrint: in a child of its own it runs
    beside the other builds whatever the worker is (a thread of a LocalCluster, which starts at
    once, or a process of a remote cluster), and a crash is one review's exit code.
    """
    out = []
    for name, root, pdf, strict, full_pdf in items:
        argv = build_argv(name, root, pdf, strict, full_pdf)
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        out.append((name, done.returncode, (done.stdout + done.stderr).rstrip()))
    return out


def build_argv(name: str, root: str, pdf: bool, strict: bool, full_pdf: bool = False) -> list[str]:
    """The child `evidence-review build` command line of one review of ``build --all``."""
    return [sys.executable, "-m", "evidence_review", "build", "--review", name, "--root", root,
            *([] if pdf else ["--no-pdf"]), *(["--full-pdf"] if full_pdf else []),
            *(["--strict"] if strict else [])]


def build_all(root: Path | str | None, pdf: bool = True, strict: bool = False,
              scheduler: str | None = None, workers: int | None = None, full_pdf: bool = False) -> int:
    """Build every review under data/, each build a task on the Dask engine; the worst exit wins.

    ``scheduler``: an existing Dask scheduler (else ``DASK_SCHEDULER_ADDRESS``); else a
    LocalCluster of ``workers`` threads, each running its build in a child process (default: one
    per review, at most the number of cores; one review, one core or ``workers=0``: in this
    process). A cluster's workers must see the same project root (a shared file system).
    Each build's log is printed when it ends, so logs of parallel builds do not interleave.
    """
    root = Path(root) if root else find_root()
    names = available_reviews(root)
    if workers is None:
        workers = min(len(names), os.cpu_count() or 1)
        workers = workers if workers >= 2 else 0  # a one-worker cluster only adds its start-up
    engine = Engine(len(names), workers=workers, scheduler=scheduler, progress=False,
                    in_process_below=2, processes=False)
    stderr(f"Building {len(names)} review(s) ({engine.describe()}): {', '.join(names)}")
    task = _build_here if engine.mode == "in-process" else _build_in_child
    status, done = 0, 0
    items = [(name, str(root), pdf, strict, full_pdf) for name in names]
    with engine:
        for results in engine.map(task, items, "build", chunk=1):
            for name, code, log in results:
                done += 1
                if log:  # a child's whole log; in this process, only its errors (progress came live)
                    print(log, file=sys.stderr, flush=True)
                stderr(f"[{done}/{len(names)}] {name}: " + ("built" if code == 0 else f"exit {code}"))
                status = max(status, code)
    return status
