"""The reviewer's workbench: what the review form shows and does, without any widget.

Two modes. In **review** mode a reviewer judges claims into their own file,
``data/NAME/verdicts/REVIEWER.csv``, blinded: they see only their own verdicts until every reviewer
has judged every claim. In **final** mode (adjudication, or a review with one reviewer) the form
edits the review's ``claims.csv``, the table the report is built from, and shows every reviewer's
verdict beside the claim with the conflict list. Both modes write a trail (``reviewer``,
``decided``) with the row, check the whole file with the same rules as ``evidence-review check``
before writing, and write atomically. ``report/form.py`` draws this as ipywidgets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from evidence_review.appraisal import claims as claims_mod
from evidence_review.appraisal import verdicts as verdicts_mod
from evidence_review.core.errors import EvidenceReviewError, InputError, Problem
from evidence_review.intake import article as article_mod
from evidence_review.report.html import esc
from evidence_review.report.session import ReviewSession

MODES = ("review", "final")
FILTERS = ("all", "pending", "mine", "conflicts")
# The values the form edits, in the order it shows them.
FIELDS = ["text", "verdict", "source_says", "locator", "basis", "needs_citation", "note"]


@dataclass
class Outcome:
    """What a Save did: written or not, and the sentence the form shows."""

    saved: bool
    message: str
    needs_confirmation: bool = False
    problems: list[Problem] = field(default_factory=list)


class Workbench:
    """One reviewer's view of one review (``mode`` is ``review`` or ``final``)."""

    def __init__(self, session: ReviewSession, reviewer: str = "", mode: str = "review",
                 today: dt.date | None = None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.session = session
        self.review = session.review
        self.reviewer = reviewer
        self.mode = mode
        self.today = today
        self._reload_claims()

    # --- what is on disk ---------------------------------------------------------------------------
    def _reload_claims(self) -> None:
        self.header, self.rows = claims_mod.read_rows(self.review.claims, self.review.rel(self.review.claims))
        self.by_id = {r["id"].strip(): r for r in self.rows}

    def claim_ids(self) -> list[str]:
        return list(self.by_id)

    def refs(self, cid: str) -> list[str]:
        return claims_mod.split_refs(self.by_id[cid].get("refs", ""))

    def files(self) -> dict[str, verdicts_mod.VerdictFile]:
        """Every reviewer's file as on disk now (re-read: another reviewer may have saved)."""
        return {r: verdicts_mod.read(self.review, r, p)
                for r, p in verdicts_mod.reviewer_files(self.review).items()}

    def my_file(self) -> verdicts_mod.VerdictFile:
        return verdicts_mod.read(self.review, self.reviewer)

    # --- blinding, progress, conflicts ------------------------------------------------------------
    def finished(self, vf: verdicts_mod.VerdictFile) -> bool:
        return set(self.by_id) <= set(vf.verdicts())

    def unblinded(self) -> bool:
        """Every reviewer (two at least, this one included) has judged every claim.

        Until then a reviewer sees only their own verdicts. A reviewer without a name, or one who
        has not started, counts as a reviewer who has not finished.
        """
        files = self.files()
        if self.mode == "review" and (not self.reviewer or self.reviewer not in files):
            return False
        return len(files) >= 2 and all(self.finished(vf) for vf in files.values())

    def visible_verdicts(self, cid: str) -> dict[str, dict[str, str]]:
        """Reviewer → their row for ``cid``, as this user may see it (blinded in review mode)."""
        files = self.files()
        if self.mode == "review" and not self.unblinded():
            files = {r: vf for r, vf in files.items() if r == self.reviewer}
        return {r: vf.by_id()[cid] for r, vf in files.items() if cid in vf.verdicts()}

    def conflicts(self) -> list[str]:
        """Claims the reviewers judged differently (none shown to a reviewer while blinded)."""
        if self.mode == "review" and not self.unblinded():
            return []
        files = self.files()
        out = []
        for cid in self.by_id:
            given = {vf.verdicts()[cid] for vf in files.values() if cid in vf.verdicts()}
            if len(given) > 1:
                out.append(cid)
        return out

    def done_ids(self) -> set[str]:
        if self.mode == "final":
            return {cid for cid, r in self.by_id.items() if r.get("verdict", "").strip()}
        if not self.reviewer:
            return set()
        return set(self.my_file().verdicts()) & set(self.by_id)

    def progress(self) -> tuple[int, int]:
        return len(self.done_ids()), len(self.by_id)

    def progress_line(self) -> str:
        """'N of M reviewed', saying whose verdicts and what the blinding hides."""
        n, m = self.progress()
        if self.mode == "final":
            conflicts = self.conflicts()
            settled = sum(1 for c in conflicts if self.by_id[c].get("reviewer", "").strip())
            extra = f"; {len(conflicts)} conflict(s), {settled} with a final verdict" if conflicts else ""
            return f"claims.csv: {n} of {m} reviewed{extra}"
        if not self.reviewer:
            return f"0 of {m} reviewed (enter your reviewer name)"
        others = {r: vf for r, vf in self.files().items() if r != self.reviewer}
        line = f"{self.reviewer}: {n} of {m} reviewed"
        if others:
            done = ", ".join(f"{r} {len(set(vf.verdicts()) & set(self.by_id))} of {m}"
                             for r, vf in others.items())
            state = "unblinded: every reviewer has finished" if self.unblinded() else \
                "blinded until every reviewer has finished"
            line += f" ({state}; {done})"
        return line

    # --- picking a claim ---------------------------------------------------------------------------
    def sections(self) -> list[str]:
        return list(dict.fromkeys(r["section"] for r in self.rows))

    def sources(self) -> list[str]:
        found = {ref for cid in self.by_id for ref in self.refs(cid)}
        return sorted(found, key=lambda r: (len(r), r))

    def select(self, show: str = "all", section: str | None = None, source: str | None = None) -> list[str]:
        """Claim ids matching a filter (all, pending, mine, conflicts), a section and a source."""
        if show not in FILTERS:
            raise ValueError(f"filter must be one of {FILTERS}")
        ids = self.claim_ids()
        if show == "pending":
            done = self.done_ids()
            ids = [c for c in ids if c not in done]
        elif show == "mine":
            if self.mode == "final":
                ids = [c for c in ids if self.by_id[c].get("reviewer", "").strip() == self.reviewer]
            else:
                done = self.done_ids()
                ids = [c for c in ids if c in done]
        elif show == "conflicts":
            conflicts = set(self.conflicts())
            ids = [c for c in ids if c in conflicts]
        if section:
            ids = [c for c in ids if self.by_id[c]["section"] == section]
        if source:
            ids = [c for c in ids if source in self.refs(c)]
        return ids

    def label(self, cid: str, width: int = 70) -> str:
        text = self.by_id[cid].get("text", "")
        text = text if len(text) <= width else text[: width - 1] + "…"
        return f"{cid} · {text}"

    # --- what the form shows for one claim ---------------------------------------------------------
    def values(self, cid: str) -> dict[str, str]:
        """The values the form starts from: the saved ones, else (review mode) the claim alone.

        In review mode a claim not yet judged shows the claims table's wording but none of its
        judgements (they would anchor an independent reviewer); an uncited claim's verdict can only
        be ``uncited``, so it is filled in.
        """
        row = self.by_id[cid]
        if self.mode == "final":
            return {f: row.get(f, "") for f in FIELDS}
        mine = self.my_file().by_id().get(cid) if self.reviewer else None
        if mine:
            return {f: mine.get(f, row.get(f, "") if f == "text" else "") for f in FIELDS}
        start = {f: "" for f in FIELDS}
        start["text"] = row.get("text", "")
        if not self.refs(cid):
            start["verdict"] = "uncited"
            start["basis"] = "none"
        return start

    def context_html(self, cid: str) -> str:
        """The article's paragraph holding the claim, its sentence marked and the quote in bold."""
        row = self.by_id[cid]
        blocks = self.session.memo("candidate_blocks",
                                   lambda: article_mod.candidate_blocks(self.session.article))
        sentence_id = row.get("sentence", "").strip()
        quote = row.get("quote", "")
        block = blocks.get(sentence_id)
        if block is None and quote.strip():
            block = next((b for b in self.session.article.blocks if quote in b.text), None)
        if block is None:
            return f'<p class="wb-context"><i>{esc(row["section"])}: the claim names no sentence of the ' \
                   "article</i></p>"
        sentence = next((c.text for c in self.session.memo(
            "all_candidates", lambda: article_mod.candidates(self.session.article))
            if c.id == sentence_id), "")
        text = esc(block.text)
        if sentence and sentence in block.text:
            marked = esc(sentence)
            if quote.strip() and quote in sentence:
                marked = marked.replace(esc(quote), f"<b>{esc(quote)}</b>", 1)
            text = text.replace(esc(sentence), f"<mark>{marked}</mark>", 1)
        where = f"{esc(block.section)}{' (list item)' if block.is_item else ''}"
        return f'<p class="wb-context"><span class="wb-where">{where}:</span> {text}</p>'

    def references(self, cid: str) -> list[dict[str, str]]:
        """Each cited reference: number, title, year, DOI (from the record when the snapshot has it)."""
        found = self.session.memo("workbench_refs", self._reference_table)
        return [found.get(ref, {"ref": ref, "title": "", "year": "", "doi": "", "url": ""})
                for ref in self.refs(cid)]

    def _reference_table(self) -> dict[str, dict[str, str]]:
        from evidence_review.records.doi import normalise

        try:
            audited = {a.ref: a for a in self.session.audit.references}
        except (EvidenceReviewError, OSError):
            audited = {}
        out = {}
        for ref in self.session.cited:
            a = audited.get(ref.number)
            record = (a.record if a is not None else None) or {}
            issued = (record.get("issued") or {}).get("date-parts", [[None]])[0][0]
            doi = (a.doi if a is not None and a.doi else None) or \
                (normalise(ref.doi_printed) if ref.doi_printed else "")
            out[ref.number] = {"ref": ref.number, "title": record.get("title") or ref.title or ref.printed,
                               "year": str(issued or ref.year or ""), "doi": doi or "",
                               "url": f"https://doi.org/{doi}" if doi else (ref.url or "")}
        return out

    def passages(self, cid: str) -> list[dict]:
        """Passages of the cited sources that bear on the claim (best first), when the review has
        source texts (``ReviewSession.passages``); none otherwise."""
        try:
            found = self.session.passages.get(cid, [])
        except (EvidenceReviewError, OSError):
            return []
        return [p.to_dict() if hasattr(p, "to_dict") else dict(p) for p in found]

    # --- saving ------------------------------------------------------------------------------------
    def _date(self) -> str:
        return (self.today or dt.date.today()).isoformat()

    def save(self, cid: str, values: dict[str, str], confirm: bool = False) -> Outcome:
        """Check and write one claim's values; nothing is written when a rule is broken.

        A changed verdict whose note was left as it was is not written until ``confirm`` is True:
        the note argued for the old verdict.
        """
        if cid not in self.by_id:
            return Outcome(False, f"{cid} is not a claim of {self.review.rel(self.review.claims)}")
        problem = verdicts_mod.name_problem(self.reviewer)
        if problem is not None:
            return Outcome(False, f"Not saved: enter your reviewer name first ({problem.message}).",
                           problems=[problem])
        values = {f: str(values.get(f, "") or "") for f in FIELDS}
        before = self._saved(cid)
        if before and not confirm:
            old, new = before.get("verdict", "").strip(), values["verdict"].strip()
            note = before.get("note", "")
            if old and new != old and note.strip() and values["note"].strip() == note.strip():
                return Outcome(False, f"The verdict of {cid} changes from '{old}' to '{new}', but the "
                                      "note still argues for the old one: edit the note, or press Save "
                                      "again to keep it.", needs_confirmation=True)
        row = {"id": cid, **values, "reviewer": self.reviewer, "decided": self._date()}
        if self.mode == "final":
            return self._save_final(cid, row)
        return self._save_review(cid, row)

    def _saved(self, cid: str) -> dict[str, str] | None:
        if self.mode == "final":
            return self.by_id[cid]
        return self.my_file().by_id().get(cid)

    def _save_review(self, cid: str, row: dict[str, str]) -> Outcome:
        try:
            current = self.my_file()
        except InputError as exc:
            return self._refused(exc.problems)
        updated = verdicts_mod.with_row(current, row, self.claim_ids())
        label = self.review.rel(updated.path)
        problems = verdicts_mod.validate(updated, self.by_id, self.session.claims_context(), label)
        if problems:
            return self._refused(problems)
        try:
            verdicts_mod.write(updated)
        except InputError as exc:  # e.g. the disk is full: the old file is left whole
            return self._refused(exc.problems)
        n, m = self.progress()
        return Outcome(True, f"Saved {cid} ({row['verdict'] or 'no verdict yet'}) to {label}; "
                             f"{n} of {m} reviewed.")

    def _save_final(self, cid: str, row: dict[str, str]) -> Outcome:
        self._reload_claims()  # someone may have edited the table since the form opened
        header = list(self.header) + [c for c in claims_mod.TRAIL if c not in self.header]
        records = [dict(r) for r in self.rows]
        for rec in records:
            if rec["id"].strip() == cid:
                rec.update(row)
        label = self.review.rel(self.review.claims)
        problems = claims_mod.validate_rows(header, records, self.session.claims_context(), label)
        if problems:
            return self._refused(problems)
        try:
            claims_mod.write_rows(self.review.claims, header, records)
        except InputError as exc:
            return self._refused(exc.problems)
        self._reload_claims()
        n, m = self.progress()
        return Outcome(True, f"Saved {cid} ({row['verdict'] or 'no verdict yet'}) to {label} as the "
                             f"final verdict; {n} of {m} reviewed. Rebuild the report with `make review`.")

    @staticmethod
    def _refused(problems: list[Problem]) -> Outcome:
        lines = "; ".join(_short(p) for p in problems[:6])
        more = f" (and {len(problems) - 6} more)" if len(problems) > 6 else ""
        return Outcome(False, f"Not saved, {problems[0].file}: {lines}{more}", problems=list(problems))


def _short(problem: Problem) -> str:
    where = f"line {problem.row}" if problem.row else ""
    field_ = f"[{problem.field}]" if problem.field else ""
    return " ".join(x for x in (where, field_, problem.message) if x)


def doi_link(doi: str) -> str:
    return f'<a href="https://doi.org/{esc(doi)}" target="_blank" rel="noopener">doi:{esc(doi)}</a>'

