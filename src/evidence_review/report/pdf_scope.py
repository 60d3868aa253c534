"""What the PDF holds: the whole report, or, for a large review, the editor's PDF.

The rule (issue 19): above :data:`PDF_FULL_MAX_ENTRIES` references or claims, the PDF is an
*editor's PDF*. It holds what an editor acts on: the editor's summary, the key findings, the
methods, the findings that need action (the references with errors and the claims not supported,
worst first, at most :data:`PDF_ACTION_MAX` of each, with how many more the HTML report holds), the
charts, the quality of the article as a whole and what to do next. Every part that has one row per
reference or per claim (:data:`OMITTABLE`: the reference audit, the claims table, the
recommendations' lists, the annotated bibliography, the two appendices; and the per-reference
currency table of the quality section, :data:`OMITTABLE_TABLES`) stays in the HTML report: in the
PDF its heading stays (so the contents still point somewhere, marked "(HTML only)") with one short
print note in its place. ``build --full-pdf`` prints everything at any size.

The HTML report of such a review says the same from its side: its "Findings that need action"
section (``views.action_digest``, shown only when :func:`editors_pdf` holds) names what the PDF
leaves out. The default review (5 references, 82 claims) is under the limit: its PDF is whole.

Measured (``benchmarks/bench_build.py --pdf-refs 1000``, docs/benchmarks.md): the whole report of
a 1,000-reference review printed to 608 A4 pages (468 s CPU, 2 GiB); without the bibliography and
the claim appendix still 215 pages, 340 s, 1.4 GiB.

The page WeasyPrint reads is derived from review.html in memory; review.html itself is unchanged.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from evidence_review.core.numbers import count, counted

# 150 references at the measured ~0.6 page each is ~90 pages: a whole PDF stays at about 100 pages
# or fewer. A claim prints about as long as a bibliography entry with its annotation, so claims
# share the limit.
PDF_FULL_MAX_ENTRIES = 150
# Rows of each list of findings that need action in an editor's PDF (the rest: in the HTML report).
PDF_ACTION_MAX = 25

# h2 id -> (what the part is called in the note, what its rows are: "reference" or "claim")
OMITTABLE = {
    "Reference-audit": ("The reference audit", "reference"),
    "Claims-against-their-sources": ("The claims table", "claim"),
    "Recommendations-to-the-editor": ("The recommendations to the editor", "claim"),
    "Annotated-bibliography": ("The annotated bibliography", "reference"),
    "Appendix:-every-claim-in-full": ("The claim-by-claim appendix", "claim"),
    "Appendix:-who-set-each-verdict": ("The verdict trail", "claim"),
}
# per-row tables inside parts the editor's PDF keeps: the table's aria-label -> (name, rows)
OMITTABLE_TABLES = {"Currency of the evidence": ("The currency table", "reference")}
# what the reader of an editor's PDF is sent to: the section views.action_digest writes
ACTION_HEADING = "Findings that need action"
# the classes that count a review's references and claims in its report page
_ENTRY_CLASS = {"reference": "bib-entry", "claim": "claim-card"}
_COUNTED_IN = {"reference": "Annotated-bibliography", "claim": "Appendix:-every-claim-in-full"}
_CELL = re.compile(r'<div class="cell[ "]')
_H2 = re.compile(r'<h2\b[^>]*\bid="([^"]+)"[^>]*>.*?</h2>', re.S)
_MAIN_END = "</main>"


def editors_pdf(references: int, claims: int, full: bool = False) -> bool:
    """The one rule: is the PDF of a review this size the editor's PDF (not the whole report)?"""
    return not full and max(references, claims) > PDF_FULL_MAX_ENTRIES


@dataclass(frozen=True)
class PdfScope:
    """Which parts the PDF leaves out (h2 ids), and the entry counts that decided."""

    omitted: tuple[str, ...]
    references: int
    claims: int

    @property
    def editors(self) -> bool:
        return bool(self.omitted)

    def summary(self) -> str:
        """One line for the build log ('' when the PDF is the whole report)."""
        if not self.omitted:
            return ""
        return (f"the PDF is the editor's PDF ({counted(self.references, 'reference')}, "
                f"{counted(self.claims, 'claim')}: more than {count(PDF_FULL_MAX_ENTRIES)}): the "
                f"{len(self.omitted)} parts with a row per reference or claim are in the HTML report "
                "only; build with --full-pdf to print everything")

    def rows(self, kind: str) -> int:
        return self.references if kind == "reference" else self.claims


def choose(references: int, claims: int, full: bool = False) -> tuple[str, ...]:
    """The h2 ids of the parts left out of the PDF (none when small or when ``full``)."""
    return tuple(OMITTABLE) if editors_pdf(references, claims, full) else ()


def scope(page: str, full: bool = False) -> PdfScope:
    """What the PDF of this report page leaves out, from the entries its long parts hold."""
    sections = {hid: (start, end) for hid, start, end in _sections(page)}
    references, claims = (_count(page, kind, sections) for kind in ("reference", "claim"))
    present = tuple(hid for hid in choose(references, claims, full) if hid in sections)
    return PdfScope(present, references, claims)


def _count(page: str, kind: str, sections: dict[str, tuple[int, int]]) -> int:
    """A review's references or claims: the entries of the part that has one for each."""
    hid = _COUNTED_IN[kind]
    if hid not in sections:
        return 0
    start, end = sections[hid]
    return len(re.compile(rf'class="{_ENTRY_CLASS[kind]}[ "]').findall(page, start, end))


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


def note(name: str, kind: str, rows: int) -> str:
    """The print note that stands where an omitted part would be."""
    return (f'<p class="pdf-omitted-note">{html.escape(name)} ({counted(rows, kind)}): in the HTML '
            f"report (review.html), not in this PDF; those that need action are under "
            f"“{ACTION_HEADING}”. Build with <code>--full-pdf</code> to print everything.</p>")


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
        name, kind = OMITTABLE[hid]
        out.append(page[pos:start])
        out.append(f'<section class="pdf-omitted" data-omitted="{html.escape(hid)}">{heads[hid]}\n'
                   f"{note(name, kind, chosen.rows(kind))}</section>\n")
        pos = end
    out.append(page[pos:])
    printed = "".join(out)
    for label, (name, kind) in OMITTABLE_TABLES.items():
        wrap = re.compile(r'<div class="table-wrap"[^>]*aria-label="' + re.escape(html.escape(label))
                          + r'">.*?</table></div>', re.S)
        printed = wrap.sub(lambda _m, n=name, k=kind: note(n, k, chosen.rows(k)), printed)
    for hid in chosen.omitted:  # the contents list says so too, without the part's subheadings
        text = html.escape(_text(heads[hid]))
        printed = re.sub(re.escape(f'href="#{hid}">{text}</a>') + r'(\s*<ol class="sub">.*?</ol>)?',
                         lambda _m, h=hid, t=text: f'href="#{h}">{t} (HTML only)</a>', printed,
                         count=1, flags=re.S)
    return _unlink_missing(printed), chosen


_ID = re.compile(r'\bid="([^"]+)"')
_LOCAL_LINK = re.compile(r'<a href="#([^"]+)">(.*?)</a>', re.S)


def _unlink_missing(page: str) -> str:
    """Links to anchors the printed page no longer holds (a claim card, a bibliography entry) as
    plain text: in the PDF they would lead nowhere."""
    ids = set(_ID.findall(page))
    return _LOCAL_LINK.sub(lambda m: m.group(0) if html.unescape(m.group(1)) in ids
                           or m.group(1) in ids else m.group(2), page)


def _text(h2: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", h2)).strip()
