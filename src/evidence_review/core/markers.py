"""Citation markers: which reference numbers a marker names (one home for every stage).

``[1]``, ``[1,2]``, ``[1-3]``, ``[1–3]`` and ``[1, 3–5]``; a descending range is kept as its two
ends (the article's error, reported by the audit) rather than expanded.
"""

from __future__ import annotations

import re

MARKER = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_RANGE = re.compile(r"^\s*(\d+)\s*[-\u2013]\s*(\d+)\s*$")


def expand(marker: str) -> list[str]:
    """The numbers one marker names: '[1, 3–5]' -> ['1', '3', '4', '5']."""
    numbers: list[str] = []
    for part in re.split(r"[,;]", marker.strip("[] ")):
        m = _RANGE.match(part)
        if m and int(m.group(1)) <= int(m.group(2)):
            numbers += [str(n) for n in range(int(m.group(1)), int(m.group(2)) + 1)]
        elif m:
            numbers += [m.group(1), m.group(2)]
        elif part.strip():
            numbers.append(part.strip())
    return numbers


def numbers_in(text: str) -> list[str]:
    """Numbers named by all the [n] markers of a text, in text order."""
    return [n for match in MARKER.finditer(text) for n in expand(match.group(1))]
