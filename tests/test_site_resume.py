"""An interrupted scan resumes where it stopped, without asking again for what the store holds;
the CPU work gives the same answers on a one-worker Dask LocalCluster as in-process."""

from __future__ import annotations

import re

import pytest

from evidence_review.intake import article as article_mod
from evidence_review.intake import extract, reflist
from evidence_review.records.standin import CrossrefStandIn
from evidence_review.site import engine as engine_mod
from evidence_review.site import pages as page_work
from evidence_review.site import scan as scan_mod
from evidence_review.site import synthetic
from evidence_review.site.store import SiteStore

FAST = {"rate": 1000.0, "backoff": 0.01, "backoff_max": 0.05}


@pytest.fixture
def site(tmp_path):
    (tmp_path / "data").mkdir()
    synthetic.write_site(tmp_path / "site", pages=30, per_page=8, works=200, seed=5)
    with CrossrefStandIn(rate_limit=1000, max_lifetime=120) as api:
        api.add_synthetic(200)
        yield tmp_path, api


def _scan(root, api, **kw):
    return scan_mod.scan([str(root / "site")], "syn", root, base_url=api.base_url, client_options=FAST,
                         say=None, report=False, workers=0, **kw)


def _stages(root):
    with SiteStore("syn", root, read_only=True) as store:
        return dict(store.con.execute("SELECT stage, count(*) FROM pages GROUP BY stage").fetchall())


def _dois_asked(api) -> list[str]:
    return [d for r in api.requests("batch") for d in re.findall(r"doi:([^,&]+)", r.target)]


def test_interrupted_while_reading(site, monkeypatch):
    root, api = site
    calls = {"n": 0}
    real = page_work.read_pages

    def stop_after_one_chunk(items):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(items)

    monkeypatch.setattr(page_work, "read_pages", stop_after_one_chunk)
    with pytest.raises(KeyboardInterrupt):
        _scan(root, api)
    assert _stages(root) == {"read": engine_mod.CHUNK, "listed": 30 - engine_mod.CHUNK}
    read = []
    monkeypatch.setattr(page_work, "read_pages", lambda items: read.extend(items) or real(items))
    result = _scan(root, api)
    assert len(read) == 30 - engine_mod.CHUNK  # only the pages not read before
    assert result.stages == {"audited": 30}
    asked = _dois_asked(api)
    assert len(asked) == len(set(asked))  # no DOI was asked twice across the two runs
    with SiteStore("syn", root, read_only=True) as store:
        assert store.con.execute("SELECT list(completed ORDER BY check_id) FROM checks").fetchone()[0] == [
            False, True]


def test_interrupted_while_auditing_asks_crossref_nothing_again(site, monkeypatch):
    root, api = site
    real = page_work.resolve_audit_pages
    calls = {"n": 0}

    def stop_on_second_chunk(pages):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(pages)

    monkeypatch.setattr(page_work, "resolve_audit_pages", stop_on_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        _scan(root, api)
    asked = api.total_requests
    assert asked == api.summary()["counts"]["batch"] >= 1
    assert _stages(root) == {"audited": engine_mod.CHUNK, "read": 30 - engine_mod.CHUNK}
    monkeypatch.setattr(page_work, "resolve_audit_pages", real)
    result = _scan(root, api)
    assert result.stages == {"audited": 30}
    assert api.total_requests == asked  # the rest came from the shared cache
    assert result.crossref["cache_hits"] > 0


def test_one_worker_local_cluster_gives_the_in_process_answers(site):
    root, _ = site
    items = [(p.stem, str(p), p.name) for p in sorted((root / "site").glob("*.html"))[:6]]
    with engine_mod.Engine(1000, workers=1, progress=False) as engine:
        assert engine.mode == "local-cluster"
        remote = [r for chunk in engine.map(page_work.read_pages, items, "read", chunk=2) for r in chunk]
    local = page_work.read_pages(items)
    assert sorted(remote, key=lambda r: r["page_id"]) == sorted(local, key=lambda r: r["page_id"])
    assert all(r["ok"] and len(r["rows"]) == 8 and r["n_markers"] > 0 for r in local)


def test_memoised_parse_list_equals_intake(site):
    """The scan's parse_list (memoised per process) gives intake's parse_list, numbers included."""
    root, _ = site
    markdown, _meta = extract.to_markdown(sorted((root / "site").glob("*.html"))[0])
    entries = article_mod.parse_markdown(markdown).references
    labelled = [f"[{i}] {e}" for i, e in enumerate(entries, start=40)]
    for listing in (entries, labelled, entries[::-1], entries):  # the last one: all cache hits
        expected = [r.to_dict() for r in reflist.parse_list(listing)]
        assert page_work.parse_list(listing) == expected
    assert page_work._parse_entry.cache_info().hits >= len(entries)


def test_small_runs_stay_in_process(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert engine_mod.Engine(engine_mod.IN_PROCESS_BELOW - 1, workers=2).mode == "in-process"
    assert engine_mod.Engine(engine_mod.IN_PROCESS_BELOW, workers=2).mode == "local-cluster"
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:8786")
    cluster = engine_mod.Engine(5)
    assert cluster.mode == "cluster" and cluster.address == "tcp://127.0.0.1:8786"
