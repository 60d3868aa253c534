"""The project's vocabularies: verdicts, reference statuses and finding severities (one home each).

Every module that checks, counts or shows one of these values imports it from here, so a new value
is added in one place.
"""

from __future__ import annotations

# Quotation-accuracy scale for a claim against its cited source.
VERDICTS = ("supported", "partially-supported", "unsupported", "contradicted", "not-verifiable",
            "uncited")
UNREVIEWED = "unreviewed"  # how an empty verdict (a scaffolded, not yet reviewed row) is shown
# Worst first: the order in which a writer should fix claims.
VERDICT_SEVERITY = {UNREVIEWED: -1, "contradicted": 0, "unsupported": 1, "not-verifiable": 2,
                    "partially-supported": 3, "uncited": 4, "supported": 5}
SUPPORTING = ("supported", "partially-supported")
# What the reviewer read to reach a verdict.
BASES = ("full-text", "abstract", "publisher-record", "pubmed-record", "secondary-summary", "none")

# How a printed reference was resolved to a record.
STATUSES = ("matched", "repaired", "not-found", "not-in-crossref", "error", "not-yet-resolved")
RESOLVED = ("matched", "repaired")  # a record was found and is the work cited
SETTLED = ("matched", "repaired", "not-in-crossref")  # nothing more to ask Crossref
UNRESOLVED = ("not-found", "error", "not-yet-resolved")  # blocks publication
NOT_YET_RESOLVED = "not-yet-resolved"  # no snapshot yet (init --no-fetch, or a fetch that failed)

# Severity of an audit finding.
SEVERITIES = ("major", "minor", "info", "could-not-check")
