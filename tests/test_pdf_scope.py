"""What the PDF holds (issue 19, item 5): above the limit, the editor's PDF; the rows stay in the HTML.

No WeasyPrint run on a big document here: the choice is made on the page text, and export_pdf is
checked with WeasyPrint's HTML class replaced by a recorder. The default review's whole PDF is
checked by the build tests and by ``benchmarks/bench_build.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence_review.cli import commands, main
from evidence_review.core.numbers import count, counted
from evidence_review.report import build as report_build
from evidence_review.report import pdf_scope
from evidence_review.report.pdf_scope import PDF_FULL_MAX_ENTRIES, choose, editors_pdf, printable, scope
from evidence_review.workflow import build as workflow_build
from evidence_review.workflow import build_all

AUDIT, CLAIMS, QUALITY = "Reference-audit", "Claims-against-their-sources", "Quality"
RECS, BIB, APPENDIX, TRAIL = ("Recommendations-to-the-editor", "Annotated-bibliography",
                              "Appendix:-every-claim-in-full", "Appendix:-who-set-each-verdict")
ALL_ROWS = (AUDIT, CLAIMS, RECS, BIB, APPENDIX, TRAIL)  # in page order


def _cell(inner: str, cid: str) -> str:
    return (f'<div class="cell border-box-sizing text_cell rendered" id="cell-id={cid}">'
            f'<div class="inner_cell">\n<div class="text_cell_render">\n{inner}\n</div>\n</div>\n</div>\n')


def _h2(hid: str) -> str:
    return f'<h2 id="{hid}">{hid.replace("-", " ")}</h2>'


def page(refs: int, claims: int) -> str:
    """A report page shaped like export_html's: a contents list, then nbconvert cells per section."""
    sections = ["Summary", "Action", AUDIT, CLAIMS, QUALITY, RECS, BIB, APPENDIX, TRAIL, "Software"]
    toc = ['<nav class="toc" aria-label="Contents"><h2 class="toc-title">Contents</h2><ol>']
    for hid in sections:
        sub = ('\n<ol class="sub"><li><a href="#Findings-field-by-field">Findings, field by field</a></li>'
               "\n</ol>" if hid == AUDIT else "")
        toc.append(f'<li><a href="#{hid}">{hid.replace("-", " ")}</a>{sub}</li>')
    toc.append("</ol></nav>\n")
    bib = "".join(f'<div class="bib-entry" id="ref-{i}"><p>Entry {i}.</p></div>\n'
                  for i in range(1, refs + 1))
    cards = "".join(f'<div class="claim-card v-border-supported" id="claim-C{i:02d}"><h4>C{i:02d}</h4>'
                    "</div>\n" for i in range(1, claims + 1))
    currency = ('<div class="table-wrap" role="region" tabindex="0" aria-label="Currency of the evidence">'
                "<table><tr><td>[1] 2001</td></tr></table></div>")
    body = "".join([
        "".join(toc),
        _cell('<h2 id="Summary">Summary</h2><p>Two claims <span class="claim-card-ref">C01</span>; see '
              '<a href="#claim-C01">C01</a> and <a href="#Software">the tools</a>.</p>', "a"),
        _cell('<h2 id="Action">Findings that need action</h2><p>The worst rows.</p>', "b"),
        _cell(_h2(AUDIT), "c"), _cell('<h3 id="Findings-field-by-field">Findings</h3><table>audit rows'
                                     "</table>", "d"),
        _cell(_h2(CLAIMS) + "<table>claim rows</table>", "e"),
        _cell(_h2(QUALITY) + "<p>JAMA 3 of 4.</p>" + currency + "<p>Readability.</p>", "f"),
        _cell(_h2(RECS) + "<ol>corrected list</ol>", "g"),
        _cell(_h2(BIB), "h"), _cell(bib, "i"),
        _cell(_h2(APPENDIX), "j"), _cell(cards, "k"),
        _cell(_h2(TRAIL) + "<table>trail rows</table>", "l"),
        _cell('<h2 id="Software">Software</h2><p>Made with tools.</p>', "m")])
    return f'<html><body><main class="report">\n{body}\n</main><footer>foot</footer></body></html>'


def test_one_rule_decides_the_editors_pdf():
    limit = PDF_FULL_MAX_ENTRIES
    assert not editors_pdf(5, 82) and choose(5, 82) == ()
    assert not editors_pdf(limit, limit) and choose(limit, limit) == ()
    assert editors_pdf(limit + 1, 0) and choose(limit + 1, 0) == tuple(pdf_scope.OMITTABLE)
    assert editors_pdf(3, limit + 1)
    assert not editors_pdf(1000, 1000, full=True) and choose(1000, 1000, full=True) == ()
    assert tuple(pdf_scope.OMITTABLE) == ALL_ROWS


def test_small_report_is_printed_whole_and_unchanged():
    small = page(5, 82)
    printed, chosen = printable(small)
    assert printed == small
    assert chosen.omitted == () and (chosen.references, chosen.claims) == (5, 82)
    assert chosen.summary() == "" and not chosen.editors


def test_large_report_pdf_is_the_editors_pdf():
    big = page(PDF_FULL_MAX_ENTRIES + 1, 1000)
    printed, chosen = printable(big)
    assert chosen.omitted == ALL_ROWS and chosen.editors
    assert (chosen.references, chosen.claims) == (PDF_FULL_MAX_ENTRIES + 1, 1000)
    for rows in ('class="bib-entry"', 'class="claim-card ', "audit rows", "claim rows", "corrected list",
                 "trail rows", "[1] 2001", 'id="Findings-field-by-field"'):
        assert rows not in printed
    # each heading stays (the contents list's page numbers point at it), with its one-line note
    for hid in ALL_ROWS:
        assert printed.count(f'<h2 id="{hid}">') == 1
        assert f'href="#{hid}">{hid.replace("-", " ")} (HTML only)</a></li>' in printed
    assert printed.count('class="pdf-omitted-note"') == len(ALL_ROWS) + 1  # and the currency table's
    assert ("The annotated bibliography (151 references): in the HTML report (review.html), not in "
            f"this PDF; those that need action are under “{pdf_scope.ACTION_HEADING}”. Build with "
            "<code>--full-pdf</code> to print everything.") in printed
    assert "The claim-by-claim appendix (1,000 claims): in the HTML report" in printed
    assert "The currency table (151 references): in the HTML report" in printed
    # the subheadings of a part left out leave the contents too; the other parts are kept whole
    assert "Findings, field by field" not in printed
    for kept in ("Two claims", "The worst rows.", "JAMA 3 of 4.", "Readability.", "Made with tools."):
        assert kept in printed
    assert printed.index('id="Summary"') < printed.index('id="Action"') < printed.index(f'id="{BIB}"')
    assert printed.endswith("</main><footer>foot</footer></body></html>")
    # a link into a part left out is plain text in the PDF; a link to a part kept stays a link
    assert "see C01 and" in printed and '<a href="#Software">the tools</a>' in printed
    line = chosen.summary()
    assert "editor's PDF" in line and "1,000 claims" in line and "--full-pdf" in line


def test_full_pdf_keeps_a_large_report_whole():
    big = page(PDF_FULL_MAX_ENTRIES + 40, PDF_FULL_MAX_ENTRIES + 40)
    printed, chosen = printable(big, full=True)
    assert printed == big and chosen.omitted == ()


def test_counts_come_from_the_parts_themselves():
    # claim cards are counted in the appendix only; entries of a part the page lacks are not counted
    assert scope(page(2, 0).replace("claim-card-ref", "claim-card")).claims == 0
    assert scope(page(0, PDF_FULL_MAX_ENTRIES + 1)).omitted == ALL_ROWS
    assert scope(page(200, 0).replace(BIB, "Other")).omitted == ()
    # a part whose heading the page lacks is not "left out": the others are
    assert scope(page(200, 200).replace(TRAIL, "Other")).omitted == ALL_ROWS[:-1]


def test_counts_read_with_thousands_separators():
    assert count(1000) == "1,000" and count(82) == "82" and count(1234567) == "1,234,567"
    assert counted(1, "claim") == "1 claim" and counted(1000, "claim") == "1,000 claims"
    assert counted(2, "entry", "entries") == "2 entries"


class _Recorder:
    seen: list[dict] = []

    def __init__(self, **kwargs):
        _Recorder.seen.append(kwargs)

    def write_pdf(self):
        return b"%PDF-1.7 stand-in"


@pytest.mark.parametrize("full", [False, True])
def test_export_pdf_hands_weasyprint_the_printable_page(tmp_path: Path, monkeypatch, full):
    import weasyprint  # imported here: ~0.6 s of every worker's collection otherwise

    monkeypatch.setattr(weasyprint, "HTML", _Recorder)
    _Recorder.seen = []
    html_path = tmp_path / "review.html"
    html_path.write_text(page(PDF_FULL_MAX_ENTRIES + 1, 3), encoding="utf-8")
    chosen = report_build.export_pdf(html_path, tmp_path / "review.pdf", full=full)
    (kwargs,) = _Recorder.seen
    assert (tmp_path / "review.pdf").read_bytes() == b"%PDF-1.7 stand-in"
    if full:
        assert chosen.omitted == () and kwargs["filename"] == str(html_path)
    else:
        assert chosen.omitted == ALL_ROWS
        assert "pdf-omitted-note" in kwargs["string"] and 'class="bib-entry"' not in kwargs["string"]
        assert kwargs["base_url"] == str(tmp_path)
    # review.html itself is never changed
    assert html_path.read_text(encoding="utf-8") == page(PDF_FULL_MAX_ENTRIES + 1, 3)


def test_full_pdf_with_no_pdf_is_rejected_in_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main.main(["build", "--full-pdf", "--no-pdf"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "evidence-review: error: argument --no-pdf: not allowed with argument --full-pdf"


def test_full_pdf_reaches_one_build_and_every_child_of_build_all(monkeypatch):
    seen = {}
    monkeypatch.setattr(workflow_build, "build_one", lambda *a, **k: seen.setdefault("one", k) and 0)
    monkeypatch.setattr(build_all, "build_all", lambda *a, **k: seen.setdefault("all", k) and 0)
    commands.cmd_build(main.make_parser().parse_args(["build", "--full-pdf"]))
    commands.cmd_build(main.make_parser().parse_args(["build", "--all", "--full-pdf"]))
    assert seen["one"]["full_pdf"] is True and seen["all"]["full_pdf"] is True
    assert main.make_parser().parse_args(["build"]).full_pdf is False
    argv = build_all.build_argv("r", "/p", pdf=True, strict=False, full_pdf=True)
    assert "--full-pdf" in argv and "--no-pdf" not in argv
    assert "--full-pdf" not in build_all.build_argv("r", "/p", pdf=True, strict=False)
