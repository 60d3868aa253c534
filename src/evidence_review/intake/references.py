"""A reference as the article prints it: the one shape parsing, the BibTeX file and the audit share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

from evidence_review.core.dates import printed_year

_LINK = re.compile(r"https?://\S+|\bdoi:\s*\S+", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
LINK_TEXT_WORDS = 12  # at most this many words beside a DOI read as a link's text, not a reference


@dataclass
class CitedReference:
    """One entry of the article's reference list, with fields parsed from its printed text.

    Values are kept exactly as printed (case, punctuation, broken DOIs and all): the audit compares
    them with the record, so nothing here is corrected.
    """

    number: str  # the list number, "3"
    printed: str  # the whole entry as printed, without its "[3]" label
    kind: str = "article"  # "article" (journal work) or "web" (a page without a DOI)
    authors: list[str] = field(default_factory=list)  # "Family, I. I." as printed, in order
    et_al: bool = False  # the printed list ends with "et al.": cut short (never an author)
    organisation: str | None = None  # a corporate author, e.g. "NHS"
    year: str | None = None
    date_text: str | None = None  # the whole printed date, e.g. "2019, October"
    title: str | None = None
    container: str | None = None  # journal or site name
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None  # as printed, e.g. "214–221"
    doi_printed: str | None = None  # the DOI string exactly as printed, e.g. "https://doi.org/1212/..."
    url: str | None = None
    publisher: str | None = None
    accessed: str | None = None  # access date for web sources, when printed

    @property
    def cited_year(self) -> int | None:
        """The year as a number, from the printed year or else the printed date."""
        return printed_year(self.year or self.date_text)

    @property
    def doi_only(self) -> bool:
        """Whether the article gives a DOI and little else, as a page citing by inline link does.

        True when a DOI is printed, the parse found no author, organisation, title, journal, date,
        volume or pages, and what is printed beside the link is at most :data:`LINK_TEXT_WORDS`
        words holding no year: a link's text ("a large review of trials"), not a title. The DOI is
        then the one thing the article says about the work, so nothing else can be compared.
        """
        if not self.doi_printed or any((self.authors, self.organisation, self.title, self.container,
                                        self.year, self.date_text, self.volume, self.pages)):
            return False
        rest = _LINK.sub(" ", self.printed or "")
        return len(rest.split()) <= LINK_TEXT_WORDS and not _YEAR.search(rest)

    def to_dict(self) -> dict:
        """The fields as a new dict: what ``dataclasses.asdict`` gives, without its recursive copy
        of every value (measured ~20 times slower; it ran once per reference of every parse)."""
        out = {name: getattr(self, name) for name in _NAMES}
        out["authors"] = list(self.authors)
        return out


_NAMES = tuple(f.name for f in fields(CitedReference))
