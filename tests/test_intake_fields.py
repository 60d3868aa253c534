"""Issue 13, printed fields of the shapes the fixture pages once missed (strings written for this
test, none of them in the training data or on a fixture page): an unnumbered web source line
``Title - (URL)``, an initial in an accented capital, a Vancouver title with "and" before an acronym.
"""

from __future__ import annotations

import pytest

from evidence_review.intake import fieldparser, fieldtrain, reflist


@pytest.mark.parametrize("text, title, url", [
    ("Selenium in the diet - (https://www.example.org/minerals/selenium)", "Selenium in the diet",
     "https://www.example.org/minerals/selenium"),
    ("Night sweats: common causes - (https://care.example.com/night-sweats/).", "Night sweats: common causes",
     "https://care.example.com/night-sweats/"),
    ("Cramp (medicine) explained – (https://wiki.example.org/Cramp_(medicine))", "Cramp (medicine) explained",
     "https://wiki.example.org/Cramp_(medicine)"),
    ("Hand washing at home – https://hygiene.example.net/hands", "Hand washing at home",
     "https://hygiene.example.net/hands"),
])
def test_a_web_source_line_gives_its_title_and_its_url_without_the_parenthesis(text, title, url):
    ref = reflist.parse_entry(text)
    assert (ref.title, ref.url, ref.kind) == (title, url, "web")


def test_words_run_into_a_url_are_not_a_title():
    ref = reflist.parse_entry("Further reading for patients https://info.example.org/reading")
    assert ref.url == "https://info.example.org/reading" and ref.title is None


@pytest.mark.parametrize("link, tidy", [
    ("https://example.org/a)", "https://example.org/a"),
    ("https://example.org/Cramp_(medicine))", "https://example.org/Cramp_(medicine)"),
    ("https://example.org/a.", "https://example.org/a"),
    ("doi:10.5555/x.1).", "doi:10.5555/x.1"),
])
def test_tidy_link_drops_trailing_punctuation_and_an_unbalanced_parenthesis(link, tidy):
    assert fieldparser.tidy_link(link) == tidy


def test_the_rule_parser_keeps_no_parenthesis_in_a_link():
    ref = reflist.rule_parse("Okoro T. Sleep and salt. Some Health Site. 2021. Accessed May 2, 2024. "
                             "(https://site.example.org/sleep-salt)")
    assert ref is not None and ref.url == "https://site.example.org/sleep-salt"


@pytest.mark.parametrize("text, authors", [
    ("Lemaire É. Rythmes du sommeil : un guide. Rev Sommeil Rep. 2017;4(2):11-19.", ["Lemaire, É"]),
    ("Østby Å, Nováková Š. Walking after hip surgery. Nord Rehabil J. 2020;8:40-47.",
     ["Østby, Å", "Nováková, Š"]),
])
def test_an_accented_initial_makes_a_person_not_an_organisation(text, authors):
    ref = reflist.parse_entry(text)
    assert ref.authors == authors and ref.organisation is None
    rules = reflist.rule_parse(text)
    assert rules is not None and rules.authors == authors


@pytest.mark.parametrize("text, title", [
    ("Okonjo T, Hale P. Sodium intake and BMI in adolescents. Child Nutr Rep. 2019;4(1):10-18.",
     "Sodium intake and BMI in adolescents"),
    ("Varga L. Fish oil and AF recurrence. Heart Rhythm Pract. 2022;9(3):201-207. doi:10.5555/hrp.2022.201",
     "Fish oil and AF recurrence"),
    ("Lowe R, Hart M. Berries and LDL oxidation. Nutr Lipid Res. 2015;3(2):70-79. doi:10.5555/nlr.2015.70. "
     "PMID: 26543210", "Berries and LDL oxidation"),  # no title at all before the fix
])
def test_a_vancouver_title_is_not_cut_at_and_before_an_acronym(text, title):
    assert reflist.parse_entry(text).title == title


def test_a_one_letter_bare_initial_ends_the_author_segment_like_two_letters_do():
    for text in ("Okonjo T, Hale P. A title. J Some. 2019;4:1-2.",
                 "Okonjo T, Hale PK. A title. J Some. 2019;4:1-2."):
        tokens = fieldparser.tokenize(text)
        segs = fieldparser._segments(tokens, bare=True)
        assert segs[[t.text for t in tokens].index("A")] == 1, text
    # dotted initials ("Okafor, M. A.") do not end a segment
    tokens = fieldparser.tokenize("Okafor, M. A. (2019). A title.")
    assert fieldparser._segments(tokens)[[t.text for t in tokens].index("A")] == 0


def test_these_strings_are_not_training_data():
    train = " ".join(e.text for e in fieldtrain.read_labelled(fieldtrain.HAND_TRAIN))
    for probe in ("Selenium in the diet", "Lemaire", "Østby", "Okonjo", "Fish oil and AF", "Berries and LDL",
                  "Hand washing", "Further reading"):
        assert probe not in train
