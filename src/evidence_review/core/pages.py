"""Page ranges as printed: '214–221', '279-83', 'e123' (one home for audit and exports)."""

from __future__ import annotations

import re

_DASH = re.compile(r"\s*[-\u2010-\u2015]+\s*")


def page_range(text: str | None) -> tuple[str | None, str | None]:
    """First and last page; an abbreviated last page is expanded ('279-83' -> '279', '283')."""
    if not text or not text.strip():
        return None, None
    pieces = _DASH.split(text.strip(), maxsplit=1)
    first = pieces[0].strip() or None
    last = (pieces[1].strip() or None) if len(pieces) > 1 else None
    if first and last and first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last
