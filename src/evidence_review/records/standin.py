"""A local stand-in for Crossref's REST API, for tests, notebooks and benchmarks without network.

``CrossrefStandIn`` is a small threaded HTTP server on 127.0.0.1 that answers the few Crossref
routes this package uses, with the documented response shapes, rate-limit headers and limits, and
faults you can schedule (latency, 429, 5xx, connection reset, hang, broken bodies)::

    >>> with CrossrefStandIn({"10.5555/x": {"DOI": "10.5555/x", "title": ["X"]}}) as api:
    ...     client = CrossrefClient(base_url=api.base_url)           # doctest: +SKIP

It also runs as a process (``python -m evidence_review.records.standin --synthetic 1000``), printing its
base URL, so a benchmark can keep the server's CPU and memory out of the client's measurements.

Routes
------
- ``GET /works/{doi}`` : a ``work`` envelope, or 404 ``Resource not found.`` (text/plain).
- ``GET /works?filter=doi:A,doi:B&rows=N`` : a ``work-list`` of the DOIs it holds.
- ``GET /works?query.bibliographic=...&rows=N`` : a ``work-list`` ranked by token overlap.
- ``GET /works/{doi}/agency`` : a ``work-agency`` envelope (``crossref`` or the registered agency).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import socket
import struct
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["CrossrefStandIn", "Fault", "RequestRecord", "synthetic_work", "synthetic_doi"]

FAULT_KINDS = ("latency", "status", "reset", "hang", "truncated", "not-json", "wrong-type",
               "wrong-doi", "xml-bomb")
# An entity-expansion ("billion laughs") document: ~3 GB if a parser expanded it.
XML_BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
            + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%s;" % (b"" if i == 1 else b"%d" % (i - 1)))
                                                         * 10) for i in range(1, 10))
            + b']>\n<article><body><p>&lol9;</p></body></article>\n')
REQUEST_KINDS = ("work", "batch", "query", "agency", "other")
_TOKEN = re.compile(r"[a-z0-9]+")
_AGENCY_LABELS = {"crossref": "Crossref", "datacite": "DataCite", "medra": "mEDRA",
                  "jalc": "JaLC", "kisti": "KISTI", "airiti": "Airiti", "cnki": "CNKI",
                  "op": "OP", "istic": "ISTIC"}


@dataclass
class Fault:
    """One scheduled misbehaviour of the stand-in.

    Parameters
    ----------
    kind : str
        ``latency`` (delay, then answer normally), ``status`` (answer ``status``; with
        ``retry_after`` for a 429), ``reset`` (close the connection with a TCP RST), ``hang`` (say
        nothing for ``delay`` seconds, then close), ``truncated`` (half a JSON body), ``not-json``
        (an HTML body labelled JSON), ``wrong-type`` (a valid body labelled ``text/html``),
        ``wrong-doi`` (a valid envelope for another DOI), ``xml-bomb`` (an entity-expansion XML
        document, labelled ``application/xml``).
    status : int
        HTTP status for ``kind="status"``.
    retry_after : float or None
        ``Retry-After`` header value (seconds) for ``kind="status"``.
    delay : float
        Seconds of latency (``latency``) or of silence (``hang``).
    times : int or None
        How many matching requests this fault applies to; ``None`` means every one.
    match : str or None
        Only requests whose decoded path and query contain this text (case-insensitive), e.g. a DOI.
    kinds : tuple of str
        Only these request kinds (``work``, ``batch``, ``query``, ``agency``); empty means all.
    """

    kind: str
    status: int = 503
    retry_after: float | None = None
    delay: float = 0.0
    times: int | None = None
    match: str | None = None
    kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {FAULT_KINDS}")

    def applies(self, kind: str, target: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.kinds and kind not in self.kinds:
            return False
        return self.match is None or self.match.lower() in target.lower()


@dataclass
class RequestRecord:
    """What the stand-in saw of one request (for assertions in tests)."""

    started: float  # time.monotonic() when the request line was read
    kind: str
    target: str  # decoded path and query
    headers: dict[str, str]
    status: int | None = None  # None while in progress; 0 when reset or left hanging

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent", "")


def synthetic_doi(i: int, prefix: str = "10.5555/bench") -> str:
    """The i-th synthetic DOI, e.g. ``10.5555/bench.000123`` (10.5555 is a test prefix)."""
    return f"{prefix}.{i:06d}"


def synthetic_work(i: int, prefix: str = "10.5555/bench") -> dict:
    """A small, clearly synthetic Crossref work message for benchmarks."""
    return {
        "DOI": synthetic_doi(i, prefix),
        "type": "journal-article",
        "title": [f"Synthetic benchmark work {i}"],
        "container-title": ["Journal of Synthetic Records"],
        "author": [{"family": "Synthetic", "given": "A.", "sequence": "first"}],
        "issued": {"date-parts": [[2020, 1 + i % 12]]},
        "publisher": "Synthetic Test Data",
        "volume": str(1 + i // 1000),
        "page": f"{i % 1000 + 1}-{i % 1000 + 9}",
    }


class CrossrefStandIn:
    """A threaded HTTP server on 127.0.0.1 that imitates Crossref's REST API.

    Parameters
    ----------
    records : mapping of DOI to work message, or iterable of work messages
        The works it holds; DOIs are matched case-insensitively.
    other_agency : mapping of DOI to agency id, optional
        DOIs registered with another agency (``datacite``...): ``/works/{doi}`` answers 404 and
        ``/works/{doi}/agency`` names the agency.
    rate_limit, rate_interval : int, str
        What the ``x-rate-limit-limit`` / ``x-rate-limit-interval`` headers say (Crossref's polite
        pool: 10 per ``1s``).
    enforce_rate : bool
        Answer 429 (with ``Retry-After``) when more than ``rate_limit`` requests arrive within one
        interval, as Crossref does.
    max_concurrent : int or None
        Answer 429 to a request arriving while this many are already in progress.
    latency : float
        Seconds added to every answer (before faults).
    hidden_from_filter : iterable of str, optional
        DOIs that ``/works/{doi}`` serves but a ``filter=doi:`` list leaves out (as happens while
        Crossref's search index lags behind a new deposit).
    port : int
        0 picks a free ephemeral port.
    max_lifetime : float
        Safety net: the server shuts itself down after this many seconds.
    """

    def __init__(self, records: Mapping[str, dict] | Iterable[dict] = (), *,
                 other_agency: Mapping[str, str] | None = None, rate_limit: int = 10,
                 rate_interval: str = "1s", enforce_rate: bool = False,
                 max_concurrent: int | None = None, latency: float = 0.0,
                 hidden_from_filter: Iterable[str] = (), port: int = 0,
                 max_lifetime: float = 600.0) -> None:
        self.works: dict[str, dict] = {}
        self.add_records(records)
        self.other_agency = {k.lower(): v for k, v in (other_agency or {}).items()}
        self.rate_limit = rate_limit
        self.rate_interval = rate_interval
        self.enforce_rate = enforce_rate
        self.max_concurrent = max_concurrent
        self.latency = latency
        self.hidden_from_filter = {d.lower() for d in hidden_from_filter}
        self.max_lifetime = max_lifetime
        self.faults: list[Fault] = []
        self.records: list[RequestRecord] = []
        self.counts: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.peak_in_flight = 0
        self._in_flight = 0
        self._arrivals: deque[float] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    # ---- set-up -------------------------------------------------------------------------------
    def add_records(self, records: Mapping[str, dict] | Iterable[dict]) -> None:
        """Hold more works (a mapping DOI → message, or messages carrying their ``DOI``)."""
        items = (records.items() if isinstance(records, Mapping)
                 else ((r["DOI"], r) for r in records))
        for doi, message in items:
            self.works[doi.lower()] = dict(message, DOI=message.get("DOI", doi))

    def add_synthetic(self, n: int, prefix: str = "10.5555/bench") -> list[str]:
        """Hold ``n`` synthetic works and return their DOIs."""
        works = [synthetic_work(i, prefix) for i in range(n)]
        self.add_records(works)
        return [w["DOI"] for w in works]

    def add_fault(self, fault: Fault | None = None, /, **kwargs) -> Fault:
        """Schedule a fault, e.g. ``add_fault(kind="status", status=503, times=2)``.

        Faults are tried in the order added; the first that matches a request applies.
        """
        fault = fault or Fault(**kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget faults and everything recorded (counts, requests, peaks)."""
        with self._lock:
            self.faults.clear()
            self.records.clear()
            self.counts.clear()
            self.statuses.clear()
            self.peak_in_flight = 0
            self._arrivals.clear()

    # ---- lifecycle ----------------------------------------------------------------------------
    def start(self) -> CrossrefStandIn:
        self._server = _Server(("127.0.0.1", self._port), _Handler)
        self._server.standin = self
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.01},
                                        name="crossref-standin", daemon=True)
        self._thread.start()
        self._timer = threading.Timer(self.max_lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging handlers are released at once."""
        self._stopping.set()
        if self._timer is not None:
            self._timer.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> CrossrefStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not running; use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ---- what tests look at -------------------------------------------------------------------
    def requests(self, kind: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.records if kind is None or r.kind == kind]

    def summary(self) -> dict:
        """Counts by kind and status and the peak concurrency (also at ``/__standin/stats``)."""
        with self._lock:
            return {"counts": dict(self.counts), "statuses": {str(k): v for k, v in
                                                             self.statuses.items()},
                    "peak_in_flight": self.peak_in_flight, "total": sum(self.counts.values())}

    @property
    def total_requests(self) -> int:
        return sum(self.counts.values())

    # ---- internals used by the handler --------------------------------------------------------
    def _admit(self, now: float) -> tuple[int, float | None] | None:
        """Count an arrival; return (429, retry_after) when a limit is exceeded, else None."""
        with self._lock:
            interval = _parse_interval(self.rate_interval)
            self._arrivals.append(now)
            while self._arrivals and self._arrivals[0] <= now - interval:
                self._arrivals.popleft()
            if self.max_concurrent is not None and self._in_flight >= self.max_concurrent:
                return 429, None
            if self.enforce_rate and len(self._arrivals) > self.rate_limit:
                return 429, float(math.ceil(interval))
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
            return None

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _pick_fault(self, kind: str, target: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.applies(kind, target):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _arrived(self, record: RequestRecord) -> RequestRecord:
        with self._lock:
            self.records.append(record)
            self.counts[record.kind] += 1
        return record

    def _replied(self, record: RequestRecord, status: int) -> None:
        with self._lock:
            record.status = status
            self.statuses[status] += 1

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    # ---- routes -------------------------------------------------------------------------------
    def route(self, path: str, query: dict[str, list[str]]) -> tuple[str, int, str, bytes]:
        """Answer one request: (kind, status, content type, body)."""
        if path.rstrip("/") == "/works":
            if "filter" in query:
                return ("batch", *self._batch(query))
            if "query.bibliographic" in query:
                return ("query", *self._query(query))
            return "other", 400, "application/json", _json(_error("only filter=doi or "
                                                                  "query.bibliographic here"))
        if path.startswith("/works/"):
            doi = unquote(path[len("/works/"):]).strip("/")
            if doi.endswith("/agency"):
                return ("agency", *self._agency(doi[: -len("/agency")]))
            return ("work", *self._work(doi))
        return "other", 404, "text/plain", b"Resource not found."

    def _work(self, doi: str) -> tuple[int, str, bytes]:
        message = self.works.get(doi.lower())
        if message is None:
            return 404, "text/plain", b"Resource not found."
        return 200, "application/json", _json(_envelope("work", message))

    def _batch(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        wanted: list[str] = []
        for clause in ",".join(query["filter"]).split(","):
            name, _, value = clause.partition(":")
            if name != "doi":
                return 400, "application/json", _json(_error(f"filter {name} not supported"))
            wanted.append(value.lower())
        rows = int(query.get("rows", ["20"])[0])
        found = [dict(self.works[d], score=1.0) for d in dict.fromkeys(wanted)
                 if d in self.works and d not in self.hidden_from_filter]
        return 200, "application/json", _json(_work_list(found, rows, None))

    def _query(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        text = query["query.bibliographic"][0]
        rows = int(query.get("rows", ["20"])[0])
        terms = set(_TOKEN.findall(text.lower()))
        scored = []
        for message in self.works.values():
            overlap = len(terms & _tokens_of(message))
            if overlap:
                scored.append(dict(message, score=round(10.0 * overlap / max(len(terms), 1), 3)))
        scored.sort(key=lambda m: (-m["score"], m["DOI"]))
        return 200, "application/json", _json(_work_list(scored, rows, text))

    def _agency(self, doi: str) -> tuple[int, str, bytes]:
        key = doi.lower()
        if key in self.works:
            agency = "crossref"
        elif key in self.other_agency:
            agency = self.other_agency[key]
        else:
            return 404, "text/plain", b"Resource not found."
        message = {"DOI": doi, "agency": {"id": agency,
                                          "label": _AGENCY_LABELS.get(agency, agency)}}
        return 200, "application/json", _json(_envelope("work-agency", message))


def _tokens_of(message: dict) -> set[str]:
    parts = [*message.get("title", []), *message.get("container-title", []),
             *(a.get("family", "") for a in message.get("author", [])), message.get("DOI", "")]
    issued = message.get("issued", {}).get("date-parts", [[None]])[0][0]
    parts.append(str(issued or ""))
    return set(_TOKEN.findall(" ".join(parts).lower()))


def _envelope(message_type: str, message: dict) -> dict:
    return {"status": "ok", "message-type": message_type, "message-version": "1.0.0",
            "message": message}


def _work_list(items: list[dict], rows: int, terms: str | None) -> dict:
    return _envelope("work-list", {
        "facets": {}, "total-results": len(items), "items": items[:rows],
        "items-per-page": rows, "query": {"start-index": 0, "search-terms": terms}})


def _error(text: str) -> dict:
    return {"status": "failed", "message-type": "validation-failure",
            "message": [{"type": "invalid-parameter", "message": text}]}


def _json(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def _parse_interval(text: str) -> float:
    """``"1s"`` → 1.0, ``"500ms"`` → 0.5, ``"1m"`` → 60.0."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*", text)
    if not m:
        return 1.0
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[m.group(2) or "s"]
    return float(m.group(1)) * scale


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a client that walks away never keeps the process alive
    request_queue_size = 128
    standin: CrossrefStandIn


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Crossref offers
    timeout = 30  # an idle kept-alive connection is dropped after this
    # The headers and the body go out in two writes; with Nagle's algorithm the body waited for
    # the client's delayed ACK of the headers: 45 ms an answer on a kept-alive connection, 0.6 without.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # tests read the request log instead of stderr noise

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        api = self.server.standin
        started = time.monotonic()
        parts = urlsplit(self.path)
        if parts.path == "/__standin/stats":  # bookkeeping for a stand-in in another process
            self._send(200, "application/json", _json(api.summary()), None)
            return
        query = parse_qs(parts.query)
        target = unquote(self.path)
        kind, status, ctype, body = api.route(parts.path, query)
        headers = {k.lower(): v for k, v in self.headers.items()}

        entry = api._arrived(RequestRecord(started, kind, target, headers))

        def record(sent: int) -> None:  # before replying: a test may look as soon as it hears back
            api._replied(entry, sent)

        refused = api._admit(started)
        if refused is not None:
            record(refused[0])
            self._send(refused[0], "text/plain", b"Too many requests.", refused[1])
            return
        self._answer(api, kind, target, record, (status, ctype, body))

    def _answer(self, api: CrossrefStandIn, kind: str, target: str,
                record: Callable[[int], None], reply: tuple[int, str, bytes]) -> None:
        """Apply latency and any fault, then reply (or reset, or hang)."""
        fault = api._pick_fault(kind, target)
        api._sleep(api.latency + (fault.delay if fault and fault.kind == "latency" else 0.0))
        status, ctype, body = reply
        retry_after = None
        if fault is not None:
            if fault.kind in ("reset", "hang"):
                if fault.kind == "hang":
                    api._sleep(fault.delay)
                api._done()
                record(0)
                self._reset()
                return
            status, ctype, body, retry_after = _faulty(fault, status, ctype, body)
        api._done()  # before the reply: a client never sees an answer while still counted
        record(status)
        self._send(status, ctype, body, retry_after)

    def _send(self, status: int, ctype: str, body: bytes, retry_after: float | None) -> None:
        api = self.server.standin
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-rate-limit-limit", str(api.rate_limit))
            self.send_header("x-rate-limit-interval", api.rate_interval)
            if retry_after is not None:
                self.send_header("Retry-After", f"{retry_after:g}")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True  # the client gave up; nothing to tell it

    def _reset(self) -> None:
        """Close with RST (SO_LINGER 0): the client sees 'connection reset by peer'."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


def _faulty(fault: Fault, status: int, ctype: str,
            body: bytes) -> tuple[int, str, bytes, float | None]:
    if fault.kind == "status":
        text = {429: b"Too many requests.", 500: b"Internal server error.",
                502: b"Bad gateway.", 503: b"Service unavailable."}.get(fault.status, b"Error.")
        return fault.status, "text/plain", text, fault.retry_after
    if fault.kind == "truncated":
        return status, ctype, body[: max(1, len(body) // 2)], None
    if fault.kind == "not-json":
        return 200, "application/json", b"<html><body>Service busy</body></html>", None
    if fault.kind == "wrong-type":
        return status, "text/html; charset=utf-8", body, None
    if fault.kind == "xml-bomb":
        return 200, "application/xml", XML_BOMB, None
    if fault.kind == "wrong-doi":
        other = _envelope("work", {"DOI": "10.5555/not-what-you-asked", "title": ["Other"]})
        return 200, "application/json", _json(other), None
    return status, ctype, body, None  # latency: answer normally


def main(argv: list[str] | None = None) -> int:
    """Run a stand-in as a process: prints its base URL on stdout, serves until killed."""
    p = argparse.ArgumentParser(prog="python -m evidence_review.records.standin", description=main.__doc__)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--synthetic", type=int, default=0, help="hold N synthetic works")
    p.add_argument("--records", help="JSON file: list of work messages or {doi: message}")
    p.add_argument("--latency", type=float, default=0.0)
    p.add_argument("--rate-limit", type=int, default=10)
    p.add_argument("--rate-interval", default="1s")
    p.add_argument("--enforce-rate", action="store_true")
    p.add_argument("--max-concurrent", type=int)
    p.add_argument("--max-lifetime", type=float, default=3600.0)
    args = p.parse_args(argv)
    api = CrossrefStandIn(rate_limit=args.rate_limit, rate_interval=args.rate_interval,
                          enforce_rate=args.enforce_rate, max_concurrent=args.max_concurrent,
                          latency=args.latency, port=args.port, max_lifetime=args.max_lifetime)
    if args.records:
        with open(args.records, encoding="utf-8") as fh:
            api.add_records(json.load(fh))
    api.add_synthetic(args.synthetic)
    with api:
        print(api.base_url, flush=True)
        try:
            # Serve until stdin closes (the parent went away), killed, or max_lifetime passes.
            while not api._stopping.is_set() and sys.stdin.readline():
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
