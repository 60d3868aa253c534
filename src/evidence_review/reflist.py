"""Parse a printed reference list into :class:`CitedReference` fields, keeping printed values.

Each citation style is one parser function; :func:`parse_entry` tries them in order and keeps the
first that recognises the entry. Nothing is corrected here: the audit compares printed and record.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from evidence_review.references import CitedReference

_LABEL = re.compile(r"^\s*(?:\[(\d+)\]|(\d+)\.)\s+")
_URL = re.compile(r"\s*(https?://\S+|doi:\s*\S+)\s*$", re.IGNORECASE)
_DOI_URL = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
# "Family, I. I." or "Family, I." repeated, separated by ", " with "& " before the last one.
_APA_AUTHOR = re.compile(r"([^,&]+?),\s*((?:[A-Z]\.\s?(?:-?[A-Z]\.\s?)*))(?:,\s*|\s*$)")
_APA_HEAD = re.compile(r"^(?P<authors>.+?)\s*\((?P<date>(?P<year>\d{4}|n\.d\.)[^)]*)\)\.\s*(?P<rest>.*)$")
_APA_SOURCE = re.compile(
    r"^(?P<title>.+?[.?!])\s+(?P<container>[^.]+?),\s*(?P<volume>\d+)"
    r"(?:\((?P<issue>[^)]+)\))?,\s*(?P<pages>[A-Za-z]?\d+(?:\s*[–-]\s*[A-Za-z]?\d+)?)\.?$"
)


def split_label(entry: str) -> tuple[str | None, str]:
    """Split "[3] Katzberg, ..." or "3. Katzberg ..." into ("3", "Katzberg, ...")."""
    match = _LABEL.match(entry)
    if not match:
        return None, entry.strip()
    return match.group(1) or match.group(2), entry[match.end():].strip()


def _split_link(body: str) -> tuple[str, str | None, str | None]:
    """Take a trailing URL or DOI off an entry: (rest, doi_printed, url)."""
    match = _URL.search(body)
    if not match:
        return body.strip(), None, None
    link = match.group(1)
    rest = body[: match.start()].strip()
    if _DOI_URL.match(link):
        return rest, link, None
    return rest, None, link


def _apa_authors(text: str) -> list[str] | None:
    text = text.replace("&", "").strip().rstrip(",")
    found = [f"{m.group(1).strip()}, {m.group(2).strip()}" for m in _APA_AUTHOR.finditer(text)]
    return found or None


def parse_apa(number: str, body: str) -> CitedReference | None:
    """APA-like: ``Family, I., & Family, I. (2010). Title. Journal, 74(8), 691–696. https://doi.org/...``

    Also recognises the APA web form ``Org. (2019, October). Title. Publisher. URL``.
    """
    rest, doi_printed, url = _split_link(body)
    head = _APA_HEAD.match(rest)
    if not head:
        return None
    ref = CitedReference(number=number, printed=body, doi_printed=doi_printed, url=url,
                         year=None if head["year"] == "n.d." else head["year"],
                         date_text=head["date"])
    authors = _apa_authors(head["authors"])
    if authors:
        ref.authors = authors
    else:
        ref.organisation = head["authors"].rstrip(".").strip()
    source = _APA_SOURCE.match(head["rest"])
    if source:
        ref.title = source["title"].rstrip(".").strip()
        ref.container, ref.volume = source["container"].strip(), source["volume"]
        ref.issue, ref.pages = source["issue"], source["pages"]
        return ref
    # A web page: "Title. Publisher." (the title may itself hold a colon but no full stop)
    parts = [p.strip() for p in re.split(r"(?<=[a-z\)])\.\s+", head["rest"].rstrip(".")) if p.strip()]
    ref.kind = "web" if url and not doi_printed else "article"
    if parts:
        ref.title = parts[0]
    if len(parts) > 1:
        ref.publisher = ". ".join(parts[1:])
    ref.container = ref.organisation
    return ref


PARSERS: list[Callable[[str, str], CitedReference | None]] = [parse_apa]


def parse_entry(entry: str, fallback_number: str | None = None) -> CitedReference:
    """Parse one printed entry; an unrecognised entry keeps its text, link and number only."""
    number, body = split_label(entry)
    number = number or fallback_number or "?"
    for parser in PARSERS:
        ref = parser(number, body)
        if ref is not None:
            return ref
    rest, doi_printed, url = _split_link(body)
    return CitedReference(number=number, printed=body, doi_printed=doi_printed, url=url,
                          kind="web" if url and not doi_printed else "article")


def parse_list(entries: list[str]) -> list[CitedReference]:
    """Parse a whole printed reference list (numbered in order when entries carry no label)."""
    return [parse_entry(e, fallback_number=str(i)) for i, e in enumerate(entries, start=1)]
