"""The Crossref snapshot of one review: raw answers per DOI plus a manifest, committed and dated.

Layout (other modules and the notebooks rely on it)::

    data/<review>/crossref/
        manifest.json                       # what, when, from where, sha256 of every work file
        works/10.5555_xyz.137.json        # {"status": "ok", "message-type": "work", ...}

A work file's name is the normalised DOI with "/" turned into "_" and every other character outside
``[a-z0-9._;()-]`` percent-encoded. Two DOIs differing only by "/" versus "_" would share a name;
the writer refuses such a pair rather than let one overwrite the other.

Writing is all-or-nothing: the new snapshot is built next to the old one and swapped in with one
atomic rename, so a writer killed at any moment leaves either the old snapshot or the new one,
each consistent with its manifest. Loading checks every file against the manifest's sha256.
"""

from __future__ import annotations

import copy
import ctypes
import ctypes.util
import hashlib
import json
import logging
import os
import re
import shutil
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from evidence_review.core import jsontext
from evidence_review.core.errors import InputError, Problem, SnapshotError
from evidence_review.core.gcpause import no_gc_passes
from evidence_review.core.safety import strip_credentials
from evidence_review.core.schemas import CrossrefWork, SnapshotManifest, shape_problems, work_problem
from evidence_review.core.vocab import RESOLVED, STATUSES
from evidence_review.records.doi import normalise

__all__ = ["Snapshot", "StagedWorks", "write_snapshot", "previous_snapshot", "write_tree",
           "read_tree_file", "merge", "stable_message", "safe_name", "dumps", "VOLATILE_FIELDS",
           "REFERENCE_STATUSES", "PROVENANCES"]

log = logging.getLogger(__name__)

SCHEMA = 1
MANIFEST = "manifest.json"
WORKS_DIR = "works"
PROVENANCES = ("reconstructed", "crossref-api")
NOT_YET_RESOLVED = "not-yet-resolved"  # the provenance of Snapshot.unresolved(): nothing asked yet
REFERENCE_STATUSES = STATUSES
# Fields Crossref changes without the work changing: never let them reach what nbval compares.
VOLATILE_FIELDS = ("indexed", "deposited", "is-referenced-by-count", "score", "reference-count",
                   "references-count")
_SAFE = re.compile(r"[a-z0-9._;()-]")
_PLAIN = re.compile(r"[a-z0-9._;()/-]*")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_GOOD = RESOLVED
_WORK_SHAPE = CrossrefWork.__pydantic_validator__.validate_python  # what work_problem checks


def safe_name(doi: str) -> str:
    """The file stem of a DOI: normalised, "/" → "_", anything else unusual percent-encoded.

    >>> safe_name("https://doi.org/10.5555/XYZ.137")
    '10.5555_xyz.137'
    >>> safe_name("10.1002/(SICI)1097-4636(199706)35:4<1::AID>3.0.CO;2-X")
    '10.1002_(sici)1097-4636(199706)35%3A4%3C1%3A%3Aaid%3E3.0.co;2-x'
    """
    doi = normalise(doi)
    if _PLAIN.fullmatch(doi):  # the usual case: nothing to encode
        return doi.replace("/", "_")
    out = []
    for char in doi:
        if char == "/":
            out.append("_")
        elif _SAFE.fullmatch(char):
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def stable_message(message: Mapping[str, Any]) -> dict:
    """A copy of a work message without the fields that change on every Crossref run."""
    return {k: _copy_json(v) for k, v in message.items() if k not in VOLATILE_FIELDS}


def _copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars): ~5x faster than ``copy.deepcopy``,
    which a 10,000-work snapshot otherwise spends seconds in; anything else goes to deepcopy."""
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return copy.deepcopy(value)


def work_envelope(message: Mapping[str, Any], version: str = "1.0.0") -> dict:
    """Wrap a work message the way ``/works/{doi}`` does."""
    return {"status": "ok", "message-type": "work", "message-version": version,
            "message": dict(message)}


@dataclass
class Snapshot:
    """A loaded, verified snapshot (use :meth:`load`)."""

    directory: Path
    manifest: dict
    _works: dict[str, dict] = field(repr=False)
    # works whose file was read and matched its sha256 but is parsed and checked when first asked
    # for (:meth:`load` with ``lazy``): normalised DOI -> (manifest key, manifest entry, bytes)
    _pending: dict[str, tuple[str, dict, bytes]] = field(default_factory=dict, repr=False)
    _as_stored: bool = field(default=False, repr=False)  # manifest == manifest.json's content

    @classmethod
    def load(cls, directory: str | os.PathLike, *, lazy: bool = False) -> Snapshot:
        """Read a snapshot and check every work file against the manifest.

        With ``lazy``, every file is still read and checked against its sha256 now, but each is
        parsed and checked for shape only when :meth:`work` or :meth:`works` first asks for it
        (a ``fetch`` that keeps its works writes them back without reading them).

        Raises
        ------
        SnapshotError
            Naming the file, when the manifest or a work file is missing, not JSON, not a work
            envelope for its DOI, or does not match the sha256 recorded in the manifest (with
            ``lazy``, the last three when the work is first asked for).
        """
        directory = Path(directory)
        manifest = _read_manifest(directory)
        as_stored = True
        if isinstance(manifest.get("base_url"), str):  # an older manifest may still hold a password
            as_stored = strip_credentials(manifest["base_url"]) == manifest["base_url"]
            manifest["base_url"] = strip_credentials(manifest["base_url"])
        works: dict[str, dict] = {}
        pending: dict[str, tuple[str, dict, bytes]] = {}
        base = os.fspath(directory)
        with no_gc_passes():  # 10,000 small records
            for doi, entry in manifest["works"].items():
                data = _verified_bytes(directory, doi, entry, base)
                if lazy:
                    pending[normalise(doi)] = (doi, entry, data)
                else:
                    works[normalise(doi)] = _parse_work(directory, doi, entry, data)
        return cls(directory=directory, manifest=manifest, _works=works, _pending=pending,
                   _as_stored=as_stored)

    @classmethod
    def unresolved(cls, directory: str | os.PathLike) -> Snapshot:
        """The snapshot of a review whose references were never resolved (``init --no-fetch`` or a
        failed fetch): no records, provenance ``not-yet-resolved``; the audit says so per reference.
        """
        return cls(directory=Path(directory), _works={}, manifest={
            "schema": SCHEMA, "provenance": NOT_YET_RESOLVED, "retrieved": None, "references": {},
            "works": {}, "base_url": None, "client": None,
            "note": "The references have not been resolved yet: run `evidence-review fetch`."})

    @classmethod
    def load_or_unresolved(cls, directory: str | os.PathLike) -> Snapshot:
        """:meth:`load`, or :meth:`unresolved` when no snapshot was ever written (a crash-parked
        previous snapshot or a corrupt one still raises)."""
        directory = Path(directory)
        parked = list(directory.parent.glob(f".{directory.name}.previous-*"))
        if not (directory / MANIFEST).is_file() and not parked:
            return cls.unresolved(directory)
        return cls.load(directory)

    @property
    def is_resolved(self) -> bool:
        return self.provenance != NOT_YET_RESOLVED

    @property
    def provenance(self) -> str:
        return self.manifest["provenance"]

    @property
    def retrieved(self) -> str:
        return self.manifest["retrieved"]

    @property
    def references(self) -> dict[str, dict]:
        return self.manifest["references"]

    def work(self, doi: str) -> dict | None:
        """The work message of a DOI (any printed form), or None."""
        key = normalise(doi)
        if key in self._pending:
            self._parse(key)
        return self._works.get(key)

    def works(self) -> dict[str, dict]:
        """Every work message, keyed by normalised DOI."""
        for key in list(self._pending):
            self._parse(key)
        return dict(self._works)

    def holds(self, doi: str) -> bool:
        """Whether the snapshot has a work for this DOI (without reading it)."""
        key = normalise(doi)
        return key in self._works or key in self._pending

    def _parse(self, key: str) -> None:
        doi, entry, data = self._pending[key]
        self._works[key] = _parse_work(self.directory, doi, entry, data)
        del self._pending[key]

    def _stored(self, key: str) -> bytes:
        """The bytes of a work's file as verified when loaded (read again, and checked, if parsed)."""
        if key in self._pending:
            return self._pending[key][2]
        entry = self.manifest["works"][key]
        return _verified_bytes(self.directory, key, entry, os.fspath(self.directory))


def merge(previous: Snapshot | None, works: Mapping[str, dict],
          references: Mapping[str, dict]) -> tuple[dict[str, dict], dict[str, dict], list[str]]:
    """Keep the previous good record of every reference whose refresh failed.

    A reference now in status ``error`` that was ``matched`` or ``repaired`` in ``previous``
    gets its old entry and work back, with a reason saying so.

    Returns
    -------
    works, references, kept
        The merged works and references, and the reference numbers kept from ``previous``.
    """
    works = {normalise(k): v for k, v in works.items()}
    references = {str(k): dict(v) for k, v in references.items()}
    kept: list[str] = []
    if previous is None:
        return works, references, kept
    for number, ref in references.items():
        old = previous.references.get(number)
        if ref.get("status") != "error" or not old or old.get("status") not in _GOOD:
            continue
        message = previous.work(old["doi"]) if old.get("doi") else None
        if message is None:
            continue
        works.setdefault(normalise(old["doi"]), message)
        why = (ref.get("reason") or "no reason given").rstrip(".")
        references[number] = {**old, "reason": f"Refresh failed ({why}); kept the record "
                                                 f"retrieved {previous.retrieved}."}
        kept.append(number)
    return works, references, kept


def write_snapshot(directory: str | os.PathLike, works: Mapping[str, dict],
                   references: Mapping[str, dict], *, provenance: str, retrieved: str,
                   base_url: str, client: str, note: str = "", review: str | None = None,
                   mailto_used: bool = False, keep_previous: bool = True,
                   previous: Snapshot | None = None,
                   from_cache: list[str] | None = None,
                   staged: StagedWorks | None = None,
                   carried: Iterable[str] = ()) -> Snapshot:
    """Write a snapshot atomically: all of it, or (if interrupted) none of it.

    Parameters
    ----------
    directory : path
        ``data/<review>/crossref``.
    works : mapping of DOI to work message
        Every message must be a dict whose ``DOI`` normalises to its key.
    references : mapping of reference number to entry
        ``{"status", "doi", "doi_cited", "reason"}`` per reference of the article.
    provenance : {"reconstructed", "crossref-api"}
    retrieved : str
        ``YYYY-MM-DD``.
    base_url, client : str
        Where the answers came from and what asked (no credentials).
    note : str
        Free text for the manifest.
    review : str, optional
        Review name; default: the name of ``directory``'s parent.
    mailto_used : bool
        Whether the polite-pool contact address was sent.
    keep_previous : bool
        Keep the previous good record of references whose refresh failed (see :func:`merge`).
    previous : Snapshot, optional
        The snapshot now in ``directory`` when the caller has already loaded it (not read again).
    from_cache : list of str, optional
        DOIs whose answers came from the local cache rather than from the server just now;
        recorded in the manifest as ``from_cache`` (left out when None).
    staged : StagedWorks, optional
        Work files already written (while the rest was still being fetched) into the staging
        folder this write completes; a staged file is used for the work it was written for when
        that work is still the same object, else it is rewritten or removed.

    carried : iterable of str, optional
        DOIs whose work is ``previous``'s, carried over as stored (hard-linked, not read again);
        a DOI also in ``works`` takes the work given there.

    When every work is the one already on disk (same DOIs, same messages, the same files and no
    other in ``works/``), only ``manifest.json`` is replaced (written beside it, then renamed
    over it: still all-or-nothing), and not at all when its bytes would not change.

    Returns
    -------
    Snapshot
        The snapshot as written (what was written, not read back: the bytes hashed are the bytes
        written).
    """
    directory = Path(directory)
    _check_header(provenance, retrieved)
    if previous is None or Path(previous.directory) != directory:
        previous = _previous(directory)
    unchanged = previous
    previous = previous if keep_previous else None
    works, references, kept = merge(previous, works, references)
    carried = {normalise(d) for d in carried} - set(works)
    if carried and (unchanged is None or not all(unchanged.holds(d) for d in carried)):
        raise SnapshotError(f"{directory}: works carried over from a previous snapshot that does "
                            "not hold them")
    _check_works(works, _checked(works, unchanged, staged))
    _check_references(references)
    if kept:
        note = (note + " " if note else "") + (
            f"Refresh failed for reference(s) {', '.join(kept)}; their previous records were kept.")
    manifest = {"schema": SCHEMA, "review": review or directory.parent.name,
                "provenance": provenance, "retrieved": retrieved,
                "base_url": strip_credentials(base_url), "client": client,
                "mailto_used": bool(mailto_used), "note": note, "works": {}, "references": references}
    if from_cache is not None:
        manifest["from_cache"] = sorted({normalise(d) for d in from_cache})
    try:
        if _same_works(directory, works, unchanged, carried) and not (staged and staged.entries):
            if staged is not None:
                staged.discard()
            _clear_dead_writers(directory)
            _replace_manifest(directory, set(works) | carried, manifest, unchanged)
            return _written(directory, manifest, works, unchanged, carried)
        if staged is not None and staged.failed is not None:
            raise staged.failed
        staging = staged.staging if staged is not None and staged.staging is not None \
            else _fresh_sibling(directory, "staging")
        if staged is not None:
            staged.staging = None  # from here on this write owns (and removes) the folder
        try:
            _build(staging, works, manifest, unchanged, staged, carried)
            _carry_over_extras(directory, staging)
            _swap_in(staging, directory)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # after a swap this is the old snapshot
    except OSError as exc:  # read-only folder, full disk, size limit: the old snapshot is whole
        where = exc.filename or directory
        raise InputError(Problem(file=str(where), message=f"cannot write the snapshot: "
                                 f"{exc.strerror or exc} (the previous snapshot is unchanged)")) from None
    return _written(directory, manifest, works, unchanged, carried)


def _written(directory: Path, manifest: dict, works: dict[str, dict], previous: Snapshot | None,
             carried: set[str]) -> Snapshot:
    """The snapshot as written: the works given, and those carried over as ``previous`` holds them
    (still unread if it had not read them)."""
    works = dict(works)
    pending = {}
    for doi in carried:
        if doi in previous._pending:
            pending[doi] = previous._pending[doi]
        else:
            works[doi] = previous._works[doi]
    return Snapshot(directory=directory, manifest=manifest, _works=works, _pending=pending)


def write_tree(directory: str | os.PathLike, files: Mapping[str, bytes], manifest: dict) -> dict:
    """Write a folder of files plus ``manifest.json`` atomically, the way the snapshot is written.

    Used for any other part of a review's snapshot (the Europe PMC source texts): every file is
    written into a hidden sibling directory, its sha256 recorded under ``manifest["files"]``, the
    manifest written last, and the whole folder swapped in with one atomic rename.

    Parameters
    ----------
    directory : path
        The folder to (re)place, e.g. ``data/<review>/europepmc``.
    files : mapping of relative path to bytes
        Relative POSIX paths inside ``directory`` (no ``..``, not ``manifest.json``).
    manifest : dict
        Written as ``manifest.json`` with ``files`` added: ``{path: {"sha256": ...}}``.

    Returns
    -------
    dict
        The manifest as written.
    """
    directory = Path(directory)
    manifest = {**manifest, "files": {}}
    staging = _fresh_sibling(directory, "staging")
    try:
        staging.mkdir(parents=True)
        for rel in sorted(files):
            parts = Path(rel).parts
            if not parts or ".." in parts or Path(rel).is_absolute() or rel == MANIFEST:
                raise SnapshotError(f"{directory}: refusing to write {rel!r}")
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_durably(path, files[rel])
            manifest["files"][rel] = {"sha256": hashlib.sha256(files[rel]).hexdigest()}
        tmp = staging / f".{MANIFEST}.tmp"
        _write_durably(tmp, _dumps(manifest))
        os.replace(tmp, staging / MANIFEST)
        _fsync_dir(staging)
        _swap_in(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def read_tree_file(directory: str | os.PathLike, manifest: Mapping[str, Any], rel: str) -> bytes:
    """One file of a folder written by :func:`write_tree`, checked against its manifest sha256.

    Raises
    ------
    SnapshotError
        Naming the file, when it is not listed, lies outside the folder, is missing or was edited.
    """
    directory = Path(directory)
    entry = (manifest.get("files") or {}).get(rel)
    if entry is None or ".." in Path(rel).parts:
        raise SnapshotError(f"{directory / MANIFEST}: lists no file {rel!r}")
    path = directory / rel
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{path}: missing ({exc.strerror})") from exc
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise SnapshotError(f"{path}: contents do not match the sha256 in {MANIFEST}; restore it "
                            "from git or re-run `evidence-review fetch --refresh`")
    return data


def dumps(obj: Any) -> bytes:
    """JSON as the snapshot writes it: sorted keys, two-space indent, UTF-8, final newline."""
    return _dumps(obj)


# ---- writing ------------------------------------------------------------------------------------
def _build(staging: Path, works: dict[str, dict], manifest: dict,
           previous: Snapshot | None = None, staged: StagedWorks | None = None,
           carried: set[str] = frozenset()) -> None:
    """Write every work file, then the manifest (temp file + os.replace), into ``staging``.

    A work whose message equals the one in ``previous`` (verified against its sha256 when loaded)
    is hard-linked from there rather than serialised again; one already ``staged`` for the same
    message is kept as written. Everything written reaches the disk before the manifest is (one
    ``syncfs`` for the lot where Linux has it, else one ``fsync`` per file): a crash can lose the
    new snapshot but never leave a manifest naming unwritten files.
    """
    (staging / WORKS_DIR).mkdir(parents=True, exist_ok=True)
    owners: dict[str, str] = {}
    written: list[Path] = []
    ahead = staged.entries if staged is not None else {}
    for doi in sorted(set(works) | carried):
        rel = f"{WORKS_DIR}/{safe_name(doi)}.json"
        if owners.setdefault(rel, doi) != doi:
            raise SnapshotError(f"{doi} and {owners[rel]} would share the file {rel}")
        if doi in carried:
            entry, fresh = _carry(staging, doi, previous, rel)
            manifest["works"][doi] = entry
            if fresh:
                written.append(staging / rel)
            continue
        early = ahead.get(doi)
        if early is not None and early[0] is works[doi]:
            manifest["works"][doi] = early[1]
            if early[2] and doi not in staged.durable:
                written.append(staging / rel)
            continue
        entry, fresh = _stage(staging, doi, works[doi], previous, rel)
        manifest["works"][doi] = entry
        if fresh:
            written.append(staging / rel)
    for doi, (_message, entry, _fresh) in ahead.items():  # staged, then dropped or replaced
        if manifest["works"].get(doi) is not entry and owners.get(entry["file"]) != doi:
            (staging / entry["file"]).unlink(missing_ok=True)
    _sync_files(staging, written)
    _fsync_dir(staging / WORKS_DIR)
    tmp = staging / f".{MANIFEST}.tmp"
    _write_durably(tmp, _dumps(manifest))
    os.replace(tmp, staging / MANIFEST)
    _fsync_dir(staging)


def _stage(staging: Path, doi: str, message: dict, previous: Snapshot | None,
           rel: str | None = None) -> tuple[dict, bool]:
    """Put one work file into ``staging``: a hard link to the previous snapshot's file when the
    message is unchanged, else the file written. Returns its manifest entry and whether it was
    written (to be flushed)."""
    rel = rel or f"{WORKS_DIR}/{safe_name(doi)}.json"
    old = previous.manifest["works"].get(doi) if previous is not None else None
    if (old is not None and old.get("file") == rel and previous.work(doi) == message
            and _link(previous.directory / rel, staging / rel)):
        return {"file": rel, "sha256": old["sha256"]}, False
    data = _dumps(work_envelope(message))
    _write_work(staging / rel, data)
    return {"file": rel, "sha256": hashlib.sha256(data).hexdigest()}, True


def _carry(staging: Path, doi: str, previous: Snapshot, rel: str) -> tuple[dict, bool]:
    """A work carried over from ``previous`` as stored: its file hard-linked (or, where links
    fail, its verified bytes written again), its manifest entry unchanged."""
    old = previous.manifest["works"][doi]
    if old.get("file") == rel and _link(previous.directory / rel, staging / rel):
        return {"file": rel, "sha256": old["sha256"]}, False
    data = previous._stored(doi)
    _write_work(staging / rel, data)
    return {"file": rel, "sha256": hashlib.sha256(data).hexdigest()}, True


class StagedWorks:
    """Work files written into a snapshot's staging folder before the snapshot is, while the rest
    of the references are still being fetched (``fetch`` overlaps this local work with the
    network wait). :func:`write_snapshot` completes the folder (``staged=``) or, if the fetch
    fails first, :meth:`discard` removes it; the snapshot in place is untouched either way.

    A work that is not a valid Crossref work is not staged (the writer refuses it later, as it
    would have); a write that fails (read-only folder, full disk) stops the staging, and the
    writer reports it.

    ``near``: the staging folder is made next to this path instead of next to ``directory``
    (``init`` stages works while the review's own folder does not exist yet; the folder is moved
    into place by the snapshot's swap, so it must be on the same file system). Works may be put
    from two threads (``init`` stages answers in the thread that asks for them); after
    :meth:`discard`, nothing more is staged.
    """

    def __init__(self, directory: str | os.PathLike, previous: Snapshot | None = None,
                 near: str | os.PathLike | None = None):
        self.directory = Path(directory)
        self.previous = previous
        self.near = Path(near) if near is not None else self.directory
        self.staging: Path | None = None
        self.entries: dict[str, tuple[dict, dict, bool]] = {}  # doi -> (message, entry, written)
        self.failed: OSError | None = None
        self._owners: dict[str, str] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.durable: set[str] = set()  # DOIs whose staged file reached the disk (flush)
        self._unflushed = 0  # files written since the last flush
        # id(answer's message) -> (that message, the stored copy staged for it): see stable()
        self._copies: dict[int, tuple[dict, dict]] = {}

    def put(self, doi: str, message: dict, checked: bool = False) -> None:
        """Write the file of one work (normalised DOI and its message, as it will be stored).

        ``checked``: the message has the shape of a Crossref work already (the client checked the
        answer it came from); otherwise it is checked here.
        """
        doi = normalise(doi)
        with self._lock:
            self._put(doi, message, checked)

    def _put(self, doi: str, message: dict, checked: bool) -> bool:
        if self._closed or self.failed is not None or doi in self.entries or not isinstance(message, dict):
            return False
        if normalise(str(message.get("DOI", ""))) != doi or (not checked and work_problem(message)):
            return False  # left to write_snapshot, which refuses it with its reason
        rel = f"{WORKS_DIR}/{safe_name(doi)}.json"
        if self._owners.setdefault(rel, doi) != doi:
            return False  # two DOIs, one file name: write_snapshot refuses the pair
        try:
            if self.staging is None:
                self.staging = _fresh_sibling(self.near, "staging")
                (self.staging / WORKS_DIR).mkdir(parents=True)
            entry, written = _stage(self.staging, doi, message, self.previous, rel)
        except OSError as exc:
            self.failed = exc
            return False
        self.entries[doi] = (message, entry, written)
        self._unflushed += written
        return True

    def put_answer(self, doi: str, answer: dict, checked: bool = False) -> None:
        """Stage the work of a Crossref answer's message as it will be stored (without its
        volatile fields) before anyone resolved a reference to it: :meth:`stable` then gives
        that same copy for this answer, so the file written here is the one the snapshot keeps
        (a work never accepted is removed by :func:`write_snapshot`)."""
        doi = normalise(doi)
        with self._lock:
            if self._closed or id(answer) in self._copies or doi in self.entries \
                    or not isinstance(answer, dict):
                return
            copy_ = stable_message(answer)
            if self._put(doi, copy_, checked):
                self._copies[id(answer)] = (answer, copy_)

    def stable(self, message: Mapping[str, Any]) -> dict:
        """:func:`stable_message` of an answer's message: the copy staged for it by
        :meth:`put_answer` if there is one (the same object, so its file is kept), else a new one."""
        hit = self._copies.get(id(message))
        if hit is not None and hit[0] is message:
            return hit[1]
        return stable_message(message)

    def flush(self, at_least: int = 1) -> None:
        """Make the files staged so far reach the disk now (one ``syncfs``, where Linux has it),
        so that :func:`write_snapshot` need not wait for them (``init`` flushes its early answers'
        works as they arrive and after the last one, while the references are resolved). Files
        staged later are flushed by the writer, as without this. ``at_least``: only when that
        many files were staged since the last flush."""
        with self._lock:
            staging = self.staging
            if self._closed or staging is None or self._unflushed < max(1, at_least):
                return
            self._unflushed = 0
            done = [doi for doi, entry in self.entries.items() if entry[2] and doi not in self.durable]
        if done and _syncfs(staging):  # outside the lock: put() may go on meanwhile
            with self._lock:
                if self.staging is staging:
                    self.durable.update(done)

    def discard(self) -> None:
        """Remove the staging folder (the fetch failed, or nothing needed writing); nothing is
        staged after this."""
        with self._lock:
            self._closed = True
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
                self.staging = None
            self.entries.clear()
            self._copies.clear()
            self.durable.clear()


def _checked(works: Mapping[str, Any], previous: Snapshot | None,
             staged: StagedWorks | None) -> set[int]:
    """Ids of the messages already checked: loaded (and verified) from ``previous`` or staged."""
    ids = set()
    if previous is not None:
        ids.update(id(m) for m in previous._works.values())
    if staged is not None:
        ids.update(id(e[0]) for e in staged.entries.values())
    return ids


def _same_works(directory: Path, works: Mapping[str, dict], previous: Snapshot | None,
                carried: set[str] = frozenset()) -> bool:
    """Whether the works to write are exactly the ones on disk: same DOIs and messages (or carried
    over), each in its own file, and ``works/`` holding nothing else (then only the manifest needs
    writing)."""
    if previous is None or Path(previous.directory) != directory:
        return False
    old = previous.manifest["works"]
    if len(old) != len(works) + len(carried) or set(old) != set(works) | carried:
        return False
    for doi in old:
        if old[doi].get("file") != f"{WORKS_DIR}/{safe_name(doi)}.json":
            return False
    for doi, message in works.items():
        if previous.work(doi) != message:
            return False
    try:
        names = os.listdir(directory / WORKS_DIR)
    except OSError:
        return False
    return len(names) == len(old) and set(names) == {e["file"][len(WORKS_DIR) + 1:] for e in old.values()}


def _replace_manifest(directory: Path, works: Iterable[str], manifest: dict,
                      previous: Snapshot) -> None:
    """The manifest of a snapshot whose work files stay as they are: written next to the old one
    and renamed over it (one atomic step), unless it would be byte for byte the same."""
    old = previous.manifest["works"]
    for doi in sorted(works):
        manifest["works"][doi] = {"file": old[doi]["file"], "sha256": old[doi]["sha256"]}
    path = directory / MANIFEST
    if previous._as_stored and previous.manifest == manifest:
        return  # the manifest on disk says the same already
    data = _dumps(manifest)
    for old_tmp in directory.glob(f".{MANIFEST}.tmp-*"):  # left by a writer killed mid-write
        pid = old_tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            old_tmp.unlink(missing_ok=True)
    tmp = directory / f".{MANIFEST}.tmp-{os.getpid()}"
    try:
        _write_durably(tmp, data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(directory)


def _link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def _sync_files(staging: Path, paths: list[Path]) -> None:
    """Flush the files just written to disk: one syncfs(2) of their file system, or fsync each."""
    if not paths:
        return
    if _syncfs(staging):
        return
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _syncfs(path: Path) -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        return syncfs(fd) == 0
    finally:
        os.close(fd)


def _swap_in(staging: Path, directory: Path) -> None:
    """Make ``staging`` the snapshot in one step; ``staging`` then holds the old one (if any)."""
    if not directory.exists():
        os.rename(staging, directory)
    elif not _exchange(staging, directory):
        # No atomic exchange on this system: two renames, with a short window in which the old
        # snapshot sits under a hidden name (Snapshot.load points there if a crash hits it).
        parked = _fresh_sibling(directory, "previous")
        os.rename(directory, parked)
        os.rename(staging, directory)
        shutil.rmtree(parked, ignore_errors=True)
    _fsync_dir(directory.parent)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    log.debug("renameat2 exchange unavailable: %s", os.strerror(ctypes.get_errno()))
    return False


def _fresh_sibling(directory: Path, purpose: str) -> Path:
    """A hidden working directory next to ``directory``; leftovers of dead writers are removed."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    _clear_dead_writers(directory)
    path = directory.parent / f".{directory.name}.{purpose}-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    return path


def _clear_dead_writers(directory: Path) -> None:
    """Remove the staging folders that writers killed before their swap left next to ``directory``."""
    for old in directory.parent.glob(f".{directory.name}.*-*"):
        pid = old.name.rsplit("-", 1)[-1]
        if old.name.endswith(f".staging-{pid}") and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def _carry_over_extras(directory: Path, staging: Path) -> None:
    """Keep files a person put next to the snapshot (a README, say)."""
    if not directory.is_dir():
        return
    for item in directory.iterdir():
        if item.name in (MANIFEST, WORKS_DIR) or item.name.startswith("."):
            continue
        if item.is_dir():
            shutil.copytree(item, staging / item.name)
        else:
            shutil.copy2(item, staging / item.name)


def previous_snapshot(directory: str | os.PathLike) -> Snapshot | None:
    """The snapshot now in ``directory`` for a writer to build on: None when there is none, or
    when it is unreadable (logged: it will be replaced)."""
    return _previous(Path(directory))


def _previous(directory: Path) -> Snapshot | None:
    if not (directory / MANIFEST).exists():
        return None
    try:
        return Snapshot.load(directory)
    except SnapshotError as exc:
        log.warning("The previous snapshot is unreadable and will be replaced: %s", exc)
        return None


def _dumps(obj: Any) -> bytes:
    return (jsontext.dumps(obj, sort_keys=True) + "\n").encode("utf-8")


def _write_work(path: Path, data: bytes) -> None:
    """One work file (made durable by :func:`_sync_files` with the others, before the manifest):
    open, write, close and nothing else (no buffer, no terminal check, no seek)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename is still atomic
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---- validation ---------------------------------------------------------------------------------
def _check_header(provenance: str, retrieved: str) -> None:
    if provenance not in PROVENANCES:
        raise SnapshotError(f"provenance must be one of {', '.join(PROVENANCES)}, "
                            f"not {provenance!r}")
    if not _DATE.match(retrieved):
        raise SnapshotError(f"retrieved must be a date like 2026-05-09, not {retrieved!r}")


def _check_works(works: Mapping[str, Any], checked: set[int] = frozenset()) -> None:
    """Refuse a work that is not a dict, not filed under its own DOI, or not a Crossref work's
    shape; messages whose id is in ``checked`` passed the shape check already (loaded or staged)."""
    for doi, message in works.items():
        if not isinstance(message, dict):
            raise SnapshotError(f"the record for {doi} is not a work message (a dict)")
        if normalise(str(message.get("DOI", ""))) != normalise(doi):
            raise SnapshotError(f"the record filed under {doi} is for DOI "
                                f"{message.get('DOI')!r}")
        problem = None if id(message) in checked else work_problem(message)
        if problem:
            raise SnapshotError(f"the record for {doi} is not a Crossref work: {problem}")


def _check_references(references: Mapping[str, Any]) -> None:
    for number, ref in references.items():
        status = ref.get("status") if isinstance(ref, dict) else None
        if status not in REFERENCE_STATUSES:
            raise SnapshotError(f"reference {number}: status must be one of "
                                f"{', '.join(REFERENCE_STATUSES)}, not {status!r}")


# ---- reading ------------------------------------------------------------------------------------
def _read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.is_file():
        parked = sorted(directory.parent.glob(f".{directory.name}.previous-*"))
        hint = (f"; an interrupted write left the previous snapshot in {parked[0]}: rename it "
                f"back to {directory.name}" if parked else "; run `evidence-review fetch`")
        raise SnapshotError(f"{path}: no snapshot manifest{hint}")
    try:
        manifest = _json(_read_bytes(os.fspath(path)), utf8=True)
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"{path}: not readable JSON ({exc})") from exc
    missing = [k for k in ("schema", "provenance", "retrieved", "works", "references")
               if not isinstance(manifest, dict) or k not in manifest]
    if missing:
        raise SnapshotError(f"{path}: not a snapshot manifest (missing {', '.join(missing)})")
    if manifest["schema"] != SCHEMA:
        raise SnapshotError(f"{path}: schema {manifest['schema']!r}, this version reads {SCHEMA}")
    problems = shape_problems(SnapshotManifest, manifest, str(path))
    if problems:
        raise SnapshotError("; ".join(str(p) for p in problems[:5])
                            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    return manifest


def _read_work(directory: Path, doi: str, entry: Mapping[str, Any], base: str | None = None) -> dict:
    """One work file, checked (see :func:`_verified_bytes` and :func:`_parse_work`)."""
    return _parse_work(directory, doi, entry, _verified_bytes(directory, doi, entry, base))


def _verified_bytes(directory: Path, doi: str, entry: Mapping[str, Any], base: str | None = None) -> bytes:
    """The bytes of one work file: inside works/, present, matching its sha256. Read with plain
    ``os`` calls on a string path (10,000 of these are much of what ``audit`` and a warm
    ``fetch`` spend on the snapshot)."""
    rel = entry.get("file", "")
    rel = rel if isinstance(rel, str) else str(rel)
    if not rel.startswith(f"{WORKS_DIR}/") or ".." in rel.split("/"):  # Path(rel).parts, cheaper
        raise SnapshotError(f"{directory / MANIFEST}: work file {rel!r} for {doi} lies outside "
                            f"{WORKS_DIR}/")
    try:
        data = _read_bytes(f"{base or os.fspath(directory)}/{rel}")
    except OSError as exc:
        raise SnapshotError(f"{directory / rel}: missing work file for {doi} ({exc.strerror})") from exc
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise SnapshotError(f"{directory / rel}: contents do not match the sha256 in {MANIFEST} "
                            "(edited by hand or written by an interrupted fetch); restore it from "
                            "git or re-run `evidence-review fetch --refresh`")
    return data


def _parse_work(directory: Path, doi: str, entry: Mapping[str, Any], data: bytes) -> dict:
    """The message of a work file's bytes: JSON, a work envelope for ``doi``, a Crossref work."""
    rel = entry.get("file", "")
    try:
        body = _json(data)
    except ValueError as exc:
        raise SnapshotError(f"{directory / rel}: not JSON ({exc})") from exc
    message = body.get("message") if isinstance(body, dict) else None
    if not (isinstance(body, dict) and body.get("status") == "ok"
            and body.get("message-type") == "work" and isinstance(message, dict)):
        raise SnapshotError(f"{directory / rel}: not a Crossref work envelope")
    if normalise(str(message.get("DOI", ""))) != normalise(doi):
        raise SnapshotError(f"{directory / rel}: holds DOI {message.get('DOI')!r}, manifest says {doi}")
    try:
        _WORK_SHAPE(message)
    except ValidationError:
        raise SnapshotError(f"{directory / rel}: not a Crossref work record: "
                            f"{work_problem(message)}") from None
    return message


def _json(data: bytes, utf8: bool = False) -> Any:
    """``json.loads(data)`` (``json.loads(data.decode("utf-8"))`` with ``utf8``), through
    pydantic-core's parser (about twice as fast on 10,000 small files); anything it refuses (a
    byte-order mark, a lone surrogate escape) goes to the standard library, so what loads and what
    is refused, and why, stay the standard library's."""
    try:
        return from_json(data)
    except ValueError:
        return json.loads(data.decode("utf-8") if utf8 else data)


def _read_bytes(path: str) -> bytes:
    """A whole file, with the fewest system calls (open, fstat, read, close)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) > size:  # the file grew since fstat: read to the end, as read_bytes would
            chunks = [data]
            while chunk := os.read(fd, 1 << 16):
                chunks.append(chunk)
            data = b"".join(chunks)
        return data
    finally:
        os.close(fd)
