"""Counts as a reader reads them: thousands separated ("1,000 claims"), the noun agreeing."""

from __future__ import annotations


def count(n: int) -> str:
    """``n`` with thousands separators: 1000 -> "1,000" (reports, notes and logs say it alike)."""
    return f"{int(n):,}"


def counted(n: int, one: str, many: str | None = None) -> str:
    """"1 claim", "1,000 claims": the count and the noun in the number it agrees with."""
    return f"{count(n)} {one if n == 1 else (many or one + 's')}"
