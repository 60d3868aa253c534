"""CSL-JSON from Crossref records and from printed references; JATS stripping."""

from __future__ import annotations

from evidence_review.intake.references import CitedReference
from evidence_review.records.csl import (
    from_cited,
    from_crossref,
    parse_printed_date,
    split_particle,
    strip_jats,
)

MESSAGE = {
    "DOI": "10.1177/1941738109357299", "type": "journal-article",
    "title": ["Exercise-Associated Muscle Cramps"],
    "subtitle": ["Causes, Treatment, and Prevention"],
    "author": [{"given": "Kevin C.", "family": "Miller", "sequence": "first", "affiliation": []},
               {"given": "Baziel G.M.", "family": "van Engelen"},
               {"given": "M.", "family": "de la Cruz"},
               {"name": "AAN Subcommittee"}],
    "container-title": ["Sports Health: A Multidisciplinary Approach"],
    "short-container-title": ["Sports Health"],
    "ISSN": ["1941-0921", "1941-7381"],
    "issn-type": [{"type": "electronic", "value": "1941-0921"},
                  {"type": "print", "value": "1941-7381"}],
    "volume": "2", "issue": "4", "page": "279-283", "publisher": "SAGE Publications",
    "published-print": {"date-parts": [[2010, 7]]},
    "published-online": {"date-parts": [[2010, 1, 5]]},
    "issued": {"date-parts": [[2010, 1, 5]]},
    "score": 12.3,
}


def test_from_crossref_full_record():
    item = from_crossref(MESSAGE)
    assert item["id"] == item["DOI"] == "10.1177/1941738109357299"
    assert item["type"] == "article-journal"
    assert item["title"] == "Exercise-Associated Muscle Cramps: Causes, Treatment, and Prevention"
    assert item["title-short"] == "Exercise-Associated Muscle Cramps"
    assert item["author"] == [
        {"family": "Miller", "given": "Kevin C."},
        {"family": "Engelen", "non-dropping-particle": "van", "given": "Baziel G.M."},
        {"family": "Cruz", "non-dropping-particle": "de la", "given": "M."},
        {"literal": "AAN Subcommittee"}]
    assert item["container-title"] == "Sports Health: A Multidisciplinary Approach"
    assert item["container-title-short"] == "Sports Health"
    assert item["ISSN"] == "1941-7381"  # the print ISSN
    assert (item["volume"], item["issue"], item["page"]) == ("2", "4", "279-283")
    assert item["URL"] == "https://doi.org/10.1177/1941738109357299"
    assert item["published-print"] == {"date-parts": [[2010, 7]]}
    assert item["published-online"] == {"date-parts": [[2010, 1, 5]]}
    assert item["issued"] == {"date-parts": [[2010, 1, 5]]}
    assert item["publisher"] == "SAGE Publications"
    assert "score" not in item


def test_absent_fields_are_left_out_not_guessed():
    item = from_crossref({"DOI": "10.1111/ENE.13799", "title": ["Muscular cramp"],
                          "published-print": {"date-parts": [[2019]]}})
    assert item == {"id": "10.1111/ene.13799", "type": "document", "title": "Muscular cramp",
                    "DOI": "10.1111/ene.13799", "URL": "https://doi.org/10.1111/ene.13799",
                    "published-print": {"date-parts": [[2019]]}}


def test_subtitle_already_in_title_is_not_repeated():
    item = from_crossref({"DOI": "10.1/x", "title": ["Cramps: a review"], "subtitle": ["A review"]})
    assert item["title"] == "Cramps: a review" and "title-short" not in item


def test_markup_in_titles_is_stripped():
    item = from_crossref({"DOI": "10.1/x", "title": ["Effect of Mg<sup>2+</sup> on <i>cramps</i>"]})
    assert item["title"] == "Effect of Mg2+ on cramps"


def test_strip_jats():
    abstract = ("<jats:title>Abstract</jats:title><jats:sec><jats:title>Background</jats:title>"
                "<jats:p>Cramps &amp; spasms &lt;common&gt;.</jats:p></jats:sec>text after")
    assert strip_jats(abstract) == "Abstract Background Cramps & spasms <common>. text after"
    assert strip_jats("plain") == "plain"
    assert strip_jats(None) is None


def test_split_particle():
    assert split_particle("van der Berg") == ("van der", "Berg")
    assert split_particle("De Carvalho") == (None, "De Carvalho")
    assert split_particle("Swash") == (None, "Swash")


def test_from_cited_keeps_printed_values():
    ref = CitedReference(number="3", printed="...", authors=["Katzberg, H. D.", "de Souza, A."],
                         year="2010", title="Assessment", container="Neurology", volume="74",
                         issue="8", pages="691–696",
                         doi_printed="https://doi.org/1212/wnl.0b013e3181d0ccca")
    item = from_cited(ref)
    assert item["id"] == "ref-3" and item["type"] == "article-journal"
    assert item["author"] == [{"family": "Katzberg", "given": "H. D."},
                              {"family": "Souza", "non-dropping-particle": "de", "given": "A."}]
    assert item["DOI"] == "https://doi.org/1212/wnl.0b013e3181d0ccca"  # broken: kept as printed
    assert item["page"] == "691–696" and item["issued"] == {"date-parts": [[2010]]}


def test_from_cited_web_page():
    ref = CitedReference(number="5", printed="...", kind="web", organisation="MedlinePlus",
                         year="2019", date_text="2019, October", title="Baclofen",
                         url="https://medlineplus.gov/druginfo/meds/a682530.html",
                         accessed="March 3, 2024")
    item = from_cited(ref)
    assert item["type"] == "webpage" and item["author"] == [{"literal": "MedlinePlus"}]
    assert item["issued"] == {"date-parts": [[2019, 10]]}
    assert item["accessed"] == {"date-parts": [[2024, 3, 3]]}


def test_parse_printed_date():
    assert parse_printed_date("October 5, 2019") == {"date-parts": [[2019, 10, 5]]}
    assert parse_printed_date("n.d.") == {"raw": "n.d."}
    assert parse_printed_date(None) is None


def test_particle_deposited_with_the_given_names():
    item = from_crossref({"DOI": "10.1/x", "author": [{"given": "Baziel G.M. van",
                                                       "family": "Engelen"}]})
    assert item["author"] == [{"family": "Engelen", "non-dropping-particle": "van",
                               "given": "Baziel G.M."}]


def test_lower_case_given_names_are_not_particles():
    item = from_crossref({"DOI": "10.1/x", "author": [{"given": "ana maria", "family": "Silva"}]})
    assert item["author"] == [{"family": "Silva", "given": "ana maria"}]
