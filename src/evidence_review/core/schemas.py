"""The shape of every file the tool reads, and of every Crossref record, as pydantic models.

One home per shape: review.yaml, sources.yaml, evidence-levels.yaml, quality.yaml (top level),
record-facts.yaml, a snapshot manifest, a Crossref work message (fresh, cached or stored), and the
Europe PMC source texts kept with a snapshot (their manifest and each parsed text).
The models check types and structure only; the rules about values that need context (a level the
scheme defines, a reference the article lists, a DOI's syntax) stay with the code that applies them.

:func:`shape_problems` turns a validation failure into one :class:`Problem` per violation, located
by the file's line (from :func:`evidence_review.core.datafile.node_lines`) and the dotted field.

>>> [str(p) for p in shape_problems(ReviewFile, {"article": [1]}, "review.yaml", {("article",): 2})]
['review.yaml:2 [article]: should be a mapping (got [1])']
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from evidence_review.core.errors import Problem
from evidence_review.core.safety import http_url
from evidence_review.core.vocab import STATUSES

__all__ = ["ReviewFile", "SourcesFile", "SchemeFile", "QualityFile", "RecordFactsFile",
           "SnapshotManifest", "CrossrefWork", "SourceTextManifest", "SourceTextFile",
           "shape_problems", "work_problem"]

Text = str
Number = int | float


class _Open(BaseModel):
    """Keys beyond the model are allowed (reviewers keep notes); types of known keys are strict."""

    # defer_build: a model's validator is built when first used, so a command pays only for the
    # shapes it reads (`audit` uses 3 of these models: ~0.1 s of CPU less at start-up, measured)
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


def _http_or_none(value: Any) -> Any:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or http_url(value) is None:
        raise ValueError("must be an http:// or https:// address")
    return value


# --- review.yaml ----------------------------------------------------------------------------------
class ArticleBlock(_Open):
    title: Text | None = None
    site: Text | None = None
    url: Text | None = None
    last_updated: dt.date | Text | None = None
    author: Text | list[Text] | None = None
    original: Text | None = None
    body_start: Text | None = None
    body_end: Text | None = None
    citation_style: Text | None = None
    non_claim_sections: list[Text] | None = None

    _url = field_validator("url")(classmethod(lambda cls, v: _http_or_none(v)))


class ReviewBlock(_Open):
    reviewed: dt.date | Text | None = None
    version: Text | Number | None = None
    reviewers: Text | list[Text] | None = None
    bibliography_style: Text | None = None
    url: Text | None = None

    _url = field_validator("url")(classmethod(lambda cls, v: _http_or_none(v)))


class ReviewFile(_Open):
    article: ArticleBlock | None = None
    review: ReviewBlock | None = None


# --- sources.yaml ---------------------------------------------------------------------------------
class SourceEntry(_Open):
    design: Text | None = None
    cebm_level: Text | int | None = None
    rationale: Text | None = None
    native_grade: Any = None
    annotation: Text | None = None
    claim_levels: dict[Text, dict[Text, Any]] | None = None
    located_in_store: list[Text] | None = None


class SourcesFile(_Open):
    references: dict[Text | int, SourceEntry | None] | None = None


# --- data/evidence-levels.yaml --------------------------------------------------------------------
class SchemeLevel(_Open):
    level: Text | int
    definition: Text | None = None
    designs: list[Text] | None = None
    rationale_terms: Any = None


class SortBlock(_Open):
    grades: list[dict[Text, Any]] | None = None
    rule: Text | None = None


class SchemeFile(_Open):
    scheme: Text | None = None
    levels: list[SchemeLevel] | None = None
    designs: dict[Text, Any] | None = None
    sort: SortBlock | None = None


# --- quality.yaml (block types; the per-criterion rules are in appraisal.quality.entries) ---------
class QualityFile(_Open):
    jama: dict[Text, Any] | None = None
    discern: dict[Text, Any] | None = None
    currency: dict[Text, Any] | None = None
    readability: dict[Text, Any] | None = None


# --- a Crossref work message ----------------------------------------------------------------------
class DateParts(_Open):
    date_parts: list[list[int | None]] = Field(alias="date-parts")


class Person(_Open):
    family: Text | None = None
    given: Text | None = None
    name: Text | None = None
    literal: Text | None = None
    sequence: Text | None = None
    ORCID: Text | None = None


class Update(_Open):
    type: Text | None = None
    DOI: Text | None = None
    source: Text | None = None
    label: Text | None = None
    updated: DateParts | None = None


class CrossrefWork(_Open):
    DOI: Text
    type: Text | None = None
    title: list[Text] | None = None
    subtitle: list[Text] | None = None
    short_title: list[Text] | None = Field(None, alias="short-title")
    author: list[Person] | None = None
    editor: list[Person] | None = None
    container_title: list[Text] | None = Field(None, alias="container-title")
    short_container_title: list[Text] | None = Field(None, alias="short-container-title")
    ISSN: list[Text] | None = None
    publisher: Text | None = None
    volume: Text | None = None
    issue: Text | None = None
    page: Text | None = None
    URL: Text | None = None
    abstract: Text | None = None
    language: Text | None = None
    issued: DateParts | None = None
    published_print: DateParts | None = Field(None, alias="published-print")
    published_online: DateParts | None = Field(None, alias="published-online")
    updated_by: list[Update] | None = Field(None, alias="updated-by")
    update_to: list[Update] | None = Field(None, alias="update-to")
    relation: dict[Text, Any] | None = None


# --- record-facts.yaml ----------------------------------------------------------------------------
class FactItem(_Open):
    message: CrossrefWork
    evidence: dict[Text, Any] | None = None


class RecordFactsFile(_Open):
    works: list[FactItem] | None = None
    not_in_crossref: dict[Text | int, dict[Text, Any] | None] | None = None


# --- data/NAME/crossref/manifest.json -------------------------------------------------------------
class WorkEntry(_Open):
    file: Text
    sha256: Text


class ReferenceEntry(_Open):
    status: Literal[STATUSES]  # type: ignore[valid-type]
    doi: Text | None = None
    doi_cited: Text | None = None
    reason: Text | None = None
    ref: Text | None = None
    score: Number | None = None
    agency: Text | None = None
    from_cache: bool | None = None


class SnapshotManifest(_Open):
    schema_: int = Field(alias="schema")
    review: Text | None = None
    provenance: Literal["reconstructed", "crossref-api"]
    retrieved: Text = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    base_url: Text | None = None
    client: Text | None = None
    mailto_used: bool | None = None
    note: Text | None = None
    works: dict[Text, WorkEntry]
    references: dict[Text, ReferenceEntry]
    from_cache: list[Text] | None = None


# --- data/NAME/europepmc/ (records.sourcetext) ---------------------------------------------------
# Identifiers are printed into links and exports, so their syntax is part of the shape.
class SourceTextEntry(_Open):
    status: Literal["found", "not-in-europepmc", "error", "not-asked"]
    reason: Text | None = None
    pmid: Text | None = Field(default=None, pattern=r"^[0-9]{1,9}$")
    pmcid: Text | None = Field(default=None, pattern=r"^PMC[0-9]{1,9}$")
    licence: Text | None = None
    open_access: bool | None = None
    pub_types: list[Text] | None = None
    mesh: list[Text] | None = None
    text: Text | None = None
    text_origin: Text | None = None


class SourceTextManifest(_Open):
    schema_: Literal[1] = Field(alias="schema")
    provenance: Text
    retrieved: Text = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    base_url: Text | None = None
    sources: dict[Text, SourceTextEntry]
    files: dict[Text, dict[Text, Any]] | None = None


class TextParagraph(_Open):
    n: int
    sentences: list[Text]


class TextSection(_Open):
    title: Text
    kind: Text
    paragraphs: list[TextParagraph]


class SourceTextFile(_Open):
    doi: Text
    origin: Text
    licence: Text | None = None
    open_access: bool | None = None
    pmid: Text | None = Field(default=None, pattern=r"^[0-9]{1,9}$")
    pmcid: Text | None = Field(default=None, pattern=r"^PMC[0-9]{1,9}$")
    sections: list[TextSection]


# --- turning a ValidationError into Problems ------------------------------------------------------
_KINDS = {"dict_type": "should be a mapping", "model_type": "should be a mapping",
          "list_type": "should be a list", "string_type": "should be text",
          "int_type": "should be a whole number", "bool_type": "should be true or false",
          "missing": "is required", "date_type": "should be a date (YYYY-MM-DD)",
          "literal_error": None, "string_pattern_mismatch": None}


def _clip(value: Any, n: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= n else text[: n - 1] + "…"


def _message(error: dict) -> str:
    kinds = {error["type"]} | {error["type"].split(".")[0]}
    for kind in kinds:
        if _KINDS.get(kind):
            said = _KINDS[kind]
            break
    else:
        said = error["msg"].replace("Input should be", "should be").replace("Value error, ", "")
    if error["type"] == "missing":
        return said
    return f"{said} (got {_clip(error.get('input'))})"


_BRANCHES = {"str", "int", "float", "bool", "date", "none", "any"}


def _model_names() -> set[str]:
    found, todo = set(), [_Open]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def _field(loc: tuple) -> tuple[str, ...]:
    """A pydantic location without union-branch labels (``str``, ``list[str]``, ``function-…``)."""
    out = []
    for part in loc:
        text = str(part)
        if isinstance(part, str) and (text in _BRANCHES or text in _model_names()
                                      or text.startswith(("function-", "literal[", "list[", "dict["))):
            continue
        out.append(text)
    return tuple(out)


def shape_problems(model: type[BaseModel], data: Any, label: str,
                   lines: dict[tuple[str, ...], int] | None = None, prefix: str = "") -> list[Problem]:
    """Every way ``data`` departs from ``model``: one Problem per field, with its line when known."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        lines = lines or {}
        seen: dict[tuple[str, ...], Problem] = {}
        for error in exc.errors():
            path = _field(error["loc"])
            if path in seen:  # a union reports once per branch: keep the first message
                continue
            row = next((lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in lines),
                       None)
            dotted = ".".join(path)
            field = f"{prefix}.{dotted}" if prefix and dotted else (prefix or dotted or None)
            seen[path] = Problem(label, _message(error), row=row, field=field)
        return list(seen.values())
    return []


def work_problem(message: Any) -> str | None:
    """One sentence saying why a Crossref work message has the wrong shape, or None when it is fine."""
    problems = shape_problems(CrossrefWork, message, "record")
    if not problems:
        return None
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"field {first.field or '-'} {first.message}{more}"
