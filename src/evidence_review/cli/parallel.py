"""``build --all``, served without the report stack: this process only starts one child build per
review (:mod:`evidence_review.workflow.build_all`), so it imports none of what the builds import."""

from __future__ import annotations

from argparse import Namespace

from evidence_review.workflow import build_all


def cmd_build(args: Namespace) -> int:
    return build_all.build_all(args.root, pdf=not args.no_pdf, strict=args.strict,
                               scheduler=args.scheduler, workers=args.workers, full_pdf=args.full_pdf,
                               kernel=args.kernel)
