"""The questions a QA lead asks of a scanned site, each a function returning a DataFrame.

``evidence-review site-query --name SITE QUESTION`` prints any of them (table, CSV, JSON) or
writes it to a file (CSV, Parquet, JSON); ``notebooks/05-site.ipynb`` shows them. Every function
takes an open :class:`evidence_review.site.store.SiteStore`; rows come in a fixed order so that
outputs are comparable between runs.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from evidence_review.appraisal.quality.currency import DEFAULT_THRESHOLD_YEARS
from evidence_review.site.questions import QUESTIONS
from evidence_review.site.store import SiteStore

_SEVERITY_COUNTS = """
    SELECT page_id,
           count(*) FILTER (WHERE severity = 'major') AS major,
           count(*) FILTER (WHERE severity = 'minor') AS minor
    FROM findings GROUP BY page_id"""


def flagged_sources(store: SiteStore) -> pd.DataFrame:
    """Pages citing a retracted, corrected or concern-flagged work: page, reference, notice."""
    return store.frame("""
        SELECT p.page_id, p.location, r.ref, r.doi, c.title AS record_title,
               u.type AS update_type, u.updated AS update_date, u.DOI AS notice_doi, p.last_updated
        FROM "references" r
        JOIN pages p USING (page_id)
        JOIN records c ON c.doi = r.doi,
             unnest(from_json(c.updates, '[{"type":"VARCHAR","updated":"VARCHAR","DOI":"VARCHAR"}]'))
               AS t(u)
        WHERE c.retracted OR c.corrected OR c.concern
        ORDER BY p.page_id, r.position, u.type""")


def broken_dois(store: SiteStore) -> pd.DataFrame:
    """References whose printed DOI does not lead to the cited work (a MAJOR doi finding)."""
    return store.frame("""
        SELECT f.page_id, p.location, f.ref, r.doi_printed, r.status, f.suggestion AS doi,
               f.message
        FROM findings f JOIN pages p USING (page_id)
        JOIN "references" r ON r.page_id = f.page_id AND r.position = f.position
        WHERE f.field = 'doi' AND f.severity = 'major'
        ORDER BY f.page_id, f.position""")


def most_cited(store: SiteStore, limit: int = 20) -> pd.DataFrame:
    """The works cited by the most pages: DOI, title, year, pages citing it."""
    return store.frame("""
        SELECT r.doi, c.title, year(c.issued) AS year, count(DISTINCT r.page_id) AS pages,
               bool_or(c.retracted) AS retracted, bool_or(c.corrected) AS corrected
        FROM "references" r JOIN records c ON c.doi = r.doi
        GROUP BY r.doi, c.title, c.issued
        ORDER BY pages DESC, r.doi
        LIMIT ?""", [int(limit)])


def old_sources(store: SiteStore, years: float = DEFAULT_THRESHOLD_YEARS) -> pd.DataFrame:
    """Sources older than ``years`` at the page's last update (else at the scan date)."""
    return store.frame("""
        SELECT p.page_id, p.location, r.ref, r.doi, c.title, c.issued,
               coalesce(p.last_updated, CAST(p.audited_at AS DATE)) AS page_date,
               round(date_diff('day', c.issued, coalesce(p.last_updated, CAST(p.audited_at AS DATE)))
                     / 365.25, 1) AS age_years
        FROM "references" r JOIN pages p USING (page_id) JOIN records c ON c.doi = r.doi
        WHERE c.issued IS NOT NULL
          AND date_diff('day', c.issued, coalesce(p.last_updated, CAST(p.audited_at AS DATE)))
              > ? * 365.25
        ORDER BY age_years DESC, p.page_id, r.position""", [float(years)])


def pages_without_references(store: SiteStore) -> pd.DataFrame:
    """Pages where intake found no reference list (or an empty one)."""
    return store.frame("""
        SELECT page_id, location, problem, reason FROM pages
        WHERE problem = 'no-references' OR (stage = 'audited' AND coalesce(n_references, 0) = 0)
        ORDER BY page_id""")


def failed_pages(store: SiteStore) -> pd.DataFrame:
    """Every page the scan could not read, with its problem and reason."""
    return store.frame("""SELECT page_id, location, problem, reason FROM pages
                          WHERE stage = 'failed' ORDER BY problem, page_id""")


def page_problems(store: SiteStore) -> pd.DataFrame:
    """One row per page ranked by problems: flagged sources, broken DOIs, MAJOR and minor findings."""
    return store.frame(f"""
        WITH sev AS ({_SEVERITY_COUNTS}),
        flags AS (
            SELECT r.page_id,
                   count(*) FILTER (WHERE c.retracted) AS retracted,
                   count(*) FILTER (WHERE c.corrected OR c.concern) AS corrected
            FROM "references" r JOIN records c ON c.doi = r.doi GROUP BY r.page_id),
        dois AS (SELECT page_id, count(*) AS broken_dois FROM findings
                 WHERE field = 'doi' AND severity = 'major' GROUP BY page_id)
        SELECT p.page_id, p.location, p.title, p.stage, p.problem, p.reason,
               coalesce(p.n_references, 0) AS references,
               coalesce(flags.retracted, 0) AS retracted, coalesce(flags.corrected, 0) AS corrected,
               coalesce(dois.broken_dois, 0) AS broken_dois,
               coalesce(sev.major, 0) AS major, coalesce(sev.minor, 0) AS minor
        FROM pages p LEFT JOIN sev USING (page_id) LEFT JOIN flags USING (page_id)
        LEFT JOIN dois USING (page_id)
        ORDER BY retracted DESC, corrected DESC, major DESC, broken_dois DESC, minor DESC,
                 (p.stage = 'failed') DESC, p.page_id""")


def changes(store: SiteStore) -> pd.DataFrame:
    """Every change a recheck found, newest first, with the pages and references citing the work."""
    return store.frame("""
        SELECT ch.check_id, ch.detected_on, ch.doi, ch.change, ch.before, ch.after, ch.notice_doi,
               ch.notice_date, ch.needs_action,
               string_agg(DISTINCT r.page_id || ' [' || r.ref || ']', '; ') AS cited_by
        FROM changes ch LEFT JOIN "references" r ON r.doi = ch.doi
        GROUP BY ALL ORDER BY ch.check_id DESC, ch.doi, ch.change""")


_FUNCTIONS: dict[str, Callable[..., pd.DataFrame]] = {
    "flagged": flagged_sources, "broken-dois": broken_dois, "most-cited": most_cited,
    "old-sources": old_sources, "no-references": pages_without_references, "failed": failed_pages,
    "pages": page_problems, "changes": changes,
}
assert set(_FUNCTIONS) == set(QUESTIONS), "site/questions.py and site/queries.py name the same questions"


def ask(store: SiteStore, question: str, **options) -> pd.DataFrame:
    """Run one named question (see :data:`QUESTIONS`)."""
    return _FUNCTIONS[question](store, **options)
