"""Resolve each reference as cited to one Crossref record, and say how and why.

The order of attempts, for a reference with a printed DOI:

1. the normalised DOI, fetched in one batch with the others (``client.get_works``);
2. on a 404, the registration agency is asked once (a DataCite DOI is not an error);
3. when the DOI is invalid or unknown, the repairs of :func:`evidence_review.records.doi.candidates`;
4. a bibliographic query (cited authors, title, journal, year).

Every record reached by 1, 3 or 4 is accepted only when :func:`match_score` reaches the threshold
*and* the title, the first author and the year each match on their own: a DOI that resolves to a
different paper is never accepted, however valid it is. The one exception is a reference that
prints its DOI and nothing else to compare (:attr:`CitedReference.doi_only`, e.g. an inline link
with its anchor text): there the DOI is the article's only statement of the work, so the record it
resolves to (step 1) is the cited work, and the reason says that nothing else could be compared.
The network is only reached through the client object passed in.
"""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from evidence_review.core.errors import CrossrefError
from evidence_review.core.textmatch import appears_in, family_matches, record_family, title_similarity
from evidence_review.intake.references import CitedReference
from evidence_review.records.csl import from_crossref
from evidence_review.records.doi import as_clause, candidates, diagnose, is_valid, normalise
from evidence_review.records.snapshot import stable_message

# match_score = 0.5 * title + 0.3 * authors + 0.2 * year, each part in [0, 1].
# 0.85 lets through what a printed reference usually gets wrong about the right paper (title case,
# a dropped subtitle, name particles, the online-first year: title 1, authors 1, year 0.5 -> 0.9),
# and rejects a different paper by the same authors in the same year (title ~0.3 -> ~0.65) or
# a same-titled paper by other authors (authors 0 -> 0.7).
MATCH_THRESHOLD = 0.85
TITLE_MINIMUM = 0.85  # the title must match on its own, too


class WorksClient(Protocol):
    """What resolve needs of :class:`evidence_review.records.crossref.CrossrefClient`."""

    def get_works(self, dois: list[str], refresh: bool = False) -> dict[str, Any]: ...
    def query_bibliographic(self, text: str, rows: int = 5) -> list[dict]: ...
    def agency(self, doi: str) -> str | None: ...


@dataclass
class Resolution:
    """How one reference was resolved: what the snapshot's ``references`` entry holds."""

    ref: str
    status: str  # "matched" | "repaired" | "not-found" | "not-in-crossref" | "error"
    doi: str | None  # the DOI used (normalised), None when nothing was accepted
    doi_cited: str | None  # the printed DOI, normalised (may be invalid)
    reason: str  # one sentence saying how, or why not
    score: float | None = None
    agency: str | None = None
    message: dict | None = field(default=None, repr=False)  # the accepted record, to store

    def to_dict(self) -> dict:
        """The snapshot ``references`` entry (the record itself is stored separately)."""
        # not dataclasses.asdict: it would deep-copy the whole record only to drop it
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "message"}


# A record is scored against its reference up to five times (accept, score, agreement, describe,
# the stored score). During one resolve_references run its CSL form and the parts are computed once,
# keyed by the identity of the objects (the memo keeps them alive, so an id is not reused meanwhile);
# outside a run nothing is kept. The memo is the thread's own: a site scan resolves pages in several
# threads at once, and a run's answers may settle in its client's thread (which is handed the memo).
_local = threading.local()


@contextmanager
def _memoising(memo: dict | None) -> Iterator[None]:
    saved = getattr(_local, "memo", None)
    _local.memo = memo
    try:
        yield
    finally:
        _local.memo = saved


def _csl(message: dict) -> dict:
    memo = getattr(_local, "memo", None)
    if memo is None:
        return from_crossref(message)
    hit = memo.get(id(message))
    if hit is None:
        hit = memo[id(message)] = (message, from_crossref(message))
    return hit[1]


def _years(message: dict) -> set[int]:
    csl = _csl(message)
    return {d["date-parts"][0][0] for k in ("issued", "published-print", "published-online")
            if (d := csl.get(k)) and d["date-parts"][0]}


def _cited_families(cited: CitedReference) -> list[str]:
    return [a.partition(",")[0].strip() for a in cited.authors if "et al" not in a.lower()]


def _parts(cited: CitedReference, message: dict) -> tuple[float, float, float]:
    """(title, authors, year) agreement, each in [0, 1]."""
    memo = getattr(_local, "memo", None)
    if memo is None:
        return _compute_parts(cited, message)
    key = (id(cited), id(message))
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = (cited, message, _compute_parts(cited, message))
    return hit[2]


def _compute_parts(cited: CitedReference, message: dict) -> tuple[float, float, float]:
    csl = _csl(message)
    title = title_similarity(cited.title, csl.get("title"), csl.get("title-short"))
    if title < 1.0 and appears_in(csl.get("title"), cited.printed):
        title = 1.0  # the parse missed or cut the title, but the record's title is printed
    record = [record_family(a) for a in csl.get("author", [])]
    families = _cited_families(cited)
    if not families and record and appears_in(record[0], cited.printed):
        families = [f for f in record if appears_in(f, cited.printed)]
    if families and record:
        first = 1.0 if family_matches(families[0], record[0]) else 0.0
        shared = sum(any(family_matches(f, r) for r in record) for f in families)
        authors = 0.6 * first + 0.4 * shared / max(len(families), len(record))
    else:
        authors = 0.5  # nothing to compare: neither for nor against
    year = cited.cited_year
    years = _years(message)
    if year is None:
        year = next((y for y in sorted(years) if appears_in(str(y), cited.printed)), None)
    if year is None or not years:
        year_part = 0.5
    else:
        year_part = 1.0 if year in years else 0.5 if any(abs(year - y) == 1 for y in years) else 0.0
    return title, authors, year_part


def match_score(cited: CitedReference, message: dict) -> float:
    """How well a Crossref record matches a reference as cited, from 0 to 1.

    ``0.5 * title + 0.3 * authors + 0.2 * year``. Title: 1 for the same title ignoring case and
    punctuation or the title without its subtitle, else the similarity of the two. Authors:
    ``0.6`` for the first author's family name plus ``0.4`` times the share of family names in
    common. Year: 1 when the cited year is the print, online-first or issued year, 0.5 when one
    year off (or unknown), else 0. See :data:`MATCH_THRESHOLD` for the acceptance threshold.
    """
    title, authors, year = _parts(cited, message)
    return round(0.5 * title + 0.3 * authors + 0.2 * year, 3)


def accepts(cited: CitedReference, message: dict, threshold: float = MATCH_THRESHOLD) -> bool:
    """Whether a record is the cited work: score, title, first author and year all agree."""
    title, authors, year = _parts(cited, message)
    families = _cited_families(cited)
    first_ok = not families or authors >= 0.6
    return (match_score(cited, message) >= threshold and title >= TITLE_MINIMUM and first_ok
            and year >= 0.5)


def _agreement(cited: CitedReference, message: dict) -> str:
    """'matches the cited authors, year and title (score 0.90; the year is one off)'."""
    _, _, year = _parts(cited, message)
    note = "; the cited year is one off" if year == 0.5 and cited.cited_year else ""
    return (f"matches the cited authors, year and title (score "
            f"{match_score(cited, message):.2f}{note})")


def _describe(message: dict) -> str:
    csl = _csl(message)
    first = (csl.get("author") or [{}])[0]
    who = first.get("family") or first.get("literal") or "no author"
    return f"'{csl.get('title', 'untitled')}' ({who})"


_CLEAN = re.compile(r"https?://\S+|\bdoi:\s*\S+|\b(?:PMID|PMCID):?\s*\S+|\[(?:Internet|cited[^\]]*)\]|"
                    r"\b(?:Accessed|Available from|Retrieved)\b[^.]*\.?", re.IGNORECASE)


def query_text(cited: CitedReference) -> str:
    """The bibliographic query: cited authors, title, journal and year; when the parse missed the
    title or the authors, the printed string itself, cleaned of links, identifiers and access notes
    (Crossref's matcher is built for whole reference strings). Empty only when nothing is printed.
    """
    fields = " ".join(filter(None, [", ".join(_cited_families(cited)), cited.title,
                                    cited.container, cited.year]))
    if cited.title and (cited.authors or cited.organisation):
        return fields
    printed = " ".join(_CLEAN.sub(" ", cited.printed or "").split())
    return printed if len(printed) >= len(fields) else fields


_query_text = query_text


def _by_query(cited: CitedReference, client: WorksClient,
              threshold: float) -> tuple[dict | None, str]:
    """The best bibliographic match above the threshold, or None with a sentence saying why."""
    text = query_text(cited)
    if not text.strip():
        return None, "nothing is printed to look up"
    items = client.query_bibliographic(text, rows=5)
    scored = sorted(((match_score(cited, m), m) for m in items if m.get("DOI")),
                    key=lambda pair: -pair[0])
    for _score, message in scored:
        if accepts(cited, message, threshold):
            return message, (f"a bibliographic query found {normalise(message['DOI'])}, a "
                             f"record that {_agreement(cited, message)}")
    if not scored:
        return None, "a bibliographic query returned no works"
    best, message = scored[0]
    return None, (f"a bibliographic query returned {len(scored)} works, none acceptable (best "
                  f"{normalise(message['DOI'])} {_describe(message)} scores {best:.2f}, "
                  f"threshold {threshold})")


def resolve_references(cited_refs: list[CitedReference], client: WorksClient,
                       threshold: float = MATCH_THRESHOLD, refresh: bool = False,
                       on_resolved: Callable[[Resolution], None] | None = None,
                       stable: Callable[[dict], dict] = stable_message,
                       ) -> dict[str, Resolution]:
    """Resolve every reference to at most one Crossref record.

    Parameters
    ----------
    cited_refs : list of CitedReference
        The article's reference list.
    client : CrossrefClient-like
        Provides ``get_works``, ``query_bibliographic`` and ``agency`` (see :class:`WorksClient`).
    threshold : float
        The :func:`match_score` a record must reach to be accepted.
    refresh : bool
        Ask the server again for every DOI, bypassing (and rewriting) the client's cache.
    on_resolved : callable, optional
        Called once with each Resolution as soon as it is made. With a client whose
        ``get_works`` takes ``on_settled`` (:class:`~evidence_review.records.crossref.CrossrefClient`),
        a reference whose printed DOI leads to its record is resolved while the other batches
        are still being fetched, so the caller's work on it (``fetch`` writes the work's file)
        overlaps the network wait; the rest are resolved after, as before.
    stable : callable, optional
        Makes the copy of an accepted record that the Resolution keeps (default
        :func:`~evidence_review.records.snapshot.stable_message`); ``fetch`` passes
        :meth:`StagedWorks.stable <evidence_review.records.snapshot.StagedWorks.stable>`, which
        gives the copy whose file it wrote already.

    Returns
    -------
    dict
        Reference number -> :class:`Resolution` (in the order of ``cited_refs``);
        ``Resolution.message`` holds the accepted record (volatile fields removed) for the
        snapshot. See :func:`records`.
    """
    printed = {r.number: normalise(r.doi_printed) for r in cited_refs if r.doi_printed}
    valid = sorted({d for d in printed.values() if is_valid(d)})
    memo: dict = {}
    early: dict[str, Resolution] = {}
    with _memoising(memo):
        if valid and on_resolved is not None and streams(client):
            waiting: dict[str, list[CitedReference]] = {}
            for r in cited_refs:
                if is_valid(printed.get(r.number, "")):
                    waiting.setdefault(printed[r.number], []).append(r)

            def settled(batch: dict[str, Any]) -> None:
                with _memoising(memo):  # may be called in the client's own thread
                    for doi, outcome in batch.items():
                        for ref in waiting.pop(doi, ()):
                            if _settles_alone(ref, outcome, threshold):
                                early[ref.number] = _resolve_safely(ref, doi, batch, client,
                                                                    threshold, refresh, stable)
                                on_resolved(early[ref.number])

            outcomes = client.get_works(valid, refresh=True, on_settled=settled) if refresh \
                else client.get_works(valid, on_settled=settled)
        else:
            outcomes = _get_works(client, valid, refresh) if valid else {}
        resolved = {}
        for r in cited_refs:
            resolution = early.get(r.number)
            if resolution is None:
                resolution = _resolve_safely(r, printed.get(r.number), outcomes, client, threshold,
                                             refresh, stable)
                if on_resolved is not None:
                    on_resolved(resolution)
            resolved[r.number] = resolution
        return resolved


def streams(client: WorksClient) -> bool:
    """Whether the client's get_works reports outcomes as they settle (``on_settled``)."""
    try:
        return "on_settled" in inspect.signature(client.get_works).parameters
    except (TypeError, ValueError):
        return False


def _settles_alone(cited: CitedReference, outcome: Any, threshold: float) -> bool:
    """Whether the printed DOI's record settles the reference with no further request (so it can
    be resolved while other batches are under way, without calling the client)."""
    if getattr(outcome, "status", None) != "ok":
        return False
    return cited.doi_only or accepts(cited, outcome.message, threshold)


def _get_works(client: WorksClient, dois: list[str], refresh: bool) -> dict[str, Any]:
    return client.get_works(dois, refresh=True) if refresh else client.get_works(dois)


def _resolve_safely(cited: CitedReference, doi: str | None, outcomes: dict, client: WorksClient,
                    threshold: float, refresh: bool = False,
                    stable: Callable[[dict], dict] = stable_message) -> Resolution:
    """:func:`_resolve_one`; a reference whose lookup fails is recorded as an error with its reason
    and the others go on (one bad answer never costs the whole snapshot)."""
    try:
        return _resolve_one(cited, doi, outcomes, client, threshold, refresh, stable)
    except CrossrefError as exc:
        return Resolution(cited.number, "error", None, doi, f"Crossref could not be asked: {exc}.")


def _resolve_one(cited: CitedReference, doi: str | None, outcomes: dict, client: WorksClient,
                 threshold: float, refresh: bool = False,
                 stable: Callable[[dict], dict] = stable_message) -> Resolution:
    """One reference: its printed DOI, then DOI repairs, then a bibliographic query."""
    def result(status: str, reason: str, message: dict | None = None,
               agency: str | None = None) -> Resolution:
        used = normalise(message["DOI"]) if message else None
        score = match_score(cited, message) if message else None
        return Resolution(cited.number, status, used, doi, reason, score, agency,
                          stable(message) if message else None)

    if not doi:
        if cited.kind == "web":
            return result("not-in-crossref", "A web page without a DOI; Crossref holds no record "
                                             "of it, so it was not looked up.")
        message, why = _by_query(cited, client, threshold)
        return result("matched" if message else "not-found", f"No DOI is printed; {why}.",
                      message)

    steps: list[str] = []
    if is_valid(doi):
        outcome = outcomes.get(doi)
        status = getattr(outcome, "status", "error")
        if status == "error":
            return result("error", f"Crossref could not be asked about {doi}: "
                                   f"{getattr(outcome, 'reason', None) or 'no answer'}.")
        if status == "ok":
            if accepts(cited, outcome.message, threshold):
                return result("matched", f"The printed DOI resolves to a record that "
                                         f"{_agreement(cited, outcome.message)}.",
                              outcome.message)
            if cited.doi_only:
                return result("matched", f"Only the DOI is printed (the words beside it are a "
                                         f"link's text, not a title), so the DOI is the work the "
                                         f"article cites: it resolves to "
                                         f"{_describe(outcome.message)}; no title, author or year "
                                         f"is printed to compare with the record.",
                              outcome.message)
            steps.append(f"the printed DOI resolves to a different work "
                         f"{_describe(outcome.message)}")
        else:
            agency = getattr(outcome, "agency", None) or client.agency(doi)
            if agency and agency.lower() != "crossref":
                return result("not-in-crossref", f"The printed DOI is registered with {agency}, "
                                                 f"not Crossref, so no Crossref record exists.",
                              agency=agency)
            steps.append("the printed DOI is not known to Crossref")
    else:
        problem = as_clause(diagnose(cited.doi_printed or doi)[0])
        steps.append(f"the printed DOI is invalid ({problem})")

    message, why = _by_candidates(cited, doi, client, threshold, refresh)
    steps.append(why)
    if message is None:
        message, why = _by_query(cited, client, threshold)
        steps.append(why)
    reason = "; ".join(steps)
    reason = reason[0].upper() + reason[1:] + "."
    return result("repaired" if message else "not-found", reason, message)


def _by_candidates(cited: CitedReference, doi: str, client: WorksClient,
                   threshold: float, refresh: bool = False) -> tuple[dict | None, str]:
    """The first rule-based DOI repair whose record is the cited work."""
    proposals = candidates(cited.doi_printed or doi)
    if not proposals:
        return None, "no repair of the DOI could be proposed"
    outcomes = _get_works(client, proposals, refresh)
    for proposal in proposals:
        outcome = outcomes.get(proposal)
        if getattr(outcome, "status", None) == "ok" and accepts(cited, outcome.message,
                                                                threshold):
            return outcome.message, (f"the repaired DOI {proposal} resolves to a record that "
                                     f"{_agreement(cited, outcome.message)}")
    return None, f"no proposed repair ({', '.join(proposals)}) resolves to the cited work"


def records(resolutions: dict[str, Resolution]) -> dict[str, dict]:
    """The accepted records by normalised DOI, to store in the snapshot's works/."""
    return {r.doi: r.message for r in resolutions.values() if r.doi and r.message}
