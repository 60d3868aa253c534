"""``evidence-review recheck --name SITE``: what changed in the site's sources since the last check.

Every DOI the store holds a record for is asked again (batched, ``refresh``: the cache is not
trusted) through one rate-limited client. Each new answer is compared with the stored record:

- a new ``updated-by`` notice: ``retraction`` (also partial retraction, withdrawal, removal),
  ``correction`` (corrigendum, erratum), ``expression-of-concern``, or ``update`` (any other type);
- ``doi-changed``: Crossref now gives the work another DOI, or no longer knows the DOI;
- ``title-changed``: the record's title is no longer the stored one (ignoring case and spacing).

Changes are kept in the ``changes`` table with the date they were seen, the stored records are
replaced by the new answers, and the run is one row of ``checks``. Exit 1 when a change needs
action (all but ``update``), naming each page and reference that cites the work, or when some
DOIs could not be asked (the check is incomplete: a weekly job must not pass silently offline).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evidence_review.core.dates import as_date
from evidence_review.records.crossref import CrossrefClient
from evidence_review.records.doi import normalise
from evidence_review.records.snapshot import VOLATILE_FIELDS, safe_name
from evidence_review.site.report import write_report
from evidence_review.site.scan import reaudit
from evidence_review.site.store import (
    CONCERN_TYPES,
    CORRECTION_TYPES,
    RETRACTION_TYPES,
    SiteStore,
    first_text,
    now,
)

# DOIs per part of a recheck: two parts are asked at a time (enough to keep the client's rate
# limit busy), and a part is compared with the store while the next one is asked.
RECHECK_PART = 1000
NEEDS_ACTION = ("retraction", "correction", "expression-of-concern", "doi-changed", "title-changed")


@dataclass
class RecheckResult:
    check_id: int
    dois: int
    requests: int
    changes: pd.DataFrame  # one row per change, with the pages and references citing the work
    errors: list[str] = field(default_factory=list)

    @property
    def needs_action(self) -> bool:
        """A change needs an editor, or some DOIs could not be checked (the check is incomplete)."""
        changed = bool(len(self.changes)) and bool(self.changes["needs_action"].any())
        return changed or bool(self.errors)


def change_kind(update_type: str | None) -> str:
    kind = (update_type or "").lower()
    if kind in RETRACTION_TYPES:
        return "retraction"
    if kind in CORRECTION_TYPES:
        return "correction"
    if kind in CONCERN_TYPES:
        return "expression-of-concern"
    return "update"


def _notice_key(update: dict) -> tuple:
    return (update.get("type"), normalise(update.get("DOI") or "") or None)


def _title_key(message: dict | None) -> str:
    return re.sub(r"\s+", " ", (first_text((message or {}).get("title")) or "")).strip().casefold()


def compare(doi: str, before: dict, after: dict | None, status: str, reason: str | None) -> list[dict]:
    """The changes between a stored record and Crossref's new answer for one DOI."""
    if status == "not-found" or (after is not None and normalise(after.get("DOI", doi)) != doi):
        now_doi = normalise(after["DOI"]) if after is not None and after.get("DOI") else None
        return [{"doi": doi, "change": "doi-changed", "before": doi, "after": now_doi,
                 "notice_doi": None, "notice_date": None,
                 "detail": reason or f"Crossref now gives this work the DOI {now_doi}"}]
    if after is None:
        return []
    out = []
    old = {_notice_key(u) for u in before.get("updated-by") or []}
    for update in after.get("updated-by") or []:
        if _notice_key(update) in old:
            continue
        out.append({"doi": doi, "change": change_kind(update.get("type")), "before": None,
                    "after": update.get("type"), "notice_doi": update.get("DOI"),
                    "notice_date": as_date(update.get("updated")), "detail": update.get("label")})
    if _title_key(before) and _title_key(after) and _title_key(before) != _title_key(after):
        out.append({"doi": doi, "change": "title-changed", "before": first_text(before.get("title")),
                    "after": first_text(after.get("title")), "notice_doi": None,
                    "notice_date": None, "detail": None})
    return out


def recheck(name: str, root: Path | str | None = None, *, base_url: str | None = None,
            mailto: str | None = None, progress: bool | None = None, client=None,
            client_options: dict | None = None) -> RecheckResult:
    """Re-resolve every DOI of a scanned site and store what changed (see the module docstring)."""
    store = SiteStore(name, root)
    own = client is None
    try:
        if client is None:
            # No cache: every answer is fresh, and writing thousands of cache files would cost
            # more than the requests; the cache entries of changed works are dropped below.
            client = CrossrefClient(base_url=base_url, mailto=mailto, progress=progress,
                                    **(client_options or {}))
        check_id = store.start_check("recheck", getattr(client, "base_url", base_url))
        dois = [d for d, in store.con.execute("SELECT doi FROM records ORDER BY doi").fetchall()]
        before_requests = int(client.stats.get("requests", 0))
        today = dt.datetime.now(dt.UTC).date()
        found: list[dict] = []
        fresh: dict[str, dict] = {}
        errors = []
        outcomes: dict = {}
        # The DOIs in parts, two asked at a time through the one client (which batches each by
        # 100 and paces them all together): the store is read while the first answers come, and
        # each part is compared as soon as it is back, while the next one is being asked.
        parts = [dois[i:i + RECHECK_PART] for i in range(0, len(dois), RECHECK_PART)]
        with ThreadPoolExecutor(2) as pool:
            asking = [pool.submit(client.get_works, part, refresh=True) for part in parts]
            stored = store.records()
            for future in asking:
                answers = future.result()
                outcomes.update(answers)
                for doi, outcome in answers.items():
                    if outcome.status == "error":
                        errors.append(f"{doi}: {outcome.reason}")
                        continue
                    message = ({k: v for k, v in outcome.message.items() if k not in VOLATILE_FIELDS}
                               if outcome.message else None)  # shallow: only compared and stored
                    found += compare(doi, stored[doi], message, outcome.status, outcome.reason)
                    if message is not None and message != stored[doi]:
                        fresh[doi] = message  # only changed records are rewritten
        rows = [{"check_id": check_id, "detected_on": today,
                 "needs_action": c["change"] in NEEDS_ACTION,
                 **{k: c[k] for k in ("doi", "change", "before", "after", "notice_doi", "notice_date")}}
                for c in found]
        when = now()
        store.con.execute("BEGIN TRANSACTION")
        store.insert("changes", rows)
        store.put_records(fresh, checked_at=when)
        answered = [d for d, o in outcomes.items() if o.status != "error"]
        if answered:
            store.con.execute("UPDATE records SET checked_at = ? WHERE doi IN "
                              "(SELECT unnest(?::VARCHAR[]))", [when, answered])
        requests = int(client.stats.get("requests", 0)) - before_requests
        store.finish_check(check_id, dois=len(stored), requests=requests,
                           cache_hits=0, errors=len(errors), changes=len(rows),
                           pages=int(store.con.execute("SELECT count(*) FROM pages").fetchone()[0]),
                           completed=True)
        store.con.execute("COMMIT")
        changed = sorted({c["doi"] for c in found})
        drop_cached(store.root / ".cache" / "crossref", set(changed) | set(fresh))
        cited_by = [p for p, in store.con.execute(
            'SELECT DISTINCT page_id FROM "references" WHERE doi IN (SELECT unnest(?::VARCHAR[]))',
            [changed]).fetchall()] if changed else []
        reaudit(store, cited_by)  # the findings (and the report) show the new notices
        if found and (store.reports_dir / "site.html").is_file():
            write_report(store)
        frame = store.frame("""
            SELECT ch.doi, ch.change, ch.before, ch.after, ch.notice_doi, ch.notice_date,
                   ch.needs_action, r.page_id, p.location, r.ref
            FROM changes ch LEFT JOIN "references" r ON r.doi = ch.doi
            LEFT JOIN pages p ON p.page_id = r.page_id
            WHERE ch.check_id = ? ORDER BY ch.doi, ch.change, r.page_id, r.position""", [check_id])
        return RecheckResult(check_id, len(stored), requests, frame, errors)
    finally:
        if own and client is not None:
            client.close()
        store.close()


def drop_cached(cache_dir: Path, dois: set[str]) -> None:
    """Forget the shared cache's answers for works that changed: the next fetch asks again.

    The cache keeps one folder per server; a changed work is dropped from every one of them.
    """
    folders = [cache_dir, *(p for p in cache_dir.iterdir() if p.is_dir())] if cache_dir.is_dir() else []
    for folder in folders:
        for doi in dois:
            for suffix in (".json", ".404.json"):
                (folder / f"{safe_name(doi)}{suffix}").unlink(missing_ok=True)


def describe(result: RecheckResult) -> list[str]:
    """One line per page and reference citing a changed work, then a summary line."""
    lines = []
    for row in result.changes.itertuples(index=False):
        what = row.change + (f" ({row.after})" if row.change == "update" else "")
        if isinstance(row.notice_doi, str):
            what += f", notice {row.notice_doi}"
        if row.notice_date is not None and not pd.isna(row.notice_date):
            what += f", dated {pd.Timestamp(row.notice_date).date().isoformat()}"
        if row.change in ("doi-changed", "title-changed"):
            what += f": {row.before!s} -> {row.after!s}"
        where = (f"{row.page_id} ({row.location}) [{row.ref}]" if isinstance(row.page_id, str)
                 else "no page cites it any more")
        flag = "action needed" if row.needs_action else "note"
        lines.append(f"{flag}: {where}: {row.doi}: {what}")
    lines += [f"could not check: {e}" for e in result.errors]
    changed = result.changes["doi"].nunique() if len(result.changes) else 0
    lines.append(f"recheck: {result.dois} DOI(s) asked again in {result.requests} request(s); "
                 f"{changed} changed" + (f"; {len(result.errors)} could not be asked"
                                         if result.errors else ""))
    return lines


def as_json(result: RecheckResult) -> dict:
    rows = json.loads(result.changes.to_json(orient="records", date_format="iso"))
    return {"check_id": result.check_id, "dois": result.dois, "requests": result.requests,
            "needs_action": result.needs_action, "changes": rows, "errors": result.errors}
