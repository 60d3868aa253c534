"""Asking a web service politely: what the Crossref and Europe PMC clients share.

- :class:`RateLimiter`: at most so many requests per interval across threads, counted by arrivals;
- :class:`PoliteRetries`: retries with exponential back-off and jitter (tenacity) inside a time
  budget, honouring ``Retry-After``, and an error budget that stops a run once too many of its
  requests failed;
- :class:`Retryable`: mixed into a client's own error class for failures worth another try.

Each client keeps its own error classes (so callers catch ``CrossrefError`` or ``EuropePMCError``),
its own HTTP library and its own answer checks.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
)

__all__ = ["RateLimiter", "PoliteRetries", "Retryable", "retry_after", "describe",
           "ERROR_BUDGET_MIN_REQUESTS", "STOPPED_EARLY"]

T = TypeVar("T")

# The rate limiter spaces request N+limit one interval + GUARD_S after the answer to request N, or
# after ARRIVAL_CAP_S from its start if that is sooner: the time a request may take to arrive
# (thread scheduling on a loaded machine, the network).
GUARD_S = 0.01
ARRIVAL_CAP_S = 0.1
# The error budget applies once a run made this many requests (one early failure is not a trend).
ERROR_BUDGET_MIN_REQUESTS = 10
STOPPED_EARLY = "stopped early: error budget exceeded"


class Retryable(Exception):
    """A failure worth another try (429, 5xx, timeout, reset, unreadable answer); mixed into a
    client's own error class: ``class _Retryable(Retryable, CrossrefError)``."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class RateLimiter:
    """At most ``limit`` requests in any ``interval`` seconds, across threads, counted the way
    Crossref states its limit (``x-rate-limit-limit`` per ``x-rate-limit-interval``) and counts it:
    by arrivals.

    A client cannot see when a request arrives, only that it arrived after it started and before
    its answer came back. A request may start once ``interval`` + ``GUARD_S`` has passed since the
    *anchor* of the request ``limit`` starts earlier: the moment its answer came back, or
    ``ARRIVAL_CAP_S`` after it started if that is sooner (an answer slower than that is taken to
    have arrived within that time of its start, so a slow server does not slow the pace). So two
    arrivals ``limit`` apart are at least ``interval`` apart unless a request took longer than
    ``ARRIVAL_CAP_S`` to leave this process (the margin 0.9 × the rate gave, without its cost).
    The concurrency limit, enforced separately, bounds any burst. This sends at the documented
    limit itself rather than at a fraction of it.
    Rates below one per interval are spaced ``1/rate`` apart. Use :meth:`slot` (or
    :meth:`acquire` and :meth:`done`) around each request; a pause (Retry-After) holds back every
    thread not yet started.
    """

    def __init__(self, rate: float, interval: float = 1.0) -> None:
        self._cond = threading.Condition()
        self._tickets: deque[list[float | None]] = deque(maxlen=1024)  # [start, anchor or None]
        self._paused_until = 0.0
        self.interval = interval
        self.set_rate(rate, interval)

    def set_rate(self, rate: float, interval: float | None = None) -> None:
        with self._cond:
            interval = self.interval if interval is None else interval
            self.rate = rate
            self.limit = max(1, math.floor(rate * interval + 1e-9))
            self.interval = self.limit / rate  # 0.5/s in a 1 s interval: one start per 2 s

    def pause(self, seconds: float) -> None:
        """Nobody starts a request for ``seconds`` (Crossref said Retry-After)."""
        with self._cond:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def acquire(self) -> list[float | None]:
        """Wait until a request may start; returns its ticket (pass it to :meth:`done`)."""
        with self._cond:
            while True:
                now = time.monotonic()
                due = self._paused_until
                if len(self._tickets) >= self.limit:
                    start, answered = self._tickets[-self.limit]
                    anchor = start + ARRIVAL_CAP_S
                    if answered is not None:
                        anchor = min(anchor, answered)
                    due = max(due, anchor + self.interval + GUARD_S)
                if now >= due:
                    ticket: list[float | None] = [now, None]
                    self._tickets.append(ticket)
                    return ticket
                self._cond.wait(due - now)  # woken early when an answer comes back

    def done(self, ticket: list[float | None]) -> None:
        """The request's answer (or failure) came back: it arrived by now."""
        with self._cond:
            if ticket[1] is None:
                ticket[1] = time.monotonic()
            self._cond.notify_all()

    @contextmanager
    def slot(self) -> Iterator[None]:
        ticket = self.acquire()
        try:
            yield
        finally:
            self.done(ticket)


class PoliteRetries:
    """Retries and budgets of a client; a subclass sets the attributes below in its ``__init__``.

    ``max_attempts``, ``time_budget``, ``error_budget``, ``backoff`` and ``backoff_max`` as the
    clients document them; ``_limiter`` (a :class:`RateLimiter`), ``_lock``, ``stats`` (with
    ``requests``, ``retries``, ``errors`` and ``stopped_early``), and ``_budget_error`` (the class
    raised once the error budget is spent). :meth:`_give_up` makes the error a request raises after
    its last attempt.
    """

    max_attempts: int
    time_budget: float
    error_budget: float
    backoff: float
    backoff_max: float
    stats: dict[str, Any]
    _limiter: RateLimiter
    _lock: threading.Lock
    _budget_error: type[Exception]
    _run: dict[str, Any]

    def _start_run(self) -> None:
        """Begin a new run: the error budget counts from here."""
        with self._lock:
            self._run = {"requests": 0, "errors": 0, "stopped": False}

    def _give_up(self, what: str, message: str) -> Exception:
        raise NotImplementedError

    def _stopped(self, requests: int, errors: int) -> None:
        """Called once when the error budget stops a run (a client may log it)."""

    def _retrying(self, call: Callable[[], T], what: str, attempts: int | None = None) -> T:
        """Run ``call`` with back-off until it succeeds, a non-retryable error, or a budget ends."""
        attempts = attempts or self.max_attempts
        made = 0
        retrying = Retrying(
            stop=stop_after_attempt(attempts) | stop_before_delay(self.time_budget),
            wait=self._wait, retry=retry_if_exception_type(Retryable), reraise=True,
            before_sleep=lambda _state: self._bump("retries"))
        try:
            for attempt in retrying:
                with attempt:
                    made += 1
                    return call()
        except Retryable as exc:
            raise self._give_up(what, f"gave up after {made} attempt{'s' * (made > 1)}: {exc}") from exc
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        """The service's Retry-After when it gave one, else exponential back-off plus random jitter."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Retryable) and exc.retry_after is not None:
            self._limiter.pause(exc.retry_after)  # every thread holds back, not only this one
            return exc.retry_after
        base = min(self.backoff_max, self.backoff * 2 ** (state.attempt_number - 1))
        return base + random.uniform(0, base)  # noqa: S311 - jitter, not security

    def _failed(self, error: Exception) -> Exception:
        self._bump("errors")
        return error

    def _check_error_budget(self) -> None:
        with self._lock:
            run = self._run
            if not run["stopped"] and run["requests"] >= ERROR_BUDGET_MIN_REQUESTS \
                    and run["errors"] > self.error_budget * run["requests"]:
                run["stopped"] = self.stats["stopped_early"] = True
                self._stopped(run["requests"], run["errors"])
            if run["stopped"]:
                raise self._budget_error(STOPPED_EARLY)

    def _bump(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1
            if key in ("requests", "errors"):
                self._run[key] += 1


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds; an HTTP date is read as 'soon')."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def describe(exc: BaseException) -> str:
    """An exception in a few words for a one-line reason: its type and its message."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
