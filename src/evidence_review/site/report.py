"""The site report: ``reports/SITE/site.html`` and one audit page per page under ``reports/SITE/pages/``.

One self-contained HTML file: inline CSS, SVG charts drawn by matplotlib
(:mod:`evidence_review.report.charts`), a filter that is a few lines of inline script (no external
script, font or style sheet), every value from data escaped (:func:`evidence_review.report.html.esc`).
Pages are ranked by problems (retracted, corrected, broken DOIs, MAJOR, minor); each row links to
that page's audit. Rebuild with ``evidence-review scan … --name SITE`` (or
:func:`write_report`); the files are generated, never edited.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from evidence_review.core.atomic import write_text
from evidence_review.report.charts import figure, stacked_bars
from evidence_review.report.html import esc
from evidence_review.site import queries
from evidence_review.site.store import SiteStore

PROBLEM_COLOURS = {"retracted": "#a8322a", "corrected": "#d9735f", "broken DOIs": "#d9b43c",
                   "other major": "#7a5c99", "minor": "#9aa3ad", "pages": "#4e7fa8"}
TOP_PAGES = 15

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
     padding:0 1rem;color:#1d232a;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem}
.lede{color:#4a5561;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.card{border:1px solid #d5dbe1;border-radius:.4rem;padding:.5rem .8rem;min-width:8rem}
.card b{display:block;font-size:1.3rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #e3e7eb;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f5f7} td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.flagged td:first-child{border-left:4px solid #a8322a}
tr.failed{color:#6b7580}
.filters{display:flex;flex-wrap:wrap;gap:.8rem;align-items:center;margin:.6rem 0}
figure{margin:1rem 0} figcaption{font-size:.85rem;color:#4a5561}
code{background:#f3f5f7;padding:0 .2rem;border-radius:.2rem}
.sev-major{color:#a8322a;font-weight:600} .sev-minor{color:#6b5a00}
"""

FILTER_SCRIPT = """
(function(){
  var q=document.getElementById('q'), k=document.getElementById('kind');
  var rows=document.querySelectorAll('#ranking tbody tr'), n=document.getElementById('shown');
  function apply(){
    var text=q.value.toLowerCase(), kind=k.value, shown=0;
    rows.forEach(function(r){
      var ok=(!text||r.textContent.toLowerCase().indexOf(text)>=0)&&
             (!kind||(' '+r.getAttribute('data-flags')+' ').indexOf(' '+kind+' ')>=0);
      r.hidden=!ok; if(ok){shown++;}
    });
    n.textContent=shown;
  }
  q.addEventListener('input',apply); k.addEventListener('change',apply); apply();
})();
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n")


def _flags(row: pd.Series) -> str:
    flags = []
    if row["retracted"]:
        flags.append("retracted")
    if row["corrected"]:
        flags.append("corrected")
    if row["broken_dois"]:
        flags.append("broken-doi")
    if row["major"]:
        flags.append("major")
    if row["stage"] == "failed":
        flags.append("failed")
    return " ".join(flags) or "clean"


def problem_chart(ranking: pd.DataFrame) -> str:
    """Stacked bars of the pages with the most problems (SVG)."""
    top = ranking[ranking["stage"] == "audited"].head(TOP_PAGES)
    top = top[(top["major"] + top["minor"]) > 0]
    if top.empty:
        return ""
    other_major = (top["major"] - top["retracted"] - top["corrected"] - top["broken_dois"]).clip(lower=0)
    table = pd.DataFrame({"retracted": top["retracted"].values, "corrected": top["corrected"].values,
                          "broken DOIs": top["broken_dois"].values,
                          "other major": other_major.values, "minor": top["minor"].values},
                         index=top["page_id"].values)
    return stacked_bars(table, PROBLEM_COLOURS, f"Pages with the most problems (top {len(top)})",
                        "problems")


def cited_chart(cited: pd.DataFrame) -> str:
    top = cited.head(10)
    if top.empty:
        return ""
    table = pd.DataFrame({"pages": top["pages"].values}, index=top["doi"].values)
    return stacked_bars(table, PROBLEM_COLOURS, "Most cited sources", "pages citing the work")


def summary_counts(store: SiteStore) -> dict[str, int]:
    one = lambda sql: int(store.con.execute(sql).fetchone()[0])  # noqa: E731
    return {
        "pages": one("SELECT count(*) FROM pages"),
        "audited": one("SELECT count(*) FROM pages WHERE stage = 'audited'"),
        "failed": one("SELECT count(*) FROM pages WHERE stage = 'failed'"),
        "references": one('SELECT count(*) FROM "references"'),
        "unique DOIs": one("SELECT count(*) FROM records"),
        "pages citing flagged works": one(
            'SELECT count(DISTINCT r.page_id) FROM "references" r JOIN records c ON c.doi = r.doi '
            "WHERE c.retracted OR c.corrected OR c.concern"),
        "broken DOIs": one("SELECT count(*) FROM findings WHERE field = 'doi' AND severity = 'major'"),
    }


def _ranking_table(ranking: pd.DataFrame) -> str:
    head = ("<tr><th class=num>#</th><th>page</th><th class=num>refs</th><th class=num>retracted</th>"
            "<th class=num>corrected</th><th class=num>broken DOIs</th><th class=num>major</th>"
            "<th class=num>minor</th><th>status</th></tr>")
    rows = []
    for i, row in enumerate(ranking.to_dict(orient="records"), start=1):
        flags = _flags(pd.Series(row))
        cls = "flagged" if row["retracted"] or row["corrected"] else (
            "failed" if row["stage"] == "failed" else "")
        title = row["title"] if isinstance(row["title"], str) else row["location"]
        link = f'<a href="pages/{esc(row["page_id"])}.html">{esc(title)}</a>'
        status = (f"{esc(row['problem'])}: {esc(row['reason'])}" if row["stage"] == "failed"
                  else esc(row["stage"]))
        nums = "".join(f"<td class=num>{int(row[c])}</td>" for c in
                       ("references", "retracted", "corrected", "broken_dois", "major", "minor"))
        rows.append(f'<tr class="{cls}" data-flags="{esc(flags)}"><td class=num>{i}</td>'
                    f"<td>{link}<br><small>{esc(row['page_id'])} · {esc(row['location'])}</small></td>"
                    f"{nums}<td>{status}</td></tr>")
    return f'<table id="ranking"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _simple_table(frame: pd.DataFrame, columns: list[str], link_page: bool = True) -> str:
    if frame.empty:
        return "<p>None.</p>"
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    rows = []
    for row in frame.to_dict(orient="records"):
        cells = []
        for c in columns:
            value = row.get(c)
            value = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else value
            if c == "page_id" and link_page:
                cells.append(f'<td><a href="pages/{esc(value)}.html">{esc(value)}</a></td>')
            else:
                cells.append(f"<td>{esc(value)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def site_html(store: SiteStore) -> str:
    """The text of ``site.html``."""
    ranking = queries.page_problems(store)
    counts = summary_counts(store)
    cards = "".join(f'<div class="card"><b>{v:,}</b>{esc(k)}</div>' for k, v in counts.items())
    charts = ""
    chart = problem_chart(ranking)
    if chart:
        charts += figure(chart, "Problems found by the reference audit on each page; MAJOR "
                                "problems include retracted or corrected sources and broken DOIs.")
    cited = queries.most_cited(store, limit=10)
    chart = cited_chart(cited)
    if chart:
        charts += figure(chart, "The sources cited by the most pages: one record each, resolved once.")
    filters = ('<div class="filters"><label>Filter <input id="q" type="search" '
               'placeholder="title, id or address"></label><label>Show <select id="kind">'
               '<option value="">all pages</option><option value="retracted">citing retracted works'
               '</option><option value="corrected">citing corrected works</option>'
               '<option value="broken-doi">with broken DOIs</option><option value="major">with MAJOR '
               'problems</option><option value="failed">not read (failed)</option>'
               '<option value="clean">without problems</option></select></label>'
               '<span><span id="shown"></span> shown</span></div>')
    flagged = queries.flagged_sources(store)
    failed = queries.failed_pages(store)
    changes = queries.changes(store)
    body = (f"<h1>Reference audit of {esc(store.name)}</h1>"
            f'<p class="lede">Every page\'s reference list read, resolved against Crossref once for '
            f"the whole site, and audited field by field. Generated by "
            f"<code>evidence-review scan … --name {esc(store.name)}</code>; do not edit.</p>"
            f'<div class="cards">{cards}</div>{charts}'
            f"<h2>Pages ranked by problems</h2>{filters}{_ranking_table(ranking)}"
            f"<h2>Pages citing retracted or corrected works</h2>"
            + _simple_table(flagged, ["page_id", "ref", "doi", "update_type", "update_date",
                                      "notice_doi"])
            + "<h2>Pages that could not be read</h2>"
            + _simple_table(failed, ["page_id", "location", "problem", "reason"])
            + "<h2>Changes found by rechecks</h2>"
            + _simple_table(changes, ["detected_on", "doi", "change", "notice_doi", "notice_date",
                                      "cited_by"], link_page=False)
            + f"<script>{FILTER_SCRIPT}</script>")
    return _page(f"Reference audit of {store.name}", body)


def page_html(store: SiteStore, page: dict, refs: list[dict], findings: list[dict]) -> str:
    """The audit page of one scanned page (its pages row, references and findings, as dicts)."""
    page_id = page["page_id"]
    title = page["title"] or page["location"]
    parts = [f'<p><a href="../site.html">← {esc(store.name)}</a></p><h1>{esc(title)}</h1>',
             f'<p class="lede">{esc(page["location"])} · page id <code>{esc(page_id)}</code></p>']
    if page["stage"] == "failed":
        parts.append(f"<p><b>Not read</b> ({esc(page['problem'])}): {esc(page['reason'])}</p>")
    else:
        parts.append(f"<p>A full review of this page (claims, verdicts, report): "
                     f"<code>evidence-review init --from-scan {esc(store.name)} {esc(page_id)} "
                     f"--name NAME</code></p>")
    by_position: dict[int, list[dict]] = {}
    markers = []
    for f in findings:
        if f["ref"] == "markers":
            markers.append(f["message"])
        else:
            by_position.setdefault(f["position"], []).append(f)
    rows = []
    for ref in refs:
        items = "".join(f'<li><span class="sev-{esc(f["severity"])}">{esc(f["severity"])}</span> '
                        f'{esc(f["field"])}: {esc(f["message"])}</li>'
                        for f in by_position.get(ref["position"], []))
        rows.append(f"<tr><td class=num>{esc(ref['ref'])}</td><td>{esc(ref['printed'])}"
                    f"{'<ul>' + items + '</ul>' if items else ''}</td><td>{esc(ref['status'])}</td>"
                    f"<td>{esc(ref['doi'])}</td></tr>")
    if rows:
        parts.append("<h2>References</h2><table><thead><tr><th class=num>ref</th><th>as printed, "
                     "and what the audit found</th><th>status</th><th>DOI</th></tr></thead>"
                     f"<tbody>{''.join(rows)}</tbody></table>")
    if markers:
        parts.append("<h2>Citation markers</h2><ul>" + "".join(f"<li>{esc(m)}</li>" for m in markers)
                     + "</ul>")
    return _page(f"{title} — audit", "".join(parts))


def _by_page(store: SiteStore, sql: str) -> dict[str, list[dict]]:
    cursor = store.con.execute(sql)
    names = [d[0] for d in cursor.description]
    out: dict[str, list[dict]] = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        out.setdefault(row["page_id"], []).append(row)
    return out


def write_report(store: SiteStore, directory: Path | None = None, progress: bool | None = None) -> Path:
    """Write ``site.html`` and every page's audit page; returns the path of ``site.html``."""
    directory = Path(directory or store.reports_dir)
    pages_dir = directory / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    pages = _by_page(store, "SELECT page_id, location, title, stage, problem, reason FROM pages "
                            "ORDER BY page_id")
    refs = _by_page(store, 'SELECT page_id, position, ref, printed, status, doi FROM "references" '
                           "ORDER BY page_id, position")
    findings = _by_page(store, "SELECT page_id, position, ref, field, severity, message FROM findings "
                               "WHERE severity IN ('major', 'minor') ORDER BY page_id, position")
    show = progress if progress is not None else sys.stderr.isatty()
    for pid, (page,) in tqdm(pages.items(), desc="report", unit="page", file=sys.stderr, leave=False,
                             disable=not show):
        html = page_html(store, page, refs.get(pid, []), findings.get(pid, []))
        write_text(pages_dir / f"{pid}.html", html)
    target = directory / "site.html"
    write_text(target, site_html(store))
    return target
