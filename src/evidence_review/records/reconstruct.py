"""Rebuild a review's Crossref snapshot offline from confirmed record values.

When Crossref cannot be reached, ``data/NAME/record-facts.yaml`` holds the values a reviewer
confirmed on public pages, in Crossref's work-message shape, each field with its evidence. This
module adds only what follows mechanically from those values (``URL`` and ``prefix`` from the DOI,
author ``sequence`` from the order, ``issued`` as the earliest confirmed of print and online dates,
Crossref's own rule), then serves them from the local stand-in so that the very same client,
resolver and snapshot writer as a live fetch produce the snapshot, marked ``reconstructed``.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from evidence_review.core.datafile import read_yaml_lines
from evidence_review.core.errors import InputError, Problem
from evidence_review.core.schemas import RecordFactsFile, shape_problems
from evidence_review.records.doi import is_valid, normalise

# Fields a confirmed record may hold; anything else (counts, licences...) must not be guessed.
ALLOWED = {"DOI", "type", "title", "subtitle", "author", "container-title", "short-container-title",
           "ISSN", "issn-type", "publisher", "volume", "issue", "page", "published-print",
           "published-online", "update-to", "updated-by", "relation", "abstract", "language"}
DATE_FIELDS = ("published-print", "published-online")


def _date_key(parts: list[int]) -> tuple[int, int, int]:
    """Sort key for partial date-parts: a missing month or day sorts first (earliest possible)."""
    padded = list(parts) + [0, 0]
    return padded[0], padded[1], padded[2]


def complete(message: dict[str, Any]) -> dict[str, Any]:
    """Add the mechanically derived fields Crossref always carries."""
    msg = copy.deepcopy(message)
    doi = msg["DOI"]
    msg["URL"] = f"https://doi.org/{doi}"
    msg["prefix"] = doi.split("/", 1)[0]
    for i, author in enumerate(msg.get("author", [])):
        author.setdefault("sequence", "first" if i == 0 else "additional")
    dates = [msg[f]["date-parts"][0] for f in DATE_FIELDS if f in msg]
    if dates:
        msg["issued"] = {"date-parts": [min(dates, key=_date_key)]}
    return msg


def _numbered(problem: Problem) -> Problem:
    """``works.0.message.title`` as ``works[1].message.title`` (entries counted from 1)."""
    field = re.sub(r"^works\.(\d+)", lambda m: f"works[{int(m.group(1)) + 1}]", problem.field or "")
    return Problem(problem.file, problem.message, row=problem.row, field=field or None)


def load_facts(path: Path, label: str | None = None) -> tuple[list[dict], dict[str, dict]]:
    """Read record-facts.yaml: the completed work messages and the non-Crossref references."""
    label = label or str(path)
    raw, lines = read_yaml_lines(path, label, missing="record facts not found: the offline snapshot "
                                                      "is rebuilt from this file")
    raw = {} if raw is None else raw
    shape = shape_problems(RecordFactsFile, raw, label, lines)
    # a malformed DOI is reported below with its own message; every other shape problem here
    problems: list[Problem] = [_numbered(p) for p in shape if not (p.field or "").endswith(".DOI")]
    if problems:
        raise InputError(problems)
    messages = []
    for i, item in enumerate(raw.get("works") or [], start=1):
        where = f"works[{i}]"
        message = (item or {}).get("message") or {}
        evidence = (item or {}).get("evidence") or {}
        doi = str(message.get("DOI", ""))
        if not is_valid(normalise(doi)):
            problems.append(Problem(label, f"{doi!r} is not a valid DOI", field=f"{where}.DOI"))
            continue
        for key in message:
            if key not in ALLOWED:
                problems.append(Problem(label, f"{key!r} is not a field a confirmed record may "
                                               "hold here", field=f"{where}.message.{key}"))
            elif key not in evidence:
                problems.append(Problem(label, f"{key!r} has no evidence: name the page that "
                                               "confirms it", field=f"{where}.evidence.{key}"))
        messages.append(complete(message))
    if problems:
        raise InputError(problems)
    return messages, {str(k): v for k, v in (raw.get("not_in_crossref") or {}).items()}
