"""What each CLI command does, callable from Python too (``cmd_NAME(args)`` returns the exit code)."""

from __future__ import annotations

import json
import sys
from argparse import Namespace

from evidence_review.cli.output import emit
from evidence_review.core.errors import InputError
from evidence_review.report import session as api


def _session(args: Namespace) -> api.ReviewSession:
    return api.open_review(args.review, args.root)


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
        from evidence_review.appraisal import gate

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


def build_one(name: str, root, pdf: bool = True, strict: bool = False) -> int:
    """Build one review; returns its exit status (1 when --strict finds blockers)."""
    from evidence_review.intake import reviewfiles as review
    from evidence_review.report import build as report

    session = api.open_review(name, root)
    problems = session.check()
    if problems:
        raise InputError(problems)
    review.prepare(session.review)
    result = report.build(session.review, pdf=pdf, progress=report.stderr_progress,
                          title=session.meta.title)
    _write_exports(session)
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    print(f"{name}: built {session.review.rel(result.html)}"
          + (f" and {session.review.rel(result.pdf)}" if result.pdf else "")
          + f" ({timing})", file=sys.stderr)
    for line in session.pending():
        print(f"{name}: pending: {line}", file=sys.stderr)
    if strict:
        from evidence_review.appraisal import gate

        blockers = gate.blockers(session)
        for line in blockers:
            print(f"{name}: blocking: {line}", file=sys.stderr)
        return 1 if blockers else 0
    return 0


def _write_exports(session) -> None:
    try:
        from evidence_review.report import exports
    except ImportError:
        return
    for path in exports.write_all(session, session.review.reports_dir / "exports"):
        print(f"  wrote {session.review.rel(path)}", file=sys.stderr)
    # refs/NAME/corrected.bib is derived too (same text, so an unchanged review leaves it unchanged)
    exports.write_corrected_bib(session)


def _build_quietly(name: str, root, pdf: bool, strict: bool) -> tuple[str, int, str]:
    """Worker for --all: one review in its own process; errors come back as text, not tracebacks."""
    from evidence_review.core.errors import EvidenceReviewError

    try:
        return name, build_one(name, root, pdf, strict), ""
    except InputError as exc:
        return name, 2, "\n".join(str(p) for p in exc.problems)
    except EvidenceReviewError as exc:
        return name, 1, str(exc)


def cmd_build(args: Namespace) -> int:
    if not args.all:
        return build_one(args.review, args.root, pdf=not args.no_pdf, strict=args.strict)
    import os
    from concurrent.futures import ProcessPoolExecutor

    from evidence_review.core.paths import available_reviews, find_root

    root = args.root or find_root()
    names = available_reviews(root)
    workers = max(1, min(len(names), os.cpu_count() or 1))
    print(f"Building {len(names)} review(s) in {workers} process(es): {', '.join(names)}",
          file=sys.stderr)
    status = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(_build_quietly, n, root, not args.no_pdf, args.strict) for n in names]
        for job in jobs:
            name, code, message = job.result()
            if message:
                print(f"error: {name}: {message}", file=sys.stderr)
            status = max(status, code)
    return status


def cmd_fetch(args: Namespace) -> int:
    from evidence_review.records import fetch

    return fetch.run(args)


def cmd_export(args: Namespace) -> int:
    from evidence_review.report import exports

    session = _session(args)
    text = exports.render(session, args.format)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_init(args: Namespace) -> int:
    from evidence_review.workflow import init

    return init.run(args)


def dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
