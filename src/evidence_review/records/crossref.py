"""Crossref client: habanero 2.9.2 plus batching, bounded concurrency, rate limits, retries, cache.

habanero builds Crossref's URLs and parses its answers; this module adds what habanero leaves out
(see docs/reliability.md for the fault-by-fault behaviour):

- one ``filter=doi:…`` request per batch of DOIs instead of one request per DOI, with a per-DOI
  fallback for DOIs the batch did not return, and one ``/agency`` question for a 404;
- threads bounded by Crossref's concurrency limit and a limiter of requests per interval,
  adapted to the ``x-rate-limit-*`` headers it sends;
- retries with exponential back-off and jitter (tenacity), honouring ``Retry-After``, inside a time
  budget, and an error budget that stops a run early when Crossref keeps failing;
- every answer checked (JSON, message type, DOI) before it is accepted;
- an on-disk cache of raw answers, so a warm run asks Crossref nothing.

Example
-------
>>> with CrossrefClient(mailto="reviewer@example.org") as client:      # doctest: +SKIP
...     outcomes = client.get_works(["10.5555/xyz.137", "10.5555/abc.0b0123"])
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import habanero
import habanero.request
import habanero.request_class
import httpx2
from tqdm import tqdm

from evidence_review import __version__
from evidence_review.core.errors import CrossrefError, InputError, Problem
from evidence_review.core.safety import base_url_problem, mailto_problem, strip_credentials
from evidence_review.core.schemas import work_problem
from evidence_review.core.tls import tls_context
from evidence_review.records.cache import EntryFolder
from evidence_review.records.doi import is_valid, normalise
from evidence_review.records.politeness import (
    STOPPED_EARLY,
    PoliteRetries,
    RateLimiter,
    Retryable,
    describe,
    retry_after,
)
from evidence_review.records.snapshot import safe_name

__all__ = ["DEFAULT_BASE_URL", "CrossrefClient", "WorkOutcome", "ErrorBudgetExceeded",
           "client_string"]

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.crossref.org"
# Crossref's limits since 1 Dec 2025: (requests per second, concurrent requests).
PUBLIC_POOL = (5.0, 1)
POLITE_POOL = (10.0, 5)
# Batch size. Crossref serves up to 1,000 rows per page, but the DOIs travel in the URL
# (``filter=doi:A,doi:B``, percent-encoded, ~45-60 characters each) and URLs beyond ~8 KiB are
# refused by common front ends (nginx's default request-line buffer is 8 KiB). 100 DOIs keep a
# typical batch near 5 KiB; the URL-length cap below splits batches of unusually long DOIs.
BATCH_MAX_DOIS = 100
BATCH_MAX_URL = 7000
_DOI_LIKE = re.compile(r"^10\.[^/\s]+/\S+$")


@dataclass
class WorkOutcome:
    """What Crossref said about one DOI."""

    doi: str  # normalised DOI asked for
    status: str  # "ok" | "not-found" | "error"
    message: dict | None  # the Crossref work message (the "message" object), when ok
    reason: str | None  # one sentence when not ok
    agency: str | None = None  # registration agency id when Crossref says the DOI belongs elsewhere
    from_cache: bool = False


class ErrorBudgetExceeded(CrossrefError):
    """Too many of this run's requests failed; the run stopped asking Crossref."""


class _Retryable(Retryable, CrossrefError):
    """A failure worth another try (429, 5xx, timeout, reset, unreadable answer)."""


class _NotFound(CrossrefError):
    """Crossref answered 404 for this DOI."""


class _Refused(CrossrefError):
    """Crossref refused the request itself (4xx other than 404/429): retrying will not help."""


# --------------------------------------------------------------------------------------------------
# habanero calls ``httpx2.get`` at module level: a new connection per request, no way to add a
# header (the Plus token) and no access to the response headers (rate limits, Retry-After) once it
# succeeds. We hand its two request modules a stand-in for ``httpx2`` whose ``get`` goes through our
# pooled client while one of our calls is running on this thread, and through plain ``httpx2.get``
# otherwise, so other users of habanero in the process see no difference.
class _Httpx2Router:
    def __init__(self) -> None:
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(httpx2, name)  # exception classes etc. stay habanero's usual ones

    def get(self, url: str, **kwargs: Any) -> httpx2.Response:
        client = getattr(self._local, "client", None)
        if client is None:
            return httpx2.get(url, **kwargs)
        response = client.get(url, **kwargs)
        self._local.response = response
        return response

    @contextmanager
    def using(self, client: httpx2.Client) -> Iterator[Callable[[], httpx2.Response | None]]:
        """Route this thread's habanero requests through ``client``; yields 'last response'."""
        self._local.client, self._local.response = client, None
        try:
            yield lambda: getattr(self._local, "response", None)
        finally:
            self._local.client = None

    @classmethod
    def install(cls) -> _Httpx2Router:
        for module in (habanero.request, habanero.request_class):
            if not isinstance(module.httpx2, cls):
                module.httpx2 = _ROUTER
        return _ROUTER


_ROUTER = _Httpx2Router()


class CrossrefClient(PoliteRetries):
    """Resolve DOIs through Crossref's REST API, politely and reliably.

    Parameters
    ----------
    base_url : str, optional
        Crossref's API root; else ``CROSSREF_BASE_URL``; else ``https://api.crossref.org``.
    mailto : str, optional
        Contact for Crossref's polite pool (sent in the User-Agent); else ``CROSSREF_MAILTO``.
    timeout : float
        Seconds to wait for one answer.
    plus_token : str, optional
        Crossref Metadata Plus token; else ``CROSSREF_PLUS_TOKEN``. Sent only as the
        ``Crossref-Plus-API-Token`` header; never kept on this object, logged or written.
    cache_dir : str or Path, optional
        Keep each raw answer here, in one folder per server (its address without credentials),
        one JSON file per DOI; a DOI found there is not asked again unless ``refresh`` is given.
        A cached answer is checked like a fresh one; a bad one is deleted and asked again.
    max_attempts : int
        Attempts per request (1 + retries).
    time_budget : float
        Seconds one request may spend on attempts and back-off before giving up.
    error_budget : float
        Stop a run once more than this fraction of its requests failed (after
        ``ERROR_BUDGET_MIN_REQUESTS``); Crossref asks clients to stop at about 10 %.
    concurrency : int, optional
        Requests in flight at once; default is Crossref's limit for the pool (1 public, 5 polite).
    rate : float, optional
        Ceiling on requests per second; default is the pool's limit, then what Crossref's
        ``x-rate-limit-*`` headers say (never above an explicit ``rate``).
    progress : bool, optional
        Show a progress bar on stderr; default: when more than 5 DOIs and stderr is a terminal.
    backoff : float
        First back-off in seconds (doubled on each retry, plus up to as much jitter).
    backoff_max : float
        Longest single back-off in seconds.
    """

    #: every work message it returns has passed :func:`work_problem` (a client wrapping this one
    #: passes the attribute on, so ``fetch`` does not check the shape of the same record again)
    checks_works = True
    _budget_error = ErrorBudgetExceeded

    def __init__(self, base_url: str | None = None, mailto: str | None = None,
                 timeout: float = 10.0, plus_token: str | None = None,
                 cache_dir: str | os.PathLike | None = None, max_attempts: int = 5,
                 time_budget: float = 60.0, error_budget: float = 0.10,
                 concurrency: int | None = None, rate: float | None = None,
                 progress: bool | None = None, *, backoff: float = 1.0,
                 backoff_max: float = 30.0) -> None:
        self.base_url = (base_url or os.environ.get("CROSSREF_BASE_URL")
                         or DEFAULT_BASE_URL).rstrip("/")
        self.mailto = mailto or os.environ.get("CROSSREF_MAILTO") or None
        _check_options(self.base_url, self.mailto, from_env=(base_url is None, mailto is None))
        self.server = strip_credentials(self.base_url)  # what may be written or shown
        token = plus_token or os.environ.get("CROSSREF_PLUS_TOKEN") or None
        self.uses_plus_token = token is not None
        self.timeout = timeout
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.cache_root = self.cache_dir / _server_key(self.server) if self.cache_dir else None
        self._entries = EntryFolder(self.cache_root) if self.cache_root else None
        self.max_attempts = max(1, max_attempts)
        self.time_budget = time_budget
        self.error_budget = error_budget
        self.progress = progress
        self.backoff, self.backoff_max = backoff, backoff_max
        pool_rate, pool_concurrency = POLITE_POOL if (self.mailto or token) else PUBLIC_POOL
        self.concurrency = concurrency or pool_concurrency
        self._rate_ceiling = rate
        self._limiter = RateLimiter(rate or pool_rate)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        # The token lives only in the HTTP client's default headers. The client is made at the
        # first request (its TLS context costs ~0.1 s of CPU, which a fetch that keeps every
        # record from the snapshot and asks nothing need not pay).
        headers = {"Crossref-Plus-API-Token": f"Bearer {token}"} if token else {}
        limits = httpx2.Limits(max_connections=self.concurrency + 2)
        self._new_http = lambda: httpx2.Client(headers=headers, timeout=timeout, limits=limits,
                                               verify=tls_context("httpx2"))
        self._http_client: httpx2.Client | None = None
        self._http_lock = threading.Lock()
        self._habanero = habanero.Crossref(base_url=self.base_url, mailto=self.mailto,
                                           ua_string=f"evidence-review/{__version__}",
                                           timeout=timeout)
        self._router = _Httpx2Router.install()
        self._advertised: tuple[str, str] | None = None
        self._run = {"requests": 0, "errors": 0, "stopped": False}
        self.cached_dois: set[str] = set()  # DOIs answered from the cache (for the manifest)
        self.stats: dict[str, Any] = {"requests": 0, "retries": 0, "statuses": {}, "429s": 0,
                                      "cache_hits": 0, "errors": 0, "stopped_early": False}

    # ---- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        """Close pooled connections."""
        with self._http_lock:
            if self._http_client is not None:
                self._http_client.close()

    def connect(self) -> None:
        """Make the HTTP client now rather than before the first request (``init`` does this
        before its parse starts, so its first request leaves at once)."""
        self._http  # noqa: B018 - the property makes it

    @property
    def _http(self) -> httpx2.Client:
        with self._http_lock:
            if self._http_client is None:
                self._http_client = self._new_http()
            return self._http_client

    def __enter__(self) -> CrossrefClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"CrossrefClient(base_url={self.server!r}, mailto={self.mailto!r}, "
                f"plus_token={'<set>' if self.uses_plus_token else None}, "
                f"concurrency={self.concurrency}, rate={self._limiter.rate:g}/s)")

    # ---- public API ---------------------------------------------------------------------------
    def get_works(self, dois: Iterable[str], refresh: bool = False,
                  on_settled: Callable[[dict[str, WorkOutcome]], None] | None = None,
                  ) -> dict[str, WorkOutcome]:
        """Resolve many DOIs: cache first, then batches, then one request per DOI left over.

        Parameters
        ----------
        dois : iterable of str
            DOIs in any printed form; they are normalised (and de-duplicated) first.
        refresh : bool
            Ask Crossref again even for DOIs in the cache.
        on_settled : callable, optional
            Called in the calling thread with each group of outcomes as it settles (those from
            the cache, then each batch's, then each single DOI's), while the requests still
            under way go on: the caller's own work on one batch overlaps the wait for the next.
            It must not call this client. The pacing is the same with or without it.

        Returns
        -------
        dict of str to WorkOutcome
            Keyed by normalised DOI, in the order given.
        """
        wanted = list(dict.fromkeys(normalise(d) for d in dois))
        outcomes: dict[str, WorkOutcome] = {}
        todo = []
        for doi in wanted:
            known = self._settled_without_asking(doi, refresh)
            if known is None:
                todo.append(doi)
            else:
                outcomes[doi] = known
        if on_settled is not None and outcomes:
            on_settled(dict(outcomes))
        self._start_run()
        with self._progress_bar(len(wanted)) as bar:
            bar.update(len(outcomes))
            outcomes.update(self._resolve(todo, bar, on_settled))
        if self._run["stopped"]:
            stopped = sum(o.reason == STOPPED_EARLY for o in outcomes.values())
            log.warning("Crossref: %s; %d of %d DOIs were not asked.", STOPPED_EARLY, stopped,
                        len(wanted))
        return {doi: outcomes[doi] for doi in wanted}

    def get_work(self, doi: str, refresh: bool = False) -> WorkOutcome:
        """Resolve one DOI (see :meth:`get_works`)."""
        return self.get_works([doi], refresh=refresh)[normalise(doi)]

    def query_bibliographic(self, text: str, rows: int = 5) -> list[dict]:
        """Crossref's best matches for a printed reference, each item with its ``score``.

        Raises
        ------
        CrossrefError
            When Crossref could not be asked or answered badly after retries.
        """
        def call() -> list[dict]:
            return self._request(lambda: self._habanero.works(query_bibliographic=text,
                                                              limit=rows), _check_work_list)

        return self._retrying(call, what="bibliographic query")

    def agency(self, doi: str) -> str | None:
        """The registration agency id of a DOI (``crossref``, ``datacite``...), None if unknown."""
        try:
            return self._ask_agency(normalise(doi), attempts=self.max_attempts)
        except _NotFound:
            return None

    # ---- resolution ---------------------------------------------------------------------------
    def _settled_without_asking(self, doi: str, refresh: bool) -> WorkOutcome | None:
        if not _DOI_LIKE.match(doi):
            return WorkOutcome(doi, "error", None, f"'{doi}' is not a DOI (it must look like "
                                                   "10.prefix/suffix).")
        if refresh:
            return None
        cached = self._cache_get(doi)
        if cached is not None:
            self._bump("cache_hits")
            self.cached_dois.add(doi)
        return cached

    def _resolve(self, todo: list[str], bar: tqdm,
                 on_settled: Callable[[dict[str, WorkOutcome]], None] | None = None,
                 ) -> dict[str, WorkOutcome]:
        """Batches for DOIs that fit the filter syntax, then one request per DOI still missing."""
        outcomes: dict[str, WorkOutcome] = {}
        batchable = [d for d in todo if is_valid(d)]
        singles = [d for d in todo if not is_valid(d)]  # odd characters: ask by URL, quoted
        batches = list(_batches(batchable, self.base_url)) if len(batchable) > 1 else []
        if not batches:
            singles = batchable + singles
        # Answers are cached by one thread of their own, not by the threads that send: a thread
        # writing its batch's 100 entries could not send the next request meanwhile, and five
        # threads creating files in one folder contend for its lock (twice the system time).
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="crossref") as pool, \
                ThreadPoolExecutor(1, thread_name_prefix="crossref-cache") as cache:
            cached = []
            for future in as_completed([pool.submit(self._resolve_batch, b) for b in batches]):
                found, missing, envelopes = future.result()
                if envelopes:
                    cached.append(cache.submit(self._cache_batch, envelopes))
                outcomes.update(found)
                singles.extend(missing)
                bar.update(len(found))
                if on_settled is not None and found:
                    on_settled(found)
            for future in as_completed([pool.submit(self._resolve_one, d) for d in singles]):
                outcome = future.result()
                outcomes[outcome.doi] = outcome
                bar.update(1)
                if on_settled is not None:
                    on_settled({outcome.doi: outcome})
            for future in cached:  # written before get_works returns, as each answer always was
                future.result()
        return outcomes

    def _cache_batch(self, envelopes: dict[str, dict]) -> None:
        for doi, envelope in envelopes.items():
            self._cache_put(doi, envelope)

    def _resolve_batch(self, batch: list[str],
                       ) -> tuple[dict[str, WorkOutcome], list[str], dict[str, dict]]:
        """One filter request; returns (outcomes settled, DOIs to ask one by one, the answers'
        envelopes to cache)."""
        def call() -> dict[str, dict]:
            return self._request(lambda: self._habanero.works(filter={"doi": batch},
                                                              limit=len(batch)),
                                 lambda body: _check_batch(body, batch))

        try:
            envelopes = self._retrying(call, what=f"batch of {len(batch)} DOIs")
        except _Refused as exc:  # maybe one odd DOI spoils the filter: ask each on its own
            log.info("Crossref refused a batch (%s); asking DOI by DOI.", exc)
            return {}, batch, {}
        except CrossrefError as exc:
            return {d: WorkOutcome(d, "error", None, str(exc)) for d in batch}, [], {}
        found = {doi: WorkOutcome(doi, "ok", envelope["message"], None)
                 for doi, envelope in envelopes.items()}
        return found, [d for d in batch if d not in found], envelopes

    def _resolve_one(self, doi: str) -> WorkOutcome:
        def call() -> dict:
            return self._request(lambda: self._habanero.works(ids=_quote_doi(doi)),
                                 lambda body: _check_work(body, doi))

        try:
            envelope = self._retrying(call, what=doi)
        except _NotFound as exc:
            return self._not_found(doi, str(exc))
        except CrossrefError as exc:
            return WorkOutcome(doi, "error", None, str(exc))
        self._cache_put(doi, envelope)
        return WorkOutcome(doi, "ok", envelope["message"], None)

    def _not_found(self, doi: str, reason: str) -> WorkOutcome:
        """A 404: ask once which agency holds the DOI (Crossref asks clients not to poll)."""
        try:
            agency = self._ask_agency(doi, attempts=1)
        except CrossrefError:
            agency = None
        if agency == "crossref":
            agency = None
        if agency:
            reason = f"{reason.rstrip('.')}; the DOI is registered with {agency}, not Crossref."
        outcome = WorkOutcome(doi, "not-found", None, reason, agency=agency)
        self._cache_put_not_found(outcome)
        return outcome

    def _ask_agency(self, doi: str, attempts: int) -> str:
        def call() -> str:
            return self._request(lambda: self._habanero.registration_agency(_quote_doi(doi)),
                                 lambda body: _check_agency(body, doi), keep_body=True)

        return self._retrying(call, what=f"agency of {doi}", attempts=attempts)

    # ---- one request, retries, budgets --------------------------------------------------------
    def _request(self, send: Callable[[], Any], check: Callable[[Any], T],
                 keep_body: bool = False) -> T:
        """One HTTP exchange through habanero: limited, counted, classified, its answer checked.

        ``check`` validates the parsed body and returns what the caller keeps; a body that fails
        it counts as an error, like a 5xx, and is retried.
        """
        self._check_error_budget()
        http = self._http  # made (the first time) before the slot: a slot's start is its send
        with self._slots, self._limiter.slot():
            self._bump("requests")
            with self._router.using(http) as last_response:
                try:
                    result, failure = send(), None
                except Exception as exc:  # habanero raises a different type per path: sort below
                    result, failure = None, exc
                response = last_response()
        if response is not None:
            self._observe(response)
        if failure is not None:
            raise self._classify(failure, response)
        try:
            if keep_body and response is not None:
                result = _json_of(response)  # habanero keeps only a label from /agency
            return check(result)
        except _Retryable as exc:
            raise self._failed(exc) from None

    def _observe(self, response: httpx2.Response) -> None:
        """Count the status and follow the rate limit Crossref advertises."""
        with self._lock:
            statuses = self.stats["statuses"]
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 429:
                self.stats["429s"] += 1
        limit = response.headers.get("x-rate-limit-limit")
        interval = response.headers.get("x-rate-limit-interval")
        if limit and interval and (limit, interval) != self._advertised:
            self._adapt_rate(limit, interval)

    def _adapt_rate(self, limit: str, interval: str) -> None:
        try:
            rate = float(limit) / _seconds(interval)
        except (ValueError, ZeroDivisionError, OverflowError):
            rate = float("nan")
        if not 0 < rate < float("inf"):  # 0, negative, nan or infinite: not a pace to follow
            log.debug("Ignoring unusable rate-limit headers %r / %r", limit, interval)
            self._advertised = (limit, interval)
            return
        if self._rate_ceiling:
            rate = min(rate, self._rate_ceiling)
        self._advertised = (limit, interval)
        self._limiter.set_rate(rate, _seconds(interval))
        log.debug("Crossref advertises %s per %s; at most %d requests per %.2f s", limit, interval,
                  self._limiter.limit, self._limiter.interval)

    def _classify(self, exc: Exception, response: httpx2.Response | None) -> CrossrefError:
        """Turn whatever habanero raised into one of our failure kinds."""
        if response is not None:
            status = response.status_code
            if status == 404:
                return _NotFound(f"Crossref answered 404 {_snippet(response) or 'Not Found'}")
            if status == 429:
                return self._failed(_Retryable("429 Too Many Requests",
                                               retry_after(response.headers.get("Retry-After"))))
            if status >= 500:
                return self._failed(_Retryable(f"{status} {response.reason_phrase}"))
            if status < 300:  # a 200 whose body habanero could not read
                return self._failed(_Retryable(f"unreadable answer ({describe(exc)})"))
            return self._failed(_Refused(f"Crossref answered {status}: {_snippet(response)}"))
        for cause in _chain(exc):
            if isinstance(cause, httpx2.TimeoutException):
                return self._failed(_Retryable(f"no answer within {self.timeout:g} s"))
            if isinstance(cause, httpx2.TransportError):
                return self._failed(_Retryable(f"connection failed ({describe(cause)})"))
        raise exc  # not an HTTP problem: a bug, let it surface

    def _give_up(self, what: str, message: str) -> CrossrefError:
        return CrossrefError(message)  # the caller names the DOI or batch

    def _stopped(self, requests: int, errors: int) -> None:
        log.warning("Crossref: %d of %d requests failed; %s.", errors, requests, STOPPED_EARLY)

    # ---- cache --------------------------------------------------------------------------------
    def _cache_path(self, doi: str, suffix: str = ".json") -> Path | None:
        return self.cache_root / f"{safe_name(doi)}{suffix}" if self.cache_root else None

    def _cache_get(self, doi: str) -> WorkOutcome | None:
        if self.cache_root is None:
            return None
        stem = safe_name(doi)
        if not (self._entries.may_hold(f"{stem}.json") or self._entries.may_hold(f"{stem}.404.json")):
            return None  # neither entry was listed (a cold cache): no path to build, nothing to ask
        path = self._cache_path(doi)
        try:
            if self._entries.may_hold(path.name) and path.exists():
                envelope = _check_work(json.loads(path.read_text("utf-8")), doi)
                return WorkOutcome(doi, "ok", envelope["message"], None, from_cache=True)
            miss = self._cache_path(doi, ".404.json")
            if miss is not None and self._entries.may_hold(miss.name) and miss.exists():
                entry = json.loads(miss.read_text("utf-8"))
                if not isinstance(entry.get("reason"), str) or \
                        not isinstance(entry.get("agency"), str | None):
                    raise ValueError("not a cached 404 entry")
                return WorkOutcome(doi, "not-found", None, entry["reason"],
                                   agency=entry.get("agency"), from_cache=True)
        except (OSError, ValueError, KeyError, TypeError, CrossrefError) as exc:
            log.warning("Ignoring unreadable cache entry for %s (%s); asking again", doi, exc)
            for stale in (path, self._cache_path(doi, ".404.json")):
                try:
                    stale.unlink(missing_ok=True)
                except OSError:
                    pass
        return None

    def _cache_put(self, doi: str, envelope: dict) -> None:
        path = self._cache_path(doi)
        if path is not None:
            _write_atomic(self._entries, path, envelope)
            try:
                self._entries.remove(f"{safe_name(doi)}.404.json")
            except OSError:
                pass

    def _cache_put_not_found(self, outcome: WorkOutcome) -> None:
        path = self._cache_path(outcome.doi, ".404.json")
        if path is not None:
            _write_atomic(self._entries, path, {"doi": outcome.doi, "agency": outcome.agency,
                                                "reason": outcome.reason})

    # ---- progress -----------------------------------------------------------------------------
    def _progress_bar(self, total: int) -> tqdm:
        show = self.progress
        if show is None:
            show = total > 5 and sys.stderr.isatty()
        return tqdm(total=total, file=sys.stderr, disable=not show, unit="DOI",
                    desc="Crossref", leave=False)


# ---- answers ------------------------------------------------------------------------------------
def _check_envelope(body: Any, message_type: str) -> Any:
    if not isinstance(body, dict):
        raise _Retryable(f"unexpected answer: not a JSON object but {type(body).__name__}")
    if body.get("status") != "ok" or body.get("message-type") != message_type:
        raise _Retryable(f"unexpected answer: {body.get('message-type')!r} with status "
                         f"{body.get('status')!r}, expected an ok {message_type!r}")
    return body.get("message")


def _check_work(body: Any, doi: str) -> dict:
    """The envelope of a work whose DOI is ``doi``, else a retryable failure."""
    message = _check_envelope(body, "work")
    if not isinstance(message, dict) or normalise(str(message.get("DOI", ""))) != doi:
        got = message.get("DOI") if isinstance(message, dict) else None
        raise _Retryable(f"unexpected answer: a work for {got!r}, not {doi!r}")
    problem = work_problem(message)
    if problem:
        raise _Retryable(f"unexpected answer: the record for {doi} is malformed ({problem})")
    return body


def _check_work_list(body: Any) -> list[dict]:
    message = _check_envelope(body, "work-list")
    items = message.get("items") if isinstance(message, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _Retryable("unexpected answer: a work-list without a list of items")
    kept = [i for i in items if work_problem(i) is None]
    if len(kept) < len(items):
        log.warning("Crossref: %d malformed record(s) in a work-list were ignored",
                    len(items) - len(kept))
    return kept


def _check_batch(body: Any, batch: list[str]) -> dict[str, dict]:
    """Items of a filter answer, wrapped as single-work envelopes, keyed by the DOI asked for."""
    asked = set(batch)
    found = {}
    for item in _check_work_list(body):
        doi = normalise(str(item.get("DOI", "")))
        if doi in asked:
            found[doi] = {"status": "ok", "message-type": "work",
                          "message-version": body.get("message-version", "1.0.0"),
                          "message": item}
        else:
            log.debug("Crossref returned %r, which was not asked for; ignored", doi)
    return found


def _check_agency(body: Any, doi: str) -> str:
    message = _check_envelope(body, "work-agency")
    agency = message.get("agency") if isinstance(message, dict) else None
    if not isinstance(agency, dict) or not isinstance(agency.get("id"), str):
        raise _Retryable("unexpected answer: a work-agency without an agency id")
    return agency["id"].lower()


# ---- small helpers ------------------------------------------------------------------------------
def _batches(dois: list[str], base_url: str) -> Iterator[list[str]]:
    """Split DOIs into batches of at most BATCH_MAX_DOIS whose URL stays under BATCH_MAX_URL."""
    batch: list[str] = []
    length = len(base_url) + len("/works?rows=100&filter=")
    for doi in dois:
        cost = len(quote(f"doi:{doi},", safe=""))
        if batch and (len(batch) >= BATCH_MAX_DOIS or length + cost > BATCH_MAX_URL):
            yield batch
            batch, length = [], len(base_url) + len("/works?rows=100&filter=")
        batch.append(doi)
        length += cost
    if batch:
        yield batch


def _quote_doi(doi: str) -> str:
    """habanero puts ids into the path unquoted: ``#``, ``?``, ``%`` and spaces must be quoted."""
    return quote(doi, safe="/:;()._-<>")


def _seconds(interval: str) -> float:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", interval)
    if not m:
        raise ValueError(interval)
    return float(m.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[m.group(2) or "s"]


def _json_of(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise _Retryable(f"unreadable answer ({describe(exc)})") from exc


def _snippet(response: httpx2.Response) -> str:
    try:
        text = response.text.strip()
    except Exception:  # noqa: BLE001 - a body we cannot decode says nothing useful
        return ""
    return text if len(text) <= 120 else text[:117] + "..."


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _write_atomic(entries: EntryFolder, path: Path, obj: Any) -> None:
    """Cache one answer; a cache that cannot be written is only a warning (the answer is used)."""
    try:
        entries.write(path.name, obj)
    except (OSError, InputError) as exc:
        log.warning("Could not cache the answer in %s (%s)", path, exc)


def _server_key(server: str) -> str:
    """The cache folder of one server: its address without scheme and credentials, made safe.

    >>> _server_key("https://api.crossref.org")
    'api.crossref.org'
    >>> _server_key("http://127.0.0.1:8123/crossref/")
    '127.0.0.1_8123_crossref'
    """
    rest = server.split("://", 1)[-1].rstrip("/")
    return re.sub(r"[^A-Za-z0-9.-]+", "_", rest).strip("_.") or "server"


def _check_options(base_url: str, mailto: str | None, from_env: tuple[bool, bool]) -> None:
    """Refuse a base URL that is not http(s) or a mailto that is not one address, before asking."""
    problems = []
    if (why := base_url_problem(base_url)) is not None:
        where = "CROSSREF_BASE_URL" if from_env[0] and os.environ.get("CROSSREF_BASE_URL") \
            else "--base-url"
        problems.append(Problem(file=where, message=why))
    if mailto is not None and (why := mailto_problem(mailto)) is not None:
        problems.append(Problem(file="CROSSREF_MAILTO" if from_env[1] else "--mailto", message=why))
    if problems:
        raise InputError(problems)


def client_string() -> str:
    """What asked Crossref, for a snapshot manifest: ``evidence-review X / habanero Y``."""
    return f"evidence-review {__version__} / habanero {habanero.__version__}"
