"""Updates on a record: retractions, corrections, expressions of concern, preprint links.

From Crossref's ``updated-by`` / ``update-to`` / ``relation`` (:func:`check_updates`) and from
Europe PMC's publication types and notices, merged with Crossref's (:func:`check_europepmc_updates`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from evidence_review.audit.findings import Finding, pubmed_url
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
    if "updated-by" not in message and "update-to" not in message and "relation" not in message:
        return []  # most records: nothing to report
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


# Update kinds of both registries, grouped so that a retraction in one can be matched with the other.
_FAMILY = {"retraction": "retraction", "partial_retraction": "retraction", "withdrawal": "retraction",
           "removal": "retraction", "correction": "correction", "corrigendum": "correction",
           "erratum": "correction", "expression_of_concern": "expression of concern"}


def check_europepmc_updates(facts: dict, crossref_findings: list[Finding], crossref_message: dict,
                            article_updated: Any = None, retrieved: str | None = None) -> list[Finding]:
    """Europe PMC's update signals, merged with Crossref's ``updated-by`` findings.

    A notice both registries list becomes one finding naming both (the Crossref finding's message
    is extended); a notice only Europe PMC lists (or a "Retracted Publication" type) is a finding
    of its own, naming Europe PMC and the notice's date; a kind of update one registry records and
    the other does not is reported as a disagreement (info).

    Parameters
    ----------
    facts : dict
        The Europe PMC manifest entry of the work (``status``, ``pub_types``, ``notices``...).
    crossref_findings : list of Finding
        The findings :func:`check_updates` gave for the Crossref record (edited in place).
    """
    if facts.get("status") != "found":
        return []
    article_date = as_date(article_updated)
    crossref = {}
    for update, finding in zip(crossref_message.get("updated-by") or [],
                               [f for f in crossref_findings if f.field == "update"], strict=False):
        family = _FAMILY.get(update.get("type", ""))
        if family:
            crossref.setdefault(family, finding)
    epmc: dict[str, list[dict]] = {}
    for notice in facts.get("notices") or []:
        family = _FAMILY.get(notice.get("kind", ""))
        if family:
            epmc.setdefault(family, []).append(notice)
    if "retracted publication" in {t.lower() for t in facts.get("pub_types") or []}:
        epmc.setdefault("retraction", []).append({"kind": "retraction", "type": "Retracted Publication",
                                                  "id": None, "reference": None, "date": None})
    findings = []
    for family, notices in epmc.items():
        notice = next((n for n in notices if n.get("id")), notices[0])
        described = _describe_notice(notice, retrieved)
        if family in crossref:
            crossref[family].message = (crossref[family].message.rstrip(".")
                                        + f". Europe PMC lists it too ({described}).")
            continue
        when = as_date(notice["date"]) if notice.get("date") and len(notice["date"]) == 10 else None
        findings.append(Finding(
            "update", "major", None,
            f"{notice['kind']} {notice.get('date') or ''} PMID {notice.get('id') or ''}".strip(),
            f"Europe PMC lists a {family} ({described}); {_timing(when, article_date)}.",
            pubmed_url(notice.get("id"))))
    for family in sorted(set(crossref) ^ set(epmc)):
        only, other = ("Crossref", "Europe PMC") if family in crossref else ("Europe PMC", "Crossref")
        findings.append(Finding(
            "update", "info", None, None,
            f"The registries disagree: {only} records a {family} for this work and {other} "
            f"does not; check the publisher's page."))
    return findings


def _describe_notice(notice: dict, retrieved: str | None) -> str:
    parts = ["source: Europe PMC"]
    if notice.get("type"):
        parts.append(f"'{notice['type']}'")
    if notice.get("reference"):
        parts.append(f"notice {notice['reference']}")
    if notice.get("id"):
        parts.append(f"PMID {notice['id']}")
    parts.append(f"dated {notice['date']}" if notice.get("date")
                 else f"undated; retrieved {retrieved}" if retrieved else "undated")
    return ", ".join(parts)
