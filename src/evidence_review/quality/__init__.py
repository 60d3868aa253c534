"""Quality of an article as a whole: JAMA benchmarks, DISCERN, currency of evidence, readability.

Instruments are data (``data/quality/*.yaml``); the reviewer's judgements for one article are data
(``data/<review>/quality.yaml``); this package only proposes, validates, applies and adds up.
"""

from evidence_review.quality.readability import (
    prose_for_scoring,
    readability_by_section,
    split_sections,
)

__all__ = ["prose_for_scoring", "readability_by_section", "split_sections"]
