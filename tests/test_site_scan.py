"""`evidence-review scan`: a folder of saved pages → the site store and the site report."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from evidence_review.cli import main as cli
from evidence_review.records.standin import CrossrefStandIn
from evidence_review.site import queries, synthetic
from evidence_review.site import scan as scan_mod
from evidence_review.site.store import SiteStore

FIXTURE = Path(__file__).parent / "fixtures" / "site"
RECORDS = json.loads((FIXTURE / "records.json").read_text(encoding="utf-8"))
FAST = {"rate": 1000.0, "backoff": 0.01, "backoff_max": 0.05, "timeout": 5.0}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    shutil.copytree(FIXTURE / "pages", tmp_path / "pages")
    return tmp_path


@pytest.fixture
def api():
    with CrossrefStandIn(RECORDS, rate_limit=1000, max_lifetime=120) as server:
        yield server


def run_scan(root: Path, api: CrossrefStandIn, sources=None, **kwargs):
    kwargs.setdefault("client_options", FAST)
    return scan_mod.scan(sources or [str(root / "pages")], "demo", root, base_url=api.base_url,
                         mailto="qa@example.org", say=None, **kwargs)


def test_scan_of_a_folder_builds_the_store(root, api):
    result = run_scan(root, api)
    assert result.stages == {"audited": 3, "failed": 2}
    assert result.problems == {"no-references": 1, "unreadable": 1}
    with SiteStore("demo", root, read_only=True) as store:
        pages = store.frame("SELECT location, stage, problem, n_references FROM pages ORDER BY location")
        assert list(pages["location"]) == [f"pages/{n}" for n in ("about-us.html", "corrupt.htm",
                                                                  "hydration.md", "knee-exercise.html",
                                                                  "sleep-screens.html")]
        assert list(pages["n_references"].fillna(0)) == [0, 0, 3, 4, 4]
        refs = store.frame('SELECT p.location, r.ref, r.status, r.doi FROM "references" r '
                           "JOIN pages p USING (page_id) ORDER BY p.location, r.position")
        repaired = refs[refs["status"] == "repaired"]
        assert list(repaired["doi"]) == ["10.5555/site.cbt.2018"]
        assert refs["status"].value_counts().to_dict() == {"matched": 9, "repaired": 1,
                                                           "not-in-crossref": 1}
        stored = store.records()
        assert set(stored) == {r["DOI"] for r in RECORDS}  # one record per DOI, however often cited
        assert store.con.execute("SELECT completed, requests FROM checks").fetchall() == [(True, 3)]

        flagged = queries.flagged_sources(store)
        assert sorted(flagged["location"]) == ["pages/hydration.md", "pages/sleep-screens.html"]
        assert set(flagged["update_type"]) == {"correction"}
        broken = queries.broken_dois(store)
        assert list(zip(broken["location"], broken["ref"], broken["doi"], strict=True)) == [
            ("pages/sleep-screens.html", "3", "10.5555/site.cbt.2018")]
        cited = queries.most_cited(store)
        assert cited.iloc[0]["doi"] == "10.5555/site.sleep.2017" and cited.iloc[0]["pages"] == 3
        old = queries.old_sources(store)
        assert list(old["doi"]) == ["10.5555/site.pain.1998"] and old.iloc[0]["age_years"] > 26
        assert queries.old_sources(store, years=30).empty
        assert list(queries.pages_without_references(store)["location"]) == ["pages/about-us.html"]
        ranking = queries.page_problems(store)
        assert ranking.iloc[0]["location"] == "pages/sleep-screens.html"


def test_scan_writes_a_self_contained_site_report(root, api):
    result = run_scan(root, api)
    html = result.report.read_text(encoding="utf-8")
    assert result.report == root / "reports" / "demo" / "site.html"
    assert "<svg" in html and 'id="ranking"' in html and 'id="q"' in html
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import|url\(http", html)
    with SiteStore("demo", root, read_only=True) as store:
        ids = [p for p, in store.con.execute("SELECT page_id FROM pages").fetchall()]
    for page_id in ids:  # every page is listed and links to its own audit page
        assert f'href="pages/{page_id}.html"' in html
        audit = (root / "reports" / "demo" / "pages" / f"{page_id}.html").read_text(encoding="utf-8")
        assert 'href="../site.html"' in audit
    sleep = next(i for i in ids if i.startswith("sleep-screens"))
    audit = (root / "reports" / "demo" / "pages" / f"{sleep}.html").read_text(encoding="utf-8")
    assert "10.5555/site.cbt.2018" in audit and "broken" in audit
    assert f"init --from-scan demo {sleep}" in audit


def test_one_resolution_for_the_whole_site(root, api):
    """7 printed DOIs (4 unique) in one batch; the same unprinted-DOI reference on two pages: one query."""
    run_scan(root, api)
    counts = api.summary()["counts"]
    assert counts == {"batch": 1, "work": 1, "query": 1}  # work: the repaired DOI's one lookup
    batch = api.requests("batch")[0].target
    assert sorted(re.findall(r"doi:([^,&]+)", batch)) == sorted(
        ["10.5555/site.knee.2019", "10.5555/site.sleep.2017", "10.5555/site.pain.1998",
         "10.5555/site.melatonin.2020"])


def test_batches_hold_at_most_100_unique_dois_across_pages(tmp_path):
    (tmp_path / "data").mkdir()
    _, cited = synthetic.write_site(tmp_path / "site", pages=40, per_page=15, works=400, seed=3)
    with CrossrefStandIn(rate_limit=1000, max_lifetime=120) as server:
        server.add_synthetic(400)
        result = scan_mod.scan([str(tmp_path / "site")], "syn", tmp_path, base_url=server.base_url,
                               client_options=FAST, say=None, report=False, workers=0)
        batches = server.requests("batch")
        assert server.summary()["counts"] == {"batch": math.ceil(len(cited) / 100)}
        sizes = [len(re.findall(r"doi:", r.target)) for r in batches]
        assert max(sizes) <= 100 and sum(sizes) == len(cited)
        assert result.stages == {"audited": 40}
        # a warm re-run asks nothing: every page is kept from the store
        again = scan_mod.scan([str(tmp_path / "site")], "syn", tmp_path, base_url=server.base_url,
                              client_options=FAST, say=None, report=False, workers=0)
        assert again.crossref["requests"] == 0 and server.total_requests == len(batches)


def test_a_changed_page_is_read_again(root, api):
    run_scan(root, api, report=False)
    page = root / "pages" / "hydration.md"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "[3] Marchetti", "[4] Novak P, Quaye E. Cognitive behavioural therapy for insomnia delivered "
                         "online. J Digit Ther. 2018;2(1):1-10. doi:10.5555/site.cbt.2018\n\n[3] Marchetti"),
        encoding="utf-8")
    before = api.total_requests
    run_scan(root, api, report=False)
    with SiteStore("demo", root, read_only=True) as store:
        n = store.con.execute("SELECT n_references FROM pages WHERE location = 'pages/hydration.md'"
                              ).fetchone()[0]
    assert n == 4
    assert api.total_requests == before  # its DOIs were known: served from the shared cache


def test_cli_scan_and_site_query(root, api, capsys, tmp_path):
    code = cli.main(["scan", "--root", str(root), str(root / "pages"), "--name", "demo",
                     "--base-url", api.base_url, "--workers", "0"])
    assert code == 0
    capsys.readouterr()
    assert cli.main(["site-query", "--root", str(root), "--name", "demo", "broken-dois",
                     "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["question"] == "broken-dois" and data["rows"][0]["doi"] == "10.5555/site.cbt.2018"
    out = tmp_path / "cited.parquet"
    assert cli.main(["site-query", "--root", str(root), "--name", "demo", "most-cited",
                     "--format", "parquet", "-o", str(out)]) == 0
    rows = duckdb.sql(f"SELECT doi, pages FROM '{out}' ORDER BY pages DESC, doi").fetchall()
    assert rows[0] == ("10.5555/site.sleep.2017", 3) and len(rows) == 6
    assert cli.main(["site-query", "--root", str(root), "--name", "demo", "old-sources",
                     "--format", "csv", "--years", "5"]) == 0
    csv = capsys.readouterr().out.splitlines()
    assert csv[0].startswith("page_id,location,ref,doi") and len(csv) > 2
    # usage errors: one line, exit 2
    assert cli.main(["site-query", "--root", str(root), "--name", "nosuch", "pages"]) == 2
    assert "no scanned site named 'nosuch'" in capsys.readouterr().err
    assert cli.main(["site-query", "--root", str(root), "--name", "demo", "pages",
                     "--format", "parquet"]) == 2


def test_init_from_scan_makes_a_review(root, api, capsys):
    run_scan(root, api, report=False)
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "evidence-levels.yaml", root / "data")
    assert cli.main(["init", "--root", str(root), "--from-scan", "demo", "pages/knee-exercise.html",
                     "--name", "knee", "--no-fetch"]) == 0
    assert (root / "data" / "knee" / "article.md").read_text(encoding="utf-8").startswith(
        "# Exercise for Knee Pain")
    assert cli.main(["init", "--root", str(root), "--from-scan", "demo", "pages/about-us.html",
                     "--name", "about", "--no-fetch"]) == 2
    assert "could not be read by the scan (no-references" in capsys.readouterr().err


def test_references_crossref_could_not_answer_are_asked_again(root, api):
    api.add_fault(kind="status", status=503, kinds=("batch", "work"))  # every DOI lookup fails
    first = run_scan(root, api, report=False, client_options={**FAST, "max_attempts": 1})
    assert first.stages == {"audited": 3, "failed": 2}
    with SiteStore("demo", root, read_only=True) as store:
        errors = store.con.execute(
            """SELECT count(*) FROM "references" WHERE status = 'error'""").fetchone()[0]
    assert errors >= 7  # the printed DOIs
    api.clear()
    second = run_scan(root, api, report=False)
    with SiteStore("demo", root, read_only=True) as store:
        statuses = dict(store.con.execute(
            'SELECT status, count(*) FROM "references" GROUP BY ALL').fetchall())
    assert "error" not in statuses and statuses["matched"] == 9
    assert second.stages == {"audited": 3, "failed": 2}
