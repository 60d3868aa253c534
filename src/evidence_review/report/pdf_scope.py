"""What the PDF holds: the whole report, or, for a large review, the report without its two long parts.

A synthetic review of 1,000 references printed to 608 A4 pages (about 0.6 page per reference,
WeasyPrint: 468 s CPU, 2 GiB; issue 19). Above :data:`PDF_FULL_MAX_ENTRIES` references or claims the
PDF leaves out the annotated bibliography and the claim-by-claim appendix, which stay in the HTML
report; each heading stays in the PDF (so its table of contents still points somewhere) with one
short print note in place of the entries. ``build --full-pdf`` prints everything at any size.

The page WeasyPrint reads is derived from review.html in memory; review.html itself is unchanged.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# 150 references at the measured ~0.6 page each is ~90 pages: the PDF stays at about 100 pages or
# fewer. A claim card prints about as long as a bibliography entry with its annotation, so claims
# share the limit. The default review (5 references, 82 claims) is under it: its PDF is whole.
PDF_FULL_MAX_ENTRIES = 150

# h2 id -> (what the part is called in the note, the class that counts its entries)
OMITTABLE = {
    "Annotated-bibliography": ("The annotated bibliography", "bib-entry", "entry", "entries"),
    "Appendix:-every-claim-in-full": ("The claim-by-claim appendix", "claim-card", "claim", "claims"),
}
_CELL = re.compile(r'<div class="cell[ "]')
_H2 = re.compile(r'<h2\b[^>]*\bid="([^"]+)"[^>]*>.*?</h2>', re.S)
_MAIN_END = "</main>"


@dataclass(frozen=True)
class PdfScope:
    """Which of the omittable parts the PDF leaves out (h2 ids), and the entry counts that decided."""

    omitted: tuple[str, ...]
    references: int
    claims: int

    def summary(self) -> str:
        """One line for the build log ('' when the PDF is the whole report)."""
        if not self.omitted:
            return ""
        parts = " and ".join(OMITTABLE[hid][0].lower() for hid in self.omitted)
        return (f"the PDF leaves {parts} to the HTML report ({self.references:,} references, "
                f"{self.claims:,} claims: more than {PDF_FULL_MAX_ENTRIES}); build with --full-pdf "
                "to print everything")


def _count(page: str, hid: str, sections: dict[str, tuple[int, int]]) -> int:
    """Entries of an omittable part (its class counted inside its own section)."""
    if hid not in sections:
        return 0
    start, end = sections[hid]
    return len(re.compile(rf'class="{OMITTABLE[hid][1]}[ "]').findall(page, start, end))


def choose(references: int, claims: int, full: bool = False) -> tuple[str, ...]:
    """The h2 ids of the parts left out of the PDF (none when small or when ``full``)."""
    if full or max(references, claims) <= PDF_FULL_MAX_ENTRIES:
        return ()
    return tuple(OMITTABLE)


def scope(page: str, full: bool = False) -> PdfScope:
    """What the PDF of this report page leaves out, from the entries its long parts hold."""
    sections = {hid: (start, end) for hid, start, end in _sections(page)}
    bib, appendix = OMITTABLE
    references, claims = _count(page, bib, sections), _count(page, appendix, sections)
    present = tuple(hid for hid in choose(references, claims, full) if hid in sections)
    return PdfScope(present, references, claims)


def _sections(page: str) -> list[tuple[str, int, int]]:
    """(h2 id, start, end) of each report section: from the cell holding its h2 to the next one's."""
    end_main = page.rfind(_MAIN_END)
    heads = []
    for match in _H2.finditer(page):
        if 'class="toc-title"' in match.group(0):
            continue
        cell = max((m.start() for m in _CELL.finditer(page, 0, match.start())), default=match.start())
        heads.append((match.group(1), cell, match.group(0)))
    out = []
    for i, (hid, start, _h) in enumerate(heads):
        end = heads[i + 1][1] if i + 1 < len(heads) else (end_main if end_main > 0 else len(page))
        out.append((hid, start, end))
    return out


def note(hid: str, entries: int) -> str:
    """The print note that stands where an omitted part would be."""
    name, _cls, one, many = OMITTABLE[hid]
    return (f'<p class="pdf-omitted-note">{html.escape(name)} ({entries:,} {one if entries == 1 else many}) '
            "is in the HTML report (review.html), not in this PDF; build with <code>--full-pdf</code> "
            "to include it.</p>")


def printable(page: str, full: bool = False) -> tuple[str, PdfScope]:
    """The page WeasyPrint prints, and what it leaves out; ``page`` itself when nothing is left out."""
    chosen = scope(page, full)
    if not chosen.omitted:
        return page, chosen
    heads = {m.group(1): m.group(0) for m in _H2.finditer(page)}
    out, pos = [], 0
    for hid, start, end in _sections(page):
        if hid not in chosen.omitted:
            continue
        entries = chosen.references if hid == next(iter(OMITTABLE)) else chosen.claims
        out.append(page[pos:start])
        out.append(f'<section class="pdf-omitted" data-omitted="{html.escape(hid)}">{heads[hid]}\n'
                   f"{note(hid, entries)}</section>\n")
        pos = end
    out.append(page[pos:])
    printed = "".join(out)
    for hid in chosen.omitted:  # the contents list says so too
        printed = printed.replace(f'href="#{hid}">{html.escape(_text(heads[hid]))}</a>',
                                  f'href="#{hid}">{html.escape(_text(heads[hid]))} (HTML only)</a>', 1)
    return printed, chosen


def _text(h2: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", h2)).strip()
