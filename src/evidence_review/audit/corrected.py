"""The corrected reference list: each reference as cited, with the record's values where it was wrong."""

from __future__ import annotations

import copy

from evidence_review.audit.fields import (
    _split_printed,
    apa_name,
    compare_journal,
    compare_title,
    compare_year,
)
from evidence_review.audit.findings import Finding
from evidence_review.core.textmatch import record_family, text_key
from evidence_review.intake.references import CitedReference
from evidence_review.records.csl import from_crossref


def _corrected_authors(cited: CitedReference, names: list[dict]) -> list[str]:
    """Record names in APA form; a record name without given names keeps the printed initials."""
    out = []
    printed = {text_key(_split_printed(a)[0]): _split_printed(a)[1] for a in cited.authors}
    for name in names:
        if "literal" in name:
            out.append(name["literal"])
        elif name.get("given"):
            out.append(apa_name(name))
        else:
            given = printed.get(text_key(record_family(name)), "")
            out.append(f"{record_family(name)}, {given}" if given else record_family(name))
    return out


def _wrong(findings: list[Finding]) -> Finding | None:
    """The first major or minor finding that carries a suggestion."""
    return next((f for f in findings if f.severity in ("major", "minor") and f.suggestion), None)


def corrected_reference(cited: CitedReference, record: dict | None) -> CitedReference:
    """The reference with every field the record confirms taken from it, the rest as printed.

    A value that the audit accepts (a title differing only in case, the journal's recorded
    abbreviation, a cited year matching the recorded publication date) is kept as printed.
    """
    fixed = copy.deepcopy(cited)
    if not record:
        return fixed
    csl = from_crossref(record)
    if csl.get("author"):
        fixed.authors = _corrected_authors(cited, csl["author"])
        fixed.et_al = False  # the record's list is complete
    if _wrong(compare_title(cited, csl)):
        fixed.title = csl["title"]
    if _wrong(compare_journal(cited, csl)):
        fixed.container = csl.get("container-title") or csl.get("container-title-short")
    if year := _wrong(compare_year(cited, csl)):
        fixed.year = year.suggestion
        fixed.date_text = None
    fixed.volume = csl.get("volume") or cited.volume
    fixed.issue = csl.get("issue") or cited.issue
    if csl.get("page"):
        fixed.pages = csl["page"].replace("-", "\u2013")
    if csl.get("DOI"):
        fixed.doi_printed = f"https://doi.org/{csl['DOI']}"
    return fixed


def _join_authors(authors: list[str]) -> str:
    if len(authors) <= 1:
        return "".join(authors)
    return ", ".join(authors[:-1]) + ", & " + authors[-1]


def format_apa(ref: CitedReference) -> str:
    """One reference in the article's APA-like style.

    ``Family, I., & Family, I. (Year). Title. Journal, vol(issue), pages. https://doi.org/...``;
    a web page: ``Organisation. (Date). Title. Publisher. URL``.
    """
    who = _join_authors(ref.authors) if ref.authors else (ref.organisation or "")
    if ref.authors and ref.et_al:
        who += ", et al."
    when = ref.date_text or ref.year or "n.d."
    parts = [f"{who}{'' if who.endswith('.') else '.'} ({when})." if who else f"({when})."]
    if ref.title:
        parts.append(ref.title if ref.title[-1] in ".?!" else f"{ref.title}.")
    # APA leaves out a site name that repeats the author ("NHS. (2019) ... NHS.").
    if ref.container and text_key(ref.container) != text_key(ref.organisation):
        source = ref.container
        if ref.volume:
            source += f", {ref.volume}" + (f"({ref.issue})" if ref.issue else "")
        if ref.pages:
            source += f", {ref.pages}"
        parts.append(f"{source}.")
    if ref.publisher:
        parts.append(f"{ref.publisher}.")
    if ref.accessed:
        parts.append(f"Retrieved {ref.accessed}, from")
    link = ref.doi_printed or ref.url
    if link:
        parts.append(link)
    return " ".join(parts)
