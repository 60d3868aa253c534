"""Benchmark: how long `evidence-review build` takes for the default review, stage by stage.

Stages: kernel start (measured alone), each notebook (papermill, two at a time), HTML export and
PDF printing, plus the input checks that run first. Runs the build several times in a fresh
process each (as a reviewer would run the command) and reports the median of the warm runs.

    .venv/bin/python benchmarks/bench_build.py [--runs 3] [--json benchmarks/last-build.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_WARM_S = 30.0


def kernel_start_seconds() -> float:
    """Start a python3 kernel, wait until it answers, shut it down: the fixed cost per notebook."""
    from jupyter_client.manager import start_new_kernel

    t = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3", extra_arguments=["--log-level=ERROR"])
    elapsed = time.perf_counter() - t
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return elapsed


def one_build(review: str) -> dict[str, float]:
    """Run the CLI build in a new process; parse the stage timings it prints."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "evidence_review", "build", "--review", review,
                           "--root", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    total = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stderr}")
    line = next(x for x in done.stderr.splitlines() if x.startswith(f"{review}: built"))
    inner = line[line.index(" (notebook ") + 2:].rstrip(")")
    stages = {}
    for part in inner.split(", "):
        name, value, _unit = part.rsplit(" ", 2)
        stages[name] = float(value)
    stages["other: start-up, checks, exports"] = total - sum(
        v for k, v in stages.items() if not k.startswith("notebook "))
    stages["total (command)"] = total
    return stages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--review", default="muscle-spasm")
    parser.add_argument("--runs", type=int, default=3, help="builds after one warm-up (default 3)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    kernels = [kernel_start_seconds() for _ in range(3)]
    one_build(args.review)  # warm-up: fills OS caches and font caches, as any second build has
    runs = [one_build(args.review) for _ in range(args.runs)]
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    median["kernel start (alone)"] = statistics.median(kernels)
    print(f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    print(f"{'stage':<34} {'median of ' + str(args.runs) + ' warm builds':>26}")
    for key, value in median.items():
        print(f"{key:<34} {value:>24.1f} s")
    ok = median["total (command)"] <= TARGET_WARM_S
    print(f"warm build {median['total (command)']:.1f} s: target <= {TARGET_WARM_S:.0f} s "
          f"{'met' if ok else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "median": median,
                                         "kernel_starts": kernels}, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
