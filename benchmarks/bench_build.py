"""Benchmark: `evidence-review build` of the default review beside its one-process floors.

In one run, alternating, each in a new process (as a reviewer runs the command):

- ``build`` (HTML + PDF) and its floor, ``floor_report.py`` (notebook 03's cells run in one
  process, the same HTML and the same PDF written: no kernel, no checks, no exports);
- ``build --no-pdf`` and its floor ``floor_report.py --no-pdf``;
- ``build --all --no-pdf`` of a scratch project holding two copies of the review, beside the two
  builds run one after the other (serial).

Per process: wall time and CPU time (user + system of the process and the kernels it waited for,
from ``os.wait4``), peak RSS. Medians of ``--runs`` runs. The machine is shared: CPU time is what
the ratios use (wall time is printed with the load beside it). Targets (issue 19): build and
``--no-pdf`` each ≤ 1.3 × their floor (CPU time); ``build --all`` ≥ 1.8 × faster than serial
(wall time; both cores busy).

    python benchmarks/bench_build.py [--runs 3] [--json benchmarks/last-build.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_FLOOR_RATIO = 1.3
MIN_ALL_SPEEDUP = 1.8


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(cmd: list[str], cwd: Path = ROOT) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err.decode()[-3000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mib": usage.ru_maxrss / 1024, "load": load()}


def build(review: str, *extra: str, root: Path = ROOT) -> dict:
    return timed([sys.executable, "-m", "evidence_review", "build", *extra, "--root", str(root)]
                 + (["--review", review] if review else []), cwd=root)


def floor(review: str, out: Path, *extra: str) -> dict:
    return timed([sys.executable, str(ROOT / "benchmarks" / "floor_report.py"), "--review", review,
                  "--out", str(out), *extra])


def two_review_project(review: str) -> Path:
    """A scratch project with the review twice (``review`` and ``review-copy``)."""
    root = Path(tempfile.mkdtemp(prefix="bench-build-all-"))
    for folder in ("notebooks",):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "data").mkdir()
    shutil.copy(ROOT / "data" / "evidence-levels.yaml", root / "data")
    shutil.copytree(ROOT / "data" / "quality", root / "data" / "quality")
    for name in (review, f"{review}-copy"):
        shutil.copytree(ROOT / "data" / review, root / "data" / name)
        shutil.copytree(ROOT / "refs" / review, root / "refs" / name)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--review", default="muscle-spasm")
    parser.add_argument("--runs", type=int, default=3, help="runs after one --no-pdf warm-up (default 3)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--skip-all", action="store_true", help="skip the build --all comparison")
    parser.add_argument("--only-all", action="store_true",
                        help="only the build --all comparison (skip build/floor)")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
          f"{platform.python_version()}, {sys.prefix}; load {load()}", flush=True)
    build(args.review, "--no-pdf")  # warm-up: OS and bytecode caches, as any second build has
    runs: dict[str, list[dict]] = {} if args.only_all else {
        k: [] for k in ("build", "floor", "build --no-pdf", "floor --no-pdf")}
    for i in range(0 if args.only_all else args.runs):
        runs["build"].append(build(args.review))
        runs["floor"].append(floor(args.review, out))
        runs["build --no-pdf"].append(build(args.review, "--no-pdf"))
        runs["floor --no-pdf"].append(floor(args.review, out, "--no-pdf"))
        print(f"run {i + 1}: " + "; ".join(f"{k} cpu {v[-1]['cpu_s']:.1f} s wall {v[-1]['wall_s']:.1f} s"
                                            for k, v in runs.items()) + f" [load {load()}]",
              flush=True)
    if not args.skip_all:
        root = two_review_project(args.review)
        try:
            build("", "--all", "--no-pdf", root=root)  # warm-up of the scratch project
            for _ in range(args.runs):
                serial = [build(n, "--no-pdf", root=root) for n in (args.review, f"{args.review}-copy")]
                runs.setdefault("serial (2 reviews, --no-pdf)", []).append(
                    {"wall_s": sum(s["wall_s"] for s in serial),
                     "cpu_s": sum(s["cpu_s"] for s in serial),
                     "peak_rss_mib": max(s["peak_rss_mib"] for s in serial), "load": load()})
                runs.setdefault("build --all --no-pdf (2 reviews)", []).append(
                    build("", "--all", "--no-pdf", root=root))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    median = {k: {m: statistics.median(r[m] for r in v) for m in ("wall_s", "cpu_s", "peak_rss_mib")}
              for k, v in runs.items()}
    print(f"{'process':<34} {'cpu (median)':>13} {'wall (median)':>14} {'peak RSS':>9}")
    for key, m in median.items():
        print(f"{key:<34} {m['cpu_s']:>11.1f} s {m['wall_s']:>12.1f} s {m['peak_rss_mib']:>5.0f} MiB")
    failures = []

    def verdict(name: str, ok: bool, text: str) -> None:
        print(f"target {name}: {text}: {'holds' if ok else 'FAILS'}")
        if not ok:
            failures.append(name)

    for kind in () if args.only_all else ("", " --no-pdf"):
        b, f = median[f"build{kind}"], median[f"floor{kind}"]
        ratio = b["cpu_s"] / f["cpu_s"]
        verdict(f"build{kind}", ratio <= MAX_FLOOR_RATIO,
                f"cpu {b['cpu_s']:.1f} s vs one-process floor {f['cpu_s']:.1f} s = {ratio:.2f}x "
                f"(<= {MAX_FLOOR_RATIO}x; wall {b['wall_s']:.1f} s vs {f['wall_s']:.1f} s)")
    if not args.skip_all:
        s, a = median["serial (2 reviews, --no-pdf)"], median["build --all --no-pdf (2 reviews)"]
        speedup = s["wall_s"] / a["wall_s"]
        verdict("build --all", speedup >= MIN_ALL_SPEEDUP,
                f"wall {a['wall_s']:.1f} s vs serial {s['wall_s']:.1f} s = {speedup:.2f}x "
                f"(>= {MIN_ALL_SPEEDUP}x)")
    print(f"load at the end: {load()}")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "median": median, "failures": failures},
                                        indent=2) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
