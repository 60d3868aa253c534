"""The commands about one review's files that need its session but not the site's stack (DuckDB,
Dask, the recheck) nor the charts (matplotlib): ``check``, ``claims``, ``agreement``, ``export`` and
``prepare``, served from here so that they start in about half the CPU of all of cli/commands.py."""

from __future__ import annotations

import sys
from argparse import Namespace

from evidence_review.appraisal import verdicts
from evidence_review.cli.output import emit
from evidence_review.core.atomic import write_text
from evidence_review.core.errors import InputError, Problem
from evidence_review.core.paths import Review
from evidence_review.core.progress import stderr
from evidence_review.report import exports
from evidence_review.report.session import ReviewSession, claims_json, open_review
from evidence_review.workflow import prepare


def _session(args: Namespace) -> ReviewSession:
    return open_review(args.review, args.root)


def cmd_check(args: Namespace) -> int:
    session = _session(args)
    problems = session.check()
    if problems:
        raise InputError(problems)
    print(f"{session.review.name}: all inputs valid ({len(session.claims)} claims, "
          f"{len(session.cited)} references)")
    for line in session.pending():
        print(f"pending: {line}")
    if getattr(args, "strict", False):
        blockers = session.blockers()
        for line in blockers:
            print(f"blocking: {line}", file=sys.stderr)
        return 1 if blockers else 0
    return 0


def cmd_claims(args: Namespace) -> int:
    session = _session(args)
    if args.format == "json":
        emit(claims_json(session), "json")
        return 0
    flat = session.claims.copy()
    flat["refs"] = flat["refs"].map(";".join)
    flat["would_support"] = flat["would_support"].map(";".join)
    if args.format == "table":
        flat = flat[["id", "section", "refs", "verdict", "evidence_level", "sort", "text"]]
    emit(None, args.format, flat)
    return 0


def cmd_agreement(args: Namespace) -> int:
    session = _session(args)
    files = session.verdict_files
    if len(files) < 2:
        folder = session.review.rel(verdicts.folder(session.review))
        found = ", ".join(f"{r}.csv" for r in files) or "none"
        raise InputError(Problem(file=folder, message=f"agreement needs the verdict files of two or "
                                                      f"more reviewers (REVIEWER.csv); found {found}"))
    if args.format == "json":
        emit(session.agreement.to_json(), "json")
    else:
        print("\n".join(session.agreement.summary_lines()))
    return 0


def cmd_prepare(args: Namespace) -> int:
    review = Review.open(args.review, args.root)
    written = prepare.prepare(review)
    for path in written:
        stderr(f"wrote {review.rel(path)}")
    if not written:
        stderr(f"{review.name}: derived files already match article.md")
    return 0


def cmd_export(args: Namespace) -> int:
    session = _session(args)
    text = exports.render(session, args.format)
    if args.output:
        write_text(args.output, text)
        stderr(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0
