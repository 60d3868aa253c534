"""Benchmark: what intake reads from the fixture pages, and how long `parse` takes on 50 references.

Scores (the same as tests/test_intake_pages.py): references found, printed fields right per field,
citation markers' precision and recall, over every page of tests/fixtures/pages/ against its truth
file. Timing: `parse` on a saved HTML page with 50 references (built here from the fixture pages'
own fictional references, one ``<sup>n</sup>`` marker per reference in the body), in-process
(median of warm runs) and as the command a reviewer runs (a new process, imports included).

    .venv/bin/python benchmarks/bench_intake.py [--runs 5]
"""

from __future__ import annotations

import argparse
import html
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from intake_scoring import report, score_all, truth_files  # noqa: E402

from evidence_review.intake import parse as intake  # noqa: E402

TARGET_S = 2.0


def page_with(n: int) -> str:
    """A saved page citing ``n`` references (AMA-like list; the fixtures' journal references)."""
    refs = [r["printed"] for t in truth_files()
            for r in json.loads(t.read_text(encoding="utf-8"))["references"] if r["authors"]]
    refs = (refs * (n // len(refs) + 1))[:n]
    paras = "".join(f"<p>Finding number {i} of this review is supported by a study of adults who were "
                    f"followed for several years in a clinic.<sup>{i}</sup></p>" for i in range(1, n + 1))
    items = "".join(f"<li>{html.escape(r, quote=False)}</li>" for r in refs)
    return (f"<html><head><title>Fifty Sources</title></head><body><article><h1>A Page With {n} "
            f"References</h1>{paras}<h2>References</h2><ol>{items}</ol></article></body></html>")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(report(score_all()))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fifty.html"
        path.write_text(page_with(50), encoding="utf-8")
        doc = intake.to_json(intake.read_article(path))  # warm-up; checks the page reads right
        assert len(doc["references"]) == 50 and len(doc["markers"]) == 50, doc["warnings"]
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            intake.to_json(intake.read_article(path))
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "evidence_review", "parse", str(path)],
                              capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src")})
        cli = time.perf_counter() - t
        assert done.returncode == 0, done.stderr
    warm = statistics.median(times)
    print(f"parse, 50 references: {warm:.2f} s in-process (median of {args.runs}), {cli:.2f} s as "
          f"`evidence-review parse` (new process); target < {TARGET_S:.0f} s: "
          f"{'met' if cli < TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
