"""The names of the QA questions a scanned site answers (``site-query QUESTION``).

Kept apart from :mod:`evidence_review.site.queries` (which holds the SQL and loads DuckDB and
pandas) so that the command line can list them in ``--help`` without importing either.
"""

QUESTIONS = {
    "flagged": "pages citing retracted or corrected works (or with an expression of concern)",
    "broken-dois": "printed DOIs that do not lead to the cited work",
    "most-cited": "the works cited by the most pages",
    "old-sources": "sources older than the threshold (default 10 years) at the page's last update",
    "no-references": "pages without a reference list",
    "failed": "pages that could not be read, and why",
    "pages": "every page ranked by problems",
    "changes": "what rechecks found changed, with dates",
}
