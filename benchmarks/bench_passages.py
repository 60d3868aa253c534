"""Recall of the passages shown beside each claim, on the fictional claim–passage set.

The set (tests/fixtures/europepmc/passages.yaml) pairs 33 claims, paraphrased the way a
consumer-health article words them, with the paragraph(s) of four fictional source texts that hold
them (two open full texts as JATS, two abstracts). Each tokeniser variant of
``evidence_review.appraisal.passages.TOKENIZERS`` is measured; the default must reach recall@3 of
at least --min-recall (exit 1 otherwise).

    python benchmarks/bench_passages.py [--json FILE] [--min-recall 0.85]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

from evidence_review.appraisal import passages
from evidence_review.records.sourcetext import SourceText, parse_abstract_text, parse_jats

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "europepmc"


def load_set(folder: Path = FIXTURES) -> tuple[list[dict], dict[str, SourceText]]:
    """The evaluation claims and the source texts by reference number, parsed as fetch parses them."""
    spec = yaml.safe_load((folder / "passages.yaml").read_text(encoding="utf-8"))
    records = {r["doi"]: r for r in json.loads((folder / "records.json").read_text("utf-8"))
               if r.get("source") == "MED"}
    texts = {}
    for ref, src in spec["sources"].items():
        record = records[src["doi"]]
        if src.get("full_text"):
            sections = parse_jats((folder / src["full_text"]).read_bytes(), src["doi"])
            origin = "europepmc-fulltext"
        else:
            sections = parse_abstract_text(record.get("abstractText"))
            origin = "europepmc-abstract"
        texts[str(ref)] = SourceText(src["doi"], sections, origin, record.get("license"),
                                     record.get("isOpenAccess") == "Y", record.get("pmid"),
                                     record.get("pmcid"))
    return spec["claims"], texts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", type=Path, help="write the figures here")
    p.add_argument("--min-recall", type=float, default=0.85)
    args = p.parse_args(argv)
    cases, texts = load_set()
    units = sum(1 for t in texts.values() for _ in t.units())
    results = {}
    for name, tokenizer in passages.TOKENIZERS.items():
        start = time.perf_counter()
        result = passages.evaluate(cases, texts, k=3, tokenizer=tokenizer)
        result["seconds"] = round(time.perf_counter() - start, 3)
        results[name] = result
        print(f"{name:8s} recall@1 {result['recall@1']:.3f}  recall@3 {result['recall@3']:.3f}  "
              f"MRR {result['mrr']:.3f}  ({result['n']} claims, {units} units, "
              f"{result['seconds']:.2f} s)  misses: {', '.join(result['misses']) or 'none'}")
    if args.json:
        args.json.write_text(json.dumps({"claims": len(cases), "units": units,
                                         "results": results}, indent=2) + "\n", encoding="utf-8")
    default = results["medical"]["recall@3"]
    if default < args.min_recall:
        print(f"recall@3 {default:.3f} is below the target {args.min_recall}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
