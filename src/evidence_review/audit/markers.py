"""Citation markers in the text against the reference list."""

from __future__ import annotations

from collections import Counter

from evidence_review.audit.findings import Finding
from evidence_review.core.markers import expand


def check_markers(markers_in_text: list[str], ref_numbers: list[str]) -> list[Finding]:
    """Citation markers against the reference list.

    A marker with no reference is major; a reference never cited, a gap in the numbering and a
    number used twice in the list are minor.

    Parameters
    ----------
    markers_in_text : list of str
        Markers in text order, e.g. ``["1", "2", "[3-5]"]``.
    ref_numbers : list of str
        The numbers of the reference list in list order.
    """
    cited = dict.fromkeys(n for m in markers_in_text for n in expand(m))  # text order, once each
    listed = set(ref_numbers)
    findings = [Finding("marker", "major", f"[{n}]", None,
                        f"The text cites [{n}] but the list has no reference {n}.")
                for n in cited if n not in listed]
    findings += [Finding("marker", "minor", None, f"[{n}]",
                         f"Reference [{n}] is in the list but never cited in the text.")
                 for n in dict.fromkeys(ref_numbers) if n not in cited]
    counts = Counter(ref_numbers)
    findings += [Finding("marker", "minor", None, f"[{n}]",
                         f"The reference list has number {n} more than once.")
                 for n in sorted((n for n, k in counts.items() if k > 1), key=str)]
    numeric = {int(n) for n in listed if n.isdigit()}
    if numeric:
        findings += [Finding("marker", "minor", None, None,
                             f"The reference list skips number {n}.")
                     for n in range(1, max(numeric)) if n not in numeric]
    return findings


