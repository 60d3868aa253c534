"""Commands that need neither pandas nor the report stack, so they start fast (``parse``)."""

from __future__ import annotations

from argparse import Namespace

from evidence_review.cli.output import emit
from evidence_review.intake import parse as intake


def cmd_parse(args: Namespace) -> int:
    emit(intake.to_json(intake.read_article(args.article)), args.format)
    return 0
