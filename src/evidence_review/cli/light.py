"""Commands that need neither pandas nor the report stack, so they start fast: ``parse``, ``init``
and ``fetch`` (``audit`` has a module of its own, :mod:`evidence_review.cli.audit`)."""

from __future__ import annotations

from argparse import Namespace

from evidence_review.cli.output import emit
from evidence_review.intake import parse as intake
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
