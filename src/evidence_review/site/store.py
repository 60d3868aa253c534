"""The site store: one DuckDB file, ``data/SITE/site.duckdb``, holding a whole site's audit.

Tables (documented column by column in ``docs/site.md``):

- ``sources``: every SOURCE argument, sitemap and URL list read, with what came of it;
- ``pages``: one row per page, its stage (``listed`` → ``fetched`` → ``read`` → ``audited``, or
  ``failed``), the problem and reason when it failed, what intake found about it;
- ``references``: one row per reference of a page, as printed, and how it was resolved;
- ``records``: one row per DOI, the Crossref work message (volatile fields dropped) as JSON text,
  plus the columns the questions need (title, issued, updates);
- ``findings``: the audit's findings per reference (and the page's marker findings);
- ``queries``: the answers to bibliographic queries (so a resumed scan does not ask them again);
- ``checks``: one row per scan or recheck run (when, requests made, changes found);
- ``changes``: what a recheck found changed in a record, with the date it was seen.

Only the driver process writes (DuckDB allows one writer); Dask workers return plain dicts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from evidence_review.audit.updates import _FAMILY as UPDATE_FAMILY
from evidence_review.core.dates import as_date
from evidence_review.core.errors import InputError, Problem
from evidence_review.core.paths import Review

SCHEMA_VERSION = 1
MEMORY_LIMIT = "256MB"
STAGES = ("listed", "fetched", "read", "audited", "failed")
# Update types on a record, in the families the audit groups them into (audit/updates.py).
RETRACTION_TYPES = {k for k, v in UPDATE_FAMILY.items() if v == "retraction"}
CORRECTION_TYPES = {k for k, v in UPDATE_FAMILY.items() if v == "correction"}
CONCERN_TYPES = {k for k, v in UPDATE_FAMILY.items() if v == "expression of concern"}

TABLES = {
    "meta": """key VARCHAR PRIMARY KEY, value VARCHAR""",
    "sources": """source VARCHAR, kind VARCHAR, status VARCHAR, reason VARCHAR, pages INTEGER,
        seen_at TIMESTAMP""",
    "pages": """page_id VARCHAR PRIMARY KEY, location VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        local_path VARCHAR, content_sha256 VARCHAR, stage VARCHAR NOT NULL, problem VARCHAR,
        reason VARCHAR, title VARCHAR, site VARCHAR, url VARCHAR, author VARCHAR,
        last_updated DATE, style VARCHAR, n_references INTEGER, n_markers INTEGER, markers VARCHAR,
        listed_at TIMESTAMP, audited_at TIMESTAMP""",
    "references": """page_id VARCHAR NOT NULL, position INTEGER NOT NULL, ref VARCHAR NOT NULL,
        printed VARCHAR, kind VARCHAR, authors VARCHAR, year VARCHAR, title VARCHAR,
        container VARCHAR, volume VARCHAR, issue VARCHAR, pages VARCHAR, doi_printed VARCHAR,
        url VARCHAR, cited_json VARCHAR, status VARCHAR, doi VARCHAR, doi_cited VARCHAR,
        reason VARCHAR, score DOUBLE, agency VARCHAR, n_major INTEGER, n_minor INTEGER,
        PRIMARY KEY (page_id, position)""",
    "records": """doi VARCHAR PRIMARY KEY, message VARCHAR NOT NULL, title VARCHAR, type VARCHAR,
        container VARCHAR, issued DATE, updates VARCHAR, retracted BOOLEAN, corrected BOOLEAN,
        concern BOOLEAN, first_seen TIMESTAMP, checked_at TIMESTAMP""",
    "findings": """page_id VARCHAR NOT NULL, position INTEGER, ref VARCHAR, field VARCHAR,
        severity VARCHAR, cited VARCHAR, record VARCHAR, message VARCHAR, suggestion VARCHAR""",
    "checks": """check_id INTEGER PRIMARY KEY, kind VARCHAR, started_at TIMESTAMP,
        finished_at TIMESTAMP, base_url VARCHAR, pages INTEGER, dois INTEGER, requests INTEGER,
        cache_hits INTEGER, errors INTEGER, changes INTEGER, completed BOOLEAN""",
    "queries": """text VARCHAR, rows INTEGER, items VARCHAR, asked_at TIMESTAMP,
        PRIMARY KEY (text, rows)""",
    "changes": """check_id INTEGER, detected_on DATE, doi VARCHAR, change VARCHAR, before VARCHAR,
        after VARCHAR, notice_doi VARCHAR, notice_date DATE, needs_action BOOLEAN""",
}


def now() -> dt.datetime:
    """The current UTC time without tzinfo (DuckDB TIMESTAMP)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class SiteStore:
    """The DuckDB store of one scanned site.

    Parameters
    ----------
    name : str
        The site's name (``--name``), the same rules as a review name.
    root : path, optional
        The project root (default: found from the current directory).
    create : bool
        Create ``data/SITE/site.duckdb`` when missing; else a missing store is an InputError.
    read_only : bool
        Open without write access (queries, reports).
    """

    def __init__(self, name: str, root: Path | str | None = None, create: bool = False,
                 read_only: bool = False) -> None:
        self.review = Review.open(name, root, must_exist=False)  # same name rules, same root
        self.name = name
        self.root = self.review.root
        self.dir = self.root / "data" / name
        self.path = self.dir / "site.duckdb"
        self.created = not self.path.is_file()  # by this open (a scan of bad SOURCES removes it)
        if not self.path.is_file():
            if not create:
                raise InputError(Problem(file=self.rel(self.path), field="--name",
                                         message=f"no scanned site named '{name}': run "
                                                 f"`evidence-review scan SOURCES --name {name}` first"))
            self.dir.mkdir(parents=True, exist_ok=True)
        # A site's store is tens of MB: cap DuckDB's buffer pool (default: 80 % of RAM) so a scan's
        # memory stays predictable; larger intermediate results spill to disk.
        self.con = duckdb.connect(str(self.path), read_only=read_only and self.path.is_file(),
                                  config={"memory_limit": MEMORY_LIMIT})
        if not read_only:
            self._create()

    # ---- lifecycle ----------------------------------------------------------------------------
    def _create(self) -> None:
        for table, columns in TABLES.items():
            self.con.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({columns})')
        self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?), ('site', ?)",
                         [str(SCHEMA_VERSION), self.name])

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> SiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pages_dir(self) -> Path:
        """Where fetched pages are kept (``data/SITE/pages/``)."""
        return self.dir / "pages"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports" / self.name

    def rel(self, path: Path | str) -> str:
        return self.review.rel(Path(path))

    # ---- generic helpers ----------------------------------------------------------------------
    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A query's result as a DataFrame; DATE columns hold ISO strings (None when missing)."""
        cursor = self.con.execute(sql, params or [])
        types = {d[0]: str(d[1]).upper() for d in cursor.description}
        frame = cursor.fetchdf()
        for column, kind in types.items():
            if kind == "DATE":
                frame[column] = [None if pd.isna(v) else pd.Timestamp(v).date().isoformat()
                                 for v in frame[column]]
        return frame

    def insert(self, table: str, rows: list[dict] | pd.DataFrame) -> int:
        """Insert rows (dicts with the table's column names, or a frame) in one statement."""
        return self._write("INSERT INTO", table, rows)

    def upsert(self, table: str, rows: list[dict] | pd.DataFrame) -> int:
        """Insert or replace rows by the table's primary key."""
        return self._write("INSERT OR REPLACE INTO", table, rows)

    def _write(self, verb: str, table: str, rows: list[dict] | pd.DataFrame) -> int:
        frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
        if frame.empty:
            return 0
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        self.con.register("_rows", frame)
        try:
            self.con.execute(f'{verb} "{table}" ({columns}) SELECT {columns} FROM _rows')
        finally:
            self.con.unregister("_rows")
        return len(frame)

    # ---- pages --------------------------------------------------------------------------------
    def pages(self) -> dict[str, dict]:
        """Every page row by page_id."""
        frame = self.frame("SELECT * FROM pages")
        return {row["page_id"]: row for row in frame.to_dict(orient="records")}

    def reset_pages(self, page_ids: Iterable[str]) -> None:
        """Forget what was read from these pages (their file changed): references and findings."""
        ids = list(page_ids)
        if not ids:
            return
        frame = pd.DataFrame({"page_id": ids})
        self.con.register("_ids", frame)
        try:
            for table in ("references", "findings", "pages"):
                self.con.execute(f'DELETE FROM "{table}" WHERE page_id IN (SELECT page_id FROM _ids)')
        finally:
            self.con.unregister("_ids")

    def set_stage(self, rows: list[dict]) -> None:
        """Update page rows (each with ``page_id`` and the columns to change): one UPDATE per shape."""
        shapes: dict[tuple[str, ...], list[dict]] = {}
        for row in rows:
            shapes.setdefault(tuple(c for c in row if c != "page_id"), []).append(row)
        for cols, group in shapes.items():
            if len(group) == 1:
                row = group[0]
                self.con.execute(f"UPDATE pages SET {', '.join(f'{chr(34)}{c}{chr(34)} = ?' for c in cols)} "
                                 "WHERE page_id = ?", [row[c] for c in cols] + [row["page_id"]])
                continue
            frame = pd.DataFrame(group, columns=["page_id", *cols])
            for col in cols:  # an all-None column would be typed as INTEGER: let DuckDB cast text
                if frame[col].isna().all():
                    frame[col] = frame[col].astype(object)
            self.con.register("_stage", frame)
            try:
                assignments = ", ".join(f'"{c}" = u."{c}"' for c in cols)
                self.con.execute(f"UPDATE pages SET {assignments} FROM _stage u "
                                 "WHERE pages.page_id = u.page_id")
            finally:
                self.con.unregister("_stage")

    # ---- checks -------------------------------------------------------------------------------
    def start_check(self, kind: str, base_url: str | None) -> int:
        check_id = self.con.execute("SELECT coalesce(max(check_id), 0) + 1 FROM checks").fetchone()[0]
        self.con.execute("INSERT INTO checks (check_id, kind, started_at, base_url, completed) "
                         "VALUES (?, ?, ?, ?, false)", [check_id, kind, now(), base_url])
        return int(check_id)

    def finish_check(self, check_id: int, **figures) -> None:
        figures = {"finished_at": now(), **figures}
        assignments = ", ".join(f'"{c}" = ?' for c in figures)
        self.con.execute(f"UPDATE checks SET {assignments} WHERE check_id = ?",
                         [*figures.values(), check_id])

    # ---- records ------------------------------------------------------------------------------
    def records(self, dois: Iterable[str] | None = None) -> dict[str, dict]:
        """Stored work messages by DOI (all, or those asked for)."""
        if dois is None:
            rows = self.con.execute("SELECT doi, message FROM records").fetchall()
        else:
            frame = pd.DataFrame({"doi": sorted(set(dois))})
            if frame.empty:
                return {}
            self.con.register("_dois", frame)
            try:
                rows = self.con.execute("SELECT doi, message FROM records WHERE doi IN "
                                        "(SELECT doi FROM _dois)").fetchall()
            finally:
                self.con.unregister("_dois")
        return {doi: json.loads(message) for doi, message in rows}

    def queries(self) -> dict[tuple[str, int], list[dict]]:
        """Bibliographic query answers kept from earlier runs, by (query text, rows)."""
        rows = self.con.execute("SELECT text, rows, items FROM queries").fetchall()
        return {(text, int(n)): json.loads(items) for text, n, items in rows}

    def put_queries(self, answers: dict[tuple[str, int], list[dict]]) -> None:
        when = now()
        self.upsert("queries", [{"text": t, "rows": n, "items": json.dumps(items, ensure_ascii=False),
                                 "asked_at": when} for (t, n), items in answers.items()])

    def records_known(self) -> set[str]:
        """The DOIs the store holds a record for."""
        return {doi for doi, in self.con.execute("SELECT doi FROM records").fetchall()}

    def put_records(self, messages: dict[str, dict], checked_at: dt.datetime | None = None) -> int:
        """Store work messages (insert new DOIs; replace the message of known ones)."""
        if not messages:
            return 0
        when = checked_at or now()
        asked = pd.DataFrame({"doi": list(messages)})
        self.con.register("_asked", asked)
        try:
            first = dict(self.con.execute("SELECT doi, first_seen FROM records WHERE doi IN "
                                          "(SELECT doi FROM _asked)").fetchall())
        finally:
            self.con.unregister("_asked")
        rows = [record_row(doi, message, first.get(doi) or when, when)
                for doi, message in messages.items()]
        return self.upsert("records", rows)


def record_row(doi: str, message: dict, first_seen: dt.datetime, checked_at: dt.datetime) -> dict:
    """The ``records`` row of one work message."""
    updates = [{"type": u.get("type"), "updated": _date_text(u.get("updated")),
                "DOI": u.get("DOI"), "source": u.get("source")}
               for u in message.get("updated-by") or []]
    kinds = {u["type"] for u in updates}
    return {"doi": doi, "message": json.dumps(message, ensure_ascii=False, sort_keys=True),
            "title": first_text(message.get("title")), "type": message.get("type"),
            "container": first_text(message.get("container-title")),
            "issued": issued_date(message), "updates": json.dumps(updates, sort_keys=True),
            "retracted": bool(kinds & RETRACTION_TYPES), "corrected": bool(kinds & CORRECTION_TYPES),
            "concern": bool(kinds & CONCERN_TYPES), "first_seen": first_seen,
            "checked_at": checked_at}


def first_text(value) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return value if value is None else str(value)


def _date_text(value) -> str | None:
    date = as_date(value) if isinstance(value, dict) else None
    return date.isoformat() if date else None


def issued_date(message: dict) -> dt.date | None:
    """Crossref's ``issued`` date (else the earliest of print and online), first day when partial."""
    for key in ("issued", "published-print", "published-online", "published"):
        value = message.get(key)
        date = as_date(value) if isinstance(value, dict) else None
        if date:
            return date
    return None
