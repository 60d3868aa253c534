"""Every fixture page through `init` -> `build --no-pdf` (the real build: notebook 03 in a kernel),
offline and against a Crossref stand-in (issue 13: "every page through init -> build").

For each page of tests/fixtures/pages/ and each mode, in a scratch project (data/evidence-levels.yaml,
data/quality/ and notebooks/ copied in), as a reviewer runs the commands (a new process each):

- ``offline``: ``init PAGE --name NN-offline --no-fetch``, then ``build --review NN-offline --no-pdf``;
  every reference must be "not yet resolved" (or not in Crossref) in the audit;
- ``stand-in``: a :class:`~evidence_review.records.standin.CrossrefStandIn` on 127.0.0.1 serves the
  page's journal references (made from its truth file's fictional values), ``init PAGE --name
  NN-stand-in --base-url URL`` fetches from it, then ``build``; no reference may stay "not yet
  resolved", and each printed DOI the stand-in holds must be matched (the stand-in holds a record
  for every printed DOI, so ``init`` must exit 0 here too).

A run passes when both commands exit 0, ``reports/NAME/review.html`` is written and the audit holds
as above. Prints one row per page and mode (wall and CPU seconds, with the load average) and exits 1
on any failure. The test suite takes only two pages through the real build
(tests/test_intake_pages.py); this script takes all of them.

    python benchmarks/bench_pages.py [--pages 01 08] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from intake_scoring import PAGES, standin_records, truth_files  # noqa: E402

from evidence_review.records.standin import CrossrefStandIn  # noqa: E402
from evidence_review.report.session import open_review  # noqa: E402

MODES = ("offline", "stand-in")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(args: list[str], root: Path) -> dict:
    """One CLI command in a new process: exit code, wall and CPU time (process and its children)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("EVIDENCE_REVIEW_ROOT", None)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "evidence_review", *args, "--root", str(root)],
                            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode(errors="replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    return {"rc": os.waitstatus_to_exitcode(status), "wall_s": time.perf_counter() - start,
            "cpu_s": usage.ru_utime + usage.ru_stime, "stderr": err.strip().splitlines()[-1:] or [""]}


def scratch_project(base: Path) -> Path:
    root = base / "project"
    (root / "data").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "evidence-levels.yaml", root / "data")
    shutil.copytree(ROOT / "data" / "quality", root / "data" / "quality")
    shutil.copytree(ROOT / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return root


def audit_problem(root: Path, name: str, mode: str, records: list[dict]) -> tuple[str | None, dict]:
    """Why the built review's audit is not what the mode expects (None when it is), and its counts."""
    refs = open_review(name, root).audit.references
    statuses = [r.status for r in refs]
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    if mode == "offline":
        bad = [r.ref for r in refs if r.status not in ("not-yet-resolved", "not-in-crossref")]
        return (f"resolved offline: {bad}" if bad else None), counts
    if "not-yet-resolved" in statuses:
        return f"not yet resolved: {[r.ref for r in refs if r.status == 'not-yet-resolved']}", counts
    known = {r["DOI"].lower() for r in records}
    unmatched = [r.ref for r in refs if r.cited.doi_printed and (r.doi_cited or "").lower() in known
                 and r.status != "matched"]
    return (f"printed DOI not matched: {unmatched}" if unmatched else None), counts


def one(root: Path, truth_path: Path, mode: str) -> dict:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    page = PAGES / truth["page"]
    name = f"{truth['page'][:2]}-{mode}"
    records = standin_records(truth)
    row = {"page": truth["page"], "mode": mode, "refs": len(truth["references"]), "load": load()}
    if mode == "offline":
        row["init"] = run(["init", str(page), "--name", name, "--no-fetch", "--force"], root)
    else:
        with CrossrefStandIn(records, rate_limit=1000) as api:
            row["init"] = run(["init", str(page), "--name", name, "--base-url", api.base_url, "--force"],
                              root)
            row["standin_requests"] = api.total_requests
    problem = None
    if row["init"]["rc"] != 0:
        problem = f"init exit {row['init']['rc']}: {row['init']['stderr'][0]}"
    else:
        row["build"] = run(["build", "--review", name, "--no-pdf"], root)
        if row["build"]["rc"] != 0:
            problem = f"build exit {row['build']['rc']}: {row['build']['stderr'][0]}"
        elif not (root / "reports" / name / "review.html").is_file():
            problem = "no reports/NAME/review.html"
        else:
            problem, row["statuses"] = audit_problem(root, name, mode, records)
    row["ok"] = problem is None
    row["problem"] = problem
    return row


def fmt(row: dict) -> str:
    init, build = row["init"], row.get("build") or {}
    statuses = ", ".join(f"{k} {v}" for k, v in (row.get("statuses") or {}).items())
    return (f"| {row['page']} | {row['mode']} | {row['refs']} | {statuses or '–'} | {init['rc']} | "
            f"{init['wall_s']:.1f} / {init['cpu_s']:.1f} | "
            f"{build.get('wall_s', 0):.1f} / {build.get('cpu_s', 0):.1f} | {row['load']} | "
            f"{'ok' if row['ok'] else 'FAILS: ' + row['problem']} |")


def run_all(pages: list[str] | None = None) -> dict:
    truths = [t for t in truth_files() if not pages or t.name[:2] in pages]
    rows = []
    print("| page | mode | refs | audit | init exit | init s (wall / CPU) | build --no-pdf s (wall / CPU) "
          "| load 1/5/15 | result |\n|---|---|---:|---|---:|---:|---:|---|---|", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch_project(Path(tmp))
        for truth_path in truths:
            for mode in MODES:
                row = one(root, truth_path, mode)
                rows.append(row)
                print(fmt(row), flush=True)
    failed = [f"{r['page']} {r['mode']}" for r in rows if not r["ok"]]
    builds = [r["build"]["cpu_s"] for r in rows if r.get("build")]
    summary = {"runs": len(rows), "passed": len(rows) - len(failed), "failed": failed,
               "build_cpu_s_median": sorted(builds)[len(builds) // 2] if builds else None, "rows": rows}
    print(f"every page through init -> build --no-pdf: {summary['passed']}/{summary['runs']} runs pass "
          f"({len(truths)} pages x {len(MODES)} modes); target: all: {'holds' if not failed else 'FAILS'}"
          + (f" ({', '.join(failed)})" if failed else ""))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="*", help="page numbers to run (default: every page)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    summary = run_all(args.pages)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
