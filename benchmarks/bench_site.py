"""Benchmark: scan a synthetic site of 2,000 pages x 15 references against the Crossref stand-in.

The site cites 10,000 synthetic 10.5555 works with Zipf-like sharing (weight 1/rank). The stand-in
runs in its own process with Crossref's polite-pool limits enforced (10 requests/s, 5 at once, 429
beyond) and 100 ms added to every answer. Every scan runs in a child process, so its peak RSS
(``ru_maxrss``, plus its Dask worker processes') is its own. Measured:

1. cold scan: requests vs ceil(unique DOIs / 100), 429s, wall time vs 1.2 x the rate floor plus the
   CPU part (read + match/audit), peak RSS;
2. warm re-run of the same command: requests (target 0);
3. ``recheck``: wall time vs 1.2 x its rate floor;
4. the CPU part (read + match/audit, cache warm: no request) on a LocalCluster with 1 and 2 workers,
   and in-process, on the first ``--cpu-pages`` pages, with the CPU time of the driver and of the
   workers (``RUSAGE_CHILDREN``: the worker processes are the driver's children); target: 2 workers
   ≥ 1.6 × faster than 1 (wall time, which a loaded machine inflates: the load is printed beside);
   and the LocalCluster's start-up cost.

Every target is printed with its measured value, its limit and "holds" or "FAILS".

Run ``python benchmarks/bench_site.py [--pages N] [--cpu-pages N] [--json FILE]`` (~10 minutes on a
busy 2-core machine, more under heavy load). Only 127.0.0.1 is reached.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_resolve import LATENCY, RATE, machine, server_stats, standin_process  # noqa: E402

WORKS = 10_000
PAGES = 2_000
PER_PAGE = 15
CPU_PAGES = 400
MAX_RSS_MIB = 500.0
SLACK = 1.2
MIN_WORKER_SPEEDUP = 1.6  # CPU part, 2 workers vs 1, on 2 cores


def child(spec: dict) -> dict:
    """One scan or recheck in this (child) process; prints its figures as JSON."""
    from evidence_review.site import recheck as recheck_mod
    from evidence_review.site import scan as scan_mod

    start = time.perf_counter()
    if spec["what"] == "scan":
        result = scan_mod.scan(spec["sources"], spec["name"], spec["root"], base_url=spec["base_url"],
                               mailto="bench@example.org", workers=spec.get("workers"),
                               progress=False, say=None, report=spec.get("report", True))
        out = {"stages": result.stages, "crossref": result.crossref, "timings": result.timings,
               "engine": result.engine, "resolver": result.resolver, "driver_cpu": result.driver_cpu}
    else:
        result = recheck_mod.recheck(spec["name"], spec["root"], base_url=spec["base_url"],
                                     mailto="bench@example.org", progress=False)
        out = {"dois": result.dois, "requests": result.requests, "changes": len(result.changes)}
    out["seconds"] = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF)
    out["driver_cpu_s"] = me.ru_utime + me.ru_stime
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["children_cpu_s"] = kids.ru_utime + kids.ru_stime
    out["load_average"] = os.getloadavg()
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["children_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def run_child(spec: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cluster_startup(workers: int) -> float:
    """Seconds to start and stop a LocalCluster (+ client) of ``workers`` processes."""
    code = ("import time,logging; t=time.perf_counter(); from distributed import Client, LocalCluster; "
            f"c=LocalCluster(n_workers={workers}, threads_per_worker=1, processes=True, "
            "dashboard_address=None, silence_logs=logging.ERROR); cl=Client(c); cl.close(); c.close(); "
            "print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def delta(before: dict, after: dict) -> dict:
    return {"requests": after["total"] - before["total"],
            "429s": after["statuses"].get("429", 0) - before["statuses"].get("429", 0),
            "by_kind": {k: after["counts"].get(k, 0) - before["counts"].get(k, 0) for k in after["counts"]}}


def cpu_part(timings: dict) -> float:
    return timings.get("read", 0.0) + timings.get("match+audit", 0.0) + timings.get("audit", 0.0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pages", type=int, default=PAGES)
    p.add_argument("--cpu-pages", type=int, default=CPU_PAGES,
                   help="pages for the 1-vs-2-worker comparison (0: skip it)")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0

    from evidence_review.site import synthetic

    results: dict = {"machine": machine(), "setup": {
        "pages": args.pages, "references_per_page": PER_PAGE, "works": WORKS, "zipf_exponent": 1.0,
        "latency_s": LATENCY, "rate_per_s": RATE, "max_concurrent": 5, "cpu_pages": args.cpu_pages}}
    print(f"machine: {results['machine']}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-site-"))
    try:
        root = tmp / "project"
        (root / "data").mkdir(parents=True)
        t = time.perf_counter()
        paths, cited = synthetic.write_site(root / "site", args.pages, PER_PAGE, WORKS)
        results["setup"]["unique_dois"] = len(cited)
        results["setup"]["generate_s"] = time.perf_counter() - t
        subset = root / "subset"
        subset.mkdir()
        for path in paths[: args.cpu_pages]:
            shutil.copy(path, subset / path.name)
        expected = math.ceil(len(cited) / 100)
        print(f"site: {args.pages} pages, {args.pages * PER_PAGE} references, {len(cited)} unique DOIs "
              f"-> expect {expected} requests", flush=True)
        with standin_process(WORKS) as base_url:
            spec = {"what": "scan", "sources": [str(root / "site")], "name": "bench", "root": str(root),
                    "base_url": base_url}
            before = server_stats(base_url)
            cold = run_child(spec)
            cold["server"] = delta(before, server_stats(base_url))
            floor = cold["server"]["requests"] / RATE
            cold["rate_floor_s"] = floor
            cold["cpu_part_s"] = cpu_part(cold["timings"])
            results["cold"] = cold
            print(f"cold scan: {cold['seconds']:.1f} s, {cold['server']['requests']} requests "
                  f"({cold['server']['by_kind']}), {cold['server']['429s']} x 429, floor {floor:.1f} s, "
                  f"CPU part {cold['cpu_part_s']:.1f} s, timings "
                  + ", ".join(f"{k} {v:.1f}" for k, v in cold["timings"].items())
                  + f"; {cold['engine']}; peak RSS {cold['peak_rss_mib']:.0f} MiB "
                  f"(workers {cold['children_peak_rss_mib']:.0f} MiB); "
                  f"driver CPU {cold['driver_cpu_s']:.0f} s; load average {cold['load_average']}", flush=True)
            time.sleep(1.1)
            before = server_stats(base_url)
            warm = run_child(spec)
            warm["server"] = delta(before, server_stats(base_url))
            results["warm"] = warm
            print(f"warm re-run: {warm['seconds']:.1f} s, {warm['server']['requests']} requests", flush=True)
            time.sleep(1.1)
            before = server_stats(base_url)
            re = run_child({"what": "recheck", "name": "bench", "root": str(root), "base_url": base_url})
            re["server"] = delta(before, server_stats(base_url))
            re["rate_floor_s"] = re["server"]["requests"] / RATE
            results["recheck"] = re
            print(f"recheck: {re['seconds']:.1f} s for {re['dois']} DOIs, {re['server']['requests']} "
                  f"requests, {re['server']['429s']} x 429, floor {re['rate_floor_s']:.1f} s", flush=True)
            cpu = {}
            configs = (("in-process", 0), ("1 worker", 1), ("2 workers", 2)) if args.cpu_pages else ()
            for label, workers in configs:
                run = run_child({"what": "scan", "sources": [str(subset)], "name": f"cpu-{workers}",
                                 "root": str(root), "base_url": base_url, "workers": workers,
                                 "report": False})
                cpu[label] = {"cpu_part_s": cpu_part(run["timings"]), "seconds": run["seconds"],
                              "driver_cpu_s": run["driver_cpu_s"], "workers_cpu_s": run["children_cpu_s"],
                              "driver_cpu_in_cpu_part_s": sum(run["driver_cpu"].values()),
                              "load_average": run["load_average"],
                              "engine": run["engine"], "requests": run["crossref"]["requests"],
                              "timings": run["timings"]}
                print(f"CPU part, {args.cpu_pages} pages, {label}: {cpu[label]['cpu_part_s']:.1f} s "
                      f"(whole scan {run['seconds']:.1f} s, {run['crossref']['requests']} requests; CPU "
                      f"time: driver {run['driver_cpu_s']:.1f} s of which "
                      f"{cpu[label]['driver_cpu_in_cpu_part_s']:.1f} s in the CPU part, workers "
                      f"{run['children_cpu_s']:.1f} s; "
                      f"load average {run['load_average'][0]:.1f})",
                      flush=True)
            results["cpu"] = cpu
            if args.cpu_pages:
                results["cluster_startup_s"] = {w: cluster_startup(w) for w in (1, 2)}
                print(f"LocalCluster start+stop: {results['cluster_startup_s']}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = check(results, expected)
    results["targets"] = rows
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print("targets:")
    for row in rows:
        print(f"  {row['target']}: {row['measured']} (limit {row['limit']}): "
              f"{'holds' if row['holds'] else 'FAILS'}")
    return 0 if all(r["holds"] for r in rows) else 1


def check(results: dict, expected: int) -> list[dict]:
    """Each target: what it is, the measured value, its limit, whether it holds."""
    cold, warm, re = results["cold"], results["warm"], results["recheck"]
    rows = []

    def add(target: str, measured: str, limit: str, holds: bool) -> None:
        rows.append({"target": target, "measured": measured, "limit": limit, "holds": bool(holds)})

    add("cold scan requests = ceil(unique DOIs / 100)", str(cold["server"]["requests"]), f"= {expected}",
        cold["server"]["requests"] == expected)
    n429 = cold["server"]["429s"] + re["server"]["429s"]
    add("429s (cold scan + recheck)", str(n429), "= 0", n429 == 0)
    budget = SLACK * cold["rate_floor_s"] + cold["cpu_part_s"]
    add("cold scan wall time", f"{cold['seconds']:.1f} s",
        f"<= 1.2 x floor {cold['rate_floor_s']:.1f} s + CPU part {cold['cpu_part_s']:.1f} s = {budget:.1f} s",
        cold["seconds"] <= budget)
    add("cold scan peak RSS (driver)", f"{cold['peak_rss_mib']:.0f} MiB", f"<= {MAX_RSS_MIB:.0f} MiB",
        cold["peak_rss_mib"] <= MAX_RSS_MIB)
    add("warm re-run requests", str(warm["server"]["requests"]), "= 0", warm["server"]["requests"] == 0)
    add("recheck wall time", f"{re['seconds']:.1f} s",
        f"<= 1.2 x floor {re['rate_floor_s']:.1f} s = {SLACK * re['rate_floor_s']:.1f} s",
        re["seconds"] <= SLACK * re["rate_floor_s"])
    cpu = results.get("cpu") or {}
    if "1 worker" in cpu and "2 workers" in cpu:
        one, two = cpu["1 worker"], cpu["2 workers"]
        ratio = one["cpu_part_s"] / two["cpu_part_s"] if two["cpu_part_s"] else float("inf")
        results["worker_speedup"] = ratio
        add("CPU part, 2 workers vs 1 (wall)",
            f"{ratio:.2f}x ({one['cpu_part_s']:.1f} s / {two['cpu_part_s']:.1f} s, load "
            f"{one['load_average'][0]:.1f} / {two['load_average'][0]:.1f})",
            f">= {MIN_WORKER_SPEEDUP}x", ratio >= MIN_WORKER_SPEEDUP)
    return rows


if __name__ == "__main__":
    os.environ.pop("DASK_SCHEDULER_ADDRESS", None)
    raise SystemExit(main())
