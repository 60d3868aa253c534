"""What intake reads from a page: ``evidence-review parse ARTICLE`` and ``init`` share this code.

:func:`read_article` turns an article file into its markdown body, parsed article, reference list
as printed (fields parsed by :mod:`evidence_review.intake.reflist`) and the warnings of the reading;
:func:`to_json` gives the ``parse --format json`` document of interface.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from evidence_review.intake import article as article_mod
from evidence_review.intake import extract, reflist
from evidence_review.intake.references import CitedReference

_PMID = re.compile(r"\bPMID:?\s*(\d{4,9})\b", re.IGNORECASE)
_PMCID = re.compile(r"\bPMCID:?\s*(PMC\d+)\b", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^\s*(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_BOOK = re.compile(r"\b(?:ed\.|edn\.|edition|press|publishers?|verlag|éditions?)\b", re.IGNORECASE)


@dataclass
class Intake:
    """An article as intake read it."""

    markdown: str
    meta: extract.PageMeta
    article: article_mod.Article
    references: list[CitedReference]
    style: str
    warnings: list[str] = field(default_factory=list)


def read_article(path: Path | str, cache_dir: Path | None = None,
                 meanwhile: Callable[[article_mod.Article], Callable[[], None] | None] | None = None,
                 ) -> Intake:
    """Read an article file (``.md``, ``.txt`` or ``.html``) into an :class:`Intake`.

    ``cache_dir`` and ``meanwhile`` (optional) are those of :func:`reflist.parse_list`: where the
    parse of the list is kept, and what runs while it is parsed (given the article as read: the
    list's entries as printed are its ``references``).

    Raises InputError only for a file that cannot be read at all; a page without a list, with a
    short body, or with markers that name no entry is read, and its warnings say so.
    """
    markdown, meta = extract.to_markdown(path)
    parsed = article_mod.parse_markdown(markdown, path=str(path))
    entries = parsed.references
    refs = reflist.parse_list(entries, cache_dir=cache_dir,
                              meanwhile=(lambda: meanwhile(parsed)) if meanwhile else None)
    style = reflist.list_style(entries)
    warnings = list(meta.warnings) + marker_warnings(parsed, refs)
    return Intake(markdown, meta, parsed, refs, style, warnings)


def marker_warnings(parsed: article_mod.Article, refs: list[CitedReference]) -> list[str]:
    """Markers without a reference, references never cited, and a body without any marker."""
    listed = {r.number for r in refs}
    cited = set(parsed.markers())
    out = []
    if not cited and refs:
        out.append("no citation markers found in the body: if the page printed plain superscript "
                   "numbers, add [n] markers to article.md by hand")
    for number in sorted(cited - listed, key=_num):
        out.append(f"marker [{number}] has no entry in the reference list")
    for number in sorted(listed - cited, key=_num) if cited else []:
        out.append(f"reference [{number}] is never cited in the body")
    return out


def _num(text: str) -> tuple[int, str]:
    return (int(text), text) if text.isdigit() else (10**9, text)


def kind_of(ref: CitedReference) -> str:
    """"journal", "web", "book" or "other" for the parse output."""
    if ref.kind == "web":
        return "web"
    if ref.container and (ref.volume or ref.issue or ref.pages or ref.doi_printed):
        return "journal"
    if ref.publisher and not ref.container or _BOOK.search(ref.printed or ""):
        return "book" if not ref.container else "journal"
    return "journal" if ref.container else "other"


def _person(author: str) -> dict:
    family, _, given = author.partition(",")
    return {"family": family.strip(), "given": given.strip() or None}


def reference_json(ref: CitedReference) -> dict:
    """One reference as ``parse --format json`` gives it (values as printed)."""
    printed = ref.printed or ""
    pmid = getattr(ref, "pmid", None) or (m.group(1) if (m := _PMID.search(printed)) else None)
    pmcid = getattr(ref, "pmcid", None) or (m.group(1) if (m := _PMCID.search(printed)) else None)
    doi = _DOI_PREFIX.sub("", ref.doi_printed).rstrip(".") if ref.doi_printed else None
    out = {"ref": ref.number, "printed": printed, "kind": kind_of(ref),
           "authors": [_person(a) for a in ref.authors if "et al" not in a.lower()],
           "year": ref.year, "title": ref.title, "container": ref.container, "volume": ref.volume,
           "issue": ref.issue, "pages": ref.pages, "doi": doi, "url": ref.url, "pmid": pmid,
           "pmcid": pmcid, "accessed": ref.accessed}
    if ref.organisation:
        out["organisation"] = ref.organisation
    if ref.publisher:
        out["publisher"] = ref.publisher
    return out


def to_json(intake: Intake) -> dict:
    """The ``parse --format json`` document of interface.md."""
    counts = Counter(intake.article.markers())
    return {
        "title": intake.article.title or intake.meta.title,
        "sections": len(intake.article.sections),
        "sentences": len(article_mod.candidates(intake.article)),
        "markers": {n: counts[n] for n in sorted(counts, key=_num)},
        "references": [reference_json(r) for r in intake.references],
        "warnings": intake.warnings,
        "style": intake.style,
        "reference_list": {"heading": intake.meta.reference_heading,
                           "position": intake.meta.reference_position},
    }
