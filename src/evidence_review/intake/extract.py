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
from dataclasses import asdict, dataclass
from pathlib import Path

from evidence_review.core.errors import InputError, Problem
from evidence_review.intake import article as article_mod

SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html"}
_REF_HEADING = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?(?P<h>[A-Za-z ]+?)(?:\*\*)?\s*:?\s*$")
_LABEL = re.compile(r"^\s*(?:\[(\d+)\]|(\d+)[.)])\s*")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# A line that ends the reference list when it follows it: the site's footer begins.
_FOOTER = re.compile(r"^\s*(?:©|copyright\b|all rights reserved)", re.IGNORECASE)
# Lines between the title and the body that describe the page, not the article's content.
_BYLINE = re.compile(r"^\s*(?:by|written by|author|medically reviewed by|reviewed by)\b[:\s]*(?P<who>.+)$",
                     re.IGNORECASE)
_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%d %b, %Y", "%d %B, %Y", "%B %d, %Y", "%b %d, %Y", "%Y-%m-%d")
_DATE = re.compile(r"\b(\d{1,2} [A-Z][a-z]{2,8},? \d{4}|[A-Z][a-z]{2,8} \d{1,2}, \d{4}|\d{4}-\d{2}-\d{2})\b")
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
        The file is missing, of an unknown type, not text, or has no reference list.
    """
    path = Path(path)
    kind = article_kind(path)
    text = read_text(path)
    if kind == "markdown":
        return markdown_to_markdown(text), PageMeta(title=_md_title(text), format=kind)
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


def markdown_to_markdown(text: str) -> str:
    """A Markdown article, normalised; its reference list is relabelled ``[n] entry``."""
    body, heading, entries = _split_references(normalise(text).splitlines())
    if heading is None:
        return normalise(text)
    return _assemble(body, entries)


def _md_title(text: str) -> str | None:
    match = re.search(r"^# (.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def _split_references(lines: list[str]) -> tuple[list[str], str | None, list[str]]:
    """(lines before the references heading, the heading, the entries after it)."""
    for i, line in enumerate(lines):
        if is_references_heading(line):
            return lines[:i], line, reference_entries(lines[i + 1:])
    return lines, None, []


def is_references_heading(line: str) -> bool:
    """Whether a line is a reference-list heading ("References", "## Sources:", "**Bibliography**")."""
    match = _REF_HEADING.match(line)
    return bool(match) and match["h"].strip().lower() in article_mod.REFERENCES_HEADINGS


def reference_entries(lines: list[str]) -> list[str]:
    """The entries of a reference list, labelled ``[n]``, up to the first line that is not one.

    An entry is a labelled line (``[3] ...``, ``3. ...``, a bullet) or, in an unlabelled list, a long
    line holding a year. The list ends at a footer line (``©``, "Copyright") or at the first other
    line after at least one entry: what follows a reference list on a web page is site chrome.
    """
    entries: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if _FOOTER.match(stripped) or stripped.startswith("#"):
            break
        if not _looks_like_reference(stripped):
            if entries:
                break
            continue
        entries.append(_relabel(stripped, len(entries) + 1))
    return entries


def _looks_like_reference(line: str) -> bool:
    unbulleted = article_mod.BULLETS.sub("", line) if line.startswith(("-", "*", "•")) else line
    if _LABEL.match(line):
        return len(line) > 20
    return len(unbulleted) >= 40 and bool(_YEAR.search(unbulleted))


def _relabel(line: str, position: int) -> str:
    match = _LABEL.match(line)
    if match:
        return f"[{match.group(1) or match.group(2)}] {line[match.end():].strip()}"
    body = article_mod.BULLETS.sub("", line).strip() if line.startswith(("-", "*", "•")) else line
    return f"[{position}] {body}"


def _assemble(body: list[str], entries: list[str]) -> str:
    refs = "\n\n".join(entries)
    return normalise("\n".join(body) + "\n\n## References\n\n" + refs)


# --- plain text copied from a page -----------------------------------------------------------------

def text_to_markdown(page: str, title: str | None = None, label: str = "article") -> tuple[str, PageMeta]:
    """Plain page text → markdown: cut from the title to the end of the reference list.

    The title is ``title`` or the most title-like line before the first paragraph; the body starts
    at the first paragraph after it (bylines and dates between the two are read into the meta);
    the body ends at the references heading, and the list ends where its entries stop.
    """
    lines = [ln.rstrip() for ln in normalise(page).splitlines()]
    refs_at = _references_index(lines)
    if refs_at is None:
        raise InputError(Problem(file=label, field="References",
                                 message="no reference list found: the page needs a 'References' (or "
                                         "'Sources') heading followed by numbered entries"))
    first_para = _first_paragraph(lines, 0, refs_at)
    title_at = _title_index(lines, first_para, title)
    start = _first_paragraph(lines, title_at + 1, refs_at)
    if start >= refs_at:
        raise InputError(Problem(file=label, field="body", message="no article text found before the "
                                                                  "reference list"))
    meta = _text_meta(lines[title_at + 1:start], PageMeta(format="text"))
    meta.title = title or lines[title_at].strip()
    body = article_mod.page_to_markdown("\n".join(lines[start:refs_at]) + "\n" + _END,
                                        lines[start].strip(), _END, title=meta.title)
    return _assemble(body.splitlines(), reference_entries(lines[refs_at + 1:])), meta


def _references_index(lines: list[str]) -> int | None:
    """The last references heading followed by at least one entry (a menu may also say 'Sources')."""
    found = None
    for i, line in enumerate(lines):
        if is_references_heading(line) and reference_entries(lines[i + 1:]):
            found = i
    return found


def _is_paragraph(line: str) -> bool:
    words = line.split()
    return len(words) >= 12 and line.rstrip().endswith((".", "?", "!", ":", "]"))


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


def html_to_markdown(html: str, label: str = "article") -> tuple[str, PageMeta]:
    """A saved page → markdown: main text by trafilatura, reference list recovered when dropped.

    Superscript citation numbers (``<sup>1,2</sup>``, ``<sup>4-6</sup>``) are turned into ``[1,2]``
    markers first: in HTML the element says unambiguously that the number is a citation, which the
    plain text of a page cannot.
    """
    import trafilatura
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(html)
    superscripts_to_markers(tree)
    text = trafilatura.extract(lxml_html.tostring(tree, encoding="unicode"), output_format="markdown",
                               include_links=False, include_tables=True, include_comments=False,
                               favor_precision=True)
    if not text:
        raise InputError(Problem(file=label, field="body", message="no article text found in the page"))
    meta = _html_meta(html)
    lines = normalise(_MD_ESCAPE.sub(r"\1", text)).splitlines()
    if not lines[0].startswith("# ") and meta.title:
        lines = [f"# {meta.title}", "", *lines]
    body, _, entries = _split_references(lines)
    # trafilatura treats a reference list as boilerplate on some layouts (e.g. inside <aside> or
    # outside <article>) and drops it; the list is the audit's input, so it is read from the page
    # itself when the page has one, and trafilatura's copy is used only when the page's is not found.
    entries = html_reference_entries(tree) or entries
    if not entries:
        raise InputError(Problem(file=label, field="References",
                                 message="no reference list found in the page (no 'References' heading "
                                         "followed by a list)"))
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
        marker = ("" if not before or before[-1] in " ([" or not before[-1].isalnum() else " ") \
            + f"[{numbers}]"
        sup.tail = marker + (sup.tail or "")
        sup.drop_tree()  # keeps the tail (our marker) in place
        count += 1
    return count


def _text_before(element) -> str:
    previous = element.getprevious()
    if previous is not None:
        return previous.tail or previous.text_content() or ""
    return element.getparent().text or ""


def html_reference_entries(tree) -> list[str]:
    """The reference list as the page holds it: the list after a references heading, ``[n]`` labelled.

    An ``<ol start=...>`` keeps its numbering; list items that print their own number keep it.
    """
    for heading in tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "strong", "b"):
        if not is_references_heading(heading.text_content()):
            continue
        lst = _next_list(heading)
        if lst is None:
            continue
        start = int(lst.get("start", "1")) if lst.get("start", "1").isdigit() else 1
        items = [" ".join(li.text_content().split()) for li in lst.iter("li")]
        return [_relabel(item, n) if _LABEL.match(item) else f"[{n}] {item}"
                for n, item in enumerate(items, start=start) if item]
    return []


def _next_list(heading):
    """The first <ol>/<ul> after a heading in document order, before the next heading."""
    for element in heading.itersiblings():
        if element.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
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


def _html_meta(html: str) -> PageMeta:
    import trafilatura

    doc = trafilatura.extract_metadata(html)
    if doc is None:
        return PageMeta(format="html")
    return PageMeta(title=doc.title, author=doc.author, date=doc.date, site=doc.sitename, url=doc.url,
                    format="html")
