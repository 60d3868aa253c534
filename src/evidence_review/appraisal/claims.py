"""The claims table: schema, loading, validation with file/row/column-precise problems.

One row per atomic claim. The reviewer owns ``data/NAME/claims.csv``: code scaffolds it once from
the claim candidates and afterwards only reads and checks it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evidence_review.core import atomic
from evidence_review.core.datafile import read_bytes_capped
from evidence_review.core.errors import InputError, Problem
from evidence_review.core.safety import csv_row
from evidence_review.core.safety import csv_text as cell_text
from evidence_review.core.vocab import BASES, UNREVIEWED, VERDICTS
from evidence_review.core.vocab import VERDICT_SEVERITY as SEVERITY  # noqa: F401 - older name

if TYPE_CHECKING:
    import pandas as pd

# The trail: who set the row's verdict and on what date (optional; filled by the review form).
TRAIL = ["reviewer", "decided"]
COLUMNS = ["id", "section", "sentence", "quote", "text", "refs", "marker_scope", "verdict",
           "source_says", "locator", "basis", "needs_citation", "would_support", "indirect", "note",
           *TRAIL]
REQUIRED = ["id", "section", "text", "refs", "verdict", "source_says", "locator", "basis",
            "needs_citation", "note"]
REVIEWER_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
SCOPES = ["sentence", "paragraph", ""]
BOOLEAN = {"true": True, "false": False}
ID_PATTERN = re.compile(r"^C\d{2,}[a-z]?$")


@dataclass(frozen=True)
class Context:
    """What a claims table is checked against: the article and its reference list."""

    ref_numbers: frozenset[str]
    article_text: str | None = None
    candidate_ids: frozenset[str] | None = None
    candidate_markers: dict[str, tuple[str, ...]] | None = None


def scaffold(candidates) -> str:
    """A first claims table: one unreviewed row per candidate, refs taken from its markers."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i, c in enumerate(candidates, start=1):
        refs = ";".join(dict.fromkeys(c.markers))
        # verdict and needs_citation stay empty: the row is unreviewed until the reviewer fills them
        # (cells a spreadsheet would run as a formula get an apostrophe; read_rows removes it)
        writer.writerow(csv_row([f"C{i:02d}", c.section, c.id, c.text, c.text, refs,
                                 "sentence" if refs else "", "", "", "", "none", "", "", "false", "",
                                 "", ""]))
    return buf.getvalue()


def read_rows(path: Path, label: str | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """Read a CSV file strictly; problems (missing, empty, not UTF-8, broken quoting) are raised."""
    label = label or str(path)
    if not path.is_file():
        raise InputError(Problem(file=label, message="claims table not found (run `evidence-review "
                                                     "fetch` once to scaffold it)"))
    raw = read_bytes_capped(path, label)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(Problem(file=label, row=line, message=f"not UTF-8 text (byte "
                                 f"0x{raw[exc.start]:02x}); save the file as UTF-8")) from None
    if not text.strip():
        raise InputError(Problem(file=label, message="the file is empty: it needs a header row"))
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        said = str(exc)
        if "field larger than field limit" in said:
            said = (f"a cell is longer than {csv.field_size_limit():,} characters (a claim's text "
                    "is a sentence or two)")
        elif "unexpected end of data" in said:
            said += " (an unclosed quote?)"
        raise InputError(Problem(file=label, row=reader.line_num,
                                 message=f"CSV syntax error: {said}")) from None
    header = [h.strip() for h in rows[0]]
    first: dict[str, int] = {}
    doubled = []
    for i, name in enumerate(header, start=1):
        if name in first:
            doubled.append(Problem(file=label, row=1, field=name or "-",
                                   message=f"duplicate column {name!r} (columns {first[name]} and {i}): "
                                           "keep one"))
        first.setdefault(name, i)
    if doubled:
        raise InputError(doubled)
    records = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        record = {h: (cell_text(row[i]) if i < len(row) else "") for i, h in enumerate(header)}
        record["_row"] = str(line_no)
        record["_extra"] = str(max(0, len(row) - len(header)))
        records.append(record)
    return header, records


def validate_rows(header: list[str], records: list[dict[str, str]], ctx: Context,
                  label: str, required: list[str] = REQUIRED, coverage: bool = True) -> list[Problem]:
    """Every problem of a claims table at once (never stops at the first).

    ``required`` names the columns the file itself must have (a reviewer's verdict file needs only
    ``id`` and ``verdict``: its records arrive here already merged with claims.csv); ``coverage``
    asks that every cited candidate be covered by a claim (the claims table only).
    """
    problems: list[Problem] = []
    for col in required:
        if col not in header:
            problems.append(Problem(label, f"required column '{col}' is missing", row=1, field=col))
    for col in header:
        if col not in COLUMNS:
            problems.append(Problem(label, f"unknown column '{col}' (known: {', '.join(COLUMNS)})",
                                    row=1, field=col))
    if any(p.field in required for p in problems):
        return problems
    seen: dict[str, int] = {}
    for rec in records:
        problems.extend(_check_row(rec, ctx, label, seen))
    if coverage and ctx.candidate_markers:
        problems.extend(_coverage(records, ctx, label))
    return problems


def _check_row(rec: dict[str, str], ctx: Context, label: str, seen: dict[str, int]) -> list[Problem]:
    row = int(rec["_row"])
    out: list[Problem] = []

    def bad(field: str, message: str) -> None:
        out.append(Problem(label, message, row=row, field=field))

    if rec["_extra"] != "0":
        bad("-", f"the row has {rec['_extra']} more cell(s) than the header (a stray comma?)")
    cid = rec["id"].strip()
    if not ID_PATTERN.match(cid):
        bad("id", f"{cid!r} is not a claim id like C01")
    elif cid in seen:
        bad("id", f"duplicate id {cid} (first used on line {seen[cid]})")
    else:
        seen[cid] = row
    if not rec["text"].strip():
        bad("text", "empty claim text")
    if not rec["section"].strip():
        bad("section", "empty section")
    refs = split_refs(rec["refs"])
    for ref in refs:
        if ref not in ctx.ref_numbers:
            bad("refs", f"reference [{ref}] is not in the article's reference list "
                        f"(known: {', '.join(sorted(ctx.ref_numbers, key=_num))})")
    for ref in split_refs(rec.get("would_support", "")):
        if ref not in ctx.ref_numbers:
            bad("would_support", f"reference [{ref}] is not in the article's reference list")
    verdict = rec["verdict"].strip()
    if not verdict:  # unreviewed (a scaffolded row): nothing more to require yet
        pass
    elif verdict not in VERDICTS:
        bad("verdict", f"{verdict!r} is not a verdict (use one of: {', '.join(VERDICTS)})")
    elif refs and verdict == "uncited":
        bad("verdict", "a claim with refs cannot be 'uncited'")
    elif not refs and verdict != "uncited":
        bad("verdict", f"an uncited claim must have verdict 'uncited', not {verdict!r}")
    if refs and verdict in VERDICTS and verdict != "uncited":
        if verdict == "not-verifiable":
            if not rec["note"].strip():
                bad("note", "a not-verifiable claim needs a note saying why")
        else:
            for col in ("source_says", "locator"):
                if not rec[col].strip():
                    bad(col, f"a cited claim needs '{col}' (what the source says, and where)")
    basis = rec["basis"].strip()
    if basis not in BASES:
        bad("basis", f"{basis!r} is not a basis (use one of: {', '.join(BASES)})")
    for col in ("needs_citation", "indirect"):
        value = rec.get(col, "").strip().lower()
        undecided = value == "" and (col == "indirect" or not verdict)
        if col in rec and value not in BOOLEAN and not undecided:
            bad(col, f"{rec[col]!r} is not true or false")
    scope = rec.get("marker_scope", "").strip()
    if scope not in SCOPES:
        bad("marker_scope", f"{scope!r} is not a marker scope (sentence, paragraph or empty)")
    quote = rec.get("quote", "")
    if quote.strip() and ctx.article_text is not None and quote not in ctx.article_text:
        bad("quote", "the quote does not occur verbatim in the article (truncated or edited?): "
                     f"{_clip(quote)!r}")
    sentence = rec.get("sentence", "").strip()
    if sentence and ctx.candidate_ids is not None and sentence not in ctx.candidate_ids:
        bad("sentence", f"{sentence!r} is not a claim candidate id (see candidates.csv)")
    reviewer, decided = rec.get("reviewer", "").strip(), rec.get("decided", "").strip()
    if reviewer and not REVIEWER_PATTERN.match(reviewer):
        bad("reviewer", f"{reviewer!r} is not a reviewer name (lower-case letters, digits, '-', '.', "
                        "'_')")
    if decided:
        try:
            dt.date.fromisoformat(decided)
        except ValueError:
            bad("decided", f"{decided!r} is not a date (YYYY-MM-DD)")
        if not reviewer:
            bad("reviewer", "a decided date needs the reviewer who decided")
    return out


def _coverage(records, ctx: Context, label: str) -> list[Problem]:
    """A candidate that carries a citation marker must be covered by at least one claim."""
    covered = {r.get("sentence", "").strip() for r in records}
    return [Problem(label, f"candidate {cid} carries [{', '.join(m)}] but no claim covers it",
                    field="sentence")
            for cid, m in ctx.candidate_markers.items() if m and cid not in covered]


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _num(ref: str) -> tuple[int, str]:
    return (int(ref), ref) if ref.isdigit() else (10**9, ref)


def split_refs(value: str) -> list[str]:
    return [r.strip().strip("[]") for r in re.split(r"[;,]", value or "") if r.strip()]


def csv_text(header: list[str], records: list[dict[str, str]]) -> str:
    """Rows as CSV text in the project's dialect (minimal quoting, ``\n`` line ends).

    Reading a file with :func:`read_rows` and writing it back with this gives the same bytes, so a
    program that changes one row leaves every other line of a reviewer's file as it was.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(csv_row(header))
    for rec in records:  # a cell a spreadsheet would run gets an apostrophe; read_rows removes it
        writer.writerow(csv_row([rec.get(col, "") for col in header]))
    return buf.getvalue()


def write_rows(path: Path, header: list[str], records: list[dict[str, str]]) -> Path:
    """Write a table atomically and durably: temp sibling, fsync, rename (see core/atomic.py)."""
    return atomic.write_text(path, csv_text(header, records), fsync=True)


def to_frame(records: list[dict[str, str]]) -> pd.DataFrame:
    """Validated rows as a typed DataFrame (refs as lists, booleans as bool)."""
    # imported here: pandas costs ~0.5 s of CPU at start-up, which `init` (scaffold) need not pay
    import pandas as pd

    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in records], columns=COLUMNS)
    frame["refs"] = frame["refs"].map(split_refs)
    frame["would_support"] = frame["would_support"].map(split_refs)
    frame["verdict"] = frame["verdict"].str.strip().replace("", UNREVIEWED)
    for col in ("needs_citation", "indirect"):
        frame[col] = frame[col].map(lambda v: BOOLEAN.get(str(v).strip().lower(), False)).astype(bool)
    return frame


def load(path: Path, ctx: Context, label: str | None = None) -> pd.DataFrame:
    """Read and validate a claims table; raise InputError listing every problem."""
    label = label or str(path)
    header, records = read_rows(path, label)
    problems = validate_rows(header, records, ctx, label)
    if problems:
        raise InputError(problems)
    return to_frame(records)
