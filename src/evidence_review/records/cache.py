"""The on-disk cache of Crossref answers: one JSON file per DOI (``<safe name>.json``, or
``<safe name>.404.json`` for a DOI Crossref does not know) in one folder per server under
``.cache/crossref/``, shared by ``fetch``, ``init`` and the site scan.

A cold fetch of 10,000 references writes 10,000 entries and looks up 20,000 names that are not
there. This module keeps that to a few system calls an entry: the folder is listed once (a name
not listed is a miss without a ``stat``; an entry another process writes meanwhile is only asked
again), created once, and each entry is written to a temporary name and renamed over the old one
(readers see the old entry or the new one, never half of one), with the same bytes as before
(``json.dumps(indent=2, sort_keys=True, ensure_ascii=False)`` and a newline, through
:mod:`evidence_review.core.jsontext`).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from evidence_review.core import jsontext
from evidence_review.core.atomic import write_text

__all__ = ["EntryFolder", "entry_text"]

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)


_PID = os.getpid()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: globals().update(_PID=os.getpid()))


def entry_text(obj: Any) -> str:
    """The text of one cache entry."""
    return jsontext.dumps(obj, sort_keys=True) + "\n"


class EntryFolder:
    """One server's folder of cache entries (thread-safe: the client's workers write into it)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._base = os.fspath(self.root)
        self._lock = threading.Lock()
        self._names: set[str] | None = None  # the listing, once taken (None: not yet, or no listing)
        self._listed = False
        self._made = False

    def _listing(self) -> set[str] | None:
        with self._lock:
            if not self._listed:
                self._listed = True
                try:
                    self._names = set(os.listdir(self._base))
                except FileNotFoundError:
                    self._names = set()
                except OSError:
                    self._names = None  # cannot list: ask the file system name by name
            return self._names

    def may_hold(self, name: str) -> bool:
        """False when ``name`` was not in the folder when it was listed (nor written since)."""
        names = self._listing()
        return names is None or name in names

    def write(self, name: str, obj: Any) -> None:
        """Write one entry (temporary file, then rename). Raises OSError as ``open`` would."""
        text = entry_text(obj)
        if not self._made:
            self.root.mkdir(parents=True, exist_ok=True)
            self._made = True
        tmp = f"{self._base}/.{name}.{_PID}-{threading.get_ident()}.tmp"
        try:
            fd = os.open(tmp, _OPEN_FLAGS, 0o666)
        except FileExistsError:  # left by a writer killed mid-write: the slow, careful way
            write_text(self.root / name, text)
        else:
            try:
                try:
                    view = memoryview(text.encode("utf-8"))
                    while view:
                        view = view[os.write(fd, view):]
                finally:
                    os.close(fd)
                os.replace(tmp, f"{self._base}/{name}")
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        self._known(name, True)

    def remove(self, name: str) -> None:
        """Remove an entry if it is there."""
        if not self.may_hold(name):
            return
        try:
            os.unlink(f"{self._base}/{name}")
        except FileNotFoundError:
            pass
        self._known(name, False)

    def _known(self, name: str, present: bool) -> None:
        with self._lock:
            if self._names is not None:
                (self._names.add if present else self._names.discard)(name)
