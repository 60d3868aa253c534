"""The per-page CPU work of a scan, as plain functions of plain data (they run on Dask workers).

:func:`read_page` is intake: the same public steps ``evidence-review init`` takes
(:func:`evidence_review.intake.extract.to_markdown`, :func:`~evidence_review.intake.article.parse_markdown`,
:func:`~evidence_review.intake.reflist.detect_style`, :func:`~evidence_review.intake.reflist.parse_list`),
so improvements to intake reach the scan unchanged. :func:`audit_page` is the reference audit of one
page (:func:`evidence_review.audit.fields.audit_reference` and ``check_markers``). Both take and
return dicts and lists only, never open the store and never reach the network.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from evidence_review.audit.fields import audit_reference, check_markers
from evidence_review.core.dates import iso_date
from evidence_review.core.errors import InputError
from evidence_review.intake import article as article_mod
from evidence_review.intake import extract, fieldparser, reflist
from evidence_review.intake.references import CitedReference
from evidence_review.records.resolve import resolve_references

# The printed fields kept as columns of the store's ``references`` table (docs/site.md).
REFERENCE_FIELDS = ("kind", "authors", "year", "title", "container", "volume", "issue", "pages",
                    "doi_printed", "url")
# Printed entries remembered per process by parse_list: the pages of one site print the works
# they share the same way (one house style), so most entries a worker meets were parsed before.
# ~2.6 KB each (the parse's dict, measured with tracemalloc on the synthetic site's entries):
# 4,096 entries hold ~11 MB per worker.
PARSE_CACHE = 4096


@lru_cache(maxsize=PARSE_CACHE)
def _parse_entry(body: str, style: str) -> dict:
    # "[0] " + body splits back into ("0", body): the parse of the entry as printed, bar its number
    return reflist.parse_entry(f"[0] {body}", style=style).to_dict()


def parse_list(entries: list[str], style: str | None = None) -> list[dict]:
    """:func:`evidence_review.intake.reflist.parse_list` as ``CitedReference`` dicts, memoised.

    The same steps (the list's style detected once, each entry parsed with it, numbered in order
    when it carries no label); an entry already parsed in this process with the same style is not
    parsed again: :func:`~evidence_review.intake.reflist.parse_entry` depends on the entry's text
    without its label ("[3]", "3.") and the style alone, apart from the number. The dicts returned
    share their lists with the cache: callers must not mutate them (they are pickled or written as
    JSON). ``style``: the
    list's :func:`~evidence_review.intake.reflist.detect_style`, when already known.
    """
    style = style or reflist.detect_style(entries)
    out = []
    for i, entry in enumerate(entries, start=1):
        label, body = reflist.split_label(entry)
        out.append({**_parse_entry(body, style), "number": label or str(i)})
    return out


def warm() -> None:
    """Load what the first page would: the field parser's model (run on each worker at start)."""
    fieldparser.parse("Synthetic A. A title. A journal. 2020;1:1-2.")


def read_page(page_id: str, path: str, label: str) -> dict:
    """Intake of one page file: its metadata, markers and references, or why it could not be read.

    Returns
    -------
    dict
        ``page_id``, ``ok`` and, when ok, ``title, site, url, author, last_updated, style,
        markers, references`` (``CitedReference.to_dict()`` each); else ``problem``
        (``unreadable`` or ``no-references``) and ``reason`` (one sentence).
    """
    try:
        markdown, meta = extract.to_markdown(Path(path))
        parsed = article_mod.parse_markdown(markdown, path=label)
        style = reflist.detect_style(parsed.references)
        refs = parse_list(parsed.references, style)
    except InputError as exc:
        problem = exc.problems[0] if exc.problems else None
        code = "no-references" if problem is not None and problem.field == "References" else "unreadable"
        reason = problem.message if problem is not None else str(exc)
        return {"page_id": page_id, "ok": False, "problem": code, "reason": reason}
    except Exception as exc:  # noqa: BLE001 - one odd page must not stop a site's scan
        return {"page_id": page_id, "ok": False, "problem": "unreadable",
                "reason": f"intake failed: {type(exc).__name__}: {exc}"}
    if not refs:
        return {"page_id": page_id, "ok": False, "problem": "no-references",
                "reason": "the reference list has no entries"}
    date = meta.date if iso_date(meta.date) else None
    return {"page_id": page_id, "ok": True, "title": parsed.title or meta.title, "site": meta.site,
            "url": meta.url, "author": meta.author, "last_updated": date, "style": style,
            "markers": parsed.markers(), "references": refs}


def reference_row(page_id: str, position: int, cited: dict, resolution: dict | None = None) -> dict:
    """The store's ``references`` row of one reference (and its resolution, when known)."""
    row = {"page_id": page_id, "position": position, "ref": cited["number"],
           "printed": cited["printed"], "cited_json": json.dumps(cited, ensure_ascii=False)}
    for key in REFERENCE_FIELDS:
        value = cited.get(key)
        row[key] = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
    res = resolution or {}
    for key in ("status", "doi", "doi_cited", "reason", "score", "agency"):
        row[key] = res.get(key)
    return row


def read_pages(items: list[tuple[str, str, str]]) -> list[dict]:
    """:func:`read_page` over a chunk of ``(page_id, path, label)`` (one Dask task per chunk).

    The store's rows are built here, on the worker: each ok result carries ``rows`` (its
    ``references`` rows, :func:`reference_row`) and ``dois`` (the DOIs printed) instead of
    ``references``, and ``markers`` as JSON text with ``n_markers``, so the driver only writes.
    """
    out = []
    for item in items:
        res = read_page(*item)
        if res["ok"]:
            refs = res.pop("references")
            res["rows"] = [reference_row(res["page_id"], i, c) for i, c in enumerate(refs, start=1)]
            res["dois"] = [c["doi_printed"] for c in refs if c.get("doi_printed")]
            res["n_markers"], res["markers"] = len(res["markers"]), json.dumps(res["markers"])
        out.append(res)
    return out


def audit_page(page: dict) -> dict:
    """The audit of one page's references against their records.

    Parameters
    ----------
    page : dict
        ``page_id``, ``last_updated`` (ISO or None), ``markers`` (list or None), and
        ``references``: a list of ``{"position", "cited" (CitedReference dict), "resolution"
        (status, doi, doi_cited, reason), "record" (work message or None)}``.

    Returns
    -------
    dict
        ``page_id``, ``findings`` (rows for the findings table) and ``counts`` per position
        (``{"position": (major, minor)}``).
    """
    rows, counts = [], {}
    numbers = []
    for item in page["references"]:
        cited = CitedReference(**item["cited"])
        numbers.append(cited.number)
        audit = audit_reference(cited, item.get("record"), item["resolution"], page.get("last_updated"))
        c = audit.counts()
        counts[item["position"]] = (c["major"], c["minor"])
        rows += [{"page_id": page["page_id"], "position": item["position"], "ref": cited.number,
                  **f.to_dict()} for f in audit.findings]
    if page.get("markers"):
        rows += [{"page_id": page["page_id"], "position": None, "ref": "markers", **f.to_dict()}
                 for f in check_markers(page["markers"], numbers)]
    return {"page_id": page["page_id"], "findings": rows, "counts": counts}


def audit_pages(pages: list[dict]) -> list[dict]:
    """:func:`audit_page` over a chunk of pages (one Dask task per chunk)."""
    return [audit_page(p) for p in pages]


class NeedsNetwork(Exception):
    """Raised by :class:`OfflineWorks` when a page's resolution needs a question not yet answered."""


class OfflineWorks:
    """The ``WorksClient`` of a worker: answers from the outcomes the driver already fetched, else
    raises :class:`NeedsNetwork` (the page is then resolved in the driver, which alone asks Crossref)."""

    def __init__(self, outcomes: dict) -> None:
        self.outcomes = outcomes

    def get_works(self, dois, refresh: bool = False) -> dict:
        wanted = list(dois)
        missing = [d for d in wanted if d not in self.outcomes]
        if missing:
            raise NeedsNetwork(missing[0])
        return {d: self.outcomes[d] for d in wanted}

    def query_bibliographic(self, text: str, rows: int = 5) -> list[dict]:
        raise NeedsNetwork(text)

    def agency(self, doi: str) -> str | None:
        raise NeedsNetwork(doi)


def resolve_audit_page(page: dict) -> dict:
    """Resolve one page's references from prefetched outcomes, then audit them, on a worker.

    Parameters
    ----------
    page : dict
        ``page_id``, ``last_updated``, ``markers``, ``references`` (``[(position, cited dict)]``) and
        ``outcomes`` (normalised DOI → :class:`~evidence_review.records.crossref.WorkOutcome`).

    Returns
    -------
    dict
        ``page_id`` and ``ok``; when ok also ``rows`` (the store's ``references`` rows, resolution
        included: :func:`reference_row`), ``records`` (the DOIs whose work message was accepted:
        the driver already holds those messages, so they are not sent back) and what
        :func:`audit_page` returns. Not ok means the page needs a repair, a query or an agency
        question: the driver resolves it.
    """
    cited = [CitedReference(**c) for _, c in page["references"]]
    try:
        resolutions = resolve_references(cited, OfflineWorks(page["outcomes"]))
    except NeedsNetwork:
        return {"page_id": page["page_id"], "ok": False}
    items, records, rows = [], [], []
    for position, c in page["references"]:
        res = resolutions[c["number"]]
        entry = res.to_dict()
        rows.append(reference_row(page["page_id"], position, c, entry))
        if res.doi and res.message:
            records.append(res.doi)
        items.append({"position": position, "cited": c, "resolution": entry, "record": res.message})
    audited = audit_page({"page_id": page["page_id"], "last_updated": page.get("last_updated"),
                          "markers": page.get("markers"), "references": items})
    return {"ok": True, "rows": rows, "records": records, **audited}


def resolve_audit_pages(pages: list[dict]) -> list[dict]:
    """:func:`resolve_audit_page` over a chunk of pages (one Dask task per chunk)."""
    return [resolve_audit_page(p) for p in pages]
