"""``build`` of one review, served without the rest of the CLI's imports: a build process needs the
report stack, not the site's (DuckDB, Dask, the recheck) nor the charts (matplotlib: only the
notebook's kernel draws them). Measured: 1.4 s of CPU against 2.8 s for all of cli/commands.py."""

from __future__ import annotations

from argparse import Namespace

from evidence_review.workflow import build


def cmd_build(args: Namespace) -> int:
    return build.build_one(args.review, args.root, pdf=not args.no_pdf, strict=args.strict,
                           refresh=args.refresh_notebooks, full_pdf=args.full_pdf,
                           engine_name="kernel" if args.kernel else None)
