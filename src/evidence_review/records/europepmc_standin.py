"""A local stand-in for Europe PMC's REST API, for tests and demos without network.

It is the Crossref stand-in's server (:class:`~evidence_review.records.standin.CrossrefStandIn`:
threaded, 127.0.0.1 only, request log, latency, and the same scheduled faults — ``status`` (429
with ``Retry-After``, 5xx), ``hang`` (timeout), ``reset``, ``truncated`` / ``not-json`` (malformed
JSON), ``xml-bomb``) with Europe PMC's routes instead of Crossref's::

    >>> with EuropePMCStandIn([{"doi": "10.5555/x", "pmid": "1", ...}]) as api:   # doctest: +SKIP
    ...     client = EuropePMCClient(base_url=api.base_url)

Routes (the documented shapes, reduced to the fields this package reads)
-----------------------------------------------------------------------
- ``GET /search?query=DOI:"a" OR DOI:"b"&resultType=core&format=json&pageSize=N``:
  ``{"version", "hitCount", "request", "resultList": {"result": [...]}}``; each result as given
  (``id``, ``source``, ``pmid``, ``pmcid``, ``doi``, ``title``, ``abstractText``,
  ``pubTypeList.pubType``, ``meshHeadingList.meshHeading[]``, ``isOpenAccess``, ``license``,
  ``commentCorrectionList.commentCorrection[]``...). Request kind ``search``.
- ``GET /{PMCID}/fullTextXML``: the JATS document held for that PMCID (``application/xml``), else
  404. Request kind ``fulltext``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from evidence_review.records.standin import CrossrefStandIn, Fault

__all__ = ["EuropePMCStandIn", "Fault"]

_DOI_CLAUSE = re.compile(r'DOI:"([^"]+)"|DOI:(\S+)', re.I)
_FULLTEXT = re.compile(r"^/(PMC\d+)/fullTextXML/?$")


class EuropePMCStandIn(CrossrefStandIn):
    """A threaded HTTP server on 127.0.0.1 that imitates Europe PMC's REST API.

    Parameters
    ----------
    results : iterable of dict
        Core-format results it holds (each with its ``doi``); matched case-insensitively.
    full_texts : mapping of PMCID to JATS XML (str or bytes), optional
    latency, port, max_lifetime, max_concurrent, enforce_rate, rate_limit, rate_interval
        As for the Crossref stand-in.
    """

    def __init__(self, results: Iterable[dict] = (), full_texts: Mapping[str, str | bytes] | None = None,
                 **kwargs) -> None:
        super().__init__((), **kwargs)
        self.results: list[dict] = []
        self.full_text_xml: dict[str, bytes] = {}
        self.add_results(results, full_texts or {})

    def add_results(self, results: Iterable[dict], full_texts: Mapping[str, str | bytes] = {}) -> None:  # noqa: B006
        """Hold more results and full texts."""
        self.results.extend(dict(r) for r in results)
        for pmcid, xml in full_texts.items():
            self.full_text_xml[pmcid] = xml.encode("utf-8") if isinstance(xml, str) else xml

    def route(self, path: str, query: dict[str, list[str]]) -> tuple[str, int, str, bytes]:
        if path.rstrip("/") == "/search":
            return ("search", *self._search(query))
        m = _FULLTEXT.match(path)
        if m:
            xml = self.full_text_xml.get(m.group(1))
            if xml is None:
                return "fulltext", 404, "application/xml", b"<error>not found</error>"
            return "fulltext", 200, "application/xml;charset=UTF-8", xml
        return "other", 404, "text/plain", b"Not found"

    def _search(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        text = (query.get("query") or [""])[0]
        if query.get("format", ["xml"])[0] != "json":
            return 400, "text/plain", b"this stand-in answers format=json only"
        wanted = {(a or b).strip().lower() for a, b in _DOI_CLAUSE.findall(text)}
        page = int((query.get("pageSize") or ["25"])[0])
        hits = [r for r in self.results if str(r.get("doi", "")).lower() in wanted]
        body = {"version": "6.9", "hitCount": len(hits),
                "request": {"queryString": text, "resultType": "core", "pageSize": page},
                "resultList": {"result": hits[:page]}}
        return 200, "application/json;charset=UTF-8", json.dumps(body, ensure_ascii=False).encode()
