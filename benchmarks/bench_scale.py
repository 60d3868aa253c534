"""Benchmark: `init`, `fetch` and `audit` as a reviewer runs them, at 100 to 10,000 references.

A synthetic article (``[n]`` markers in the body, an APA reference list whose every entry prints
the DOI of a synthetic stand-in work, ``10.5555/bench.NNNNNN``) is written to a scratch project;
each command runs as a new process (``python -m evidence_review ...``) against the Crossref
stand-in in its own process, with the polite pool's limits enforced (10 requests/s, 5 concurrent,
100 ms per answer). Per command: wall time, the child's CPU time and peak RSS (``os.wait4``), and
the requests the stand-in received.

The floor of a command that asks Crossref is the rate floor measured in the same run:
``requests / 10 per s`` (the network cannot go faster). Targets (issue 19):

- ``init`` and ``fetch`` at 10,000 references: wall ≤ 1.5 × the rate floor and ≤ 15 s, peak RSS
  ≤ 250 MiB; growth 100 → 10,000 about linear (the fitted exponent of CPU time is printed);
- a warm ``fetch`` (everything kept from the snapshot and the cache; 0 requests) ≤ 2 s;
- ``audit`` at 10,000 references ≤ 3 s.

    python benchmarks/bench_scale.py [--sizes 100,1000,10000] [--runs 3] [--json FILE] [--keep]

``--keep`` leaves each scratch project in place (its path printed), to profile a command in it.

Wall time on a shared machine is inflated by other processes: the script prints ``uptime`` beside
every figure and the CPU time of the command; medians of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
import vmspeed
from bench_resolve import RATE, standin_process  # one stand-in launcher

ROOT = Path(__file__).resolve().parents[1]
SIZES = (100, 1_000, 10_000)
TARGET_FLOOR_RATIO, TARGET_S, TARGET_MIB = 1.5, 15.0, 250.0
TARGET_WARM_S, TARGET_AUDIT_S = 2.0, 3.0
STARTUP = "import evidence_review.cli.main, evidence_review.cli.light"
AUDIT_STARTUP = "import evidence_review.cli.main, evidence_review.cli.audit"  # audit's own module
MAX_EXPONENT = 1.15  # "linear": CPU time grows no faster than N^1.15 from 100 to 10,000


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def synthetic_article(n: int) -> str:
    """A markdown article citing ``n`` synthetic works, each once, with the DOI printed."""
    body = ["# Synthetic benchmark article", "", "## Findings", ""]
    for start in range(1, n + 1, 10):
        cites = " ".join(f"Finding number {i} is reported here [{i}]." for i in
                         range(start, min(n, start + 9) + 1))
        body += [cites, ""]
    body += ["## References", ""]
    for i in range(1, n + 1):
        w = i - 1  # synthetic_work(w): title, 2020, volume 1 + w // 1000, pages ...
        body += [f"[{i}] Synthetic, A. (2020). Synthetic benchmark work {w}. Journal of Synthetic "
                 f"Records, {1 + w // 1000}, {w % 1000 + 1}–{w % 1000 + 9}. "
                 f"https://doi.org/10.5555/bench.{w:06d}", ""]
    return "\n".join(body)


def requests_so_far(base_url: str) -> int:
    return httpx2.get(base_url + "/__standin/stats", timeout=5).json()["total"]


def child_env() -> dict:
    """The environment of a command as a reviewer runs it: bytecode cached (a shell that sets
    PYTHONDONTWRITEBYTECODE would make every process compile the package and its dependencies)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def command(args: list[str], root: Path, base_url: str | None = None) -> dict:
    """Run ``python -m evidence_review ARGS`` in a new process; wall, CPU, peak RSS, requests."""
    before = requests_so_far(base_url) if base_url else 0
    env = child_env()
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "evidence_review", *args, "--root", str(root)],
                            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mib": usage.ru_maxrss / 1024, "exit": proc.returncode,
            "requests": (requests_so_far(base_url) - before) if base_url else 0, "load": load()}


def startup_cpu(imports: str = STARTUP) -> float:
    """CPU time of an interpreter that only imports what init and fetch import (cli/light.py), or
    with ``AUDIT_STARTUP`` what audit imports (cli/audit.py)."""
    proc = subprocess.Popen([sys.executable, "-c", imports], env=child_env())
    _pid, _status, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def scratch_project(n: int) -> tuple[Path, Path]:
    root = Path(tempfile.mkdtemp(prefix=f"bench-scale-{n}-"))
    (root / "data").mkdir()
    shutil.copy(ROOT / "data" / "evidence-levels.yaml", root / "data")
    shutil.copytree(ROOT / "data" / "quality", root / "data" / "quality")
    article = root / "article.md"
    article.write_text(synthetic_article(n), encoding="utf-8")
    return root, article


def run_size(n: int, base_url: str, keep: bool = False) -> dict:
    """One run of init (cold cache), fetch (warm: all kept), audit, at ``n`` references; with
    ``keep`` the scratch project is left in place (its path printed) for profiling."""
    root, article = scratch_project(n)
    try:
        # Crossref only: the Europe PMC step that follows it in fetch has its own benchmark
        url = ["--base-url", base_url, "--mailto", "bench@example.org", "--no-europepmc"]
        time.sleep(1.1)  # let the stand-in's one-second window empty
        init = command(["init", str(article), "--name", "bench", *url], root, base_url)
        resolved = json.loads((root / "data" / "bench" / "crossref" / "manifest.json").read_text())
        ok = sum(e["status"] == "matched" for e in resolved["references"].values())
        init["matched"] = ok
        time.sleep(1.1)
        warm = command(["fetch", "--review", "bench", *url], root, base_url)
        time.sleep(1.1)
        shutil.rmtree(root / "data" / "bench" / "crossref")
        # cold: nothing kept from Crossref (its cache and the snapshot); the parse of article.md
        # that init kept in .cache/reflist stays, as it does for a reviewer who re-fetches
        shutil.rmtree(root / ".cache" / "crossref", ignore_errors=True)
        cold = command(["fetch", "--review", "bench", *url], root, base_url)
        audit = command(["audit", "--review", "bench", "--format", "json"], root)
        return {"init": init, "fetch (cold)": cold, "fetch (warm, all kept)": warm,
                "audit": audit}
    finally:
        if keep:
            print(f"kept the scratch project of N={n}: {root}", flush=True)
        else:
            shutil.rmtree(root, ignore_errors=True)


def median_run(runs: list[dict]) -> dict:
    out = {}
    for cmd in runs[0]:
        out[cmd] = {k: statistics.median(r[cmd][k] for r in runs)
                    for k in runs[0][cmd] if isinstance(runs[0][cmd][k], (int, float))}
        out[cmd]["load"] = [r[cmd]["load"] for r in runs]
    return out


def exponent(xs: list[int], ys: list[float]) -> float:
    """Least-squares slope of log y on log x."""
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-6)) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum((a - mx) ** 2 for a in lx)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default=",".join(map(str, SIZES)))
    p.add_argument("--runs", type=int, default=3, help="runs per size (medians reported)")
    p.add_argument("--json", type=Path)
    p.add_argument("--keep", action="store_true",
                   help="keep each scratch project (e.g. to profile a command in it) and print its path")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"{sys.prefix}; {load()}", flush=True)
    results: dict = {"sizes": {}}
    print(vmspeed.line(), flush=True)  # the VM's speed drifts: read each figure against it
    startup = [startup_cpu() for _ in range(3)]
    results["startup_cpu_s"] = statistics.median(startup)
    print(f"start-up floor (python -c '{STARTUP}'): cpu "
          f"{results['startup_cpu_s']:.2f} s [{load()}]", flush=True)
    results["audit_startup_cpu_s"] = statistics.median(startup_cpu(AUDIT_STARTUP) for _ in range(3))
    print(f"audit start-up floor (python -c '{AUDIT_STARTUP}'): cpu "
          f"{results['audit_startup_cpu_s']:.2f} s [{load()}]", flush=True)
    with standin_process(max(sizes), lifetime=3600) as base_url:
        for n in sizes:
            runs = [run_size(n, base_url, args.keep) for _ in range(args.runs)]
            med = median_run(runs)
            results["sizes"][n] = {"median": med, "runs": runs}
            for cmd, m in med.items():
                floor = m["requests"] / RATE
                print(f"N={n:>6} {cmd:<24} wall {m['wall_s']:6.2f} s  cpu {m['cpu_s']:5.2f} s  "
                      f"peak {m['peak_rss_mib']:4.0f} MiB  {m['requests']:>4.0f} requests "
                      f"(rate floor {floor:5.2f} s)  [{m['load'][-1]}]", flush=True)
    print(vmspeed.line(), flush=True)
    failures = check(results, sizes)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print("targets:", "all hold" if not failures else "FAIL: " + "; ".join(failures))
    return 1 if failures else 0


def check(results: dict, sizes: list[int]) -> list[str]:
    failures: list[str] = []
    big = max(sizes)
    med = results["sizes"][big]["median"]

    def verdict(name: str, ok: bool, text: str) -> None:
        print(f"target {name}: {text}: {'holds' if ok else 'FAILS'}")
        if not ok:
            failures.append(name)

    def growth(cmd: str, startup: str = "startup_cpu_s") -> None:
        """Exponent of the CPU time above the interpreter's start-up (measured in this run)."""
        cpu = [results["sizes"][n]["median"][cmd]["cpu_s"] - results[startup] for n in sizes]
        e = exponent(sizes, cpu)
        verdict(f"{cmd} growth", e <= MAX_EXPONENT,
                f"CPU time above start-up ~ N^{e:.2f} from {min(sizes)} to {big} "
                f"({', '.join(f'{c:.2f}' for c in cpu)} s; <= N^{MAX_EXPONENT})")

    def marginal_growth(cmd: str) -> None:
        """Exponent of the CPU time above the smallest size's, against the references added: at 100
        references ``audit`` is at its start-up floor (a floor measured apart is as likely to be
        above it as below on a loaded machine, which makes the fit above start-up meaningless)."""
        small = min(sizes)
        base = results["sizes"][small]["median"][cmd]["cpu_s"]
        rest = [n for n in sizes if n != small]
        cpu = [results["sizes"][n]["median"][cmd]["cpu_s"] - base for n in rest]
        e = exponent([n - small for n in rest], cpu)
        verdict(f"{cmd} growth", e <= MAX_EXPONENT,
                f"CPU time above N={small}'s ~ (N-{small})^{e:.2f} from {min(rest)} to {big} "
                f"({', '.join(f'{c:.2f}' for c in cpu)} s; <= ^{MAX_EXPONENT})")

    for cmd in ("init", "fetch (cold)"):
        m = med[cmd]
        floor = m["requests"] / RATE
        verdict(f"{cmd} at {big}", m["wall_s"] <= min(TARGET_S, TARGET_FLOOR_RATIO * floor),
                f"wall {m['wall_s']:.2f} s vs rate floor {floor:.2f} s ({m['wall_s'] / floor:.2f}x; "
                f"<= {TARGET_FLOOR_RATIO}x and <= {TARGET_S:.0f} s)")
        verdict(f"{cmd} memory at {big}", m["peak_rss_mib"] <= TARGET_MIB,
                f"peak RSS {m['peak_rss_mib']:.0f} MiB (<= {TARGET_MIB:.0f} MiB)")
        if len(sizes) > 1:
            growth(cmd)
    if "matched" in med["init"]:
        verdict("init resolved all", med["init"]["matched"] == big,
                f"{med['init']['matched']:.0f} of {big} matched")
    m = med["fetch (warm, all kept)"]
    verdict(f"warm fetch at {big}", m["wall_s"] <= TARGET_WARM_S and m["requests"] == 0,
            f"wall {m['wall_s']:.2f} s, cpu {m['cpu_s']:.2f} s, {m['requests']:.0f} requests "
            f"(<= {TARGET_WARM_S:.0f} s, 0 requests)")
    m = med["audit"]
    verdict(f"audit at {big}", m["wall_s"] <= TARGET_AUDIT_S,
            f"wall {m['wall_s']:.2f} s, cpu {m['cpu_s']:.2f} s (<= {TARGET_AUDIT_S:.0f} s; start-up "
            f"floor {results['audit_startup_cpu_s']:.2f} s cpu)")
    if len(sizes) > 2:
        marginal_growth("audit")
    elif len(sizes) > 1:
        growth("audit", "audit_startup_cpu_s")
    return failures


if __name__ == "__main__":
    raise SystemExit(main())
