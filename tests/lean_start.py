"""A pytest plugin loaded with ``-p`` before the installed ones (pyproject's addopts): nbval imports
nbformat as it loads, so this must run first to spare every pytest process the IRI grammar."""

from evidence_review.core.lean_imports import without_iri_grammar

without_iri_grammar()
