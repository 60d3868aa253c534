"""``evidence-review build --all``: every review under ``data/``, each build a child process.

This process only starts the builds and prints their logs: it imports no report stack (pandas,
nbconvert, the appraisal code: 2–8 s on the 2-core benchmark machine, spent before the first
child could start), so ``cli/main.py`` serves ``build --all`` from here. Each build is
``evidence-review build --review NAME`` in a child process, run from a task of the site's engine
(:class:`~evidence_review.site.engine.Engine`): local threads by default, one per review up to the
number of cores; ``--scheduler`` / ``DASK_SCHEDULER_ADDRESS`` sends the tasks to a Dask cluster
whose workers see the same project root (a shared file system).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from evidence_review.core.paths import available_reviews, find_root
from evidence_review.core.progress import stderr
from evidence_review.site.engine import Engine

Item = tuple[str, str, bool, bool, bool, bool]  # review, project root, pdf, strict, full_pdf, kernel


def build_argv(name: str, root: str, pdf: bool, strict: bool, full_pdf: bool = False,
               kernel: bool = False) -> list[str]:
    """The child `evidence-review build` command line of one review of ``build --all``."""
    return [sys.executable, "-m", "evidence_review", "build", "--review", name, "--root", root,
            *([] if pdf else ["--no-pdf"]), *(["--full-pdf"] if full_pdf else []),
            *(["--strict"] if strict else []), *(["--kernel"] if kernel else [])]


def _build_here(items: list[Item]) -> list[tuple[str, int, str]]:
    """One review at a time, its log straight to this stderr as it comes (one build, or
    ``--workers 0``): nothing to interleave with."""
    return [(item[0], subprocess.run(build_argv(*item), check=False).returncode, "") for item in items]


def _build_in_child(items: list[Item]) -> list[tuple[str, int, str]]:
    """One engine task: each build as `evidence-review build` in a child process of the worker.

    A build's work is a notebook kernel, HTML export and WeasyPrint: in a child of its own it runs
    beside the other builds whatever the worker is (a thread of this process, or a process of a
    remote cluster), and a crash is one review's exit code. Its log comes back whole.
    """
    out = []
    for item in items:
        done = subprocess.run(build_argv(*item), capture_output=True, text=True, check=False)
        out.append((item[0], done.returncode, (done.stdout + done.stderr).rstrip()))
    return out


def build_all(root: Path | str | None, pdf: bool = True, strict: bool = False,
              scheduler: str | None = None, workers: int | None = None, full_pdf: bool = False,
              kernel: bool = False) -> int:
    """Build every review under data/, each build an engine task; the worst exit status wins.

    ``scheduler``: an existing Dask scheduler (else ``DASK_SCHEDULER_ADDRESS``); else ``workers``
    threads of this process (default: one per review, at most the number of cores; one review, one
    core or ``workers=0``: one build after the other, logs live). Each build's log is printed when
    it ends, so the logs of parallel builds do not interleave.
    """
    root = Path(root) if root else find_root()
    names = available_reviews(root)
    if workers is None:
        workers = min(len(names), os.cpu_count() or 1)
        workers = workers if workers >= 2 else 0  # one worker: the same as one build after another
    engine = Engine(len(names), workers=workers, scheduler=scheduler, progress=False,
                    in_process_below=2, processes=False)
    stderr(f"Building {len(names)} review(s) ({engine.describe()}): {', '.join(names)}")
    task = _build_here if engine.mode == "in-process" else _build_in_child
    status, done = 0, 0
    items = [(name, str(root), pdf, strict, full_pdf, kernel) for name in names]
    with engine:
        for results in engine.map(task, items, "build", chunk=1):
            for name, code, log in results:
                done += 1
                if log:
                    print(log, file=sys.stderr, flush=True)
                stderr(f"[{done}/{len(names)}] {name}: " + ("built" if code == 0 else f"exit {code}"))
                status = max(status, code)
    return status
