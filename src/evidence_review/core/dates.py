"""Years and dates as printed and as recorded (one home for every stage)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
# A year is four digits standing alone: "12 May 2019" is 2019, never 1220.
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def printed_year(text: str | None) -> int | None:
    """The first plausible year in a printed date ('2019', '12 May 2019', '2018 Dec;' -> int)."""
    m = _YEAR.search(text or "")
    return int(m.group(1)) if m else None


def csl_year(csl_date: dict | None) -> int | None:
    """The year of a CSL/Crossref date object ``{"date-parts": [[2019, 5, 12]]}``."""
    parts = (csl_date or {}).get("date-parts") or [[]]
    return int(parts[0][0]) if parts and parts[0] and parts[0][0] is not None else None


def date_parts(value: Any) -> list[int] | None:
    """[year, month?, day?] from Crossref date-parts, an ISO string or a date; None otherwise."""
    if isinstance(value, date):
        return [value.year, value.month, value.day]
    if isinstance(value, Mapping):
        raw = (value.get("date-parts") or [[]])[0]
        parts = [int(p) for p in raw if p is not None]
    elif isinstance(value, str):
        parts = _text_parts(value.strip())
    else:
        return None
    return parts[:3] if parts and 1000 <= parts[0] <= 9999 else None


def _text_parts(text: str) -> list[int]:
    """ISO "2019-10-05" or printed "2019, October" / "October 2019"; [] when neither."""
    if re.fullmatch(r"\d{4}(-\d{1,2}){0,2}", text):
        return [int(p) for p in text.split("-")]
    year = re.search(r"\b(\d{4})\b", text)
    month = re.search(r"\b([A-Za-z]{3})[a-z]*\.?\b", text)
    if year and month and month.group(1).lower() in _MONTHS:
        return [int(year.group(1)), _MONTHS[month.group(1).lower()]]
    return [int(year.group(1))] if year and re.fullmatch(r"\(?\d{4}\)?", text) else []


def as_date(value: Any) -> date | None:
    """A date from a date, Crossref date-parts or an ISO string/timestamp (missing parts -> 1)."""
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str):
        value = value.strip()[:10]
    parts = date_parts(value)
    return date(*(parts + [1, 1])[:3]) if parts else None


_NLM_DATE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?:\s+([A-Z][a-z]{2})(?:\s+(\d{1,2}))?)?(?![\d])")


def nlm_date(text: str | None) -> str | None:
    """The ISO date (YYYY, YYYY-MM or YYYY-MM-DD) in an NLM-style citation, e.g. a PubMed notice.

    >>> nlm_date("J Example. 2021 Jun 3;9(2):77")
    '2021-06-03'
    >>> nlm_date("J Example. 2022;10:4"), nlm_date("no date")
    ('2022', None)
    """
    m = _NLM_DATE.search(text or "")
    if not m:
        return None
    year, month, day = m.groups()
    number = _MONTHS.get((month or "").lower())
    if not number:
        return year
    out = f"{year}-{number:02d}"
    return f"{out}-{int(day):02d}" if day and 1 <= int(day) <= 31 else out


def iso_date(text: str | None) -> date | None:
    """The date a ``YYYY-MM-DD`` text names, or None for anything else (a page's own date meta).

    >>> iso_date("2024-02-29"), iso_date("2023-02-29"), iso_date("29 Feb 2024"), iso_date(None)
    (datetime.date(2024, 2, 29), None, None, None)
    """
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
