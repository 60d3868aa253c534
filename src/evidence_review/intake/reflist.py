"""Parse a printed reference list into :class:`CitedReference` fields, keeping printed values.

Fields come from the learned field parser (:mod:`evidence_review.intake.fieldparser`, a CRF). The
regular-expression parsers below, one per citation style, are its helpers and its fallback: their
parse is a feature of the model, and :func:`parse_entry` keeps their result when the model finds too
little (fewer than two of who, what, when and where). Nothing is corrected here: the audit compares
printed and record.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path

from evidence_review.core.atomic import write_text
from evidence_review.core.errors import InputError
from evidence_review.intake import fieldparser
from evidence_review.intake.fieldparser import UPPER
from evidence_review.intake.references import CitedReference

_LABEL = re.compile(r"^\s*(?:\[(\d+)\]|(\d+)\.)\s+")
_URL = re.compile(r"\s*(https?://\S+|doi:\s*\S+)\s*$", re.IGNORECASE)
_DOI_URL = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
# "Family, I. I." or "Family, I." repeated, separated by ", " with "& " before the last one.
_APA_AUTHOR = re.compile(f"([^,&]+?),\\s*((?:[{UPPER}]\\.\\s?(?:-?[{UPPER}]\\.\\s?)*))(?:,\\s*|\\s*$)")
_APA_HEAD = re.compile(r"^(?P<authors>.+?)\s*\((?P<date>(?P<year>\d{4}|n\.d\.)[^)]*)\)\.\s*(?P<rest>.*)$")
_APA_SOURCE = re.compile(
    r"^(?P<title>.+?[.?!])\s+(?P<container>[^.]+?),\s*(?P<volume>\d+)"
    r"(?:\((?P<issue>[^)]+)\))?,\s*(?P<pages>[A-Za-z]?\d+(?:\s*[–-]\s*[A-Za-z]?\d+)?)\.?$"
)


def split_label(entry: str) -> tuple[str | None, str]:
    """Split "[3] Ash, ..." or "3. Ash ..." into ("3", "Ash, ...")."""
    match = _LABEL.match(entry)
    if not match:
        return None, entry.strip()
    return match.group(1) or match.group(2), entry[match.end():].strip()


def _split_link(body: str) -> tuple[str, str | None, str | None]:
    """Take a trailing URL or DOI off an entry: (rest, doi_printed, url)."""
    match = _URL.search(body)
    if not match:
        return body.strip(), None, None
    link = fieldparser.tidy_link(match.group(1))
    rest = body[: match.start()].strip()
    if _DOI_URL.match(link):
        return rest, link, None
    return rest, None, link


def _apa_authors(text: str) -> list[str] | None:
    text = text.replace("&", "").strip().rstrip(",")
    found = [f"{m.group(1).strip()}, {m.group(2).strip()}" for m in _APA_AUTHOR.finditer(text)]
    return found or None


def parse_apa(number: str, body: str) -> CitedReference | None:
    """APA-like: ``Family, I., & Family, I. (2010). Title. Journal, 74(8), 691–696. https://doi.org/...``

    Also recognises the APA web form ``Org. (2019, October). Title. Publisher. URL``.
    """
    rest, doi_printed, url = _split_link(body)
    head = _APA_HEAD.match(rest)
    if not head:
        return None
    ref = CitedReference(number=number, printed=body, doi_printed=doi_printed, url=url,
                         year=None if head["year"] == "n.d." else head["year"],
                         date_text=head["date"])
    authors = _apa_authors(head["authors"])
    if authors:
        ref.authors = authors
    else:
        ref.organisation = head["authors"].rstrip(".").strip()
    source = _APA_SOURCE.match(head["rest"])
    if source:
        ref.title = source["title"].rstrip(".").strip()
        ref.container, ref.volume = source["container"].strip(), source["volume"]
        ref.issue, ref.pages = source["issue"], source["pages"]
        return ref
    # A web page: "Title. Publisher." (the title may itself hold a colon but no full stop)
    parts = [p.strip() for p in re.split(r"(?<=[a-z\)])\.\s+", head["rest"].rstrip(".")) if p.strip()]
    ref.kind = "web" if url and not doi_printed else "article"
    if parts:
        ref.title = parts[0]
    if len(parts) > 1:
        ref.publisher = ". ".join(parts[1:])
    ref.container = ref.organisation
    return ref


# --- Vancouver / AMA (numbered, NLM abbreviations) -------------------------------------------------
# A DOI anywhere in the entry ("doi:10.x/y", "https://doi.org/10.x/y"), printed broken or not.
_V_DOI = re.compile(r"(?:\bdoi:\s*|https?://(?:dx\.)?doi\.org/)\S+", re.IGNORECASE)
_V_URL = re.compile(r"(?:Available (?:from|at):?\s*)?(?<!\S)\(?(https?://\S+)", re.IGNORECASE)  # also "(URL)"
# "Accessed March 3, 2024." (AMA) and "[cited 2024 Mar 3]" (Vancouver/NLM).
_V_ACCESSED = re.compile(r"(?:\bAccessed\s+(?P<ama>[^.]+)(?:\.|$)|\[cited\s+(?P<nlm>[^\]]+)\])",
                         re.IGNORECASE)
_V_AVAILABLE = re.compile(r"\s*Available (?:from|at):?\s*$", re.IGNORECASE)
_V_TRAILER = re.compile(r"\s*\b(?:PMID|PMCID):?\s*\S+\.?\s*$", re.IGNORECASE)
# One Vancouver author as printed: "Lindqvist AB", "van der Berg JH", "O'Brien K", "Smith-Jones P"
_V_AUTHOR = re.compile(f"^(?:[a-z]+\\s)*[{UPPER}][\\w'’-]+(?:\\s[{UPPER}][\\w'’-]+)*\\s[{UPPER}]{{1,3}}$")
_V_ETAL = re.compile(r",?\s*et al\.?$")
# "Journal. 2020;12(3):45-67" / "Journal 2020;12:45–67" / "Journal. 2021 Jun;15(2):101-9" / "Journal. 2020."
_V_SOURCE = re.compile(
    r"^(?P<container>[^.;]+?)\.?\s+(?P<date>(?P<year>(?:19|20)\d{2})\b[^;:.]*?)"
    r"(?:;\s*(?P<volume>[A-Za-z]?\d+[A-Za-z]?)?(?:\s*\((?P<issue>[^)]+)\))?)?"
    r"(?::\s*(?P<pages>[A-Za-z]?\d+[A-Za-z]?(?:\s*[–-]\s*[A-Za-z]?\d+[A-Za-z]?)?))?\.?$"
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def _take_links(body: str) -> tuple[str, str | None, str | None]:
    """Take the DOI and URL out of a Vancouver/AMA entry, wherever they stand: (rest, doi, url)."""
    doi_printed = url = None
    doi = _V_DOI.search(body)
    if doi:
        doi_printed = fieldparser.tidy_link(doi.group(0))
        body = body[: doi.start()] + body[doi.end():]
    link = _V_URL.search(body)
    if link:
        url = fieldparser.tidy_link(link.group(1))
        body = body[: link.start()] + body[link.end():]
    return _V_AVAILABLE.sub("", body.strip()).strip().rstrip("."), doi_printed, url


def _take_accessed(body: str) -> tuple[str, str | None]:
    match = _V_ACCESSED.search(body)
    if not match:
        return body, None
    rest = (body[: match.start()] + body[match.end():]).strip()
    return re.sub(r"\s{2,}", " ", rest), (match["ama"] or match["nlm"]).strip()


def _vancouver_authors(text: str) -> list[str] | None:
    """The author list as "Family, AB" items, or None when the text is not one (a group author).

    Family names and initials are kept as printed; only the space between them becomes the ", " that
    :class:`CitedReference` uses for every style, so the audit and BibTeX can tell family from given
    names. A printed "et al" is never a name: the caller sets ``et_al`` (see :data:`_V_ETAL`).
    """
    text = text.strip()
    names = [n.strip() for n in _V_ETAL.sub("", text).split(",") if n.strip()]
    if not names or not all(_V_AUTHOR.match(n) for n in names):
        return None
    return [", ".join(n.rsplit(" ", 1)) for n in names]


def _segments(text: str) -> list[str]:
    """Split at '. ', '? ', '! ': Vancouver initials and journal abbreviations carry no full stops."""
    return [p.strip() for p in re.split(r"(?<=[.?!])\s+", text) if p.strip()]


def _journal_source(parts: list[str]) -> tuple[int, re.Match[str]] | None:
    """Find the trailing "Journal. 2020;12(3):45-67" segments: (index where they start, match)."""
    for k in (len(parts) - 1, len(parts) - 2):
        if k >= 2:
            match = _V_SOURCE.match(" ".join(parts[k:]))
            if match and (match["volume"] or match["pages"]):
                return k, match
    return None


_NLM_PUBLISHER = re.compile(r"^(?:[^:;.]+:\s*)?(?P<publisher>[^:;]+);\s*(?P<date>.+)$")


def parse_vancouver(number: str, body: str) -> CitedReference | None:
    """Vancouver/AMA: ``Family AB, Family CD. Title. Journal. 2020;12(3):45-67. doi:10.xxx``.

    Also ``... Journal 2020;12:45–67.``, NLM web entries (``Title [Internet]. Place: Publisher; 2023
    [cited 2024 Feb 12]. Available from: URL``) and AMA web entries (``Title. Published 2022.
    Accessed March 3, 2024. URL``). A source with a URL and no DOI gets kind "web". Values are kept
    as printed. Returns None for an entry of another style.
    """
    text, doi_printed, url = _take_links(_V_TRAILER.sub("", body))
    if _APA_HEAD.match(text):
        return None  # "Family, I. (2010). ..." is APA: Vancouver never prints the year after the authors
    text, accessed = _take_accessed(text)
    parts = _segments(text.strip())
    if len(parts) < 2:
        return None
    head = parts[0].rstrip(".")
    authors = _vancouver_authors(head)
    ref = CitedReference(number=number, printed=body, doi_printed=doi_printed, url=url, accessed=accessed)
    if authors:
        ref.authors, ref.et_al = authors, bool(_V_ETAL.search(head))
    else:
        ref.organisation = head
    found = _journal_source(parts)
    end = found[0] if found else 2
    # "[Internet]" is the NLM medium designator, not part of the title.
    ref.title = re.sub(r"\s*\[Internet\]\s*$", "", " ".join(parts[1:end]).rstrip(".")).strip()
    if found:
        source = found[1]
        ref.container, ref.date_text, ref.year = source["container"].strip(), source["date"].strip(), \
            source["year"]
        ref.volume, ref.issue, ref.pages = source["volume"], source["issue"], source["pages"]
        return ref
    return _vancouver_other(ref, " ".join(parts[2:]), bool(authors))


def _vancouver_other(ref: CitedReference, tail: str, has_authors: bool) -> CitedReference | None:
    """Finish a Vancouver/AMA entry that is not a journal article (a web page, a report)."""
    tail = tail.strip().rstrip(".")
    year = _YEAR.search(tail)
    if not (has_authors or ref.url or ref.doi_printed) or not (year or ref.accessed):
        return None  # too little shape to call it a Vancouver entry
    publisher = _NLM_PUBLISHER.match(tail)
    if publisher:
        ref.publisher, tail = publisher["publisher"].strip(), publisher["date"].strip()
    ref.year = year.group(0) if year else None
    ref.date_text = tail or None
    ref.kind = "web" if ref.url and not ref.doi_printed else "article"
    ref.container = ref.organisation
    return ref


# Style name -> parser. parse_entry tries the list's detected style first, then the others in order.
STYLES: dict[str, Callable[[str, str], CitedReference | None]] = {
    "apa": parse_apa,
    "vancouver": parse_vancouver,
}
PARSERS: list[Callable[[str, str], CitedReference | None]] = list(STYLES.values())


def detect_style(entries: list[str]) -> str:
    """The citation style most entries of a list are written in: "apa", "ama", "vancouver" or "unknown".

    AMA is Vancouver with ``doi:`` and ``Accessed <date>``; both are parsed by :func:`parse_vancouver`.
    """
    return _style_of(*style_counts(entries))


def style_counts(entries: list[str]) -> tuple[dict[str, int], bool]:
    """What :func:`detect_style` counts in ``entries`` (part of a list, or all of it): entries
    each style's parser reads first, and whether any prints ``doi:`` or ``Accessed``."""
    counts: dict[str, int] = {}
    for entry in entries:
        _, body = split_label(entry)
        for name, parser in STYLES.items():
            if parser("0", body) is not None:
                counts[name] = counts.get(name, 0) + 1
                break
    return counts, any(_AMA_MARK.search(e) for e in entries)


_AMA_MARK = re.compile(r"\bdoi:|\bAccessed\s")


def _style_of(counts: dict[str, int], ama_marks: bool) -> str:
    if not counts:
        return "unknown"
    style = max(counts, key=lambda k: (counts[k], -list(STYLES).index(k)))
    return "ama" if style == "vancouver" and ama_marks else style


def _ordered_parsers(style: str | None) -> list[Callable[[str, str], CitedReference | None]]:
    first = STYLES.get("vancouver" if style == "ama" else style or "")
    return [first, *(p for p in PARSERS if p is not first)] if first else list(PARSERS)


def rule_parse(body: str, number: str = "0", style: str | None = None) -> CitedReference | None:
    """The regular-expression parse of one entry (without its label), or None if no style fits."""
    for parser in _ordered_parsers(style):
        ref = parser(number, body)
        if ref is not None:
            return ref
    return None


def hints_from(ref: CitedReference) -> list[tuple[str, str]]:
    """A rule parse as (label, printed value) pairs, in printed order: features of the field parser."""
    pairs: list[tuple[str, str]] = []
    for author in ref.authors:
        family, _, given = author.partition(", ")
        pairs += [("family", family), ("given", given)]
    if ref.organisation:
        pairs.append(("org", ref.organisation))
    for label, attr in (("title", "title"), ("container", "container"), ("volume", "volume"),
                        ("issue", "issue"), ("pages", "pages"), ("publisher", "publisher"),
                        ("accessed", "accessed"), ("doi", "doi_printed"), ("url", "url"),
                        ("year", "year")):
        value = getattr(ref, attr)
        if value and not (label == "container" and value == ref.organisation):
            pairs.append((label, value))
    return pairs


def from_fields(number: str, body: str, fields: dict) -> CitedReference:
    """A :class:`CitedReference` from the field parser's dict (names as "Family, Given")."""
    authors = [f"{a['family']}, {a['given']}" if a.get("family") and a.get("given")
               else a.get("family") or a.get("given") for a in fields["authors"]]
    url, doi = fields["url"], fields["doi"]
    ref = CitedReference(number=number, printed=body, authors=authors, et_al=fields["et_al"],
                         organisation=None if authors else fields["organisation"],
                         year=fields["year"], date_text=fields["date"], title=fields["title"],
                         container=fields["container"], volume=fields["volume"], issue=fields["issue"],
                         pages=fields["pages"], doi_printed=doi, url=url,
                         publisher=fields["publisher"], accessed=fields["accessed"],
                         kind="web" if url and not doi else "article")
    if not ref.container and fields["kind"] != "journal":
        ref.container = ref.organisation  # a web page or report: the organisation is the source
    return ref


def _enough(fields: dict | None) -> bool:
    """A parse that found at least two of: who (authors), what (title), when (date), where (source)."""
    if not fields:
        return False
    found = (fields["authors"] or fields["organisation"], fields["title"], fields["year"] or fields["date"],
             fields["container"] or fields["publisher"])
    return sum(bool(x) for x in found) >= 2


_SET_OFF = re.compile(r"\s*(?:[-–—|:.]\s*\(?|\()\s*")


def _web_line(body: str, fields: dict | None) -> bool:
    """A title set off from the URL that follows it, as unnumbered source lists print them:
    ``Title - (URL)``, ``Title – URL``, ``Title (URL)``, ``Title | URL``. Words run into a URL
    ("Something odd https://...") are not a title."""
    if not fields or not fields["title"] or not fields["url"]:
        return False
    end = body.find(fields["title"]) + len(fields["title"])
    start = body.find(fields["url"], end)
    return end >= len(fields["title"]) and start > end and bool(_SET_OFF.fullmatch(body[end:start]))


def parse_entry(entry: str, fallback_number: str | None = None, style: str | None = None) -> CitedReference:
    """Parse one printed entry; an unrecognised entry keeps its text, link and number only.

    The field parser's result is used when it finds two of who, what, when and where, or a title
    set off from its URL (:func:`_web_line`); else the regular-expression parse; else the text and
    link alone.

    Parameters
    ----------
    entry : the entry as printed, with or without its "[3]" / "3." label.
    fallback_number : the number to use when the entry carries no label.
    style : a style name of :data:`STYLES` (or "ama") whose rule parser is tried first.
    """
    number, body = split_label(entry)
    number = number or fallback_number or "?"
    rules = rule_parse(body, number, style)
    fields = fieldparser.parse(body, hints_from(rules) if rules else None)
    if _enough(fields) or _web_line(body, fields):
        return from_fields(number, body, fields)
    if rules is not None:
        return rules
    rest, doi_printed, url = _split_link(body)
    return CitedReference(number=number, printed=body, doi_printed=doi_printed, url=url,
                          kind="web" if url and not doi_printed else "article")


Meanwhile = Callable[[], Callable[[], None] | None]  # see parse_list
_PARSED: dict[str, list[dict]] = {}  # list key -> the parse as dicts (this process; never changed)
_STYLE: dict[str, str] = {}  # list key -> its detected style (this process)
# A list this long is parsed in worker processes, one per core (at most POOL_MAX_WORKERS): below
# it, starting the pool costs more than it saves (see docs/benchmarks.md, "init").
POOL_MIN = 400
POOL_MAX_WORKERS = 4
_CHUNKS_PER_WORKER = 4  # smaller pieces than one per worker, so that a slower core is not waited for


@cache
def _parser_fingerprint() -> str:
    """A digest of the code and model the parse depends on (intake/, core/, the CRF model)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for folder in ("intake", "core"):
        for path in sorted((package / folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(fieldparser.model_path().read_bytes() if fieldparser.model_path().is_file() else b"")
    return digest.hexdigest()


def _list_key(entries: list[str]) -> str:
    digest = hashlib.sha256(_parser_fingerprint().encode())
    for entry in entries:
        digest.update(b"\0" + entry.encode("utf-8"))
    return digest.hexdigest()[:32]


def list_style(entries: list[str]) -> str:
    """:func:`detect_style` of a whole list, computed once per list in a process (parse_list and
    the caller that reports the style share it)."""
    if not entries:
        return "unknown"
    key = _list_key(entries)
    if key not in _STYLE:
        _STYLE[key] = detect_style(entries)
    return _STYLE[key]


def _parse_chunk(entries: list[str], first: int, style: str) -> list[dict]:
    """Entries numbered from ``first`` (a worker's share of a long list), as dicts."""
    return [parse_entry(e, fallback_number=str(i), style=style).to_dict()
            for i, e in enumerate(entries, start=first)]


def pool_workers(n: int) -> int:
    """Worker processes for a list of ``n`` entries: 0 (parse here) below :data:`POOL_MIN` or on
    one core, else one per core the process may use, at most :data:`POOL_MAX_WORKERS`."""
    if n < POOL_MIN:
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, POOL_MAX_WORKERS) if cores > 1 else 0


def _pool_context():
    """fork where the process runs one thread (the command line: the workers start at once, with
    the model loaded); else spawn (a notebook's kernel, a test run: forking a process whose other
    threads may hold locks is unsafe, and a fork server talks over a socket)."""
    import multiprocessing  # here, as the pool below: see _parse_all

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _parse_all(entries: list[str], key: str, meanwhile: Meanwhile | None) -> list[dict]:
    """Every entry parsed, as dicts: in worker processes for a long list (the style counted there
    too, piece by piece), else here. See :func:`parse_list` for ``meanwhile``."""
    then = meanwhile() if meanwhile else None
    workers = pool_workers(len(entries))
    if not workers:
        if then:
            then()
        return _parse_chunk(entries, 1, list_style(entries))
    # imported only for a long list: concurrent.futures.process and multiprocessing cost ~0.2 s of
    # start-up (measured at load ~7), which every command reading a short list would pay
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = -(-len(entries) // (workers * _CHUNKS_PER_WORKER))
    pieces = [(at + 1, entries[at:at + size]) for at in range(0, len(entries), size)]
    pool = ProcessPoolExecutor(workers, mp_context=_pool_context(), initializer=_worker_start)
    try:
        counted = [pool.submit(style_counts, piece) for _, piece in pieces]  # the workers start here
        if then:
            then()
        if key not in _STYLE:
            parts = [future.result() for future in counted]
            total: dict[str, int] = {}
            for counts, _ in parts:
                for name, k in counts.items():
                    total[name] = total.get(name, 0) + k
            _STYLE[key] = _style_of(total, any(marks for _, marks in parts))
        style = _STYLE[key]
        parsed = [pool.submit(_parse_chunk, piece, first, style) for first, piece in pieces]
        return [d for future in parsed for d in future.result()]
    except BrokenProcessPool:  # a worker died (killed, out of memory): parse here instead
        return _parse_chunk(entries, 1, list_style(entries))
    finally:  # on an error or Ctrl-C, pieces not yet started are dropped
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_start() -> None:
    """A worker leaves Ctrl-C to the command (which says "interrupted" once) and ends when asked."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_meanwhile(meanwhile: Meanwhile | None) -> None:
    then = meanwhile() if meanwhile else None
    if then:
        then()


def parse_list(entries: list[str], cache_dir: Path | None = None,
               meanwhile: Meanwhile | None = None) -> list[CitedReference]:
    """Parse a whole printed reference list (numbered in order when entries carry no label).

    The list's style is detected once (:func:`detect_style`) and tried first for every entry, so an
    entry that two styles could read is read the way its neighbours are.

    The parse (a CRF per entry: ~0.9 ms each) is kept for the process and, with ``cache_dir``, in
    ``cache_dir/KEY.json``, keyed by the entries and a digest of the parser's code and model: the
    same list read again (fetch, audit, build after init) is not parsed again. A list of
    :data:`POOL_MIN` entries or more is parsed in worker processes (:func:`pool_workers`); the
    result is the same as a parse in this process. Every call returns new objects, so a caller may
    change them.

    ``meanwhile`` (optional) is called once, before the parse starts, and what it returns (a
    callable or None) once the parse is under way: with worker processes, after they started,
    which is where a thread may be started (the workers are forked from this process; a thread
    started before would be running while they are). When the parse is kept, both at once.
    ``init`` asks Crossref there.
    """
    key = _list_key(entries)
    path = cache_dir / f"{key}.json" if cache_dir is not None else None
    dicts = _PARSED.get(key)
    on_disk = path is not None and path.is_file()
    if dicts is None and on_disk:
        try:
            dicts = json.loads(path.read_text(encoding="utf-8"))
            refs = _references(dicts)
        except (OSError, ValueError, TypeError):  # a damaged or foreign cache file: parse again
            dicts, on_disk = None, False
        else:
            _PARSED[key] = dicts
            _run_meanwhile(meanwhile)
            return refs
    if dicts is None:
        dicts = _PARSED[key] = _parse_all(entries, key, meanwhile)
    else:
        _run_meanwhile(meanwhile)
    refs = _references(dicts)
    if path is not None and not on_disk:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, json.dumps(dicts, ensure_ascii=False))
        except (OSError, InputError):  # a read-only project still reads its article
            pass
    return refs


def _references(dicts: list[dict]) -> list[CitedReference]:
    """New references from the kept parse: its dicts are never changed (each reference gets its
    own list of authors; every other value is a string, a bool or None)."""
    refs = [CitedReference(**d) for d in dicts]
    for ref in refs:
        if isinstance(ref.authors, list):
            ref.authors = list(ref.authors)
    return refs
