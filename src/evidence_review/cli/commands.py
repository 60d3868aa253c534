"""The CLI commands: each ``cmd_NAME(args)`` turns parsed options into one call into the package
and returns the exit code. No logic lives here that a notebook or a test could not call directly."""

from __future__ import annotations

import json
import sys
from argparse import Namespace

from evidence_review.appraisal import verdicts
from evidence_review.cli import build_one, parallel
from evidence_review.cli.output import emit
from evidence_review.core.atomic import write_text
from evidence_review.core.errors import InputError, Problem
from evidence_review.core.paths import Review
from evidence_review.core.progress import stderr
from evidence_review.report import exports
from evidence_review.report.session import ReviewSession, claims_json, open_review
from evidence_review.site import queries, recheck, scan
from evidence_review.site.store import SiteStore
from evidence_review.workflow import from_scan, prepare


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


def cmd_build(args: Namespace) -> int:
    # main() serves `build` from cli/parallel.py (--all) and cli/build_one.py: the same calls here
    return parallel.cmd_build(args) if args.all else build_one.cmd_build(args)


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
    """``init --from-scan`` (a plain ``init`` is served by cli/light.py)."""
    return from_scan.run(args)


def cmd_scan(args: Namespace) -> int:
    scan.scan(args.sources, args.name, args.root, base_url=args.base_url, mailto=args.mailto,
              scheduler=args.scheduler, workers=args.workers, page_interval=args.page_interval,
              report=not args.no_report)
    return 0


def cmd_site_query(args: Namespace) -> int:
    options = {}
    if args.years is not None and args.question == "old-sources":
        options["years"] = args.years
    if args.limit is not None and args.question == "most-cited":
        options["limit"] = args.limit
    if args.format == "parquet" and args.output is None:
        raise InputError(Problem(file="-", field="--output",
                                 message="Parquet is binary: give a file with -o FILE"))
    with SiteStore(args.name, args.root, read_only=True) as store:
        frame = queries.ask(store, args.question, **options)
        if args.format == "parquet":
            store.con.register("_answer", frame)
            path = str(args.output).replace("'", "''")
            store.con.execute(f"COPY (SELECT * FROM _answer) TO '{path}' (FORMAT parquet)")
            print(f"wrote {args.output} ({len(frame)} rows)", file=sys.stderr)
            return 0
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        if args.format == "json":
            rows = json.loads(frame.to_json(orient="records", date_format="iso"))
            emit({"site": args.name, "question": args.question, "rows": rows}, "json", out=out)
        else:
            emit(None, args.format, frame.fillna("") if args.format == "table" else frame, out=out)
    finally:
        if args.output:
            out.close()
            print(f"wrote {args.output} ({len(frame)} rows)", file=sys.stderr)
    return 0


def cmd_recheck(args: Namespace) -> int:
    result = recheck.recheck(args.name, args.root, base_url=args.base_url, mailto=args.mailto)
    if args.format == "json":
        emit(recheck.as_json(result), "json")
    else:
        for line in recheck.describe(result):
            print(line)
    return 1 if result.needs_action else 0
