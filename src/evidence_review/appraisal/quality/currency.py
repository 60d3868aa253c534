"""Currency of evidence: each source's age at the article's last update, and signs of updates.

Ages come from the records (Crossref work messages, or a printed date for a web page). Whether a
source was later reaffirmed or superseded is often only known to the reviewer; such notes come from
the review's data and are shown beside the computed age, never inferred here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from evidence_review.core.dates import date_parts

DEFAULT_THRESHOLD_YEARS = 10
# Crossref's own rule: "issued" is the earliest of print and online, so it is tried first.
DATE_FIELDS = ("issued", "published-online", "published-print", "published", "created")
# An access date says nothing about when a page was written, so it is never used.
WEB_DATE_FIELDS = ("date", "printed_date", "last_revised")
DAYS_PER_YEAR = 365.25


def currency_of_sources(
    records: Mapping[str, Mapping[str, Any]],
    article_updated: date,
    threshold_years: float = DEFAULT_THRESHOLD_YEARS,
    notes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Age of each source at the article's last-updated date, with update signs and a flag.

    Parameters
    ----------
    records : mapping of str to dict
        Reference number -> a Crossref work message (``issued``/``published-*`` date-parts,
        ``updated-by``, ``update-to``, ``relation``) or, for a web source, a dict with a printed
        date under ``date`` (ISO "2019", "2019-10", "2019-10-05", date-parts, or a printed
        year and month such as "2019, October").
    article_updated : datetime.date
        The article's "last updated" date.
    threshold_years : float
        Sources older than this are flagged for the writer to re-check (default 10).
    notes : mapping of str to str, optional
        Reviewer notes per reference number (e.g. a reaffirmation the record does not show).

    Returns
    -------
    pandas.DataFrame
        One row per reference in the given order: ``ref, date, date_field, age_years,
        older_than_threshold, updates, reviewer_note``. A partial date (year, or year and month)
        counts from its first day, so the age is the largest the date allows. No date -> NA.
    """
    notes = notes or {}
    rows = []
    for ref, record in records.items():
        found = source_date(record)
        age = _age(found[0], article_updated) if found else None
        rows.append({
            "ref": str(ref),
            "date": found[2] if found else None,
            "date_field": found[1] if found else None,
            "age_years": age,
            "older_than_threshold": None if age is None else age > threshold_years,
            "updates": "; ".join(update_signs(record)),
            "reviewer_note": notes.get(str(ref), ""),
        })
    table = pd.DataFrame(rows, columns=["ref", "date", "date_field", "age_years",
                                        "older_than_threshold", "updates", "reviewer_note"])
    return table.astype({"age_years": "Float64", "older_than_threshold": "boolean"})


def source_date(record: Mapping[str, Any]) -> tuple[date, str, str] | None:
    """The date a source's age is counted from.

    Returns
    -------
    tuple or None
        ``(first day of the date, the field it came from, the date as printed "YYYY[-MM[-DD]]")``,
        or None when the record has no usable date.
    """
    for field in (*DATE_FIELDS, *WEB_DATE_FIELDS):
        parts = date_parts(record.get(field))
        if parts:
            shown = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))
            return date(parts[0], *(parts[1:] + [1, 1])[:2]), field, shown
    return None


def _age(start: date, end: date) -> float:
    return round((end - start).days / DAYS_PER_YEAR, 1)


def update_signs(record: Mapping[str, Any]) -> list[str]:
    """What a Crossref record says about later versions, corrections or what it updates.

    Examples
    --------
    >>> update_signs({"updated-by": [{"type": "correction", "DOI": "10.1/x",
    ...                               "updated": {"date-parts": [[2021, 3, 1]]}}]})
    ['updated by correction 10.1/x (2021-03-01)']
    """
    signs = []
    for update in record.get("updated-by") or []:
        signs.append(_describe("updated by", update))
    for update in record.get("update-to") or []:
        signs.append(_describe("is an update to", update))
    for relation, targets in (record.get("relation") or {}).items():
        for target in targets if isinstance(targets, list) else [targets]:
            signs.append(f"{relation} {target.get('id', '?')}")
    return signs


def _describe(verb: str, update: Mapping[str, Any]) -> str:
    parts = date_parts(update.get("updated"))
    when = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts)) if parts else ""
    text = f"{verb} {update.get('type', 'update')} {update.get('DOI', '')}".rstrip()
    return f"{text} ({when})" if when else text
