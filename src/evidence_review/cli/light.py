"""Commands that need neither pandas nor the report stack, so they start fast: ``parse``, ``init``,
``fetch`` and ``audit`` (pandas is loaded only for ``audit --format csv/table``)."""

from __future__ import annotations

from argparse import Namespace

from evidence_review.audit import fields as audit
from evidence_review.cli.output import emit
from evidence_review.core.paths import Review
from evidence_review.intake import parse as intake
from evidence_review.records.snapshot import Snapshot
from evidence_review.workflow import init


def cmd_parse(args: Namespace) -> int:
    emit(intake.to_json(intake.read_article(args.article)), args.format)
    return 0


def cmd_init(args: Namespace) -> int:
    return init.run(args)


def cmd_fetch(args: Namespace) -> int:
    # imported here, not at the top: the HTTP client and habanero cost ~0.25 s of CPU at start-up
    # (measured), which audit and parse would otherwise pay for nothing
    from evidence_review.records import fetch

    return fetch.run(args)


def cmd_audit(args: Namespace) -> int:
    review = Review.open(args.review, args.root)
    snapshot = Snapshot.load_or_unresolved(review.snapshot_dir)
    result = audit.review_audit(review, snapshot=snapshot)
    if args.format == "json":
        emit(result.to_json(review.name, snapshot), "json")
    elif args.format == "csv":
        emit(None, "csv", result.to_frame())
    else:
        for line in result.summary_lines():
            print(line)
        frame = result.to_frame().fillna("")
        emit(None, "table", frame[["ref", "field", "severity", "message"]])
    return 0
