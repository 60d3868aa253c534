"""Europe PMC client: PMIDs, abstracts, publication types, MeSH, notices and open full texts by DOI.

Polite in the same ways as the Crossref client (both ask through
:mod:`evidence_review.records.politeness`): a rate limit (requests per interval), bounded concurrency,
retries with exponential back-off and jitter (tenacity) honouring ``Retry-After``, a time budget per
request and an error budget per run, and an on-disk cache keyed by server and query. HTTP goes
through httpx.

- ``GET {base}/search?query=DOI:"a" OR DOI:"b"&resultType=core&format=json&pageSize=N`` looks up
  a batch of DOIs in one request (batches are split to keep the URL short);
- ``GET {base}/{PMCID}/fullTextXML`` fetches the JATS full text of an open-access record.

A DOI Europe PMC does not hold is ``not-in-europepmc`` (a status, not an error). A malformed answer,
a 429, a timeout or an XML bomb is retried or reported per DOI; it never raises out of
:meth:`EuropePMCClient.lookup_dois`, so the caller's Crossref results are never lost.

Example
-------
>>> with EuropePMCClient(email="reviewer@example.org") as client:      # doctest: +SKIP
...     found = client.lookup_dois(["10.5555/example.1"])
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx

from evidence_review import __version__
from evidence_review.core.atomic import write_bytes
from evidence_review.core.dates import nlm_date
from evidence_review.core.errors import EuropePMCError
from evidence_review.core.tls import tls_context
from evidence_review.records.doi import normalise
from evidence_review.records.politeness import (
    STOPPED_EARLY,
    PoliteRetries,
    RateLimiter,
    Retryable,
    describe,
    retry_after,
)

__all__ = ["DEFAULT_BASE_URL", "EuropePMCClient", "RecordOutcome", "TextOutcome",
           "client_string", "NOT_IN_EUROPEPMC"]

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_BASE_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest"
NOT_IN_EUROPEPMC = "not-in-europepmc"
# Europe PMC publishes no hard limits but asks for moderate use: stay well under 10/s.
DEFAULT_RATE = 5.0
DEFAULT_CONCURRENCY = 2
BATCH_MAX_DOIS = 50
BATCH_MAX_URL = 6000
# Prefer the MEDLINE record of a DOI over a preprint or an agricultural record of the same DOI.
_SOURCE_ORDER = {"MED": 0, "PMC": 1, "PPR": 3}
_PMCID = re.compile(r"^PMC\d{1,9}$")
_PMID = re.compile(r"^\d{1,9}$")


@dataclass
class RecordOutcome:
    """What Europe PMC said about one DOI."""

    doi: str
    status: str  # "ok" | "not-in-europepmc" | "error"
    record: dict | None  # the ``resultList.result[]`` item (resultType=core)
    reason: str | None = None
    from_cache: bool = False


@dataclass
class TextOutcome:
    """The answer to one ``fullTextXML`` request."""

    pmcid: str
    status: str  # "ok" | "not-available" | "error"
    xml: bytes | None
    reason: str | None = None


class _Retryable(Retryable, EuropePMCError):
    """A 429, a 5xx, a timeout, a reset or an unreadable answer: worth another try."""


class _NotFound(EuropePMCError):
    """404: Europe PMC holds no such resource."""


class _Refused(EuropePMCError):
    """A 4xx other than 404/429: asking again will not help."""


class ErrorBudgetExceeded(EuropePMCError):
    """Too many of this run's requests failed; the run stopped asking Europe PMC."""


class EuropePMCClient(PoliteRetries):
    """Look sources up in Europe PMC's REST API by DOI, politely and reliably.

    Parameters
    ----------
    base_url : str, optional
        API root; else ``EUROPEPMC_BASE_URL``; else ``https://www.ebi.ac.uk/europepmc/webservices/rest``.
    email : str, optional
        Contact sent as the ``email`` query parameter (Europe PMC's documented way to identify a
        client) and in the User-Agent; else ``EUROPEPMC_EMAIL``, else ``CROSSREF_MAILTO``.
    timeout : float
        Seconds to wait for one answer.
    cache_dir : path, optional
        Raw answers are kept here, one file per (server, query); found there, a query is not sent.
    max_attempts, time_budget, error_budget, backoff, backoff_max
        As for :class:`~evidence_review.records.crossref.CrossrefClient`.
    concurrency : int
        Requests in flight at once.
    rate : float
        Requests per second at most.
    """

    _budget_error = ErrorBudgetExceeded

    def __init__(self, base_url: str | None = None, email: str | None = None,
                 timeout: float = 15.0, cache_dir: str | os.PathLike | None = None,
                 max_attempts: int = 4, time_budget: float = 60.0, error_budget: float = 0.10,
                 concurrency: int = DEFAULT_CONCURRENCY, rate: float = DEFAULT_RATE, *,
                 backoff: float = 1.0, backoff_max: float = 20.0) -> None:
        self.base_url = (base_url or os.environ.get("EUROPEPMC_BASE_URL")
                         or DEFAULT_BASE_URL).rstrip("/")
        self.email = (email or os.environ.get("EUROPEPMC_EMAIL")
                      or os.environ.get("CROSSREF_MAILTO") or None)
        self.timeout = timeout
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.max_attempts = max(1, max_attempts)
        self.time_budget = time_budget
        self.error_budget = error_budget
        self.concurrency = max(1, concurrency)
        self.backoff, self.backoff_max = backoff, backoff_max
        self._limiter = RateLimiter(rate)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        agent = f"evidence-review/{__version__}" + (f" (mailto:{self.email})" if self.email else "")
        self._http = httpx.Client(timeout=timeout, headers={"User-Agent": agent},
                                  limits=httpx.Limits(max_connections=self.concurrency + 1),
                                  verify=tls_context())
        self._run = {"requests": 0, "errors": 0, "stopped": False}
        self.stats: dict[str, Any] = {"requests": 0, "retries": 0, "errors": 0, "cache_hits": 0,
                                      "statuses": {}, "stopped_early": False}

    # ---- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EuropePMCClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"EuropePMCClient(base_url={self.base_url!r}, email={self.email!r}, "
                f"concurrency={self.concurrency}, rate={self._limiter.rate:g}/s)")

    # ---- public API -----------------------------------------------------------------------------
    def start_run(self) -> None:
        """Begin a new run: the error budget counts from here."""
        self._start_run()

    def lookup_dois(self, dois: Iterable[str], refresh: bool = False,
                    raw: dict[str, bytes] | None = None) -> dict[str, RecordOutcome]:
        """Europe PMC's core record of each DOI, batched with ``OR``.

        Parameters
        ----------
        dois : iterable of str
            Normalised (and de-duplicated) first.
        refresh : bool
            Ask again even when the cache holds the answer.
        raw : dict, optional
            Filled with ``{"search-<n>.json": body}`` of every answer used (for the snapshot).

        Returns
        -------
        dict of DOI to RecordOutcome, in the order given.
        """
        wanted = list(dict.fromkeys(normalise(d) for d in dois))
        outcomes: dict[str, RecordOutcome] = {}
        batches = list(_batches(wanted, self.base_url))
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            answers = list(pool.map(lambda b: self._search_batch(b, refresh), batches))
        for n, (batch, (body, cached, error)) in enumerate(zip(batches, answers, strict=True), 1):
            if error is not None:
                outcomes.update({d: RecordOutcome(d, "error", None, error) for d in batch})
                continue
            if raw is not None:
                raw[f"search-{n}.json"] = body
            found = _records_by_doi(json.loads(body), batch)
            for doi in batch:
                if doi in found:
                    outcomes[doi] = RecordOutcome(doi, "ok", found[doi], None, from_cache=cached)
                else:
                    outcomes[doi] = RecordOutcome(doi, NOT_IN_EUROPEPMC, None,
                                                  "Europe PMC holds no record with this DOI.",
                                                  from_cache=cached)
        if self._run["stopped"]:
            log.warning("Europe PMC: %s.", STOPPED_EARLY)
        return {d: outcomes[d] for d in wanted}

    def full_texts(self, pmcids: Iterable[str], refresh: bool = False) -> dict[str, TextOutcome]:
        """``fullTextXML`` of each PMCID (open-access records only have one)."""
        wanted = [p for p in dict.fromkeys(pmcids) if p]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return dict(zip(wanted, pool.map(lambda p: self._full_text(p, refresh), wanted),
                            strict=True))

    # ---- requests -------------------------------------------------------------------------------
    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        return {**extra, **({"email": self.email} if self.email else {})}

    def _search_batch(self, batch: list[str], refresh: bool) -> tuple[bytes, bool, str | None]:
        """(body, from cache, error reason) of one search request for ``batch``."""
        query = " OR ".join(f'DOI:"{d}"' for d in batch)
        params = {"query": query, "resultType": "core", "format": "json",
                  "pageSize": str(max(25, min(1000, 2 * len(batch))))}
        key = _cache_key(self.base_url, "search", params)
        if not refresh:
            cached = self._cache_get(key)
            if cached is not None:
                try:
                    _check_search(cached)
                    return cached, True, None
                except _Retryable as exc:
                    log.warning("Ignoring unreadable Europe PMC cache entry %s (%s)", key, exc)
        try:
            body = self._retrying(lambda: self._get("/search", self._params(params),
                                                    _check_search), f"search of {len(batch)} DOIs")
        except EuropePMCError as exc:
            return b"", False, str(exc)
        self._cache_put(key, body)
        return body, False, None

    def _full_text(self, pmcid: str, refresh: bool) -> TextOutcome:
        if not _PMCID.match(pmcid):
            return TextOutcome(pmcid, "error", None, f"not a PMCID: {pmcid!r}")
        key = _cache_key(self.base_url, f"{pmcid}/fullTextXML", {})
        if not refresh:
            cached = self._cache_get(key)
            if cached is not None:
                return TextOutcome(pmcid, "ok", cached, None)
        try:
            body = self._retrying(lambda: self._get(f"/{pmcid}/fullTextXML", self._params({}),
                                                    _check_xml), f"full text of {pmcid}")
        except _NotFound:
            return TextOutcome(pmcid, "not-available", None,
                               "Europe PMC serves no full text for this record.")
        except EuropePMCError as exc:
            return TextOutcome(pmcid, "error", None, str(exc))
        self._cache_put(key, body)
        return TextOutcome(pmcid, "ok", body, None)

    def _get(self, path: str, params: dict[str, str], check: Callable[[bytes], Any]) -> bytes:
        """One exchange: limited, counted, classified; the body checked before it is accepted."""
        self._check_error_budget()
        with self._slots, self._limiter.slot():
            self._bump("requests")
            try:
                response = self._http.get(self.base_url + path, params=params)
            except httpx.TimeoutException:
                raise self._failed(_Retryable(f"no answer within {self.timeout:g} s")) from None
            except httpx.TransportError as exc:
                raise self._failed(_Retryable(f"connection failed ({describe(exc)})")) from None
        with self._lock:
            statuses = self.stats["statuses"]
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        status = response.status_code
        if status == 404:
            raise _NotFound("Europe PMC answered 404")
        if status == 429:
            raise self._failed(_Retryable("429 Too Many Requests",
                                          retry_after(response.headers.get("Retry-After"))))
        if status >= 500:
            raise self._failed(_Retryable(f"{status} {response.reason_phrase}"))
        if status >= 300:
            raise self._failed(_Refused(f"Europe PMC answered {status}"))
        body = response.content
        try:
            check(body)
        except _Retryable as exc:
            raise self._failed(exc) from None
        return body

    def _give_up(self, what: str, message: str) -> EuropePMCError:
        return EuropePMCError(f"{what}: {message}")

    # ---- cache ----------------------------------------------------------------------------------
    def _cache_get(self, key: str) -> bytes | None:
        if self.cache_dir is None:
            return None
        path = self.cache_dir / key
        try:
            data = path.read_bytes() if path.is_file() else None
        except OSError:
            return None
        if data is not None:
            self._bump("cache_hits")
        return data

    def _cache_put(self, key: str, body: bytes) -> None:
        if self.cache_dir is None:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        write_bytes(self.cache_dir / key, body)


# ---- answers --------------------------------------------------------------------------------------
def _check_search(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise _Retryable(f"unreadable answer ({describe(exc)})") from exc
    results = (data.get("resultList") or {}).get("result") if isinstance(data, dict) else None
    if not isinstance(data, dict) or "hitCount" not in data or not isinstance(results, list) \
            or not all(isinstance(r, dict) for r in results):
        raise _Retryable("unexpected answer: not a search result with hitCount and resultList")
    return data


def _check_xml(body: bytes) -> None:
    head = body.lstrip()[:200]
    if not head.startswith(b"<"):
        raise _Retryable("unexpected answer: not XML")


def _records_by_doi(data: dict, batch: list[str]) -> dict[str, dict]:
    """The best result for each DOI asked (MEDLINE first, then PMC, others, preprints last)."""
    asked = set(batch)
    best: dict[str, dict] = {}
    for item in data["resultList"]["result"]:
        doi = normalise(str(item.get("doi") or ""))
        if doi not in asked:
            continue
        old = best.get(doi)
        if old is None or _rank(item) < _rank(old):
            best[doi] = item
    return best


def _rank(item: dict) -> tuple[int, int]:
    return (_SOURCE_ORDER.get(str(item.get("source")), 2), 0 if item.get("pmid") else 1)


def _batches(dois: list[str], base_url: str) -> Iterator[list[str]]:
    batch: list[str] = []
    fixed = len(base_url) + len("/search?resultType=core&format=json&pageSize=100&email=") + 60
    length = fixed
    for doi in dois:
        cost = len(quote(f' OR DOI:"{doi}"', safe=""))
        if batch and (len(batch) >= BATCH_MAX_DOIS or length + cost > BATCH_MAX_URL):
            yield batch
            batch, length = [], fixed
        batch.append(doi)
        length += cost
    if batch:
        yield batch


def _cache_key(base_url: str, path: str, params: dict[str, str]) -> str:
    """One cache file per server and query (the contact address is not part of the query)."""
    query = urlencode(sorted(params.items()))
    digest = hashlib.sha256(f"{base_url}/{path}?{query}".encode()).hexdigest()[:32]
    return f"{digest}.{'xml' if path.endswith('fullTextXML') else 'json'}"


def client_string() -> str:
    """What asked Europe PMC, for the manifest."""
    return f"evidence-review {__version__} / httpx {httpx.__version__}"



# ---- facts of a record ------------------------------------------------------------------------------
# commentCorrection types (as Europe PMC prints them, lower-cased) → our update kinds.
NOTICE_KINDS = {"retraction in": "retraction", "partial retraction in": "partial_retraction",
                "erratum in": "correction", "correction in": "correction",
                "corrected and republished in": "correction",
                "expression of concern in": "expression_of_concern"}
NOTICE_FOR = ("retraction of", "erratum for", "expression of concern for", "correction for",
              "partial retraction of")
def _list(record: dict, outer: str, inner: str) -> list:
    value = (record.get(outer) or {}).get(inner) if isinstance(record.get(outer), dict) else None
    return value if isinstance(value, list) else ([value] if value else [])


def _identifier(value: Any, pattern: re.Pattern[str]) -> str | None:
    text = str(value).strip() if value not in (None, "") else ""
    return text if pattern.match(text) else None


def notice_date(reference: str | None) -> str | None:
    """An ISO date (YYYY, YYYY-MM or YYYY-MM-DD) read from a notice's citation, when it has one."""
    return nlm_date(reference)


def record_facts(record: dict) -> dict:
    """The facts kept in the manifest: ids, source, licence, open access, types, MeSH, notices."""
    notices = []
    for item in _list(record, "commentCorrectionList", "commentCorrection"):
        if not isinstance(item, dict):
            continue
        kind_text = str(item.get("type") or "").strip().lower()
        kind = NOTICE_KINDS.get(kind_text) or ("notice-for" if kind_text in NOTICE_FOR else None)
        if kind is None:
            continue
        notices.append({"kind": kind, "type": item.get("type"), "id": item.get("id"),
                        "source": item.get("source"), "reference": item.get("reference"),
                        "date": notice_date(item.get("reference"))})
    mesh = []
    for heading in _list(record, "meshHeadingList", "meshHeading"):
        if isinstance(heading, dict) and heading.get("descriptorName"):
            mesh.append(str(heading["descriptorName"]))
    # An identifier of another shape is not kept: it would be printed into links and exports.
    return {"pmid": _identifier(record.get("pmid"), _PMID),
            "pmcid": _identifier(record.get("pmcid"), _PMCID),
            "source": record.get("source"), "title": record.get("title"),
            "licence": record.get("license") or None,
            "open_access": str(record.get("isOpenAccess", "N")).upper() == "Y",
            "pub_types": [str(t) for t in _list(record, "pubTypeList", "pubType")],
            "mesh": mesh, "notices": notices,
            "first_published": record.get("firstPublicationDate")}
