"""CSL-JSON: the one internal shape of a reference, built from a Crossref record or a printed entry.

Only what a field holds is copied: a field the record lacks is left out, never guessed, so that the
audit can say it could not check it. Formatting in citation styles lives elsewhere.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from evidence_review.intake.references import CitedReference
from evidence_review.records.doi import is_valid, normalise

# Crossref work types -> CSL item types (https://api.crossref.org/types; CSL 1.0.2 types).
CROSSREF_TO_CSL_TYPE = {
    "journal-article": "article-journal",
    "proceedings-article": "paper-conference",
    "book-chapter": "chapter",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-entry": "entry",
    "posted-content": "article",
    "report": "report",
    "dataset": "dataset",
    "dissertation": "thesis",
    "peer-review": "review",
    "standard": "standard",
}
_DATE_FIELDS = ("issued", "published-print", "published-online")
_PARTICLE = re.compile(r"^((?:[a-z\u00e0-\u00ff']+\s+)+)(\S.*)$")  # "de ", "van der ", "d'"
# a particle deposited after the given names: "Baziel G.M. van"
_GIVEN_PARTICLE = re.compile(r"^(.*?[A-Z].*?)\s+((?:[a-z']{1,4}\s*)+)$")
_GIVEN_END = frozenset("abcdefghijklmnopqrstuvwxyz'")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}


class _TextOnly(HTMLParser):
    """Collect the text of an HTML/JATS fragment, with a space where a block element ends."""

    _BLOCKS = {"p", "sec", "title", "jats:p", "jats:sec", "jats:title", "br", "div", "li"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._BLOCKS:
            self.parts.append(" ")


_SPACES = re.compile(r"\s+")


def strip_jats(text: str | None) -> str | None:
    """The plain text of a JATS/HTML fragment: tags removed, entities decoded, spaces collapsed.

    Crossref titles and abstracts are fragments without a root element (``<jats:p>...``); they are
    wrapped before parsing so that text outside any element is kept.

    >>> strip_jats("<jats:p>Sleep &amp; <i>stress</i></jats:p>")
    'Sleep & stress'
    """
    if text is None:
        return None
    if "<" not in text and "&" not in text:  # most titles: no markup, nothing to parse
        return " ".join(text.split())  # = _SPACES.sub(" ", text).strip(): both split on isspace
    parser = _TextOnly()
    parser.feed(f"<div>{text}</div>")
    parser.close()
    return _SPACES.sub(" ", "".join(parser.parts)).strip()


def split_particle(family: str) -> tuple[str | None, str]:
    """Split a lower-case name particle off a family name: 'van Engelen' -> ('van', 'Engelen').

    Only lower-case particles are split: 'De Carvalho' as printed stays whole, because the
    capital letter is exactly what the audit compares.
    """
    family = family.strip()
    first = family[:1]
    # a particle starts with a lower-case letter or an apostrophe (_PARTICLE's first class): most
    # family names do not, and need no match
    if not ("a" <= first <= "z" or "\u00e0" <= first <= "\u00ff" or first == "'"):
        return None, family
    m = _PARTICLE.match(family)
    if not m:
        return None, family
    return m.group(1).strip(), m.group(2).strip()


def _csl_name(author: dict) -> dict:
    """A Crossref contributor as a CSL name."""
    if "family" not in author:
        return {"literal": author["name"]} if author.get("name") else {}
    particle, family = split_particle(author["family"])
    given = author.get("given") or ""
    # Some deposits put the particle at the end of the given names: "Baziel G.M. van".
    # Only short lower-case words after capitalised given names count: "ana maria" is no particle.
    # the pattern needs the given names to end in a lower-case word (or a space after one)
    m = None if particle or not given or given[-1] not in _GIVEN_END and not given[-1].isspace() \
        else _GIVEN_PARTICLE.match(given)
    if m:
        given, particle = m.group(1), m.group(2).strip()
    name = {"family": family}
    if particle:
        name["non-dropping-particle"] = particle
    if given:
        name["given"] = given
    return name


def _date(value: dict | None) -> dict | None:
    """A Crossref date as a CSL date, or None when it holds no year."""
    if not value:
        return None
    parts = [p for p in (value.get("date-parts") or [[]])[0] if p is not None]
    return {"date-parts": [[int(p) for p in parts]]} if parts else None


def _first(message: dict, key: str) -> str | None:
    """The first entry of a Crossref list field, with markup stripped."""
    values = message.get(key) or []
    return strip_jats(values[0]) if values else None


def _title(message: dict) -> tuple[str | None, str | None]:
    """The full title (main title plus subtitle) and the main title alone."""
    main = _first(message, "title")
    sub = _first(message, "subtitle")
    if main and sub and sub.lower() not in main.lower():
        return f"{main}: {sub}", main
    return main, None


def _issn(message: dict) -> str | None:
    """The print ISSN when typed, else the first one listed."""
    for entry in message.get("issn-type") or []:
        if entry.get("type") == "print":
            return entry.get("value")
    return (message.get("ISSN") or [None])[0]


def from_crossref(message: dict) -> dict:
    """A Crossref work message as a CSL-JSON item.

    Parameters
    ----------
    message : dict
        The ``message`` of a Crossref ``/works/{doi}`` response (any field may be absent).

    Returns
    -------
    dict
        CSL-JSON with ``id`` (the normalised DOI), ``type``, ``title`` (main title and subtitle
        joined by ': '), ``title-short`` (the main title, only when a subtitle exists), ``author``,
        ``container-title``, ``container-title-short``, ``ISSN``, ``volume``, ``issue``, ``page``,
        ``DOI``, ``URL``, ``publisher``, ``issued``, ``published-print``, ``published-online``.
        Absent fields are left out.
    """
    get = message.get
    doi = normalise(message["DOI"]) if get("DOI") else None
    title, short = _title(message)
    # built in the order of the fields above, leaving out what is None, "" or [] (as it is absent)
    item: dict = {"id": doi} if doi else {}
    item["type"] = CROSSREF_TO_CSL_TYPE.get(get("type", ""), "document")
    for key, value in (("title", title), ("title-short", short),
                       ("container-title", _first(message, "container-title")),
                       ("container-title-short", _first(message, "short-container-title")),
                       ("ISSN", _issn(message)), ("volume", get("volume")), ("issue", get("issue")),
                       ("page", get("page")), ("DOI", doi),
                       ("URL", get("URL") or (f"https://doi.org/{doi}" if doi else None)),
                       ("publisher", get("publisher"))):
        if value is not None and value != "" and value != []:
            item[key] = value
    authors = [n for n in (_csl_name(a) for a in get("author") or []) if n]
    if authors:
        item["author"] = authors
    for key in _DATE_FIELDS:
        if (value := get(key)) and (csl_date := _date(value)):
            item[key] = csl_date
    return item


def _printed_name(text: str) -> dict:
    """A printed 'Family, I. I.' author as a CSL name."""
    family, _, given = text.partition(",")
    particle, family = split_particle(family)
    name = {"family": family}
    if particle:
        name["non-dropping-particle"] = particle
    if given.strip():
        name["given"] = given.strip()
    return name


def parse_printed_date(text: str | None) -> dict | None:
    """A printed date ('2019, October', '2019', 'October 5, 2019') as a CSL date.

    Falls back to CSL's ``{"raw": text}`` when no year can be read.
    """
    if not text:
        return None
    year = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", text)
    if not year:
        return {"raw": text}
    parts = [int(year.group(1))]
    month = next((n for name, n in _MONTHS.items() if re.search(rf"\b{name[:3]}", text.lower())),
                 None)
    if month:
        parts.append(month)
        day = re.search(r"\b([0-3]?\d)\b(?!\d)", re.sub(year.group(1), "", text))
        if day and 1 <= int(day.group(1)) <= 31:
            parts.append(int(day.group(1)))
    return {"date-parts": [parts]}


def from_cited(ref: CitedReference) -> dict:
    """The reference as the article prints it, as a CSL-JSON item (nothing corrected).

    Parameters
    ----------
    ref : CitedReference
        One parsed entry of the article's reference list.

    Returns
    -------
    dict
        CSL-JSON with ``id`` ``"ref-<number>"``; ``type`` is ``article-journal`` or ``webpage``.
    """
    doi = normalise(ref.doi_printed) if ref.doi_printed else None
    authors = [_printed_name(a) for a in ref.authors if "et al" not in a.lower()]  # never a person
    if ref.organisation:
        authors.append({"literal": ref.organisation})
    item: dict = {
        "id": f"ref-{ref.number}",
        "type": "webpage" if ref.kind == "web" else "article-journal",
        "title": ref.title,
        "container-title": ref.container,
        "volume": ref.volume,
        "issue": ref.issue,
        "page": ref.pages,
        "DOI": doi if doi and is_valid(doi) else ref.doi_printed,
        "URL": ref.url,
        "publisher": ref.publisher,
        "issued": parse_printed_date(ref.date_text or ref.year),
        "accessed": parse_printed_date(ref.accessed),
    }
    if authors:
        item["author"] = authors
    return {k: v for k, v in item.items() if v not in (None, "", [])}
