"""The built report, checked as a reader gets it: the HTML file and the A4 PDF of the default review.

The review's data/, refs/ and notebooks/ are copied into a temporary project and built there with
the command line (`evidence-review build`), once per test session, so the git tree stays clean and
a second copy can be changed: one verdict is flipped and the rebuilt report's counts must follow.
Slow (two builds, ~30 s), but part of `make test`: the report is the product.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from projects import REVIEW

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# Elements whose src/href/data makes a browser fetch something (an <a href> is only a link).
_LOADING = re.compile(r"<(img|script|link|iframe|frame|source|video|audio|embed|object|track|input|use|image)"
                      r"\b[^>]*?\b(src|href|xlink:href|data|srcset|poster)\s*=\s*[\"']?\s*([^\"'\s>]+)",
                      re.I | re.S)
# An on*= attribute inside a tag (quoted values skipped); escaped text such as "&lt;img onerror=..."
# is text: the built report's snapshot holds such a value on purpose (tests/conftest.py).
_HANDLER = re.compile(r"""<[a-z][^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*?\son[a-z]+\s*=""", re.I)
_KPI = re.compile(r'<div class="kpi"><b>(\d+)</b>([^<]+)</div>')


def claim_ids(root: Path = ROOT) -> list[str]:
    with (root / "data" / REVIEW / "claims.csv").open(encoding="utf-8", newline="") as fh:
        return [row["id"] for row in csv.DictReader(fh)]


def ref_numbers() -> list[str]:
    import bibtexparser

    library = bibtexparser.parse_string((ROOT / "refs" / REVIEW / "cited.bib").read_text(encoding="utf-8"))
    return [e.key.removeprefix("ref") for e in library.entries]


def kpis(html: str) -> dict[str, int]:
    """The key-figure tiles of the summary: label -> number."""
    return {label.strip(): int(n) for n, label in _KPI.findall(html)}


# --- HTML --------------------------------------------------------------------------------------------

def test_html_has_an_anchor_for_every_claim_and_reference(built_report):
    html = built_report.text
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    assert not {f"claim-{c}" for c in claim_ids()} - ids, "claims without an anchor"
    assert not {f"ref-{n}" for n in ref_numbers()} - ids, "references without an anchor"


def test_html_is_one_self_contained_file_without_scripts(built_report):
    html = built_report.text
    assert not re.search(r"<script", html, re.I)
    assert not _HANDLER.search(html), "inline event handlers"
    for tag, attr, value in _LOADING.findall(html):
        assert value.startswith(("data:", "#")), f"<{tag} {attr}={value}> loads a resource"
    assert not re.search(r"url\(\s*[\"']?(?!data:|#)", html), "CSS loads a resource"
    assert not re.search(r"@import", html)
    pages = sorted(p.name for p in built_report.html.parent.iterdir() if p.suffix == ".html")
    assert pages == ["review.html"]


def test_html_has_a_table_of_contents(built_report):
    html = built_report.text
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S)
    assert toc, "no table of contents"
    targets = re.findall(r'href="#([^"]+)"', toc.group(0))
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    assert targets and not set(targets) - ids


# --- PDF ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def pdf_pages(built_report) -> list[str]:
    """Each page's text, read by PDFium (as fast as the PDF is to render; pypdf took ~9 s)."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(built_report.pdf))
    try:
        pages = []
        for number, page in enumerate(pdf, start=1):
            width, height = page.get_size()
            assert abs(width - 595.28) <= 1 and abs(height - 841.89) <= 1, f"page {number} is not A4"
            pages.append(page.get_textpage().get_text_bounded())
        return pages
    finally:
        pdf.close()


def test_pdf_is_a4_with_page_numbers(pdf_pages):
    total = len(pdf_pages)
    assert total > 1
    assert re.search(rf"Page\s+1\s+of\s+{total}\b", pdf_pages[0])
    assert re.search(rf"Page\s+{total}\s+of\s+{total}\b", pdf_pages[-1])


def test_pdf_text_names_every_claim_and_reference(pdf_pages):
    text = "\n".join(pdf_pages)
    missing = [c for c in claim_ids() if not re.search(rf"\b{c}\b", text)]
    assert not missing, f"claims missing from the PDF: {missing}"


def test_pdf_pages_render_and_are_not_blank(built_report, tmp_path_factory):
    import pypdfium2

    out = tmp_path_factory.mktemp("pages")
    pdf = pypdfium2.PdfDocument(str(built_report.pdf))
    try:
        for index in (0, 1):
            image = pdf[index].render(scale=1.5).to_pil().convert("L")
            image.save(out / f"page-{index + 1}.png")
            histogram = image.histogram()
            ink = sum(histogram[:200]) / sum(histogram)  # share of pixels clearly darker than paper
            assert ink > 0.005, f"page {index + 1} looks blank ({ink:.4f} of pixels inked)"
    finally:
        pdf.close()


# Print sizes (pt) a reader can still read: body text, tables, badges (the smallest text there is).
BODY_PT, TABLE_PT, BADGE_PT = 9.5, 8.5, 8.0
HEADING_PT = 10.9  # h3 is 11 pt and h2 13.5 pt; body and tables are smaller


@dataclass
class Line:
    text: str
    size: float  # the line's largest character, in pt
    top: float  # distance from the page's top edge, in pt


@pytest.fixture(scope="session")
def pdf_chars(built_report) -> list[list[tuple[str, float, float]]]:
    """Every printed character of the PDF: (char, effective size in pt, distance from the top)."""
    import ctypes
    import math

    import pypdfium2
    import pypdfium2.raw as pdfium_c

    pages = []
    pdf = pypdfium2.PdfDocument(str(built_report.pdf))
    try:
        for page in pdf:
            height = page.get_height()
            text = page.get_textpage()
            matrix = pdfium_c.FS_MATRIX()
            chars = []
            for i in range(pdfium_c.FPDFText_CountChars(text)):
                char = chr(pdfium_c.FPDFText_GetUnicode(text, i))
                if char.isspace() or not char.isprintable():
                    continue
                pdfium_c.FPDFText_GetMatrix(text, i, ctypes.byref(matrix))
                scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
                size = pdfium_c.FPDFText_GetFontSize(text, i) * scale
                left, right, bottom, top = (ctypes.c_double() for _ in range(4))
                pdfium_c.FPDFText_GetCharBox(text, i, *(ctypes.byref(v) for v in (left, right, bottom, top)))
                chars.append((char, round(size, 2), height - top.value))
            pages.append(chars)
    finally:
        pdf.close()
    return pages


def _lines(chars: list[tuple[str, float, float]]) -> list[Line]:
    """Characters grouped into lines by their top (within 2 pt), top to bottom."""
    lines: list[Line] = []
    for char, size, top in sorted(chars, key=lambda c: c[2]):
        if lines and abs(lines[-1].top - top) <= 2:
            lines[-1].text += char
            lines[-1].size = max(lines[-1].size, size)
        else:
            lines.append(Line(char, size, top))
    return lines


def test_pdf_text_is_never_smaller_than_a_table_or_badge_may_be(pdf_chars):
    smallest = min(size for page in pdf_chars for _, size, _ in page)
    assert smallest >= min(TABLE_PT, BADGE_PT + 0.5), f"text printed at {smallest} pt"
    assert smallest >= BADGE_PT


def test_pdf_body_text_is_at_least_body_size(built_report, pdf_chars):
    """The key findings and the methods' paragraphs, found in the PDF, are at least 9.5 pt."""
    html = built_report.text
    texts = re.findall(r"<li>(.*?)</li>", "".join(re.findall(r'<ol class="findings">(.*?)</ol>', html, re.S)))
    methods = html[html.index('id="Methods"'):html.index('id="Reference-audit"')]
    texts += re.findall(r"<p>(.*?)</p>", methods, re.S)
    stream = [(c, s) for page in pdf_chars for c, s, _ in page]
    joined = "".join(c for c, _ in stream)
    checked = 0
    for text in texts:
        probe = "".join(unescape(re.sub(r"<[^>]+>", "", text)).split())[:40]
        at = joined.find(probe)
        assert at >= 0, f"paragraph not found in the PDF: {probe}"
        sizes = [s for _, s in stream[at:at + len(probe)]]
        assert min(sizes) >= BODY_PT, f"'{probe}' is printed at {min(sizes)} pt"
        checked += 1
    assert checked >= 5


def test_no_page_ends_with_a_heading(pdf_chars):
    """A heading is followed on its page by what it heads; one in the page's last 15% by at least
    two lines of it."""
    stranded = []
    for number, chars in enumerate(pdf_chars, start=1):
        lines = [ln for ln in _lines(chars) if 40 < ln.top < 841.89 - 48]  # not the running header/footer
        if not lines:
            continue
        floor = lines[0].top + 0.85 * (841.89 - 48 - lines[0].top)
        for i, line in enumerate(lines):
            if line.size < HEADING_PT or line.text.isdigit():
                continue
            after = [ln for ln in lines[i + 1:] if ln.size < HEADING_PT or ln.text.isdigit()]
            if not after or (line.top > floor and len(after) < 2):
                stranded.append((number, line.text[:50]))
    assert stranded == [], f"headings left at the foot of a page: {stranded}"


# --- every figure follows the data ------------------------------------------------------------------

def _accuracy(html: str, ref: str) -> str:
    entry = re.search(rf'<div class="bib-entry" id="ref-{ref}">.*?</div></div>', html, re.S).group(0)
    return re.search(r"<b>How accurately:</b> (.*?)</p>", entry).group(1)


def _count(text: str, verdict: str) -> int:
    found = re.search(rf"(\d+) {verdict}\b", text)
    return int(found.group(1)) if found else 0


# The copy with one verdict flipped and rebuilt with --no-pdf is tests/conftest.py `edited_report`.

def test_no_pdf_build_removes_the_older_pdf(edited_report):
    assert not edited_report.older_pdf.exists(), \
        "build --no-pdf left an older PDF that contradicts the new HTML"


def test_changing_one_verdict_changes_the_counts(built_report, edited_report):
    claim, refs = edited_report.claim, edited_report.refs
    changed = edited_report.built.text
    before, after = kpis(built_report.text), kpis(changed)
    assert before, "no key-figure tiles found in the report"
    assert after["supported"] == before["supported"] + 1, claim
    assert after["partially supported"] == before["partially supported"] - 1, claim
    assert {k: v for k, v in after.items() if k not in ("supported", "partially supported")} == \
        {k: v for k, v in before.items() if k not in ("supported", "partially supported")}
    for ref in refs:  # the annotated bibliography follows too
        old, new = _accuracy(built_report.text, ref), _accuracy(changed, ref)
        assert _count(new, "supported") == _count(old, "supported") + 1
        assert _count(new, "partially supported") == _count(old, "partially supported") - 1


# --- exports written by build ------------------------------------------------------------------

def test_build_writes_every_export(built_report):
    import json

    import bibtexparser
    import rispy

    exports = built_report.html.parent / "exports"
    names = sorted(p.name for p in exports.iterdir())
    assert names == ["claimreview.jsonld", "corrected.bib", "references.csl.json", "references.ris"]
    library = bibtexparser.parse_string((exports / "corrected.bib").read_text(encoding="utf-8"))
    assert not library.failed_blocks and len(library.entries) == len(ref_numbers())
    n = len(ref_numbers())
    assert len(rispy.loads((exports / "references.ris").read_text(encoding="utf-8"))) == n
    assert len(json.loads((exports / "references.csl.json").read_text(encoding="utf-8"))) == n
    reviews = json.loads((exports / "claimreview.jsonld").read_text(encoding="utf-8"))
    with (ROOT / "data" / REVIEW / "claims.csv").open(encoding="utf-8", newline="") as fh:
        cited = {row["id"] for row in csv.DictReader(fh) if row["verdict"] not in ("", "uncited")}
    assert all(r["@type"] == "ClaimReview" for r in reviews)
    assert {r["url"].rsplit("#claim-", 1)[1] for r in reviews} == cited


def test_build_executes_only_the_report_notebook(built_report):
    """01 and 02 are nobody's output: a build runs notebook 03 alone (the suite runs 01/02 in nbval)."""
    executed = sorted(p.name for p in (built_report.root / "reports" / REVIEW / "notebooks").glob("*.ipynb"))
    assert executed == ["03-report.ipynb"]
