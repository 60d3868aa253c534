"""JAMA benchmarks (Silberg et al., 1997): authorship, attribution, disclosure, currency; 0–4.

The tool proposes each criterion from the page with generic rules (bylines, reference lists,
disclosure phrases, labelled dates); the reviewer confirms or overrides each one, with a reason, in
``data/<review>/quality.yaml``. The rules only gather evidence; the judgement is the reviewer's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import pandas as pd

from evidence_review.core.errors import InputError, Problem
from evidence_review.core.markers import MARKER, numbers_in

CRITERIA = ("authorship", "attribution", "disclosure", "currency")

_CREDENTIAL = re.compile(
    r"\b(?:M\.?D|MBBS|MBChB|D\.?O|Ph\.?\s?D|PharmD|B\.?\s?Pharm|M\.?\s?Pharm|RN|RD|RDN|MPH|MSc|"
    r"BSc|DNB|BDS|BAMS|FRCP|FRACP|FACP|PA-C|DPT|MRCGP|LPN|APRN|DrPH)\b\.?"
    r"|\bDr\.?(?=\s+[A-Z])"
)
# Names must be capitalised even though the byline words around them match in any case.
_NAME = r"(?-i:(?:Dr\.?[ \t]+)?[A-Z][\w'’.-]+(?:[ \t]+[A-Z][\w'’.-]*){1,3})"
_BYLINE = re.compile(
    r"(?:(?:written|authored|reviewed|medically\s+reviewed|fact[-\s]checked|edited|"
    r"compiled)\s+by|^\s*(?:by|authors?|writer|reviewer)\b)\s*[:\-–]?\s*(?P<name>" + _NAME + ")",
    re.IGNORECASE | re.MULTILINE,
)
_REF_HEADING = re.compile(
    r"^#{1,6}\s*(?:references|sources|bibliography|citations|works cited)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_REF_ENTRY = re.compile(r"^\s*(?:\[\d+\]|\d+[.)]|[-*])\s+\S", re.MULTILINE)
_OWNERSHIP = re.compile(
    r"owned\s+(?:and\s+operated\s+)?by|©|\bcopyright\b|registered\s+office|"
    # a company suffix after a capitalised name; case-sensitive so "limited evidence" is no owner
    r"(?-i:\b[A-Z][\w&.-]*\s+(?:Inc|Ltd|LLC|GmbH|plc|Private\s+Limited|Limited|Corporation)\b)",
    re.IGNORECASE,
)
_COMMERCIAL = re.compile(
    r"sponsor(?:ed|ship)|advertis(?:ing|ement)\s+(?:policy|disclosure)|"
    r"(?:contains|includes|displays)\s+(?:ads|advertising|advertisements|affiliate)|"
    r"affiliate\s+(?:links?|commissions?)|funded\s+by|funding\s+(?:source|statement)|"
    r"conflicts?\s+of\s+interest|competing\s+interests?|"
    r"(?:financial|commercial)\s+(?:disclosure|relationships?|interests?)|"
    r"paid\s+(?:partnership|content)|editorial\s+(?:policy|independence)",
    re.IGNORECASE,
)
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DATE = (
    r"(?P<date>\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH + r"\.?,?\s+\d{4}"
    r"|" + _MONTH + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|" + _MONTH + r"\.?,?\s+\d{4})"
)
_SEP = r"(?:\s+on)?\s*[:\-–]?\s*"
_UPDATED = re.compile(
    r"\b(?:last\s+)?(?:updated|modified|revised|(?:medically\s+)?reviewed)" + _SEP + _DATE,
    re.IGNORECASE,
)
_POSTED = re.compile(
    r"\b(?:(?:first\s+)?published|posted|created|date\s+posted)" + _SEP + _DATE, re.IGNORECASE
)


@dataclass(frozen=True)
class JamaCriterion:
    """One JAMA benchmark: what the rules proposed, and what stands after the reviewer.

    ``met`` is the final decision; ``proposed_met`` what the rules found; ``overridden`` is True
    when the reviewer changed it; ``reason`` is the reviewer's sentence (empty until reviewed).
    """

    criterion: str
    met: bool
    evidence: str
    proposed_met: bool
    reviewed: bool = False
    overridden: bool = False
    reason: str = ""


def propose_jama(original_page_text: str, article_md: str) -> list[JamaCriterion]:
    """Propose the four JAMA benchmarks from the page as received and the article markdown.

    Parameters
    ----------
    original_page_text : str
        The whole page as received, site chrome included (bylines, dates, footers live there).
    article_md : str
        The article body as markdown, with ``[n]`` markers and a references section.

    Returns
    -------
    list of JamaCriterion
        In the order authorship, attribution, disclosure, currency; not yet reviewed.
    """
    page = f"{original_page_text}\n{article_md}"
    found = [
        _authorship(page),
        _attribution(article_md, page),
        _disclosure(page),
        _currency(page),
    ]
    return [JamaCriterion(name, met, evidence, met)
            for name, (met, evidence) in zip(CRITERIA, found, strict=True)]


def _authorship(page: str) -> tuple[bool, str]:
    for match in _BYLINE.finditer(page):
        name = match.group("name").strip()
        nearby = page[match.start(): match.end() + 200]
        creds = sorted({c.group(0).strip(" .") for c in _CREDENTIAL.finditer(nearby)})
        if creds:
            return True, f"byline names {name!r} with credentials ({', '.join(creds)})"
        return False, f"byline names {name!r} but states no credentials or affiliation"
    listed = [ln for ln in page.splitlines() if len(ln) < 80 and _CREDENTIAL.search(ln)]
    if listed:
        return False, (f"no byline ('written/reviewed by …'); {len(listed)} lines with credentials "
                       "appear elsewhere on the page (e.g. a staff list) but none is tied to "
                       "this article")
    return False, "no named author or reviewer found"


def _attribution(article_md: str, page: str) -> tuple[bool, str]:
    heading = _REF_HEADING.search(article_md)
    if not heading:
        return False, "no references or sources section in the article"
    refs = article_md[heading.end():]
    body = article_md[: heading.start()]
    entries = len(_REF_ENTRY.findall(_first_section(refs)))
    cited = sorted(set(numbers_in(body)), key=int)
    markers = len(MARKER.findall(body))
    notes = [f"{entries} references listed",
             f"{markers} citation markers in the text citing {len(cited)} distinct numbers"]
    if re.search(r"©|\bcopyright\b", page, re.IGNORECASE):
        notes.append("a copyright notice is present")
    return entries > 0, "; ".join(notes)


def _first_section(text: str) -> str:
    """Text up to the next heading: the reference list ends where another section starts."""
    nxt = re.search(r"^#{1,6}\s", text, re.MULTILINE)
    return text[: nxt.start()] if nxt else text


def _disclosure(page: str) -> tuple[bool, str]:
    owner = _snippets(_OWNERSHIP, page)
    commercial = _snippets(_COMMERCIAL, page)
    parts = [
        f"ownership signs: {owner}" if owner else "no ownership statement",
        f"sponsorship/advertising/interest statements: {commercial}" if commercial
        else "no statement on sponsorship, advertising, funding or conflicts of interest",
    ]
    return bool(owner and commercial), "; ".join(parts)


def _snippets(pattern: re.Pattern[str], text: str, limit: int = 3) -> str:
    seen: list[str] = []
    for match in pattern.finditer(text):
        word = " ".join(match.group(0).split())
        if word.casefold() not in (s.casefold() for s in seen):
            seen.append(word)
    return ", ".join(repr(s) for s in seen[:limit])


def _currency(page: str) -> tuple[bool, str]:
    dates = page_dates(page)
    if not any(dates.values()):
        return False, "no dated 'posted' or 'updated' label found"
    parts = [f"{kind}: {', '.join(found)}" if found else f"no {kind} date"
             for kind, found in dates.items()]
    return True, "; ".join(parts)


def page_dates(page: str) -> dict[str, list[str]]:
    """Dates the page labels as posting and update dates, as printed.

    Parameters
    ----------
    page : str
        Page text.

    Returns
    -------
    dict
        ``{"posted": [...], "updated": [...]}``, each in page order without repeats.

    Examples
    --------
    >>> page_dates("Last updated on : 08 Nov, 2025")
    {'posted': [], 'updated': ['08 Nov, 2025']}
    """
    return {
        "posted": list(dict.fromkeys(m.group("date") for m in _POSTED.finditer(page))),
        "updated": list(dict.fromkeys(m.group("date") for m in _UPDATED.finditer(page))),
    }


def parse_page_date(text: str) -> date | None:
    """Read a date as a page prints it ("08 Nov, 2025", "2025-11-08", "November 8, 2025").

    Returns None for forms without a day (a month and year only) or that do not parse. Numeric
    slash dates are read day first.
    """
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text).replace(",", " ").replace(".", " ")
    cleaned = " ".join(cleaned.split())
    for fmt in ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def apply_reviewer(
    proposals: Iterable[JamaCriterion],
    reviewer_entries: Mapping[str, Mapping[str, Any]],
    source: str = "quality.yaml",
) -> list[JamaCriterion]:
    """Apply the reviewer's confirmations and overrides to the proposals.

    Parameters
    ----------
    proposals : iterable of JamaCriterion
        From :func:`propose_jama`.
    reviewer_entries : mapping
        Criterion -> ``{"met": bool, "reason": str}`` (the ``jama`` block of quality.yaml).
        A criterion without an entry keeps the rule's proposal, marked as not reviewed.
    source : str
        File name used in error messages.

    Returns
    -------
    list of JamaCriterion
        Final decisions, same order as the proposals.

    Raises
    ------
    InputError
        For an unknown criterion, or an override (decision differs from the rule) with no reason.
    """
    proposals = list(proposals)
    known = {p.criterion for p in proposals}
    problems = [Problem(source, f"unknown JAMA criterion; use one of {', '.join(CRITERIA)}",
                        field=f"jama.{name}") for name in reviewer_entries if name not in known]
    final = []
    for proposal in proposals:
        entry = reviewer_entries.get(proposal.criterion)
        if entry is None:
            final.append(proposal)
            continue
        met, reason = bool(entry["met"]), str(entry.get("reason") or "").strip()
        overridden = met != proposal.proposed_met
        if overridden and not reason:
            problems.append(Problem(source, "an override of the proposed decision needs a reason",
                                    field=f"jama.{proposal.criterion}.reason"))
        final.append(replace(proposal, met=met, reviewed=True, overridden=overridden,
                             reason=reason))
    if problems:
        raise InputError(problems)
    return final


def jama_score(criteria: Iterable[JamaCriterion]) -> int:
    """Number of benchmarks met, 0–4."""
    return sum(1 for c in criteria if c.met)


def jama_table(criteria: Iterable[JamaCriterion]) -> pd.DataFrame:
    """The benchmarks as a table for the report: one row each, proposal beside final decision."""
    return pd.DataFrame(
        [{"criterion": c.criterion, "proposed": _yes(c.proposed_met), "final": _yes(c.met),
          "decided_by": ("reviewer (override)" if c.overridden else
                         "reviewer (confirmed)" if c.reviewed else "rule (not reviewed)"),
          "evidence": c.evidence, "reason": c.reason} for c in criteria]
    )


def _yes(flag: bool) -> str:
    return "met" if flag else "not met"
