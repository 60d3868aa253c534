"""The Crossref client's pacing (the one client of a site scan and recheck): at most N requests in
any interval, counted from each earlier request's answer, so arrivals can never be closer."""

from __future__ import annotations

import threading
import time

from evidence_review.records import politeness
from evidence_review.records.politeness import GUARD_S, RateLimiter


def test_a_request_waits_one_interval_after_the_answer_limit_requests_back(monkeypatch):
    monkeypatch.setattr(politeness, "ARRIVAL_CAP_S", 1.0)
    limiter = RateLimiter(10.0, interval=0.3)  # 10/s: 3 per 0.3 s
    assert (limiter.limit, round(limiter.interval, 6)) == (3, 0.3)
    t0 = time.monotonic()
    first = [limiter.acquire() for _ in range(3)]  # a burst of 3 is allowed
    assert time.monotonic() - t0 < 0.05
    time.sleep(0.1)
    answered = time.monotonic()
    limiter.done(first[0])  # its answer came 0.1 s after it started
    for ticket in first[1:]:
        limiter.done(ticket)
    fourth = limiter.acquire()
    assert fourth[0] >= answered + 0.3 + GUARD_S - 1e-3  # counted from the answer, not the start


def test_a_slow_answer_counts_as_arrived_after_the_cap(monkeypatch):
    monkeypatch.setattr(politeness, "ARRIVAL_CAP_S", 0.3)
    limiter = RateLimiter(5.0, interval=0.2)  # 5/s: 1 per 0.2 s
    hung = limiter.acquire()  # not answered before the next one may start
    second = limiter.acquire()
    assert 0.3 + 0.2 + GUARD_S - 1e-3 <= second[0] - hung[0] < 1.0


def test_an_answer_wakes_a_waiting_thread_early(monkeypatch):
    monkeypatch.setattr(politeness, "ARRIVAL_CAP_S", 1.0)
    limiter = RateLimiter(20.0, interval=0.05)  # 1 per 0.05 s
    ticket = limiter.acquire()
    started: list[float] = []
    waiter = threading.Thread(target=lambda: started.append(limiter.acquire()[0]))
    waiter.start()
    time.sleep(0.05)
    limiter.done(ticket)
    waiter.join(2)
    assert started and started[0] - ticket[0] < 0.8  # did not sleep until the cap (1.06 s)


def test_rates_below_one_per_interval_are_spaced():
    limiter = RateLimiter(0.5)
    assert (limiter.limit, limiter.interval) == (1, 2.0)
