"""The audit's shortcuts give the answers of the general code they skip (hypothesis).

Each shortcut (issue 19: ``audit`` at 10,000 references) answers the common case without the
regular expression, decomposition or comparison it replaces; these properties compare it with that
general code, written out here, on random text drawn from the characters that matter to it.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from evidence_review.audit import fields
from evidence_review.audit.updates import check_updates
from evidence_review.core import textmatch
from evidence_review.core.markers import expand
from evidence_review.core.pages import page_range
from evidence_review.intake.references import CitedReference
from evidence_review.records import csl

SETTINGS = settings(max_examples=300, deadline=None)
NAMES = st.text(alphabet="abcdeDEVvanrłÉé' -.\u00e0\u00ff\u00f7\t", max_size=16)
NUMBERS = st.text(alphabet="0123456789ABab ;,:()-.\u2013NnoOisue\u00e9", max_size=24)
PAGES = st.text(alphabet="0123e -\u2010\u2013\u2014\u2015\t", max_size=10)
_PARTICLE = re.compile(r"^((?:[a-z\u00e0-\u00ff']+\s+)+)(\S.*)$")


def _split_particle_by_pattern(family: str) -> tuple[str | None, str]:
    m = _PARTICLE.match(family.strip())
    if not m:
        return None, family.strip()
    return m.group(1).strip(), m.group(2).strip()


@SETTINGS
@given(NAMES)
def test_split_particle_matches_only_when_a_particle_can_start(family):
    assert csl.split_particle(family) == _split_particle_by_pattern(family)


# given names as deposited, some with a particle after them ("Baziel G.M. van", "Ana de la")
GIVEN = NAMES | st.from_regex(r"[A-Z][a-z.]{0,3}( [A-Z]\.?){0,2}( [a-z']{1,5}){0,3}[ \t]?", fullmatch=True)


@SETTINGS
@given(NAMES, GIVEN)
def test_given_names_ending_in_a_particle_are_found_as_by_the_pattern(family, given):
    name = csl._csl_name({"family": family or "X", "given": given})
    particle, rest = _split_particle_by_pattern(family or "X")
    m = re.match(r"^(.*?[A-Z].*?)\s+((?:[a-z']{1,4}\s*)+)$", given)
    if not particle and m:
        given, particle = m.group(1), m.group(2).strip()
    expected = {"family": rest, **({"non-dropping-particle": particle} if particle else {}),
                **({"given": given} if given else {})}
    assert name == expected


def _initials_general(given: str | None) -> str:
    out = []
    for token in (given or "").replace(".", ". ").split():
        parts = [p.strip(".") for p in token.split("-") if p.strip(".")]
        if parts:
            out.append("-".join(p[0].upper() + "." for p in parts))
    return " ".join(out)


@SETTINGS
@given(st.text(alphabet="AbĆé.- \u00df\u0131", max_size=14) | st.none())
def test_one_part_initials_shortcut_gives_the_general_initials(given):
    assert textmatch.initials(given) == _initials_general(given)


@SETTINGS
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=20) | st.text(max_size=20))
def test_initial_letters_ascii_shortcut_gives_the_decomposed_letters(text):
    decomposed = unicodedata.normalize("NFKD", text.upper())
    assert textmatch.initial_letters(text) == re.sub(r"[^A-Z]", "", decomposed)


def _printed_number_by_pattern(name: str, value: str, printed: str) -> bool:
    v = re.escape(value.strip())
    if name == "issue":
        pattern = rf"\(\s*{v}\s*\)|\b(?:no|issue|nr|n)\.?\s*{v}\b"
    else:
        pattern = rf"(?:;|,|\bvol\.?)\s*{v}\s*(?:\(|:|,)|\b{v}\s*\("
    return bool(re.search(pattern, printed, re.IGNORECASE))


@SETTINGS
@given(st.sampled_from(["volume", "issue"]), NUMBERS, NUMBERS)
def test_printed_volume_or_issue_is_found_as_by_one_search(name, value, printed):
    assert fields._printed_number(name, value, printed) == _printed_number_by_pattern(name, value, printed)


@SETTINGS
@given(st.sampled_from(["12", "3", "e7", "A"]), NUMBERS)
def test_printed_number_found_inside_realistic_references(value, around):
    for printed in (f"J Med. 2019;{value}(2):1-9.{around}", f"{around}, {value}, 4–9", around):
        for name in ("volume", "issue"):
            assert fields._printed_number(name, value, printed) == \
                _printed_number_by_pattern(name, value, printed)


@SETTINGS
@given(PAGES.filter(lambda p: page_range(p)[0] is not None), NUMBERS | PAGES)
def test_printed_first_page_is_found_as_by_one_search(page, printed):
    first = page_range(page)[0]
    expected = bool(re.search(rf"(?:^|[\s:,p.])\s*{re.escape(first)}\s*(?:[-–]|\.|$)", printed))
    assert fields._printed_first_page(page, printed) == expected


def _page_findings_general(cited: str, page: str) -> bool:
    """Whether compare_pages' general path (page_range, then keys) finds a difference."""
    (c_first, c_last), (r_first, r_last) = page_range(cited), page_range(page)
    if textmatch.text_key(c_first) != textmatch.text_key(r_first):
        return True
    return bool(r_last and c_last and textmatch.text_key(c_last) != textmatch.text_key(r_last))


@SETTINGS
@given(PAGES.filter(str.strip), st.lists(st.sampled_from("-\u2010\u2011\u2012\u2013\u2014\u2015"),
                                         max_size=4))
def test_pages_equal_but_for_the_dash_are_equal_to_the_general_path(page, dashes):
    swapped = iter(dashes)
    cited = re.sub(r"[-\u2010-\u2015]", lambda m: next(swapped, m.group()), page)
    ref = CitedReference(number="1", printed=f"J. 1, {cited}.", pages=cited)
    found = fields.compare_pages(ref, {"page": page})
    assert found == []
    assert not _page_findings_general(cited, page)


@SETTINGS
@given(PAGES.filter(str.strip),
       st.lists(st.tuples(st.integers(0, 9), st.sampled_from("0123e -\u2013\u2015\t")), max_size=3))
@example("1-9", [(1, " ")])  # a space is no dash: "1 9" is another first page
@example("12\u201319", [(2, "-")])
@example("e1-9", [(0, "1")])
def test_pages_are_compared_as_by_the_general_path(page, edits):
    cited = list(page)
    for at, char in edits:  # a few characters changed: some pairs differ only in dashes, some not
        if at < len(cited):
            cited[at] = char
    cited = "".join(cited)
    if not cited.strip():
        return
    ref = CitedReference(number="1", printed=f"J. 1, {cited}.", pages=cited)
    assert bool(fields.compare_pages(ref, {"page": page})) == _page_findings_general(cited, page)


@SETTINGS
@given(st.text(alphabet="0123456789\u00b2\u0663", min_size=1, max_size=4))
def test_a_marker_of_one_number_is_its_own_expansion(marker):
    if marker.isdigit():
        assert expand(marker) == [marker]


@SETTINGS
@given(st.text(min_size=1, max_size=40))
def test_a_title_printed_as_recorded_is_the_same_title(title):
    assert textmatch.title_relation(title, title) == ("same", None)


def test_a_record_without_update_fields_has_no_update_findings():
    record = {"DOI": "10.5555/x", "title": ["T"], "relation": {}, "updated-by": []}
    assert check_updates(record, "2020-01-01") == []
    assert check_updates({"DOI": "10.5555/x"}, "2020-01-01") == []
    retracted = {"DOI": "10.5555/x", "updated-by": [{"type": "retraction", "DOI": "10.5555/n",
                                                     "updated": {"date-parts": [[2021, 1, 2]]}}]}
    assert [f.severity for f in check_updates(retracted, "2020-01-01")] == ["major"]
