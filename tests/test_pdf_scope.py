"""What the PDF holds (issue 19, item 5): a large review's PDF leaves its two long parts to the HTML.

No WeasyPrint run on a big document here: the choice is made on the page text, and export_pdf is
checked with WeasyPrint's HTML class replaced by a recorder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint

from evidence_review.cli import commands, main
from evidence_review.report import build as report_build
from evidence_review.report.pdf_scope import PDF_FULL_MAX_ENTRIES, choose, printable, scope
from evidence_review.workflow import build as workflow_build

BIB, APPENDIX = "Annotated-bibliography", "Appendix:-every-claim-in-full"


def _cell(inner: str, cid: str) -> str:
    return (f'<div class="cell border-box-sizing text_cell rendered" id="cell-id={cid}">'
            f'<div class="inner_cell">\n<div class="text_cell_render">\n{inner}\n</div>\n</div>\n</div>\n')


def page(refs: int, claims: int) -> str:
    """A report page shaped like export_html's: a contents list, then nbconvert cells per section."""
    toc = ('<nav class="toc" aria-label="Contents"><h2 class="toc-title">Contents</h2><ol>'
           '<li><a href="#Summary">Summary</a></li>'
           f'<li><a href="#{BIB}">Annotated bibliography</a></li>'
           f'<li><a href="#{APPENDIX}">Appendix: every claim in full</a></li>'
           '<li><a href="#Software">Software</a></li></ol></nav>\n')
    bib = "".join(f'<div class="bib-entry" id="ref-{i}"><p>Entry {i}.</p></div>\n'
                  for i in range(1, refs + 1))
    cards = "".join(f'<div class="claim-card v-border-supported" id="claim-C{i:02d}"><h4>C{i:02d}</h4>'
                    "</div>\n" for i in range(1, claims + 1))
    summary = '<h2 id="Summary">Summary</h2><p>Two claims <span class="claim-card-ref">C01</span>.</p>'
    body = (toc + _cell(summary, "a")
            + _cell(f'<h2 id="{BIB}">Annotated bibliography</h2>', "b") + _cell(bib, "c")
            + _cell(f'<h2 id="{APPENDIX}">Appendix: every claim in full</h2>', "d") + _cell(cards, "e")
            + _cell('<h2 id="Software">Software</h2><p>Made with tools.</p>', "f"))
    return f'<html><body><main class="report">\n{body}\n</main><footer>foot</footer></body></html>'


def test_threshold_decides_which_parts_the_pdf_leaves_out():
    limit = PDF_FULL_MAX_ENTRIES
    assert choose(5, 82) == ()
    assert choose(limit, limit) == ()
    assert choose(limit + 1, 0) == (BIB, APPENDIX)
    assert choose(3, limit + 1) == (BIB, APPENDIX)
    assert choose(1000, 1000, full=True) == ()


def test_small_report_is_printed_whole_and_unchanged():
    small = page(5, 82)
    printed, chosen = printable(small)
    assert printed == small
    assert chosen.omitted == () and (chosen.references, chosen.claims) == (5, 82)
    assert chosen.summary() == ""


def test_large_report_pdf_has_notes_instead_of_the_long_parts():
    big = page(PDF_FULL_MAX_ENTRIES + 1, 7)
    printed, chosen = printable(big)
    assert chosen.omitted == (BIB, APPENDIX)
    assert (chosen.references, chosen.claims) == (PDF_FULL_MAX_ENTRIES + 1, 7)
    assert 'class="bib-entry"' not in printed and 'class="claim-card ' not in printed
    # the headings stay (the contents list's page numbers point at them), each with its note
    assert printed.count(f'<h2 id="{BIB}">') == 1 and printed.count(f'<h2 id="{APPENDIX}">') == 1
    assert (f"The annotated bibliography ({PDF_FULL_MAX_ENTRIES + 1:,} entries) is in the HTML report "
            "(review.html), not in this PDF; build with <code>--full-pdf</code> to include it.") in printed
    assert "The claim-by-claim appendix (7 claims) is in the HTML report" in printed
    assert "Annotated bibliography (HTML only)</a>" in printed
    assert "Appendix: every claim in full (HTML only)</a>" in printed
    # every other section is kept whole, in order
    assert "Two claims" in printed and "Made with tools." in printed
    assert printed.index('id="Summary"') < printed.index(f'id="{BIB}"') < printed.index('id="Software"')
    assert printed.endswith("</main><footer>foot</footer></body></html>")
    assert "--full-pdf" in chosen.summary() and "1" in chosen.summary()


def test_full_pdf_keeps_a_large_report_whole():
    big = page(PDF_FULL_MAX_ENTRIES + 40, PDF_FULL_MAX_ENTRIES + 40)
    printed, chosen = printable(big, full=True)
    assert printed == big and chosen.omitted == ()


def test_counts_come_from_the_parts_themselves():
    # claim cards are counted in the appendix only; entries of a part the page lacks are not counted
    assert scope(page(2, 0).replace("claim-card-ref", "claim-card")).claims == 0
    assert scope(page(0, PDF_FULL_MAX_ENTRIES + 1)).omitted == (BIB, APPENDIX)
    assert scope(page(200, 0).replace(BIB, "Other")).omitted == ()
    # a part whose heading the page lacks is not "left out": only the other one is
    assert scope(page(200, 200).replace(BIB, "Other")).omitted == (APPENDIX,)


class _Recorder:
    seen: list[dict] = []

    def __init__(self, **kwargs):
        _Recorder.seen.append(kwargs)

    def write_pdf(self):
        return b"%PDF-1.7 stand-in"


@pytest.mark.parametrize("full", [False, True])
def test_export_pdf_hands_weasyprint_the_printable_page(tmp_path: Path, monkeypatch, full):
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
        assert chosen.omitted == (BIB, APPENDIX)
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
    monkeypatch.setattr(workflow_build, "build_all", lambda *a, **k: seen.setdefault("all", k) and 0)
    commands.cmd_build(main.make_parser().parse_args(["build", "--full-pdf"]))
    commands.cmd_build(main.make_parser().parse_args(["build", "--all", "--full-pdf"]))
    assert seen["one"]["full_pdf"] is True and seen["all"]["full_pdf"] is True
    assert main.make_parser().parse_args(["build"]).full_pdf is False
    argv = workflow_build.build_argv("r", "/p", pdf=True, strict=False, full_pdf=True)
    assert "--full-pdf" in argv and "--no-pdf" not in argv
    assert "--full-pdf" not in workflow_build.build_argv("r", "/p", pdf=True, strict=False)
