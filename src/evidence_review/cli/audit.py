"""``evidence-review audit``: the reference audit of one review, as JSON, CSV or a table.

Its own module, so that the command loads only what the audit reads (the review's files, the
snapshot and the audit itself), not init's and parse's stages; pandas is loaded only for
``--format csv/table`` (inside ``AuditResult.to_frame``).
"""

from __future__ import annotations

from argparse import Namespace

from evidence_review.audit import fields as audit
from evidence_review.cli.output import emit
from evidence_review.core.paths import Review
from evidence_review.records.snapshot import Snapshot


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
