"""Reading the reviewer's YAML files: one place that turns a broken file into a located Problem.

YAML is read with :class:`SafeLoader`, PyYAML's safe loader that also refuses anchors and aliases
(an "alias bomb" of nested aliases expands a few hundred bytes into gigabytes), and a file larger
than :data:`MAX_BYTES` is refused before it is parsed. Review inputs are small hand-edited files.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from pathlib import Path
from typing import Any

import yaml

from evidence_review.core.errors import InputError, Problem

# The largest input file read (YAML, CSV, JSON snapshot file): far above any review's own files
# (the default review's largest, sources.yaml, is ~20 KB), far below what could exhaust memory.
MAX_BYTES = 5 * 1024 * 1024
Lines = dict[tuple[str, ...], int]


class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses anchors and aliases (no expansion, no alias bombs)."""

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) and anchors (&name) are not allowed in review files: "
                "write the value out",
                event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors (&name) and aliases (*name) are not allowed in review files: "
                "write the value out",
                event.start_mark)
        return super().compose_node(parent, index)


def yaml_problem(exc: yaml.YAMLError, label: str) -> Problem:
    """A YAML syntax error as a Problem naming the file and the 1-based line."""
    mark = getattr(exc, "problem_mark", None)
    return Problem(file=label, row=mark.line + 1 if mark else None,
                   message=f"not valid YAML: {getattr(exc, 'problem', None) or exc}")


def read_bytes_capped(path: Path, label: str, limit: int = MAX_BYTES) -> bytes:
    """A file's bytes; a file over ``limit`` bytes, or one that cannot be read, is an InputError."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(Problem(file=label, message=f"the file is {size:,} bytes; input files "
                                                         f"over {limit:,} bytes are refused"))
        return path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(file=label, message=f"cannot read: {exc.strerror or exc}")) from None


# Parses of this process, by the text's digest: a process reads the same files again and again (each
# session opened reads the evidence scheme, the sources and the review's own files; PyYAML's pure
# Python parser takes ~14 ms for the scheme, a copy of what it made ~0.1 ms). Failures are not kept.
_PARSED: dict[bytes, tuple[Any, Lines]] = {}
_PARSED_MAX = 64
_PARSED_MAX_CHARS = 256 * 1024  # a larger file is parsed each time, not kept
_PARSED_LOCK = threading.Lock()


def parse_yaml(text: str, label: str) -> tuple[Any, Lines]:
    """Parse YAML text safely; returns the data and the 1-based line of every key and list item."""
    key = None
    if len(text) <= _PARSED_MAX_CHARS:
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    kept = _PARSED.get(key) if key is not None else None
    if kept is not None:
        return copy.deepcopy(kept[0]), dict(kept[1])  # the caller's own, as a fresh parse would be
    data, lines = _parse_yaml(text, label)
    if key is not None:
        with _PARSED_LOCK:  # threads of a site's scan read files too
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.pop(next(iter(_PARSED)))  # the oldest
            _PARSED[key] = (copy.deepcopy(data), dict(lines))
    return data, lines


def _parse_yaml(text: str, label: str) -> tuple[Any, Lines]:
    try:
        loader = SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise InputError(yaml_problem(exc, label)) from None
    except RecursionError:
        raise InputError(Problem(file=label, message="not valid YAML: nested too deeply")) from None
    return data, node_lines(node)


def node_lines(node: yaml.Node | None, prefix: tuple[str, ...] = ()) -> Lines:
    """1-based line of every mapping key and sequence item, by its path (keys and indices as text)."""
    found: Lines = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, str(key.value))
            found[path] = key.start_mark.line + 1
            found.update(node_lines(value, path))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            path = (*prefix, str(i))
            found[path] = value.start_mark.line + 1
            found.update(node_lines(value, path))
    return found


def read_yaml_lines(path: Path, label: str, missing: str = "file not found") -> tuple[Any, Lines]:
    """Load a YAML file with the line of every key; missing, too large, not UTF-8 or bad syntax
    raise InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(Problem(file=label, message=missing))
    raw = read_bytes_capped(path, label)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Problem(file=label, message="not UTF-8 text")) from None
    return parse_yaml(text, label)


def read_yaml(path: Path, label: str, missing: str = "file not found") -> Any:
    """Load a YAML file; a missing file, bad encoding or bad syntax raises InputError."""
    return read_yaml_lines(path, label, missing)[0]
