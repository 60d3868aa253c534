"""``evidence-review init ARTICLE --name NAME``: start a new review from an article file.

Writes the review's inputs from the article alone, so a new article needs data, never code:

- ``data/NAME/article.original.<ext>``: the file as received (a byte copy, never edited);
- ``data/NAME/article.md``: the body as markdown (:mod:`evidence_review.intake.extract`);
- ``data/NAME/review.yaml``: title block, detected citation style and non-claim sections;
- ``refs/NAME/cited.bib``, ``data/NAME/candidates.csv`` and a scaffolded ``claims.csv``
  (:func:`evidence_review.intake.reviewfiles.prepare`);
- ``data/NAME/sources.yaml``: one commented-out placeholder per reference for the reviewer's
  judgement (``check`` lists every reference still missing one).

Then it resolves the references through Crossref (``--no-fetch`` leaves that for later). For a long
list, the printed DOIs are asked of Crossref while the list is still being parsed (the parse is
CPU work, the lookup mostly waiting on the rate limit); the fetch step then uses those answers as if
it had asked for them itself (:class:`EarlyPrefetch`).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from argparse import Namespace
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evidence_review.core.dates import iso_date
from evidence_review.core.errors import CrossrefError, InputError, Problem
from evidence_review.core.paths import Review
from evidence_review.core.safety import http_url
from evidence_review.intake import article as article_mod
from evidence_review.intake import extract, fieldparser, reflist
from evidence_review.intake import parse as intake
from evidence_review.intake.references import CitedReference
from evidence_review.records.doi import is_valid, normalise
from evidence_review.records.resolve import streams
from evidence_review.records.snapshot import StagedWorks
from evidence_review.workflow.prepare import ClaimFiles, claim_files, prepare

# Section names that hold no health claims (compared lower-case); the reviewer can edit the list.
NON_CLAIM_SECTIONS = ("disclaimer", "medical disclaimer", "about the author", "about the authors",
                      "editorial policy", "related articles", "acknowledgements", "conflicts of interest")

Progress = Callable[[str], None]


def stderr_progress(line: str) -> None:
    tqdm = sys.modules.get("tqdm")
    if tqdm is not None:  # a Crossref progress bar may be drawn from another thread: keep it whole
        tqdm.tqdm.write(line, file=sys.stderr)
    else:
        print(line, file=sys.stderr)


@dataclass
class InitResult:
    """What :func:`init_review` wrote and found."""

    review: Review
    meta: extract.PageMeta
    style: str
    references: list[CitedReference]
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- the command ---------------------------------------------------------------------------------

def run(args: Namespace) -> int:
    """Run ``evidence-review init``; returns the exit code (InputError → exit 2 in the CLI)."""
    fetching = not getattr(args, "no_fetch", False)
    early = EarlyPrefetch(args.base_url, args.mailto, getattr(args, "name", None)) if fetching else None
    done = False
    try:
        result = init_review(args.article, args.name, root=args.root, force=args.force,
                             meanwhile=early.start if early else None)
        if not fetching:
            stderr_progress(next_steps(result, fetched=False))
            done = True
            return 0
        try:
            status = fetch_references(result.review, base_url=args.base_url, mailto=args.mailto,
                                      europepmc=not getattr(args, "no_europepmc", False),
                                      europepmc_url=getattr(args, "europepmc_url", None),
                                      client=early.client, cited=result.references)
        except CrossrefError as exc:  # the review is written; only the lookup has to be run again
            stderr_progress(f"init: error: {exc}\ninit: the review was created; Crossref could not be "
                            "asked")
            stderr_progress(next_steps(result, fetched=False))
            status = 1
        else:
            stderr_progress(next_steps(result, fetched=True))
        done = True
        return status
    finally:
        if early:  # after an error, at once: the early answers are not wanted any more
            early.close(wait=done)


def init_review(article: Path | str, name: str, root: Path | str | None = None, force: bool = False,
                progress: Progress = stderr_progress, meanwhile: Meanwhile | None = None) -> InitResult:
    """Create ``data/NAME`` and ``refs/NAME`` from an article file.

    Parameters
    ----------
    article : the article, ``.md``, ``.txt`` (page text as copied) or ``.html``/``.htm`` (saved page).
    name : the review name (lower-case letters, digits, ``-``, ``.``, ``_``).
    root : the project root (default: found from the current directory).
    force : replace an existing review of that name (its data/NAME and refs/NAME are replaced once
        the new review is completely written; a failure leaves the old one as it was).
    progress : called with one line per step.
    meanwhile : called with the project root, the reference list's entries as printed and
        ``progress`` before the list is parsed; what it returns (a callable or None) is called
        once the parse is under way (``run`` asks Crossref there: :class:`EarlyPrefetch`).

    Raises
    ------
    InputError
        Bad name, missing or unreadable article, unknown file type, or an existing review without
        ``force``. A page without a reference list becomes a review with a warning.
    """
    review = Review.open(name, root, must_exist=False)
    article = Path(article)
    progress(f"init: reading {article}")
    original = _read_original(article)  # read before anything is replaced: it may live in data/NAME
    _make_room(review, force)  # before the parse: a long list takes seconds, the refusal none
    # the parse is kept in the project's .cache/reflist/, as fetch and audit keep it (with
    # --no-fetch, the fetch run later then reads it instead of parsing the list again)
    made: list[ClaimFiles] = []  # made while the list is parsed
    read = intake.read_article(article, cache_dir=review.root / ".cache" / "reflist",
                               meanwhile=_parsing(review, progress, meanwhile, made))
    markdown, meta, parsed = read.markdown, read.meta, read.article
    # Everything is written into a hidden folder of the project first and swapped in at the end,
    # so an existing review is only replaced once its replacement is complete.
    try:
        stage_root = Path(tempfile.mkdtemp(prefix=f".init-{review.name}-", dir=review.root))
    except OSError as exc:
        raise InputError(Problem(file=str(review.root), message=f"cannot write the new review here: "
                                                                f"{exc.strerror or exc}")) from None
    try:
        staged = Review(name=review.name, root=stage_root)
        result = InitResult(review=review, meta=meta, style=read.style, references=read.references)
        staged.data_dir.mkdir(parents=True)
        written = _write_inputs(staged, article, original, markdown, meta, parsed, result.style)
        written += prepare(staged, parsed, claims=made[0] if made else None)
        written.append(_write(staged.sources, sources_scaffold(result.references, meta.title, name)))
        _swap_in(staged, review)
    except OSError as exc:
        raise InputError(Problem(file=str(exc.filename or review.data_dir),
                                 message=f"cannot write the new review: {exc.strerror or exc} "
                                         "(nothing was replaced)")) from None
    finally:
        shutil.rmtree(stage_root, ignore_errors=True)
    result.written = [review.root / p.relative_to(stage_root) for p in written]
    result.warnings = read.warnings
    _report(result, parsed, progress)
    return result


Meanwhile = Callable[[Path, list[str], Progress], Callable[[], None] | None]


def _parsing(review: Review, progress: Progress, meanwhile: Meanwhile | None,
             made: list[ClaimFiles]) -> Callable[[article_mod.Article], Callable[[], None]]:
    """What is done as the reference list is parsed: a line saying so for a long list, then
    ``meanwhile`` (see :func:`reflist.parse_list` for what runs before and what during); while
    the list is parsed (in worker processes for a long one), the claim candidates are made here
    (into ``made``), which would otherwise follow the parse."""
    def before(parsed: article_mod.Article) -> Callable[[], None]:
        entries = parsed.references
        workers = reflist.pool_workers(len(entries))
        if workers:
            progress(f"init: parsing {len(entries)} references in {workers} processes")
        then = meanwhile(review.root, entries, progress) if meanwhile else None

        def during() -> None:
            if then:
                then()
            made.append(claim_files(parsed, non_claim_sections(parsed)))
        return during
    return before


def _swap_in(staged: Review, review: Review) -> None:
    """Move the staged data/NAME and refs/NAME into place; the old ones go only after both moved.

    A folder that is a symbolic link is replaced as a link (its target is left alone). If a move
    fails, the folders already moved are put back.
    """
    pairs = [(staged.data_dir, review.data_dir), (staged.refs_dir, review.refs_dir)]
    parked: list[tuple[Path, Path]] = []  # (where the old folder went, where it was)
    placed: list[Path] = []
    try:
        for i, (new, final) in enumerate(pairs):
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.is_symlink() or final.exists():
                old = staged.root / f"previous-{i}"
                os.rename(final, old)
                parked.append((old, final))
            os.rename(new, final)
            placed.append(final)
    except OSError:
        for final in placed:  # undo: the new folders back out, the old ones back in
            shutil.rmtree(final, ignore_errors=True)
        for old, final in parked:
            if not (final.is_symlink() or final.exists()):
                os.rename(old, final)
        raise
    for old, _ in parked:
        if old.is_symlink():
            old.unlink()
        else:
            shutil.rmtree(old, ignore_errors=True)


def _read_original(article: Path) -> bytes:
    extract.article_kind(article)
    if not article.is_file():
        raise InputError(Problem(file=str(article), message="article file not found"))
    return article.read_bytes()


def _make_room(review: Review, force: bool) -> None:
    """Refuse to overwrite an existing review unless forced (nothing is deleted here: the old review
    is replaced only when the new one is complete, see :func:`_swap_in`)."""
    existing = [d for d in (review.data_dir, review.refs_dir) if d.exists() or d.is_symlink()]
    if existing and not force:
        raise InputError(Problem(file=review.rel(review.data_dir), field="--name",
                                 message=f"a review named '{review.name}' already exists: choose another "
                                         "--name, or pass --force to replace it (its claims and sources "
                                         "are deleted)"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _write_inputs(review: Review, article: Path, original: bytes, markdown: str, meta: extract.PageMeta,
                  parsed: article_mod.Article, style: str) -> list[Path]:
    copy = review.data_dir / f"article.original{article.suffix.lower()}"
    copy.write_bytes(original)
    return [copy, _write(review.article, markdown),
            _write(review.review_meta, review_yaml(meta, parsed, style, copy.name, article.name))]


# --- the files written -----------------------------------------------------------------------------

def review_yaml(meta: extract.PageMeta, parsed: article_mod.Article, style: str, original: str,
                source_name: str) -> str:
    """The text of ``review.yaml`` for a new review (a comment header, then the title block)."""
    date = iso_date(meta.date)
    data = {
        "article": {
            "title": parsed.title or meta.title,
            "site": meta.site,
            "url": http_url(meta.url),  # a page's javascript: or file: "address" is not kept
            "last_updated": date,
            "author": meta.author,
            "original": original,
            "citation_style": style,
            "reference_list": {"heading": meta.reference_heading, "position": meta.reference_position},
            "non_claim_sections": non_claim_sections(parsed),
        },
        "review": {"reviewed": None, "version": "draft", "reviewers": None},
    }
    header = (f"# The review's title block, written by `evidence-review init` from {source_name}.\n"
              "# Check the values found on the page (site, url, last_updated) and fill in the review.\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def non_claim_sections(parsed: article_mod.Article) -> list[str]:
    """The article's sections that hold no health claims (review.yaml's ``non_claim_sections``)."""
    return [s for s in parsed.sections if s.lower() in NON_CLAIM_SECTIONS]


def sources_scaffold(refs: list[CitedReference], title: str | None, name: str) -> str:
    """``sources.yaml`` with one commented-out placeholder per reference.

    The entries stay commented out because a design and level cannot be guessed: an empty or
    invented value would pass for a judgement. ``evidence-review check`` names every reference
    still without one.
    """
    lines = [f"# Reviewer's judgement of each reference cited in {title or name!r}.",
             "# For each reference: uncomment its block, set its design and CEBM 2011 level (ids in",
             "# data/evidence-levels.yaml), give a one-line rationale and an annotation.",
             f"# `evidence-review check --review {name}` lists the references still missing.",
             "references:"]
    for ref in refs:
        lines += [f'#  "{ref.number}":  # {_clip(ref.printed)}',
                  "#    design: ",
                  '#    cebm_level: ""',
                  "#    rationale: ",
                  "#    annotation: >-",
                  "#      "]
    return "\n".join(lines) + "\n"


def _clip(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


marker_warnings = intake.marker_warnings  # kept for callers of this module


def _report(result: InitResult, parsed: article_mod.Article, progress: Progress) -> None:
    review = result.review
    for path in result.written:
        progress(f"init: wrote {review.rel(path)}")
    kinds = [r.kind for r in result.references]
    progress(f"init: '{parsed.title}': {len(parsed.sections)} sections, {len(parsed.markers())} markers, "
             f"{len(kinds)} references ({kinds.count('web')} web, "
             f"{sum(1 for r in result.references if r.doi_printed)} with a DOI), style {result.style}")
    for warning in result.warnings:
        progress(f"init: warning: {warning}")


# --- Crossref: the seam to the fetch step ----------------------------------------------------------

def fetch_references(review: Review, base_url: str | None = None, mailto: str | None = None,
                     progress: Progress = stderr_progress, europepmc: bool = True,
                     europepmc_url: str | None = None, client=None,
                     cited: list[CitedReference] | None = None) -> int:
    """Resolve the references and write the snapshot, exactly as ``evidence-review fetch`` does
    (``client``: a Crossref client already asked for some of the DOIs, see :class:`EarlyPrefetch`;
    ``cited``: the reference list as :func:`init_review` parsed it, which fetch would read back
    from the article.md just written, the same list)."""
    from evidence_review.records import fetch  # here: it loads the HTTP client and habanero

    progress("init: resolving references through Crossref")
    if client is not None and sys.stderr.isatty():
        client.wait()  # its progress bar ends before fetch prints (off a terminal there is no bar)
    args = Namespace(review=review.name, root=review.root, refresh=False, reconstruct=False,
                     base_url=base_url, mailto=mailto, no_europepmc=not europepmc,
                     europepmc_url=europepmc_url)
    return fetch.run(args, client=client, cited=cited) if client is not None \
        else fetch.run(args, cited=cited)


# A list with fewer printed DOIs than this is one or two requests: fetch asks them as fast itself.
PREFETCH_MIN = 100
FLUSH_EVERY = 2_000  # early answers' work files staged between two flushes to disk


def printed_dois(entries: list[str]) -> list[str]:
    """The valid DOIs printed in a reference list, normalised, sorted, once each (what fetch asks
    Crossref for first), found by the field parser's DOI pattern before the list is parsed."""
    found = set()
    for entry in entries:
        doi = fieldparser.tidy_link(fieldparser.printed_doi(entry))
        if doi and is_valid(key := normalise(doi)):
            found.add(key)
    return sorted(found)


class EarlyPrefetch:
    """Crossref asked for a long list's printed DOIs while the list is parsed, in a thread.

    The parse is CPU work (in worker processes for a long list) and the lookup mostly waiting on
    Crossref's rate limit, so the two overlap. The answers stay with the client (:attr:`client`),
    which the fetch step then uses: it is the client fetch would build (same server, contact and
    cache), asked for the same DOIs, only earlier; a DOI the parse reads differently from the DOI
    pattern is asked when fetch wants it. Nothing is asked for a list of fewer than
    :data:`PREFETCH_MIN` printed DOIs, nor when the options are wrong (fetch then reports them, as
    it does without this).

    With the review's ``name``, the work file of each answer is written as it arrives, into a
    staging folder in the project root that fetch's snapshot completes and moves into place
    (:class:`~evidence_review.records.snapshot.StagedWorks`): this too overlaps the parse and the
    wait on Crossref instead of following them.
    """

    def __init__(self, base_url: str | None, mailto: str | None, name: str | None = None) -> None:
        self.base_url, self.mailto, self.name = base_url, mailto, name
        self.client: EarlyAnswers | None = None

    def start(self, root: Path, entries: list[str], progress: Progress) -> Callable[[], None] | None:
        """Get ready before the parse (no thread yet); returns what starts the thread."""
        if len(entries) < PREFETCH_MIN:
            return None
        from evidence_review.records.crossref import CrossrefClient  # the HTTP stack: only now

        try:
            client = CrossrefClient(base_url=self.base_url, mailto=self.mailto,
                                    cache_dir=Path(root) / ".cache" / "crossref")
        except (InputError, CrossrefError):  # a bad --base-url or --mailto: fetch says so later
            return None
        staged = None
        if self.name is not None:
            review = Review(name=self.name, root=Path(root))
            staged = StagedWorks(review.snapshot_dir, near=review.root / f"init-{review.name}-crossref")
        # found and connected here, before the parse's worker processes take both cores: in the
        # thread, under their load, this took 0.3-1 s before the first request left
        dois = printed_dois(entries)
        if len(dois) >= PREFETCH_MIN:
            client.connect()
        self.client = EarlyAnswers(client, entries, progress, staged=staged, dois=dois)
        return self.client.begin

    def close(self, wait: bool = True) -> None:
        """Close the client's connections, after its thread ended (``wait=False``: at once; the
        thread, a daemon, then fails and ends on its own)."""
        if self.client is not None:
            if wait:
                self.client.wait()
            if self.client.staged_works is not None:  # fetch moved it into place, or it is not wanted
                self.client.staged_works.discard()
            self.client.close()
            self.client = None


class EarlyAnswers:
    """A Crossref client asked, in a thread, for the DOIs printed in ``entries`` (when there are
    :data:`PREFETCH_MIN` or more); ``get_works`` gives those answers and asks the client for any
    other DOI. Everything else is the client's own (its cache, the DOIs it read from the cache,
    its options).

    Answers are handed on as they arrive: when fetch asks (after the parse) while the thread is
    still waiting on Crossref, ``get_works(on_settled=)`` reports the answers already in at once
    and each later batch as it lands, so fetch resolves and writes works during the last
    requests instead of after them. With ``staged``, the work of each answer is staged
    (:meth:`StagedWorks.put_answer <evidence_review.records.snapshot.StagedWorks.put_answer>`)
    in this thread before the answer is handed on; fetch uses it as :attr:`staged_works`.
    """

    def __init__(self, client, entries: list[str], progress: Progress, staged=None,
                 dois: list[str] | None = None) -> None:
        self._client = client
        self.staged_works = staged
        self._dois = dois  # printed_dois(entries), when the caller found them already
        self._answers: dict = {}
        self._arrived = threading.Condition()
        self._thread = threading.Thread(target=self._ask, args=(entries, progress), daemon=True,
                                        name="crossref-early")

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def begin(self) -> None:
        self._thread.start()

    def _ask(self, entries: list[str], progress: Progress) -> None:
        try:
            dois = self._dois if self._dois is not None else printed_dois(entries)
            if len(dois) < PREFETCH_MIN:
                return
            progress(f"init: asking Crossref for the {len(dois)} printed DOIs meanwhile")
            self._keep(self._client.get_works(dois, on_settled=self._keep)
                       if streams(self._client) else self._client.get_works(dois))
            if self.staged_works is not None:
                self.staged_works.flush()  # while fetch resolves, not in its snapshot's write
        except Exception:  # noqa: BLE001 - fetch asks again for what is missing, and reports it
            pass
        finally:
            with self._arrived:
                self._arrived.notify_all()

    def _keep(self, batch: dict) -> None:
        staged = self.staged_works
        if staged is not None:  # before the answers are handed on: fetch finds their files written
            checked = getattr(self._client, "checks_works", False) is True
            for doi, outcome in batch.items():
                if getattr(outcome, "status", None) == "ok" and doi not in self._answers:
                    staged.put_answer(doi, outcome.message, checked)
            # the files reach the disk while later answers are awaited, a few thousand at a time,
            # not all in one syncfs after the last answer (0.4-0.65 s at 10,000 on this machine)
            staged.flush(at_least=FLUSH_EVERY)
        with self._arrived:
            self._answers.update(batch)
            self._arrived.notify_all()

    def wait(self) -> None:
        if self._thread.is_alive():
            self._thread.join()

    def get_works(self, dois, refresh: bool = False, on_settled: Callable[[dict], None] | None = None,
                  ) -> dict:
        wanted = list(dict.fromkeys(normalise(d) for d in dois))
        given: dict = {}
        todo = set() if refresh else set(wanted)
        while todo:
            with self._arrived:
                new = {d: self._answers[d] for d in todo if d in self._answers}
                if not new and self._thread.is_alive():
                    self._arrived.wait(timeout=0.1)
                    continue
            todo -= new.keys()
            given.update(new)
            if new and on_settled is not None:
                on_settled(new)  # in this thread, as the client's own on_settled is called
            if not new and not self._thread.is_alive():
                break
        rest = [d for d in wanted if d not in given]
        if rest:
            self.wait()  # the client is not shared between threads: ask the rest when it is free
            given.update(self._client.get_works(rest, refresh=refresh, on_settled=on_settled)
                         if on_settled is not None else self._client.get_works(rest, refresh=refresh))
        # with every answer given, the thread is not waited for: it may still be writing the last
        # answers into the client's cache, which goes on while fetch writes the snapshot
        return {d: given[d] for d in wanted}

    def query_bibliographic(self, text: str, rows: int = 5) -> list[dict]:
        self.wait()  # the client is not shared between threads
        return self._client.query_bibliographic(text, rows=rows)

    def agency(self, doi: str) -> str | None:
        self.wait()
        return self._client.agency(doi)


def next_steps(result: InitResult, fetched: bool) -> str:
    """The closing hint: what the reviewer does next, in order."""
    name = result.review.name
    data = f"data/{name}"
    steps = [f"read {data}/article.md against the page and fix what extraction got wrong "
             f"(cited.bib and candidates.csv are rebuilt from it)",
             f"split {data}/claims.csv into claims and give each a verdict; fill {data}/sources.yaml"]
    steps.append(f"evidence-review audit --review {name}" if fetched else
                 f"evidence-review fetch --review {name}")
    steps += [f"evidence-review check --review {name}", f"evidence-review build --review {name}"]
    if not (result.review.root / "data" / "evidence-levels.yaml").is_file():
        steps.insert(0, "copy data/evidence-levels.yaml (the evidence scheme) into this project")
    return "next steps:\n" + "\n".join(f"  {i}. {s}" for i, s in enumerate(steps, start=1))
