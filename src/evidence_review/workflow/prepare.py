"""``evidence-review prepare``: rebuild the files derived from a review's article.md.

Run after a reviewer edits ``data/NAME/article.md``: ``refs/NAME/cited.bib`` and
``data/NAME/candidates.csv`` are rewritten when their content changes; a missing ``claims.csv`` is
scaffolded once. The reviewer's own files (``claims.csv``, ``sources.yaml``, ``quality.yaml``) are
never rewritten.
"""

from __future__ import annotations

from pathlib import Path

from evidence_review.appraisal.claims import scaffold
from evidence_review.core.atomic import write_if_changed, write_text
from evidence_review.core.paths import Review
from evidence_review.intake import citedbib as bib
from evidence_review.intake.article import Article
from evidence_review.intake.reviewfiles import (
    candidates_csv,
    cited_references,
    claim_candidates,
    load_article,
)


def prepare(review: Review, art: Article | None = None) -> list[Path]:
    """Rebuild the files derived from article.md; scaffold claims.csv only when it is missing.

    ``art`` is the article when the caller has already read it (``init`` reads it once). Returns
    the paths written; unchanged content is not rewritten, so a build leaves a clean git tree.
    """
    art = art or load_article(review)
    written: list[Path] = []
    review.refs_dir.mkdir(parents=True, exist_ok=True)
    if write_if_changed(review.cited_bib, bib.cited_text(cited_references(review, art), review.name)):
        written.append(review.cited_bib)
    cands = claim_candidates(review, art)
    target = review.data_dir / "candidates.csv"
    if write_if_changed(target, candidates_csv(cands)):
        written.append(target)
    if not review.claims.exists():
        write_text(review.claims, scaffold(cands))
        written.append(review.claims)
    return written
