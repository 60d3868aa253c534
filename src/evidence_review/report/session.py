"""One review, loaded once: the facade the notebooks and the command line both call.

Everything is read lazily and cached, so a command that needs only the claims table does not load
the Crossref snapshot, and a notebook cell can ask for what it shows.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import pandas as pd

from evidence_review.appraisal import claims as claims_mod
from evidence_review.appraisal import consistency, evidence, gate, quality
from evidence_review.appraisal import verdicts as verdicts_mod
from evidence_review.appraisal.passages import claim_passages
from evidence_review.audit import fields as audit
from evidence_review.core.errors import EvidenceReviewError, InputError, Problem
from evidence_review.core.numbers import count
from evidence_review.core.paths import Review
from evidence_review.core.vocab import UNREVIEWED
from evidence_review.intake import article as article_mod
from evidence_review.intake import citedbib as bib
from evidence_review.intake import reviewfiles as review_mod
from evidence_review.records.snapshot import Snapshot
from evidence_review.records.sourcetext import SourceTexts

SCHEME_FILE = Path("data") / "evidence-levels.yaml"
QUALITY_DIR = Path("data") / "quality"


class ReviewSession:
    """Lazy access to every input and derived table of one review."""

    def __init__(self, name: str | None = None, root: Path | str | None = None):
        self.review = Review.open(name, root)

    # --- inputs ---------------------------------------------------------------------------------
    @cached_property
    def meta(self) -> review_mod.ReviewMeta:
        return review_mod.load_meta(self.review)

    @cached_property
    def article(self) -> article_mod.Article:
        return review_mod.load_article(self.review)

    @cached_property
    def cited(self):
        return review_mod.cited_references(self.review)

    @cached_property
    def ref_numbers(self) -> frozenset[str]:
        return frozenset(r.number for r in self.cited)

    @cached_property
    def candidates(self) -> list[article_mod.Candidate]:
        return review_mod.claim_candidates(self.review)

    @cached_property
    def scheme(self) -> evidence.Scheme:
        return evidence.load_scheme(self.review.root / SCHEME_FILE, label=str(SCHEME_FILE))

    @cached_property
    def sources(self) -> dict[str, evidence.Source]:
        return evidence.load_sources(self.review.sources, self.scheme, set(self.ref_numbers),
                                     label=self.review.rel(self.review.sources), allow_pending=True)

    def pending(self) -> list[str]:
        """Work not yet done by the reviewer: unreviewed claims and unassessed sources."""
        out = []
        unreviewed = self.claims[self.claims["verdict"] == UNREVIEWED]["id"].tolist()
        if unreviewed:
            out.append(f"{count(len(unreviewed))} claim(s) not yet reviewed ({', '.join(unreviewed[:8])}"
                       + (", …" if len(unreviewed) > 8 else "") + ")")
        missing = sorted((r for r, s in self.sources.items() if s.design == evidence.PENDING),
                         key=lambda r: (len(r), r))
        if missing:
            shown = ", ".join(missing[:8]) + (f", … ({count(len(missing))} in all)"
                                              if len(missing) > 8 else "")
            out.append(f"reference(s) {shown} not yet assessed in "
                       f"{self.review.rel(self.review.sources)} (design and CEBM level)")
        return out

    @cached_property
    def snapshot(self):
        return Snapshot.load_or_unresolved(self.review.snapshot_dir)

    @cached_property
    def source_texts(self):
        """The Europe PMC part of the snapshot (empty when none was fetched)."""
        return SourceTexts.load(self.review.europepmc_dir)

    def _doi_of(self, ref: str) -> str | None:
        entry = self.snapshot.references.get(ref) or {}
        return entry.get("doi") if entry.get("status") in ("matched", "repaired") else None

    @cached_property
    def texts_by_ref(self) -> dict:
        """Each reference's source text (abstract / open full text), where one was fetched."""
        out = {}
        if not self.source_texts:
            return out
        for ref in sorted(self.ref_numbers, key=lambda n: (len(n), n)):
            text = self.source_texts.text(self._doi_of(ref))
            if text is not None:
                out[ref] = text
        return out

    @cached_property
    def pubmed(self) -> dict[str, dict]:
        """Europe PMC's facts per reference (PMID, PMCID, types, MeSH, licence); {} when absent."""
        out = {}
        if not self.source_texts:
            return out
        for ref in self.ref_numbers:
            facts = self.source_texts.record(self._doi_of(ref))
            if facts.get("status") == "found":
                out[ref] = facts
        return out

    @cached_property
    def passages(self) -> dict:
        """Suggested passages per claim id (BM25 over its sources' texts; empty lists without texts)."""
        rows = self.claims[["id", "text", "refs"]].to_dict(orient="records")
        return claim_passages(rows, self.texts_by_ref)

    @cached_property
    def level_suggestions(self) -> dict:
        """The CEBM level each reference's PubMed publication types suggest (refs without: absent)."""
        out = {}
        for ref, facts in self.pubmed.items():
            suggestion = evidence.suggest_level(facts.get("pub_types") or [], facts.get("mesh") or [],
                                                self.scheme)
            if suggestion is not None:
                out[ref] = suggestion
        return out

    @cached_property
    def quality(self) -> dict | None:
        """The reviewer's JAMA/DISCERN entries (data/NAME/quality.yaml), or None when not assessed."""
        path = self.review.data_dir / "quality.yaml"
        if not path.is_file():
            return None
        return quality.load_quality(path, self.review.root / QUALITY_DIR / "discern.yaml")

    def claims_context(self) -> claims_mod.Context:
        return claims_mod.Context(
            # a claim may cite a number the article cites without listing it (the article's error,
            # which the audit reports): the claims table records what the article says
            ref_numbers=self.ref_numbers | frozenset(self.article.markers()),
            article_text=self.review.article.read_text(encoding="utf-8"),
            candidate_ids=frozenset(c.id for c in self.candidates),
            candidate_markers={c.id: c.markers for c in self.candidates},
        )

    # --- derived tables -------------------------------------------------------------------------
    @cached_property
    def claims_rows(self) -> tuple[list[str], list[dict[str, str]]]:
        """claims.csv as read (header, rows with every cell as in the file), not yet checked."""
        return claims_mod.read_rows(self.review.claims, self.review.rel(self.review.claims))

    @cached_property
    def claims(self) -> pd.DataFrame:
        """The validated claims table with each claim's evidence level and SORT grade."""
        header, records = self.claims_rows
        problems = claims_mod.validate_rows(header, records, self.claims_context(),
                                            self.review.rel(self.review.claims))
        if problems:
            raise InputError(problems)
        return evidence.annotate_claims(claims_mod.to_frame(records), self.sources, self.scheme)

    @cached_property
    def verdict_files(self) -> dict[str, verdicts_mod.VerdictFile]:
        """Each reviewer's own verdicts (data/NAME/verdicts/REVIEWER.csv), checked; {} when none."""
        if not verdicts_mod.reviewer_files(self.review):
            return {}
        _, records = self.claims_rows
        return verdicts_mod.load_all(self.review, {r["id"].strip(): r for r in records},
                                     self.claims_context())

    @cached_property
    def agreement(self):
        """Agreement between the reviewers' files (an ``Agreement``), or None with fewer than two."""
        # imported here: scikit-learn costs ~2 s to load, which a single-reviewer build need not pay
        from evidence_review.appraisal import agreement as agreement_mod

        files = self.verdict_files
        if len(files) < 2:
            return None
        _, records = self.claims_rows
        refs = dict(zip(self.claims["id"], self.claims["refs"], strict=True))
        return agreement_mod.compute(
            self.review.name, {r: vf.verdicts() for r, vf in files.items()}, refs,
            final={r["id"].strip(): r for r in records},
            decided={r: vf.decided() for r, vf in files.items()})

    @cached_property
    def audit(self):
        return audit.review_audit(self.review, cited=self.cited, snapshot=self.snapshot,
                                  article=self.article, meta=self.meta, source_texts=self.source_texts)

    def blockers(self) -> list[str]:
        """What blocks publication (the gate of ``check --strict``), one sentence each."""
        return gate.blockers(self.audit.to_json(self.review.name, self.snapshot), self.claims,
                             self.pending())

    def memo(self, key: str, compute):
        """A derived value computed once per session (views share it instead of recomputing)."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    # --- checks ---------------------------------------------------------------------------------
    def check(self) -> list[Problem]:
        """Validate every input; collect all problems instead of stopping at the first."""
        problems: list[Problem] = []
        for name in ("meta", "article", "cited", "scheme", "sources", "snapshot", "source_texts",
                     "claims", "quality", "verdict_files"):
            try:
                getattr(self, name)
            except InputError as exc:
                problems.extend(exc.problems)
            except Exception as exc:  # a corrupt snapshot etc.: report it as a problem, go on
                if not isinstance(exc, EvidenceReviewError):
                    raise
                # e.g. a missing or corrupt snapshot: name the file relative to the project
                message = str(exc).replace(f"{self.review.root}/", "")
                file, sep, rest = message.partition(": ")
                problems.append(Problem(file=file, message=rest) if sep and "/" in file
                                else Problem(file=name, message=message))
        if not any(p.file.endswith(("article.md", "review.yaml")) for p in problems):
            problems.extend(self._bib_problems())
        try:  # needs valid claims, sources and scheme; their own problems are listed above
            problems.extend(self._consistency_problems())
        except InputError:
            pass
        return _unique(problems)

    def _consistency_problems(self) -> list[Problem]:
        """Rules across claims and sources (appraisal/consistency.py), once each file is valid alone."""
        _, records = self.claims_rows
        rows = {r["id"].strip(): int(r["_row"]) for r in records}
        return consistency.review_problems(self.claims, self.sources, self.scheme,
                                           claims_label=self.review.rel(self.review.claims),
                                           sources_label=self.review.rel(self.review.sources), rows=rows)

    def _bib_problems(self) -> list[Problem]:
        """refs/NAME/cited.bib must parse and match the reference list in article.md."""
        path = self.review.cited_bib
        if not path.is_file():
            return []  # derived file: written by fetch/build
        try:
            on_disk = bib.read_cited(path)
        except InputError as exc:
            return [Problem(self.review.rel(path), p.message, row=p.row, field=p.field)
                    for p in exc.problems]
        if on_disk != self.cited:
            return [Problem(self.review.rel(path), "out of date with the reference list in "
                                                   "article.md: run `evidence-review prepare`")]
        return []


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


CLAIM_JSON_FIELDS = ["id", "section", "text", "refs", "verdict", "needs_citation", "source_says",
                     "locator", "basis", "evidence_level", "note", "quote", "sentence",
                     "marker_scope", "would_support", "indirect", "sort"]


def claims_json(session: ReviewSession) -> dict:
    """The ``claims --format json`` document of interface.md (each claim with its ``passages``)."""
    passages = session.passages
    rows = []
    for rec in session.claims.to_dict(orient="records"):
        row = {k: rec[k] for k in CLAIM_JSON_FIELDS}
        row["passages"] = [p.to_dict() for p in passages.get(rec["id"], [])]
        rows.append(row)
    return {"review": session.review.name, "claims": rows}


def open_review(name: str | None = None, root: Path | str | None = None) -> ReviewSession:
    """Open a review by name (the notebooks' entry point)."""
    return ReviewSession(name, root)
