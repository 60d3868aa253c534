"""Benchmark: resolve N synthetic DOIs through CrossrefClient vs. a naive habanero per-DOI loop.

The Crossref stand-in runs in its own process (so its CPU and memory stay out of the figures) with
Crossref's polite-pool limits enforced: 10 requests per second, 5 at once, 100 ms per answer.
Run with ``make benchmark`` or ``python benchmarks/bench_resolve.py [--quick] [--json FILE]``.
It never touches the network: only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx2
from habanero import Crossref

from evidence_review.records.crossref import CrossrefClient, client_string
from evidence_review.records.standin import synthetic_doi

LATENCY, RATE, CONCURRENT = 0.1, 10, 5
SIZES = (100, 1_000, 10_000)
NAIVE_SIZES = (100, 1_000)
TARGETS = {  # N: (max seconds, max requests or None, max peak MiB or None)
    1_000: (5.0, 20, None),
    10_000: (30.0, None, 300.0),
}
MIN_SPEEDUP_AT_1000 = 20.0


@contextmanager
def standin_process(n: int, lifetime: int = 1800):
    """A stand-in holding ``n`` synthetic works, in a child process; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "evidence_review.records.standin", "--synthetic", str(n),
         "--latency", str(LATENCY), "--rate-limit", str(RATE), "--enforce-rate",
         "--max-concurrent", str(CONCURRENT), "--max-lifetime", str(lifetime)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
        proc.stdout.close()


def server_stats(base_url: str) -> dict:
    return httpx2.get(base_url + "/__standin/stats", timeout=5).json()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_client(base_url: str, dois: list[str], trace: bool) -> dict:
    """Resolve with CrossrefClient (polite pool defaults, no cache); time or trace memory."""
    before = server_stats(base_url)
    gc.collect()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    with CrossrefClient(base_url=base_url, mailto="bench@example.org", progress=False) as client:
        outcomes = client.get_works(dois)
        stats = dict(client.stats)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    after = server_stats(base_url)
    ok = sum(o.status == "ok" for o in outcomes.values())
    return {"seconds": elapsed, "requests": stats["requests"], "ok": ok,
            "client_429s": stats["429s"], "server_429s": _delta_429(before, after),
            "peak_in_flight": after["peak_in_flight"], "traced_peak_mib": peak}


def run_naive(base_url: str, dois: list[str]) -> dict:
    """habanero as documented: ``works(ids=[...])``, one sequential request per DOI."""
    before = server_stats(base_url)
    start = time.perf_counter()
    results = Crossref(base_url=base_url, mailto="bench@example.org").works(ids=dois, warn=True)
    elapsed = time.perf_counter() - start
    after = server_stats(base_url)
    ok = sum(r is not None for r in (results if isinstance(results, list) else [results]))
    return {"seconds": elapsed, "requests": after["total"] - before["total"], "ok": ok,
            "server_429s": _delta_429(before, after)}


def _delta_429(before: dict, after: dict) -> int:
    return after["statuses"].get("429", 0) - before["statuses"].get("429", 0)


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "client": client_string(),
            "date": date.today().isoformat()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="skip the naive loop at N=1,000 (~2 min)")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    args = p.parse_args(argv)
    naive_sizes = (100,) if args.quick else NAIVE_SIZES
    results: dict = {"machine": machine(), "setup": {
        "latency_s": LATENCY, "rate_per_s": RATE, "max_concurrent": CONCURRENT}, "runs": {}}
    print(f"machine: {results['machine']}", flush=True)
    with standin_process(max(SIZES)) as base_url:
        for n in SIZES:
            dois = [synthetic_doi(i) for i in range(n)]
            timed = run_client(base_url, dois, trace=False)
            timed["peak_rss_mib"] = peak_rss_mib()
            time.sleep(1.1)  # the traced run, too, starts with the stand-in's window empty
            traced = run_client(base_url, dois, trace=True)
            if traced["ok"] != n:  # a partial run's peak would understate the memory
                raise SystemExit(f"the traced run at N={n} resolved {traced['ok']} of {n} DOIs")
            timed["traced_peak_mib"] = traced["traced_peak_mib"]
            results["runs"][n] = {"client": timed}
            print(f"N={n:>6} client: {_fmt(timed)}", flush=True)
            if n in naive_sizes:
                time.sleep(1.1)  # let the stand-in's one-second window empty
                naive = run_naive(base_url, dois)
                results["runs"][n]["naive"] = naive
                ratio = naive["seconds"] / timed["seconds"]
                results["runs"][n]["speedup"] = ratio
                print(f"N={n:>6} naive:  {_fmt(naive)}  -> client is {ratio:.1f}x faster",
                      flush=True)
            time.sleep(1.1)
    failures = check_targets(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print("targets:", "all met" if not failures else "; ".join(failures))
    return 1 if failures else 0


def _fmt(run: dict) -> str:
    parts = [f"{run['seconds']:.2f} s", f"{run['requests']} requests", f"{run['ok']} ok",
             f"{run['server_429s']} x 429"]
    if "peak_rss_mib" in run:
        parts += [f"peak RSS {run['peak_rss_mib']:.0f} MiB",
                  f"traced peak {run['traced_peak_mib']:.1f} MiB",
                  f"peak in flight {run['peak_in_flight']}"]
    return ", ".join(parts)


def check_targets(results: dict) -> list[str]:
    failures = []
    for n, (max_s, max_req, max_mib) in TARGETS.items():
        run = results["runs"][n]["client"]
        if run["seconds"] > max_s:
            failures.append(f"N={n}: {run['seconds']:.1f} s > {max_s} s")
        if max_req is not None and run["requests"] > max_req:
            failures.append(f"N={n}: {run['requests']} requests > {max_req}")
        if max_mib is not None and run["peak_rss_mib"] > max_mib:
            failures.append(f"N={n}: peak RSS {run['peak_rss_mib']:.0f} MiB > {max_mib}")
        if run["ok"] != n:
            failures.append(f"N={n}: only {run['ok']} resolved")
    for n, entry in results["runs"].items():
        if entry["client"]["server_429s"]:
            failures.append(f"N={n}: {entry['client']['server_429s']} x 429")
    speedup = results["runs"][1_000].get("speedup")
    if speedup is not None and speedup < MIN_SPEEDUP_AT_1000:
        failures.append(f"N=1000: only {speedup:.1f}x faster than naive")
    return failures


if __name__ == "__main__":
    raise SystemExit(main())
