"""A review's metadata (review.yaml) and the files derived from its article.

Derived files (``refs/NAME/cited.bib``, ``data/NAME/candidates.csv``) are rebuilt from
``article.md`` by :func:`evidence_review.workflow.prepare.prepare`; nothing here writes a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_review.core.datafile import read_yaml_lines
from evidence_review.core.errors import InputError, Problem
from evidence_review.core.paths import Review
from evidence_review.core.safety import csv_row
from evidence_review.core.schemas import ReviewFile, shape_problems
from evidence_review.intake import article as article_mod
from evidence_review.intake import reflist
from evidence_review.intake.references import CitedReference


@dataclass
class ReviewMeta:
    """The title block of a review and how its article is read."""

    title: str
    site: str | None = None
    url: str | None = None
    last_updated: dt.date | None = None
    reviewed: dt.date | None = None
    version: str = "draft"
    reviewers: str | None = None
    citation_style: str = "apa"
    non_claim_sections: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


def _date(value: Any, path: Path, key: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(Problem(file=path.name, field=key,
                                 message=f"{value!r} is not a date (YYYY-MM-DD)")) from None


def load_meta(review: Review) -> ReviewMeta:
    """Read ``data/NAME/review.yaml`` (a missing file gives defaults taken from article.md)."""
    path = review.review_meta
    raw: dict[str, Any] = {}
    if path.is_file():
        label = review.rel(path)
        raw, lines = read_yaml_lines(path, label)
        if raw is None:
            raise InputError(Problem(file=label, message="the file is empty: it needs at least "
                                                         "article: and review: blocks"))
        if not isinstance(raw, dict):
            raise InputError(Problem(file=label, message="expected a mapping at top level"))
        problems = shape_problems(ReviewFile, raw, label, lines)
        if problems:
            raise InputError(problems)
    art = raw.get("article") or {}
    rev = raw.get("review") or {}
    title = art.get("title")
    if not title and review.article.is_file():
        title = article_mod.load(review.article).title
    return ReviewMeta(
        title=title or review.name,
        site=art.get("site"),
        url=art.get("url"),
        last_updated=_date(art.get("last_updated"), path, "article.last_updated"),
        reviewed=_date(rev.get("reviewed"), path, "review.reviewed"),
        version=str(rev.get("version", "draft")),
        reviewers=rev.get("reviewers"),
        citation_style=art.get("citation_style", "apa"),
        non_claim_sections=list(art.get("non_claim_sections") or []),
        raw=raw,
    )


def load_article(review: Review) -> article_mod.Article:
    return article_mod.load(review.article)


def cited_references(review: Review, art: article_mod.Article | None = None) -> list[CitedReference]:
    """The reference list as printed, parsed from article.md (or from ``art`` when already read).

    The parse is kept in ``.cache/reflist/`` (see :func:`reflist.parse_list`): fetch, audit and
    build read the list init parsed, until article.md or the parser changes."""
    return reflist.parse_list((art or load_article(review)).references,
                              cache_dir=review.root / ".cache" / "reflist")


def claim_candidates(review: Review, art: article_mod.Article | None = None) -> list[article_mod.Candidate]:
    """Every sentence and list item of the body outside review.yaml's non-claim sections."""
    meta = load_meta(review)
    return candidates_outside(art or load_article(review), meta.non_claim_sections)


def candidates_outside(art: article_mod.Article,
                       non_claim_sections: list[str]) -> list[article_mod.Candidate]:
    """Every sentence and list item of the body outside the sections named."""
    skip = set(non_claim_sections)
    return [c for c in article_mod.candidates(art) if c.section not in skip]


CANDIDATE_COLUMNS = ["id", "section", "markers", "is_item", "text"]


def candidates_csv(candidates: list[article_mod.Candidate]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CANDIDATE_COLUMNS)
    for c in candidates:
        writer.writerow(csv_row([c.id, c.section, ";".join(c.markers), str(c.is_item).lower(), c.text]))
    return buf.getvalue()
