"""One resolution for a whole site: every question to Crossref asked once, through one client.

:class:`SiteResolver` stands between :func:`evidence_review.records.resolve.resolve_references`
and the one :class:`~evidence_review.records.crossref.CrossrefClient` of a scan. It remembers
every answer by key (a DOI, a bibliographic query text, an agency question), so two pages citing
the same work, or printing the same broken reference, cause one request; and :meth:`prefetch`
asks for all the site's printed DOIs in one ``get_works`` call, which the client sends as
batches of at most 100 DOIs. Threads resolving different pages share it safely: a question
already in flight is waited for, not asked again.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any

from evidence_review.records.doi import is_valid, normalise


class SiteResolver:
    """A memoising, thread-safe front of one Crossref client (the ``WorksClient`` protocol)."""

    def __init__(self, client: Any, refresh: bool = False,
                 known_queries: dict[tuple[str, int], list[dict]] | None = None) -> None:
        self.client = client
        self.refresh = refresh
        self._lock = threading.Lock()
        self._works: dict[str, Future] = {}
        self._queries: dict[tuple[str, int], Future] = {}
        for key, items in (known_queries or {}).items():  # answers kept in the store by earlier runs
            self._queries[key] = Future()
            self._queries[key].set_result(items)
        self.new_queries: dict[tuple[str, int], list[dict]] = {}
        self._agency: dict[str, Future] = {}
        self.asked = {"dois": 0, "queries": 0, "agency": 0}
        self.reused = {"dois": 0, "queries": 0, "agency": 0}

    # ---- the WorksClient protocol -------------------------------------------------------------
    def get_works(self, dois: Iterable[str], refresh: bool = False) -> dict[str, Any]:
        wanted = list(dict.fromkeys(normalise(d) for d in dois))
        mine: list[str] = []
        with self._lock:
            for doi in wanted:
                if doi in self._works:
                    self.reused["dois"] += 1
                else:
                    self._works[doi] = Future()
                    mine.append(doi)
            self.asked["dois"] += len(mine)
        if mine:
            try:
                outcomes = self.client.get_works(mine, refresh=self.refresh or refresh)
            except BaseException as exc:
                for doi in mine:
                    self._works[doi].set_exception(exc)
                with self._lock:  # let a later call ask again
                    for doi in mine:
                        self._works.pop(doi, None)
                raise
            for doi in mine:
                self._works[doi].set_result(outcomes.get(doi))
        return {doi: self._works[doi].result() for doi in wanted}

    def query_bibliographic(self, text: str, rows: int = 5) -> list[dict]:
        def ask() -> list[dict]:
            items = self.client.query_bibliographic(text, rows=rows)
            with self._lock:
                self.new_queries[(text, rows)] = items
            return items

        return self._once(self._queries, (text, rows), "queries", ask)

    def take_new_queries(self) -> dict[tuple[str, int], list[dict]]:
        """The query answers received since the last call (for the store to keep)."""
        with self._lock:
            new, self.new_queries = self.new_queries, {}
        return new

    def agency(self, doi: str) -> str | None:
        return self._once(self._agency, normalise(doi), "agency", lambda: self.client.agency(doi))

    # ---- site-level --------------------------------------------------------------------------
    def prefetch(self, dois: Iterable[str]) -> int:
        """Ask for every DOI not yet known, in one call (batched by the client); returns how many."""
        todo = [d for d in dict.fromkeys(normalise(d) for d in dois) if d not in self._works]
        if todo:
            self.get_works(todo)
        return len(todo)

    def outcome(self, doi: str) -> Any:
        """The remembered answer for a DOI (None when it was never asked)."""
        future = self._works.get(normalise(doi))
        return future.result() if future is not None and future.done() else None

    def _once(self, table: dict, key: Any, kind: str, compute: Callable[[], Any]) -> Any:
        with self._lock:
            future = table.get(key)
            owner = future is None
            if owner:
                future = table[key] = Future()
                self.asked[kind] += 1
            else:
                self.reused[kind] += 1
        if owner:
            try:
                future.set_result(compute())
            except BaseException as exc:
                future.set_exception(exc)
                with self._lock:
                    table.pop(key, None)
        return future.result()


class Prefetcher:
    """Ask for DOIs in full batches while pages are still being read (network overlaps intake).

    :meth:`add` takes the printed DOIs of each page as intake finds them; every time 100 new valid
    DOIs are waiting, one background thread asks for them (one request: the client batches by 100).
    :meth:`finish` sends the remainder and waits. Errors are kept, not raised: whatever was not
    fetched is asked again by the resolve stage.
    """

    def __init__(self, resolver: SiteResolver, batch: int = 100) -> None:
        self.resolver = resolver
        self.batch = batch
        self._seen: set[str] = set()
        self._pending: list[str] = []
        self._queue: queue.Queue[list[str] | None] = queue.Queue()
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, name="prefetch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is None:
                return
            try:
                self.resolver.get_works(batch)
            except Exception as exc:  # noqa: BLE001 - kept; the resolve stage asks again
                self.errors.append(exc)

    def add(self, dois: Iterable[str]) -> None:
        for doi in dois:
            doi = normalise(doi)
            if doi in self._seen or not is_valid(doi):
                continue
            self._seen.add(doi)
            self._pending.append(doi)
        while len(self._pending) >= self.batch:
            self._queue.put(self._pending[: self.batch])
            self._pending = self._pending[self.batch:]

    def finish(self) -> None:
        if self._pending:
            self._queue.put(self._pending)
            self._pending = []
        self.stop()

    def stop(self) -> None:
        """No more batches; wait for the one in flight."""
        self._queue.put(None)
        self._thread.join()
