"""``evidence-review scan SOURCES… --name SITE``: the reference audit of every page of a site.

Stages, each resumable (the store says what is done; an interrupted scan run again picks up where
it stopped and asks nothing again for what the store holds):

1. **list**: SOURCES → pages (:mod:`evidence_review.site.sources`); a file whose content changed
   since the last scan is read again, the rest is kept;
2. **fetch**: pages given by URL are fetched politely (:mod:`evidence_review.site.web`) and kept
   under ``data/SITE/pages/``;
3. **read**: intake of every page (:func:`evidence_review.site.pages.read_page`), on the engine
   (in-process, LocalCluster or a cluster: :mod:`evidence_review.site.engine`);
4. **resolve**: ONE resolution for the whole site in the driver: every printed DOI of every page
   de-duplicated and asked in batches of at most 100 through one rate-limited client, repairs and
   bibliographic queries asked once each (:class:`evidence_review.site.resolver.SiteResolver`),
   one shared on-disk cache (``.cache/crossref``, the one ``fetch`` uses);
5. **audit**: every page's references against their records, on the engine.

A page that fails any stage is recorded (stage ``failed``, a problem code, one sentence) and the
scan goes on. No claims are read: a page becomes a full review with ``init --from-scan``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from evidence_review.core.errors import InputError, Problem
from evidence_review.core.progress import stderr
from evidence_review.intake.references import CitedReference
from evidence_review.records.crossref import CrossrefClient
from evidence_review.records.doi import is_valid, normalise
from evidence_review.records.resolve import resolve_references
from evidence_review.records.snapshot import VOLATILE_FIELDS
from evidence_review.site import pages as page_work
from evidence_review.site.engine import Engine
from evidence_review.site.pages import reference_row
from evidence_review.site.resolver import Prefetcher, SiteResolver
from evidence_review.site.sources import PageSource, expand
from evidence_review.site.store import SiteStore, now
from evidence_review.site.web import DEFAULT_INTERVAL, DEFAULT_MAX_BYTES, PoliteFetcher

BATCH = 100  # DOIs per prefetch request while pages are read (the client's batch size)
WRITE_EVERY = 100  # pages per store transaction (read, match+audit, driver resolve)
FETCH_THREADS = 4  # pages fetched at once (each host is still paced on its own)
RETRY_PROBLEMS = ("fetch-error",)  # fetch failures worth another try on the next scan

Say = Callable[[str], None]


@dataclass
class ScanResult:
    """What a scan did: counts by stage, Crossref figures, seconds per stage (wall time), and the
    driver process's CPU seconds during the CPU part (``driver_cpu``: read, match+audit, audit)."""

    site: str
    store: Path
    stages: dict[str, int]
    problems: dict[str, int]
    crossref: dict
    resolver: dict
    engine: str
    timings: dict[str, float] = field(default_factory=dict)
    driver_cpu: dict[str, float] = field(default_factory=dict)
    report: Path | None = None
    check_id: int | None = None


@contextmanager
def _transaction(store: SiteStore):
    store.con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        store.con.execute("ROLLBACK")
        raise
    store.con.execute("COMMIT")


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _bar(total: int, desc: str, progress: bool | None, unit: str = "page") -> tqdm:
    show = progress if progress is not None else sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=not show, leave=False)


def scan(sources: list[str], name: str, root: Path | str | None = None, *,
         base_url: str | None = None, mailto: str | None = None, scheduler: str | None = None,
         workers: int | None = None, progress: bool | None = None, say: Say | None = stderr,
         client=None, client_options: dict | None = None, fetcher: PoliteFetcher | None = None,
         page_interval: float = DEFAULT_INTERVAL, max_bytes: int = DEFAULT_MAX_BYTES,
         report: bool = True) -> ScanResult:
    """Scan SOURCES into ``data/SITE/site.duckdb`` and write ``reports/SITE/site.html``.

    Parameters
    ----------
    sources : files, folders, globs, files listing URLs, sitemaps (file or URL) or page URLs.
    name : the site's name.
    root : the project root.
    base_url, mailto : Crossref's API root and the polite pool's contact (else the environment).
    scheduler, workers : where the CPU work runs (see :class:`evidence_review.site.engine.Engine`).
    progress : progress bars on stderr (default: when stderr is a terminal).
    say : called with one line per stage (None: silent).
    client : a CrossrefClient to use instead of building one (tests, benchmarks).
    client_options : extra keyword arguments for the CrossrefClient built here.
    fetcher : a PoliteFetcher to use for URLs (default: one with ``page_interval``, ``max_bytes``).
    report : write the site report when done.

    Raises
    ------
    InputError
        No SOURCE gave any page, or a bad site name.
    """
    say = say or (lambda _line: None)
    store = SiteStore(name, root, create=True)
    timings: dict[str, float] = {}
    own_fetcher = fetcher is None
    fetcher = fetcher or PoliteFetcher(interval=page_interval, max_bytes=max_bytes, mailto=mailto)
    own_client = client is None
    engine: Engine | None = None
    discard = False
    try:
        check_id = store.start_check("scan", base_url)
        t = time.perf_counter()
        pages, notes = expand(sources, store.root, fetcher)
        # A cluster takes seconds to start: begin now, for the pages the store does not hold done.
        done = {p for p, in store.con.execute(
            "SELECT page_id FROM pages WHERE stage IN ('audited', 'failed')").fetchall()}
        engine = Engine(sum(p.page_id not in done for p in pages), workers=workers,
                        scheduler=scheduler, progress=progress, warmup=page_work.warm).start()
        listed = _list(store, sources, pages, notes, say, progress)
        timings["list"] = time.perf_counter() - t
        t = time.perf_counter()
        _fetch(store, fetcher, progress, say)
        timings["fetch"] = time.perf_counter() - t
        todo = _count_work(store)
        if client is None:
            client = CrossrefClient(base_url=base_url, mailto=mailto, progress=progress,
                                    cache_dir=store.root / ".cache" / "crossref",
                                    **(client_options or {}))
        resolver = SiteResolver(client, known_queries=store.queries())
        with engine:
            if todo:
                say(f"scan: {todo} page(s) to read and audit ({engine.describe()})")
            t, c = time.perf_counter(), time.process_time()
            prefetcher = Prefetcher(resolver, batch=BATCH)
            try:
                _read(store, engine, say, prefetcher.add)
            except BaseException:
                prefetcher.stop()  # interrupted: let the batch in flight end, send no more
                raise
            prefetcher.finish()  # the last partial batch; waits for the one in flight
            timings["read"] = time.perf_counter() - t
            cpu = {"read": time.process_time() - c}
            c = time.process_time()
            timings.update(_resolve(store, resolver, engine, progress, say))
            cpu["resolve"] = time.process_time() - c  # match+audit, and the prefetch left
            t, c = time.perf_counter(), time.process_time()
            _audit(store, engine, say)
            timings["audit"] = time.perf_counter() - t
            cpu["audit"] = time.process_time() - c
            engine.close_soon()  # the cluster stops while the store is summed up and the report written
        stages, problems = summary(store)
        stats = dict(client.stats)
        store.finish_check(check_id, pages=int(sum(stages.values())),
                           dois=int(store.con.execute("SELECT count(*) FROM records").fetchone()[0]),
                           requests=int(stats.get("requests", 0)),
                           cache_hits=int(stats.get("cache_hits", 0)),
                           errors=int(stats.get("errors", 0)), changes=0, completed=True)
        result = ScanResult(site=name, store=store.path, stages=stages, problems=problems,
                            crossref=stats, resolver={"asked": dict(resolver.asked),
                                                      "reused": dict(resolver.reused)},
                            engine=engine.describe(), timings=timings, driver_cpu=cpu,
                            check_id=check_id)
        say(f"scan: {listed} page(s) listed; " + ", ".join(f"{v} {k}" for k, v in stages.items())
            + f"; Crossref: {stats.get('requests', 0)} request(s), {stats.get('cache_hits', 0)} "
              f"cache hit(s)")
        for problem, count in problems.items():
            say(f"scan: {count} page(s) failed: {problem}")
        if report:
            # deferred: it imports matplotlib (docs/architecture.md)
            from evidence_review.site.report import write_report

            t = time.perf_counter()
            result.report = write_report(store, progress=progress)
            timings["report"] = time.perf_counter() - t
            say(f"scan: wrote {store.rel(result.report)}")
        return result
    except InputError:
        # no SOURCE gave a page (a typo, say): a store this scan created would hold only that
        discard = store.created
        raise
    finally:
        if engine is not None:
            engine.close()  # also when interrupted before the engine was entered
        if own_client and client is not None:
            client.close()
        if own_fetcher:
            fetcher.close()
        store.close()
        if discard:  # only the store's own files, and its folder when nothing else is in it
            for path in (store.path, store.path.with_name(store.path.name + ".wal")):
                path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                store.dir.rmdir()


# ---- 1. list --------------------------------------------------------------------------------------
def _list(store: SiteStore, sources: list[str], pages: list[PageSource], notes: list, say: Say,
          progress: bool | None = None) -> int:
    seen = now()
    store.insert("sources", [{"source": n.source, "kind": n.kind, "status": n.status,
                              "reason": n.reason, "pages": n.pages, "seen_at": seen} for n in notes])
    for note in notes:
        if note.status in ("failed", "skipped", "empty"):
            say(f"scan: {note.kind} {note.source}: {note.status}: {note.reason}")
    if not pages:
        problems = [Problem(file=n.source, field="SOURCES", message=f"{n.status}: {n.reason}")
                    for n in notes if n.status != "ok"]
        raise InputError(problems or Problem(file="-", field="SOURCES", message="no pages to scan"))
    known = store.pages()
    fresh, changed = [], []
    for page in tqdm(pages, desc="list", unit="page", file=sys.stderr, leave=False,
                     disable=not (progress if progress is not None else sys.stderr.isatty())):
        sha = _sha256(page.path) if page.kind == "file" else None
        old = known.get(page.page_id)
        if old is not None:
            if page.kind == "file" and old.get("content_sha256") != sha:
                changed.append(page.page_id)
            elif page.kind == "url" and old["stage"] == "failed" and old["problem"] in RETRY_PROBLEMS:
                changed.append(page.page_id)
            else:
                continue
        fresh.append(_page_row(store, page, sha, seen))
    with _transaction(store):
        store.reset_pages(changed)
        store.insert("pages", fresh)
        # References Crossref could not be asked about last time are asked again (nothing else is).
        # The whole page is resolved and audited again (its other answers come from the cache).
        store.con.execute("""UPDATE pages SET stage = 'read' WHERE stage = 'audited' AND page_id IN
                             (SELECT page_id FROM "references" WHERE status = 'error')""")
        store.con.execute("""UPDATE "references" SET status = NULL WHERE page_id IN
                             (SELECT page_id FROM "references" WHERE status = 'error')""")
    kept = len(pages) - len(fresh)
    say(f"scan: {len(pages)} page(s) from {len(sources)} source(s): {len(fresh)} new or changed, "
        f"{kept} kept from the store")
    return len(pages)


def _page_row(store: SiteStore, page: PageSource, sha: str | None, seen) -> dict:
    return {"page_id": page.page_id, "location": page.location, "kind": page.kind,
            "local_path": store.rel(page.path) if page.path else None, "content_sha256": sha,
            "stage": "listed", "listed_at": seen}


# ---- 2. fetch -------------------------------------------------------------------------------------
def _fetch(store: SiteStore, fetcher: PoliteFetcher, progress: bool | None, say: Say) -> None:
    todo = store.con.execute("SELECT page_id, location FROM pages WHERE kind = 'url' AND "
                             "stage = 'listed' ORDER BY page_id").fetchall()
    if not todo:
        return
    say(f"scan: fetching {len(todo)} page(s)")
    store.pages_dir.mkdir(parents=True, exist_ok=True)

    def one(item: tuple[str, str]) -> dict:
        page_id, url = item
        got = fetcher.get(url)
        if not got.ok:
            return {"page_id": page_id, "stage": "failed", "problem": got.problem,
                    "reason": got.reason}
        suffix = ".txt" if got.content_type == "text/plain" else ".html"
        path = store.pages_dir / f"{page_id}{suffix}"
        path.write_bytes(got.body or b"")
        return {"page_id": page_id, "stage": "fetched", "local_path": store.rel(path),
                "content_sha256": hashlib.sha256(got.body or b"").hexdigest()}

    with ThreadPoolExecutor(FETCH_THREADS) as pool, _bar(len(todo), "fetch", progress) as bar:
        for row in pool.map(one, todo):
            store.set_stage([row])  # one page at a time: an interrupted fetch keeps what it got
            bar.update(1)


# ---- 3. read --------------------------------------------------------------------------------------
def _count_work(store: SiteStore) -> int:
    return int(store.con.execute(
        "SELECT count(*) FROM pages WHERE (kind = 'file' AND stage = 'listed') "
        "OR stage IN ('fetched', 'read')").fetchone()[0])


def _read(store: SiteStore, engine: Engine, say: Say,
          found_dois: Callable[[list[str]], None] = lambda _dois: None) -> None:
    rows = store.con.execute(
        "SELECT page_id, local_path, location FROM pages WHERE (kind = 'file' AND stage = 'listed') "
        "OR stage = 'fetched' ORDER BY page_id").fetchall()
    if not rows:
        return
    items = [(pid, str(store.root / path), loc) for pid, path, loc in rows]
    pages: list[dict] = []
    refs: list[dict] = []

    def write() -> None:
        with _transaction(store):
            store.set_stage(pages)
            store.insert("references", refs)
        pages.clear()
        refs.clear()

    try:
        _read_results(engine.map(page_work.read_pages, items, "read"), pages, refs, write, found_dois)
    finally:
        if pages:  # also when interrupted: the pages read so far are kept
            write()


def _read_results(chunks, pages: list[dict], refs: list[dict], write: Callable[[], None],
                  found_dois: Callable[[list[str]], None]) -> None:
    for results in chunks:
        for res in results:
            if not res["ok"]:
                pages.append({"page_id": res["page_id"], "stage": "failed", "problem": res["problem"],
                              "reason": res["reason"]})
                continue
            pages.append({"page_id": res["page_id"], "stage": "read", "problem": None, "reason": None,
                          "title": res["title"], "site": res["site"], "url": res["url"],
                          "author": res["author"], "last_updated": res["last_updated"],
                          "style": res["style"], "n_references": len(res["rows"]),
                          "n_markers": res["n_markers"], "markers": res["markers"]})
            refs += res["rows"]
            found_dois(res["dois"])
        if len(pages) >= WRITE_EVERY:  # a few statements per 100 pages, not per chunk
            write()


# ---- 4. resolve -----------------------------------------------------------------------------------
def _unresolved(store: SiteStore, page_ids: list[str] | None = None) -> dict[str, list[tuple[int, dict]]]:
    """References not yet resolved, by page: ``[(position, CitedReference dict)]``."""
    where = "p.stage = 'read' AND r.status IS NULL"
    params: list = []
    if page_ids is not None:
        where += " AND r.page_id IN (SELECT unnest(?::VARCHAR[]))"
        params = [page_ids]
    rows = store.con.execute(
        f'SELECT r.page_id, r.position, r.cited_json FROM "references" r JOIN pages p USING (page_id) '
        f"WHERE {where} ORDER BY r.page_id, r.position", params).fetchall()
    by_page: dict[str, list[tuple[int, dict]]] = {}
    for page_id, position, cited in rows:
        by_page.setdefault(page_id, []).append((position, json.loads(cited)))
    return by_page


def _resolve(store: SiteStore, resolver: SiteResolver, engine: Engine, progress: bool | None,
             say: Say) -> dict[str, float]:
    """Prefetch every printed DOI (driver), match and audit on the engine, the rest in the driver.

    The references of a chunk of pages are loaded from the store only when the chunk is sent, so
    the driver's memory does not grow with the site. Returns the seconds spent asking Crossref
    for the printed DOIs (``prefetch``), matching and auditing on the engine (``match+audit``) and
    resolving the remaining pages in the driver (``driver-resolve``: repairs, queries, agency).
    """
    timings = {"prefetch": 0.0, "match+audit": 0.0, "driver-resolve": 0.0}
    ids = [p for p, in store.con.execute(
        "SELECT DISTINCT r.page_id FROM \"references\" r JOIN pages p USING (page_id) "
        "WHERE p.stage = 'read' AND r.status IS NULL ORDER BY r.page_id").fetchall()]
    if not ids:
        return timings
    t = time.perf_counter()
    refs_total, printed = store.con.execute(
        "SELECT count(*), list(DISTINCT r.doi_printed) FILTER (WHERE r.doi_printed IS NOT NULL) "
        "FROM \"references\" r JOIN pages p USING (page_id) "
        "WHERE p.stage = 'read' AND r.status IS NULL").fetchone()
    valid = sorted({d for d in (normalise(x) for x in printed or []) if is_valid(d)})
    say(f"scan: resolving {refs_total} reference(s) of {len(ids)} page(s): {len(valid)} unique "
        f"printed DOI(s), asked in batches of up to 100")
    resolver.prefetch(valid)
    timings["prefetch"] = time.perf_counter() - t
    t = time.perf_counter()

    def payload(chunk: list[str]) -> list[dict]:
        by_page = _unresolved(store, chunk)
        meta = dict((pid, (updated, markers)) for pid, updated, markers in store.con.execute(
            "SELECT page_id, strftime(last_updated, '%Y-%m-%d'), markers FROM pages "
            "WHERE page_id IN (SELECT unnest(?::VARCHAR[]))", [chunk]).fetchall())
        items = []
        for pid, refs in by_page.items():
            updated, markers = meta.get(pid, (None, None))
            dois = {normalise(c["doi_printed"]) for _, c in refs if c.get("doi_printed")}
            items.append({"page_id": pid, "references": refs, "last_updated": updated,
                          "markers": json.loads(markers) if markers else None,
                          "outcomes": {d: resolver.outcome(d) for d in dois if is_valid(d)}})
        return items

    left: list[str] = []
    known = store.records_known()  # kept up to date here: no full scan of records per chunk
    done: list[dict] = []
    try:
        for results in engine.map(page_work.resolve_audit_pages, ids, "match+audit", prepare=payload):
            left += [r["page_id"] for r in results if not r["ok"]]
            done += [r for r in results if r["ok"]]
            if len(done) >= WRITE_EVERY:  # a few statements per 100 pages, not per chunk
                _write_matched(store, done, resolver, known)
                done = []
    finally:
        if done:  # also when interrupted: the pages audited so far are kept
            _write_matched(store, done, resolver, known)
    timings["match+audit"] = time.perf_counter() - t
    t = time.perf_counter()
    if left:
        _resolve_in_driver(store, resolver, _unresolved(store, left), progress, say)
    timings["driver-resolve"] = time.perf_counter() - t
    return timings


def _write_matched(store: SiteStore, done: list[dict], resolver: SiteResolver, known: set[str]) -> None:
    """Store pages resolved and audited on the engine: references, records, findings, stage.

    The workers send back the DOIs of the records they accepted, not the records: the driver's
    resolver holds every outcome they were given. ``known`` (the DOIs the store holds) is updated.
    """
    new = {doi for result in done for doi in result["records"]} - known
    # the message without its volatile fields (shallow: it is only written as JSON)
    records = {doi: {k: v for k, v in resolver.outcome(doi).message.items() if k not in VOLATILE_FIELDS}
               for doi in sorted(new)}
    ids = pd.DataFrame({"page_id": [r["page_id"] for r in done]})
    when = now()
    with _transaction(store):
        _delete_pages(store, ("references", "findings"), ids)
        store.insert("references", [row for r in done for row in r["rows"]])
        store.put_records(records)
        store.insert("findings", [f for r in done for f in r["findings"]])
        store.set_stage([{"page_id": r["page_id"], "stage": "audited", "audited_at": when} for r in done])
    known |= new


def _delete_pages(store: SiteStore, tables: tuple[str, ...], ids: pd.DataFrame) -> None:
    store.con.register("_ids", ids)
    try:
        for table in tables:
            store.con.execute(f'DELETE FROM "{table}" WHERE page_id IN (SELECT page_id FROM _ids)')
    finally:
        store.con.unregister("_ids")


def _put_new_records(store: SiteStore, records: dict[str, dict]) -> None:
    if not records:
        return
    known = store.records_known()
    store.put_records({d: m for d, m in records.items() if d not in known})


def _resolve_in_driver(store: SiteStore, resolver: SiteResolver, by_page: dict, progress: bool | None,
                       say: Say) -> None:
    """Pages needing repairs, queries or agency questions: resolved by threads sharing the client."""
    say(f"scan: {len(by_page)} page(s) need DOI repairs or bibliographic queries")

    def one(page_id: str) -> tuple[str, list[dict], dict[str, dict]]:
        refs = by_page[page_id]
        cited = [CitedReference(**c) for _, c in refs]
        resolutions = resolve_references(cited, resolver)
        rows, records = [], {}
        for (position, c) in refs:
            res = resolutions[c["number"]]
            rows.append(reference_row(page_id, position, c, res.to_dict()))
            if res.doi and res.message:
                records[res.doi] = res.message
        return page_id, rows, records

    threads = max(1, getattr(resolver.client, "concurrency", 1))
    pending: list[tuple[str, list[dict], dict[str, dict]]] = []
    with ThreadPoolExecutor(threads) as pool, _bar(len(by_page), "resolve", progress) as bar:
        for done in pool.map(one, list(by_page)):
            pending.append(done)
            bar.update(1)
            if len(pending) >= WRITE_EVERY:
                _write_resolved(store, pending, resolver)
                pending = []
        _write_resolved(store, pending, resolver)


def _write_resolved(store: SiteStore, done: list[tuple[str, list[dict], dict[str, dict]]],
                    resolver: SiteResolver) -> None:
    store.put_queries(resolver.take_new_queries())  # even when the pages asking them are not done
    if not done:
        return
    ids = pd.DataFrame({"page_id": [d[0] for d in done]})
    records: dict[str, dict] = {}
    for d in done:
        records.update(d[2])
    with _transaction(store):
        _delete_pages(store, ("references",), ids)
        store.insert("references", [r for d in done for r in d[1]])
        _put_new_records(store, records)


# ---- 5. audit -------------------------------------------------------------------------------------
def audit_inputs(store: SiteStore, page_ids: list[str] | None = None) -> list[dict]:
    """The :func:`evidence_review.site.pages.audit_page` input of pages read and fully resolved."""
    where = ("p.stage = 'read' AND NOT EXISTS (SELECT 1 FROM \"references\" x WHERE "
             "x.page_id = p.page_id AND x.status IS NULL)")
    params: list = []
    if page_ids is not None:
        where = "p.page_id IN (SELECT unnest(?::VARCHAR[]))"
        params = [page_ids]
    frame = store.frame(
        f'SELECT p.page_id, p.last_updated, p.markers, r.position, r.cited_json, r.status, r.doi, '
        f'r.doi_cited, r.reason FROM pages p JOIN "references" r USING (page_id) WHERE {where} '
        f"ORDER BY p.page_id, r.position", params)
    records = store.records(d for d in frame["doi"].dropna().unique())
    pages: dict[str, dict] = {}
    for row in frame.itertuples(index=False):
        page = pages.get(row.page_id)
        if page is None:
            updated = row.last_updated
            page = pages[row.page_id] = {
                "page_id": row.page_id, "references": [],
                "last_updated": None if pd.isna(updated) else pd.Timestamp(updated).date().isoformat(),
                "markers": json.loads(row.markers) if isinstance(row.markers, str) else None}
        doi = row.doi if isinstance(row.doi, str) else None
        page["references"].append({
            "position": int(row.position), "cited": json.loads(row.cited_json),
            "resolution": {"status": row.status, "doi": doi,
                           "doi_cited": row.doi_cited if isinstance(row.doi_cited, str) else None,
                           "reason": row.reason if isinstance(row.reason, str) else None},
            "record": records.get(doi) if doi else None})
    return list(pages.values())


def reaudit(store: SiteStore, page_ids: list[str]) -> int:
    """Audit these pages again in-process (after a recheck changed their records); returns how many."""
    ids = [p for p, in store.con.execute(
        "SELECT page_id FROM pages WHERE stage = 'audited' AND page_id IN (SELECT unnest(?::VARCHAR[]))",
        [list(page_ids)]).fetchall()]
    if ids:
        _audit(store, Engine(0, workers=0, progress=False), lambda _line: None, ids)
    return len(ids)


def _audit(store: SiteStore, engine: Engine, say: Say, page_ids: list[str] | None = None) -> None:
    pages = audit_inputs(store, page_ids)
    if not pages:
        return
    say(f"scan: auditing {len(pages)} page(s)")
    for results in engine.map(page_work.audit_pages, pages, "audit"):
        ids = pd.DataFrame({"page_id": [r["page_id"] for r in results]})
        when = now()
        with _transaction(store):
            _delete_pages(store, ("findings",), ids)
            store.insert("findings", [f for r in results for f in r["findings"]])
            store.set_stage([{"page_id": r["page_id"], "stage": "audited", "audited_at": when}
                             for r in results])


# ---- summary --------------------------------------------------------------------------------------
def summary(store: SiteStore) -> tuple[dict[str, int], dict[str, int]]:
    """Pages per stage, and failed pages per problem code."""
    stages = dict(store.con.execute("SELECT stage, count(*) FROM pages GROUP BY stage "
                                    "ORDER BY stage").fetchall())
    problems = dict(store.con.execute("SELECT problem, count(*) FROM pages WHERE stage = 'failed' "
                                      "GROUP BY problem ORDER BY problem").fetchall())
    return {k: int(v) for k, v in stages.items()}, {k: int(v) for k, v in problems.items()}
