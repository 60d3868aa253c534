"""Each reviewer's own verdicts: ``data/NAME/verdicts/REVIEWER.csv``.

A verdict file has the columns of claims.csv (any subset; ``id`` and ``verdict`` are required) plus
the trail columns ``reviewer`` and ``decided``. Each row is checked with the claims table's own
rules (:func:`evidence_review.appraisal.claims.validate_rows`) after it is laid over the claims.csv
row of the same id: what the reviewer's file leaves out (section, refs, quote, ...) comes from the
claims table, what it holds is the reviewer's. The files are written atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evidence_review.appraisal import claims as claims_mod
from evidence_review.core.errors import InputError, Problem
from evidence_review.core.paths import Review

FOLDER = "verdicts"
REQUIRED = ["id", "verdict"]
# What the review form writes for each claim (other columns a reviewer added by hand are kept).
FORM_COLUMNS = ["id", "text", "verdict", "source_says", "locator", "basis", "needs_citation", "note",
                *claims_mod.TRAIL]


def folder(review: Review) -> Path:
    return review.data_dir / FOLDER


def path_of(review: Review, reviewer: str) -> Path:
    return folder(review) / f"{reviewer}.csv"


def name_problem(reviewer: str, label: str = "reviewer") -> Problem | None:
    """A sentence saying why ``reviewer`` cannot name a verdict file, or None when it can."""
    if not claims_mod.REVIEWER_PATTERN.match(reviewer or ""):
        return Problem(label, f"{reviewer!r} is not a reviewer name: use lower-case letters, digits, "
                              "'-', '.' and '_' (it names data/NAME/verdicts/REVIEWER.csv)",
                       field="reviewer")
    return None


def reviewer_files(review: Review) -> dict[str, Path]:
    """Every reviewer's file, by reviewer name (the file's stem), sorted by name."""
    where = folder(review)
    if not where.is_dir():
        return {}
    return {p.stem: p for p in sorted(where.glob("*.csv")) if not p.name.startswith(".")}


@dataclass
class VerdictFile:
    """One reviewer's file as read: its header and rows (cells exactly as in the file)."""

    reviewer: str
    path: Path
    header: list[str]
    records: list[dict[str, str]]

    def by_id(self) -> dict[str, dict[str, str]]:
        return {r["id"].strip(): r for r in self.records}

    def verdicts(self) -> dict[str, str]:
        """Claim id → verdict, for the rows that hold one."""
        return {r["id"].strip(): r["verdict"].strip() for r in self.records if r.get("verdict", "").strip()}

    def decided(self) -> dict[str, str]:
        return {r["id"].strip(): r.get("decided", "").strip() for r in self.records}


def empty(review: Review, reviewer: str) -> VerdictFile:
    return VerdictFile(reviewer, path_of(review, reviewer), list(FORM_COLUMNS), [])


def read(review: Review, reviewer: str, path: Path | None = None) -> VerdictFile:
    """Read a reviewer's file strictly (encoding, quoting); a missing file reads as empty."""
    path = path or path_of(review, reviewer)
    if not path.is_file():
        return empty(review, reviewer)
    header, records = claims_mod.read_rows(path, review.rel(path))
    return VerdictFile(reviewer, path, header, records)


def merged(vf: VerdictFile, claim_rows: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """The file's rows laid over the claims.csv rows of the same ids (the rows the rules check)."""
    out = []
    for rec in vf.records:
        base = claim_rows.get(rec.get("id", "").strip(), {})
        row = {c: base.get(c, "") for c in claims_mod.COLUMNS}
        row.update({c: rec.get(c, "") for c in vf.header})
        row["_row"], row["_extra"] = rec["_row"], rec["_extra"]
        out.append(row)
    return out


def validate(vf: VerdictFile, claim_rows: dict[str, dict[str, str]], ctx: claims_mod.Context,
             label: str) -> list[Problem]:
    """Every problem of a reviewer's file: the claims table's rules, plus the file's own two.

    A row must name a claim of claims.csv, and its ``reviewer`` cell (when filled) must be the
    file's reviewer.
    """
    problems = []
    if (p := name_problem(vf.reviewer, label)) is not None:
        problems.append(Problem(label, p.message))
    header_problems = claims_mod.validate_rows(vf.header, [], ctx, label, required=REQUIRED,
                                                 coverage=False)
    if any(p.field in REQUIRED for p in header_problems):
        return problems + header_problems
    problems += claims_mod.validate_rows(vf.header, merged(vf, claim_rows), ctx, label,
                                         required=REQUIRED, coverage=False)
    for rec in vf.records:
        cid, row = rec["id"].strip(), int(rec["_row"])
        if claims_mod.ID_PATTERN.match(cid) and cid not in claim_rows:
            problems.append(Problem(label, f"claim {cid} is not in claims.csv (a reviewer judges the "
                                           "claims of the review's table)", row=row, field="id"))
        who = rec.get("reviewer", "").strip()
        if who and who != vf.reviewer:
            problems.append(Problem(label, f"reviewer {who!r} in {vf.reviewer}'s file (each reviewer "
                                           "writes only their own file)", row=row, field="reviewer"))
    return list(dict.fromkeys(problems))


def load_all(review: Review, claim_rows: dict[str, dict[str, str]],
             ctx: claims_mod.Context) -> dict[str, VerdictFile]:
    """Read and check every reviewer's file; raise InputError listing every problem of all of them."""
    files, problems = {}, []
    for reviewer, path in reviewer_files(review).items():
        label = review.rel(path)
        try:
            vf = read(review, reviewer, path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(validate(vf, claim_rows, ctx, label))
        files[reviewer] = vf
    if problems:
        raise InputError(problems)
    return files


def with_row(vf: VerdictFile, row: dict[str, str], order: list[str]) -> VerdictFile:
    """A copy of ``vf`` with ``row`` (a claim's values) set, rows in claims.csv order.

    Cells of columns the form does not write (added by hand) are kept; new columns are added in
    the claims table's column order.
    """
    header = [c for c in claims_mod.COLUMNS if c in vf.header or c in row]
    header += [c for c in vf.header if c not in header]  # unknown columns: kept, reported by checks
    rows = {r["id"].strip(): dict(r) for r in vf.records}
    cid = row["id"]
    rows[cid] = {**rows.get(cid, {}), **row}
    rank = {c: i for i, c in enumerate(order)}
    ordered = sorted(rows.values(), key=lambda r: (rank.get(r["id"].strip(), len(rank)), r["id"]))
    for i, r in enumerate(ordered, start=2):
        r["_row"], r["_extra"] = str(i), r.get("_extra", "0")
    return VerdictFile(vf.reviewer, vf.path, header, ordered)


def write(vf: VerdictFile) -> Path:
    """Write the file atomically (temp sibling, fsync, rename); the verdicts/ folder is made if needed."""
    vf.path.parent.mkdir(parents=True, exist_ok=True)
    return claims_mod.write_rows(vf.path, vf.header, vf.records)
