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


def vancouver_name(author: str) -> str:
    """'de Carvalho, M. A.' / 'Lindqvist, AB' as Vancouver prints it: 'de Carvalho MA' (particles kept)."""
    family, _, given = author.partition(",")
    letters = "".join(ch for ch in given if ch.isalpha() and ch.isupper())
    return f"{family.strip()} {letters}".strip()


def format_vancouver(ref: CitedReference, ama: bool = False) -> str:
    """One reference in the Vancouver (NLM) or AMA style, the article's own when it uses one.

    ``Family AB, Family CD. Title. Journal. Year;Vol(Issue):pages. doi:10.xxx``; a web page:
    ``Organisation. Title. Published Year. Accessed Date. URL`` (AMA) or ``Title [Internet].
    Publisher; Year [cited Date]. Available from: URL`` (Vancouver). "et al." is never an author.
    """
    names = [vancouver_name(a) for a in ref.authors]
    etal = bool(getattr(ref, "et_al", False))
    who = ", ".join(names) + (", et al" if etal else "") if names else (ref.organisation or "")
    parts = [f"{who}." if who else ""]
    title = (ref.title or "").rstrip(".")
    doi = ref.doi_printed
    if doi and doi.lower().startswith(("https://doi.org/", "http://doi.org/", "http://dx.doi.org/")):
        doi = "doi:" + doi.split("doi.org/", 1)[1]
    if ref.kind == "web" and not ref.volume:
        if ama:
            parts += [f"{title}." if title else "",
                      f"{ref.container}." if ref.container and ref.container != ref.organisation else "",
                      f"Published {ref.date_text or ref.year}." if ref.date_text or ref.year else "",
                      f"Accessed {ref.accessed}." if ref.accessed else "", ref.url or doi or ""]
        else:
            when = ref.date_text or ref.year or ""
            cited = f" [cited {ref.accessed}]" if ref.accessed else ""
            parts += [f"{title} [Internet]." if title else "",
                      f"{ref.publisher or ref.organisation or ''}; {when}{cited}.".lstrip("; "),
                      f"Available from: {ref.url}" if ref.url else (doi or "")]
        return " ".join(p for p in parts if p and p != ".").strip()
    source = ref.container or ""
    when = ref.year or ref.date_text or ""
    detail = (f";{ref.volume}" if ref.volume else "") + (f"({ref.issue})" if ref.issue else "") \
        + (f":{ref.pages}" if ref.pages else "")
    parts += [f"{title}." if title else "", f"{source}." if source else "",
              f"{when}{detail}." if when or detail else "", doi or (ref.url or "")]
    return " ".join(p for p in parts if p).strip()


def format_in_style(ref: CitedReference, style: str | None) -> str:
    """One reference in the article's detected style ("apa", "ama", "vancouver"); APA otherwise."""
    if style in ("ama", "vancouver"):
        return format_vancouver(ref, ama=style == "ama")
    return format_apa(ref)
