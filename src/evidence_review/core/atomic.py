"""Atomic writes: a file is written to a temporary sibling and renamed over the target, so a reader
(or a crash) never sees half a file and the previous version stays whole until the new one is."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from evidence_review.core.errors import InputError, Problem


def write_bytes(path: Path | str, data: bytes, *, fsync: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; a failure is one :class:`InputError` naming the path.

    ``fsync`` forces the bytes to disk before the rename (for files a crash must not lose; the
    rename alone already guarantees old-or-new).
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(Problem(file=str(path), message="is a folder, not a file: name a file to write"))
    if not path.parent.is_dir():
        raise InputError(Problem(file=str(path), message=f"cannot write: the folder {path.parent} "
                                                         "does not exist"))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        # mkstemp makes the file 0600; keep the old file's mode, else what a plain open() would give
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise InputError(Problem(file=str(path), message=f"cannot write: {exc.strerror or exc}")) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path


def write_text(path: Path | str, text: str, *, fsync: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"), fsync=fsync)


def write_if_changed(path: Path | str, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds it (keeps a git tree clean)."""
    path = Path(path)
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    write_bytes(path, data)
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
