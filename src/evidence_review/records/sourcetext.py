"""Source texts: a cited work's abstract and open full text as sections → paragraphs → sentences.

A source text is read from Europe PMC (its ``abstractText`` and, for the open-access subset, its
``fullTextXML`` JATS) or from a JATS abstract in the Crossref record. Every paragraph has a locator
("Results, para 2") a reviewer can quote as the claim's locator. XML is parsed with defusedxml, so
an entity-expansion bomb or an external entity is refused (:class:`UnsafeXML`), never expanded.

The texts are kept with the review as part of its snapshot, in ``data/<review>/europepmc/``::

    manifest.json            # provenance, date, base URL, per-source status, licence, open access,
                             # and the sha256 of every file below (written by snapshot.write_tree)
    raw/search-<n>.json      # Europe PMC's search answers as received
    raw/<PMCID>.xml          # fullTextXML answers as received
    texts/<doi>.json         # the parsed text of one source (see SourceText.to_dict)

A text without an open licence is used to locate passages but never reproduced beyond the locator
and a short quotation (:func:`short_quotation`).
"""

from __future__ import annotations

import html as html_mod
import json
import os
import re
import xml.etree.ElementTree as ET  # noqa: S405 - element types only; parsing goes through defusedxml
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

from evidence_review.core.errors import SnapshotError
from evidence_review.core.schemas import SourceTextFile, SourceTextManifest, shape_problems
from evidence_review.intake.article import split_sentences
from evidence_review.records.doi import normalise
from evidence_review.records.snapshot import MANIFEST, dumps, read_tree_file, safe_name, write_tree

__all__ = ["SourceText", "Section", "Paragraph", "SourceTexts", "UnsafeXML", "parse_jats",
           "parse_abstract_text", "crossref_abstract", "is_open_licence", "short_quotation",
           "write_source_texts", "STATUSES"]

SCHEMA = 1
# Per-source statuses in the manifest. "not-in-europepmc" is an answer, not a failure.
STATUSES = ("found", "not-in-europepmc", "error", "not-asked")
QUOTATION_WORDS = 25  # the longest quotation shown from a text without an open licence
# Elements whose text is not running prose (tables, figures, formulas, footnote markers).
_SKIP = {"table-wrap", "fig", "disp-formula", "inline-formula", "supplementary-material",
         "table", "graphic", "media", "fn"}
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]+>")
_H4 = re.compile(r"<h4>(.*?)</h4>", re.I | re.S)


class UnsafeXML(ValueError):
    """An XML answer declared entities or external references (an XML bomb, say): not parsed."""


@dataclass
class Paragraph:
    n: int  # 1-based within its section
    sentences: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass
class Section:
    title: str
    kind: str  # "abstract" | "body"
    paragraphs: list[Paragraph] = field(default_factory=list)

    def locator(self, paragraph: Paragraph) -> str:
        return f"{self.title}, para {paragraph.n}"


@dataclass
class SourceText:
    """The readable text of one cited source, with where it came from and whether it is open."""

    doi: str
    sections: list[Section]
    origin: str  # "europepmc-abstract" | "europepmc-fulltext" | "crossref-abstract" (and "+" joins)
    licence: str | None = None
    open_access: bool = False
    pmid: str | None = None
    pmcid: str | None = None

    @property
    def open_licence(self) -> bool:
        return is_open_licence(self.licence)

    @property
    def has_full_text(self) -> bool:
        return any(s.kind == "body" for s in self.sections)

    def units(self) -> Iterator[tuple[str, str, str]]:
        """(kind, locator, text) of every paragraph and every sentence, in reading order."""
        for section in self.sections:
            for para in section.paragraphs:
                loc = section.locator(para)
                if len(para.sentences) > 1:
                    yield "paragraph", loc, para.text
                for sentence in para.sentences:
                    yield "sentence", loc, sentence

    def to_dict(self) -> dict:
        return {"doi": self.doi, "origin": self.origin, "licence": self.licence,
                "open_access": self.open_access, "open_licence": self.open_licence,
                "pmid": self.pmid, "pmcid": self.pmcid,
                "sections": [{"title": s.title, "kind": s.kind,
                              "paragraphs": [{"n": p.n, "sentences": p.sentences}
                                             for p in s.paragraphs]} for s in self.sections]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceText:
        sections = [Section(s["title"], s["kind"], [Paragraph(int(p["n"]), list(p["sentences"]))
                                                    for p in s["paragraphs"]])
                    for s in data["sections"]]
        return cls(doi=data["doi"], sections=sections, origin=data["origin"],
                   licence=data.get("licence"), open_access=bool(data.get("open_access")),
                   pmid=data.get("pmid"), pmcid=data.get("pmcid"))


def _refuse_shape(model: type, data: Any, path: Path) -> None:
    """SnapshotError naming the file and its first wrong field (sha256 proves integrity, not shape)."""
    problems = shape_problems(model, data, str(path))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SnapshotError(f"{problems[0]}{more}; re-run `evidence-review fetch --refresh`")


def is_open_licence(licence: str | None) -> bool:
    """Creative Commons (any variant, CC0 included) or public domain: the text may be quoted."""
    text = (licence or "").strip().lower().replace("-", " ")
    return text.startswith(("cc ", "cc0", "creative commons", "public domain")) or text == "cc"


def short_quotation(text: str, words: int = QUOTATION_WORDS) -> str:
    """At most ``words`` words of ``text``, with an ellipsis when cut."""
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


# --- parsing ----------------------------------------------------------------------------------------

def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _paragraphs(texts: list[str]) -> list[Paragraph]:
    out = []
    for text in texts:
        text = _clean(text)
        if text:
            out.append(Paragraph(len(out) + 1, split_sentences(text)))
    return out


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text_of(elem: ET.Element) -> str:
    """The running text of an element, leaving out tables, figures and formulas."""
    parts = [elem.text or ""]
    for child in elem:
        if _local(child.tag) not in _SKIP:
            parts.append(_text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _safe_parse(xml: bytes | str) -> ET.Element:
    try:
        return SafeET.fromstring(xml)
    except defusedxml.DefusedXmlException as exc:
        raise UnsafeXML(f"refused unsafe XML ({type(exc).__name__})") from exc


def _sections(container: ET.Element, kind: str, default: str) -> list[Section]:
    """Paragraphs directly under ``container`` form one section; each <sec> (nested too) another."""
    out: list[Section] = []
    direct = [_text_of(c) for c in container if _local(c.tag) == "p"]
    if direct:
        out.append(Section(default, kind, _paragraphs(direct)))
    for sec in (c for c in container if _local(c.tag) == "sec"):
        title_el = next((c for c in sec if _local(c.tag) == "title"), None)
        title = _clean(_text_of(title_el)) if title_el is not None else ""
        name = f"{default}, {title}" if kind == "abstract" and title else (title or default)
        out.extend(_sections(sec, kind, name))
    return [s for s in out if s.paragraphs]


def parse_jats(xml: bytes | str, doi: str) -> list[Section]:
    """Sections of a JATS article (``fullTextXML``): the abstract(s), then the body.

    Raises
    ------
    UnsafeXML
        When the document declares entities (an XML bomb) or external references.
    ValueError
        When it is not well-formed XML.
    """
    try:
        root = _safe_parse(xml)
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed XML for {doi} ({exc})") from exc
    sections: list[Section] = []
    for abstract in root.iter():
        if _local(abstract.tag) == "abstract" and not abstract.get("abstract-type"):
            sections.extend(_sections(abstract, "abstract", "Abstract"))
            break
    for body in root.iter():
        if _local(body.tag) == "body":
            sections.extend(_sections(body, "body", "Body"))
            break
    return sections


def parse_abstract_text(text: str | None) -> list[Section]:
    """Europe PMC's ``abstractText`` (HTML-ish; a structured abstract has ``<h4>`` headings)."""
    if not text or not text.strip():
        return []
    pieces = _H4.split(text)
    sections = []
    if _clean(_TAG.sub(" ", pieces[0])):
        sections.append(Section("Abstract", "abstract", _paragraphs(_split_p(pieces[0]))))
    for heading, body in zip(pieces[1::2], pieces[2::2], strict=False):
        title = _clean(_TAG.sub(" ", heading))
        paras = _paragraphs(_split_p(body))
        if paras:
            sections.append(Section(f"Abstract, {title}" if title else "Abstract", "abstract",
                                    paras))
    return sections


def _split_p(html: str) -> list[str]:
    chunks = re.split(r"</?p[^>]*>|<br\s*/?>", html, flags=re.I)
    return [html_mod.unescape(_TAG.sub(" ", c)) for c in chunks]


def crossref_abstract(message: Mapping[str, Any]) -> list[Section]:
    """The JATS abstract a Crossref record may carry (a fragment without a root element)."""
    fragment = message.get("abstract")
    if not isinstance(fragment, str) or not fragment.strip():
        return []
    wrapped = ('<abstract xmlns:jats="http://www.ncbi.nlm.nih.gov/JATS1" '
               'xmlns:mml="http://www.w3.org/1998/Math/MathML" '
               f'xmlns:xlink="http://www.w3.org/1999/xlink">{fragment}</abstract>')
    try:
        root = _safe_parse(wrapped)
    except (ET.ParseError, UnsafeXML):
        return []
    sections = _sections(root, "abstract", "Abstract")
    for section in sections:  # a "jats:title" of "Abstract" repeats the section name
        if section.title.lower() in ("abstract, abstract", "abstract, summary"):
            section.title = "Abstract"
    return sections


# --- the stored texts --------------------------------------------------------------------------------

@dataclass
class SourceTexts:
    """The Europe PMC part of a review's snapshot, loaded and verified (use :meth:`load`)."""

    directory: Path | None
    manifest: dict
    texts: dict[str, SourceText]  # by normalised DOI

    @classmethod
    def empty(cls) -> SourceTexts:
        return cls(directory=None, manifest={}, texts={})

    @classmethod
    def load(cls, directory: str | os.PathLike) -> SourceTexts:
        """Read ``data/<review>/europepmc``; an absent folder is an empty set (no texts fetched).

        Raises
        ------
        SnapshotError
            Naming the file, when the manifest or a text is unreadable or fails its sha256.
        """
        directory = Path(directory)
        path = directory / MANIFEST
        if not path.is_file():
            return cls(directory=None, manifest={}, texts={})
        try:
            manifest = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise SnapshotError(f"{path}: not readable JSON ({exc})") from exc
        if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
            raise SnapshotError(f"{path}: not a Europe PMC source-text manifest (schema {SCHEMA})")
        _refuse_shape(SourceTextManifest, manifest, path)
        texts = {}
        for doi, entry in manifest["sources"].items():
            rel = entry.get("text")
            if not rel:
                continue
            data = read_tree_file(directory, manifest, rel)
            try:
                parsed = json.loads(data)
            except ValueError as exc:
                raise SnapshotError(f"{directory / rel}: not a source text ({exc})") from exc
            _refuse_shape(SourceTextFile, parsed, directory / rel)
            texts[normalise(doi)] = SourceText.from_dict(parsed)
        return cls(directory=directory, manifest=manifest, texts=texts)

    def __bool__(self) -> bool:
        return bool(self.manifest)

    def text(self, doi: str | None) -> SourceText | None:
        return self.texts.get(normalise(doi)) if doi else None

    def record(self, doi: str | None) -> dict:
        """What Europe PMC said of one DOI (manifest entry: status, pmid, pmcid, types, MeSH...)."""
        if not doi:
            return {}
        return dict((self.manifest.get("sources") or {}).get(normalise(doi)) or {})

    @property
    def retrieved(self) -> str | None:
        return self.manifest.get("retrieved")


def write_source_texts(directory: str | os.PathLike, sources: Mapping[str, dict],
                       texts: Mapping[str, SourceText], raw: Mapping[str, bytes], *,
                       retrieved: str, base_url: str, client: str, note: str = "",
                       email_used: bool = False) -> SourceTexts:
    """Write the source texts with their raw answers and manifest, all or nothing.

    Parameters
    ----------
    sources : mapping of DOI to manifest entry
        ``{"status", "reason", "pmid", "pmcid", "source", "licence", "open_access", "pub_types",
        "mesh", "notices", "full_text"}`` per DOI asked (see records.europepmc).
    texts : mapping of DOI to SourceText
    raw : mapping of relative file name under ``raw/`` to the bytes received
    """
    files: dict[str, bytes] = {f"raw/{name}": data for name, data in raw.items()}
    entries = {}
    for doi, entry in sources.items():
        doi = normalise(doi)
        entry = dict(entry)
        if entry.get("status") not in STATUSES:
            raise SnapshotError(f"source {doi}: status must be one of {', '.join(STATUSES)}, "
                                f"not {entry.get('status')!r}")
        if doi in texts:
            rel = f"texts/{safe_name(doi)}.json"
            files[rel] = dumps(texts[doi].to_dict())
            entry["text"] = rel
            entry["text_origin"] = texts[doi].origin
        entries[doi] = entry
    manifest = {"schema": SCHEMA, "provenance": "europepmc-api", "retrieved": retrieved,
                "base_url": base_url, "client": client, "email_used": bool(email_used),
                "note": note, "sources": entries}
    write_tree(directory, files, manifest)
    return SourceTexts.load(directory)
