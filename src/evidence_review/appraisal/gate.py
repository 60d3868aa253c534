"""The publication gate: what blocks a review from being published (``check --strict``).

A publisher's CI can run ``evidence-review check --strict`` and stop publication on exit code 1.
Blocking: a retracted or unresolved source, a major reference error, or a contradicted or
unsupported claim that carries no reviewer note.
"""

from __future__ import annotations

import pandas as pd

from evidence_review.core.vocab import UNRESOLVED


def blockers(audit: dict, claims: pd.DataFrame, pending: list[str]) -> list[str]:
    """One sentence per blocking problem (empty when the review may be published).

    Parameters
    ----------
    audit : dict
        The ``audit --format json`` document.
    claims : DataFrame
        The validated claims table.
    pending : list of str
        The review's unfinished work, one sentence each.
    """
    out: list[str] = []
    for ref in audit["references"]:
        label = f"reference [{ref['ref']}]"
        if ref["status"] in UNRESOLVED:
            out.append(f"{label} could not be resolved ({ref['status']})")
        for finding in ref["findings"]:
            if finding["severity"] == "major":
                out.append(f"{label}: major {finding['field']} error: {finding['message']}")
    silent = claims[claims["verdict"].isin(["contradicted", "unsupported"])
                    & (claims["note"].str.strip() == "")]
    for _, row in silent.iterrows():
        out.append(f"claim {row['id']} is {row['verdict']} and has no reviewer note")
    out.extend(f"review incomplete: {line}" for line in pending)
    return out
