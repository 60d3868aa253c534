"""Article parsing: page → markdown, sections, markers, sentences, candidates."""

import pytest

from evidence_review.core.errors import InputError
from evidence_review.core.markers import numbers_in
from evidence_review.intake import article

PAGE = """Site nav | Home | Blog

My Title

Last updated on : 01 Jan, 2024

Intro sentence one [1]. Intro two says e.g. this (see Fig. 2. Above) and more [2].

Who is at Risk?

Some people are prone, including:

  • Older adults [3].
  • Athletes.

Self-Care for Immediate Relief:

  • Stop the activity.

Disclaimer

Not advice.

References

[1] A, B. (2020). T. J, 1(1), 1–2. https://doi.org/10.1/x
[2] C, D. (2021). U. K, 2(2), 3–4.
[3] E, F. (2022). V. L, 3(3), 5–6.

Footer start
Copyright
"""


def md():
    return article.page_to_markdown(PAGE, "Intro sentence one", "Footer start", title="My Title")


def test_page_to_markdown_drops_chrome_and_keeps_structure():
    text = md()
    assert text.startswith("# My Title\n")
    assert "Site nav" not in text and "Footer start" not in text and "Copyright" not in text
    assert "## Who is at Risk?" in text
    assert "## Self-Care for Immediate Relief\n" in text  # trailing colon of a heading removed
    assert "- Older adults [3]." in text
    assert "## References" in text


def test_unknown_body_markers_are_input_errors():
    with pytest.raises(InputError, match="body start"):
        article.page_to_markdown(PAGE, "nowhere to be found", "Footer start")
    with pytest.raises(InputError, match="body end"):
        article.page_to_markdown(PAGE, "Intro sentence one", "no such footer")


def test_parse_markdown_sections_blocks_references():
    art = article.parse_markdown(md())
    assert art.title == "My Title"
    assert art.sections[:3] == ["Who is at Risk?", "Self-Care for Immediate Relief", "Disclaimer"]
    assert [b.section for b in art.blocks][:2] == ["Introduction", "Who is at Risk?"]
    assert len(art.references) == 3 and art.references[0].startswith("[1] A, B.")
    assert art.markers() == ["1", "2", "3"]


def test_article_without_reference_list_is_read_as_it_is():
    parsed = article.parse_markdown("# T\n\nBody [1].\n")
    assert parsed.references == [] and parsed.markers() == ["1"]


@pytest.mark.parametrize("text,expected", [
    ("[1]", ["1"]), ("[1,2]", ["1", "2"]), ("[1, 3]", ["1", "3"]), ("[2-4]", ["2", "3", "4"]),
    ("[2–3]", ["2", "3"]), ("a [1] b [5]", ["1", "5"]), ("no marker", []),
])
def test_marker_expansion(text, expected):
    assert numbers_in(text) == expected


def test_sentence_split_ignores_abbreviations_and_parentheses():
    text = "One thing (e.g. Two. Three) holds [1]. Next, i.e. Another. Last one? Yes! Done."
    assert article.split_sentences(text) == [
        "One thing (e.g. Two. Three) holds [1].", "Next, i.e. Another.", "Last one?", "Yes!", "Done."]


def test_candidates_number_sentences_and_items_in_order():
    cands = article.candidates(article.parse_markdown(md()))
    assert [c.id for c in cands][:3] == ["S01", "S02", "S03"]
    assert cands[0].markers == ("1",) and cands[1].markers == ("2",)
    items = [c for c in cands if c.is_item]
    assert [c.text for c in items] == ["Older adults [3].", "Athletes.", "Stop the activity."]
