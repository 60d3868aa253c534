"""`evidence-review recheck`: what changed in a scanned site's sources; exit 1 when action is needed."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from evidence_review.cli import main as cli
from evidence_review.records.snapshot import safe_name
from evidence_review.records.standin import CrossrefStandIn
from evidence_review.site import queries
from evidence_review.site import scan as scan_mod
from evidence_review.site.recheck import compare, describe, recheck
from evidence_review.site.store import SiteStore

FIXTURE = Path(__file__).parent / "fixtures" / "site"
RECORDS = json.loads((FIXTURE / "records.json").read_text(encoding="utf-8"))
MELATONIN = "10.5555/site.melatonin.2020"
RETRACTION = {"type": "retraction", "source": "retraction-watch", "DOI": "10.5555/site.melatonin.2020.ret",
              "updated": {"date-parts": [[2026, 10, 2]]}, "label": "Retraction"}


@pytest.fixture
def scanned(tmp_path):
    (tmp_path / "data").mkdir()
    shutil.copytree(FIXTURE / "pages", tmp_path / "pages")
    with CrossrefStandIn(copy.deepcopy(RECORDS), rate_limit=1000, max_lifetime=120) as api:
        scan_mod.scan([str(tmp_path / "pages")], "demo", tmp_path, base_url=api.base_url,
                      client_options={"rate": 1000.0}, say=None, workers=0)
        yield tmp_path, api


def _recheck(root, api, *extra):
    return cli.main(["recheck", "--root", str(root), "--name", "demo", "--base-url", api.base_url, *extra])


def test_nothing_changed_exits_0(scanned, capsys):
    root, api = scanned
    before = api.summary()["counts"].get("batch", 0)
    assert _recheck(root, api) == 0
    out = capsys.readouterr().out
    assert "6 DOI(s) asked again in 1 request(s); 0 changed" in out
    assert api.summary()["counts"]["batch"] == before + 1  # asked again: the cache is bypassed


def test_a_new_retraction_names_the_page_and_reference_and_exits_1(scanned, capsys):
    root, api = scanned
    api.works[MELATONIN]["updated-by"] = [RETRACTION]
    assert _recheck(root, api) == 1
    out = capsys.readouterr().out.splitlines()
    with SiteStore("demo", root, read_only=True) as store:
        page = store.con.execute("SELECT page_id FROM pages WHERE location = 'pages/sleep-screens.html'"
                                 ).fetchone()[0]
    assert out[0] == (f"action needed: {page} (pages/sleep-screens.html) [2]: {MELATONIN}: retraction, "
                      "notice 10.5555/site.melatonin.2020.ret, dated 2026-10-02")
    with SiteStore("demo", root, read_only=True) as store:
        changes = queries.changes(store)
        assert list(zip(changes["doi"], changes["change"], changes["notice_date"], strict=True)) == [
            (MELATONIN, "retraction", "2026-10-02")]
        assert changes.iloc[0]["detected_on"] is not None and changes.iloc[0]["cited_by"] == f"{page} [2]"
        assert store.con.execute("SELECT retracted FROM records WHERE doi = ?", [MELATONIN]).fetchone()[0]
        # the page was audited again: its findings now carry the retraction
        found = store.con.execute("SELECT message FROM findings WHERE page_id = ? AND ref = '2' "
                                  "AND field = 'update' AND severity = 'major'", [page]).fetchall()
        assert len(found) == 1 and "retraction" in found[0][0]
        assert queries.flagged_sources(store)["update_type"].tolist().count("retraction") == 1
    cache = root / ".cache" / "crossref"  # one folder per server
    assert not list(cache.rglob(f"{safe_name(MELATONIN)}.json"))  # the next fetch asks again
    assert list(cache.rglob(f"{safe_name('10.5555/site.knee.2019')}.json"))
    site = (root / "reports" / "demo" / "site.html").read_text(encoding="utf-8")
    assert "10.5555/site.melatonin.2020.ret" in site  # the report was rebuilt
    # the change is kept; a second recheck finds nothing new
    assert _recheck(root, api, "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["changes"] == [] and data["needs_action"] is False


def test_compare_finds_doi_and_title_changes():
    before = {"DOI": "10.5555/a", "title": ["Old title"]}
    assert compare("10.5555/a", before, {"DOI": "10.5555/a", "title": ["Old  TITLE"]}, "ok", None) == []
    changed = compare("10.5555/a", before, {"DOI": "10.5555/a", "title": ["New title"]}, "ok", None)
    assert [(c["change"], c["before"], c["after"]) for c in changed] == [
        ("title-changed", "Old title", "New title")]
    gone = compare("10.5555/a", before, None, "not-found", "Crossref answered 404")
    assert [c["change"] for c in gone] == ["doi-changed"]
    moved = compare("10.5555/a", before, {"DOI": "10.5555/b", "title": ["Old title"]}, "ok", None)
    assert [(c["change"], c["after"]) for c in moved] == [("doi-changed", "10.5555/b")]
    corr = {"type": "corrigendum", "DOI": "10.5555/a.c", "updated": {"date-parts": [[2026, 1, 5]]}}
    old_notice = {"type": "erratum", "DOI": "10.5555/a.e"}
    found = compare("10.5555/a", {**before, "updated-by": [old_notice]},
                    {**before, "updated-by": [old_notice, corr]}, "ok", None)
    assert [(c["change"], c["notice_doi"], str(c["notice_date"])) for c in found] == [
        ("correction", "10.5555/a.c", "2026-01-05")]


def test_recheck_of_an_unknown_site_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    assert cli.main(["recheck", "--root", str(tmp_path), "--name", "nosuch"]) == 2
    assert "no scanned site named 'nosuch'" in capsys.readouterr().err


def test_a_recheck_that_cannot_ask_crossref_needs_action(scanned):
    root, api = scanned
    api.add_fault(kind="status", status=503)
    result = recheck("demo", root, base_url=api.base_url,
                     client_options={"rate": 1000.0, "backoff": 0.01, "backoff_max": 0.02,
                                     "max_attempts": 2})
    assert result.needs_action and len(result.errors) == 6
    assert any(line.startswith("could not check: 10.5555/site") for line in describe(result))
