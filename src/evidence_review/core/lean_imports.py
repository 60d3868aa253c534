"""Optional modules that cost more to import than they give this package's processes."""

from __future__ import annotations

import sys

__all__ = ["without_iri_grammar", "without_unused_format_checkers"]

# jsonschema's optional checkers of string formats ("uri", "date-time", "duration", "color", ...):
# it imports each module it finds when jsonschema is first imported. nbformat validates notebooks
# without a format checker (its schemas name no format), and nothing else in a build process asks
# jsonschema for one, so a build pays for them and never uses them: ~0.07 s of CPU in every process
# that imports nbformat (measured 2026-12-01 at load ~6: `import nbformat` 0.29 s → 0.23 s), most
# of it rfc3986-validator compiling its grammar and isoduration importing arrow.
FORMAT_CHECKER_MODULES = ("rfc3986_validator", "rfc3339_validator", "isoduration", "uri_template",
                          "webcolors", "fqdn")


def without_iri_grammar() -> None:
    """Keeps jsonschema from loading ``rfc3987_syntax`` (installed with JupyterLab's jupyter-events).

    That module compiles a Lark grammar when it is imported: ~3 s CPU in every process that
    imports nbformat (papermill, nbconvert, nbval; measured 2026-12-01: ``import nbformat,
    papermill, nbconvert`` 4.0 s CPU with it, 0.9 s without). All it serves is jsonschema's "iri"
    format check, which notebook validation never uses; without it jsonschema skips that format.
    Call it before nbformat is first imported; a module already loaded is left alone.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def without_unused_format_checkers() -> None:
    """:func:`without_iri_grammar`, and the other format checkers of :data:`FORMAT_CHECKER_MODULES`.

    For the processes of ``build`` (and its floor), which use jsonschema only through nbformat:
    jsonschema then has no checker for those formats (it accepts any string for them), which
    notebook validation never asks for. A module already loaded is left alone; ``idna`` and
    ``jsonpointer`` (used by HTTP clients and others) are not touched.
    """
    without_iri_grammar()
    for name in FORMAT_CHECKER_MODULES:
        sys.modules.setdefault(name, None)
