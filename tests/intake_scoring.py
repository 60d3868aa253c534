"""Score what intake reads from the fixture pages (tests/fixtures/pages/) against their truth files.

Used by tests/test_intake_pages.py and benchmarks/bench_intake.py. References are matched to the
truth by their printed text (spaces and case ignored); a printed field counts as right when the
parse gives the truth's value (whitespace, case and a final full stop ignored). Markers are scored
as counts per reference number: precision and recall over every marker occurrence.
"""

from __future__ import annotations

import json
from pathlib import Path

from evidence_review.intake import parse as intake

PAGES = Path(__file__).parent / "fixtures" / "pages"
FIELDS = ("authors", "year", "title", "container", "volume", "issue", "pages", "doi", "url")


def truth_files() -> list[Path]:
    return sorted(PAGES.glob("*.truth.json"))


def _key(text) -> str:
    if text is None:
        return ""
    return " ".join(str(text).casefold().split()).rstrip(".")


def _value(ref: dict, name: str):
    if name == "authors":
        return [_key(a["family"]) for a in ref["authors"]] or None
    return _key(ref.get(name)) or None


def score_page(truth_path: Path) -> dict:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    doc = intake.to_json(intake.read_article(PAGES / truth["page"]))
    found = {_key(r["printed"]): r for r in doc["references"]}
    out = {"page": truth["page"], "refs": len(truth["references"]), "found": 0, "extra": 0,
           "fields": {f: [0, 0] for f in FIELDS}, "misses": []}
    for ref in truth["references"]:
        got = found.get(_key(ref["printed"]))
        if got is None:
            out["misses"].append(f"reference not found: {ref['printed'][:60]}")
            continue
        out["found"] += 1
        for name in FIELDS:
            want = [_key(a) for a in ref["authors"]] or None if name == "authors" else _key(ref[name]) or None
            if want is None:
                continue
            out["fields"][name][1] += 1
            if _value(got, name) == want:
                out["fields"][name][0] += 1
            else:
                out["misses"].append(f"[{ref['ref']}] {name}: {_value(got, name)!r} != {want!r}")
    truth_keys = {_key(r["printed"]) for r in truth["references"]}
    out["extra"] = sum(1 for k in found if k not in truth_keys)
    want_m, got_m = truth["markers"], doc["markers"]
    out["markers_true"] = sum(want_m.values())
    out["markers_found"] = sum(got_m.values())
    out["markers_right"] = sum(min(k, got_m.get(n, 0)) for n, k in want_m.items())
    return out


def standin_records(truth: dict) -> list[dict]:
    """Crossref stand-in records for a page's journal references, made from the truth file's own
    (fictional) printed values; a reference printed without a DOI gets a made-up 10.5555 one, so the
    stand-in can answer its bibliographic query. A DOI printed with nothing else (an inline link) gets
    a record whose title says it is a fixture: the page prints no title, authors or year to copy.
    Used by the tests and by benchmarks/bench_pages.py."""
    out = []
    page = truth["page"]
    for ref in truth["references"]:
        if ref["doi"] and not (ref["title"] or ref["authors"] or ref["year"]):
            out.append({"DOI": ref["doi"], "type": "journal-article",
                        "title": [f"Fixture work for the link {ref['doi']} on page {page[:2]}"],
                        "container-title": ["Journal of Fixtures"],
                        "author": [{"family": "Fixture", "given": "A.", "sequence": "first"}],
                        "issued": {"date-parts": [[2020]]}})
            continue
        if not (ref["title"] and ref["authors"] and ref["container"]):
            continue
        doi = ref["doi"] or f"10.5555/fixture.{page[:2]}.{ref['ref']}"
        out.append({"DOI": doi, "type": "journal-article", "title": [ref["title"]],
                    "container-title": [ref["container"]],
                    "author": [{"family": a, "given": "A.", "sequence": "first" if i == 0 else "additional"}
                               for i, a in enumerate(ref["authors"])],
                    "issued": {"date-parts": [[int(ref["year"])]]}, "volume": ref["volume"],
                    "issue": ref["issue"], "page": (ref["pages"] or "").replace("–", "-")})
    return out


def score_all() -> dict:
    pages = [score_page(p) for p in truth_files()]
    total = {"pages": len(pages), "refs": sum(p["refs"] for p in pages),
             "found": sum(p["found"] for p in pages), "extra": sum(p["extra"] for p in pages),
             "markers_true": sum(p["markers_true"] for p in pages),
             "markers_found": sum(p["markers_found"] for p in pages),
             "markers_right": sum(p["markers_right"] for p in pages)}
    total["fields"] = {f: [sum(p["fields"][f][0] for p in pages), sum(p["fields"][f][1] for p in pages)]
                       for f in FIELDS}
    total["references_found"] = total["found"] / total["refs"]
    total["marker_precision"] = total["markers_right"] / max(total["markers_found"], 1)
    total["marker_recall"] = total["markers_right"] / max(total["markers_true"], 1)
    total["field_accuracy"] = {f: (r / n if n else None) for f, (r, n) in total["fields"].items()}
    total["per_page"] = pages
    return total


def report(total: dict) -> str:
    lines = [f"pages: {total['pages']}, references: {total['found']}/{total['refs']} found "
             f"({total['references_found']:.1%}), {total['extra']} extra",
             f"markers: precision {total['marker_precision']:.1%} ({total['markers_right']}/"
             f"{total['markers_found']}), recall {total['marker_recall']:.1%} ({total['markers_right']}/"
             f"{total['markers_true']})",
             "printed fields right: " + ", ".join(
                 f"{f} {r}/{n} ({r / n:.0%})" for f, (r, n) in total["fields"].items() if n)]
    return "\n".join(lines)


if __name__ == "__main__":
    result = score_all()
    print(report(result))
    for page in result["per_page"]:
        for miss in page["misses"]:
            print(f"{page['page']}: {miss}")
        if page["markers_right"] < max(page["markers_true"], page["markers_found"]):
            print(f"{page['page']}: markers {page['markers_right']} right of {page['markers_true']} true, "
                  f"{page['markers_found']} found")
