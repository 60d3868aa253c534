"""The report's stylesheets: one set of rules for the HTML report, its PDF and the notebooks.

``components.css`` holds only rules scoped to the classes the report's fragments carry, so it can
be loaded into JupyterLab (by :func:`evidence_review.report.views.style`) without restyling
JupyterLab itself; ``report.css`` adds the page-level rules (fonts, headings, print, A4 pages).
"""

from __future__ import annotations

from importlib import resources

STYLE_MARKER = "er-style-loaded"


def _read(name: str) -> str:
    return resources.files("evidence_review.report").joinpath(f"templates/{name}").read_text("utf-8")


def components_css() -> str:
    """Rules for tables, badges, charts, cards and summaries (safe to load inside JupyterLab)."""
    return _read("components.css")


def notebook_css() -> str:
    """What a notebook needs on top of the components in JupyterLab: its cells' text left-aligned
    and the report's tables allowed to wrap instead of scrolling sideways."""
    return _read("notebook.css")


def report_css() -> str:
    """The whole stylesheet of the report document (components first, then the page rules)."""
    return components_css() + "\n" + _read("report.css")
