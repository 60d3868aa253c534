"""``evidence-review fetch``: resolve a review's references and write its Crossref snapshot.

After Crossref, the same run asks Europe PMC (unless ``--no-europepmc``) for each resolved DOI's
PMID, PMCID, abstract, publication types, MeSH terms, notices and, for open-access records, the
full text, and writes them as the source-text part of the snapshot (``data/NAME/europepmc/``). A
Europe PMC failure never costs the Crossref snapshot: it is written first, and an outage (every
request failing) leaves the previous source texts in place with one message saying so.

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
from typing import TYPE_CHECKING

from evidence_review import __version__
from evidence_review.core.errors import SnapshotError
from evidence_review.core.paths import Review
from evidence_review.core.safety import strip_credentials
from evidence_review.core.vocab import SETTLED as GOOD
from evidence_review.intake import reviewfiles as review_mod
from evidence_review.intake.references import CitedReference
from evidence_review.records.crossref import CrossrefClient
from evidence_review.records.reconstruct import load_facts
from evidence_review.records.resolve import records, resolve_references
from evidence_review.records.snapshot import Snapshot, StagedWorks, previous_snapshot, write_snapshot
from evidence_review.records.sourcetext import (
    SourceText,
    SourceTexts,
    UnsafeXML,
    crossref_abstract,
    parse_abstract_text,
    parse_jats,
    write_source_texts,
)
from evidence_review.records.standin import CrossrefStandIn

if TYPE_CHECKING:
    from evidence_review.records.europepmc import EuropePMCClient


def _client_label() -> str:
    return f"evidence-review {__version__} / habanero {version('habanero')}"


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress:
        progress(message)


def _reuse(review: Review, cited, refresh: bool, server: str | None = None):
    """Resolutions kept from the current snapshot when not refreshing (no request is made).

    Only a live snapshot from the same server is reused: records reconstructed offline or asked
    of another server are never committed under this server's address and today's date.
    """
    if refresh or not (review.snapshot_dir / "manifest.json").is_file():
        return None, {}
    snapshot = Snapshot.load(review.snapshot_dir, lazy=True)  # works kept are carried, not read
    if server is not None and (snapshot.provenance != "crossref-api"
                               or snapshot.manifest.get("base_url") != server):
        return None, {}
    kept = {n: e for n, e in snapshot.references.items() if e.get("status") in GOOD}
    return snapshot, kept


def fetch(review: Review, *, refresh: bool = False, base_url: str | None = None,
          mailto: str | None = None, progress: Callable[[str], None] | None = None,
          client: CrossrefClient | None = None, europepmc: bool = True,
          europepmc_url: str | None = None,
          europepmc_client: EuropePMCClient | None = None,
          cited: list[CitedReference] | None = None) -> Snapshot:
    """Resolve every reference through Crossref and write the snapshot (provenance crossref-api).

    Then, unless ``europepmc`` is false, look the resolved DOIs up in Europe PMC and write the
    source texts (:func:`fetch_europepmc`); its failures are reported through ``progress`` only.
    ``cited``: the review's reference list as parsed from its article.md, when the caller has it
    already (``init``, which has just parsed it); else it is read here.
    """
    cited = review_mod.cited_references(review) if cited is None else cited
    client = client or CrossrefClient(base_url=base_url, mailto=mailto,
                                      cache_dir=review.root / ".cache" / "crossref")
    server = getattr(client, "server", None) or strip_credentials(client.base_url)
    previous, kept = _reuse(review, cited, refresh, server)
    on_disk = previous if previous is not None else previous_snapshot(review.snapshot_dir)
    todo = [r for r in cited if r.number not in kept]
    _say(progress, f"Resolving {len(todo)} of {len(cited)} reference(s) through Crossref"
                   + (f" ({len(kept)} kept from the snapshot; --refresh asks again)" if kept else ""))
    # each accepted record's file is written into the snapshot's staging folder as soon as its
    # reference is resolved, while later batches are still being fetched (init's client has
    # staged the works of its answers already, as they arrived)
    staged = _staged_works(review, client, on_disk)
    # the client checks every record's shape as it arrives (so does init's client, which wraps one)
    checked = getattr(client, "checks_works", False) is True
    try:
        resolutions = resolve_references(
            todo, client, refresh=refresh,
            on_resolved=lambda r: staged.put(r.doi, r.message, checked) if r.doi and r.message else None,
            stable=staged.stable,
        ) if todo else {}
        snapshot = _write(review, client, server, resolutions, kept, on_disk, staged, progress)
    finally:
        staged.discard()
    _say(progress, f"Wrote {review.rel(review.snapshot_dir)}/ ({len(snapshot.manifest['works'])} records)")
    if europepmc:
        from evidence_review.records.europepmc import EuropePMCClient  # its HTTP stack: only when asked

        epmc = europepmc_client or EuropePMCClient(
            base_url=europepmc_url, email=mailto, cache_dir=review.root / ".cache" / "europepmc")
        try:
            fetch_europepmc(review, snapshot, epmc, refresh=refresh, progress=progress)
        finally:
            if europepmc_client is None:
                epmc.close()
    return snapshot


def _staged_works(review: Review, client, on_disk: Snapshot | None) -> StagedWorks:
    """The client's works staged already (``init``'s early answers: a new review, nothing on
    disk), else a new staging of this snapshot."""
    early = getattr(client, "staged_works", None)
    if (isinstance(early, StagedWorks) and on_disk is None
            and early.directory.resolve() == review.snapshot_dir.resolve()):
        return early
    return StagedWorks(review.snapshot_dir, on_disk)


def _write(review: Review, client, server: str, resolutions: dict, kept: dict,
           previous: Snapshot | None, staged: StagedWorks,
           progress: Callable[[str], None] | None) -> Snapshot:
    """The Crossref snapshot of a fetch: what was resolved now plus what was kept."""
    works = records(resolutions)
    references = {n: r.to_dict() for n, r in resolutions.items()}
    for number, entry in kept.items():
        references[number] = entry
    # a kept record stays as stored (carried over unread), even if another reference resolved to it
    carried = {entry["doi"] for entry in kept.values() if entry.get("doi")}
    works = {doi: message for doi, message in works.items() if doi not in carried}
    lines = [f"  [{number}] {entry['status']}"
             + (f": {entry['doi']}" if entry.get("doi") else "")
             + (f" ({entry['reason']})" if entry.get("reason") and entry["status"] not in ("matched",)
                else "")
             for number, entry in ((n, references[n]) for n in sorted(references, key=lambda n: (len(n), n)))]
    _say_each(progress, lines)
    return write_snapshot(
        review.snapshot_dir, works, references, provenance="crossref-api",
        retrieved=dt.datetime.now(dt.UTC).date().isoformat(), base_url=server,
        client=_client_label(), mailto_used=bool(client.mailto), review=review.name,
        note="Live Crossref answers; volatile fields (indexed, deposited, counts, score) dropped.",
        previous=previous, staged=staged, carried=carried,
        from_cache=sorted(set(getattr(client, "cached_dois", ())) & (set(works) | carried)
                          - {e["doi"] for e in kept.values() if e.get("doi")}))


def fetch_europepmc(review: Review, snapshot: Snapshot, client: EuropePMCClient, *,
                    refresh: bool = False,
                    progress: Callable[[str], None] | None = None) -> SourceTexts | None:
    """Europe PMC's facts and texts for every DOI the Crossref snapshot resolved.

    Returns the source texts written, or None when Europe PMC could not be reached at all (then
    nothing is written and the previous source texts, if any, stay as they were).
    """
    from evidence_review.records.europepmc import client_string as europepmc_client_string
    from evidence_review.records.europepmc import record_facts

    refs_by_doi: dict[str, list[str]] = {}
    for number, entry in snapshot.references.items():
        if entry.get("status") in ("matched", "repaired") and entry.get("doi"):
            refs_by_doi.setdefault(entry["doi"], []).append(number)
    if not refs_by_doi:
        _say(progress, "Europe PMC: no resolved DOI to look up.")
        return None
    _say(progress, f"Looking up {len(refs_by_doi)} DOI(s) in Europe PMC at "
                   f"{strip_credentials(client.base_url)}")
    client.start_run()
    raw: dict[str, bytes] = {}
    outcomes = client.lookup_dois(refs_by_doi, refresh=refresh, raw=raw)
    if all(o.status == "error" for o in outcomes.values()):
        reason = next(iter(outcomes.values())).reason
        _say(progress, f"Europe PMC could not be reached ({reason}); the Crossref snapshot is "
                       f"complete; source texts were not updated. Run `evidence-review fetch` "
                       f"again later (or pass --no-europepmc).")
        return None
    try:
        previous = SourceTexts.load(review.europepmc_dir)
    except SnapshotError as exc:
        _say(progress, f"The previous source texts are unreadable and will be replaced: {exc}")
        previous = SourceTexts.empty()
    sources: dict[str, dict] = {}
    texts: dict[str, SourceText] = {}
    open_texts = {}
    for doi, outcome in outcomes.items():
        entry: dict = {"refs": sorted(refs_by_doi[doi], key=lambda n: (len(n), n)),
                       "status": {"ok": "found"}.get(outcome.status, outcome.status),
                       "reason": outcome.reason}
        if outcome.status == "ok":
            facts = record_facts(outcome.record)
            entry.update(facts)
            sections = parse_abstract_text(outcome.record.get("abstractText"))
            if sections:
                texts[doi] = SourceText(doi, sections, "europepmc-abstract", facts["licence"],
                                        facts["open_access"], facts["pmid"], facts["pmcid"])
            entry["full_text"] = "not open access"
            if facts["open_access"] and facts["pmcid"]:
                open_texts[facts["pmcid"]] = doi
                entry["full_text"] = "not asked"
        elif outcome.status == "error" and previous.record(doi).get("status") == "found":
            entry = {**previous.record(doi), "refs": entry["refs"],
                     "reason": f"Refresh failed ({(outcome.reason or '').rstrip('.')}); kept the "
                               f"record retrieved {previous.retrieved}."}
            entry.pop("text", None)
            entry.pop("text_origin", None)
            if previous.text(doi):
                texts[doi] = previous.text(doi)
        if doi not in texts and outcome.status != "error":
            sections = crossref_abstract(snapshot.work(doi) or {})
            if sections:
                texts[doi] = SourceText(doi, sections, "crossref-abstract", None, False,
                                        entry.get("pmid"), entry.get("pmcid"))
        sources[doi] = entry
    for pmcid, result in client.full_texts(open_texts, refresh=refresh).items():
        doi = open_texts[pmcid]
        if result.status != "ok":
            sources[doi]["full_text"] = f"{result.status}: {result.reason}"
            continue
        try:
            sections = parse_jats(result.xml, doi)
        except (UnsafeXML, ValueError) as exc:
            sources[doi]["full_text"] = f"error: {exc}"
            continue
        raw[f"{pmcid}.xml"] = result.xml
        sources[doi]["full_text"] = "found"
        facts = sources[doi]
        texts[doi] = SourceText(doi, sections, "europepmc-fulltext", facts.get("licence"),
                                bool(facts.get("open_access")), facts.get("pmid"), pmcid)
    written = write_source_texts(
        review.europepmc_dir, sources, texts, raw,
        retrieved=dt.datetime.now(dt.UTC).date().isoformat(),
        base_url=strip_credentials(client.base_url), client=europepmc_client_string(),
        email_used=bool(client.email),
        note="Live Europe PMC answers (search resultType=core, fullTextXML for open access).")
    counts = {s: sum(e["status"] == s for e in sources.values())
              for s in ("found", "not-in-europepmc", "error")}
    full = sum(t.has_full_text for t in texts.values())
    _say(progress, f"Europe PMC: {counts['found']} found, {counts['not-in-europepmc']} not in "
                   f"Europe PMC, {counts['error']} failed; {len(texts)} source text(s), {full} "
                   f"with full text. Wrote {review.rel(review.europepmc_dir)}/")
    return written


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


def run(args: Namespace, client: CrossrefClient | None = None,
        cited: list[CitedReference] | None = None) -> int:
    """The CLI command: exit 0 when every reference resolved, 1 when some could not be.
    (``client`` and ``cited``: the Crossref client to use and the reference list, as :func:`fetch`
    takes them; ``init`` passes both.)"""
    review = Review.open(args.review, args.root)
    progress = _stderr
    if args.reconstruct:
        snapshot = reconstruct(review, progress)
    else:
        snapshot = fetch(review, refresh=args.refresh, base_url=args.base_url, mailto=args.mailto,
                         progress=progress, europepmc=not getattr(args, "no_europepmc", False),
                         europepmc_url=getattr(args, "europepmc_url", None), client=client,
                         cited=cited)
    failed = [n for n, e in snapshot.references.items() if e.get("status") not in GOOD]
    if failed:
        _say(progress, f"Could not resolve reference(s) {', '.join(sorted(failed))}: see the "
                       "audit (`evidence-review audit`).")
        return 1
    return 0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _say_each(progress: Callable[[str], None] | None, lines: list[str]) -> None:
    """One ``progress`` call per line; to stderr, the lines go in one write (10,000 references
    are 10,000 lines: one write each was a system call and a flush each)."""
    if progress is _stderr:
        if lines:
            sys.stderr.write("".join(line + "\n" for line in lines))
            sys.stderr.flush()
    else:
        for line in lines:
            _say(progress, line)
