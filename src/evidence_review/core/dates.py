"""Years and dates as printed and as recorded (one home for every stage)."""

from __future__ import annotations

import re

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
