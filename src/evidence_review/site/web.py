"""Fetching a site's pages politely: robots.txt (protego), a per-host rate limit, a size cap.

Each answer is classified rather than raised, so a scan records every page it could not get with a
short problem code and one sentence, and goes on:

``robots`` (robots.txt disallows it), ``http-NNN`` (the server answered an error status),
``not-html`` (another content type), ``too-large`` (more than ``max_bytes``), ``fetch-error``
(no answer: DNS, refused, timeout, reset).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from protego import Protego

from evidence_review import __version__
from evidence_review.core.tls import tls_context

DEFAULT_MAX_BYTES = 10 * 2**20  # a health article page is well under 1 MB; 10 MB is generous
DEFAULT_INTERVAL = 1.0  # seconds between two requests to one host
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
SITEMAP_TYPES = ("application/xml", "text/xml", "application/x-gzip", "application/gzip",
                 "text/plain", "application/octet-stream")


@dataclass
class Fetched:
    """One URL's outcome: ``body`` when ``problem`` is None, else a code and a sentence."""

    url: str
    status: int | None = None
    content_type: str | None = None
    body: bytes | None = None
    problem: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


class PoliteFetcher:
    """An HTTP client that honours robots.txt and spaces requests to each host.

    Parameters
    ----------
    user_agent : str, optional
        Sent with every request and matched against robots.txt (default
        ``evidence-review/VERSION``, plus ``(mailto:...)`` when a contact is given).
    interval : float
        Minimum seconds between two requests to one host; robots.txt's ``Crawl-delay`` raises it.
    max_bytes : int
        A body larger than this is abandoned and recorded as ``too-large``.
    timeout : float
        Seconds to wait for an answer.
    """

    def __init__(self, user_agent: str | None = None, interval: float = DEFAULT_INTERVAL,
                 max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = 20.0,
                 mailto: str | None = None) -> None:
        agent = user_agent or f"evidence-review/{__version__}"
        self.user_agent = f"{agent} (mailto:{mailto})" if mailto else agent
        self.robot_name = agent.split("/")[0]
        self.interval = interval
        self.max_bytes = max_bytes
        self._http = httpx.Client(headers={"User-Agent": self.user_agent}, timeout=timeout,
                                  follow_redirects=True, max_redirects=5, verify=tls_context())
        self._robots: dict[str, Protego | None] = {}
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- robots.txt and pacing ----------------------------------------------------------------
    def _host_lock(self, host: str) -> threading.Lock:
        with self._lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _wait_turn(self, host: str) -> None:
        """Hold this thread until the host's next slot; one request per host at a time."""
        with self._lock:
            due = self._next.get(host, 0.0)
            now = time.monotonic()
            start = max(now, due)
            delay = self.interval
            robots = self._robots.get(host)
            crawl_delay = robots.crawl_delay(self.robot_name) if robots else None
            if crawl_delay:
                delay = max(delay, float(crawl_delay))
            self._next[host] = start + delay
        if start > now:
            time.sleep(start - now)

    def robots(self, url: str) -> Protego | None:
        """The host's robots.txt rules (fetched once per host), None when it has none."""
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        with self._host_lock(host):
            if host not in self._robots:
                self._robots[host] = self._read_robots(host)
        return self._robots[host]

    def _read_robots(self, host: str) -> Protego | None:
        self._wait_turn(host)
        self.requests += 1
        try:
            response = self._http.get(f"{host}/robots.txt")
        except httpx.HTTPError:
            return None  # no answer: treated as no robots.txt, the page fetch will say more
        if response.status_code >= 400 or not response.text.strip():
            return None
        return Protego.parse(response.text)

    def allowed(self, url: str) -> bool:
        rules = self.robots(url)
        return rules is None or rules.can_fetch(url, self.robot_name)

    # ---- fetching -----------------------------------------------------------------------------
    def get(self, url: str, accept: tuple[str, ...] = PAGE_TYPES) -> Fetched:
        """Fetch one URL, or say in one sentence why not."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return Fetched(url, problem="fetch-error", reason=f"'{url}' is not an http(s) URL")
        if not self.allowed(url):
            return Fetched(url, problem="robots", reason=f"robots.txt of {parts.netloc} disallows "
                                                         f"{parts.path or '/'} for {self.robot_name}")
        host = f"{parts.scheme}://{parts.netloc}"
        self._wait_turn(host)
        self.requests += 1
        try:
            with self._http.stream("GET", url) as response:
                return self._read(url, response, accept)
        except httpx.TimeoutException:
            return Fetched(url, problem="fetch-error", reason=f"no answer from {parts.netloc} in time")
        except httpx.HTTPError as exc:
            return Fetched(url, problem="fetch-error",
                           reason=f"could not fetch: {type(exc).__name__}: {exc}".rstrip(": "))

    def _read(self, url: str, response: httpx.Response, accept: tuple[str, ...]) -> Fetched:
        status = response.status_code
        ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if status >= 400:
            return Fetched(url, status, ctype, problem=f"http-{status}",
                           reason=f"the server answered {status} {response.reason_phrase}".rstrip())
        if accept and ctype and ctype not in accept:
            return Fetched(url, status, ctype, problem="not-html",
                           reason=f"the server sent {ctype}, not a web page")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            return Fetched(url, status, ctype, problem="too-large",
                           reason=f"the page is {int(declared):,} bytes, over the "
                                  f"{self.max_bytes:,}-byte limit")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                return Fetched(url, status, ctype, problem="too-large",
                               reason=f"the page is over the {self.max_bytes:,}-byte limit "
                                      f"(stopped reading)")
            chunks.append(chunk)
        return Fetched(url, status, ctype, body=b"".join(chunks))
