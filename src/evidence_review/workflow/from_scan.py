"""``evidence-review init --from-scan SITE PAGE --name NAME``: one scanned page becomes a full review.

The page is found in the site's store by its id (``knee-exercise-322071``) or its location (the
path or URL the scan was given); the file the scan read (the saved page, or the copy fetched
into ``data/SITE/pages/``) goes through :func:`evidence_review.workflow.init.init_review`, exactly
as ``init ARTICLE`` does. The references are then resolved by the usual ``fetch`` step, through
the same on-disk cache the scan filled (``.cache/crossref``): DOIs the scan resolved are not asked
again.
"""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from evidence_review.core.errors import InputError, Problem
from evidence_review.site.store import SiteStore
from evidence_review.workflow import init


def page_file(site: str, page: str, root: Path | str | None = None) -> Path:
    """The file the scan read for ``page`` (an id or a location) of ``site``."""
    with SiteStore(site, root, read_only=True) as store:
        rows = store.con.execute(
            "SELECT page_id, local_path, stage, problem, reason FROM pages "
            "WHERE page_id = ? OR location = ?", [page, page]).fetchall()
        root_dir = store.root
        site_file = store.rel(store.path)
    if not rows:
        raise InputError(Problem(file=site_file, field="PAGE",
                                 message=f"no page '{page}' in the scan of {site} (use a page id "
                                         f"from `evidence-review site-query --name {site} pages`)"))
    page_id, local_path, stage, problem, reason = rows[0]
    if stage == "failed" or not local_path:
        raise InputError(Problem(file=site_file, field="PAGE",
                                 message=f"page {page_id} could not be read by the scan "
                                         f"({problem}: {reason})"))
    path = Path(local_path)
    return path if path.is_absolute() else root_dir / path


def run(args: Namespace) -> int:
    """The CLI command: ``init`` itself, on the file the scan read; the same exit codes."""
    return init.run(Namespace(**{**vars(args), "article": page_file(args.from_scan, str(args.article),
                                                                    args.root)}))
