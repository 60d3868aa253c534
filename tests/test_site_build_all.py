"""``build --all`` runs each build as a task on the site's engine (issue 18, item 5): local threads,
each running a child build, or a Dask cluster (issue 19: no LocalCluster to start, no report stack
imported by the parent)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from evidence_review.site import engine as engine_mod
from evidence_review.workflow import build_all as build


def _broken_reviews(root, names):
    """Reviews whose inputs fail the check at once (no article metadata): a build exits 2."""
    for name in names:
        (root / "data" / name).mkdir(parents=True)
        (root / "data" / name / "article.md").write_text("no front matter\n", encoding="utf-8")


def test_each_build_is_a_task_and_the_worst_status_wins(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    _broken_reviews(tmp_path, ["a", "b", "c"])
    codes = {"a": (0, ""), "b": (2, "data/b/article.md: bad"), "c": (1, "build failed")}
    seen = []

    def fake(items):
        seen.append([item[0] for item in items])
        return [(item[0], *codes[item[0]], 0.0, 0.5, None) for item in items]

    monkeypatch.setattr(build, "_build_here", fake)
    assert build.build_all(tmp_path, pdf=False, workers=0) == 2
    assert sorted(seen) == [["a"], ["b"], ["c"]]  # one task per build
    err = capsys.readouterr().err
    assert "Building 3 review(s) (in-process)" in err
    assert "data/b/article.md: bad" in err and "build failed" in err
    assert "b: exit 2" in err and "c: exit 1" in err and "a: built" in err


def test_engine_for_builds_starts_a_cluster_from_two_items(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert engine_mod.Engine(2, workers=2, in_process_below=2).mode == "local-cluster"
    assert engine_mod.Engine(2, workers=2, in_process_below=2, processes=False).mode == "threads"
    assert engine_mod.Engine(1, workers=2, in_process_below=2).mode == "in-process"
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:8786")
    assert engine_mod.Engine(2, in_process_below=2).mode == "cluster"


def test_thread_engine_runs_chunks_side_by_side_and_yields_as_they_end():
    import threading
    import time

    started, gate = [], threading.Barrier(2, timeout=10)

    def task(part):
        started.append(part[0])
        gate.wait()  # both chunks must be running at once, else this times out
        time.sleep(0.05 if part[0] == "slow" else 0)
        return [part[0]]

    with engine_mod.Engine(2, workers=2, in_process_below=2, processes=False) as engine:
        out = list(engine.map(task, ["slow", "fast"], "t", chunk=1))
    assert out == [["fast"], ["slow"]] and sorted(started) == ["fast", "slow"]
    assert engine._threads is None  # shut down on exit


def _loaded_by(argv: list[str], modules: tuple[str, ...]) -> tuple[int, list[str]]:
    """The exit code of the CLI run with ``argv`` in a new interpreter, and which of ``modules``
    that run imported."""
    code = ("import json, sys\nfrom evidence_review.cli import main\n"
            f"code = main.main({argv!r})\n"
            f"print(json.dumps([code, [m for m in {modules!r} if m in sys.modules]]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    status, loaded = json.loads(done.stdout)  # the run printed nothing else on stdout
    return status, loaded


def test_the_parent_of_build_all_imports_no_report_stack(tmp_path):
    _, loaded = _loaded_by(["build", "--all", "--no-pdf", "--root", str(tmp_path)],
                           ("pandas", "nbconvert", "papermill", "distributed",
                            "evidence_review.report.session", "tqdm"))  # no bar is shown
    assert loaded == []


@pytest.mark.slow
def test_builds_run_on_engine_threads(tmp_path, monkeypatch, capsys):
    """Two reviews whose check fails: both builds run on 2 engine threads (no Dask), each in a child
    `evidence-review build` whose own message and exit code come back."""
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    _broken_reviews(tmp_path, ["first", "second"])
    assert build.build_all(tmp_path, pdf=False, workers=2) == 2
    err = capsys.readouterr().err
    assert "(2 worker thread(s))" in err and "Dask" not in err
    assert "error: data/first/" in err and "error: data/second/" in err
    assert "first: exit 2" in err and "second: exit 2" in err and "Traceback" not in err
    # each child's line says when it ran, in this process's time, and its CPU (os.wait4)
    spans = re.findall(r"(?:first|second): exit 2 \(([\d.]+)–([\d.]+) s into the command, "
                       r"([\d.]+) s of CPU\)", err)
    assert len(spans) == 2 and all(0 < float(a) < float(b) for a, b, _cpu in spans), err


def test_largest_reviews_start_first_ties_by_name(tmp_path):
    for name, size in (("a", 10), ("b", 300), ("c", 10), ("d", 20)):
        (tmp_path / "data" / name).mkdir(parents=True)
        (tmp_path / "data" / name / "article.md").write_text("x" * size, encoding="utf-8")
    (tmp_path / "refs" / "d").mkdir(parents=True)
    (tmp_path / "refs" / "d" / "cited.bib").write_text("x" * 500, encoding="utf-8")  # refs/ count
    assert build.longest_first(tmp_path, ["a", "b", "c", "d"]) == ["d", "b", "a", "c"]


def test_child_builds_side_by_side_get_one_blas_thread_unless_the_user_chose(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    env = build.side_by_side_env()
    assert env["OPENBLAS_NUM_THREADS"] == "1" and env["MKL_NUM_THREADS"] == "1"
    assert env["OMP_NUM_THREADS"] == "3"


def test_the_command_start_is_this_process_start():
    start = build.command_start()
    assert time.monotonic() - 3600 * 24 < start <= time.monotonic()
    # this interpreter started before the test did (it imported pytest and the suite first)
    assert start < time.monotonic() - 0.05


def test_a_single_build_process_imports_neither_the_site_stack_nor_the_charts(tmp_path):
    status, loaded = _loaded_by(["build", "--review", "absent", "--root", str(tmp_path)],
                                ("matplotlib", "duckdb", "distributed", "evidence_review.site.scan"))
    assert (status, loaded) == (2, [])


def test_a_build_on_a_cluster_is_said_to_take_its_length_not_a_time_of_this_command():
    result = ("r", 0, "", 100.0, 106.04, 5.96)  # the worker's monotonic clock, not this process's
    assert build._when(result, None) == " (6.0 s, 6.0 s of CPU)"
    assert build._when(result, 99.9) == " (0.10–6.14 s into the command, 6.0 s of CPU)"
    assert build._when(result[:5] + (None,), 99.9) == " (0.10–6.14 s into the command)"
