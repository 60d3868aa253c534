"""Helpers shared by the test modules: a temporary copy of the project, a build of it, and the
command line run in this process."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from evidence_review.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
REVIEW = "muscle-spasm"


# Markup a hostile Crossref record could carry, in fields the report shows (journal, publisher,
# abstract; an author's affiliation is added by hostile_records). The session's built report is
# built from a snapshot holding them (tests/conftest.py `built_report`; test_injection.py checks it).
HOSTILE = {
    # A tag, and the same attack as escaped text: tag stripping removes the first, but the second
    # becomes "<img ...>" as plain text after unescaping, which only output escaping keeps inert.
    "container-title": ['European Journal of Neurology<img src=x onerror="alert(1)">'
                        " &lt;img src=x onerror=alert(5)&gt;"],
    "publisher": '<a href="javascript:alert(2)">Wiley</a>',
    "abstract": "<jats:p>Cramp is <jats:italic>common</jats:italic>.<script>alert(3)</script></jats:p>",
}


def review_records() -> dict[str, dict]:
    """The default review's committed Crossref records, by DOI."""
    from evidence_review.records.snapshot import Snapshot

    return Snapshot.load(ROOT / "data" / REVIEW / "crossref").works()


def hostile_records() -> tuple[str, list[dict]]:
    """The review's records with HOSTILE (and an <svg onload> affiliation) in the first one."""
    records = review_records()
    first = sorted(records)[0]
    records[first] = {**records[first], **HOSTILE,
                      "author": [{**records[first]["author"][0],
                                  "affiliation": [{"name": "<svg onload=alert(4)>Lab</svg>"}]},
                                 *records[first]["author"][1:]]}
    return first, list(records.values())


@dataclass
class Built:
    root: Path
    html: Path
    pdf: Path | None

    @property
    def text(self) -> str:
        return self.html.read_text(encoding="utf-8")


# The files a reviewer writes, which no fetch or build may rewrite.
REVIEWER_FILES = ("claims.csv", "sources.yaml", "quality.yaml", "review.yaml", "article.md",
                  "article.original.txt", "record-facts.yaml")
PLUS_TOKEN = "plus-token-5b2f9e1c-do-not-leak"


@dataclass
class Edited:
    """What `edited_report` did: the rebuilt report, the edit, and each command's output."""

    built: Built
    claim: str  # the claim whose verdict was flipped
    refs: list[str]  # the references it cites
    older_pdf: Path  # a PDF of the review written before the edit, in the report folder
    reviewer_files: dict[str, str]  # sha256 of REVIEWER_FILES after the edit, before any command
    token_headers: list[str | None]  # the Plus-token header of every request the stand-in saw
    runs: list[subprocess.CompletedProcess]  # fetch --reconstruct, fetch --refresh, build --no-pdf


def reviewer_digests(root: Path) -> dict[str, str]:
    data = root / "data" / REVIEW
    return {name: hashlib.sha256((data / name).read_bytes()).hexdigest() for name in REVIEWER_FILES}


def flip_one_verdict(root: Path) -> tuple[str, list[str]]:
    """In a copied review, turn the first partially supported claim into a supported one."""
    path = root / "data" / REVIEW / "claims.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    row = next(r for r in rows if r["verdict"] == "partially-supported" and r["refs"].strip())
    row["verdict"] = "supported"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return row["id"], [r.strip() for r in row["refs"].split(";") if r.strip()]


def copy_project(dest: Path, review: str = REVIEW) -> Path:
    """What a build of ``review`` reads, copied into ``dest``: its data and refs, the shared scheme
    and instruments, the notebooks (never the other reviews: a large data/ would slow every test)."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints")
    for folder in (f"data/{review}", f"refs/{review}", "data/quality", "notebooks"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, dest / folder, ignore=ignore)
    shutil.copy2(ROOT / "data" / "evidence-levels.yaml", dest / "data" / "evidence-levels.yaml")
    return dest


ENGINE_ENV = "EVIDENCE_REVIEW_NOTEBOOK_ENGINE"  # report.build.ENGINE_ENV
IN_PROCESS = {ENGINE_ENV: "in-process"}  # run_cli(..., env=IN_PROCESS): the notebook runs in this process


def build(root: Path, pdf: bool = True, engine: str | None = None) -> Built:
    """`evidence-review build` on a copied project; a failing build fails the test with its message.
    ``engine="in-process"`` runs the notebook in this process (report/inprocess.py), not a kernel."""
    args = ["build", "--root", str(root), "--review", REVIEW] + ([] if pdf else ["--no-pdf"])
    cwd = os.getcwd()
    try:
        with _environ({ENGINE_ENV: engine}):
            status = cli.main(args)
    finally:
        # papermill's `cwd=` changes the process's directory; two notebooks run in threads can leave
        # it in the copy's notebooks/, and later tests (nbval's sanitizer path) resolve against it.
        os.chdir(cwd)
    assert status == 0, f"evidence-review {' '.join(args)} failed"
    out = root / "reports" / REVIEW
    return Built(root, out / "review.html", out / "review.pdf" if pdf else None)


@contextlib.contextmanager
def _environ(changes: Mapping[str, str | None]) -> Iterator[None]:
    """``os.environ`` with ``changes`` applied (``None`` removes a variable), restored afterwards."""
    saved = {name: os.environ.get(name) for name in changes}
    try:
        for name, value in changes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_cli(*args: str, root: Path | None = None, env: Mapping[str, str | None] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``evidence-review ARGS [--root ROOT]`` run in this process, as the console script runs it.

    Returns what ``subprocess.run(..., capture_output=True, text=True)`` would: the exit code and
    everything the command printed. Starting a new interpreter for each case cost ~1 s of imports;
    the true entry points (``python -m evidence_review`` and the console script) keep their own
    subprocess tests in test_cli.py. An exception the CLI does not turn into an exit code is not
    caught here: it fails the test with its traceback, as a traceback on stderr would. Warnings
    logged while the command runs are written to its stderr, as Python's last-resort handler
    writes them when the CLI runs on its own.
    """
    from evidence_review.cli import main as cli

    argv = [*args, *(["--root", str(root)] if root is not None else [])]
    out, err = io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(err)
    handler.setLevel(logging.WARNING)
    before = os.getcwd()
    logging.getLogger().addHandler(handler)
    try:
        with _environ(env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if cwd is not None:
                os.chdir(cwd)
            try:
                code = cli.main(argv)
            except SystemExit as exit_:  # argparse: --help, usage errors
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
                if isinstance(exit_.code, str):
                    print(exit_.code, file=err)
    finally:
        logging.getLogger().removeHandler(handler)
        os.chdir(before)  # papermill's `cwd=` can leave the process in the copy's notebooks/
    return subprocess.CompletedProcess(["evidence-review", *argv], code, out.getvalue(), err.getvalue())
