"""CrossrefClient against the stand-in: batching, fallback, agency, cache, configuration."""

from __future__ import annotations

import logging

import pytest
from sample_records import SAMPLE_OTHER_AGENCY

from evidence_review.core.errors import CrossrefError
from evidence_review.records.crossref import DEFAULT_BASE_URL, CrossrefClient, WorkOutcome
from evidence_review.records.standin import Fault

MAILTO = "reviewer@example.org"  # as in conftest.make_client
DATACITE_DOI = next(iter(SAMPLE_OTHER_AGENCY))


def test_many_dois_take_one_batch_request(standin, client):
    dois = standin.add_synthetic(40)
    outcomes = client.get_works(dois)
    assert [o.status for o in outcomes.values()] == ["ok"] * 40
    assert standin.counts == {"batch": 1}
    assert client.stats["requests"] == 1


def test_outcomes_are_keyed_by_normalised_doi_in_input_order(standin, client):
    outcomes = client.get_works(["https://doi.org/10.5555/SAMPLE.0b0002.",
                                 "doi:10.5555/SAMPLE.13799", "10.5555/sample.13799"])
    assert list(outcomes) == ["10.5555/sample.0b0002", "10.5555/sample.13799"]
    first = outcomes["10.5555/sample.0b0002"]
    assert first == WorkOutcome("10.5555/sample.0b0002", "ok", first.message, None)
    assert first.message["volume"] == "74"


def test_batches_respect_the_batch_size(standin, client):
    dois = standin.add_synthetic(250)
    assert all(o.status == "ok" for o in client.get_works(dois).values())
    assert standin.counts == {"batch": 3}


def test_dois_a_batch_omitted_are_asked_one_by_one(standin, client):
    standin.hidden_from_filter = {"10.5555/sample.13799"}
    outcomes = client.get_works([*RECORD_DOIS, "10.9999/unknown"])
    assert outcomes["10.5555/sample.13799"].status == "ok"
    assert outcomes["10.9999/unknown"].status == "not-found"
    # one batch, then /works/{doi} for the two it left out, and one agency question for the 404
    assert standin.counts == {"batch": 1, "work": 2, "agency": 1}


def test_single_doi_uses_the_work_route(standin, client):
    outcome = client.get_work("10.5555/SAMPLE.13799")
    assert outcome.status == "ok" and outcome.message["DOI"] == "10.5555/sample.13799"
    assert standin.counts == {"work": 1}


def test_404_asks_the_agency_once_and_names_it(standin, client):
    outcome = client.get_work(DATACITE_DOI)
    assert outcome.status == "not-found"
    assert outcome.agency == "datacite"
    assert outcome.reason.startswith("Crossref answered 404 Resource not found")
    assert "datacite" in outcome.reason
    assert standin.counts == {"work": 1, "agency": 1}  # a 404 is not retried


def test_agency_is_asked_only_once_even_when_it_fails(standin, client):
    standin.add_fault(kind="status", status=503, kinds=("agency",))
    outcome = client.get_work("10.9999/unknown")
    assert outcome.status == "not-found" and outcome.agency is None
    assert standin.counts == {"work": 1, "agency": 1}


def test_crossref_agency_is_not_reported_as_elsewhere(standin, client):
    assert client.agency("10.5555/sample.13799") == "crossref"
    assert client.agency(DATACITE_DOI) == "datacite"
    assert client.agency("10.9999/unknown") is None


def test_text_that_is_not_a_doi_is_an_error_without_a_request(standin, client):
    outcome = client.get_works(["see reference 3"])["see reference 3"]
    assert outcome.status == "error" and "is not a DOI" in outcome.reason
    assert standin.total_requests == 0


def test_doi_with_reserved_characters_is_quoted_in_the_path(standin, client):
    odd = "10.5555/odd#1?x"
    standin.add_records({odd: {"DOI": odd, "title": ["Odd"]}})
    assert client.get_work(odd).status == "ok"
    assert standin.requests()[0].target == f"/works/{odd}"


def test_warm_cache_makes_no_request(standin, make_client, tmp_path):
    dois = [*RECORD_DOIS, DATACITE_DOI]
    cold = make_client(cache_dir=tmp_path).get_works(dois)
    asked = standin.total_requests
    warm_client = make_client(cache_dir=tmp_path)
    warm = warm_client.get_works(dois)
    assert standin.total_requests == asked
    assert warm_client.stats["requests"] == 0 and warm_client.stats["cache_hits"] == 4
    assert all(o.from_cache for o in warm.values())
    assert {d: (o.status, o.message, o.agency) for d, o in warm.items()} == \
        {d: (o.status, o.message, o.agency) for d, o in cold.items()}
    assert (warm_client.cache_root / "10.5555_sample.13799.json").is_file()
    assert warm_client.cache_root.parent == tmp_path  # one folder per server under the cache


def test_refresh_asks_again(standin, make_client, tmp_path):
    make_client(cache_dir=tmp_path).get_works(RECORD_DOIS)
    standin.clear()
    again = make_client(cache_dir=tmp_path).get_works(RECORD_DOIS, refresh=True)
    assert standin.counts == {"batch": 1}
    assert not any(o.from_cache for o in again.values())


def test_unreadable_cache_entry_is_asked_again(standin, make_client, tmp_path):
    client = make_client(cache_dir=tmp_path)
    client.get_work("10.5555/sample.13799")
    (client.cache_root / "10.5555_sample.13799.json").write_text("{not json")
    standin.clear()
    assert make_client(cache_dir=tmp_path).get_work("10.5555/sample.13799").status == "ok"
    assert standin.counts == {"work": 1}


def test_bibliographic_query_returns_scored_items_best_first(standin, client):
    items = client.query_bibliographic("Assessment symptomatic treatment muscle cramps Neurology",
                                       rows=2)
    assert items[0]["DOI"] == "10.5555/SAMPLE.0b0002"
    assert len(items) == 2 and items[0]["score"] >= items[1]["score"]
    assert standin.counts == {"query": 1}


def test_bibliographic_query_failure_raises_crossref_error(standin, make_client):
    standin.add_fault(kind="status", status=503)
    with pytest.raises(CrossrefError, match="gave up after 2 attempts: 503"):
        make_client(max_attempts=2).query_bibliographic("anything")


def test_mailto_travels_in_the_user_agent(standin, client):
    client.get_work("10.5555/sample.13799")
    agent = standin.requests()[0].user_agent
    assert f"(mailto:{MAILTO})" in agent and "habanero/2.9.2" in agent
    assert "mailto" not in standin.requests()[0].target  # not a query parameter


def test_configuration_comes_from_the_environment(standin, monkeypatch):
    monkeypatch.setenv("CROSSREF_BASE_URL", standin.base_url)
    monkeypatch.setenv("CROSSREF_MAILTO", "env@example.org")
    with CrossrefClient() as client:
        assert client.get_work("10.5555/sample.13799").status == "ok"
    assert "(mailto:env@example.org)" in standin.requests()[0].user_agent
    monkeypatch.delenv("CROSSREF_BASE_URL")
    assert CrossrefClient().base_url == DEFAULT_BASE_URL


def test_pool_defaults_follow_crossref_limits(standin):
    public = CrossrefClient(base_url=standin.base_url)
    polite = CrossrefClient(base_url=standin.base_url, mailto=MAILTO)
    assert public.concurrency == 1 and "rate=5/s" in repr(public)
    assert polite.concurrency == 5 and "rate=10/s" in repr(polite)


def test_plus_token_is_only_a_header(standin, make_client, monkeypatch, caplog, tmp_path):
    token = "plus-secret-7f3a9c"
    caplog.set_level(logging.DEBUG)
    client = make_client(plus_token=token, cache_dir=tmp_path)
    client.get_works([*RECORD_DOIS, "10.9999/unknown"])
    seen = standin.requests()
    assert all(r.headers.get("crossref-plus-api-token") == f"Bearer {token}" for r in seen)
    assert all(token not in r.target and token not in r.user_agent for r in seen)
    assert token not in repr(client) and token not in str(vars(client))
    assert token not in caplog.text
    assert not any(token in p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    monkeypatch.setenv("CROSSREF_PLUS_TOKEN", token)
    assert make_client().uses_plus_token


def test_no_plus_header_without_a_token(standin, client):
    client.get_work("10.5555/sample.13799")
    assert "crossref-plus-api-token" not in standin.requests()[0].headers


def test_progress_bar_is_quiet_when_stderr_is_not_a_terminal(standin, client, capsys):
    client.get_works(standin.add_synthetic(20))
    assert capsys.readouterr().err == ""


def test_progress_bar_can_be_forced(standin, make_client, capsys):
    make_client(progress=True).get_works(standin.add_synthetic(20))
    assert "Crossref:" in capsys.readouterr().err


def test_failed_batch_reports_every_doi(standin, make_client):
    standin.add_fault(Fault("status", status=503, kinds=("batch",)))
    outcomes = make_client(max_attempts=2).get_works(RECORD_DOIS)
    assert {o.status for o in outcomes.values()} == {"error"}
    assert {o.reason for o in outcomes.values()} == {
        "gave up after 2 attempts: 503 Service Unavailable"}


def test_refused_batch_falls_back_to_one_request_per_doi(standin, client):
    standin.add_fault(Fault("status", status=400, kinds=("batch",)))
    outcomes = client.get_works(RECORD_DOIS)
    assert {o.status for o in outcomes.values()} == {"ok"}
    assert standin.counts == {"batch": 1, "work": 3}  # a 400 is not retried


RECORD_DOIS = ["10.5555/sample.13799", "10.5555/sample.0b0002", "10.5555/sample.cd012345"]


def test_on_settled_reports_each_outcome_once_as_it_settles(standin, make_client, tmp_path):
    dois = standin.add_synthetic(250)
    make_client(cache_dir=tmp_path).get_works(dois[:30])  # 30 answers in the cache
    standin.hidden_from_filter = {dois[-1]}  # one asked on its own after the batches
    groups: list[dict] = []
    client = make_client(cache_dir=tmp_path)
    outcomes = client.get_works([*dois, "10.9999/unknown"], on_settled=groups.append)
    seen = [doi for group in groups for doi in group]
    assert sorted(seen) == sorted(outcomes) and len(seen) == len(set(seen))
    assert set(groups[0]) == set(dois[:30]) and all(o.from_cache for o in groups[0].values())
    assert all(outcome == outcomes[doi] for group in groups for doi, outcome in group.items())
    assert len(groups) >= 1 + 3  # the cache, then one group per batch, then each single DOI
    assert outcomes["10.9999/unknown"].status == "not-found" and outcomes[dois[-1]].status == "ok"


def test_cache_entries_are_the_standard_librarys_json(standin, make_client, tmp_path):
    import json

    client = make_client(cache_dir=tmp_path)
    client.get_works([*RECORD_DOIS, "10.9999/unknown"])
    entries = sorted(client.cache_root.iterdir())
    assert entries and not [p for p in entries if p.name.startswith(".")]  # no temporary files left
    for path in entries:
        text = path.read_text("utf-8")
        assert text == json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert (client.cache_root / "10.9999_unknown.404.json").is_file()
    # a DOI found after a 404 was cached: the 404 entry goes
    standin.add_records({"10.9999/unknown": {"DOI": "10.9999/unknown", "title": ["Found later"]}})
    make_client(cache_dir=tmp_path).get_works(["10.9999/unknown"], refresh=True)
    assert not (client.cache_root / "10.9999_unknown.404.json").exists()
    assert (client.cache_root / "10.9999_unknown.json").is_file()


def test_batch_answers_are_cached_by_one_thread_not_by_the_threads_that_send(standin, make_client,
                                                                              tmp_path, monkeypatch):
    import threading

    from evidence_review.records.cache import EntryFolder

    writers: list[str] = []
    write = EntryFolder.write

    def recording(self, name, obj):
        writers.append(threading.current_thread().name)
        write(self, name, obj)

    monkeypatch.setattr(EntryFolder, "write", recording)
    dois = standin.add_synthetic(250)  # three batches
    outcomes = make_client(cache_dir=tmp_path).get_works(dois)
    assert all(o.status == "ok" for o in outcomes.values())
    assert len(writers) == 250 and {w.rsplit("_", 1)[0] for w in writers} == {"crossref-cache"}
    # every entry is written by the time get_works returns: a new client asks nothing
    warm = make_client(cache_dir=tmp_path)
    assert all(o.status == "ok" for o in warm.get_works(dois).values())
    assert warm.stats["requests"] == 0
