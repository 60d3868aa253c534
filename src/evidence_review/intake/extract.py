"""Article input → the markdown body ``article.md`` that every later step reads.

Three inputs are accepted: Markdown (kept, normalised), plain text copied from a web page (the body
is found from the title to the end of the reference list) and a saved HTML page (the main text is
extracted with trafilatura; navigation, author boxes and footers are dropped). The result always has
a ``# title`` line, ``## `` headings, ``[n]`` citation markers and a final ``## References`` section
with one ``[n] entry`` per paragraph, as :func:`evidence_review.intake.article.parse_markdown` expects.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from evidence_review.core import markers as markers_mod
from evidence_review.core.errors import InputError, Problem
from evidence_review.intake import article as article_mod

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html"}
_REF_HEADING = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?(?P<h>[^\W\d_][\w &'’-]*?)(?:\*\*)?\s*:?\s*(?:\*\*)?\s*$")
_LABEL = re.compile(r"^\s*(?:\[(\d+)\]|(\d+)[.)])\s*")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# A line that ends the reference list when it follows it: the site's footer begins.
_FOOTER = re.compile(r"^\s*(?:©|copyright\b|all rights reserved)", re.IGNORECASE)
# Site chrome after the body when the list does not close it (list in a sidebar, or no list).
_CHROME = re.compile(r"^\s*(?:©|copyright\b|all rights reserved|was this (?:article|page) helpful|"
                     r"share this|related (?:articles|posts|stories)|subscribe\b|sign up\b|"
                     r"you (?:may|might) also like|more (?:articles|from)\b|recommended for you)",
                     re.IGNORECASE)
# What makes a line a reference even without a heading above it.
_LINK = re.compile(r"https?://\S+|\bwww\.\w\S+|\bdoi:\s*\S+|\b10\.\d{4,9}/\S+", re.IGNORECASE)
_JOURNAL_SOURCE = re.compile(r"\b(?:19|20)\d{2}(?:\s[A-Z][a-z]{2}(?:\s\d{1,2})?)?;\s?\d")
_APA_DATE = re.compile(r"^.{2,200}?\((?:(?:19|20)\d{2}[a-z]?|n\.d\.)(?:,[^)]*)?\)\.")
_AUTHORS_START = re.compile(r"^(?:[a-z]{1,3}\s)?[A-Z][\w'’-]+,?\s(?:[A-Z]{1,3}|(?:[A-Z]\.\s?){1,3})[,.]")
# Lines between the title and the body that describe the page, not the article's content.
_BYLINE = re.compile(r"^\s*(?:by|written by|author|medically reviewed by|reviewed by|por|von|par|di|door|"
                     r"av)\b[:\s]*(?P<who>[A-ZÀ-Ý].+)$", re.IGNORECASE)
_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%d %b, %Y", "%d %B, %Y", "%B %d, %Y", "%b %d, %Y", "%Y-%m-%d")
_DATE = re.compile(r"\b(\d{1,2} [A-Z][a-z]{2,8},? \d{4}|[A-Z][a-z]{2,8} \d{1,2}, \d{4}|\d{4}-\d{2}-\d{2})\b")
LINKS_IN_TEXT = "links in the text"  # reference_position of a page that cites by link only
_END = "\x00end-of-body\x00"  # a sentinel page_to_markdown cuts at when the list runs to the end


@dataclass
class PageMeta:
    """What the input says about itself: each field is None when it could not be found."""

    title: str | None = None
    author: str | None = None
    date: str | None = None  # ISO date, e.g. "2024-03-05"
    site: str | None = None
    url: str | None = None
    format: str = "markdown"  # "markdown", "text" or "html"
    reference_heading: str | None = None  # the list's heading as printed; None when it has none
    reference_position: str | None = None  # "after the body", "before the body" or None (no list)
    warnings: list[str] = field(default_factory=list)  # what intake could not read cleanly

    def to_dict(self) -> dict:
        return asdict(self)


# --- entry point -------------------------------------------------------------------------------------

def to_markdown(path: Path | str, title: str | None = None) -> tuple[str, PageMeta]:
    """Read an article file and return its markdown body and what it says about itself.

    Parameters
    ----------
    path : a ``.md``/``.markdown``, ``.txt`` (page text as copied) or ``.html``/``.htm`` file.
    title : the article title, when the heuristics should not guess it (plain text only).

    Returns
    -------
    (markdown, meta) : the body as ``article.md`` holds it, and a :class:`PageMeta`.

    Raises
    ------
    InputError
        The file is missing, of an unknown type, not text, or holds no text at all. A page without
        a reference list or with a short body is read, with a warning in ``meta.warnings``.
    """
    path = Path(path)
    kind = article_kind(path)
    text = read_text(path)
    if kind == "markdown":
        meta = PageMeta(title=_md_title(text), format=kind)
        return markdown_to_markdown(text, meta), meta
    if kind == "text":
        return text_to_markdown(text, title=title, label=str(path))
    return html_to_markdown(text, label=str(path))


def article_kind(path: Path) -> str:
    """"markdown", "text" or "html" from the file's suffix; another suffix raises InputError."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(Problem(file=str(path), field="suffix",
                                 message=f"unknown article type {path.suffix or '(none)'!r}: use "
                                         f"{', '.join(SUFFIXES)}"))
    return kind


def read_text(path: Path) -> str:
    """The file as text (UTF-8, BOM dropped); a missing or binary file raises InputError."""
    if not path.is_file():
        raise InputError(Problem(file=str(path), message="article file not found"))
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(file=str(path), message=f"not UTF-8 text ({exc.reason} at byte "
                                                         f"{exc.start})")) from None


# --- markdown ----------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """NFC, ``\\n`` line ends, no trailing spaces, at most one blank line in a row, one final newline."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [ln.rstrip() for ln in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def markdown_to_markdown(text: str, meta: PageMeta | None = None) -> str:
    """A Markdown article, normalised; its reference list is relabelled ``[n] entry``."""
    meta = meta or PageMeta()
    lines = normalise(text).splitlines()
    span = find_reference_list(lines)
    if span is None:
        _no_list(meta)
        return normalise(text)
    body = lines[:span.start] + lines[span.end:]
    meta.reference_heading = span.heading
    meta.reference_position = "after the body" if span.start >= len(body) * 0.5 else "before the body"
    entries = reference_entries(lines[span.first:span.end], headed=span.heading is not None)
    body = convert_markers(body, entries, meta, flattened=False)
    return _assemble(body, entries)


def _md_title(text: str) -> str | None:
    match = re.search(r"^# (.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def _split_references(lines: list[str]) -> tuple[list[str], str | None, list[str]]:
    """(lines before the references heading, the heading, the entries after it)."""
    for i, line in enumerate(lines):
        if is_references_heading(line, notes=True) and reference_entries(lines[i + 1:]):
            return lines[:i], line, reference_entries(lines[i + 1:])
    return lines, None, []


def heading_text(line: str) -> str | None:
    """The words of a heading-like line ("## Sources:" -> "Sources"), or None."""
    match = _REF_HEADING.match(line)
    return match["h"].strip() if match else None


def is_references_heading(line: str, notes: bool = False) -> bool:
    """Whether a line is a reference-list heading ("References", "## Sources:", "**Quellen**").

    Headings in other languages count (:data:`article.REFERENCES_HEADINGS`); with ``notes``, so do
    "Notes" and "Footnotes" (the caller then requires entries to follow).
    """
    words = heading_text(line)
    if not words:
        return False
    key = " ".join(words.casefold().split())
    return key in article_mod.REFERENCES_HEADINGS or (notes and key in article_mod.NOTE_HEADINGS)


def is_reference_like(line: str) -> bool:
    """Whether a line reads as a reference even with no heading above it (precision first).

    It must carry a link or DOI, a journal source (``2019;12``), an APA date after the authors
    (``Family, A. (2019).``) or start with a Vancouver author and hold a year: a body sentence
    mentioning a year is not enough.
    """
    body = _unlabelled(line)
    if len(body) < 25:
        return False
    if _LINK.search(body) or _JOURNAL_SOURCE.search(body) or _APA_DATE.match(body):
        return True
    return bool(_AUTHORS_START.match(body) and _YEAR.search(body))


def _unlabelled(line: str) -> str:
    stripped = line.strip()
    if stripped.startswith(("-", "*", "•", "●", "▪", "◦", "·", "–")):
        stripped = article_mod.BULLETS.sub("", stripped) if article_mod.BULLETS.match(stripped) \
            else stripped.lstrip("-*•●▪◦·– ")
    return _LABEL.sub("", stripped, count=1).strip()


def reference_entries(lines: list[str], headed: bool = True) -> list[str]:
    """The entries of a reference list, labelled ``[n]``, up to the first line that is not one.

    Under a heading an entry is a labelled line (``[3] ...``, ``3. ...``, ``3) ...``), a bullet or
    line with a link, or a long line holding a year; without a heading it must read as a reference
    (:func:`is_reference_like`). Each line is its own entry (a list of web sources, one a line, is
    never run together). The list ends at a footer line or at the first other line after at least
    one entry: what follows a reference list on a web page is site chrome.
    """
    entries: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if _FOOTER.match(stripped) or stripped.startswith("#"):
            break
        ok = _looks_like_reference(stripped) if headed else is_reference_like(stripped)
        if entries and _continues(stripped, entries[-1]):
            entries[-1] = f"{entries[-1]} {stripped}" if stripped not in ".;," else entries[-1] + stripped
            continue
        if not ok:
            if entries:
                break
            continue
        entries.append(_relabel(stripped, len(entries) + 1))
    return entries


_CONTINUATION = re.compile(r"^(?:doi:?\s*|https?://|10\.\d{4,9}/|PMID|PMCID|Available (?:from|at)|"
                           r"Accessed|\[cited|[.;,]$)", re.IGNORECASE)


def _continues(line: str, previous: str) -> bool:
    """Whether a line carries on the entry above it (a DOI or URL wrapped onto its own line)."""
    if _LABEL.match(line) or not _LABEL.match(previous):
        return False
    return bool(_CONTINUATION.match(line)) or previous.rstrip().lower().endswith(("doi:", "available from:"))


def _looks_like_reference(line: str) -> bool:
    unbulleted = _unlabelled(line)
    if _LABEL.match(line):
        return len(line) > 20 or (len(unbulleted) == 0)
    if _LINK.search(unbulleted):
        return len(unbulleted) >= 12
    return len(unbulleted) >= 40 and bool(_YEAR.search(unbulleted))


def _relabel(line: str, position: int) -> str:
    match = _LABEL.match(line)
    if match:
        return f"[{match.group(1) or match.group(2)}] {line[match.end():].strip()}".rstrip()
    return f"[{position}] {_unlabelled(line)}"


@dataclass
class ListSpan:
    """Where a reference list stands among a page's lines: [start, end), entries from ``first``."""

    start: int
    first: int
    end: int
    heading: str | None


def find_reference_list(lines: list[str]) -> ListSpan | None:
    """The page's reference list: under a heading when one is followed by entries, else the longest
    run of lines that read as references (at least two), wherever it stands (after the body, or
    before it in a sidebar)."""
    found = None
    for i, line in enumerate(lines):
        if is_references_heading(line, notes=True):
            entries = reference_entries(lines[i + 1:])
            if entries and (is_references_heading(line) or any(is_reference_like(e) for e in entries)):
                found = ListSpan(i, i + 1, _list_end(lines, i + 1), heading_text(line))
    if found is not None:
        return found
    best: ListSpan | None = None
    i = 0
    while i < len(lines):
        if not is_reference_like(lines[i]):
            i += 1
            continue
        j, count = i, 0
        while j < len(lines) and (not lines[j].strip() or is_reference_like(lines[j])):
            count += bool(lines[j].strip())
            j += 1
        if count >= 2 and (best is None or count >= _count(lines, best)):
            best = ListSpan(i, i, j, None)
        i = j
    return best


def _count(lines: list[str], span: ListSpan) -> int:
    return sum(1 for ln in lines[span.first:span.end] if ln.strip())


def _list_end(lines: list[str], first: int) -> int:
    """The index after the last entry of a headed list starting at ``first``."""
    seen, end, previous = False, first, ""
    for k in range(first, len(lines)):
        stripped = lines[k].strip()
        if not stripped:
            continue
        if _FOOTER.match(stripped) or stripped.startswith("#"):
            break
        if seen and _continues(stripped, previous):
            end = k + 1
            continue
        previous = stripped if _looks_like_reference(stripped) else previous
        if not _looks_like_reference(stripped):
            if seen:
                break
            continue
        seen, end = True, k + 1
    return end


def _assemble(body: list[str], entries: list[str]) -> str:
    if not entries:
        return normalise("\n".join(body))
    refs = "\n\n".join(entries)
    return normalise("\n".join(body) + "\n\n## References\n\n" + refs)


def _no_list(meta: PageMeta) -> None:
    meta.warnings.append("no reference list found: the review is made without one (the audit reports "
                         "that the article gives no sources)")


# --- markers in every form -----------------------------------------------------------------------

def author_date_index(entries: list[str]) -> dict[tuple[str, str], str]:
    """(first author's family name, year) -> entry number, for author-date citations."""
    index: dict[tuple[str, str], str] = {}
    for entry in entries:
        label = _LABEL.match(entry)
        number = label.group(1) or label.group(2) if label else None
        body = entry[label.end():] if label else entry
        who = re.match(r"\s*((?:[a-z]{1,3}\s)?[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+)*)", body)
        year = _YEAR.search(body)
        if number and who and year:
            index.setdefault((who.group(1).casefold(), year.group(0)), number)
    return index


def convert_markers(body: list[str], entries: list[str], meta: PageMeta, flattened: bool) -> list[str]:
    """Body lines with every marker form turned into ``[n]`` (:func:`markers.to_brackets`).

    Parenthesised and flattened numbers are read only on a page that has no ``[n]`` markers of its
    own; author-date citations only when they name an entry of the list.
    """
    n_refs = len(entries)
    prose = [ln for ln in body if ln.strip() and not ln.startswith("#")]
    has_brackets = any(markers_mod.MARKER.search(ln) for ln in prose)
    flat = flattened and not has_brackets and bool(markers_mod.flattened_markers("\n".join(prose), n_refs))
    index = author_date_index(entries) if not has_brackets else {}
    out = []
    for line in body:
        if line.strip() and not line.startswith("#"):
            line, _ = markers_mod.to_brackets(line, n_refs, paren=not has_brackets, flattened=flat)
            line, _ = markers_mod.author_date_markers(line, index)
        out.append(line)
    if flat:
        meta.warnings.append("citation numbers printed flat after words (superscripts lost in "
                             "copying) were read as markers: check them in article.md")
    return out


# --- plain text copied from a page -----------------------------------------------------------------

def text_to_markdown(page: str, title: str | None = None, label: str = "article") -> tuple[str, PageMeta]:
    """Plain page text → markdown: the body from the title on, the reference list wherever it stands.

    The reference list is found under a heading (in several languages) or as a run of lines that
    read as references, after the body or before it. The title is ``title`` or the most title-like
    line before the first paragraph; the body starts at the first paragraph after it (bylines and
    dates between the two are read into the meta) and ends at the reference list when the list
    follows it, else at the first line of site chrome. A page without a list, or with a short body,
    is read with a warning.
    """
    lines = [ln.rstrip() for ln in normalise(page).splitlines()]
    meta = PageMeta(format="text")
    span = find_reference_list(lines)
    if span is None:
        _no_list(meta)
        entries: list[str] = []
        keep = list(range(len(lines)))
    else:
        entries = reference_entries(lines[span.first:span.end], headed=span.heading is not None)
        keep = [k for k in range(len(lines)) if not span.start <= k < span.end]
        meta.reference_heading = span.heading
    rest = [lines[k] for k in keep]
    if not any(ln.strip() for ln in rest) and not entries:
        raise InputError(Problem(file=label, field="body", message="the page holds no text"))
    first_para = _first_paragraph(rest, 0, len(rest))
    title_at = _title_index(rest, first_para, title)
    start = _first_paragraph(rest, title_at + 1, len(rest))
    stop = len(rest)
    if span is not None:
        after = keep.index(span.end) if span.end in keep else len(rest)
        meta.reference_position = "after the body" if after > start else "before the body"
        if after > start:
            stop = after
    stop = next((k for k in range(start, stop) if _CHROME.match(rest[k])), stop)
    meta = _text_meta(rest[title_at + 1:start] if title_at >= 0 else [], meta)
    meta.title = title or (rest[title_at].strip() if title_at >= 0 else None)
    if start >= stop:
        meta.warnings.append("no article text found besides the reference list")
        body = [f"# {meta.title}", ""] if meta.title else []
    else:
        body = article_mod.page_to_markdown("\n".join(rest[start:stop]) + "\n" + _END,
                                            rest[start].strip(), _END, title=meta.title).splitlines()
    if start < stop and sum(len(ln.split()) for ln in rest[start:stop]) < 80:
        meta.warnings.append("the article body is short (under 80 words): check that the whole page "
                             "was saved")
    body = convert_markers(body, entries, meta, flattened=True)
    return _assemble(body, entries), meta


def _is_paragraph(line: str) -> bool:
    words = line.split()
    end = line.rstrip().rstrip("0123456789,–-" + markers_mod.SUPERSCRIPT_DIGITS + "⁻")
    return len(words) >= 12 and end.endswith((".", "?", "!", ":", "]", ")")) and not is_reference_like(line)


def _first_paragraph(lines: list[str], start: int, stop: int) -> int:
    return next((i for i in range(start, stop) if _is_paragraph(lines[i])), stop)


def _title_index(lines: list[str], before: int, title: str | None) -> int:
    """The title line: the given title, else the best title-like line before the first paragraph."""
    if title:
        for i in range(before):
            if lines[i].strip() == title.strip():
                return i
    scored = [(_title_score(lines[i]), i) for i in range(before)]
    best = max(scored, default=(0, -1))
    if best[0] <= 0:
        return before - 1  # no title-like line: the body starts at the first paragraph
    return best[1]


def _title_score(line: str) -> int:
    """How title-like a line is (0: not at all): 3+ words, not a menu, byline, breadcrumb or date."""
    text = line.strip()
    words = text.split()
    if len(words) < 3 or len(words) > 20 or text.endswith((".", ",", ";")):
        return 0
    if re.search(r"[/|›»>]", text) or _BYLINE.match(text) or _DATE.search(text) or re.search(r"\d", text):
        return 0
    if is_references_heading(text, notes=True):
        return 0
    capitalised = [w for w in words if w[0].isalpha()]
    title_case = all(w[0].isupper() or w.lower() in article_mod._MINOR_WORDS for w in capitalised)
    return len(words) + (20 if title_case else 0)


def _text_meta(lines: list[str], meta: PageMeta) -> PageMeta:
    """Read an author and a date from the lines between the title and the body."""
    for line in lines:
        byline = _BYLINE.match(line)
        if byline and meta.author is None:
            meta.author = byline["who"].split(",")[0].strip()
        date = _DATE.search(line)
        if date and meta.date is None:
            meta.date = parse_date(date.group(1))
    return meta


def parse_date(text: str) -> str | None:
    """A printed date ("08 Nov, 2025", "March 5, 2024", "2024-03-05") as ISO, else None."""
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    return None


# --- saved HTML page -----------------------------------------------------------------------------

_SUP_MARKER = re.compile(r"^\s*\[?\s*(\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)\s*\]?\s*$")
# Text before a <sup> that makes its number a power, not a citation: "10<sup>9</sup>", "kg/m<sup>2</sup>".
_POWER_BEFORE = re.compile(r"(?:\d|(?:^|[\s/(\d])(?:mm|cm|km|m|kg|g|mg|ft|x))$")
_MD_ESCAPE = re.compile(r"\\([\[\]*_#`>|()!+.-])")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Containers that hold a page's notes or references, by id, class or ARIA role.
_NOTES_BOX = re.compile(r"(?:^|[\s_-])(?:foot-?notes?|end-?notes?|references?|refs|bibliography|citations?|"
                        r"sources|reflist|literatur|quellen|referencias|bibliograf\w*)(?:$|[\s_-])",
                        re.IGNORECASE)
_BACKLINK = re.compile(r"\s*(?:[↩↑^]+|Back to (?:text|top)|Jump up|Return to text)\s*", re.IGNORECASE)
_TRUSTED = re.compile(r"^\s*trusted\s+source\s*$", re.IGNORECASE)
_SOCIAL = ("facebook.", "twitter.", "x.com", "linkedin.", "pinterest.", "instagram.", "youtube.",
           "whatsapp.", "reddit.", "tiktok.")
_SOURCE_HOSTS = ("doi.org", "pubmed", "ncbi.nlm.nih.gov", "europepmc", "cochranelibrary")


def html_to_markdown(html: str, label: str = "article") -> tuple[str, PageMeta]:
    """A saved page → markdown: main text by trafilatura, reference list read from the page itself.

    The list is found under a heading (several languages), in a footnotes/references box, at the
    targets of the markers' back-links, or as an ``<ol>``/``<ul>`` whose items read as references;
    it is taken out of the page before trafilatura reads the body, wherever it stands. Superscript
    citation numbers (``<sup>1,2</sup>``) become ``[1,2]``; links to sources in the body (a
    "Trusted Source" badge, a DOI or PubMed link, or any outside link on a page with no list)
    become markers, and a link that names no entry of the list becomes a reference of its own.
    """
    import trafilatura
    from lxml import html as lxml_html

    meta = _html_meta(html)
    tree = lxml_html.fromstring(html)
    superscripts_to_markers(tree)
    entries, heading, position = _take_reference_list(tree)
    from_links = links_to_markers(tree, entries, _host(meta.url or _canonical(tree)))
    if from_links and not entries:
        position = LINKS_IN_TEXT
    entries += from_links
    text = trafilatura.extract(lxml_html.tostring(tree, encoding="unicode"), output_format="markdown",
                               include_links=False, include_tables=True, include_comments=False,
                               favor_precision=True)
    if not text and not entries:
        raise InputError(Problem(file=label, field="body", message="no article text found in the page"))
    lines = normalise(_MD_ESCAPE.sub(r"\1", text or "")).splitlines()
    if (not lines or not lines[0].startswith("# ")) and meta.title:
        lines = [f"# {meta.title}", "", *lines]
    body, found_heading, md_entries = _split_references(lines)
    if not entries:  # the page's own structure gave nothing: trafilatura's copy, if it kept one
        entries, heading = md_entries, heading_text(found_heading) if found_heading else None
    if entries:
        meta.reference_heading = heading
        meta.reference_position = position or "after the body"
    else:
        meta.reference_position = None
        _no_list(meta)
    if sum(len(ln.split()) for ln in body if not ln.startswith("#")) < 80:
        meta.warnings.append("the article body is short (under 80 words): check that the whole page "
                             "was saved")
    body = convert_markers(body, entries, meta, flattened=False)
    return _assemble(body, entries), meta


def superscripts_to_markers(tree) -> int:
    """Replace each ``<sup>`` holding only citation numbers by a ``[n]`` marker; return how many.

    A number raised after a digit or a unit (``10<sup>9</sup>/L``, ``kg/m<sup>2</sup>``) is a power
    and is left alone, unless it links to an anchor in the page (a footnote link is a citation).
    """
    count = 0
    for sup in list(tree.iter("sup")):
        match = _SUP_MARKER.match(sup.text_content())
        before = _text_before(sup)
        linked = any((a.get("href") or "").startswith("#") for a in sup.iter("a"))
        if not match or (not linked and _POWER_BEFORE.search(before)):
            continue
        numbers = re.sub(r"\s+", "", match.group(1))
        _replace(sup, _glue(before) + f"[{numbers}]")
        count += 1
    return count


def _glue(before: str) -> str:
    return "" if not before or before[-1] in " ([" or not before[-1].isalnum() else " "


def _replace(element, text: str) -> None:
    """Put ``text`` where ``element`` stands and drop the element (its tail is kept)."""
    element.tail = text + (element.tail or "")
    element.drop_tree()


def _text_before(element) -> str:
    previous = element.getprevious()
    if previous is not None:
        return previous.tail or previous.text_content() or ""
    return element.getparent().text or ""


def html_reference_entries(tree) -> list[str]:
    """The reference list as the page holds it, ``[n]`` labelled (the tree is left unchanged)."""
    import copy

    entries, _, _ = _take_reference_list(copy.deepcopy(tree))
    return entries


def _take_reference_list(tree) -> tuple[list[str], str | None, str | None]:
    """Find the reference list in the page and take it out of the tree.

    Returns (entries, heading or None, "after the body" / "before the body" / None).
    """
    for heading in tree.iter(*_HEADINGS, "p", "strong", "b", "div", "span", "summary"):
        if len(heading) > 2 or not is_references_heading(heading.text_content(), notes=True):
            continue
        lst = _next_list(heading)
        if lst is None:
            continue
        entries = _list_entries(lst)
        if entries and (is_references_heading(heading.text_content())
                        or any(is_reference_like(e) for e in entries)):
            return entries, heading_text(heading.text_content()), _take(tree, lst, heading)
    for box in _note_boxes(tree):
        entries = _list_entries(box)
        if entries:
            inner = next(box.iter(*_HEADINGS), None)
            return entries, heading_text(inner.text_content()) if inner is not None else None, \
                _take(tree, box)
    for lst in tree.iter("ol", "ul"):
        items = [li for li in lst if li.tag == "li"]
        texts = [" ".join(li.text_content().split()) for li in items]
        if len(items) >= 2 and sum(map(is_reference_like, texts)) >= 0.6 * len(items):
            return _list_entries(lst), None, _take(tree, lst)
    return [], None, None


def _take(tree, element, heading=None) -> str:
    """Drop the list (and its heading) from the tree; say whether it stood before the body text."""
    order = {e: i for i, e in enumerate(tree.iter())}
    paragraphs = [order[p] for p in tree.iter("p") if len(p.text_content().split()) >= 12
                  and element not in p.iterancestors() and p is not element]
    before = bool(paragraphs) and order[element] < min(paragraphs)
    _drop(element)
    if heading is not None:
        _drop(heading)
    return "before the body" if before else "after the body"


def _note_boxes(tree):
    """Footnote/reference containers: by id, class or role, or as the targets of marker back-links."""
    seen = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("a", "sup", "body", "html", "article", "main"):
            continue
        names = " ".join(filter(None, [element.get("id"), element.get("class")]))
        role = element.get("role") or ""
        if role in ("doc-endnotes", "doc-bibliography") or (names and _NOTES_BOX.search(names)):
            if not any(s in element.iterancestors() for s in seen):
                seen.append(element)
    if seen:
        return seen
    targets = [a.get("href")[1:] for a in tree.iter("a") if (a.get("href") or "").startswith("#")
               and len(a.get("href")) > 1]
    boxes = []
    for target in dict.fromkeys(targets):
        found = tree.xpath(f'//*[@id="{target}"]') if '"' not in target else []
        if found:
            item = next((e for e in [found[0], *found[0].iterancestors()] if e.tag in ("li", "p", "div")),
                        None)
            box = item.getparent() if item is not None else None
            if box is not None and box.tag not in ("body", "html") and box not in boxes:
                boxes.append(box)
    return [b for b in boxes if len([c for c in b if c.tag in ("li", "p", "div")]) >= 2]


def _list_entries(container) -> list[str]:
    """The entries of an ``<ol>``/``<ul>`` (``start`` kept) or of a box of ``<p>``/``<li>`` notes."""
    lst = container if container.tag in ("ol", "ul") else next(container.iter("ol", "ul"), None)
    if lst is not None:
        items = [li for li in lst if li.tag == "li"] or list(lst.iter("li"))
        start = int(lst.get("start", "1")) if lst.get("start", "1").isdigit() else 1
    else:
        items = [e for e in container.iter("p", "div", "li")
                 if e is not container and len(e.text_content()) > 20]
        start = 1
    out = []
    for n, item in enumerate(items, start=start):
        text = _BACKLINK.sub(" ", " ".join(item.text_content().split())).strip()
        text = re.sub(r"\s+", " ", text)
        if not text and lst is None:
            continue
        out.append(_relabel(text, n) if _LABEL.match(text) else f"[{n}] {text}".rstrip())
    return out


def _drop(element) -> None:
    parent = element.getparent()
    if parent is not None:
        element.drop_tree()
        if (parent.tag not in ("body", "html") and not parent.text_content().strip()
                and parent.getparent() is not None):
            parent.drop_tree()


def _next_list(heading):
    """The first <ol>/<ul> after a heading in document order, before the next heading."""
    for element in heading.itersiblings():
        if element.tag in _HEADINGS:
            return None
        if element.tag in ("ol", "ul"):
            return element
        nested = next(element.iter("ol", "ul"), None)
        if nested is not None:
            return nested
    parent = heading.getparent()
    if parent is not None and parent.tag not in ("body", "html") and len(parent) == 1:
        return _next_list(parent)  # a heading wrapped alone in a <div>/<header>
    return None


def _host(url: str | None) -> str:
    if not url:
        return ""
    host = urlsplit(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


def _canonical(tree) -> str | None:
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        found = tree.xpath(xpath)
        if found:
            return found[0]
    return None


def _url_key(url: str) -> str:
    parts = urlsplit(url.strip().rstrip(").,;"))
    host = parts.netloc.lower().removeprefix("www.")
    return (host + parts.path.rstrip("/")).lower()


def _doi_in(text: str) -> str | None:
    match = re.search(r"10\.\d{4,9}/[^\s\"<>]+", text)
    return match.group(0).rstrip(".,;)").lower() if match else None


def links_to_markers(tree, entries: list[str], own_host: str) -> list[str]:
    """Turn the body's links to sources into ``[n]`` markers; return the new entries they add.

    A link cites when it carries (or is followed by) a "Trusted Source" badge, points to a DOI or
    PubMed record, points to what an entry of the list names, or, on a page with no list, points
    off the site. Links in navigation, headers, footers and asides never cite, nor do links to the
    site itself or to social networks.
    """
    by_url: dict[str, str] = {}
    for entry in entries:
        number = _LABEL.match(entry)
        if not number:
            continue
        n = number.group(1) or number.group(2)
        for url in re.findall(r"https?://[^\s<>]+", entry):
            by_url.setdefault(_url_key(url), n)
        if doi := _doi_in(entry):
            by_url.setdefault("doi:" + doi, n)
    numbers = [int(m.group(1) or m.group(2)) for e in entries if (m := _LABEL.match(e))]
    next_number = max(numbers, default=0) + 1
    added: list[str] = []
    for link in list(tree.iter("a")):
        href = (link.get("href") or "").strip()
        if not href.startswith(("http://", "https://")) or _in_chrome(link):
            continue
        host = _host(href)
        if (own_host and host == own_host) or any(s in host for s in _SOCIAL):
            continue
        badge = _badge_after(link)
        trusted = bool(_TRUSTED.match(link.text_content())) or badge is not None
        doi = _doi_in(href)
        number = by_url.get("doi:" + doi) if doi else None
        number = number or by_url.get(_url_key(href))
        if number is None and (trusted or any(s in host for s in _SOURCE_HOSTS) or not entries):
            text = " ".join(link.text_content().split())
            printed = href if _TRUSTED.match(text) or not text else f"{text.rstrip('.')}. {href}"
            number = str(next_number)
            next_number += 1
            by_url[_url_key(href)] = number
            if doi:
                by_url["doi:" + doi] = number
            added.append(f"[{number}] {printed}")
        if number is None:
            continue
        if badge is not None:
            _replace(badge, "")
        if _TRUSTED.match(link.text_content()):
            _replace(link, f" [{number}]")
        else:
            link.tail = f" [{number}]" + (link.tail or "")
    return added


def _in_chrome(element) -> bool:
    return any(a.tag in ("nav", "header", "footer", "aside", "form", "button") or
               re.search(r"(?:^|[\s_-])(?:share|social|nav|menu|footer|related|newsletter)(?:$|[\s_-])",
                         f"{a.get('class') or ''} {a.get('id') or ''}", re.IGNORECASE)
               for a in [element, *element.iterancestors()])


def _badge_after(link):
    """The "Trusted Source" badge element right after a link, or None."""
    nxt = link.getnext()
    if nxt is not None and not (link.tail or "").strip() and _TRUSTED.match(nxt.text_content() or ""):
        return nxt
    return None


def _html_meta(html: str) -> PageMeta:
    import trafilatura

    # extensive=False: a date from the page's markup only (meta tags, <time>, structured data, the
    # address); htmldate's search of the text took a copyright year or a reference's year for it
    doc = trafilatura.extract_metadata(html, extensive=False)
    if doc is None:
        return PageMeta(format="html")
    return PageMeta(title=doc.title, author=doc.author, date=doc.date, site=doc.sitename, url=doc.url,
                    format="html")
