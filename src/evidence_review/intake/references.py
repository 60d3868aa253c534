"""A reference as the article prints it: the one shape parsing, the BibTeX file and the audit share."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from evidence_review.core.dates import printed_year


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

    def to_dict(self) -> dict:
        return asdict(self)
