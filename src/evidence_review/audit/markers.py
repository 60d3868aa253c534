"""Citation markers in the text against the reference list."""

from __future__ import annotations

from collections import Counter

from evidence_review.audit.findings import Finding
from evidence_review.core.markers import expand
from evidence_review.intake.references import CitedReference


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
    # text order, once each; a marker that is one number already (Article.markers gives those) is
    # its own expansion
    cited = dict.fromkeys(n for m in markers_in_text for n in ((m,) if m.isdigit() else expand(m)))
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




def check_list(refs: list[CitedReference], reference_list: dict | None) -> list[Finding]:
    """The reference list itself: none at all (major), no heading, an entry with no text (minor).

    ``reference_list`` is what intake recorded (``heading``, ``position``); None when unknown (a
    review made before intake recorded it), in which case only the entries are checked.
    """
    findings: list[Finding] = []
    if not refs:
        if reference_list is not None:
            findings.append(Finding("reference-list", "major", None, None,
                                    "The article prints no reference list, so none of its claims "
                                    "is attributed to a source a reader can check."))
        return findings
    if (reference_list is not None and not reference_list.get("heading")
            and reference_list.get("position") != "links in the text"):
        findings.append(Finding("reference-list", "minor", None, None,
                                "The reference list has no heading, so a reader may not see it "
                                "as the article's sources."))
    findings += [Finding("reference-list", "minor", f"[{r.number}]", None,
                         f"Reference [{r.number}] is an entry with no text.")
                 for r in refs if not (r.printed or "").strip()]
    return findings
