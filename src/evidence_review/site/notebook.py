"""What ``notebooks/05-site.ipynb`` calls: open a scanned site (or scan a demo site offline), show it.

The notebook holds no logic: it opens a store, asks :mod:`evidence_review.site.queries` its
questions and displays the answers as plain HTML (escaped by :mod:`evidence_review.report.html`).
With ``demo_pages`` and ``demo_records`` it first scans those pages into a temporary project
against a local Crossref stand-in serving those records, so it runs offline and gives the same
output every time (page locations are relative, no dates or timings are shown).
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from evidence_review.report.charts import figure
from evidence_review.report.html import HTML, esc
from evidence_review.report.html import table as html_table
from evidence_review.site import queries, report
from evidence_review.site.store import SiteStore


def open_site(site: str, root: Path | str | None = None, demo_pages: Path | str | None = None,
              demo_records: Path | str | None = None) -> SiteStore:
    """The site's store, read-only; with ``demo_pages``, a fresh offline scan of them first."""
    if demo_pages is None:
        return SiteStore(site, root, read_only=True)
    from evidence_review.records.standin import CrossrefStandIn
    from evidence_review.site.scan import scan

    tmp = Path(tempfile.mkdtemp(prefix="evidence-review-site-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    (tmp / "data").mkdir()
    shutil.copytree(demo_pages, tmp / "pages")
    records = json.loads(Path(demo_records).read_text(encoding="utf-8")) if demo_records else []
    with CrossrefStandIn(records, rate_limit=1000) as api:
        scan([str(tmp / "pages")], site, tmp, base_url=api.base_url, progress=False, say=None,
             workers=0, report=False, client_options={"rate": 1000.0, "backoff": 0.01})
    return SiteStore(site, tmp, read_only=True)


def summary(store: SiteStore) -> HTML:
    """The site's headline counts."""
    items = "".join(f"<li><b>{v:,}</b> {esc(k)}</li>" for k, v in report.summary_counts(store).items())
    return HTML(f"<ul>{items}</ul>")


def table(frame: pd.DataFrame, columns: list[str] | None = None) -> HTML:
    """A question's answer as a plain HTML table (or a sentence when it is empty)."""
    if frame.empty:
        return HTML("<p>None.</p>")
    columns = columns or list(frame.columns)
    shown = frame[columns].astype(object).where(frame[columns].notna(), None)
    return html_table(shown, {c: c for c in columns})


def problems_chart(store: SiteStore) -> HTML:
    """The report's chart of the pages with the most problems."""
    svg = report.problem_chart(queries.page_problems(store))
    return HTML(figure(svg, "Problems found on each page") if svg else "<p>No problems found.</p>")
