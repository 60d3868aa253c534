"""What the notebooks show: tables, counts and charts built from a ReviewSession.

Notebooks stay thin: each cell calls one function here and displays its result. Every number is
computed from the review's data at run time, so nothing in a report is typed by hand.
"""

from __future__ import annotations

import re

import pandas as pd

from evidence_review.appraisal import quality as q
from evidence_review.appraisal.quality.readability import SMOG_MIN_SENTENCES
from evidence_review.audit.corrected import corrected_reference, format_in_style
from evidence_review.core.numbers import count, counted
from evidence_review.core.provenance import git_commit, versions
from evidence_review.core.vocab import BASES, UNREVIEWED, VERDICTS
from evidence_review.core.vocab import VERDICT_SEVERITY as SEVERITY
from evidence_review.report import charts, pdf_scope
from evidence_review.report import style as stylesheets
from evidence_review.report.bibliography import annotated_bibliography
from evidence_review.report.html import HTML, badge, breakable, definition_list, esc, table
from evidence_review.report.session import ReviewSession

VERDICT_ORDER = [*VERDICTS, UNREVIEWED]


def claim_anchor(claim_id: str) -> str:
    return f"claim-{claim_id}"


def ref_anchor(number: str) -> str:
    return f"ref-{number}"


def ref_links(refs: list[str]) -> str:
    return ", ".join(f'<a href="#{ref_anchor(r)}">[{esc(r)}]</a>' for r in refs)


def claim_link(claim_id: str) -> str:
    return f'<a href="#{claim_anchor(claim_id)}">{esc(claim_id)}</a>'


NOTEBOOK_STYLE_ID = "er-notebook-style"


def style() -> HTML:
    """The report's component styles, for the top of a notebook: in JupyterLab the summary tiles,
    badges, tables and charts then look as they do in the report. The report itself carries the
    full stylesheet, so the build drops this element from the report's body."""
    css = stylesheets.components_css() + "\n" + stylesheets.notebook_css()
    return HTML(f'<style id="{NOTEBOOK_STYLE_ID}">{css}</style>')


def short_name(session: ReviewSession, number: str) -> str:
    """A reference as a reader names it: first author's family name (or the organisation) and year,
    from the record where there is one, else as printed."""
    record = next((a.record for a in session.audit.references if a.ref == number and a.record), None)
    cited = next((c for c in session.cited if c.number == number), None)
    family = ((record or {}).get("author") or [{}])[0].get("family")
    if not family and cited is not None:
        first = cited.authors[0] if cited.authors else (cited.organisation or cited.container or "")
        family = first.split(",")[0].strip()
    issued = ((record or {}).get("issued") or {}).get("date-parts", [[None]])[0][0]
    year = issued or (cited.year if cited is not None else None)
    return " ".join(str(p) for p in (family, year) if p) or f"Reference {number}"


def source_label(session: ReviewSession, number: str) -> str:
    """Short name and number, e.g. "Doe 2020 [1]"."""
    return f"{short_name(session, number)} [{number}]"


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
    table_.index = [source_label(session, r) for r in table_.index]
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


def _level_sort(row) -> str:
    level = esc(row["evidence_level"]) if row["evidence_level"] else ""
    sort = f"SORT {esc(row['sort'])}" if row.get("sort") else ""
    return "; ".join(p for p in (level, sort) if p)


def _claim_words(row) -> str:
    """The article's own words, and the reviewer's paraphrase under them."""
    quote = f"<q>{esc(row['quote'])}</q>" if row.get("quote") else ""
    return quote + f'<span class="para">Paraphrase: {esc(row["text"])}</span>'


def claims_table(session: ReviewSession, columns: dict[str, str] | None = None,
                 anchors: bool = False) -> HTML:
    """The claims table, grouped by section in article order, verdicts colour-coded and named.

    ``anchors`` gives each row the claim's anchor (for a notebook without the report's appendix, so
    that its claim links land on the row).
    """
    frame = session.claims
    columns = columns or {"id": "Claim", "quote": "In the article's words (and paraphrased)",
                          "refs": "Cited", "verdict": "Verdict", "source_says": "What the source says",
                          "locator": "Where", "evidence_level": "Level; SORT"}
    parts = []
    for section, group in frame.groupby("section", sort=False):
        parts.append(f"<h3>{esc(section)}</h3>")
        parts.append(table(
            group, columns,
            cell={"refs": lambda v, r: ref_links(v) or "none",
                  "verdict": lambda v, r: badge(v),
                  "quote": lambda v, r: _claim_words(r),
                  "id": lambda v, r: esc(v) if anchors else claim_link(v),
                  "evidence_level": lambda v, r: _level_sort(r),
                  "source_says": lambda v, r: esc(v) if v else esc(r["note"])},
            row_class=lambda r: f"v-{r['verdict']}",
            row_id=(lambda r: claim_anchor(r["id"])) if anchors else None,
            label=f"Claims in the section {section}"))
    return HTML("\n".join(parts))


def fix_list(session: ReviewSession) -> pd.DataFrame:
    """Claims a writer must fix, worst first: contradicted, unsupported, not verifiable, partial,
    then uncited claims that need a source."""
    frame = session.claims
    bad = frame[frame["verdict"].isin(["contradicted", "unsupported", "not-verifiable",
                                       "partially-supported"])
                | ((frame["verdict"] == "uncited") & frame["needs_citation"])]
    # ids in claim order (C9 before C10: by length, then text)
    bad = (bad.assign(_rank=bad["verdict"].map(SEVERITY), _len=bad["id"].str.len())
           .sort_values(["_rank", "_len", "id"], kind="stable"))
    return bad[["id", "section", "verdict", "refs", "would_support", "text", "note"]]


def fix_table(session: ReviewSession) -> HTML:
    return table(fix_list(session),
                 {"id": "Claim", "verdict": "Verdict", "refs": "Cited", "would_support":
                  "Could cite", "text": "Claim", "note": "Reviewer's note"},
                 cell={"verdict": lambda v, r: badge(v), "refs": lambda v, r: ref_links(v),
                       "would_support": lambda v, r: ref_links(v),
                       "id": lambda v, r: claim_link(v)},
                 label="Claims to fix, worst first")


# A bar per source: past this many a chart is no longer read bar by bar, and it grows long (a review
# of 1,000 sources drew each chart 325 inches tall, 3 MB of SVG, in ~75 s). The chart then draws the
# sources that matter most and says how many others there are and where their counts are.
CHART_MAX_BARS = 25


def _busiest(table_: pd.DataFrame, worst: list[str], what: str) -> tuple[pd.DataFrame, str]:
    """At most :data:`CHART_MAX_BARS` rows of a per-source chart: the most claims in the ``worst``
    columns first, then the most claims in all (table order breaks ties); and the caption's
    sentence saying so ('' when every row fits)."""
    if len(table_) <= CHART_MAX_BARS:
        return table_, ""
    bad = table_[[c for c in worst if c in table_.columns]].sum(axis=1)
    rank = pd.DataFrame({"bad": bad.to_numpy(), "total": table_.sum(axis=1).to_numpy(),
                         "pos": range(len(table_))})
    keep = rank.sort_values(["bad", "total", "pos"], ascending=[False, False, True]).head(CHART_MAX_BARS)
    return (table_.iloc[keep["pos"].to_list()],
            f" Drawn: the {CHART_MAX_BARS} of the {count(len(table_))} sources {what}; {CLAIMS_TABLE_NOTE}")


CLAIMS_TABLE_NOTE = "every claim and the sources it cites are in the claims table."


def verdicts_chart(session: ReviewSession) -> HTML:
    data, drawn = _busiest(verdicts_by_source(session), ["contradicted", "unsupported"],
                           "with the most claims contradicted or unsupported, then the most claims")
    title = "Verdicts per cited source"
    svg = charts.stacked_bars(data, charts.VERDICT_COLOURS, title, "claims citing the source",
                              hatches=charts.VERDICT_HATCHES, name="verdicts")
    return charts.figure(svg, "Each bar counts the claims that cite a reference, by verdict; the "
                              "number at its end is the total. A claim citing two references counts "
                              "once for each." + drawn, title=title)


def levels_chart(session: ReviewSession) -> HTML:
    rows = []
    citing = session.claims["refs"].map(lambda refs: list(dict.fromkeys(refs))).explode().value_counts()
    for ref, src in sorted(session.sources.items(), key=lambda kv: (len(kv[0]), kv[0])):
        n = int(citing.get(ref, 0))
        level = f"level {src.cebm_level}" if src.cebm_level else "unassessed"
        rows.append({"source": source_label(session, ref), level: n})
    if not rows:  # an article without a reference list (an audit finding of its own)
        return HTML("<p>The article cites no sources, so there are no evidence levels to show.</p>")
    levels = pd.DataFrame(rows).set_index("source").fillna(0).astype(int)
    levels = levels.reindex(columns=sorted(levels.columns))
    levels, drawn = _busiest(levels, [], "cited by the most claims")
    colours = {"level 1": charts.OKABE_ITO["blue"], "level 2": charts.OKABE_ITO["bluish-green"],
               "level 3": charts.OKABE_ITO["yellow"], "level 4": charts.OKABE_ITO["orange"],
               "level 5": charts.OKABE_ITO["sky-blue"], "unassessed": "#BBBBBB"}
    hatches = {"level 1": "", "level 2": "//", "level 3": "xx", "level 4": "..", "level 5": "--",
               "unassessed": "\\\\\\"}
    title = "Cited claims by the evidence level of their source"
    svg = charts.stacked_bars(levels, colours, title, "claims citing the source", hatches=hatches,
                              name="levels")
    return charts.figure(svg, f"{session.scheme.name} level of each reference (as the reviewer "
                              "judged it), weighted by how many claims cite it." + drawn, title=title)


def uncited_chart(session: ReviewSession) -> HTML:
    data = uncited_by_section(session)
    colours = {"needs a citation": charts.OKABE_ITO["vermillion"],
               "no citation needed": charts.OKABE_ITO["sky-blue"]}
    hatches = {"needs a citation": "xx", "no citation needed": ""}
    title = "Uncited claims by section"
    svg = charts.stacked_bars(data, colours, title, "uncited claims", hatches=hatches, name="uncited")
    return charts.figure(svg, "Uncited claims in each section; the cross-hatched segments make "
                              "clinical or risk statements that need a source.", title=title)


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
        f'<div class="kpi"><b>{count(n)}</b> {esc(label)}</div>' for label, n in tiles) + "</div>")


def suggestion_text(session: ReviewSession, ref: str) -> str:
    """The level suggested by a source's PubMed type, its basis, and any disagreement ('' if none)."""
    suggestion = session.level_suggestions.get(ref)
    if suggestion is None:
        return ""
    text = (f"{suggestion.level} ({suggestion.basis})" if suggestion.level
            else f"none from the type alone ({suggestion.basis})")
    reviewer = session.sources[ref].cebm_level if ref in session.sources else ""
    if suggestion.differs_from(reviewer):
        text += f"; differs from the reviewer's level {reviewer}, which stands"
    return text


def sources_table(session: ReviewSession, anchors: bool = False) -> HTML:
    """Each reference's design, evidence level (and the level its PubMed type suggests), native
    grade, the reviewer's rationale, and its PubMed publication types and MeSH terms (Europe PMC).

    ``anchors`` gives each row the reference's anchor (for a notebook without the bibliography)."""
    rows = []
    for ref, src in sorted(session.sources.items(), key=lambda kv: int(kv[0])):
        native = src.native_grade or {}
        facts = session.pubmed.get(ref, {})
        suggestion = session.level_suggestions.get(ref)
        rows.append({"ref": ref, "design": src.design.replace("-", " "), "level": src.cebm_level,
                     "suggested": suggestion_text(session, ref),
                     "differs": bool(suggestion and suggestion.differs_from(src.cebm_level)),
                     "native": "; ".join(str(native[k]) for k in ("scheme", "studies",
                                                                   "recommendations")
                                         if native.get(k)),
                     "rationale": src.rationale,
                     "types": "; ".join(facts.get("pub_types") or []),
                     "mesh": "; ".join(facts.get("mesh") or [])})
    return table(pd.DataFrame(rows),
                 {"ref": "Ref", "design": "Design", "level": f"{session.scheme.name} level",
                  "suggested": "Suggested by PubMed type", "native": "Source's own grading",
                  "rationale": "Why", "types": "Publication types", "mesh": "MeSH terms"},
                 cell={"ref": lambda v, r: esc(source_label(session, v)),
                       "suggested": lambda v, r: (f'<span class="level-differs">{esc(v)}</span>'
                                                  if r["differs"] else esc(v))},
                 row_id=(lambda r: ref_anchor(r["ref"])) if anchors else None,
                 label="Evidence level of each source")


# --- references and their audit ------------------------------------------------------------------

PROVENANCE_TEXT = {
    "reconstructed": "Crossref could not be reached when this review was made, so the records were "
                     "rebuilt offline from values the reviewer confirmed one by one; a field nobody "
                     "confirmed is absent and shows as 'could not check', which is not an error.",
    "crossref-api": "The records are Crossref's own answers, as retrieved on that date.",
    "not-yet-resolved": "The references have not been resolved yet (run `evidence-review fetch`); "
                        "every reference is reported as not yet resolved.",
}


def source_texts_note(session: ReviewSession) -> str:
    """One sentence on the source texts of the snapshot (none, or how many and from where)."""
    texts = session.texts_by_ref
    if not texts:
        return ("No source texts (abstracts or open full texts from Europe PMC) are stored for this "
                "review, so no passages are suggested beside its claims.")
    full = sum(t.has_full_text for t in texts.values())
    closed = sum(not t.open_licence for t in texts.values())
    return (f"Source texts of {len(texts)} reference(s) from Europe PMC (retrieved "
            f"{session.source_texts.retrieved}): {len(texts) - full} abstract(s) only, {full} open "
            f"full text(s); {closed} without an open licence are quoted only briefly. Passages beside "
            f"the claims are BM25 suggestions, not verdicts.")


def snapshot_sentence(session: ReviewSession) -> str:
    """Where the bibliographic records came from and when, in words for a reader (not the
    snapshot's own note, which is written for whoever maintains the review's data)."""
    snap = session.snapshot
    if not snap.is_resolved:
        return esc(PROVENANCE_TEXT["not-yet-resolved"])
    what = PROVENANCE_TEXT.get(snap.provenance, f"Provenance: {esc(snap.provenance)}.")
    return (f"The {_n(len(snap.works()), 'bibliographic record')} compared with the reference list "
            f"date from {esc(snap.retrieved)}. {esc(what)}")


def snapshot_note(session: ReviewSession) -> HTML:
    """A callout naming where the records came from and when, as the methods require."""
    warn = " warn" if session.snapshot.provenance != "crossref-api" else ""
    return HTML(f'<div class="callout{warn}"><p><b>Records used:</b> {snapshot_sentence(session)}'
                f" {esc(source_texts_note(session))}</p></div>")


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
    out = ""
    for part in (str(p).strip() for p in parts if p):
        out += ("" if not out else " " if out.endswith((".", "?", "!")) else ". ") + part
    return out


def cited_vs_record(session: ReviewSession, anchors: bool = False) -> HTML:
    """Each reference as printed beside its record, with how it was resolved.

    ``anchors`` gives each row the reference's anchor (for a notebook without the bibliography)."""
    rows = [{"ref": a.ref, "cited": a.cited.printed, "record": _record_line(a.record),
             "status": a.status, "reason": a.reason or ""} for a in session.audit.references]
    return table(pd.DataFrame(rows),
                 {"ref": "Ref", "cited": "As printed in the article", "record": "Record (snapshot)",
                  "status": "Resolution"},
                 cell={"ref": lambda v, r: (f"[{esc(v)}]" if anchors
                                            else f'<a href="#{ref_anchor(v)}">[{esc(v)}]</a>'),
                       "record": lambda v, r: breakable(v) or f"<i>{esc(r['reason'])}</i>",
                       "status": lambda v, r: badge(v, "st")},
                 row_id=(lambda r: ref_anchor(r["ref"])) if anchors else None,
                 label="Each reference as printed and on record")


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
                 row_class=lambda r: f"s-{r['severity']}", label="Audit findings, field by field")


def corrected_reference_list(session: ReviewSession) -> HTML:
    """The reference list corrected from the records, in the article's own style.

    The style is review.yaml's ``review.corrected_style`` when set, else the style intake detected
    (``article.citation_style``: apa, ama or vancouver; another one is printed in APA).
    """
    style = (session.meta.raw.get("review") or {}).get("corrected_style") or session.meta.citation_style
    items = []
    for a in session.audit.references:
        record = session.snapshot.work(a.doi) if a.doi else None
        text = esc(format_in_style(corrected_reference(a.cited, record), style))
        # the list's own numbers are the references' numbers: no "[1]" typed on top of "1."
        value = f' value="{esc(a.ref)}"' if str(a.ref).isdigit() else ""
        items.append(f"<li{value}>{text if value else f'[{esc(a.ref)}] ' + text}</li>")
    return HTML('<ol class="corrected">' + "".join(items) + "</ol>")


# --- the report: title block, findings, methods, quality, recommendations, appendix -------------

def title_block(session: ReviewSession) -> HTML:
    """The report's title and the facts an editor needs first (all from review.yaml)."""
    meta = session.meta
    pairs = [
        ("Article", esc(meta.title)),
        ("Published on", esc(meta.site) or "<i>not recorded</i>"),
        ("Address", esc(meta.url) if meta.url else "<i>not shown on the page as received</i>"),
        ("Last updated (page)", esc(meta.last_updated) or "<i>not shown</i>"),
        ("Date reviewed", esc(meta.reviewed) or "<i>not recorded</i>"),
        ("Review version", esc(meta.version)),
        ("Reviewers", esc(meta.reviewers) or "<i>not recorded</i>"),
        ("Crossref snapshot", f"{esc(session.snapshot.provenance)}, {esc(session.snapshot.retrieved)}"),
    ]
    return HTML(f'<header class="title-block"><p class="kicker">Evidence review</p>'
                f"<h1>{esc(meta.title)}</h1>{definition_list(pairs)}</header>")


def _n(n: int, one: str, many: str | None = None) -> str:
    return counted(n, one, many)


def key_findings(session: ReviewSession) -> HTML:
    """The few findings that matter most, in plain words, every number computed from the data."""
    claims = session.claims
    cited = claims[claims["refs"].map(len) > 0]
    vc = cited["verdict"].value_counts()
    items = [
        f"Of the {_n(len(claims), 'claim')} the article makes, {count(len(cited))} cite a source. "
        f"Of those, {_n(int(vc.get('supported', 0)), 'is', 'are')} supported by the source cited, "
        f"{count(vc.get('partially-supported', 0))} only partly, "
        f"{count(vc.get('unsupported', 0))} not at all (the source is silent) and "
        f"{count(vc.get('contradicted', 0))} contradicted; "
        f"{count(vc.get('not-verifiable', 0))} could not be checked against the text available."]
    by_ref = verdicts_by_source(session)
    bad_cols = [c for c in ("unsupported", "contradicted") if c in by_ref.columns]
    if bad_cols:
        bad = by_ref[bad_cols].sum(axis=1)
        worst = bad.idxmax()
        if bad.max() > 0:
            total = int(by_ref.loc[worst].sum())
            items.append(f"{worst} is the source most often cited for what it does not "
                         f"say: {int(bad.max())} of the {_n(total, 'claim')} citing it are "
                         "unsupported or contradicted by it.")
    need = claims[(claims["verdict"] == "uncited") & claims["needs_citation"]]
    items.append(f"{_n(len(need), 'uncited claim')} make clinical, treatment or risk statements "
                 "that need a source; "
                 f"{count(need['would_support'].map(len).gt(0).sum())} of them could cite one of the "
                 "article's own references.")
    audit = session.audit
    major = [(a.ref, f) for a in audit.references for f in a.findings if f.severity == "major"]
    minor = sum(a.counts()["minor"] for a in audit.references)
    if major:
        what = ("; ".join(f"[{r}] {esc(f.field)}" for r, f in major[:SUMMARY_MAX_WRITTEN])
                + _more(len(major), SUMMARY_MAX_WRITTEN, "the reference audit"))
        items.append(f"The reference list has {_n(len(major), 'major error')} (a reader cannot "
                     f"reach the source: {what}) and {_n(minor, 'minor error')}.")
    else:
        items.append(f"The reference list has no major error and {_n(minor, 'minor error')}.")
    unreviewed = int((claims["verdict"] == UNREVIEWED).sum())
    if unreviewed:
        items.append(f"{_n(unreviewed, 'claim')} {'is' if unreviewed == 1 else 'are'} not yet "
                     "reviewed: this report is incomplete.")
    quality = quality_headline(session)
    if quality:
        items.append(quality)
    return HTML("<ol class=\"findings\">" + "".join(f"<li>{i}</li>" for i in items) + "</ol>")


BASIS_TEXT = {
    "full-text": "the full text", "abstract": "the abstract", "publisher-record": "the publisher's record",
    "pubmed-record": "the PubMed record", "secondary-summary": "a secondary summary of the source",
    "none": "nothing (no source was reachable, or none is cited)",
}


def bases_read(session: ReviewSession) -> pd.DataFrame:
    """How many claims were checked against each kind of text (the claims table's ``basis``),
    split into cited and uncited claims; every basis in the vocabulary's order, zeros left out."""
    frame = session.claims
    cited = frame["refs"].map(len) > 0
    rows = [{"basis": b, "cited": int(((frame["basis"] == b) & cited).sum()),
             "uncited": int(((frame["basis"] == b) & ~cited).sum())} for b in BASES]
    return pd.DataFrame([r for r in rows if r["cited"] or r["uncited"]])


def _what_was_read(session: ReviewSession) -> str:
    bases = bases_read(session)
    cited = bases[bases["cited"] > 0]
    n_cited = int(bases["cited"].sum())
    n_uncited = int(bases["uncited"].sum())
    said = [f"{BASIS_TEXT.get(r.basis, r.basis)} for {r.cited}" for r in cited.itertuples()]
    text = (f"For the {_n(n_cited, 'cited claim')}, the reviewer read "
            + (", ".join(said[:-1]) + " and " + said[-1] if len(said) > 1 else "".join(said)) + ".")
    if n_uncited:
        text += f" The {_n(n_uncited, 'uncited claim')} had no source to read."
    return esc(text)


def methods(session: ReviewSession) -> HTML:
    """How the review was made, from the review's own data: what was read for how many claims,
    where the records came from, the schemes applied (named in their files), software and commit."""
    scheme = session.scheme
    levels = "; ".join(f"level {esc(k)}: {esc(str(v.get('definition', '')).rstrip('.'))}"
                       for k, v in scheme.levels.items())
    sort_name = (scheme.raw.get("sort") or {}).get("name") or "SORT"
    sw = ", ".join(f"{esc(k)} {esc(v)}" for k, v in versions().items())
    parts = [
        "<h3>References</h3>",
        "<p>The reference list was read from the article as printed and kept unchanged. Each DOI was "
        "normalised and checked against Crossref's recommended pattern; a broken DOI was repaired "
        "only when the repaired DOI's record matched the cited authors, year and title, and a "
        "reference without a usable DOI was looked up by a bibliographic query above a stated match "
        "threshold. Each reference was then compared with its record field by field: a major error "
        "keeps a reader from the source, a minor one does not, and a value the record does not hold "
        "is reported as not checkable.</p>",
        f"<p>{snapshot_sentence(session)}</p>",
        "<h3>Claims</h3>",
        "<p>The article body was split into sentences and list items; the reviewer divided them into "
        "single claims and, for every cited claim, read what the cited source says as far as its "
        "text could be reached, paraphrased it and recorded where it says it. "
        f"{_what_was_read(session)}</p>",
        "<p>Verdicts use the quotation-accuracy scale: supported, partially supported, unsupported "
        "(the source is silent), contradicted, not verifiable (the relevant text could not be "
        "reached); uncited claims are marked as needing a source or not.</p>",
        f"<p>Evidence levels follow the {esc(scheme.name)} scheme ({levels}). Each claim's grade of "
        f"recommendation follows the {esc(sort_name)}: {esc(scheme.sort_rule)}</p>",
        "<h3>Reviewers</h3>",
        str(review_process(session)),
        "<h3>Software</h3>",
        f"<p>{sw}; built from git commit {esc(git_commit(session.review.root))}.</p>",
    ]
    return HTML("\n".join(parts))


def quality_headline(session: ReviewSession) -> str:
    """One sentence on JAMA, DISCERN and readability, or '' when quality was not assessed."""
    if session.quality is None:
        return ""
    q = quality_tables(session)
    overall = q["discern_scores"].set_index("part").loc["overall", "score"]
    whole = q["readability"].iloc[-1]
    lo, hi = q["target"]
    start = (f"As a whole, the article meets {q['jama_score']} of the 4 JAMA benchmarks, rates "
             f"{int(overall)} of 5 overall on DISCERN, and reads at ")
    if whole["fk_grade"] > hi:
        return (start + f"US school grade {whole['fk_grade']:.1f} (Flesch–Kincaid), above the "
                f"grade {lo:g}–{hi:g} target for patient material.")
    return start + f"grade {whole['fk_grade']:.1f}."


def quality_tables(session: ReviewSession) -> dict:
    """JAMA, DISCERN, currency and readability tables for the review (computed, not typed).

    Computed once per session: the summary, the quality section and the recommendations all use it.
    """
    return session.memo("quality_tables", lambda: _quality_tables(session))


def _quality_tables(session: ReviewSession) -> dict:
    entries = session.quality
    root = session.review.root
    page = (session.review.data_dir / (session.meta.raw.get("article", {}).get("original")
                                       or "article.original.txt"))
    page_text = page.read_text(encoding="utf-8") if page.is_file() else ""
    article_md = session.review.article.read_text(encoding="utf-8")
    jama = q.apply_reviewer(q.propose_jama(page_text, article_md), entries.get("jama", {}))
    instrument = q.load_discern(root / "data" / "quality" / "discern.yaml")
    target = tuple((entries.get("readability") or {}).get("target_grade", q.TARGET_GRADE))
    skip = tuple(session.meta.non_claim_sections) + ("References",)
    sections = q.split_sections(article_md, exclude=skip)
    records = {}
    for a in session.audit.references:
        if a.doi and session.snapshot.work(a.doi):
            records[a.ref] = session.snapshot.work(a.doi)
        else:
            records[a.ref] = {"printed_date": a.cited.date_text or a.cited.year}
    cur = entries.get("currency") or {}
    currency = (q.currency_of_sources(records, session.meta.last_updated,
                                      threshold_years=cur.get("threshold_years", q.DEFAULT_THRESHOLD_YEARS),
                                      notes=cur.get("notes")) if session.meta.last_updated else None)
    return {"jama": q.jama_table(jama), "jama_score": q.jama_score(jama),
            "discern": q.discern_table(instrument, entries.get("discern", {})),
            "discern_scores": q.discern_scores(instrument, entries.get("discern", {})),
            "readability": q.readability_by_section(sections, target_grade=target),
            "currency": currency, "target": target,
            "threshold": cur.get("threshold_years", q.DEFAULT_THRESHOLD_YEARS)}


def notes_once(frame: pd.DataFrame, column: str = "note") -> tuple[pd.DataFrame, list[str]]:
    """A note that several rows share, said once: each such row's note becomes a numbered mark
    ("see note 1") and the notes are returned to print under the table."""
    values = frame[column].fillna("").astype(str)
    shared = [v for v, n in values.value_counts().items() if v and n > 1]
    shared.sort(key=lambda v: list(values).index(v))
    marks = {v: f"see note {i}" for i, v in enumerate(shared, start=1)}
    return frame.assign(**{column: values.map(lambda v: marks.get(v, v))}), shared


def quality_section(session: ReviewSession) -> HTML:
    """JAMA benchmarks, DISCERN, currency of evidence and readability, as report tables."""
    if session.quality is None:
        return HTML('<p class="callout">The article as a whole was not assessed (no '
                    "<code>quality.yaml</code> in the review's data).</p>")
    q = quality_tables(session)
    yes = {True: "met", False: "not met"}
    parts = [f"<h3>JAMA benchmarks: {q['jama_score']} of 4 met</h3>",
             table(q["jama"], {"criterion": "Criterion", "proposed": "Proposed by the tool",
                               "final": "Reviewer's decision", "reason": "Reason"},
                   label="JAMA benchmarks"),
             "<h3>DISCERN</h3>",
             table(q["discern_scores"], {"name": "Part", "questions": "Questions", "score": "Score",
                                         "minimum": "Min", "maximum": "Max"},
                   numeric=("score", "minimum", "maximum"), label="DISCERN scores by part"),
             table(q["discern"], {"question": "Q", "text": "Question (paraphrased)",
                                  "score": "Score (1–5)", "justification": "Justification"},
                   numeric=("score",), label="DISCERN questions", keys=("question",)),
             f"<h3>Currency of the evidence (threshold {q['threshold']:g} years)</h3>"]
    if q["currency"] is not None:
        parts.append(table(q["currency"].fillna(""),
                           {"ref": "Ref", "date": "Date used", "date_field": "From",
                            "age_years": "Age (years)", "older_than_threshold": "Older than threshold",
                            "updates": "Updates on record", "reviewer_note": "Reviewer's note"},
                           cell={"older_than_threshold": lambda v, r: "yes: re-check" if v else "no",
                                 "age_years": lambda v, r: f"{v:.1f}" if v != "" else ""},
                           numeric=("age_years",), label="Currency of the evidence"))
    lo, hi = q["target"]
    read = q["readability"].copy()
    # said once under the table instead of in every row (readability.py's wording)
    smog_note = re.compile(r"SMOG needs \d+ sentences; only \d+ here, so it is not meaningful(; )?")
    read["note"] = read["note"].fillna("").astype(str).map(lambda v: smog_note.sub("", v).strip())
    read, notes = notes_once(read)
    few = ~read["smog_meaningful"].astype(bool)
    cols = {"section": "Section", "words": "Words", "sentences": "Sentences",
            "flesch_reading_ease": "Flesch reading ease", "fk_grade": "Flesch–Kincaid grade",
            "smog": "SMOG", "meets_target": "Meets target"}
    if read["note"].astype(bool).any():
        cols["note"] = "Note"
    parts += [f"<h3>Readability (target: US school grade {lo:g}–{hi:g})</h3>",
              table(read, cols,
                    cell={"meets_target": lambda v, r: yes.get(bool(v), "") if v == v else "",
                          "flesch_reading_ease": lambda v, r: f"{v:.1f}",
                          "fk_grade": lambda v, r: f"{v:.1f}",
                          "smog": lambda v, r: f"{v:.1f}" + ("*" if not r["smog_meaningful"] else "")},
                    numeric=("words", "sentences", "flesch_reading_ease", "fk_grade", "smog"),
                    label="Readability by section")]
    if few.any():
        parts.append(f'<p class="table-note">* SMOG was calibrated on samples of {SMOG_MIN_SENTENCES} '
                     f"sentences; {_n(int(few.sum()), 'row')} marked * {'has' if few.sum() == 1 else 'have'} "
                     "fewer, so their SMOG grade is only indicative.</p>")
    parts += [f'<p class="table-note">Note {i}: {esc(n)}</p>' for i, n in enumerate(notes, start=1)]
    return HTML("\n".join(parts))


def recommendations(session: ReviewSession) -> HTML:
    """What the editor should change: references to correct, claims to revise, citations to add."""
    audit = session.audit
    fixes = [(a.ref, f) for a in audit.references for f in a.findings
             if f.severity in ("major", "minor") and f.suggestion]
    parts = ["<h3>Correct the reference list</h3>"]
    if fixes:
        parts.append("<ul>" + "".join(
            f"<li>[{esc(r)}] {esc(f.field)} ({esc(f.severity)}): {esc(f.message)} "
            f"Use: <i>{esc(f.suggestion)}</i></li>" for r, f in fixes) + "</ul>")
    parts += ["<p>The corrected list, in the article's own style:</p>",
              str(corrected_reference_list(session))]
    revise = fix_list(session)
    cited = revise[revise["verdict"] != "uncited"]
    parts.append(f"<h3>Revise {_n(len(cited), 'cited claim')}</h3>")
    parts.append("<ul>" + "".join(
        f'<li><a href="#{claim_anchor(r.id)}">{esc(r.id)}</a> ({esc(r.verdict)}, cites '
        f"{ref_links(r.refs)}): {esc(r.text)}</li>" for r in cited.itertuples()) + "</ul>")
    q = quality_tables(session) if session.quality is not None else None
    if q is not None and q["currency"] is not None:
        old = q["currency"][q["currency"]["older_than_threshold"] == True]  # noqa: E712 (nullable)
        if len(old):
            parts.append(f"<h3>Re-check {_n(len(old), 'source')} older than {q['threshold']:g} "
                         "years</h3><ul>" + "".join(
                             f'<li><a href="#{ref_anchor(r.ref)}">[{esc(r.ref)}]</a> is '
                             f"{r.age_years:.1f} years old at the article's last update"
                             + (f": {esc(r.reviewer_note)}" if r.reviewer_note else "") + "</li>"
                             for r in old.itertuples()) + "</ul>")
    add = revise[revise["verdict"] == "uncited"]
    own = add[add["would_support"].map(len) > 0]
    parts.append(f"<h3>Add citations to {_n(len(add), 'uncited claim')}</h3>")
    parts.append(f"<p>{count(len(own))} of them could cite one of the article's own references; the others "
                 "need a new source.</p>")
    parts.append("<ul>" + "".join(
        f'<li><a href="#{claim_anchor(r.id)}">{esc(r.id)}</a>: {esc(r.text)}'
        + (f" (could cite {ref_links(r.would_support)})" if r.would_support else "")
        + "</li>" for r in add.itertuples()) + "</ul>")
    return HTML("\n".join(parts))


def claim_cards(session: ReviewSession) -> HTML:
    """Every claim in full, each with an anchor the tables link to."""
    cards = []
    for r in session.claims.itertuples():
        pairs = [("Section", esc(r.section)), ("Article's words", f"“{esc(r.quote)}”"),
                 ("Cites", ref_links(r.refs) or "nothing"), ("Verdict", badge(r.verdict))]
        if r.source_says:
            pairs.append(("Source says", esc(r.source_says)))
        if r.locator:
            pairs.append(("Where", esc(r.locator)))
        if r.basis and r.basis != "none":
            pairs.append(("Checked against", esc(r.basis)))
        if r.evidence_level:
            pairs.append(("Level / SORT", esc(r.evidence_level) + (f"; SORT {esc(r.sort)}"
                                                                    if r.sort else "")))
        if r.verdict == "uncited":
            pairs.append(("Needs a source", "yes" if r.needs_citation else "no"))
        if r.would_support:
            pairs.append(("Could cite", ref_links(r.would_support)))
        if r.indirect:
            pairs.append(("Indirect citation", "yes: the source only reports what another work "
                                               "found; cite that work"))
        if r.note:
            pairs.append(("Reviewer's note", esc(r.note)))
        suggested = session.passages.get(r.id) or []
        if suggested:
            pairs.append(("Suggested passages (BM25; not a verdict)", passages_html(suggested)))
        if r.reviewer:
            pairs.append(("Verdict set by", esc(r.reviewer) + (f" on {esc(r.decided)}" if r.decided else "")))
        cards.append(f'<div class="claim-card v-border-{esc(r.verdict)}" id="{claim_anchor(r.id)}">'
                     f'<p class="claim-title" role="heading" aria-level="3">{esc(r.id)}: '
                     f"{esc(r.text)}</p>{definition_list(pairs)}</div>")
    return HTML("\n".join(cards))


def passages_html(passages) -> str:
    """Suggested passages as a list: [ref] locator, score, and the text (a short quotation when the
    source has no open licence)."""
    items = []
    for p in passages:
        quote = "“" + esc(p.text) + "”" + ("" if p.open_licence else " <i>(short quotation: the "
                                                                      "text has no open licence)</i>")
        items.append(f'<li><a href="#{ref_anchor(p.ref)}">[{esc(p.ref)}]</a> {esc(p.locator)} '
                     f'<span class="score">(score {p.score:.2f})</span>: {quote}</li>')
    return f'<ol class="passages">{"".join(items)}</ol>'


def claim_passages(session: ReviewSession) -> HTML:
    """Notebook 02: each cited claim beside the passages BM25 suggests from its sources' texts.

    They are suggestions for the reviewer (who may take one as the claim's locator), never a verdict.
    """
    if not session.texts_by_ref:
        return HTML(f"<p>{esc(source_texts_note(session))}</p>")
    rows = []
    for r in session.claims.itertuples():
        if not r.refs:
            continue
        rows.append({"id": r.id, "claim": r.text, "refs": r.refs, "locator": r.locator or "",
                     "passages": session.passages.get(r.id) or []})
    return table(pd.DataFrame(rows),
                 {"id": "Id", "claim": "Claim", "locator": "Reviewer's locator",
                  "passages": "Suggested passages (BM25; not a verdict)"},
                 cell={"id": lambda v, r: f'<a href="#{claim_anchor(v)}">{esc(v)}</a>',
                       "passages": lambda v, r: passages_html(v) if v else
                       "<i>no text of the cited source(s)</i>"},
                 caption="Passages suggested from the sources' abstracts and open full texts")


def marker_findings(session: ReviewSession) -> HTML:
    found = session.audit.markers
    if not found:
        numbers = sorted(set(session.article.markers()), key=int)
        return HTML(f"<p>Every citation marker in the text ({', '.join(numbers)}) names a reference "
                    "in the list, and every reference is cited.</p>")
    return HTML("<ul>" + "".join(f"<li>{badge(f.severity, 's')} {esc(f.message)}</li>"
                                 for f in found) + "</ul>")


def bibliography(session: ReviewSession, style: str | None = None) -> HTML:
    """The annotated bibliography (formatted citation + the reviewer's annotation per source).

    The citation style is ``style``, else ``review.bibliography_style`` in review.yaml (ama,
    vancouver or apa), else AMA.
    """
    style = style or (session.meta.raw.get("review") or {}).get("bibliography_style") or "ama"
    return annotated_bibliography(session, style=style)


def frame_table(frame: pd.DataFrame, index: bool | None = None) -> HTML:
    """A DataFrame in the report's table style (its named index becomes the first column)."""
    if index or (index is None and frame.index.name):
        frame = frame.reset_index()
    numeric = [c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c])]
    return table(frame, {c: str(c) for c in frame.columns}, numeric=numeric)


# --- reviewers: who judged, how far they agreed, how conflicts were settled, the trail ------------

def _kappa_text(value: float | None) -> str:
    return "undefined (one verdict throughout)" if value is None else f"{value:.2f}"


def review_process(session: ReviewSession) -> HTML:
    """Who reviewed, their agreement and how conflicts were settled (one paragraph, from the data).

    With no reviewer files (``data/NAME/verdicts/``) the review had a single reviewer and says so:
    no agreement is reported because none was measured.
    """
    files = session.verdict_files
    named = esc(session.meta.reviewers) or "not recorded"
    if len(files) < 2:
        own = (f" One reviewer's own verdict file exists ({esc(next(iter(files)))}); a second is "
               "needed to measure agreement.") if files else ""
        return HTML(f"<p>Single reviewer ({named}): each verdict in the claims table was set by one "
                    "reviewer, and no second, independent review was made, so no agreement between "
                    f"reviewers is reported.{own}</p>")
    # imported here: scikit-learn (behind the agreement module) costs ~2 s to load
    from evidence_review.appraisal import agreement as agreement_mod

    a = session.agreement
    m = len(session.claims)
    done = ", ".join(f"{esc(r)} {len(set(vf.verdicts()) & set(session.claims['id']))} of {m}"
                     for r, vf in files.items())
    parts = [f"<p>{len(files)} reviewers ({', '.join(esc(r) for r in a.reviewers)}) judged the claims "
             "independently, each into a file of their own (<code>data/"
             f"{esc(session.review.name)}/verdicts/</code>), blinded to one another's verdicts until "
             "every reviewer had finished."
             + ("" if a.complete else f" <b>The dual review is not finished</b> ({done}).") + "</p>"]
    if a.kappa is not None or a.alpha is not None:
        kappa = ""
        if len(a.reviewers) == 2:
            ci = (f" (95% CI {a.kappa_ci[0]:.2f} to {a.kappa_ci[1]:.2f}, {esc(agreement_mod.CI_METHOD)})"
                  if a.kappa_ci else "")
            kappa = f"Cohen's κ = {_kappa_text(a.kappa)}{ci} and "
        alpha = "undefined" if a.alpha is None else f"{a.alpha:.2f}"
        observed = (f"; they gave the same verdict to {a.observed:.0%} of them"
                    if a.observed is not None else "")
        parts.append(f"<p>Agreement over the {_n(a.claims, 'cited claim')} judged by "
                     f"{'both' if len(a.reviewers) == 2 else 'two or more'} (uncited claims left out): "
                     f"{kappa}Krippendorff's α = {alpha} (verdicts as {agreement_mod.ALPHA_LEVEL} "
                     f"categories){observed}.</p>")
    else:
        parts.append("<p>No cited claim has been judged by two reviewers yet: no agreement to report.</p>")
    settled = [c for c in a.conflicts if c["settled"]]
    open_ = [c for c in a.conflicts if not c["settled"]]
    if not a.conflicts:
        parts.append("<p>The reviewers gave every claim the same verdict: there was no conflict to "
                     "settle.</p>")
    else:
        who = ", ".join(esc(w) for w in sorted({c["settled"]["reviewer"] for c in settled}))
        text = f"<p>{_n(len(a.conflicts), 'conflict')} (claims with different verdicts): "
        text += (f"{len(settled)} settled by adjudication (the final verdict set in the claims table by "
                 f"{who}, with every reviewer's verdict and note in view)" if settled
                 else "none settled yet")
        if open_:
            text += (f"; {len(open_)} not yet settled ({', '.join(esc(c['id']) for c in open_)}), "
                     "whose verdict in this report is the claims table's own")
        parts.append(text + ".</p>")
    if a.per_source:
        rows = [{"source": f"[{ref}]", "claims": v["n"], "kappa": _kappa_text(v["kappa"]),
                 "alpha": "undefined" if v["alpha"] is None else f"{v['alpha']:.2f}"}
                for ref, v in a.per_source.items()]
        parts.append(str(table(pd.DataFrame(rows), {"source": "Source", "claims": "Claims judged",
                                                    "kappa": "Cohen's κ", "alpha": "Krippendorff's α"},
                               numeric=("claims",))))
    return HTML("\n".join(parts))


def verdict_trail(session: ReviewSession) -> HTML:
    """Who set each verdict and when: the claims table's trail, beside each reviewer's own verdict."""
    claims = session.claims
    files = session.verdict_files
    trailed = claims[claims["reviewer"].str.strip() != ""]
    if trailed.empty and not files:
        named = esc(session.meta.reviewers) or "not recorded"
        return HTML(f"<p>The claims table records no trail: its {count(len(claims))} verdicts were set "
                    f"by the single reviewer named in the title block ({named}), before the review form "
                    "recorded who decided each verdict and when.</p>")
    rows = []
    for r in claims.itertuples():
        row = {"id": r.id, "verdict": r.verdict, "reviewer": r.reviewer or "not recorded",
               "decided": r.decided or ""}
        for name, vf in files.items():
            mine = vf.by_id().get(r.id, {})
            row[name] = (mine.get("verdict", "") or "—") + (f" ({mine['decided']})" if mine.get("decided")
                                                            else "")
        rows.append(row)
    columns = {"id": "Claim", "verdict": "Final verdict", "reviewer": "Set by", "decided": "On"}
    columns.update({name: f"{name}'s verdict" for name in files})
    return table(pd.DataFrame(rows), columns,
                 cell={"id": lambda v, r: f'<a href="#{claim_anchor(v)}">{esc(v)}</a>',
                       "verdict": lambda v, r: badge(v)})


# --- the editor's summary and what to do next ---------------------------------------------------

# The editor's summary stays a summary at any size: at most this many claims written out per group,
# and this many claims or references linked; the rest are counted ("and 120 more in the claims table").
SUMMARY_MAX_WRITTEN, SUMMARY_MAX_LINKED = 10, 50


def _more(total: int, shown: int, where: str) -> str:
    return f" and {count(total - shown)} more in {where}" if total > shown else ""


def _claim_items(rows, with_text: bool) -> str:
    if with_text:
        shown = rows.head(SUMMARY_MAX_WRITTEN)
        more = _more(len(rows), len(shown), "the claims table")
        return "<ul>" + "".join(
            f"<li>{claim_link(r.id)} (cites {ref_links(r.refs) or 'nothing'}): {esc(r.text)}</li>"
            for r in shown.itertuples()) + (f"<li>…{more}</li>" if more else "") + "</ul>"
    shown = rows.head(SUMMARY_MAX_LINKED)
    return (": " + ", ".join(claim_link(r.id) for r in shown.itertuples())
            + _more(len(rows), len(shown), "the claims table"))


def editors_summary(session: ReviewSession) -> HTML:
    """The first page for an editor: a verdict on the article and the fixes that matter, worst
    first, each linked to its detail (claims to the appendix, references to the bibliography)."""
    claims = session.claims
    cited = claims[claims["refs"].map(len) > 0]
    fix = fix_list(session)
    major = [(a.ref, f) for a in session.audit.references for f in a.findings if f.severity == "major"]
    minor = [(a.ref, f) for a in session.audit.references for f in a.findings if f.severity == "minor"]
    wrong = fix[fix["verdict"].isin(["contradicted", "unsupported"])]
    need = fix[fix["verdict"] == "uncited"]
    unreviewed = int((claims["verdict"] == UNREVIEWED).sum())
    problems = []
    if len(wrong):
        problems.append(f"{count(len(wrong))} of its {_n(len(cited), 'cited claim')} "
                        f"{'is' if len(wrong) == 1 else 'are'} contradicted or not supported by the "
                        "source cited")
    if len(need):
        problems.append(f"{_n(len(need), 'clinical statement')} cite{'s' if len(need) == 1 else ''} "
                        "no source")
    if major:
        problems.append(f"{_n(len(major), 'reference')} cannot be followed to the source as printed")
    if unreviewed:
        verdict = (f"Not yet assessable: {_n(unreviewed, 'claim')} {'is' if unreviewed == 1 else 'are'} "
                   "not yet reviewed, so this summary is incomplete.")
        ok = False
    elif problems:
        verdict = ("Not ready to publish as it stands: " + ", ".join(problems[:-1])
                   + (" and " if len(problems) > 1 else "") + problems[-1] + ".")
        ok = False
    else:
        verdict = "Fit to publish once the minor corrections below are made."
        ok = True
    groups = []
    for ref, f in major[:SUMMARY_MAX_WRITTEN]:
        groups.append(f"<li><b>Correct reference {ref_links([ref])}</b> ({esc(f.field)}, major): "
                      f"{esc(f.message)}" + (f" Use: <i>{esc(f.suggestion)}</i>" if f.suggestion else "")
                      + "</li>")
    if len(major) > SUMMARY_MAX_WRITTEN:
        groups.append(f"<li><b>Correct {_n(len(major) - SUMMARY_MAX_WRITTEN, 'more reference')}</b> "
                      "with a major error: they are listed in the reference audit</li>")
    labels = {"contradicted": ("Rewrite or remove", "that the source cited contradicts", True),
              "unsupported": ("Re-source or remove", "that the cited source does not make", True),
              "not-verifiable": ("Check", "against the full text of their source (the text that "
                                 "could be reached did not settle them)", False),
              "partially-supported": ("Qualify", "that the source supports only in part", False)}
    for verdict_name, (action, why, with_text) in labels.items():
        rows = fix[fix["verdict"] == verdict_name]
        if len(rows):
            groups.append(f"<li><b>{action} {_n(len(rows), 'claim')}</b> {why}"
                          f"{_claim_items(rows, with_text)}</li>")
    if len(need):
        own = need[need["would_support"].map(len) > 0]
        groups.append(f"<li><b>Add a source to {_n(len(need), 'uncited claim')}</b> that make clinical, "
                      f"treatment or risk statements ({count(len(own))} could cite one of the article's own "
                      f"references){_claim_items(need, False)}</li>")
    if minor:
        refs = sorted({r for r, _ in minor}, key=lambda r: (len(r), r))
        groups.append(f"<li><b>Tidy {_n(len(minor), 'minor error')}</b> in the reference list "
                      f"(the sources stay reachable): {ref_links(refs[:SUMMARY_MAX_LINKED])}"
                      f"{_more(len(refs), SUMMARY_MAX_LINKED, 'the reference audit')}</li>")
    fixes = ('<ol class="fixes">' + "".join(groups) + "</ol>") if groups else "<p>Nothing to fix.</p>"
    return HTML(f'<div class="editors-summary"><p class="verdict{" ok" if ok else ""}">'
                f"<b>Verdict:</b> {verdict}</p>{claims_summary(session)}"
                f'<p class="fixes-title" role="heading" aria-level="3"><b>The fixes that matter, '
                f"worst first</b></p>{fixes}</div>")


_FINDING_ORDER = {"major": 0, "minor": 1}


def action_digest(session: ReviewSession) -> HTML | None:
    """A large review's findings that need action, worst first, at most
    :data:`pdf_scope.PDF_ACTION_MAX` of each kind, with how many more the report holds; and which
    parts its PDF (the editor's PDF, :func:`pdf_scope.editors_pdf`) leaves to this HTML report.

    Nothing (no output) for a review under the limit: its PDF is the whole report.
    """
    references, claims = len(session.audit.references), len(session.claims)
    if not pdf_scope.editors_pdf(references, claims):
        return None
    cap = pdf_scope.PDF_ACTION_MAX
    left = ", ".join(name[0].lower() + name[1:] for name, _kind in pdf_scope.OMITTABLE.values())
    parts = [f"<h2>{pdf_scope.ACTION_HEADING}</h2>",
             f'<p class="callout">This review has {_n(references, "reference")} and '
             f"{_n(claims, 'claim')}, more than {count(pdf_scope.PDF_FULL_MAX_ENTRIES)}: its PDF is the "
             "editor's PDF. The PDF holds the summary, the key findings, the methods, this section, "
             "the charts, the quality of the article and what to do next; it leaves the parts with a "
             f"row per reference or per claim to this HTML report ({esc(left)}; and the currency "
             "table). <code>build --full-pdf</code> prints everything.</p>"]
    found = sorted(((a.ref, f) for a in session.audit.references for f in a.findings
                    if f.severity in _FINDING_ORDER),
                   key=lambda rf: (_FINDING_ORDER[rf[1].severity], len(rf[0]), rf[0]))
    refs_with = len({r for r, _f in found})
    parts.append(f"<h3>References with errors</h3><p>{_n(len(found), 'major or minor error')} in "
                 f"{_n(refs_with, 'reference')} of {count(references)}.</p>")
    if found:
        rows = pd.DataFrame([{"ref": r, "field": f.field, "severity": f.severity, "message": f.message,
                              "suggestion": f.suggestion or ""} for r, f in found[:cap]])
        parts.append(str(table(rows, {"ref": "Ref", "severity": "Severity", "field": "Field",
                                      "message": "Finding", "suggestion": "Suggested correction"},
                               cell={"ref": lambda v, r: f"[{esc(v)}]",
                                     "severity": lambda v, r: badge(v, "s")},
                               row_class=lambda r: f"s-{r['severity']}",
                               label="References with errors, worst first")))
        parts.append(_digest_more(len(found), cap, "finding", "the reference audit"))
    else:
        parts.append("<p>No reference has a major or minor error.</p>")
    fix = fix_list(session)
    parts.append(f"<h3>Claims to fix</h3><p>{_n(len(fix), 'claim')} of {count(claims)} contradicted, "
                 "unsupported, not verifiable, partly supported, or uncited where a source is needed.</p>")
    if len(fix):
        parts.append(str(table(fix.head(cap), {"id": "Claim", "verdict": "Verdict", "refs": "Cited",
                                               "text": "Claim", "note": "Reviewer's note"},
                               cell={"verdict": lambda v, r: badge(v),
                                     "refs": lambda v, r: ", ".join(f"[{esc(x)}]" for x in v) or "none"},
                               row_class=lambda r: f"v-{r['verdict']}",
                               label="Claims that need action, worst first")))
        parts.append(_digest_more(len(fix), cap, "claim", "the claims table"))
    else:
        parts.append("<p>No reviewed claim is contradicted, unsupported, partial, unverifiable or "
                     "missing a source it needs.</p>")
    unreviewed = int((session.claims["verdict"] == UNREVIEWED).sum())
    if unreviewed:
        parts.append(f"<p>{_n(unreviewed, 'claim')} {'is' if unreviewed == 1 else 'are'} not yet "
                     "reviewed: what needs action among them is not known yet.</p>")
    return HTML("\n".join(parts))


def _digest_more(total: int, cap: int, one: str, where: str) -> str:
    """The line under a capped list: how many more, and where they all are."""
    if total <= cap:
        return f'<p class="table-note">All {_n(total, one)}, worst first.</p>'
    return (f'<p class="table-note">The {count(cap)} worst of {_n(total, one)}: '
            f"{count(total - cap)} more in the HTML report (review.html), in {where}.</p>")


def verdict_legend(session: ReviewSession) -> HTML:
    """The verdict scale and the evidence scheme, named from the scheme file."""
    sort_name = (session.scheme.raw.get("sort") or {}).get("name") or "SORT"
    return HTML(
        '<p class="legend">Verdicts: <b>supported</b> (the source says it), <b>partially-supported</b> '
        "(narrower, weaker or only in part), <b>unsupported</b> (the source is silent), "
        "<b>contradicted</b>, <b>not-verifiable</b> (the text could not be reached), <b>uncited</b>. "
        f"The level is the {esc(session.scheme.name)} level of the cited source; the grade is the "
        f"{esc(sort_name)} grade of the claim, from the sources that support it.</p>")


def scheme_note(session: ReviewSession) -> HTML:
    """Which scheme the levels follow (named in its file) and where the reviewer's judgements are."""
    sort_name = (session.scheme.raw.get("sort") or {}).get("name") or "SORT"
    return HTML(
        f"<p>The level of each source follows the {esc(session.scheme.name)} scheme in "
        "<code>data/evidence-levels.yaml</code>; the reviewer's judgement of each source is in "
        f"<code>{esc(session.review.rel(session.review.sources))}</code>. A claim's grade in the "
        f"{esc(sort_name)} is derived from the sources that support it, by the rule in the scheme "
        "file.</p>")


def next_steps(session: ReviewSession, stage: str) -> HTML:
    """What to do after a notebook, from the review's state: ``stage`` is ``references``,
    ``claims`` or ``report``."""
    name = esc(session.review.name)
    steps = []
    if stage == "references":
        major = sum(a.counts()["major"] for a in session.audit.references)
        minor = sum(a.counts()["minor"] for a in session.audit.references)
        if major or minor:
            steps.append(f"Send the writer the corrected reference list above: it fixes "
                         f"{_n(major, 'major error')} and {_n(minor, 'minor error')}.")
        if session.snapshot.provenance != "crossref-api":
            steps.append("When Crossref can be reached, replace the reconstructed records with live "
                         f"ones (<code>evidence-review fetch --review {name} --refresh</code>) and run "
                         "this notebook again.")
        steps.append("Then check the claims against these sources in <code>02-claims.ipynb</code>.")
    elif stage == "claims":
        for item in session.pending():
            steps.append(f"Finish the review: {esc(item)}.")
        steps.append(f"Run <code>evidence-review check --review {name}</code>: it names every row "
                     "that is incomplete or inconsistent.")
        steps.append(f"Build the report (<code>evidence-review build --review {name}</code>) and read "
                     "it as the editor will, in <code>03-report.ipynb</code> or "
                     f"<code>reports/{name}/review.html</code>.")
    else:
        n_fix = len(fix_list(session))
        steps.append(f"Send the writer the fixes listed in the editor's summary ({_n(n_fix, 'claim')} "
                     "and the corrected reference list).")
        steps.append("When the article has been revised, have the reviewer check the changed claims "
                     "again; this report is then rebuilt from the updated review.")
    return HTML('<ol class="next-steps">' + "".join(f"<li>{s}</li>" for s in steps) + "</ol>")
