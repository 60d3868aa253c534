"""DOIs: normalise, validate, and recognise the usual breakages in printed reference lists."""

from __future__ import annotations

import re
from urllib.parse import unquote

# Crossref's recommended pattern for modern DOIs (case-insensitive).
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/[-._;()/:A-Z0-9]+$", re.IGNORECASE)

_PREFIXES = re.compile(
    r"^(?:https?://)?(?:dx\.)?(?:www\.)?doi\.org/|^doi:\s*|^https?://hdl\.handle\.net/",
    re.IGNORECASE,
)


def normalise(raw: str) -> str:
    """The canonical form of a printed DOI: no resolver prefix, decoded, trimmed, lower-case.

    DOIs compare case-insensitively, so lower case is the key we match and cache on.

    >>> normalise(" https://doi.org/10.1212/WNL.0b013e3181d0ccca. ")
    '10.1212/wnl.0b013e3181d0ccca'
    """
    text = unquote(raw.strip())
    text = _PREFIXES.sub("", text).strip()
    text = text.rstrip(".,;:)]}>\"'")  # punctuation a sentence glues to the end of a DOI
    return text.lower()


def is_valid(doi: str) -> bool:
    """Whether a normalised DOI fits Crossref's recommended pattern."""
    return bool(DOI_PATTERN.match(doi))
