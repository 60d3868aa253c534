"""CrossrefClient under faults and limits: retries, Retry-After, budgets, the rate limiter."""

from __future__ import annotations

import logging

import pytest

from evidence_review.records.crossref import STOPPED_EARLY

DOI = "10.5555/sample.13799"
BATCH = ["10.5555/sample.13799", "10.5555/sample.0b0002", "10.5555/sample.cd012345"]


def starts(standin, kind=None) -> list[float]:
    return [r.started for r in standin.requests(kind)]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_until_success(standin, client, status):
    standin.add_fault(kind="status", status=status, times=2)
    assert client.get_work(DOI).status == "ok"
    assert [r.status for r in standin.requests()] == [status, status, 200]
    assert client.stats["retries"] == 2 and client.stats["statuses"] == {status: 2, 200: 1}


def test_backoff_grows_between_attempts(standin, make_client):
    standin.add_fault(kind="status", status=503, times=3)
    assert make_client(backoff=0.02, backoff_max=1.0).get_work(DOI).status == "ok"
    t = starts(standin)
    gaps = [b - a for a, b in zip(t, t[1:], strict=False)]
    for n, gap in enumerate(gaps):
        assert gap >= 0.02 * 2**n  # base back-off doubles; jitter only adds


def test_persistent_failure_gives_up_with_a_reason(standin, client):
    standin.add_fault(kind="status", status=503)
    outcome = client.get_work(DOI)
    assert outcome.status == "error" and outcome.message is None
    assert outcome.reason == "gave up after 4 attempts: 503 Service Unavailable"
    assert standin.total_requests == 4


def test_retry_after_is_honoured(standin, client):
    standin.add_fault(kind="status", status=429, retry_after=0.2, times=1)  # 4x the test back-off cap
    assert client.get_work(DOI).status == "ok"
    first, second = starts(standin)
    assert second - first >= 0.2  # measured where it counts: when the stand-in saw them
    assert client.stats["429s"] == 1


def test_retry_after_also_holds_back_other_threads(standin, make_client):
    standin.add_fault(kind="status", status=429, retry_after=0.2, times=1, kinds=("work",))
    odd = [f"10.5555/odd#{i}" for i in range(4)]  # not batchable: one request each, in parallel
    standin.add_records({d: {"DOI": d} for d in odd})
    # One at a time, so the 429 arrives before the next start (at 10 per second the limiter lets
    # the four start together); the threads still queue for the slot, and the one that gets it
    # next must wait for the pause.
    client = make_client(rate=None, concurrency=1)
    assert {o.status for o in client.get_works(odd).values()} == {"ok"}
    refused = next(r.started for r in standin.requests() if r.status == 429)
    others = [t for t in starts(standin) if t > refused]
    assert len(others) == 4  # three other DOIs and the retry, all held until Retry-After passed
    assert all(t - refused >= 0.2 for t in others)


def test_retry_after_beyond_the_time_budget_gives_up_at_once(standin, make_client):
    standin.add_fault(kind="status", status=429, retry_after=30)
    outcome = make_client(time_budget=2.0).get_work(DOI)
    assert outcome.reason == "gave up after 1 attempt: 429 Too Many Requests"
    assert standin.total_requests == 1


def test_connection_reset_is_retried(standin, client):
    standin.add_fault(kind="reset", times=1)
    assert client.get_work(DOI).status == "ok"
    assert [r.status for r in standin.requests()] == [0, 200]


def test_hang_times_out_and_is_retried(standin, make_client):
    standin.add_fault(kind="hang", delay=2.0, times=1)
    client = make_client(timeout=0.3)
    assert client.get_work(DOI).status == "ok"
    assert standin.total_requests == 2


def test_hanging_every_time_gives_up(standin, make_client):
    standin.add_fault(kind="hang", delay=2.0)
    outcome = make_client(timeout=0.2, max_attempts=2).get_work(DOI)
    assert outcome.reason == "gave up after 2 attempts: no answer within 0.2 s"


@pytest.mark.parametrize("kind", ["truncated", "not-json", "wrong-type", "wrong-doi"])
@pytest.mark.parametrize("route", ["work", "batch"])
def test_bad_bodies_are_retried(standin, client, kind, route):
    standin.add_fault(kind=kind, times=1, kinds=(route,))
    dois = [DOI] if route == "work" else BATCH
    assert {o.status for o in client.get_works(dois).values()} == {"ok"}
    assert [r.status for r in standin.requests(route)] == [200, 200]
    assert client.stats["retries"] == 1 and client.stats["errors"] == 1


def test_bad_body_every_time_is_reported(standin, client):
    standin.add_fault(kind="wrong-doi")
    outcome = client.get_work(DOI)
    assert outcome.reason == ("gave up after 4 attempts: unexpected answer: a work for "
                              "'10.5555/not-what-you-asked', not '10.5555/sample.13799'")


def test_error_budget_stops_the_run_early(standin, make_client, caplog):
    odd = [f"10.5555/odd#{i}" for i in range(20)]  # one request each
    standin.add_fault(kind="status", status=503)
    client = make_client(max_attempts=3, concurrency=1)
    with caplog.at_level(logging.WARNING, logger="evidence_review.records.crossref"):
        outcomes = client.get_works(odd)
    reasons = [o.reason for o in outcomes.values()]
    assert reasons[:3] == ["gave up after 3 attempts: 503 Service Unavailable"] * 3
    assert reasons[-16:] == [STOPPED_EARLY] * 16
    assert standin.total_requests == 10  # the budget applies from the 10th request on
    assert client.stats["stopped_early"] is True
    assert "error budget exceeded" in caplog.text and "not asked" in caplog.text


def test_error_budget_is_per_run(standin, make_client):
    standin.add_fault(kind="status", status=503, times=12)
    client = make_client(max_attempts=3, concurrency=1)
    client.get_works([f"10.5555/odd#{i}" for i in range(6)])
    assert client.stats["stopped_early"]
    assert client.get_work(DOI).status == "ok"  # a new run starts with a clean budget


@pytest.mark.slow
def test_limiter_keeps_within_the_polite_pool(standin, make_client):
    """10 requests/s and 5 at once, enforced by the stand-in: the client gets no 429."""
    standin.rate_limit, standin.enforce_rate, standin.max_concurrent = 10, True, 5
    standin.latency = 0.05
    odd = [f"10.5555/odd#{i}" for i in range(15)]
    standin.add_records({d: {"DOI": d} for d in odd})
    client = make_client(rate=None)  # polite pool defaults; follows x-rate-limit-* = 10 per 1s
    client.get_work(DOI)  # the first answer tells it the limit
    outcomes = client.get_works(odd)
    assert {o.status for o in outcomes.values()} == {"ok"}
    assert standin.statuses[429] == 0 and client.stats["429s"] == 0
    assert standin.peak_in_flight <= 5
    t = starts(standin)
    assert max(sum(1 for u in t if s <= u < s + 1.0) for s in t) <= 10


@pytest.mark.slow
def test_limiter_keeps_within_the_public_pool(standin, make_client):
    """Without a mailto: one request at a time, 5/s."""
    standin.rate_limit, standin.enforce_rate, standin.max_concurrent = 5, True, 1
    odd = [f"10.5555/odd#{i}" for i in range(6)]
    standin.add_records({d: {"DOI": d} for d in odd})
    client = make_client(mailto=None, rate=None)
    assert client.concurrency == 1
    assert {o.status for o in client.get_works(odd).values()} == {"ok"}
    assert standin.statuses[429] == 0 and standin.peak_in_flight == 1
    t = starts(standin)
    assert max(sum(1 for u in t if s <= u < s + 1.0) for s in t) <= 5


def test_explicit_rate_is_a_ceiling_over_advertised_limits(standin, make_client):
    standin.rate_limit = 1000
    client = make_client(rate=4.0)
    client.get_work(DOI)
    assert "rate=4/s" in repr(client)
