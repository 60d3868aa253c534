"""Reference lists in the styles health sites use: APA-like and Vancouver/AMA, values kept as printed."""

import pytest

from evidence_review.intake import reflist

AMA_DOI = ("1. Arvidsson KL, Mensah PO, Tanaka R. Vitamin D and skeletal muscle function: a narrative "
           "review. J Clin Musculoskelet Res. 2018;12(4):233-241. doi:10.5555/jcmr.2018.0124")
VANCOUVER_NO_DOI = ("2. Delacroix M, Oyelaran F. Prevalence of vitamin D deficiency in adults aged 65 "
                    "and over: a cross-sectional survey. Age Nutr 2020;7:45–53.")
NLM_WEB = ("3. Example Public Health Agency. Vitamin D: fact sheet for health professionals "
           "[Internet]. Springfield: Example Public Health Agency; 2023 [cited 2024 Feb 12]. "
           "Available from: https://www.example.org/factsheets/vitamin-d")
BROKEN_DOI = ("4. Kowalczyk J, Brandt S, Iyer N, et al. Monthly high-dose vitamin D and falls in older "
              "women: a randomised controlled trial. Bone Ageing Res. 2019;31(2):118-126. "
              "doi:5555/bar.2019.031")
AMA_WEB = ("6. National Falls Prevention Network. Staying steady: exercise to prevent falls. Published "
           "2022. Updated June 1, 2023. Accessed February 12, 2024. "
           "https://www.example.org/falls/staying-steady")
APA = ("[3] Katzberg, H. D., Khan, A. H., & So, Y. T. (2010). Assessment: Symptomatic treatment. "
       "Neurology, 74(8), 691–696. https://doi.org/1212/wnl.0b013e3181d0ccca")


def test_ama_journal_with_doi():
    ref = reflist.parse_entry(AMA_DOI)
    assert ref.number == "1" and ref.kind == "article"
    assert ref.authors == ["Arvidsson, KL", "Mensah, PO", "Tanaka, R"]  # "Family, initials" as printed
    assert ref.title == "Vitamin D and skeletal muscle function: a narrative review"
    assert (ref.container, ref.year, ref.volume, ref.issue, ref.pages) == (
        "J Clin Musculoskelet Res", "2018", "12", "4", "233-241")
    assert ref.doi_printed == "doi:10.5555/jcmr.2018.0124"
    assert ref.printed == AMA_DOI[3:]


def test_vancouver_without_doi_and_without_issue():
    ref = reflist.parse_entry(VANCOUVER_NO_DOI)
    assert ref.authors == ["Delacroix, M", "Oyelaran, F"]
    assert (ref.container, ref.year, ref.volume, ref.issue, ref.pages) == ("Age Nutr", "2020", "7", None,
                                                                          "45–53")
    assert ref.doi_printed is None and ref.url is None and ref.kind == "article"


def test_broken_doi_is_kept_as_printed_and_et_al_marks_a_cut_list():
    ref = reflist.parse_entry(BROKEN_DOI)
    assert ref.doi_printed == "doi:5555/bar.2019.031"
    assert ref.authors == ["Kowalczyk, J", "Brandt, S", "Iyer, N"]  # "et al." is never an author
    assert ref.et_al


def test_vancouver_name_particles_and_hyphens():
    ref = reflist.parse_entry("3. van der Berg JH, O'Brien K, Smith-Jones P. A title. Some J. 2019;3(1):1-2.")
    assert ref.authors == ["van der Berg, JH", "O'Brien, K", "Smith-Jones, P"]


def test_nlm_web_page_with_cited_date_and_available_from():
    ref = reflist.parse_entry(NLM_WEB)
    assert ref.kind == "web" and ref.authors == []
    assert ref.organisation == "Example Public Health Agency"
    assert ref.title == "Vitamin D: fact sheet for health professionals"  # "[Internet]" is not title
    assert ref.publisher == "Example Public Health Agency"
    assert ref.year == "2023" and ref.accessed == "2024 Feb 12"
    assert ref.url == "https://www.example.org/factsheets/vitamin-d" and ref.doi_printed is None


def test_ama_web_page_with_accessed_date():
    ref = reflist.parse_entry(AMA_WEB)
    assert ref.kind == "web" and ref.organisation == "National Falls Prevention Network"
    assert ref.title == "Staying steady: exercise to prevent falls"
    assert ref.accessed == "February 12, 2024"
    assert ref.year == "2022" and ref.date_text == "Published 2022. Updated June 1, 2023"
    assert ref.url == "https://www.example.org/falls/staying-steady"


@pytest.mark.parametrize("entry, doi", [
    ("8. Brennan P, Lowe T. Bone title. Clin Bone Res. 2021 Jun;15(2):101-9. Available from: "
     "https://doi.org/10.5555/cbr.2021.15.101", "https://doi.org/10.5555/cbr.2021.15.101"),
    ("9. Writing Group for the Example Trial. Effects of X on Y. JAMA. 2020;323(1):1-10. "
     "doi:10.5555/x.1 PMID: 31234567", "doi:10.5555/x.1"),
])
def test_vancouver_variants(entry, doi):
    ref = reflist.parse_entry(entry)
    assert ref.doi_printed == doi and ref.kind == "article"
    assert ref.pages in {"101-9", "1-10"} and ref.volume in {"15", "323"}


def test_group_author_is_an_organisation():
    ref = reflist.parse_entry("9. Writing Group for the Example Trial. Effects of X on Y. JAMA. "
                              "2020;323(1):1-10.")
    assert ref.organisation == "Writing Group for the Example Trial" and ref.authors == []
    assert ref.container == "JAMA" and ref.date_text == "2020"


def test_apa_entries_are_still_read_by_the_apa_parser():
    ref = reflist.parse_entry(APA)
    assert ref.authors == ["Katzberg, H. D.", "Khan, A. H.", "So, Y. T."]
    assert ref.doi_printed == "https://doi.org/1212/wnl.0b013e3181d0ccca"
    assert reflist.parse_entry(APA, style="vancouver").authors == ref.authors  # APA wins when it fits


@pytest.mark.parametrize("entries, style", [
    ([APA], "apa"),
    ([AMA_DOI, VANCOUVER_NO_DOI, AMA_WEB], "ama"),
    ([VANCOUVER_NO_DOI, "5. Okafor J. A title. Some J 2019;3(1):1-2."], "vancouver"),
    (["just some words", "and more"], "unknown"),
])
def test_detect_style(entries, style):
    assert reflist.detect_style(entries) == style


def test_registered_styles():
    assert reflist.STYLES == {"apa": reflist.parse_apa, "vancouver": reflist.parse_vancouver}
    assert reflist.PARSERS == [reflist.parse_apa, reflist.parse_vancouver]


def test_unrecognised_entries_fall_back_to_text_and_link():
    ref = reflist.parse_entry("7. Something odd without a year https://example.org/x", style="vancouver")
    assert ref.printed.startswith("Something odd") and ref.kind == "web" and ref.title is None


def test_parse_list_numbers_unlabelled_vancouver_entries_in_order():
    refs = reflist.parse_list([AMA_DOI[3:], VANCOUVER_NO_DOI[3:]])
    assert [r.number for r in refs] == ["1", "2"]
    assert refs[1].container == "Age Nutr"
