"""Evidence levels as data: the scheme (Oxford CEBM 2011), each source's level, a claim's SORT grade.

The scheme lives in ``data/evidence-levels.yaml`` (shared by every review); each review's judgement
of its sources lives in ``data/NAME/sources.yaml``. Code only reads them and applies the written
rule, so a reviewer can change a level without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_review.core.datafile import read_yaml_lines
from evidence_review.core.errors import InputError, Problem
from evidence_review.core.schemas import SchemeFile, SourcesFile, shape_problems
from evidence_review.core.vocab import SUPPORTING


@dataclass
class Scheme:
    name: str
    levels: dict[str, dict[str, Any]]  # level -> {definition, designs}
    designs: dict[str, str]
    sort_grades: list[tuple[str, int, bool]]  # (grade, worst level that earns it, needs full support)
    sort_rule: str
    raw: dict[str, Any] = field(default_factory=dict)
    publication_types: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Suggestion:
    """A level suggested by a source's PubMed publication type: shown, never applied."""

    level: str | None  # None: the type alone cannot say (guidelines)
    design: str
    basis: str  # e.g. "PubMed type 'Randomized Controlled Trial': a single randomised trial"
    matched: str  # the publication type or MeSH heading that matched

    def differs_from(self, reviewer_level: str) -> bool:
        """True when both levels are known and they are not the same."""
        return bool(self.level and reviewer_level and self.level != reviewer_level)


@dataclass
class Source:
    ref: str
    design: str
    cebm_level: str
    rationale: str
    native_grade: dict[str, Any] | None = None
    annotation: str = ""
    claim_levels: dict[str, dict[str, str]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def level_for(self, claim_id: str) -> str:
        """The level this source lends to one claim (a per-claim override, else its own level)."""
        override = self.claim_levels.get(claim_id)
        return str(override["level"]) if override else self.cebm_level


def load_scheme(path: Path, label: str = "data/evidence-levels.yaml") -> Scheme:
    raw, lines = read_yaml_lines(path, label)
    raw = {} if raw is None else raw
    problems = shape_problems(SchemeFile, raw, label, lines)
    if problems:
        raise InputError(problems)
    levels = {}
    for item in raw.get("levels") or []:
        levels[str(item.get("level"))] = item
    if not levels:
        problems.append(Problem(label, "no levels defined", field="levels"))
    designs = raw.get("designs") or {}
    for lvl, item in levels.items():
        for design in item.get("designs") or []:
            if design not in designs:
                problems.append(Problem(label, f"level {lvl} names design {design!r}, which is not "
                                               "described under 'designs'", field="levels"))
        terms = item.get("rationale_terms")
        if terms is not None and (not isinstance(terms, list)
                                  or not all(isinstance(t, str) and t.strip() for t in terms)):
            problems.append(Problem(label, f"level {lvl} rationale_terms must be a list of words or "
                                           "phrases", field="levels"))
    sort = raw.get("sort") or {}
    grades = []
    for grade in sort.get("grades") or []:
        try:
            grades.append((str(grade["grade"]), int(grade["max_level"]),
                           bool(grade.get("full_support", False))))
        except (KeyError, TypeError, ValueError):
            problems.append(Problem(label, f"sort grade {grade!r} needs 'grade' and a numeric "
                                           "'max_level'", field="sort.grades"))
    types = raw.get("publication_types") or []
    for i, entry in enumerate(types):
        where = f"publication_types[{i}]"
        if not isinstance(entry, dict) or bool(entry.get("type")) == bool(entry.get("mesh")):
            problems.append(Problem(label, "each entry needs either 'type' or 'mesh'", field=where))
            continue
        if entry.get("level") is not None and str(entry["level"]) not in levels:
            problems.append(Problem(label, f"level {entry['level']!r} is not a level of the scheme",
                                    field=f"{where}.level"))
        if entry.get("design") not in designs:
            problems.append(Problem(label, f"design {entry.get('design')!r} is not described under "
                                           "'designs'", field=f"{where}.design"))
    if problems:
        raise InputError(problems)
    return Scheme(name=raw.get("scheme", "Oxford CEBM 2011"), levels=levels, designs=designs,
                  sort_grades=grades, sort_rule=str(sort.get("rule", "")), raw=raw,
                  publication_types=list(types))


def suggest_level(pub_types: list[str], mesh: list[str], scheme: Scheme) -> Suggestion | None:
    """The level a source's PubMed publication types (or MeSH headings) suggest, or None.

    The first entry of ``publication_types`` in evidence-levels.yaml that matches wins (the table
    lists the best evidence first). Matching ignores case.
    """
    types = {t.strip().lower(): t for t in pub_types}
    headings = {m.strip().lower(): m for m in mesh}
    for entry in scheme.publication_types:
        if entry.get("type"):
            name, pool, label = entry["type"], types, "PubMed type"
        else:
            name, pool, label = entry["mesh"], headings, "MeSH heading"
        if str(name).lower() in pool:
            level = str(entry["level"]) if entry.get("level") is not None else None
            return Suggestion(level, str(entry["design"]),
                              f"{label} '{pool[str(name).lower()]}': {entry.get('basis', '')}"
                              .rstrip(": "), str(name))
    return None


PENDING = "unassessed"


def load_sources(path: Path, scheme: Scheme, ref_numbers: set[str], label: str = "sources.yaml",
                 allow_pending: bool = False) -> dict[str, Source]:
    """Each reference's design and level.

    Every reference of the list must have one, unless ``allow_pending``: then a reference not yet
    assessed (or a missing file, for a review just started) gets design ``unassessed`` and no
    level, so a partly reviewed article still builds and its report says what is pending.
    """
    if allow_pending and not path.is_file():
        return {r: _pending(r) for r in ref_numbers}
    raw, lines = read_yaml_lines(path, label)
    raw = {} if raw is None else raw
    problems = shape_problems(SourcesFile, raw, label, lines)
    if problems:
        raise InputError(problems)
    entries = raw.get("references") or {}
    out: dict[str, Source] = {}
    for ref, item in entries.items():
        ref = str(ref)
        if ref not in ref_numbers:
            problems.append(Problem(label, f"reference [{ref}] is not in the article's list",
                                    field=f"references.{ref}"))
            continue
        item = item or {}
        level = str(item.get("cebm_level", ""))
        design = str(item.get("design", ""))
        if level not in scheme.levels:
            problems.append(Problem(label, f"[{ref}] level {level!r} is not a {scheme.name} level "
                                           f"({', '.join(scheme.levels)})",
                                    field=f"references.{ref}.cebm_level"))
        if design not in scheme.designs:
            problems.append(Problem(label, f"[{ref}] design {design!r} is not described in the "
                                           "evidence scheme", field=f"references.{ref}.design"))
        if not str(item.get("rationale", "")).strip():
            problems.append(Problem(label, f"[{ref}] needs a one-line rationale for its level",
                                    field=f"references.{ref}.rationale"))
        claim_levels = {str(k): v for k, v in (item.get("claim_levels") or {}).items()}
        for cid, override in claim_levels.items():
            if not isinstance(override, dict) or str(override.get("level")) not in scheme.levels \
                    or not str(override.get("reason", "")).strip():
                problems.append(Problem(label, f"[{ref}] claim_levels.{cid} needs a valid 'level' "
                                               "and a 'reason'", field=f"references.{ref}.claim_levels"))
        out[ref] = Source(ref=ref, design=design, cebm_level=level,
                          rationale=str(item.get("rationale", "")).strip(),
                          native_grade=item.get("native_grade"),
                          annotation=str(item.get("annotation", "")).strip(),
                          claim_levels=claim_levels, raw=item)
    for ref in sorted(ref_numbers - set(out) - {str(r) for r in entries}):
        if allow_pending:
            out[ref] = _pending(ref)
        else:
            problems.append(Problem(label, f"reference [{ref}] has no design and level",
                                    field=f"references.{ref}"))
    if problems:
        raise InputError(problems)
    return out


def _pending(ref: str) -> Source:
    return Source(ref=ref, design=PENDING, cebm_level="", rationale="not yet assessed")


def sort_grade(levels: list[str], scheme: Scheme, verdict: str = "supported") -> str:
    """SORT grade from the CEBM levels of the sources that support a claim ('' when none do).

    The rule (written in evidence-levels.yaml): the best supporting level decides; grades are tried
    best first and the first whose ``max_level`` admits that level is given, skipping a grade that
    asks for full support when the verdict is only partial.
    """
    if verdict not in SUPPORTING:
        return ""
    numeric = [int(lvl) for lvl in levels if str(lvl).isdigit()]
    if not numeric:
        return ""
    best = min(numeric)
    for grade, max_level, full_support in scheme.sort_grades:
        if full_support and verdict != "supported":
            continue
        if best <= max_level:
            return grade
    return ""


def annotate_claims(frame, sources: dict[str, Source], scheme: Scheme):
    """Add each claim's source level(s) and its SORT grade to a claims DataFrame (a copy)."""
    frame = frame.copy()

    def levels_of(row) -> str:
        return "; ".join(f"[{r}] {sources[r].level_for(row['id']) or 'unassessed'}"
                         for r in row["refs"] if r in sources)

    def grade(row) -> str:
        levels = [sources[r].level_for(row["id"]) for r in row["refs"] if r in sources]
        return sort_grade(levels, scheme, row["verdict"])

    frame["evidence_level"] = frame.apply(levels_of, axis=1) if len(frame) else []
    frame["sort"] = frame.apply(grade, axis=1) if len(frame) else []
    return frame
