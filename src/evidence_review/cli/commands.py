"""The CLI commands: each ``cmd_NAME(args)`` turns parsed options into one call into the package
and returns the exit code. No logic lives here that a notebook or a test could not call directly.
The commands of one review's files live in cli/review.py (main() serves them from there)."""

from __future__ import annotations

import json
import sys
from argparse import Namespace

from evidence_review.cli import build_one, parallel
from evidence_review.cli.output import emit
from evidence_review.cli.review import (  # noqa: F401 - main() serves these from cli/review.py
    claims_json,
    cmd_agreement,
    cmd_check,
    cmd_claims,
    cmd_export,
    cmd_prepare,
)
from evidence_review.core.errors import InputError, Problem
from evidence_review.site import queries, recheck, scan
from evidence_review.site.store import SiteStore
from evidence_review.workflow import from_scan


def cmd_build(args: Namespace) -> int:
    # main() serves `build` from cli/parallel.py (--all) and cli/build_one.py: the same calls here
    return parallel.cmd_build(args) if args.all else build_one.cmd_build(args)


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
