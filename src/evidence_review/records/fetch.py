"""``evidence-review fetch``: resolve a review's references and write its Crossref snapshot.

Live: the references are resolved through Crossref (batched, rate-limited, retried, cached) and the
snapshot is marked ``crossref-api``. Offline (``--reconstruct``): the confirmed values in
``record-facts.yaml`` are served by the local stand-in and resolved by the same code, and the
snapshot is marked ``reconstructed``. Either way the reviewer's own files are never rewritten.
"""

from __future__ import annotations

import datetime as dt
import sys
from argparse import Namespace
from collections.abc import Callable
from importlib.metadata import version

from evidence_review import __version__
from evidence_review.core.paths import Review
from evidence_review.core.vocab import SETTLED as GOOD
from evidence_review.intake import reviewfiles as review_mod
from evidence_review.records.crossref import CrossrefClient
from evidence_review.records.reconstruct import load_facts
from evidence_review.records.resolve import records, resolve_references
from evidence_review.records.snapshot import Snapshot, write_snapshot
from evidence_review.records.standin import CrossrefStandIn


def _client_label() -> str:
    return f"evidence-review {__version__} / habanero {version('habanero')}"


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress:
        progress(message)


def _reuse(review: Review, cited, refresh: bool):
    """Resolutions kept from the current snapshot when not refreshing (no request is made)."""
    if refresh or not (review.snapshot_dir / "manifest.json").is_file():
        return None, {}
    snapshot = Snapshot.load(review.snapshot_dir)
    kept = {n: e for n, e in snapshot.references.items() if e.get("status") in GOOD}
    return snapshot, kept


def fetch(review: Review, *, refresh: bool = False, base_url: str | None = None,
          mailto: str | None = None, progress: Callable[[str], None] | None = None,
          client: CrossrefClient | None = None) -> Snapshot:
    """Resolve every reference through Crossref and write the snapshot (provenance crossref-api)."""
    cited = review_mod.cited_references(review)
    previous, kept = _reuse(review, cited, refresh)
    todo = [r for r in cited if r.number not in kept]
    _say(progress, f"Resolving {len(todo)} of {len(cited)} reference(s) through Crossref"
                   + (f" ({len(kept)} kept from the snapshot; --refresh asks again)" if kept else ""))
    client = client or CrossrefClient(base_url=base_url, mailto=mailto,
                                      cache_dir=review.root / ".cache" / "crossref")
    resolutions = resolve_references(todo, client) if todo else {}
    works = records(resolutions)
    references = {n: r.to_dict() for n, r in resolutions.items()}
    for number, entry in kept.items():
        references[number] = entry
        if entry.get("doi"):
            works[entry["doi"]] = previous.work(entry["doi"])
    for number in sorted(references, key=lambda n: (len(n), n)):
        entry = references[number]
        _say(progress, f"  [{number}] {entry['status']}"
                       + (f": {entry['doi']}" if entry.get("doi") else "")
                       + (f" ({entry['reason']})" if entry.get("reason") and entry["status"]
                          not in ("matched",) else ""))
    snapshot = write_snapshot(
        review.snapshot_dir, works, references, provenance="crossref-api",
        retrieved=dt.datetime.now(dt.UTC).date().isoformat(), base_url=client.base_url,
        client=_client_label(), mailto_used=bool(client.mailto), review=review.name,
        note="Live Crossref answers; volatile fields (indexed, deposited, counts, score) dropped.")
    _say(progress, f"Wrote {review.rel(review.snapshot_dir)}/ ({len(snapshot.works())} records)")
    return snapshot


def reconstruct(review: Review, progress: Callable[[str], None] | None = None,
                retrieved: str | None = None) -> Snapshot:
    """Rebuild the snapshot offline from record-facts.yaml through the local stand-in."""
    facts = review.data_dir / "record-facts.yaml"
    messages, not_in_crossref = load_facts(facts, review.rel(facts))
    cited = review_mod.cited_references(review)
    _say(progress, f"Reconstructing the snapshot from {review.rel(facts)} "
                   f"({len(messages)} confirmed records) through the local Crossref stand-in")
    with CrossrefStandIn(messages) as standin:
        client = CrossrefClient(base_url=standin.base_url, progress=False, backoff=0.05)
        resolutions = resolve_references(cited, client)
    references = {n: r.to_dict() for n, r in resolutions.items()}
    for number, extra in not_in_crossref.items():
        if number in references and extra.get("reason"):
            references[number]["reason"] = str(extra["reason"]).rstrip(".") + "."
    for number, entry in sorted(references.items(), key=lambda kv: (len(kv[0]), kv[0])):
        _say(progress, f"  [{number}] {entry['status']}"
                       + (f": {entry['doi']}" if entry.get("doi") else ""))
    return write_snapshot(
        review.snapshot_dir, records(resolutions), references, provenance="reconstructed",
        retrieved=retrieved or dt.datetime.now(dt.UTC).date().isoformat(),
        base_url=f"offline: {review.rel(facts)}", client=_client_label(), review=review.name,
        keep_previous=False,
        note=("Reconstructed without network access from confirmed values only (each with its "
              "evidence in record-facts.yaml); unconfirmed fields are absent. Replace with live "
              "answers by `evidence-review fetch --refresh` when Crossref is reachable."))


def run(args: Namespace) -> int:
    """The CLI command: exit 0 when every reference resolved, 1 when some could not be."""
    review = Review.open(args.review, args.root)
    progress = _stderr
    if args.reconstruct:
        snapshot = reconstruct(review, progress)
    else:
        snapshot = fetch(review, refresh=args.refresh, base_url=args.base_url, mailto=args.mailto,
                         progress=progress)
    failed = [n for n, e in snapshot.references.items() if e.get("status") not in GOOD]
    if failed:
        _say(progress, f"Could not resolve reference(s) {', '.join(sorted(failed))}: see the "
                       "audit (`evidence-review audit`).")
        return 1
    return 0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
