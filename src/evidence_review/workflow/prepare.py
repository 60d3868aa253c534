"""``evidence-review prepare``: rebuild the files derived from a review's article.md.

Run after a reviewer edits ``data/NAME/article.md``: ``refs/NAME/cited.bib`` and
``data/NAME/candidates.csv`` are rewritten when their content changes; a missing ``claims.csv`` is
scaffolded once. The reviewer's own files (``claims.csv``, ``sources.yaml``, ``quality.yaml``) are
never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evidence_review.appraisal.claims import scaffold
from evidence_review.core.atomic import write_if_changed, write_text
from evidence_review.core.paths import Review
from evidence_review.intake import citedbib as bib
from evidence_review.intake.article import Article
from evidence_review.intake.reviewfiles import (
    candidates_csv,
    candidates_outside,
    cited_references,
    load_article,
    load_meta,
)


@dataclass(frozen=True)
class ClaimFiles:
    """The text of candidates.csv and of a scaffolded claims.csv, for an article whose sections
    ``skipped`` hold no claims (review.yaml's ``non_claim_sections``)."""

    skipped: tuple[str, ...]
    candidates: str
    claims: str


def claim_files(art: Article, non_claim_sections: list[str]) -> ClaimFiles:
    """:class:`ClaimFiles` of an article (``init`` makes them while the reference list is parsed,
    before review.yaml is written; :func:`prepare` uses them when review.yaml names the same
    sections)."""
    cands = candidates_outside(art, non_claim_sections)
    return ClaimFiles(tuple(non_claim_sections), candidates_csv(cands), scaffold(cands))


def prepare(review: Review, art: Article | None = None, claims: ClaimFiles | None = None) -> list[Path]:
    """Rebuild the files derived from article.md; scaffold claims.csv only when it is missing.

    ``art`` is the article when the caller has already read it (``init`` reads it once), and
    ``claims`` its :func:`claim_files` when the caller made them already. Returns the paths
    written; unchanged content is not rewritten, so a build leaves a clean git tree.
    """
    art = art or load_article(review)
    written: list[Path] = []
    review.refs_dir.mkdir(parents=True, exist_ok=True)
    if write_if_changed(review.cited_bib, bib.cited_text(cited_references(review, art), review.name)):
        written.append(review.cited_bib)
    skipped = load_meta(review).non_claim_sections
    if claims is None or list(claims.skipped) != skipped:
        claims = claim_files(art, skipped)
    target = review.data_dir / "candidates.csv"
    if write_if_changed(target, claims.candidates):
        written.append(target)
    if not review.claims.exists():
        write_text(review.claims, claims.claims)
        written.append(review.claims)
    return written
