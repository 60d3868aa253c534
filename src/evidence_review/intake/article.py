"""Read an article: page text → markdown body, sections, citation markers, reference list, candidates.

The article is the reviewer's input and is kept as published. Two files hold it:
``article.original.txt`` (the page as received, never edited) and ``article.md`` (the body as
markdown: ``## `` headings, paragraphs, ``- `` list items, ``[n]`` markers and a final
``## References`` section). :func:`page_to_markdown` derives the second from the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from evidence_review.core.errors import InputError, Problem
from evidence_review.core.markers import MARKER, numbers_in

# Headings a reference list stands under, in the languages health pages are written in (compared
# case-folded, without "#", "*" or a final colon). "Notes" and "Footnotes" count only when entries
# follow them (extract.py); article.md always heads its list "## References".
REFERENCES_HEADINGS = (
    "references", "reference list", "sources", "bibliography", "works cited", "citations",
    "sources and references", "references and sources", "references and further reading",
    "scientific references", "research sources", "literature", "literature cited", "cited literature",
    "referencias", "referencias bibliográficas", "bibliografía", "fuentes", "quellen",
    "quellenangaben", "literatur", "literaturverzeichnis", "références", "références bibliographiques",
    "bibliographie", "sources et références", "bibliografia", "riferimenti", "riferimenti bibliografici",
    "fonti", "referências", "fontes", "referenties", "bronnen", "literatuur", "källor", "referenser",
    "kilder", "referanser", "lähteet", "źródła", "piśmiennictwo", "bibliografie", "literatura")
NOTE_HEADINGS = ("notes", "footnotes", "endnotes", "notas", "anmerkungen", "fußnoten")
BULLETS = re.compile(r"^\s*(?:[•●▪◦·*\-–]|\d{1,2}[.)])\s+")
# Words a title-cased heading may leave in lower case.
_MINOR_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "is", "of", "on", "or", "the", "to",
                "vs", "with", "from", "into", "are", "be"}


@dataclass
class Block:
    """A paragraph or a list item of the article body."""

    section: str
    text: str
    is_item: bool = False


@dataclass
class Article:
    """The parsed body of an article."""

    title: str
    blocks: list[Block]
    references: list[str]  # reference-list entries as printed, "[1] Ash, M., ..."
    path: str = "article.md"
    sections: list[str] = field(default_factory=list)

    def markers(self) -> list[str]:
        """Every reference number cited in the body, in order of appearance (repeats kept)."""
        return [n for b in self.blocks for n in numbers_in(b.text)]


def _is_heading(line: str, next_blank: bool) -> bool:
    words = line.rstrip(":?").split()
    if not words or len(words) > 10 or len(line) > 90 or not next_blank:
        return False
    if line.endswith((".", ",", ";")) or MARKER.search(line):
        return False
    capitalised = [w for w in words if w[0].isalpha()]
    return all(w[0].isupper() or w.lower() in _MINOR_WORDS for w in capitalised)


def page_to_markdown(page: str, start: str, end: str, title: str | None = None) -> str:
    """Turn a page copied as plain text into the article's markdown body.

    Parameters
    ----------
    page : the page as received (navigation, staff boxes and footers included).
    start : the first words of the body; everything before is site chrome.
    end : the first words after the reference list (e.g. a footer's first line); everything from
        there on is dropped. The reference list is kept, under ``## References``.
    title : the article title, written as ``# title`` at the top.
    """
    s = page.find(start)
    if s < 0:
        raise InputError(Problem(file="article", field="body_start",
                                 message=f"the body start {start!r} does not occur in the page"))
    e = page.find(end, s)
    if e < 0:
        raise InputError(Problem(file="article", field="body_end",
                                 message=f"the body end {end!r} does not occur after the start"))
    lines = [ln.rstrip() for ln in page[s:e].splitlines()]
    out: list[str] = [f"# {title}", ""] if title else []
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        nxt = next((x.strip() for x in lines[i + 1:i + 2]), "")
        if BULLETS.match(raw):
            out.append("- " + BULLETS.sub("", raw).strip())
            if not nxt or not BULLETS.match(lines[i + 1]):
                out.append("")
        elif _is_heading(line, next_blank=(nxt == "")):
            out.extend([f"## {line.rstrip(':')}", ""])
        else:
            out.extend([line, ""])
    return "\n".join(out).rstrip() + "\n"


def parse_markdown(text: str, path: str = "article.md") -> Article:
    """Parse ``article.md`` into blocks (with their section) and the printed reference list."""
    title = ""
    section = "Introduction"
    blocks: list[Block] = []
    references: list[str] = []
    sections: list[str] = []
    in_refs = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("# ") and not title:
            title = stripped[2:].strip()
            continue
        if stripped.startswith("#"):
            section = stripped.lstrip("#").strip()
            in_refs = section.casefold() in REFERENCES_HEADINGS
            if not in_refs:
                sections.append(section)
            continue
        if in_refs:
            references.append(BULLETS.sub("", stripped) if stripped.startswith("- ") else stripped)
        elif stripped.startswith("- "):
            blocks.append(Block(section, stripped[2:].strip(), is_item=True))
        else:
            blocks.append(Block(section, stripped))
    return Article(title=title, blocks=blocks, references=references, path=path, sections=sections)


def load(path: Path | str) -> Article:
    """Read and parse an ``article.md`` file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(Problem(file=str(path), message="article file not found"))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(file=str(path), message=f"not UTF-8 text ({exc.reason} at byte "
                                                         f"{exc.start})")) from None
    return parse_markdown(text, path=path.name)


# --- sentences and claim candidates -------------------------------------------------------------

_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "Dr.", "approx.", "et al.")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph at '. ', '? ', '! ' followed by a capital letter.

    Splits inside parentheses and after common abbreviations (e.g., i.e.) are ignored.
    """
    sentences: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch in ".?!" and depth == 0:
            j = i + 1
            while j < len(text) and text[j] in "]0123456789[":  # a marker glued after the stop
                j += 1
            if j < len(text) - 1 and text[j] == " " and text[j + 1].isupper():
                if not any(text[start:i + 1].endswith(a) for a in _ABBREVIATIONS):
                    sentences.append(text[start:j].strip())
                    start = j + 1
        i += 1
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


@dataclass(frozen=True)
class Candidate:
    """A sentence or list item that may carry one or more claims."""

    id: str
    section: str
    text: str
    markers: tuple[str, ...]
    is_item: bool


def candidates(article: Article) -> list[Candidate]:
    """Every sentence and list item of the body, numbered S01, S02, ... in reading order."""
    return [c for c, _ in _numbered(article)]


def candidate_blocks(article: Article) -> dict[str, Block]:
    """The paragraph or list item each candidate id was cut from (to show a claim in context)."""
    return {c.id: block for c, block in _numbered(article)}


def _numbered(article: Article) -> list[tuple[Candidate, Block]]:
    out: list[tuple[Candidate, Block]] = []
    for block in article.blocks:
        parts = [block.text] if block.is_item else split_sentences(block.text)
        for part in parts:
            out.append((Candidate(id=f"S{len(out) + 1:02d}", section=block.section, text=part,
                                  markers=tuple(numbers_in(part)), is_item=block.is_item),
                        block))
    return out
