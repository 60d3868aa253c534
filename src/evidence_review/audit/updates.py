"""Updates on a record: retractions, corrections, expressions of concern, preprint links."""

from __future__ import annotations

from datetime import date
from typing import Any

from evidence_review.audit.findings import Finding
from evidence_review.core.dates import as_date

# Update types that change what a reader may rely on: reported as MAJOR.
SERIOUS_UPDATES = {"retraction", "partial_retraction", "withdrawal", "removal", "correction",
                   "corrigendum", "erratum", "expression_of_concern"}
PREPRINT_RELATIONS = ("is-preprint-of", "has-preprint", "is-version-of", "has-version")


def _timing(updated: date | None, article_updated: date | None) -> str:
    """Whose error a notice is: the article's (cited after the notice) or news for the editor."""
    if updated is None or article_updated is None:
        return "compare its date with the article's last update"
    if updated <= article_updated:
        return (f"it predates the article's last update ({article_updated.isoformat()}), so the "
                f"article cites a work already flagged")
    return (f"it came after the article's last update ({article_updated.isoformat()}), so it is "
            f"news for the editor")


def check_updates(message: dict, article_updated: Any = None) -> list[Finding]:
    """Retractions, corrections, expressions of concern and preprint links on a Crossref record."""
    article_date = as_date(article_updated)
    findings = []
    for update in message.get("updated-by") or []:
        kind = update.get("type", "update")
        when = as_date(update.get("updated"))
        label = update.get("label") or kind.replace("_", " ")
        source = update.get("source", "publisher")
        notice = update.get("DOI")
        severity = "major" if kind in SERIOUS_UPDATES else "info"
        findings.append(Finding(
            "update", severity, None, f"{kind} {when or ''} {notice or ''}".strip(),
            f"The record carries a {label.lower()} (source: {source}"
            f"{', dated ' + when.isoformat() if when else ''}"
            f"{', notice ' + notice if notice else ''}); {_timing(when, article_date)}.",
            f"https://doi.org/{notice}" if notice else None))
    for update in message.get("update-to") or []:
        kind = update.get("type", "update")
        findings.append(Finding(
            "update", "major" if kind in SERIOUS_UPDATES else "info", None,
            f"{kind} of {update.get('DOI')}",
            f"The cited DOI is itself a {kind.replace('_', ' ')} notice for "
            f"{update.get('DOI')}, not the work it updates.", update.get("DOI")))
    for relation in PREPRINT_RELATIONS:
        for target in (message.get("relation") or {}).get(relation, []):
            findings.append(Finding(
                "relation", "info", None, f"{relation} {target.get('id')}",
                f"The record {relation.replace('-', ' ')} {target.get('id')}"
                f"{'; cite the published version' if relation == 'is-preprint-of' else ''}.",
                target.get("id") if relation == "is-preprint-of" else None))
    return findings


