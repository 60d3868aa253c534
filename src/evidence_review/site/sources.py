"""SOURCES → pages: saved files, folders, globs, files listing URLs, sitemaps and single URLs.

Each SOURCE argument becomes zero or more :class:`PageSource` items and one or more
:class:`SourceNote` rows (what was read, how many pages it gave, or why it gave none). Nothing
here raises for a bad source: the scan records it and goes on.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from evidence_review.intake.extract import SUFFIXES
from evidence_review.site.web import SITEMAP_TYPES

PAGE_SUFFIXES = tuple(SUFFIXES)  # what intake reads: .md, .markdown, .txt, .html, .htm
MAX_SITEMAP_DEPTH = 5
MAX_SITEMAP_URLS = 100_000
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class PageSource:
    """One page to scan: a file on disk or a URL to fetch."""

    location: str  # the file path (relative to the project root when inside it) or the URL
    kind: str  # "file" | "url"
    path: Path | None = None  # the file, for kind "file"

    @property
    def page_id(self) -> str:
        return page_id(self.location)


@dataclass
class SourceNote:
    """What came of one SOURCE (or one sitemap inside it)."""

    source: str
    kind: str  # "file" | "folder" | "glob" | "url-list" | "sitemap" | "url"
    status: str  # "ok" | "empty" | "failed" | "skipped"
    reason: str | None = None
    pages: int = 0


def page_id(location: str) -> str:
    """A short stable id: the page's slug and 6 hex digits of its location's hash."""
    tail = location.rstrip("/").rsplit("/", 1)[-1]
    stem = tail.rsplit(".", 1)[0] if "." in tail else tail
    slug = _SLUG.sub("-", stem.lower()).strip("-")[:40] or "page"
    return f"{slug}-{hashlib.sha1(location.encode('utf-8')).hexdigest()[:6]}"


def is_url(text: str) -> bool:
    return bool(_URL.match(text.strip()))


def looks_like_sitemap(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith((".xml", ".xml.gz")) or "sitemap" in path.rsplit("/", 1)[-1]


def _location(path: Path, root: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(root))
    except ValueError:
        return str(resolved)


def _url_list(path: Path) -> list[str] | None:
    """The URLs of a file whose every non-blank, non-# line is a URL; None when it is not one."""
    if path.suffix.lower() in (".html", ".htm", ".md", ".markdown", ".xml"):
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if lines and all(is_url(ln) for ln in lines):
        return lines
    return None


def expand(sources: list[str], root: Path, fetcher=None,
           ) -> tuple[list[PageSource], list[SourceNote]]:
    """Every page named by SOURCES (de-duplicated, in the order given) and a note per source.

    Parameters
    ----------
    sources : the SOURCE arguments.
    root : the project root (file locations are given relative to it).
    fetcher : a :class:`evidence_review.site.web.PoliteFetcher` for sitemaps on the web; without
        one, a web sitemap is recorded as skipped.
    """
    pages: dict[str, PageSource] = {}
    notes: list[SourceNote] = []
    for source in sources:
        found: list[PageSource] = []
        note = _expand_one(source, root, fetcher, found, notes)
        fresh = [p for p in found if p.location not in pages]
        for page in fresh:
            pages[page.location] = page
        if note is not None:
            note.pages = len(found)
            if note.status == "ok" and not found:
                note.status, note.reason = "empty", note.reason or "no pages found"
            notes.append(note)
    return list(pages.values()), notes


def _expand_one(source: str, root: Path, fetcher, found: list[PageSource],
                notes: list[SourceNote]) -> SourceNote | None:
    if is_url(source):
        if looks_like_sitemap(source):
            _web_sitemap(source, fetcher, found, notes, set(), 0)
            return None
        found.append(PageSource(source, "url"))
        return SourceNote(source, "url", "ok")
    path = Path(source)
    if not path.is_absolute():
        path = (Path.cwd() / path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
        found += [PageSource(_location(p, root), "file", p.resolve()) for p in files]
        return SourceNote(source, "folder", "ok")
    if path.is_file():
        return _expand_file(source, path, root, fetcher, found, notes)
    if any(c in source for c in "*?["):
        files = sorted(Path(p) for p in glob.glob(source, recursive=True))
        files = [p for p in files if p.is_file()]
        found += [PageSource(_location(p, root), "file", p.resolve()) for p in files]
        return SourceNote(source, "glob", "ok", None if files else "no file matches the pattern")
    return SourceNote(source, "file", "failed", "no such file, folder or URL")


def _expand_file(source: str, path: Path, root: Path, fetcher, found: list[PageSource],
                 notes: list[SourceNote]) -> SourceNote | None:
    if path.suffix.lower() in (".xml", ".gz"):
        try:
            data = path.read_bytes()
            text = (gzip.decompress(data) if path.suffix.lower() == ".gz" else data).decode("utf-8-sig")
        except (OSError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
            return SourceNote(source, "sitemap", "failed", f"unreadable sitemap ({exc})")
        _parse_sitemap(source, text, fetcher, found, notes, {source}, 0)
        return None
    urls = _url_list(path)
    if urls is not None:
        for url in urls:
            if looks_like_sitemap(url):
                _web_sitemap(url, fetcher, found, notes, set(), 0)
            else:
                found.append(PageSource(url, "url"))
        return SourceNote(source, "url-list", "ok")
    found.append(PageSource(_location(path, root), "file", path.resolve()))
    return SourceNote(source, "file", "ok")


def _web_sitemap(url: str, fetcher, found: list[PageSource], notes: list[SourceNote],
                 seen: set[str], depth: int) -> None:
    if url in seen:
        notes.append(SourceNote(url, "sitemap", "skipped", "the sitemap loops: it was already read "
                                                           "in this scan"))
        return
    seen.add(url)
    if fetcher is None:
        notes.append(SourceNote(url, "sitemap", "skipped", "web sources need a fetcher (offline)"))
        return
    got = fetcher.get(url, accept=SITEMAP_TYPES)
    if not got.ok:
        notes.append(SourceNote(url, "sitemap", "failed", f"{got.problem}: {got.reason}"))
        return
    body = got.body or b""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as exc:
            notes.append(SourceNote(url, "sitemap", "failed", f"unreadable gzip ({exc})"))
            return
    _parse_sitemap(url, body.decode("utf-8", "replace"), fetcher, found, notes, seen, depth)


def _parse_sitemap(label: str, text: str, fetcher, found: list[PageSource],
                   notes: list[SourceNote], seen: set[str], depth: int) -> None:
    """One sitemap's pages (ultimate-sitemap-parser), then its sub-sitemaps, loops cut."""
    from usp.objects.sitemap import InvalidSitemap
    from usp.tree import sitemap_from_str

    parsed = sitemap_from_str(text)
    if isinstance(parsed, InvalidSitemap):
        notes.append(SourceNote(label, "sitemap", "failed", parsed.reason))
        return
    before = len(found)
    for page in parsed.all_pages():
        if len(found) >= MAX_SITEMAP_URLS:
            break
        url = page.url
        if looks_like_sitemap(url):  # a page-list sitemap naming another sitemap
            continue
        found.append(PageSource(url, "url"))
    subs = [s.url for s in getattr(parsed, "sub_sitemaps", [])]
    note = SourceNote(label, "sitemap", "ok", pages=len(found) - before)
    if not subs and note.pages == 0:
        note.status, note.reason = "empty", "no page URLs in the sitemap"
    notes.append(note)
    for sub in subs:
        if depth + 1 > MAX_SITEMAP_DEPTH:
            notes.append(SourceNote(sub, "sitemap", "skipped",
                                    f"deeper than {MAX_SITEMAP_DEPTH} sitemap levels"))
            continue
        _web_sitemap(sub, fetcher, found, notes, seen, depth + 1)
