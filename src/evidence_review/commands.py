"""What each CLI command does, callable from Python too (``cmd_NAME(args)`` returns the exit code)."""

from __future__ import annotations

import json
import sys
from argparse import Namespace

from evidence_review import api
from evidence_review.cli import emit
from evidence_review.errors import InputError


def _session(args: Namespace) -> api.ReviewSession:
    return api.open_review(args.review, args.root)


def cmd_check(args: Namespace) -> int:
    session = _session(args)
    problems = session.check()
    if problems:
        raise InputError(problems)
    print(f"{session.review.name}: all inputs valid ({len(session.claims)} claims, "
          f"{len(session.cited)} references)")
    if getattr(args, "strict", False):
        from evidence_review import gate

        blockers = gate.blockers(session)
        for line in blockers:
            print(f"blocking: {line}", file=sys.stderr)
        return 1 if blockers else 0
    return 0


CLAIM_JSON_FIELDS = ["id", "section", "text", "refs", "verdict", "needs_citation", "source_says",
                     "locator", "basis", "evidence_level", "note", "quote", "sentence",
                     "marker_scope", "would_support", "indirect", "sort"]


def claims_json(session: api.ReviewSession) -> dict:
    frame = session.claims
    rows = []
    for rec in frame.to_dict(orient="records"):
        rows.append({k: rec[k] for k in CLAIM_JSON_FIELDS})
    return {"review": session.review.name, "claims": rows}


def cmd_claims(args: Namespace) -> int:
    session = _session(args)
    frame = session.claims
    if args.format == "json":
        emit(claims_json(session), "json")
    else:
        flat = frame.copy()
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
    from evidence_review import report, review

    names = [args.review]
    if args.all:
        from evidence_review.paths import available_reviews, find_root

        names = available_reviews(args.root or find_root())
    status = 0
    for name in names:
        session = api.open_review(name, args.root)
        problems = session.check()
        if problems:
            raise InputError(problems)
        review.prepare(session.review)
        result = report.build(session.review, pdf=not args.no_pdf,
                              progress=report.stderr_progress, title=session.meta.title)
        timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
        print(f"{name}: built {session.review.rel(result.html)}"
              + (f" and {session.review.rel(result.pdf)}" if result.pdf else "")
              + f" ({timing})", file=sys.stderr)
        if args.strict:
            from evidence_review import gate

            blockers = gate.blockers(session)
            for line in blockers:
                print(f"blocking: {line}", file=sys.stderr)
            status = max(status, 1 if blockers else 0)
    return status


def cmd_fetch(args: Namespace) -> int:
    from evidence_review import fetch

    return fetch.run(args)


def cmd_export(args: Namespace) -> int:
    from evidence_review import exports

    session = _session(args)
    text = exports.render(session, args.format)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_init(args: Namespace) -> int:
    from evidence_review import init

    return init.run(args)


def dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
