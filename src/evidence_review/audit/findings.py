"""What the audit finds: one finding, the audit of one reference, the audit of a whole list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evidence_review.core.gcpause import no_gc_passes
from evidence_review.core.vocab import SEVERITIES
from evidence_review.intake.references import CitedReference


@dataclass
class Finding:
    """One discrepancy (or one thing not checkable) in one field of one reference."""

    field: str
    severity: str  # "major" | "minor" | "info" | "could-not-check"
    cited: str | None
    record: str | None
    message: str  # one sentence
    suggestion: str | None = None

    def to_dict(self) -> dict:
        # every field is text or None: a plain dict is asdict's answer without its recursive copy
        # (20,000 findings at 10,000 references; tests/test_audit.py keeps the two equal)
        return {"field": self.field, "severity": self.severity, "cited": self.cited,
                "record": self.record, "message": self.message, "suggestion": self.suggestion}


@dataclass
class RefAudit:
    """The audit of one reference: how it was resolved and what differs from its record."""

    ref: str
    cited: CitedReference
    status: str  # one of STATUSES
    doi_cited: str | None
    doi: str | None
    reason: str | None = None
    findings: list[Finding] = field(default_factory=list)
    record: dict | None = None  # the record as CSL-JSON
    pmid: str | None = None  # from Europe PMC, when it holds the work
    pmcid: str | None = None

    def counts(self) -> dict[str, int]:
        """Number of findings per severity."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            if f.severity in counts:
                counts[f.severity] += 1
        return counts

    @property
    def summary(self) -> str:
        """One line for the audit table: '[3] repaired: 1 major, 1 minor, 0 could not check'."""
        c = self.counts()
        line = (f"[{self.ref}] {self.status}: {c['major']} major, {c['minor']} minor, "
                f"{c['could-not-check']} could not check")
        return line + (f"; DOI {self.doi}." if self.status == "repaired" and self.doi else ".")

    def to_dict(self) -> dict:
        """The interface.md shape of one reference (plus ``reason`` and ``summary``)."""
        return {"ref": self.ref, "cited": self.cited.printed, "doi_cited": self.doi_cited,
                "doi": self.doi, "status": self.status,
                "findings": [f.to_dict() for f in self.findings],
                "reason": self.reason, "summary": self.summary,
                "pmid": self.pmid, "pmcid": self.pmcid,
                "pubmed_url": pubmed_url(self.pmid), "pmc_url": pmc_url(self.pmcid)}


@dataclass
class AuditResult:
    """The audit of a whole reference list, plus the findings about citation markers."""

    references: list[RefAudit]
    markers: list[Finding] = field(default_factory=list)

    def to_json(self, review_name: str, snapshot: Any = None) -> dict:
        """The ``audit --format json`` document of interface.md, as a dict ready for json.dumps.

        Parameters
        ----------
        review_name : str
            The review's name, e.g. "my-article".
        snapshot : Snapshot, dict or None
            Anything with ``provenance`` and ``retrieved`` (attributes or keys).
        """
        with no_gc_passes():  # tens of thousands of small dicts
            return {"review": review_name,
                    "snapshot": {"provenance": _get(snapshot, "provenance"),
                                 "retrieved": _get(snapshot, "retrieved")},
                    "references": [r.to_dict() for r in self.references],
                    "markers": [f.to_dict() for f in self.markers]}

    def to_frame(self):
        """One row per finding: ref, status, field, severity, cited, record, message, suggestion."""
        rows = [{"ref": r.ref, "status": r.status, **f.to_dict()}
                for r in self.references for f in r.findings]
        rows += [{"ref": "markers", "status": None, **f.to_dict()} for f in self.markers]
        columns = ["ref", "status", "field", "severity", "cited", "record", "message", "suggestion"]
        # imported here: pandas costs ~0.5 s of CPU at start-up, which `audit --format json`,
        # `fetch` and `init` (all of which import this module) need not pay
        import pandas as pd

        return pd.DataFrame(rows, columns=columns)

    def summary_lines(self) -> list[str]:
        """The summary line of every reference, in list order."""
        return [r.summary for r in self.references]


def pubmed_url(pmid: str | None) -> str | None:
    """``https://pubmed.ncbi.nlm.nih.gov/<PMID>/`` (None without a PMID)."""
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None


def pmc_url(pmcid: str | None) -> str | None:
    """``https://pmc.ncbi.nlm.nih.gov/articles/<PMCID>/`` (None without a PMCID)."""
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/" if pmcid else None


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


# ---------------------------------------------------------------------------------------------

