"""Per-field accuracy and speed of the reference field parser (the CRF) against the regex rules.

Two held-out sets, neither used in training:

(a) fictional records (seed 99; training uses seed 13) rendered through CSL styles the model never saw
    (``fieldtrain.HELDOUT_STYLES``);
(b) the hand-labelled strings of ``tests/fixtures/fieldparser/hand_heldout.txt``.

A field is scored on a reference where the truth or the parse has a value; it is right when both are
equal after whitespace normalisation. Columns: ``rules`` = the regular-expression parsers alone (the
parser before the CRF); ``crf`` = ``fieldparser.parse`` (the fields dict, with the rules' parse as
features); ``parse_entry`` = the CitedReference the project builds from it (CRF, rules as fallback;
CitedReference has no PMID/PMCID field). Speed: ``reflist.parse_entry`` over every string of both
sets, repeated.

    python benchmarks/bench_fieldparser.py [--per-style 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from evidence_review.intake import fieldparser, fieldtrain, reflist
from evidence_review.intake.references import CitedReference

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "fixtures" / "fieldparser" / "hand_heldout.txt"


def as_fields(ref) -> dict:
    """A CitedReference in the field parser's dict shape (the rules know no PMID/PMCID)."""
    authors = []
    for a in ref.authors:
        family, _, given = a.partition(", ")
        authors.append({"family": family or None, "given": given or None})
    container = None if ref.container and ref.container == ref.organisation else ref.container
    return {"authors": authors, "et_al": ref.et_al, "organisation": ref.organisation, "year": ref.year,
            "date": ref.date_text, "title": ref.title, "container": container, "volume": ref.volume,
            "issue": ref.issue, "pages": ref.pages, "doi": ref.doi_printed, "url": ref.url,
            "pmid": None, "pmcid": None, "accessed": ref.accessed, "publisher": ref.publisher}


def rules_only(text: str) -> dict:
    ref = reflist.rule_parse(text)
    if ref is None:
        rest, doi, url = reflist._split_link(text)
        ref = CitedReference(number="0", printed=text, doi_printed=doi, url=url)
    return as_fields(ref)


def crf(text: str) -> dict | None:
    rules = reflist.rule_parse(text)
    return fieldparser.parse(text, reflist.hints_from(rules) if rules else None)


def current(text: str) -> dict:
    return as_fields(reflist.parse_entry(text, fallback_number="0"))


def table(name: str, examples, parsers) -> list[dict]:
    scores = {label: fieldtrain.score(examples, fn) for label, fn in parsers.items()}
    rows = []
    for field in fieldtrain.SCORED:
        row = {"set": name, "field": field}
        for label, tab in scores.items():
            right, n = tab[field]
            row[label] = [right, n]
        rows.append(row)
    return rows


def pct(pair: list[int]) -> str:
    right, n = pair
    return f"{100 * right / n:.1f}% ({right}/{n})" if n else "–"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-style", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    styles = fieldtrain.csl_examples(fieldtrain.HELDOUT_STYLES, args.per_style, seed=99)
    hand = fieldtrain.read_labelled(HELDOUT)
    parsers = {"rules": rules_only, "crf": crf, "parse_entry": current}
    rows = table(f"(a) {len(styles)} refs, {len(fieldtrain.HELDOUT_STYLES)} held-out CSL styles", styles,
                 parsers)
    rows += table(f"(b) {len(hand)} hand-labelled held-out strings", hand, parsers)

    texts = [e.text for e in styles + hand]
    reflist.parse_entry(texts[0])  # load the model once before timing
    rounds = 3
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            reflist.parse_entry(text)
    elapsed = time.perf_counter() - start
    speed = rounds * len(texts) / elapsed

    current_set = None
    for row in rows:
        if row["set"] != current_set:
            current_set = row["set"]
            print(f"\n{current_set}\n| field | rules (before) | CRF fields | parse_entry |")
            print("|---|---:|---:|---:|")
        entry = "–" if row["field"] in ("pmid", "pmcid") else pct(row["parse_entry"])
        print(f"| {row['field']} | {pct(row['rules'])} | {pct(row['crf'])} | {entry} |")
    print(f"\nspeed: {speed:,.0f} references/s (parse_entry, {rounds} x {len(texts)} strings, one process)")
    print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "references_per_s": round(speed, 1),
                                         "cpus": os.cpu_count()}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
