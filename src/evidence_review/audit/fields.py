"""The reference audit: each reference as cited, compared field by field with its Crossref record.

Severities follow the reference-accuracy literature. MAJOR means a reader cannot reach the source or
reaches the wrong one (broken or wrong DOI, wrong first author, title, journal, volume, issue or
first page, a retraction or correction on record). MINOR means the source is still reachable
(particles and spelling of names, missing initials, dropped subtitle, journal punctuation,
online-first year for the issue year, missing access date). A value the record does not hold gives
"could-not-check", never an error; "info" notes something worth knowing that is not wrong.
"""

from __future__ import annotations

import copy
import difflib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from evidence_review.intake.references import CitedReference
from evidence_review.records.csl import from_crossref, split_particle
from evidence_review.records.doi import as_clause, diagnose, is_valid, normalise

SEVERITIES = ("major", "minor", "info", "could-not-check")
STATUSES = ("matched", "repaired", "not-found", "not-in-crossref", "error")
# Update types that change what a reader may rely on: reported as MAJOR.
SERIOUS_UPDATES = {"retraction", "partial_retraction", "withdrawal", "removal", "correction",
                   "corrigendum", "erratum", "expression_of_concern"}
PREPRINT_RELATIONS = ("is-preprint-of", "has-preprint", "is-version-of", "has-version")
TITLE_SIMILAR = 0.9  # key similarity above which a title differs only in wording, not identity
_STOPWORDS = {"a", "an", "of", "the", "and", "for", "in"}  # dropped from journal abbreviations
_SUBTITLE_SEPARATOR = re.compile(r"\s*[:.?!]\s+|\s+[-\u2013\u2014]\s+")


@dataclass
class Finding:
    """One discrepancy (or one thing not checkable) in one field of one reference."""

    field: str
    severity: str  # "major" | "minor" | "info" | "could-not-check"
    cited: str | None
    record: str | None
    message: str  # one sentence
    suggestion: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RefAudit:
    """The audit of one reference: how it was resolved and what differs from its record."""

    ref: str
    cited: CitedReference
    status: str  # one of STATUSES
    doi_cited: str | None
    doi: str | None
    reason: str | None = None
    findings: list[Finding] = field(default_factory=list)
    record: dict | None = None  # the record as CSL-JSON

    def counts(self) -> dict[str, int]:
        """Number of findings per severity."""
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}

    @property
    def summary(self) -> str:
        """One line for the audit table: '[3] repaired: 1 major, 1 minor, 0 could not check'."""
        c = self.counts()
        line = (f"[{self.ref}] {self.status}: {c['major']} major, {c['minor']} minor, "
                f"{c['could-not-check']} could not check")
        return line + (f"; DOI {self.doi}." if self.status == "repaired" and self.doi else ".")

    def to_dict(self) -> dict:
        """The interface.md shape of one reference (plus ``reason`` and ``summary``)."""
        return {"ref": self.ref, "cited": self.cited.printed, "doi_cited": self.doi_cited,
                "doi": self.doi, "status": self.status,
                "findings": [f.to_dict() for f in self.findings],
                "reason": self.reason, "summary": self.summary}


@dataclass
class AuditResult:
    """The audit of a whole reference list, plus the findings about citation markers."""

    references: list[RefAudit]
    markers: list[Finding] = field(default_factory=list)

    def to_json(self, review_name: str, snapshot: Any = None) -> dict:
        """The ``audit --format json`` document of interface.md, as a dict ready for json.dumps.

        Parameters
        ----------
        review_name : str
            The review's name, e.g. "muscle-spasm".
        snapshot : Snapshot, dict or None
            Anything with ``provenance`` and ``retrieved`` (attributes or keys).
        """
        return {"review": review_name,
                "snapshot": {"provenance": _get(snapshot, "provenance"),
                             "retrieved": _get(snapshot, "retrieved")},
                "references": [r.to_dict() for r in self.references],
                "markers": [f.to_dict() for f in self.markers]}

    def to_frame(self):
        """One row per finding: ref, status, field, severity, cited, record, message, suggestion."""
        import pandas as pd

        rows = [{"ref": r.ref, "status": r.status, **f.to_dict()}
                for r in self.references for f in r.findings]
        rows += [{"ref": "markers", "status": None, **f.to_dict()} for f in self.markers]
        columns = ["ref", "status", "field", "severity", "cited", "record", "message", "suggestion"]
        return pd.DataFrame(rows, columns=columns)

    def summary_lines(self) -> list[str]:
        """The summary line of every reference, in list order."""
        return [r.summary for r in self.references]


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


# ---------------------------------------------------------------------------------------------
# Normalised keys used by every comparison (also by resolve.match_score)

def text_key(text: str | None) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Sports Health: A…' -> 'sports health a…'."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, text_key(a), text_key(b)).ratio()


def title_relation(cited: str | None, full: str | None,
                   main: str | None = None) -> tuple[str, str | None]:
    """How a cited title relates to the record's title.

    Returns
    -------
    tuple
        (``"same"`` | ``"dropped-subtitle"`` | ``"extra-subtitle"`` | ``"similar"`` |
        ``"different"``, the subtitle one side lacks, or None). Case and punctuation never count.
    """
    if not cited or not full:
        return "different", None
    key = text_key(cited)
    if key == text_key(full):
        return "same", None
    if main and key == text_key(main):
        return "dropped-subtitle", full[len(main):].lstrip(" :.-\u2013\u2014")
    for m in _SUBTITLE_SEPARATOR.finditer(full):
        if key == text_key(full[:m.start()]):
            return "dropped-subtitle", full[m.end():]
    for m in _SUBTITLE_SEPARATOR.finditer(cited):
        if text_key(cited[:m.start()]) == text_key(full):
            return "extra-subtitle", cited[m.end():]
    if _similarity(cited, full) >= TITLE_SIMILAR:
        return "similar", None
    return "different", None


def title_similarity(cited: str | None, full: str | None, main: str | None = None) -> float:
    """1.0 for the same title or the title without its subtitle, else the key similarity."""
    kind, _ = title_relation(cited, full, main)
    if kind in ("same", "dropped-subtitle", "extra-subtitle"):
        return 1.0
    return _similarity(cited or "", full or "")


def initials(given: str | None) -> str:
    """APA initials of given names: 'Baziel G.M.' -> 'B. G. M.', 'Jean-Pierre' -> 'J.-P.'."""
    out = []
    for token in (given or "").replace(".", ". ").split():
        parts = [p.strip(".") for p in token.split("-") if p.strip(".")]
        if parts:
            out.append("-".join(p[0].upper() + "." for p in parts))
    return " ".join(out)


def _letters(initials_text: str) -> str:
    return re.sub(r"[^A-Z]", "", unicodedata.normalize("NFKD", initials_text.upper()))


def record_family(name: dict) -> str:
    """A CSL name's family name with its particle, e.g. 'de Carvalho'."""
    if "literal" in name:
        return name["literal"]
    particle = name.get("non-dropping-particle")
    return f"{particle} {name['family']}" if particle else name.get("family", "")


def apa_name(name: dict) -> str:
    """A CSL name as the APA list prints it: 'de Carvalho, M.'."""
    family = record_family(name)
    given = initials(name.get("given"))
    return f"{family}, {given}" if given else family


def _split_printed(author: str) -> tuple[str, str]:
    family, _, given = author.partition(",")
    return family.strip(), given.strip()


def family_matches(a: str, b: str) -> bool:
    """Whether two family names (with or without particle) name the same person."""
    ka, kb = text_key(a), text_key(b)
    return ka == kb or ka.endswith(" " + kb) or kb.endswith(" " + ka)


def _year(csl_date: dict | None) -> int | None:
    parts = (csl_date or {}).get("date-parts") or [[]]
    return int(parts[0][0]) if parts and parts[0] else None


def _cited_year(cited: CitedReference) -> int | None:
    m = re.search(r"\d{4}", cited.year or cited.date_text or "")
    return int(m.group()) if m else None


def _page_range(text: str | None) -> tuple[str | None, str | None]:
    """First and last page; an abbreviated last page is expanded ('279-83' -> '279', '283')."""
    if not text:
        return None, None
    pieces = re.split(r"\s*[-\u2010-\u2015]\s*", text.strip(), maxsplit=1)
    first = pieces[0].strip()
    last = pieces[1].strip() or None if len(pieces) > 1 else None
    if last and first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last


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
    rec_family = record_family(name)
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
    if rec_initials and _letters(given) != _letters(rec_initials):
        if not given:
            issues.append("the initials are missing")
        elif _letters(rec_initials).startswith(_letters(given)):
            missing = " ".join(f"{c}." for c in _letters(rec_initials)[len(_letters(given)):])
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
    full = "; ".join(apa_name(n) for n in names)
    first_family = _split_printed(printed[0])[0]
    if not family_matches(first_family, record_family(names[0])):
        return [Finding("author", "major", printed[0], apa_name(names[0]),
                        f"The first author is printed as '{printed[0]}' but the record's first "
                        f"author is '{apa_name(names[0])}'.", full)]
    findings: list[Finding] = []
    truncated = len(printed) < len(cited.authors)
    if len(printed) != len(names) and not (truncated and len(printed) < len(names)):
        findings.append(Finding("author", "minor", str(len(printed)), str(len(names)),
                                f"The reference lists {len(printed)} authors but the record has "
                                f"{len(names)}.", full))
    pairs = list(zip(printed, names, strict=False))
    if any(not family_matches(_split_printed(p)[0], record_family(n)) for p, n in pairs):
        findings.append(Finding("author", "minor", "; ".join(printed), full,
                                "The authors are not in the record's order or not the same "
                                "people.", full))
        return findings
    for position, (p, n) in enumerate(pairs, start=1):
        issues = _author_issues(p, n)
        if issues:
            findings.append(Finding("author", "minor", p, apa_name(n),
                                    f"Author {position} is printed '{p}' but the record has "
                                    f"'{apa_name(n)}': {' and '.join(issues)}.", apa_name(n)))
    return findings


def compare_title(cited: CitedReference, record: dict) -> list[Finding]:
    """Title: case and punctuation never count; a dropped subtitle is minor, another title major."""
    full = record.get("title")
    if not full:
        return [Finding("title", "could-not-check", cited.title, None,
                        "The record holds no title, so the title could not be checked.")]
    if not cited.title:
        return [Finding("title", "major", None, full,
                        "No title is printed, so a reader cannot search for the work.", full)]
    kind, subtitle = title_relation(cited.title, full, record.get("title-short"))
    if kind == "same":
        return []
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
        return ([Finding("journal", "major", None, full, "No journal is printed.", full)]
                if full else [])
    if not full and not short:
        return [Finding("journal", "could-not-check", cited.container, None,
                        "The record holds no journal name, so the journal could not be checked.")]
    spelled = [v for v in (full, short) if v]
    if any(" ".join(cited.container.casefold().split()) == " ".join(v.casefold().split())
           for v in spelled):
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
    """Year: say which recorded date the cited year matches (print, online-first, issued)."""
    year = _cited_year(cited)
    printed_y = _year(record.get("published-print"))
    online_y = _year(record.get("published-online"))
    issued_y = _year(record.get("issued"))
    if year is None:
        return []
    if printed_y is None and online_y is None and issued_y is None:
        return [Finding("year", "could-not-check", str(year), None,
                        "The record holds no publication date, so the year could not be checked.")]
    if year == printed_y or (printed_y is None and year in (online_y, issued_y)):
        return []
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


def _compare_simple(name: str, cited_value: str | None, record_value: str | None) -> list[Finding]:
    """Volume or issue: wrong is major, missing from the record is could-not-check."""
    if not cited_value and not record_value:
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


def compare_pages(cited: CitedReference, record: dict) -> list[Finding]:
    """Pages: a wrong first page is major, a wrong last page minor."""
    page = record.get("page")
    if not cited.pages and not page:
        return []
    if not page:
        return [Finding("page", "could-not-check", cited.pages, None,
                        "The record holds no pages, so the printed pages could not be checked.")]
    suggestion = page.replace("-", "\u2013")
    if not cited.pages:
        return [Finding("page", "minor", None, page, f"No pages are printed; the record gives "
                                                     f"{page}.", suggestion)]
    (c_first, c_last), (r_first, r_last) = _page_range(cited.pages), _page_range(page)
    if text_key(c_first) != text_key(r_first):
        return [Finding("page", "major", cited.pages, page,
                        f"The first page {c_first} is not the record's first page {r_first}.",
                        suggestion)]
    if r_last and c_last and text_key(c_last) != text_key(r_last):
        return [Finding("page", "minor", cited.pages, page,
                        f"The last page {c_last} is not the record's last page {r_last}.",
                        suggestion)]
    return []


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, dict):
        parts = (value.get("date-parts") or [[]])[0]
        parts = list(parts) + [1] * (3 - len(parts))
        return date(*parts[:3]) if parts and parts[0] else None
    return date.fromisoformat(str(value)[:10])


def _timing(updated: date | None, article_updated: date | None) -> str:
    """Whose error a notice is: the article's (cited after the notice) or news for the editor."""
    if updated is None or article_updated is None:
        return "compare its date with the article's last update"
    if updated <= article_updated:
        return (f"it predates the article's last update ({article_updated.isoformat()}), so the "
                f"article cites a work already flagged")
    return (f"it came after the article's last update ({article_updated.isoformat()}), so it is "
            f"news for the editor")


def check_updates(message: dict, article_updated: Any = None) -> list[Finding]:
    """Retractions, corrections, expressions of concern and preprint links on a Crossref record."""
    article_date = _as_date(article_updated)
    findings = []
    for update in message.get("updated-by") or []:
        kind = update.get("type", "update")
        when = _as_date(update.get("updated"))
        label = update.get("label") or kind.replace("_", " ")
        source = update.get("source", "publisher")
        notice = update.get("DOI")
        severity = "major" if kind in SERIOUS_UPDATES else "info"
        findings.append(Finding(
            "update", severity, None, f"{kind} {when or ''} {notice or ''}".strip(),
            f"The record carries a {label.lower()} (source: {source}"
            f"{', dated ' + when.isoformat() if when else ''}"
            f"{', notice ' + notice if notice else ''}); {_timing(when, article_date)}.",
            f"https://doi.org/{notice}" if notice else None))
    for update in message.get("update-to") or []:
        kind = update.get("type", "update")
        findings.append(Finding(
            "update", "major" if kind in SERIOUS_UPDATES else "info", None,
            f"{kind} of {update.get('DOI')}",
            f"The cited DOI is itself a {kind.replace('_', ' ')} notice for "
            f"{update.get('DOI')}, not the work it updates.", update.get("DOI")))
    for relation in PREPRINT_RELATIONS:
        for target in (message.get("relation") or {}).get(relation, []):
            findings.append(Finding(
                "relation", "info", None, f"{relation} {target.get('id')}",
                f"The record {relation.replace('-', ' ')} {target.get('id')}"
                f"{'; cite the published version' if relation == 'is-preprint-of' else ''}.",
                target.get("id") if relation == "is-preprint-of" else None))
    return findings


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
                    article_updated: Any = None) -> RefAudit:
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

    Returns
    -------
    RefAudit
    """
    res = _resolution(resolution)
    status = res.get("status") or ("not-in-crossref" if cited.kind == "web" and not record
                                   else "matched" if record else "not-found")
    csl = from_crossref(record) if record else None
    findings = compare_doi(cited, {**res, "status": status})
    if csl is not None:
        findings += compare_authors(cited, csl)
        findings += compare_title(cited, csl)
        findings += compare_journal(cited, csl)
        findings += compare_year(cited, csl)
        findings += _compare_simple("volume", cited.volume, csl.get("volume"))
        findings += _compare_simple("issue", cited.issue, csl.get("issue"))
        findings += compare_pages(cited, csl)
        findings += check_updates(record, article_updated)
    elif cited.kind == "web":
        findings += check_web(cited)
    else:
        findings.append(Finding("record", "could-not-check", None, None,
                                "No Crossref record was found, so no field could be checked."))
    doi_cited = res.get("doi_cited", normalise(cited.doi_printed) if cited.doi_printed else None)
    return RefAudit(ref=cited.number, cited=cited, status=status, doi_cited=doi_cited,
                    doi=res.get("doi") if status in ("matched", "repaired") else None,
                    reason=res.get("reason"), findings=findings, record=csl)


def _expand_marker(marker: str) -> list[str]:
    """'[1, 3–5]' -> ['1', '3', '4', '5']."""
    numbers = []
    for part in re.split(r"[,;]", marker.strip("[] ")):
        m = re.match(r"^\s*(\d+)\s*[-\u2013]\s*(\d+)\s*$", part)
        if m and int(m.group(1)) <= int(m.group(2)):
            numbers += [str(n) for n in range(int(m.group(1)), int(m.group(2)) + 1)]
        elif part.strip():
            numbers.append(part.strip())
    return numbers


def check_markers(markers_in_text: list[str], ref_numbers: list[str]) -> list[Finding]:
    """Citation markers against the reference list.

    A marker with no reference is major; a reference never cited, a gap in the numbering and a
    number used twice in the list are minor.

    Parameters
    ----------
    markers_in_text : list of str
        Markers in text order, e.g. ``["1", "2", "[3-5]"]``.
    ref_numbers : list of str
        The numbers of the reference list in list order.
    """
    cited = [n for m in markers_in_text for n in _expand_marker(m)]
    listed = set(ref_numbers)
    findings = [Finding("marker", "major", f"[{n}]", None,
                        f"The text cites [{n}] but the list has no reference {n}.")
                for n in dict.fromkeys(cited) if n not in listed]
    findings += [Finding("marker", "minor", None, f"[{n}]",
                         f"Reference [{n}] is in the list but never cited in the text.")
                 for n in dict.fromkeys(ref_numbers) if n not in set(cited)]
    findings += [Finding("marker", "minor", None, f"[{n}]",
                         f"The reference list has number {n} more than once.")
                 for n in sorted({n for n in ref_numbers if ref_numbers.count(n) > 1}, key=str)]
    numeric = sorted(int(n) for n in listed if n.isdigit())
    if numeric:
        findings += [Finding("marker", "minor", None, None,
                             f"The reference list skips number {n}.")
                     for n in range(1, numeric[-1]) if n not in numeric]
    return findings


def audit_review(cited_refs: list[CitedReference], snapshot: Any,
                 article_markers: list[str] | None = None,
                 article_updated: Any = None) -> AuditResult:
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
    """
    resolutions = (_get(snapshot, "references") or {}) if snapshot is not None else {}
    audits = []
    for ref in cited_refs:
        res = _resolution(resolutions.get(ref.number))
        if not res:
            res = _infer_resolution(ref, snapshot)
        record = snapshot.work(res["doi"]) if snapshot is not None and res.get("doi") else None
        audits.append(audit_reference(ref, record, res, article_updated))
    markers = (check_markers(article_markers, [r.number for r in cited_refs])
               if article_markers is not None else [])
    return AuditResult(references=audits, markers=markers)


def _infer_resolution(ref: CitedReference, snapshot: Any) -> dict:
    """A resolution for a reference the snapshot has no entry for: look its DOI up directly."""
    doi = normalise(ref.doi_printed) if ref.doi_printed else None
    if doi and snapshot is not None and is_valid(doi) and snapshot.work(doi):
        return {"status": "matched", "doi": doi, "doi_cited": doi}
    if not doi and ref.kind == "web":
        return {"status": "not-in-crossref", "doi": None, "doi_cited": None,
                "reason": "A web page without a DOI; Crossref was not asked."}
    return {"status": "not-found", "doi": None, "doi_cited": doi,
            "reason": "The snapshot holds no record for this reference."}


# ---------------------------------------------------------------------------------------------
# The corrected reference list

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
    when = ref.date_text or ref.year or "n.d."
    parts = [f"{who}{'' if who.endswith('.') else '.'} ({when})." if who else f"({when})."]
    if ref.title:
        parts.append(ref.title if ref.title[-1] in ".?!" else f"{ref.title}.")
    # APA leaves out a site name that repeats the author ("MedlinePlus. (2019) ... MedlinePlus.").
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
