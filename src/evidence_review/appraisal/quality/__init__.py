"""Quality of an article as a whole: JAMA benchmarks, DISCERN, currency of evidence, readability.

Instruments are data (``data/quality/*.yaml``); the reviewer's judgements for one article are data
(``data/<review>/quality.yaml``); this package only proposes, validates, applies and adds up.
HONcode (discontinued in 2022) is not implemented; if added, it may serve only as a checklist.
"""

from evidence_review.appraisal.quality.currency import (
    DEFAULT_THRESHOLD_YEARS,
    currency_of_sources,
    source_date,
    update_signs,
)
from evidence_review.appraisal.quality.discern import (
    DiscernInstrument,
    discern_scores,
    discern_table,
    guidance,
    load_discern,
)
from evidence_review.appraisal.quality.entries import load_quality, validate_quality
from evidence_review.appraisal.quality.jama import (
    JamaCriterion,
    apply_reviewer,
    jama_score,
    jama_table,
    page_dates,
    parse_page_date,
    propose_jama,
)
from evidence_review.appraisal.quality.readability import (
    TARGET_GRADE,
    prose_for_scoring,
    readability_by_section,
    split_sections,
)

__all__ = [
    "DEFAULT_THRESHOLD_YEARS", "TARGET_GRADE", "DiscernInstrument", "JamaCriterion",
    "apply_reviewer", "currency_of_sources",
    "discern_scores", "discern_table", "guidance", "jama_score", "jama_table", "load_discern",
    "load_quality", "page_dates", "parse_page_date", "propose_jama", "prose_for_scoring",
    "readability_by_section", "source_date", "split_sections", "update_signs",
    "validate_quality",
]
