"""What the notebooks show: tables, counts and charts built from a ReviewSession.

Notebooks stay thin: each cell calls one function here and displays its result. Every number is
computed from the review's data at run time, so nothing in a report is typed by hand.
"""

from __future__ import annotations

import pandas as pd

from evidence_review import charts
from evidence_review.api import ReviewSession
from evidence_review.claims import SEVERITY, UNREVIEWED, VERDICTS
from evidence_review.present import HTML, badge, esc, table

VERDICT_ORDER = [*VERDICTS, UNREVIEWED]


def claim_anchor(claim_id: str) -> str:
    return f"claim-{claim_id}"


def ref_anchor(number: str) -> str:
    return f"ref-{number}"


def ref_links(refs: list[str]) -> str:
    return ", ".join(f'<a href="#{ref_anchor(r)}">[{esc(r)}]</a>' for r in refs)


# --- claims ---------------------------------------------------------------------------------------

def verdict_counts(session: ReviewSession) -> pd.DataFrame:
    """How many claims got each verdict (every verdict listed, zeros kept)."""
    frame = session.claims
    order = [v for v in VERDICT_ORDER if v != UNREVIEWED or (frame["verdict"] == UNREVIEWED).any()]
    counts = frame["verdict"].value_counts()
    return pd.DataFrame({"verdict": order, "claims": [int(counts.get(v, 0)) for v in order]})


def verdicts_by_source(session: ReviewSession) -> pd.DataFrame:
    """Cited claims per reference and verdict (a claim citing two sources counts for each)."""
    frame = session.claims.explode("refs").dropna(subset=["refs"])
    frame = frame[frame["refs"] != ""]
    table_ = pd.crosstab(frame["refs"], frame["verdict"])
    refs = sorted(session.ref_numbers, key=lambda r: (len(r), r))
    cols = [v for v in VERDICT_ORDER if v in table_.columns]
    table_ = table_.reindex(index=refs, columns=cols, fill_value=0)
    table_.index = [f"[{r}]" for r in table_.index]
    table_.index.name = "reference"
    return table_


def uncited_by_section(session: ReviewSession) -> pd.DataFrame:
    """Uncited claims per section, split by whether they need a citation."""
    frame = session.claims[session.claims["verdict"] == "uncited"]
    sections = list(dict.fromkeys(session.claims["section"]))
    out = pd.DataFrame({
        "needs a citation": frame[frame["needs_citation"]].groupby("section").size(),
        "no citation needed": frame[~frame["needs_citation"]].groupby("section").size(),
    }).reindex(sections).fillna(0).astype(int)
    return out[(out.T != 0).any()]


def claims_table(session: ReviewSession, columns: dict[str, str] | None = None) -> HTML:
    """The claims table, grouped by section in article order, verdicts colour-coded."""
    frame = session.claims
    columns = columns or {"id": "Claim", "text": "Claim (paraphrased)", "refs": "Cited",
                          "verdict": "Verdict", "source_says": "What the source says",
                          "locator": "Where", "evidence_level": "Level", "sort": "SORT"}
    parts = []
    for section, group in frame.groupby("section", sort=False):
        parts.append(f"<h3>{esc(section)}</h3>")
        parts.append(table(
            group, columns,
            cell={"refs": lambda v, r: ref_links(v),
                  "verdict": lambda v, r: badge(v),
                  "id": lambda v, r: f'<a href="#{claim_anchor(v)}">{esc(v)}</a>',
                  "source_says": lambda v, r: esc(v) if v else esc(r["note"])},
            row_class=lambda r: f"v-{r['verdict']}"))
    return HTML("\n".join(parts))


def fix_list(session: ReviewSession) -> pd.DataFrame:
    """Claims a writer must fix, worst first: contradicted, unsupported, not verifiable, partial,
    then uncited claims that need a source."""
    frame = session.claims
    bad = frame[frame["verdict"].isin(["contradicted", "unsupported", "not-verifiable",
                                       "partially-supported"])
                | ((frame["verdict"] == "uncited") & frame["needs_citation"])]
    bad = bad.assign(_rank=bad["verdict"].map(SEVERITY)).sort_values(["_rank", "id"], kind="stable")
    return bad[["id", "section", "verdict", "refs", "would_support", "text", "note"]]


def fix_table(session: ReviewSession) -> HTML:
    return table(fix_list(session),
                 {"id": "Claim", "verdict": "Verdict", "refs": "Cited", "would_support":
                  "Could cite", "text": "Claim", "note": "Reviewer's note"},
                 cell={"verdict": lambda v, r: badge(v), "refs": lambda v, r: ref_links(v),
                       "would_support": lambda v, r: ref_links(v),
                       "id": lambda v, r: f'<a href="#{claim_anchor(v)}">{esc(v)}</a>'})


def verdicts_chart(session: ReviewSession) -> HTML:
    data = verdicts_by_source(session)
    svg = charts.stacked_bars(data, charts.VERDICT_COLOURS, "Verdicts per cited source",
                              "claims citing the source")
    return charts.figure(svg, "Each bar counts the claims that cite a reference, by verdict. A claim "
                              "citing two references counts once for each.")


def levels_chart(session: ReviewSession) -> HTML:
    levels = pd.DataFrame({"claims": pd.Series(dtype=int)})
    rows = []
    for ref, src in sorted(session.sources.items()):
        n = int(session.claims["refs"].map(lambda refs, r=ref: r in refs).sum())
        rows.append({"source": f"[{ref}] {src.design}", f"level {src.cebm_level}": n})
    levels = pd.DataFrame(rows).set_index("source").fillna(0).astype(int)
    levels = levels.reindex(columns=sorted(levels.columns))
    colours = {"level 1": "#1f5f8b", "level 2": "#3f7fab", "level 3": "#6f9fc3",
               "level 4": "#a3c1d9", "level 5": "#c9d8e6"}
    svg = charts.stacked_bars(levels, colours, "Cited claims by the evidence level of their source",
                              "claims citing the source")
    return charts.figure(svg, "Oxford CEBM 2011 level of each reference (as judged in sources.yaml), "
                              "weighted by how many claims cite it.")


def uncited_chart(session: ReviewSession) -> HTML:
    data = uncited_by_section(session)
    colours = {"needs a citation": "#a8322a", "no citation needed": "#c9d8e6"}
    svg = charts.stacked_bars(data, colours, "Uncited claims by section", "uncited claims")
    return charts.figure(svg, "Uncited claims in each section; red ones make clinical or risk "
                              "statements that need a source.")


def claims_summary(session: ReviewSession) -> HTML:
    """Key figures of the claims review, as a row of tiles."""
    frame = session.claims
    cited = frame[frame["refs"].map(len) > 0]
    uncited = frame[frame["verdict"] == "uncited"]
    tiles = [
        ("claims", len(frame)),
        ("cited", len(cited)),
        ("supported", int((frame["verdict"] == "supported").sum())),
        ("partially supported", int((frame["verdict"] == "partially-supported").sum())),
        ("unsupported or contradicted",
         int(frame["verdict"].isin(["unsupported", "contradicted"]).sum())),
        ("not verifiable", int((frame["verdict"] == "not-verifiable").sum())),
        ("uncited, need a source", int(uncited["needs_citation"].sum())),
    ]
    unreviewed = int((frame["verdict"] == UNREVIEWED).sum())
    if unreviewed:
        tiles.append(("not yet reviewed", unreviewed))
    return HTML('<div class="kpis">' + "".join(
        f'<div class="kpi"><b>{n}</b>{esc(label)}</div>' for label, n in tiles) + "</div>")


def sources_table(session: ReviewSession) -> HTML:
    """Each reference's design, CEBM level, native grade and the reviewer's rationale."""
    rows = []
    for ref, src in sorted(session.sources.items(), key=lambda kv: int(kv[0])):
        native = src.native_grade or {}
        rows.append({"ref": ref, "design": src.design.replace("-", " "), "level": src.cebm_level,
                     "native": "; ".join(str(native[k]) for k in ("scheme", "studies",
                                                                   "recommendations")
                                         if native.get(k)),
                     "rationale": src.rationale})
    return table(pd.DataFrame(rows),
                 {"ref": "Ref", "design": "Design", "level": "CEBM 2011 level",
                  "native": "Source's own grading", "rationale": "Why"},
                 cell={"ref": lambda v, r: f'<a href="#{ref_anchor(v)}">[{esc(v)}]</a>'})


# --- references and their audit ------------------------------------------------------------------

PROVENANCE_TEXT = {
    "reconstructed": "reconstructed offline from confirmed record values (Crossref was not "
                     "reachable); fields nobody confirmed are absent and reported as 'could not "
                     "check'",
    "crossref-api": "live responses from the Crossref REST API",
}


def snapshot_note(session: ReviewSession) -> HTML:
    """A callout naming the snapshot's provenance and date, as the methods require."""
    snap = session.snapshot
    manifest = snap.manifest
    what = PROVENANCE_TEXT.get(snap.provenance, esc(snap.provenance))
    warn = " warn" if snap.provenance != "crossref-api" else ""
    return HTML(
        f'<div class="callout{warn}"><b>Crossref snapshot:</b> provenance '
        f"<code>{esc(snap.provenance)}</code>, dated {esc(snap.retrieved)}: {esc(what)}. "
        f"{len(snap.works())} record(s) from <code>{esc(manifest.get('base_url'))}</code> "
        f"(client: {esc(manifest.get('client'))}).</div>")


def _record_line(record: dict | None) -> str:
    """A CSL-JSON record as one readable line (authors, year, title, journal, volume, pages)."""
    if not record:
        return ""
    names = [f"{a.get('non-dropping-particle', '') + ' ' if a.get('non-dropping-particle') else ''}"
             f"{a.get('family', '')} {a.get('given', '')}".strip() for a in record.get("author", [])]
    issued = (record.get("issued") or {}).get("date-parts", [[None]])[0][0]
    parts = [", ".join(names), f"({issued})" if issued else "", record.get("title", ""),
             record.get("container-title", "")]
    vol = record.get("volume", "")
    if vol:
        vol += f"({record['issue']})" if record.get("issue") else ""
        vol += f":{record['page']}" if record.get("page") else ""
    parts.append(vol)
    if record.get("DOI"):
        parts.append(f"doi:{record['DOI']}")
    return ". ".join(p for p in parts if p)


def cited_vs_record(session: ReviewSession) -> HTML:
    """Each reference as printed beside its record, with how it was resolved."""
    rows = [{"ref": a.ref, "cited": a.cited.printed, "record": _record_line(a.record),
             "status": a.status, "reason": a.reason or ""} for a in session.audit.references]
    return table(pd.DataFrame(rows),
                 {"ref": "Ref", "cited": "As printed in the article", "record": "Record (snapshot)",
                  "status": "Resolution"},
                 cell={"ref": lambda v, r: f'<a href="#{ref_anchor(v)}">[{esc(v)}]</a>',
                       "record": lambda v, r: esc(v) or f"<i>{esc(r['reason'])}</i>",
                       "status": lambda v, r: badge(v, "st")})


def audit_summary(session: ReviewSession) -> pd.DataFrame:
    """Findings per reference and severity (zeros kept)."""
    rows = []
    for a in session.audit.references:
        rows.append({"reference": f"[{a.ref}]", "status": a.status, **a.counts()})
    return pd.DataFrame(rows)


def audit_findings(session: ReviewSession, include_unchecked: bool = True) -> HTML:
    """One row per finding, colour-coded by severity, with the suggested correction."""
    frame = session.audit.to_frame()
    if not include_unchecked:
        frame = frame[frame["severity"] != "could-not-check"]
    order = {"major": 0, "minor": 1, "info": 2, "could-not-check": 3}
    frame = frame.assign(_o=frame["severity"].map(order)).sort_values(["ref", "_o"], kind="stable")
    return table(frame, {"ref": "Ref", "field": "Field", "severity": "Severity",
                         "cited": "As cited", "record": "Record", "message": "Finding",
                         "suggestion": "Suggested correction"},
                 cell={"severity": lambda v, r: badge(v, "s")},
                 row_class=lambda r: f"s-{r['severity']}")


def corrected_reference_list(session: ReviewSession) -> HTML:
    """The reference list corrected from the records, in the article's own (APA-like) style."""
    from evidence_review.audit import corrected_reference, format_apa

    items = []
    for a in session.audit.references:
        record = session.snapshot.work(a.doi) if a.doi else None
        items.append(f"<li>[{esc(a.ref)}] {esc(format_apa(corrected_reference(a.cited, record)))}</li>")
    return HTML('<ol class="corrected">'
                + "".join(items) + "</ol>")
