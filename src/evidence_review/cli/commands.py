"""The CLI commands: each ``cmd_NAME(args)`` turns parsed options into one call into the package
and returns the exit code. No logic lives here that a notebook or a test could not call directly."""

from __future__ import annotations

import sys
from argparse import Namespace

from evidence_review.cli.output import emit
from evidence_review.core.atomic import write_text
from evidence_review.core.errors import InputError
from evidence_review.core.paths import Review
from evidence_review.core.progress import stderr
from evidence_review.report import exports
from evidence_review.report.session import ReviewSession, claims_json, open_review
from evidence_review.workflow import build, init, prepare


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


def cmd_audit(args: Namespace) -> int:
    session = _session(args)
    result = session.audit
    if args.format == "json":
        emit(result.to_json(session.review.name, session.snapshot), "json")
    elif args.format == "csv":
        emit(None, "csv", result.to_frame())
    else:
        for line in result.summary_lines():
            print(line)
        frame = result.to_frame().fillna("")
        emit(None, "table", frame[["ref", "field", "severity", "message"]])
    return 0


def cmd_build(args: Namespace) -> int:
    if args.all:
        return build.build_all(args.root, pdf=not args.no_pdf, strict=args.strict)
    return build.build_one(args.review, args.root, pdf=not args.no_pdf, strict=args.strict)


def cmd_fetch(args: Namespace) -> int:
    # imported here, not at the top: the HTTP client and habanero cost ~0.25 s of CPU at start-up
    # (measured), which build, check and audit would otherwise pay for nothing
    from evidence_review.records import fetch

    return fetch.run(args)


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


def cmd_init(args: Namespace) -> int:
    return init.run(args)
