"""The Crossref stand-in itself: routes and shapes, limits, faults, bookkeeping, lifetime."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import httpx2
import pytest

from evidence_review.records.standin import CrossrefStandIn, Fault


def get(api: CrossrefStandIn, path: str, **kwargs) -> httpx2.Response:
    return httpx2.get(api.base_url + path, timeout=2.0, **kwargs)


def test_work_route_returns_the_work_envelope(standin):
    r = get(standin, "/works/10.5555/SAMPLE.13799")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert {k: body[k] for k in ("status", "message-type", "message-version")} == {
        "status": "ok", "message-type": "work", "message-version": "1.0.0"}
    assert body["message"]["DOI"] == "10.5555/sample.13799"
    assert r.headers["x-rate-limit-limit"] == "1000" and r.headers["x-rate-limit-interval"] == "1s"


def test_unknown_doi_is_a_plain_text_404(standin):
    r = get(standin, "/works/10.9999/unknown")
    assert r.status_code == 404 and r.text == "Resource not found."
    assert r.headers["content-type"].startswith("text/plain")


def test_filter_route_returns_a_work_list(standin):
    r = get(standin, "/works", params={"filter": "doi:10.5555/sample.13799,doi:10.9999/unknown",
                                       "rows": "2"})
    body = r.json()
    assert body["message-type"] == "work-list"
    message = body["message"]
    assert message["total-results"] == 1 and message["items-per-page"] == 2
    assert [i["DOI"] for i in message["items"]] == ["10.5555/sample.13799"]
    assert "query" in message


def test_query_route_scores_items(standin):
    r = get(standin, "/works", params={"query.bibliographic": "magnesium cramps cochrane",
                                       "rows": "1"})
    items = r.json()["message"]["items"]
    assert len(items) == 1 and items[0]["DOI"] == "10.5555/sample.CD012345"
    assert items[0]["score"] > 0


def test_agency_route(standin):
    other = get(standin, "/works/10.5061/dryad.example/agency").json()
    assert other["message-type"] == "work-agency"
    assert other["message"]["agency"] == {"id": "datacite", "label": "DataCite"}
    own = get(standin, "/works/10.5555/sample.13799/agency").json()
    assert own["message"]["agency"]["id"] == "crossref"
    assert get(standin, "/works/10.9999/x/agency").status_code == 404


def test_requests_are_counted_by_kind_with_headers(standin):
    get(standin, "/works/10.5555/sample.13799", headers={"User-Agent": "probe/1"})
    get(standin, "/works", params={"filter": "doi:10.1/x"})
    assert standin.counts == {"work": 1, "batch": 1}
    assert standin.requests("work")[0].user_agent == "probe/1"
    assert standin.requests("batch")[0].status == 200


def test_fault_schedule_first_two_requests(standin):
    standin.add_fault(Fault("status", status=503, times=2))
    assert [get(standin, "/works/10.5555/sample.13799").status_code for _ in range(3)] == \
        [503, 503, 200]


def test_faults_match_a_doi(standin):
    standin.add_fault(kind="status", status=500, match="sample.0b0002")
    assert get(standin, "/works/10.5555/sample.0b0002").status_code == 500
    assert get(standin, "/works/10.5555/sample.13799").status_code == 200


def test_429_fault_carries_retry_after(standin):
    standin.add_fault(kind="status", status=429, retry_after=3)
    r = get(standin, "/works/10.5555/sample.13799")
    assert r.status_code == 429 and r.headers["retry-after"] == "3"


@pytest.mark.parametrize(("kind", "check"), [
    ("truncated", lambda r: pytest.raises(ValueError, r.json)),
    ("not-json", lambda r: pytest.raises(ValueError, r.json)),
    ("wrong-type", lambda r: r.headers["content-type"].startswith("text/html")),
    ("wrong-doi", lambda r: r.json()["message"]["DOI"] == "10.5555/not-what-you-asked"),
])
def test_body_faults(standin, kind, check):
    standin.add_fault(kind=kind)
    r = get(standin, "/works/10.5555/sample.13799")
    assert r.status_code == 200 and check(r)


def test_reset_and_hang(standin):
    standin.add_fault(kind="reset", times=1)
    with pytest.raises(httpx2.TransportError):
        get(standin, "/works/10.5555/sample.13799")
    standin.add_fault(kind="hang", delay=5, times=1)
    with pytest.raises(httpx2.ReadTimeout):
        httpx2.get(standin.base_url + "/works/10.5555/sample.13799", timeout=0.2)
    assert standin.requests()[-1].status is None  # still hanging; released at shutdown


def test_rate_limit_is_enforced_with_retry_after():
    with CrossrefStandIn({"10.1/a": {"DOI": "10.1/a"}}, rate_limit=3, enforce_rate=True) as api:
        statuses = [get(api, "/works/10.1/a") for _ in range(5)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
    assert statuses[3].headers["retry-after"] == "1"


def test_concurrency_limit_is_enforced():
    with CrossrefStandIn({"10.1/a": {"DOI": "10.1/a"}}, max_concurrent=1, latency=0.3) as api:
        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.append(
            get(api, "/works/10.1/a").status_code)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == [200, 429, 429]
    assert api.peak_in_flight == 1


def test_stops_on_exit_and_after_its_lifetime():
    with CrossrefStandIn() as api:
        url = api.base_url
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(url + "/works/10.1/a", timeout=1.0)
    api = CrossrefStandIn(max_lifetime=0.2).start()
    assert api._stopping.wait(2.0)


def test_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("explode")


def test_runs_as_a_process(tmp_path):
    records = tmp_path / "records.json"
    records.write_text(json.dumps([{"DOI": "10.1/file", "title": ["From a file"]}]))
    proc = subprocess.Popen([sys.executable, "-m", "evidence_review.records.standin", "--synthetic", "3",
                             "--records", str(records), "--max-lifetime", "30"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        base_url = proc.stdout.readline().strip()
        assert httpx2.get(base_url + "/works/10.5555/bench.000002", timeout=2).status_code == 200
        assert httpx2.get(base_url + "/works/10.1/file", timeout=2).status_code == 200
    finally:
        proc.stdin.close()  # closing stdin tells it to stop
        assert proc.wait(timeout=10) == 0
        proc.stdout.close()


def test_answers_on_a_kept_alive_connection_do_not_wait_for_the_clients_ack(standin, monkeypatch):
    """The headers and the body are two writes: with Nagle's algorithm on, the body waited for the
    client's delayed ACK of the headers, ~40 ms an answer (20 answers: ~0.9 s; without: ~15 ms).
    Checked on the socket the stand-in answers on (TCP_NODELAY), not by a timing a loaded machine
    could break."""
    import socket

    from evidence_review.records import standin as standin_mod

    seen = []
    setup = standin_mod._Handler.setup

    def recording_setup(handler):
        setup(handler)
        seen.append(handler.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(standin_mod._Handler, "setup", recording_setup)
    doi = next(iter(standin.works))
    with httpx2.Client(base_url=standin.base_url) as client:
        assert client.get(f"/works/{doi}").status_code == 200
    assert seen and all(seen), seen
