"""Article input → markdown: saved HTML pages, page text as copied, and Markdown."""

from pathlib import Path

import pytest
import trafilatura

from evidence_review.core.errors import InputError
from evidence_review.intake import article, extract

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = Path(__file__).parent / "fixtures" / "articles"
HTML = ARTICLES / "vitamin-d-falls.html"
TEXT = ARTICLES / "sleep-blood-pressure.txt"
CHROME_HTML = ["Conditions A to Z", "Subscribe to our newsletter", "About the author", "registered nurse",
               "More articles by Maya", "Related articles", "Five balance exercises", "All rights reserved",
               "Privacy policy", "Medically reviewed", "Home ›"]
CHROME_TEXT = ["Skip to content", "Wellway Health", "Home / Healthy Living", "Written by", "6 min read",
               "Was this article helpful?", "Share this article", "Related Articles", "Subscribe",
               "All rights reserved", "Privacy Policy"]


@pytest.fixture(scope="module")
def html_result():
    return extract.to_markdown(HTML)


def test_html_drops_navigation_author_box_and_footer(html_result):
    md, _ = html_result
    for chrome in CHROME_HTML:
        assert chrome not in md, chrome


def test_html_keeps_title_headings_markers_and_references(html_result):
    md, meta = html_result
    parsed = article.parse_markdown(md)
    assert parsed.title == "Vitamin D and Falls in Older Adults: What the Evidence Says"
    assert parsed.sections == ["Why vitamin D matters for muscles", "Does taking vitamin D prevent falls?",
                               "Who should consider a supplement?", "Disclaimer"]
    assert "## Why vitamin D matters for muscles" in md
    # superscripts became [n] markers, ranges and lists included
    assert "in care homes.[2,3]" in md and "no reduction in falls.[4-6]" in md
    assert parsed.markers()[:6] == ["1", "2", "3", "1", "4", "5"]
    assert [r.split("]")[0] for r in parsed.references] == [f"[{n}" for n in range(1, 7)]
    assert "[Internet]" in parsed.references[2]  # markdown escapes undone
    assert (meta.title, meta.date, meta.site, meta.author, meta.format) == (
        parsed.title, "2024-03-05", "Brightside Health Library", "Maya Oduya", "html")


def test_reference_list_dropped_by_trafilatura_is_recovered_from_the_page():
    page = HTML.read_text(encoding="utf-8")
    page = page.replace('<h2>References</h2>\n  <ol class="references">', '<aside><h2>References</h2><ol>')
    page = page.replace("</ol>\n</article>", "</ol></aside>\n</article>")
    alone = trafilatura.extract(page, output_format="markdown", favor_precision=True)
    assert "Arvidsson" not in alone  # the layout on which trafilatura drops the list
    md, _ = extract.html_to_markdown(page)
    refs = article.parse_markdown(md).references
    assert len(refs) == 6 and refs[0].startswith("[1] Arvidsson KL")


def test_ordered_list_start_and_superscript_powers():
    # A page with its date in the head, as most have: without one, htmldate searches the text and sends
    # a reference's "2019;2:1-2" to dateparser, whose first call compiles every locale (~2.5 s).
    page = ("<html><head><meta property='article:published_time' content='2024-05-02'></head>"
            "<body><article><h1>Iron and Anaemia in Teenagers</h1>"
            "<p>Anaemia is diagnosed when haemoglobin falls below a set level for age and sex, and a "
            "count of 4 x 10<sup>9</sup>/L is normal.<sup><a href='#r3'>3</a></sup> Body mass index "
            "is given in kg/m<sup>2</sup> and does not change the diagnosis.<sup>4</sup></p>"
            "<h2>References</h2><ol start='3'><li>Ames B. Iron in teens. Teen Health. 2019;2:1-2.</li>"
            "<li>Bose C. Growth charts. Child Growth J. 2020;5(1):3-9.</li></ol></article></body></html>")
    md, meta = extract.html_to_markdown(page)
    assert meta.date == "2024-05-02"
    assert "10[9]" not in md and "kg/m[2]" not in md
    assert "is normal.[3]" in md and "diagnosis.[4]" in md
    assert article.parse_markdown(md).references[0].startswith("[3] Ames B.")


def test_a_page_dates_itself_only_in_its_markup_not_by_a_year_in_its_text():
    """No date in the page's markup: none, rather than a year htmldate's text search finds. It took
    the copyright footer's "© 2025" as 2025-01-01 on eight of the fixture pages, and on others a
    reference's year; a reviewer would have read either as the page's date."""
    body = ("<body><article><h1>Walking and Knee Pain</h1><p>Walking eases stiffness in knee "
            "osteoarthritis for many people.<sup>1</sup></p><h2>References</h2><ol><li>Ames B. "
            "Walking for knees. Joint Health. 2019;2:1-2.</li></ol></article>"
            "<footer>© 2025 Brightside Health. All rights reserved.</footer></body>")
    _, undated = extract.html_to_markdown(f"<html><head><title>Walking</title></head>{body}</html>")
    assert undated.date is None
    _, dated = extract.html_to_markdown("<html><head><meta property='article:modified_time' "
                                        f"content='2024-03-05T09:00:00Z'></head>{body}</html>")
    assert dated.date == "2024-03-05"


def test_text_page_is_cut_from_title_to_end_of_references():
    md, meta = extract.to_markdown(TEXT)
    for chrome in CHROME_TEXT:
        assert chrome not in md, chrome
    parsed = article.parse_markdown(md)
    assert parsed.title == "How Sleep Affects Your Blood Pressure"
    assert parsed.sections == ["What Happens to Blood Pressure at Night?", "Key Takeaways", "Sleep Apnoea",
                               "Tips for Better Sleep", "Disclaimer"]
    assert "- Obstructive sleep apnoea is a common and treatable cause" in md
    assert "[1,2]" in md and "[1-3]" in md
    assert len(parsed.references) == 5 and parsed.references[-1].startswith("[5] Abara, T.")
    assert (meta.title, meta.author, meta.date, meta.format) == (parsed.title, "Daniel Reyes", "2025-01-14",
                                                                 "text")


def test_text_heuristics_are_not_tuned_to_one_site():
    """The muscle-spasm page (another site, another layout) gives the curated article.md unchanged."""
    md, meta = extract.to_markdown(ROOT / "data" / "muscle-spasm" / "article.original.txt")
    assert md == (ROOT / "data" / "muscle-spasm" / "article.md").read_text(encoding="utf-8")
    assert meta.date == "2025-11-08"


def test_text_with_given_title():
    page = ("Menu\nA Short Title\n\nThe Real Title Of The Piece\n\n"
            "This is a paragraph of body text that is long enough to count as one [1].\n\n"
            "References\n\n1. Ames B. Iron in teens. Teen Health. 2019;2:1-2.\n")
    md, _ = extract.text_to_markdown(page, title="The Real Title Of The Piece")
    assert md.startswith("# The Real Title Of The Piece\n\nThis is a paragraph")
    assert md.rstrip().endswith("[1] Ames B. Iron in teens. Teen Health. 2019;2:1-2.")


def test_markdown_is_normalised_and_references_relabelled(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(("# T\r\n\r\n\r\nBody text [1].   \r\n\r\n## Sources\r\n\r\n"
                      "1. Ames B. Iron in teens. Teen Health. 2019;2:1-2.\r\n"
                      "2. Bose C. Growth. Child Growth J. 2020;5(1):3-9.\r\n").encode("utf-8-sig"))
    md, meta = extract.to_markdown(path)
    assert md == ("# T\n\nBody text [1].\n\n## References\n\n[1] Ames B. Iron in teens. Teen Health. "
                  "2019;2:1-2.\n\n[2] Bose C. Growth. Child Growth J. 2020;5(1):3-9.\n")
    assert meta.title == "T" and meta.format == "markdown"


@pytest.mark.parametrize("name, content, field, words", [
    ("a.pdf", b"%PDF", "suffix", "unknown article type '.pdf'"),
    ("a.txt", b"\xff\xfe\x00binary", None, "not UTF-8"),
    ("a.txt", b"\n\n", "body", "the page holds no text"),
])
def test_bad_inputs_name_the_file(tmp_path, name, content, field, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        extract.to_markdown(path)
    problem = err.value.problems[0]
    assert problem.file == str(path) and words in problem.message
    if field:
        assert problem.field == field


@pytest.mark.parametrize("name, content", [
    ("a.txt", b"Title Of Page\n\nA paragraph of text long enough to be the body of this page ok.\n"),
    ("a.html", b"<html><body><p>A paragraph of text long enough to be a body, yes.</p></body></html>"),
])
def test_a_page_without_a_list_or_with_a_short_body_is_read_with_warnings(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    md, meta = extract.to_markdown(path)
    assert "## References" not in md and article.parse_markdown(md).references == []
    assert any("no reference list" in w for w in meta.warnings)
    assert any("short" in w for w in meta.warnings)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="article file not found"):
        extract.to_markdown(tmp_path / "gone.html")


@pytest.mark.parametrize("text, iso", [("08 Nov, 2025", "2025-11-08"), ("March 5, 2024", "2024-03-05"),
                                       ("14 January 2025", "2025-01-14"), ("2024-03-05", "2024-03-05"),
                                       ("Spring 2024", None)])
def test_parse_date(text, iso):
    assert extract.parse_date(text) == iso
