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

``--pdf-refs N`` (issue 19, item 5) instead builds the PDF of a synthetic review of N references
(bench_scale's article, ``init`` against the Crossref stand-in, every claim then given a verdict in
turn: supported, partially supported, unsupported, contradicted, not verifiable, so the review is
finished and its findings that need action are printed; then ``build``, whose PDF above 150
references or claims is the editor's PDF, report/pdf_scope.py): wall, CPU, peak RSS, pages and the
first page naming what is left to the HTML, against the target (N = 1,000: under 60 s and 500 MiB);
page 1, the middle page and the last page are rendered to ``--png`` when given (pdftoppm -r 60),
and ``--json`` writes the figures.

    python benchmarks/bench_build.py [--runs 3] [--json benchmarks/last-build.json]
    python benchmarks/bench_build.py --pdf-refs 1000 [--png /tmp/pdf-1000] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import vmspeed
from bench_resolve import standin_process
from bench_scale import scratch_project

ROOT = Path(__file__).resolve().parents[1]
MAX_FLOOR_RATIO = 1.3
PDF_MAX_S, PDF_MAX_MIB = 60.0, 500.0
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
            "peak_rss_mib": usage.ru_maxrss / 1024, "load": load(),
            **({"children": children(err.decode())} if "--all" in cmd else {})}


# build --all's line per review: "[1/2] NAME: built (0.12–6.15 s into the command, 6.0 s of CPU)"
CHILD_LINE = re.compile(r"^\[\d+/\d+\] (\S+): built \(([\d.]+)–([\d.]+) s into the command, "
                        r"([\d.]+) s of CPU\)$", re.M)


def children(log: str) -> list[dict]:
    """When each child build of a ``build --all`` ran (seconds after the parent started) and its
    CPU time, from the parent's log."""
    return [{"review": m[1], "start_s": float(m[2]), "end_s": float(m[3]), "cpu_s": float(m[4])}
            for m in CHILD_LINE.finditer(log)]


def timeline(run: dict) -> str:
    return "; ".join(f"{c['review']} {c['start_s']:.2f}–{c['end_s']:.2f} s, cpu {c['cpu_s']:.1f} s"
                     for c in run.get("children", [])) or "(no per-build lines in the log)"


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


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), -1)


def note_page(pdf: Path, pages: int) -> int | None:
    """The first page that says a part was left to the HTML report (pdftotext), else None."""
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, text=True).stdout
        if "--full-pdf" in text:
            return page
    return None


SYNTHETIC_VERDICTS = ["supported", "partially-supported", "unsupported", "contradicted", "not-verifiable"]


def review_every_claim(claims_csv: Path) -> None:
    """Give each cited claim of the synthetic review a verdict, in turn (what a finished review
    holds: the benchmark prints a review an editor would get, not a draft)."""
    with claims_csv.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    for i, row in enumerate(rows):
        verdict = SYNTHETIC_VERDICTS[i % len(SYNTHETIC_VERDICTS)] if row["refs"] else "uncited"
        row.update(verdict=verdict, basis="abstract" if row["refs"] else "none",
                   needs_citation="false" if row["refs"] else "true")
        if verdict == "not-verifiable":
            row["note"] = "Synthetic review: only the record could be reached."
        elif verdict != "uncited":
            row.update(source_says="Synthetic review: what the source reports.", locator="Abstract")
    with claims_csv.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def pdf_at_scale(n: int, png: Path | None, json_out: Path | None = None) -> int:
    """Build the PDF of a synthetic review of ``n`` references; print the figures and the verdict.

    The PDF is what ``build`` writes by default: above ``PDF_FULL_MAX_ENTRIES`` references or claims,
    the editor's PDF (report/pdf_scope.py).
    """
    root, article = scratch_project(n)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    try:
        with standin_process(n, lifetime=3600) as base_url:
            timed([sys.executable, "-m", "evidence_review", "init", str(article), "--name", "bench",
                   "--base-url", base_url, "--mailto", "bench@example.org", "--no-europepmc",
                   "--root", str(root)], cwd=root)
        review_every_claim(root / "data" / "bench" / "claims.csv")
        m = build("bench", root=root)
        pdf = root / "reports" / "bench" / "review.pdf"
        pages = pdf_pages(pdf)
        note = note_page(pdf, pages)
        if png is not None:
            for name, number in (("first", 1), ("middle", (pages + 1) // 2), ("last", pages)):
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", "-f", str(number), "-l",
                                str(number), str(pdf), f"{png}-{name}"], check=False)
        ok = m["wall_s"] <= PDF_MAX_S and m["peak_rss_mib"] <= PDF_MAX_MIB
        print(f"target PDF at {n} references: build wall {m['wall_s']:.1f} s, cpu {m['cpu_s']:.1f} s, "
              f"peak RSS {m['peak_rss_mib']:.0f} MiB, {pages} pages, note on page {note} "
              f"(< {PDF_MAX_S:.0f} s and < {PDF_MAX_MIB:.0f} MiB) [load {m['load']}]: "
              f"{'holds' if ok else 'FAILS'}")
        if json_out is not None:
            json_out.write_text(json.dumps({
                "pdf_refs": n, **m, "pages": pages, "note_page": note, "target_s": PDF_MAX_S,
                "target_mib": PDF_MAX_MIB, "holds": ok, "python": platform.python_version(),
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, indent=2) + "\n",
                encoding="utf-8")
        return 0 if ok else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--review", default="muscle-spasm")
    parser.add_argument("--runs", type=int, default=3, help="runs after one --no-pdf warm-up (default 3)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--skip-all", action="store_true", help="skip the build --all comparison")
    parser.add_argument("--only-all", action="store_true",
                        help="only the build --all comparison (skip build/floor)")
    parser.add_argument("--pdf-refs", type=int, default=None,
                        help="only build the PDF of a synthetic review of this many references")
    parser.add_argument("--png", type=Path, default=None,
                        help="with --pdf-refs: render the first, middle, last pages to PNG-first.png, ...")
    args = parser.parse_args()
    if args.pdf_refs:
        return pdf_at_scale(args.pdf_refs, args.png, args.json)
    out = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
          f"{platform.python_version()}, {sys.prefix}; load {load()}", flush=True)
    build(args.review, "--no-pdf")  # warm-up: OS and bytecode caches, as any second build has
    print(vmspeed.line(), flush=True)  # the VM's speed drifts: read each figure against it
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
                a = runs["build --all --no-pdf (2 reviews)"][-1]
                each = " + ".join(f"cpu {x['cpu_s']:.1f} s wall {x['wall_s']:.1f} s" for x in serial)
                print(f"serial: {each} [load {serial[-1]['load']}]; build --all: wall "
                      f"{a['wall_s']:.2f} s, cpu {a['cpu_s']:.1f} s (parent and children) "
                      f"[load {a['load']}]; children: {timeline(a)}", flush=True)
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
    print(f"load at the end: {load()}; {vmspeed.line()}")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "median": median, "failures": failures},
                                        indent=2) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
