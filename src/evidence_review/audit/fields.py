"""The reference audit: each reference as cited, compared field by field with its Crossref record.

Severities follow the reference-accuracy literature. MAJOR means a reader cannot reach the source or
reaches the wrong one (broken or wrong DOI, wrong first author, title, journal, volume, issue or
first page, a retraction or correction on record). MINOR means the source is still reachable
(particles and spelling of names, missing initials, dropped subtitle, journal punctuation,
online-first year for the issue year, missing access date). A value the record does not hold gives
"could-not-check", never an error; "info" notes something worth knowing that is not wrong.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from evidence_review.audit.findings import AuditResult, Finding, RefAudit, _get
from evidence_review.audit.markers import check_list, check_markers
from evidence_review.audit.updates import check_europepmc_updates, check_updates
from evidence_review.core.dates import csl_year
from evidence_review.core.gcpause import no_gc_passes
from evidence_review.core.pages import page_range
from evidence_review.core.paths import Review
from evidence_review.core.textmatch import (
    appears_in,
    family_matches,
    initial_letters,
    initials,
    record_family,
    text_key,
    title_relation,
)
from evidence_review.core.vocab import NOT_YET_RESOLVED, SEVERITIES, STATUSES  # noqa: F401 - re-exported for callers
from evidence_review.intake import reviewfiles
from evidence_review.intake.references import CitedReference
from evidence_review.records.csl import from_crossref, split_particle
from evidence_review.records.doi import as_clause, diagnose, is_valid, normalise
from evidence_review.records.snapshot import Snapshot
from evidence_review.records.sourcetext import SourceTexts

_STOPWORDS = {"a", "an", "of", "the", "and", "for", "in"}  # dropped from journal abbreviations
_ONE_DASH = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015", "-"))  # core.pages' dashes


def apa_name(name: dict) -> str:
    """A CSL name as the APA list prints it: 'de Carvalho, M.'."""
    family = record_family(name)
    given = initials(name.get("given"))
    return f"{family}, {given}" if given else family


def _split_printed(author: str) -> tuple[str, str]:
    family, _, given = author.partition(",")
    return family.strip(), given.strip()


# ---------------------------------------------------------------------------------------------
# Field comparisons: each returns a list of findings for one field

def compare_doi(cited: CitedReference, resolution: dict) -> list[Finding]:
    """The DOI as printed against the DOI the reference resolved to."""
    printed, doi = cited.doi_printed, resolution.get("doi")
    status, reason = resolution.get("status"), resolution.get("reason")
    if status == "repaired" and doi:
        broken = not is_valid(normalise(printed or ""))
        why = as_clause(diagnose(printed)[0]) if broken and printed else None
        if not printed:
            return [Finding("doi", "minor", None, doi,
                            f"No DOI is printed; the work's DOI is {doi}.", doi)]
        msg = (f"The printed DOI is broken ({why}), so a reader cannot follow it; the work's DOI "
               f"is {doi}." if broken else
               f"The printed DOI does not lead to the cited work; the work's DOI is {doi}.")
        return [Finding("doi", "major", printed, doi, msg, doi)]
    if status == "not-found":
        if not printed:
            return [Finding("doi", "could-not-check", None, None,
                            reason or "No DOI is printed and no Crossref record matched the "
                                      "reference.")]
        if not is_valid(normalise(printed)):
            msg = (f"The printed DOI is broken ({as_clause(diagnose(printed)[0])}) and no record "
                   f"matching the reference was found.")
        else:
            msg = reason or (f"The printed DOI '{printed}' does not lead to the cited work and no "
                             f"matching record was found.")
        return [Finding("doi", "major", printed, None, msg)]
    if status == "error":
        return [Finding("doi", "could-not-check", printed, None,
                        reason or "Crossref could not be asked about this reference.")]
    if status == "not-in-crossref" and printed:
        return [Finding("doi", "could-not-check", printed, None,
                        reason or "The DOI is not registered with Crossref, so its record "
                                  "could not be compared.")]
    if status == "matched" and not printed and doi:
        return [Finding("doi", "minor", None, doi,
                        f"No DOI is printed; the work's DOI is {doi}.", doi)]
    return []


def _author_issues(printed: str, name: dict) -> list[str]:
    """What differs between one printed author and the record's name (empty when nothing)."""
    family, given = _split_printed(printed)
    return _name_issues(family, given, name, record_family(name))


def _name_issues(family: str, given: str, name: dict, rec_family: str) -> list[str]:
    """:func:`_author_issues` of a printed name already split, against a record name and its family."""
    issues = []
    if family != rec_family:
        particle, _ = split_particle(rec_family)
        if family.casefold() == rec_family.casefold() and particle:
            issues.append(f"the particle '{particle}' is lower-case in the record")
        elif family.casefold() == rec_family.casefold():
            issues.append("the capitalisation differs")
        else:
            issues.append(f"the family name is spelled '{rec_family}' in the record")
    rec_initials = initials(name.get("given"))
    if not rec_initials:
        return issues
    letters, rec_letters = initial_letters(given), initial_letters(rec_initials)
    if letters != rec_letters:
        if not given:
            issues.append("the initials are missing")
        elif rec_letters.startswith(letters):
            missing = " ".join(f"{c}." for c in rec_letters[len(letters):])
            issues.append(f"the initial{'s' if len(missing) > 2 else ''} '{missing}' "
                          f"{'are' if len(missing) > 2 else 'is'} missing")
        else:
            issues.append(f"the initials are '{rec_initials}' in the record")
    return issues


def compare_authors(cited: CitedReference, record: dict) -> list[Finding]:
    """Authors: first author (major), count and order, then each name's spelling and initials."""
    names = [n for n in record.get("author", []) if "literal" not in n]
    printed = [a for a in cited.authors if "et al" not in a.lower()]
    if not names:
        if printed:
            return [Finding("author", "could-not-check", "; ".join(printed), None,
                            "The record holds no author names, so the authors could not be "
                            "checked.")]
        return []
    if not printed:
        return []

    def full() -> str:  # the record's author list, only for the findings that show it
        return "; ".join(apa_name(n) for n in names)

    # each printed name split and each record family built once (both are asked for twice below)
    split = [_split_printed(p) for p in printed]
    families = [record_family(n) for n in names]
    if not family_matches(split[0][0], families[0]):
        return [Finding("author", "major", printed[0], apa_name(names[0]),
                        f"The first author is printed as '{printed[0]}' but the record's first "
                        f"author is '{apa_name(names[0])}'.", full())]
    findings: list[Finding] = []
    truncated = cited.et_al or len(printed) < len(cited.authors)  # "et al.": the list was cut short
    if len(printed) != len(names) and not (truncated and len(printed) < len(names)):
        findings.append(Finding("author", "minor", str(len(printed)), str(len(names)),
                                f"The reference lists {len(printed)} authors but the record has "
                                f"{len(names)}.", full()))
    paired = range(min(len(printed), len(names)))  # zip(printed, names), the shorter one's length
    if any(not family_matches(split[i][0], families[i]) for i in paired):
        findings.append(Finding("author", "minor", "; ".join(printed), full(),
                                "The authors are not in the record's order or not the same "
                                "people.", full()))
        return findings
    for i in paired:
        issues = _name_issues(split[i][0], split[i][1], names[i], families[i])
        if issues:
            p, n = printed[i], names[i]
            findings.append(Finding("author", "minor", p, apa_name(n),
                                    f"Author {i + 1} is printed '{p}' but the record has "
                                    f"'{apa_name(n)}': {' and '.join(issues)}.", apa_name(n)))
    return findings


# A page citing by link reaches the work through its DOI: a missing title or journal does not stop a
# reader reaching it (major), it leaves them nothing to search with if the link breaks (minor).
LINK_ONLY = ("No {what} is printed, only a DOI link: a reader reaches the work through the link, "
             "but has nothing to search with if it breaks.")


def compare_title(cited: CitedReference, record: dict) -> list[Finding]:
    """Title: case and punctuation never count; a dropped subtitle is minor, another title major."""
    full = record.get("title")
    if not full:
        return [Finding("title", "could-not-check", cited.title, None,
                        "The record holds no title, so the title could not be checked.")]
    if not cited.title:
        if appears_in(full, cited.printed) or appears_in(record.get("title-short"), cited.printed):
            return []  # printed, though the parse did not take it apart: as printed
        if cited.doi_only:
            return [Finding("title", "minor", None, full, LINK_ONLY.format(what="title"), full)]
        return [Finding("title", "major", None, full,
                        "No title is printed, so a reader cannot search for the work.", full)]
    if cited.title == full:  # printed exactly as recorded: title_relation's "same"
        return []
    kind, subtitle = title_relation(cited.title, full, record.get("title-short"))
    if kind == "same" or (appears_in(full, cited.printed) and text_key(cited.title) in text_key(full)):
        return []  # the record's title is printed whole: a parse that cut it is not the article's error
    if kind == "dropped-subtitle":
        return [Finding("title", "minor", cited.title, full,
                        f"The printed title stops before the subtitle '{subtitle}' that the "
                        f"record carries.", full)]
    if kind == "extra-subtitle":
        return [Finding("title", "info", cited.title, full,
                        f"The printed subtitle '{subtitle}' is not in the record, which may hold "
                        f"only the main title.", None)]
    if kind == "similar":
        return [Finding("title", "minor", cited.title, full,
                        "The printed title's wording differs slightly from the record's.", full)]
    return [Finding("title", "major", cited.title, full,
                    "The printed title is not the record's title, so a reader searching for it "
                    "will not find the work.", full)]


def _abbreviates(short: str, full: str) -> bool:
    """Whether each word of ``short`` starts the matching significant word of ``full``."""
    words = [w for w in text_key(full).split() if w not in _STOPWORDS]
    parts = text_key(short).split()
    return len(parts) == len(words) and all(w.startswith(p) for p, w in zip(parts, words,
                                                                              strict=True))


def compare_journal(cited: CitedReference, record: dict) -> list[Finding]:
    """Journal: full name or its recorded abbreviation; punctuation differences are minor."""
    full, short = record.get("container-title"), record.get("container-title-short")
    if not cited.container:
        if appears_in(full, cited.printed) or appears_in(short, cited.printed):
            return []  # printed, though the parse did not take it apart: as printed
        if full and cited.doi_only:
            return [Finding("journal", "minor", None, full, LINK_ONLY.format(what="journal"), full)]
        return ([Finding("journal", "major", None, full, "No journal is printed.", full)]
                if full else [])
    if not full and not short:
        return [Finding("journal", "could-not-check", cited.container, None,
                        "The record holds no journal name, so the journal could not be checked.")]
    if cited.container == full or cited.container == short:  # as recorded, to the letter
        return []
    spelled = [v for v in (full, short) if v]
    printed = " ".join(cited.container.casefold().split())
    if any(printed == " ".join(v.casefold().split()) for v in spelled):
        return []
    if any(text_key(cited.container) == text_key(v) for v in spelled):
        target = full or short
        return [Finding("journal", "minor", cited.container, target,
                        f"The journal name's punctuation differs from the record's '{target}'.",
                        target)]
    if full and not short and _abbreviates(cited.container, full):
        return [Finding("journal", "info", cited.container, full,
                        "The printed journal name looks like an abbreviation of the record's, "
                        "but the record holds no abbreviation to confirm it.", None)]
    return [Finding("journal", "major", cited.container, full or short,
                    f"The printed journal is not the record's journal '{full or short}'.",
                    full or short)]


def compare_year(cited: CitedReference, record: dict) -> list[Finding]:
    """Year: say which recorded date the cited year matches (print, online-first, issued).

    The styles' rule: the year belongs to the version cited. A reference that cites an issue's
    volume and number with the online-first year is a minor finding that says so; one that cites
    the online-first version (no volume) with its year is only noted.
    """
    year = cited.cited_year
    printed_y = csl_year(record.get("published-print"))
    online_y = csl_year(record.get("published-online"))
    issued_y = csl_year(record.get("issued"))
    if year is None:
        return []
    if printed_y is None and online_y is None and issued_y is None:
        return [Finding("year", "could-not-check", str(year), None,
                        "The record holds no publication date, so the year could not be checked.")]
    if year == printed_y or (printed_y is None and year in (online_y, issued_y)):
        return []
    if year == online_y and printed_y is not None and (cited.volume or cited.issue):
        issue = f"volume {cited.volume}" + (f", number {cited.issue}" if cited.issue else "") \
            if cited.volume else f"number {cited.issue}"
        return [Finding("year", "minor", str(year), str(printed_y),
                        f"The reference cites {issue}, the issue dated {printed_y}, with the "
                        f"online-first year {year}: the year belongs to the version cited, so it "
                        f"should be {printed_y}.", str(printed_y))]
    if year == online_y and year == issued_y:
        return [Finding("year", "info", str(year), str(online_y),
                        f"The cited year {year} is the online-first year, which Crossref records "
                        f"as the publication date; the print issue is dated {printed_y}.", None)]
    if year == online_y:
        return [Finding("year", "minor", str(year), str(printed_y or issued_y),
                        f"The cited year {year} is the online-first year, given for the issue "
                        f"year {printed_y or issued_y}.", str(printed_y or issued_y))]
    expected = printed_y or issued_y
    if online_y is None:
        return [Finding("year", "minor", str(year), str(expected),
                        f"The cited year {year} does not match the print year {expected}; the "
                        f"online-first date is not on record, so the cited year may be the "
                        f"online-first year (could not be confirmed).", str(expected))]
    return [Finding("year", "minor", str(year), str(expected),
                    f"The cited year {year} matches neither the print year {expected} nor the "
                    f"online-first year {online_y}.", str(expected))]


def _compare_simple(name: str, cited_value: str | None, record_value: str | None,
                    printed: str | None = None) -> list[Finding]:
    """Volume or issue: wrong is major, missing from the record is could-not-check.

    A value the parse missed but the printed reference shows where a volume or issue stands
    (``;12(3):`` or ``, 12(3),``) is as printed, not missing.
    """
    if not cited_value and not record_value:
        return []
    if not cited_value and record_value and printed and _printed_number(name, record_value, printed):
        return []
    if not record_value:
        return [Finding(name, "could-not-check", cited_value, None,
                        f"The record holds no {name}, so the printed {name} '{cited_value}' could "
                        f"not be checked.")]
    if not cited_value:
        return [Finding(name, "minor", None, record_value,
                        f"No {name} is printed; the record gives {record_value}.", record_value)]
    if text_key(cited_value) != text_key(record_value):
        return [Finding(name, "major", cited_value, record_value,
                        f"The printed {name} {cited_value} is not the record's {record_value}.",
                        record_value)]
    return []


def _printed_number(name: str, value: str, printed: str) -> bool:
    """Whether a volume or issue number stands in a printed reference where such numbers stand."""
    v = value.strip()
    if v.isascii() and printed.isascii() and v.lower() not in printed.lower():
        return False  # the pattern needs the value itself (case aside): no search, no compile
    return bool(_number_pattern(name, v).search(printed))


@lru_cache(maxsize=4096)  # one pattern per value; a 10,000-entry list asks for many
def _number_pattern(name: str, value: str) -> re.Pattern[str]:
    v = re.escape(value)
    if name == "issue":
        return re.compile(rf"\(\s*{v}\s*\)|\b(?:no|issue|nr|n)\.?\s*{v}\b", re.IGNORECASE)
    return re.compile(rf"(?:;|,|\bvol\.?)\s*{v}\s*(?:\(|:|,)|\b{v}\s*\(", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _first_page_pattern(first: str) -> re.Pattern[str]:
    return re.compile(rf"(?:^|[\s:,p.])\s*{re.escape(first)}\s*(?:[-–]|\.|$)")


def _printed_first_page(page: str, printed: str | None) -> bool:
    """Whether the record's first page stands in a printed reference where a first page stands."""
    first = page_range(page)[0]
    if not first or not printed or first not in printed:  # the pattern needs the page as it is
        return False
    return bool(_first_page_pattern(first).search(printed))


def compare_pages(cited: CitedReference, record: dict) -> list[Finding]:
    """Pages: a wrong first page is major, a wrong last page minor."""
    page = record.get("page")
    if not cited.pages and not page:
        return []
    if not cited.pages and page and _printed_first_page(page, cited.printed):
        return []  # printed, though the parse did not take it apart
    if not page:
        return [Finding("page", "could-not-check", cited.pages, None,
                        "The record holds no pages, so the printed pages could not be checked.")]
    if cited.pages and cited.pages.translate(_ONE_DASH) == page.translate(_ONE_DASH):
        return []  # the same text but for the kind of dash: page_range splits both alike
    suggestion = page.replace("-", "\u2013")
    if not cited.pages:
        return [Finding("page", "minor", None, page, f"No pages are printed; the record gives "
                                                     f"{page}.", suggestion)]
    (c_first, c_last), (r_first, r_last) = page_range(cited.pages), page_range(page)
    if text_key(c_first) != text_key(r_first):
        return [Finding("page", "major", cited.pages, page,
                        f"The first page {c_first} is not the record's first page {r_first}.",
                        suggestion)]
    if r_last and c_last and text_key(c_last) != text_key(r_last):
        return [Finding("page", "minor", cited.pages, page,
                        f"The last page {c_last} is not the record's last page {r_last}.",
                        suggestion)]
    return []


def check_web(cited: CitedReference) -> list[Finding]:
    """A web source: URL form, title, publisher, date and access date as printed."""
    findings: list[Finding] = []
    url = cited.url
    parts = urlsplit(url) if url else None
    if not url or not parts.netloc:
        findings.append(Finding("url", "major", url, None,
                                "No usable URL is printed, so a reader cannot reach the page."))
    else:
        if parts.scheme != "https":
            findings.append(Finding("url", "minor", url, None,
                                    "The URL does not use https.",
                                    url.replace(f"{parts.scheme}://", "https://", 1)))
        owner = cited.organisation or cited.publisher or ""
        if owner and text_key(owner).replace(" ", "") not in parts.netloc.replace(".", ""):
            findings.append(Finding("url", "info", url, None,
                                    f"The host {parts.netloc} does not obviously belong to "
                                    f"'{owner}'."))
        findings.append(Finding("url", "could-not-check", url, None,
                                f"The URL is well formed (host {parts.netloc}), but whether it is "
                                f"live and shows this page could not be checked offline."))
    if not cited.title:
        findings.append(Finding("title", "minor", None, None, "No page title is printed."))
    if not (cited.publisher or cited.organisation):
        findings.append(Finding("publisher", "minor", None, None,
                                "No publisher or site owner is printed."))
    date_text = cited.date_text or cited.year
    if date_text:
        findings.append(Finding("date", "could-not-check", date_text, None,
                                f"The date '{date_text}' could not be checked: no live or stored "
                                f"copy of the page was available offline."))
    else:
        findings.append(Finding("date", "minor", None, None,
                                "No date is printed; APA uses '(n.d.)' for an undated page.",
                                "n.d."))
    if not cited.accessed:
        findings.append(Finding("accessed", "minor", None, None,
                                "No access date is printed for a web page that can change.",
                                "Retrieved <Month D, YYYY>, from <URL>"))
    return findings


def _resolution(res: Any) -> dict:
    if res is None:
        return {}
    return res.to_dict() if hasattr(res, "to_dict") else dict(res)


def audit_reference(cited: CitedReference, record: dict | None, resolution: Any,
                    article_updated: Any = None, europepmc: dict | None = None,
                    europepmc_retrieved: str | None = None) -> RefAudit:
    """Compare one reference as cited with its Crossref record.

    Parameters
    ----------
    cited : CitedReference
        The reference as printed.
    record : dict or None
        The Crossref work message the reference resolved to (None when there is none).
    resolution : dict or Resolution
        ``status``, ``doi``, ``doi_cited`` and ``reason`` (the snapshot's references entry).
    article_updated : date, str or None
        The article's last-updated date, to say whose error a retraction is.
    europepmc : dict, optional
        What Europe PMC said of the work (its source-text manifest entry): PMID, PMCID and update
        signals, merged with Crossref's.
    europepmc_retrieved : str, optional
        When Europe PMC was asked (named in a finding whose notice has no date).

    Returns
    -------
    RefAudit
    """
    return _audit_one(cited, record, _resolution(resolution), article_updated, europepmc,
                      europepmc_retrieved)


def _audit_one(cited: CitedReference, record: dict | None, res: dict, article_updated: Any,
               europepmc: dict | None, europepmc_retrieved: str | None) -> RefAudit:
    """:func:`audit_reference` with the resolution already a dict (read, never changed)."""
    status = res.get("status") or ("not-in-crossref" if cited.kind == "web" and not record
                                   else "matched" if record else "not-found")
    if status == NOT_YET_RESOLVED:
        return RefAudit(ref=cited.number, cited=cited, status=status, doi_cited=res.get("doi_cited"),
                        doi=None, reason=res.get("reason"),
                        findings=[Finding("record", "could-not-check", None, None,
                                          "Not yet resolved: run `evidence-review fetch` to look the "
                                          "reference up in Crossref.")])
    csl = from_crossref(record) if record else None
    findings = compare_doi(cited, res if res.get("status") == status else {**res, "status": status})
    if csl is not None:
        findings += compare_authors(cited, csl)
        findings += compare_title(cited, csl)
        findings += compare_journal(cited, csl)
        findings += compare_year(cited, csl)
        findings += _compare_simple("volume", cited.volume, csl.get("volume"), cited.printed)
        findings += _compare_simple("issue", cited.issue, csl.get("issue"), cited.printed)
        findings += compare_pages(cited, csl)
        updates = check_updates(record, article_updated)
        if europepmc:
            updates += check_europepmc_updates(europepmc, updates, record, article_updated,
                                               europepmc_retrieved)
        findings += updates
    elif cited.kind == "web":
        findings += check_web(cited)
    else:
        findings.append(Finding("record", "could-not-check", None, None,
                                "No Crossref record was found, so no field could be checked."))
    doi_cited = res["doi_cited"] if "doi_cited" in res else (
        normalise(cited.doi_printed) if cited.doi_printed else None)
    found = bool(europepmc) and europepmc.get("status") == "found"
    return RefAudit(ref=cited.number, cited=cited, status=status, doi_cited=doi_cited,
                    doi=res.get("doi") if status in ("matched", "repaired") else None,
                    reason=res.get("reason"), findings=findings, record=csl,
                    pmid=europepmc.get("pmid") if found else None,
                    pmcid=europepmc.get("pmcid") if found else None)


def audit_review(cited_refs: list[CitedReference], snapshot: Any,
                 article_markers: list[str] | None = None,
                 article_updated: Any = None, source_texts: Any = None,
                 reference_list: dict | None = None) -> AuditResult:
    """Audit a whole reference list against an offline Crossref snapshot.

    Parameters
    ----------
    cited_refs : list of CitedReference
        The article's reference list.
    snapshot : Snapshot or None
        Anything with ``references`` (per-reference resolution entries) and ``work(doi)``.
    article_markers : list of str, optional
        Citation markers in text order; when given, they are checked against the list.
    article_updated : date or str, optional
        The article's last-updated date.
    source_texts : SourceTexts, optional
        The Europe PMC part of the snapshot (PMIDs, PMCIDs, update signals).
    reference_list : dict, optional
        What intake found of the list (review.yaml ``article.reference_list``: ``heading``,
        ``position``); a list without a heading is a finding, as is no list at all.
    """
    with no_gc_passes():  # a finding or two per reference
        return _audit_review(cited_refs, snapshot, article_markers, article_updated, source_texts,
                             reference_list)


def _audit_review(cited_refs: list[CitedReference], snapshot: Any, article_markers: list[str] | None,
                  article_updated: Any, source_texts: Any, reference_list: dict | None) -> AuditResult:
    resolutions = (_get(snapshot, "references") or {}) if snapshot is not None else {}
    audits = []
    work = snapshot.work if snapshot is not None else None
    retrieved = source_texts.retrieved if source_texts else None
    for ref in cited_refs:
        res = resolutions.get(ref.number)
        res = res if type(res) is dict else _resolution(res)  # a snapshot's entry is read, not copied
        if not res:
            res = _infer_resolution(ref, snapshot)
        doi = res.get("doi")
        record = work(doi) if work is not None and doi else None
        epmc = source_texts.record(doi) if source_texts and doi else None
        audits.append(_audit_one(ref, record, res, article_updated, epmc, retrieved))
    markers = (check_markers(article_markers, [r.number for r in cited_refs])
               if article_markers is not None else [])
    markers += check_list(cited_refs, reference_list)
    return AuditResult(references=audits, markers=markers)


def _infer_resolution(ref: CitedReference, snapshot: Any) -> dict:
    """A resolution for a reference the snapshot has no entry for: look its DOI up directly."""
    doi = normalise(ref.doi_printed) if ref.doi_printed else None
    if snapshot is not None and not getattr(snapshot, "is_resolved", True) and not (
            not doi and ref.kind == "web"):
        return {"status": NOT_YET_RESOLVED, "doi": None, "doi_cited": doi,
                "reason": "Not yet resolved: the review has no Crossref snapshot yet."}
    if doi and snapshot is not None and is_valid(doi) and snapshot.work(doi):
        return {"status": "matched", "doi": doi, "doi_cited": doi}
    if not doi and ref.kind == "web":
        return {"status": "not-in-crossref", "doi": None, "doi_cited": None,
                "reason": "A web page without a DOI; Crossref was not asked."}
    return {"status": "not-found", "doi": None, "doi_cited": doi,
            "reason": "The snapshot holds no record for this reference."}


# ---------------------------------------------------------------------------------------------
# The corrected reference list



def review_audit(review: Review, cited: list[CitedReference] | None = None, snapshot: Any = None,
                 article: Any = None, meta: Any = None, source_texts: Any = None) -> AuditResult:
    """:func:`audit_review` of one review's files; pieces a caller has already loaded are passed in
    (the report's session does), the rest are read here (``evidence-review audit``)."""
    with no_gc_passes():  # reading the list and auditing it
        return _review_audit(review, cited, snapshot, article, meta, source_texts)


def _review_audit(review: Review, cited: list[CitedReference] | None, snapshot: Any, article: Any,
                  meta: Any, source_texts: Any) -> AuditResult:
    meta = meta if meta is not None else reviewfiles.load_meta(review)
    article = article if article is not None else reviewfiles.load_article(review)
    if cited is None:
        cited = reviewfiles.cited_references(review, article)
    if snapshot is None:
        snapshot = Snapshot.load_or_unresolved(review.snapshot_dir)
    if source_texts is None:
        source_texts = SourceTexts.load(review.europepmc_dir)
    return audit_review(cited, snapshot, article_markers=article.markers(),
                        article_updated=meta.last_updated, source_texts=source_texts,
                        reference_list=meta.raw.get("article", {}).get("reference_list"))
