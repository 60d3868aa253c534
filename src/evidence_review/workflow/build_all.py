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
import time
from pathlib import Path

from evidence_review.core.paths import available_reviews, find_root
from evidence_review.core.progress import stderr
from evidence_review.site.engine import Engine

Item = tuple[str, str, bool, bool, bool, bool]  # review, project root, pdf, strict, full_pdf, kernel
# (review, exit code, log, and when the child ran: start and end on the worker's monotonic clock
# and its CPU seconds, with the kernels it waited for; None where the platform cannot say)
Result = tuple[str, int, str, float, float, float | None]

# Thread pools of the numerical libraries a build imports: numpy's OpenBLAS starts one thread per
# core at import (~0.05 s of CPU, on the core the other build is using). A build does no BLAS work
# that a pool would speed up, and side by side the builds already fill the cores, so each child
# gets one thread, unless the user set these (what joblib's loky does for its workers).
ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def build_argv(name: str, root: str, pdf: bool, strict: bool, full_pdf: bool = False,
               kernel: bool = False) -> list[str]:
    """The child `evidence-review build` command line of one review of ``build --all``."""
    return [sys.executable, "-m", "evidence_review", "build", "--review", name, "--root", root,
            *([] if pdf else ["--no-pdf"]), *(["--full-pdf"] if full_pdf else []),
            *(["--strict"] if strict else []), *(["--kernel"] if kernel else [])]


def side_by_side_env() -> dict[str, str]:
    """This process's environment for a child build that runs beside others (see ONE_THREAD)."""
    return {**{name: "1" for name in ONE_THREAD}, **os.environ}


def _run(item: Item, capture: bool, env: dict[str, str] | None = None) -> Result:
    """Run one child build; its exit code, its log (``capture``: stdout and stderr in the order
    written; else they went straight to this process's) and when it ran, from ``os.wait4``."""
    start = time.monotonic()
    with subprocess.Popen(build_argv(*item), env=env, text=True,
                          stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.STDOUT if capture else None) as proc:
        try:
            log = proc.stdout.read() if capture else ""  # to the end: the child has exited
            cpu = None
            if hasattr(os, "wait4"):
                _pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                cpu = usage.ru_utime + usage.ru_stime
            else:
                proc.wait()
        except BaseException:  # this process is stopping (Ctrl-C): so is the child
            proc.kill()
            raise
    return item[0], proc.returncode, log.rstrip(), start, time.monotonic(), cpu


def _build_here(items: list[Item]) -> list[Result]:
    """One review at a time, its log straight to this stderr as it comes (one build, or
    ``--workers 0``): nothing to interleave with."""
    return [_run(item, capture=False) for item in items]


def _build_in_child(items: list[Item]) -> list[Result]:
    """One engine task: each build as `evidence-review build` in a child process of the worker.

    A build's work is a notebook kernel, HTML export and WeasyPrint: in a child of its own it runs
    beside the other builds whatever the worker is (a thread of this process, or a process of a
    remote cluster), and a crash is one review's exit code. Its log comes back whole.
    """
    env = side_by_side_env()
    return [_run(item, capture=True, env=env) for item in items]


def input_size(root: Path, name: str) -> int:
    """Bytes of a review's data/ and refs/ folders: its build's length, roughly (claims, references
    and records are what the report's rows and the bibliography are made of)."""
    total = 0
    for folder in (root / "data" / name, root / "refs" / name):
        for dirpath, _dirs, files in os.walk(folder):
            for file in files:
                try:
                    total += os.stat(os.path.join(dirpath, file)).st_size
                except OSError:
                    pass
    return total


def longest_first(root: Path, names: list[str]) -> list[str]:
    """The reviews in the order to start them: largest inputs first, so that with more reviews
    than workers a long build does not start last and run alone at the end (ties: by name)."""
    return sorted(names, key=lambda name: (-input_size(root, name), name))


def command_start() -> float:
    """When this process started, on the ``time.monotonic`` clock (Linux: from /proc, to 10 ms),
    so the times a build is said to run at count the interpreter's own start; elsewhere, now."""
    try:
        fields = Path("/proc/self/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return time.monotonic() - max(0.0, age)
    except (OSError, ValueError, IndexError, AttributeError):
        return time.monotonic()


def _when(result: Result, zero: float | None) -> str:
    """When a child build ran: seconds into this command (``zero``: its start, for builds on this
    machine), else how long; and its CPU time."""
    _name, _code, _log, start, end, cpu = result
    span = (f"{start - zero:.2f}–{end - zero:.2f} s into the command" if zero is not None
            else f"{end - start:.1f} s")
    return f" ({span}" + (f", {cpu:.1f} s of CPU)" if cpu is not None else ")")


def build_all(root: Path | str | None, pdf: bool = True, strict: bool = False,
              scheduler: str | None = None, workers: int | None = None, full_pdf: bool = False,
              kernel: bool = False) -> int:
    """Build every review under data/, each build an engine task; the worst exit status wins.

    ``scheduler``: an existing Dask scheduler (else ``DASK_SCHEDULER_ADDRESS``); else ``workers``
    threads of this process (default: one per review, at most the number of cores; one review, one
    core or ``workers=0``: one build after the other, logs live). The largest reviews start first
    (:func:`longest_first`). Each build's log is printed when it ends, so the logs of parallel
    builds do not interleave, then one line with its status and when it ran.
    """
    zero = command_start()
    root = Path(root) if root else find_root()
    names = available_reviews(root)
    if workers is None:
        workers = min(len(names), os.cpu_count() or 1)
        workers = workers if workers >= 2 else 0  # one worker: the same as one build after another
    engine = Engine(len(names), workers=workers, scheduler=scheduler, progress=False,
                    in_process_below=2, processes=False)
    if engine.mode != "in-process":
        names = longest_first(root, names)
    stderr(f"Building {len(names)} review(s) ({engine.describe()}): {', '.join(names)}")
    task = _build_here if engine.mode == "in-process" else _build_in_child
    local = engine.mode != "cluster"  # a cluster's worker has its own clock
    status, done = 0, 0
    items = [(name, str(root), pdf, strict, full_pdf, kernel) for name in names]
    with engine:
        for results in engine.map(task, items, "build", chunk=1):
            for result in results:
                name, code, log = result[:3]
                done += 1
                if log:
                    print(log, file=sys.stderr, flush=True)
                stderr(f"[{done}/{len(names)}] {name}: " + ("built" if code == 0 else f"exit {code}")
                       + _when(result, zero if local else None))
                status = max(status, code)
    return status
