"""Optional modules that cost more to import than they give this package's processes."""

from __future__ import annotations

import sys

__all__ = ["without_iri_grammar"]


def without_iri_grammar() -> None:
    """Keeps jsonschema from loading ``rfc3987_syntax`` (installed with JupyterLab's jupyter-events).

    That module compiles a Lark grammar when it is imported: ~3 s CPU in every process that
    imports nbformat (papermill, nbconvert, nbval; measured 2026-12-01: ``import nbformat,
    papermill, nbconvert`` 4.0 s CPU with it, 0.9 s without). All it serves is jsonschema's "iri"
    format check, which notebook validation never uses; without it jsonschema skips that format.
    Call it before nbformat is first imported; a module already loaded is left alone.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
