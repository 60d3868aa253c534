"""The reference audit: each finding type, updates, web sources, markers, outputs, and the five
references of the muscle-spasm article against faithful reconstructions of their records.

The reconstructed records hold only the values reference-facts.md confirms; every other field is
left out, exactly as the offline snapshot does.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from evidence_review.audit import fields
from evidence_review.audit.corrected import corrected_reference, format_apa
from evidence_review.audit.fields import audit_reference, audit_review
from evidence_review.audit.findings import AuditResult
from evidence_review.audit.markers import check_markers
from evidence_review.intake.references import CitedReference
from evidence_review.records.doi import normalise
from evidence_review.records.resolve import resolve_references

# --- the article's reference list, as printed -----------------------------------------------

PRINTED = {
    "1": "Swash, M., Czesnik, D., & De Carvalho, M. (2018). Muscular cramp: causes and management. "
         "European Journal of Neurology, 26(2), 214–221. https://doi.org/10.1111/ene.13799",
    "2": "Dijkstra, J. N., Boon, E., Kruijt, N., Brusse, E., Ramdas, S., Jungbluth, H., Van "
         "Engelen, B. G., Walters, J., & Voermans, N. C. (2022). Muscle cramps and contractures: "
         "Causes and treatment. Practical Neurology, 23(1), 23–34. "
         "https://doi.org/10.1136/pn-2022-003574",
    "3": "Katzberg, H. D., Khan, A. H., & So, Y. T. (2010). Assessment: Symptomatic treatment for "
         "muscle cramps (an evidence-based review). Neurology, 74(8), 691–696. "
         "https://doi.org/1212/wnl.0b013e3181d0ccca",
    "4": "Miller, K. C., Stone, M. S., Huxel, K. C., & Edwards, J. E. (2010). Exercise-associated "
         "muscle cramps. Sports Health A Multidisciplinary Approach, 2(4), 279–283. "
         "https://doi.org/10.1177/1941738109357299",
    "5": "MedlinePlus. (2019, October). Baclofen: MedlinePlus Drug Information. U.S. National "
         "Library of Medicine. https://medlineplus.gov/druginfo/meds/a682530.html",
}


def _article(number, authors, year, title, journal, volume, issue, pages, doi):
    return CitedReference(number=number, printed=PRINTED[number], authors=authors, year=year,
                          date_text=year, title=title, container=journal, volume=volume,
                          issue=issue, pages=pages, doi_printed=doi)


def muscle_spasm_cited() -> list[CitedReference]:
    return [
        _article("1", ["Swash, M.", "Czesnik, D.", "De Carvalho, M."], "2018",
                 "Muscular cramp: causes and management", "European Journal of Neurology", "26",
                 "2", "214–221", "https://doi.org/10.1111/ene.13799"),
        _article("2", ["Dijkstra, J. N.", "Boon, E.", "Kruijt, N.", "Brusse, E.", "Ramdas, S.",
                       "Jungbluth, H.", "Van Engelen, B. G.", "Walters, J.", "Voermans, N. C."],
                 "2022", "Muscle cramps and contractures: Causes and treatment",
                 "Practical Neurology", "23", "1", "23–34",
                 "https://doi.org/10.1136/pn-2022-003574"),
        _article("3", ["Katzberg, H. D.", "Khan, A. H.", "So, Y. T."], "2010",
                 "Assessment: Symptomatic treatment for muscle cramps (an evidence-based review)",
                 "Neurology", "74", "8", "691–696", "https://doi.org/1212/wnl.0b013e3181d0ccca"),
        _article("4", ["Miller, K. C.", "Stone, M. S.", "Huxel, K. C.", "Edwards, J. E."], "2010",
                 "Exercise-associated muscle cramps", "Sports Health A Multidisciplinary Approach",
                 "2", "4", "279–283", "https://doi.org/10.1177/1941738109357299"),
        CitedReference(number="5", printed=PRINTED["5"], kind="web", organisation="MedlinePlus",
                       container="MedlinePlus",
                       year="2019", date_text="2019, October",
                       title="Baclofen: MedlinePlus Drug Information",
                       publisher="U.S. National Library of Medicine",
                       url="https://medlineplus.gov/druginfo/meds/a682530.html"),
    ]


# --- reconstructed Crossref records: confirmed values only (reference-facts.md) ---------------

def _person(given, family, first=False):
    return {"given": given, "family": family, "sequence": "first" if first else "additional",
            "affiliation": []}


RECORDS = {
    # [1] no issue, ISSN, publisher, online date or month confirmed: left out.
    "10.1111/ene.13799": {
        "DOI": "10.1111/ene.13799", "type": "journal-article",
        "title": ["Muscular cramp: causes and management"],
        "author": [_person("M.", "Swash", True), _person("D.", "Czesnik"),
                   _person("M.", "de Carvalho")],
        "container-title": ["European Journal of Neurology"],
        "short-container-title": ["Eur J Neurol"],
        "volume": "26", "page": "214-221",
        "published-print": {"date-parts": [[2019]]}, "issued": {"date-parts": [[2019]]},
    },
    # [2] online 15 Dec 2022, issue Feb 2023; issued follows the online date. One ISSN, untyped.
    "10.1136/pn-2022-003574": {
        "DOI": "10.1136/pn-2022-003574", "type": "journal-article",
        "title": ["Muscle cramps and contractures: causes and treatment"],
        "author": [_person("Jildou N.", "Dijkstra", True), _person("Eline", "Boon"),
                   _person("Nick", "Kruijt"), _person("Esther", "Brusse"),
                   _person("Sithara", "Ramdas"), _person("Heinz", "Jungbluth"),
                   _person("Baziel G.M.", "van Engelen"), _person("Jon", "Walters"),
                   _person("Nicol C.", "Voermans")],
        "container-title": ["Practical Neurology"], "short-container-title": ["Pract Neurol"],
        "ISSN": ["1474-7766"], "publisher": "BMJ",
        "volume": "23", "issue": "1", "page": "23-34",
        "published-online": {"date-parts": [[2022, 12, 15]]},
        "published-print": {"date-parts": [[2023, 2]]},
        "issued": {"date-parts": [[2022, 12, 15]]},
    },
    # [3] publisher and online date not confirmed.
    "10.1212/wnl.0b013e3181d0ccca": {
        "DOI": "10.1212/WNL.0b013e3181d0ccca", "type": "journal-article",
        "title": ["Assessment: Symptomatic treatment for muscle cramps (an evidence-based review): "
                  "Report of the Therapeutics and Technology Assessment Subcommittee of the "
                  "American Academy of Neurology"],
        "author": [_person("Hans D.", "Katzberg", True), _person("Ahmir H.", "Khan"),
                   _person("Yuen T.", "So")],
        "container-title": ["Neurology"], "short-container-title": ["Neurology"],
        "ISSN": ["0028-3878", "1526-632X"],
        "issn-type": [{"type": "print", "value": "0028-3878"},
                      {"type": "electronic", "value": "1526-632X"}],
        "volume": "74", "issue": "8", "page": "691-696",
        "published-print": {"date-parts": [[2010, 2, 23]]},
        "issued": {"date-parts": [[2010, 2, 23]]},
    },
    # [4] online date not confirmed.
    "10.1177/1941738109357299": {
        "DOI": "10.1177/1941738109357299", "type": "journal-article",
        "title": ["Exercise-Associated Muscle Cramps: Causes, Treatment, and Prevention"],
        "author": [_person("Kevin C.", "Miller", True), _person("Marcus S.", "Stone"),
                   _person("Kellie C.", "Huxel"), _person("Jeffrey E.", "Edwards")],
        "container-title": ["Sports Health: A Multidisciplinary Approach"],
        "short-container-title": ["Sports Health"],
        "ISSN": ["1941-7381", "1941-0921"],
        "issn-type": [{"type": "print", "value": "1941-7381"},
                      {"type": "electronic", "value": "1941-0921"}],
        "publisher": "SAGE Publications",
        "volume": "2", "issue": "4", "page": "279-283",
        "published-print": {"date-parts": [[2010, 7]]}, "issued": {"date-parts": [[2010, 7]]},
    },
}

RESOLUTIONS = {
    "1": {"status": "matched", "doi": "10.1111/ene.13799", "doi_cited": "10.1111/ene.13799"},
    "2": {"status": "matched", "doi": "10.1136/pn-2022-003574",
          "doi_cited": "10.1136/pn-2022-003574"},
    "3": {"status": "repaired", "doi": "10.1212/wnl.0b013e3181d0ccca",
          "doi_cited": "1212/wnl.0b013e3181d0ccca"},
    "4": {"status": "matched", "doi": "10.1177/1941738109357299",
          "doi_cited": "10.1177/1941738109357299"},
    "5": {"status": "not-in-crossref", "doi": None, "doi_cited": None},
}


@dataclass
class FakeSnapshot:
    """The parts of evidence_review.records.snapshot.Snapshot the audit uses."""

    records: dict
    references: dict
    provenance: str = "reconstructed"
    retrieved: str = "2025-01-01"

    def work(self, doi):
        return self.records.get(normalise(doi))

    def works(self):
        return dict(self.records)


@pytest.fixture
def muscle_spasm():
    return audit_review(muscle_spasm_cited(), FakeSnapshot(copy.deepcopy(RECORDS),
                                                           copy.deepcopy(RESOLUTIONS)))


def _by_ref(result: AuditResult) -> dict:
    return {r.ref: r for r in result.references}


def _flags(ref_audit) -> set[tuple[str, str]]:
    return {(f.field, f.severity) for f in ref_audit.findings}


# --- the five references ----------------------------------------------------------------------

def test_the_year_belongs_to_the_version_cited():
    cited = CitedReference(number="1", printed="x", year="2022", volume="23", issue="1")
    record = {"issued": {"date-parts": [[2022]]}, "published-online": {"date-parts": [[2022, 8]]},
              "published-print": {"date-parts": [[2023, 2]]}}
    [finding] = fields.compare_year(cited, record)
    assert finding.severity == "minor" and "volume 23, number 1" in finding.message
    assert finding.suggestion == "2023"
    online_first = CitedReference(number="1", printed="x", year="2022")
    assert [f.severity for f in fields.compare_year(online_first, record)] == ["info"]


def test_a_field_the_parse_missed_but_printed_is_as_printed():
    printed = "Ames B. Walking and knee pain. Knee J. 2019;4(2):10-19."
    cited = CitedReference(number="1", printed=printed, authors=["Ames, B"], year="2019")
    record = {"title": "Walking and knee pain", "container-title": "Knee J", "volume": "4",
              "issue": "2", "page": "10-19"}
    assert fields.compare_title(cited, record) == [] and fields.compare_journal(cited, record) == []
    assert fields._compare_simple("volume", None, "4", printed) == []
    assert fields._compare_simple("issue", None, "2", printed) == []
    assert fields.compare_pages(cited, record) == []
    assert fields._compare_simple("issue", None, "7", printed)  # not printed: still a finding


def test_muscle_spasm_reports_exactly_the_known_discrepancies(muscle_spasm):
    refs = _by_ref(muscle_spasm)
    assert _flags(refs["1"]) == {("year", "minor"), ("author", "minor"),
                                 ("issue", "could-not-check")}
    # [2] cites volume 23, number 1 (the 2023 issue) with the online-first year 2022 (issue 13, item 9)
    assert _flags(refs["2"]) == {("author", "minor"), ("year", "minor")}
    assert _flags(refs["3"]) == {("doi", "major"), ("title", "minor")}
    assert _flags(refs["4"]) == {("title", "minor"), ("journal", "minor")}
    assert {(f, s) for f, s in _flags(refs["5"]) if s != "could-not-check"} == {
        ("accessed", "minor")}
    assert [r.status for r in muscle_spasm.references] == [
        "matched", "matched", "repaired", "matched", "not-in-crossref"]


def test_ref1_year_says_online_date_not_on_record(muscle_spasm):
    year = next(f for f in _by_ref(muscle_spasm)["1"].findings if f.field == "year")
    assert (year.cited, year.record, year.suggestion) == ("2018", "2019", "2019")
    assert "print year 2019" in year.message
    assert "online-first date is not on record" in year.message
    assert "could not be confirmed" in year.message


def test_ref1_particle_and_unconfirmed_issue(muscle_spasm):
    findings = _by_ref(muscle_spasm)["1"].findings
    author = next(f for f in findings if f.field == "author")
    assert (author.cited, author.record) == ("De Carvalho, M.", "de Carvalho, M.")
    assert "particle 'de' is lower-case" in author.message
    issue = next(f for f in findings if f.field == "issue")
    assert issue.cited == "2" and issue.record is None


def test_ref2_particle_case_and_online_first_year(muscle_spasm):
    findings = _by_ref(muscle_spasm)["2"].findings
    authors = [f for f in findings if f.field == "author"]
    assert len(authors) == 1 and authors[0].cited == "Van Engelen, B. G."
    assert "particle 'van' is lower-case" in authors[0].message
    # The publisher's page gives "Baziel G.M.": the third initial is confirmed missing too.
    assert authors[0].suggestion == "van Engelen, B. G. M."
    year = [f for f in findings if f.field == "year"]
    assert all(f.severity == "minor" and "online-first year 2022" in f.message for f in year)  # issue 13
    assert not [f for f in findings if f.field == "title"]  # "Causes" vs "causes" is no error


def test_ref3_doi_repaired_and_subtitle_dropped(muscle_spasm):
    ref = _by_ref(muscle_spasm)["3"]
    doi = next(f for f in ref.findings if f.field == "doi")
    assert doi.suggestion == "10.1212/wnl.0b013e3181d0ccca" == ref.doi
    assert doi.cited == "https://doi.org/1212/wnl.0b013e3181d0ccca"
    assert "'10.'" in doi.message
    title = next(f for f in ref.findings if f.field == "title")
    assert ("subtitle 'Report of the Therapeutics and Technology Assessment Subcommittee of the "
            "American Academy of Neurology'") in title.message


def test_ref4_subtitle_and_journal_punctuation(muscle_spasm):
    findings = _by_ref(muscle_spasm)["4"].findings
    title = next(f for f in findings if f.field == "title")
    assert "'Causes, Treatment, and Prevention'" in title.message
    journal = next(f for f in findings if f.field == "journal")
    assert journal.suggestion == "Sports Health: A Multidisciplinary Approach"
    assert "punctuation" in journal.message


def test_ref5_web_source(muscle_spasm):
    ref = _by_ref(muscle_spasm)["5"]
    by_field = {f.field: f for f in ref.findings}
    assert by_field["accessed"].severity == "minor"
    assert by_field["date"].severity == "could-not-check"
    assert "2019, October" in by_field["date"].message
    assert by_field["url"].severity == "could-not-check"
    assert "offline" in by_field["url"].message
    assert ref.doi is None and ref.status == "not-in-crossref"


def test_printed_list_round_trips_through_format_apa():
    for ref in muscle_spasm_cited():
        assert format_apa(ref) == ref.printed


def test_corrected_list():
    cited = {r.number: r for r in muscle_spasm_cited()}
    fixed = {n: corrected_reference(cited[n], RECORDS.get(RESOLUTIONS[n]["doi"] or ""))
             for n in cited}
    assert format_apa(fixed["1"]) == (
        "Swash, M., Czesnik, D., & de Carvalho, M. (2019). Muscular cramp: causes and management. "
        "European Journal of Neurology, 26(2), 214–221. https://doi.org/10.1111/ene.13799")
    # volume 23(1) is the 2023 issue: the year of the version cited (issue 13, item 9)
    assert fixed["2"].year == "2023" and fixed["2"].title == cited["2"].title
    assert "van Engelen, B. G. M." in fixed["2"].authors
    assert fixed["3"].doi_printed == "https://doi.org/10.1212/wnl.0b013e3181d0ccca"
    assert fixed["3"].title.endswith("American Academy of Neurology")
    assert fixed["4"].container == "Sports Health: A Multidisciplinary Approach"
    assert format_apa(fixed["5"]) == PRINTED["5"]  # nothing on record: kept as printed


def test_to_json_has_the_interface_shape(muscle_spasm):
    doc = muscle_spasm.to_json("muscle-spasm", FakeSnapshot({}, {}))
    json.dumps(doc)
    assert doc["review"] == "muscle-spasm"
    assert doc["snapshot"] == {"provenance": "reconstructed", "retrieved": "2025-01-01"}
    ref = doc["references"][2]
    assert {"ref", "cited", "doi_cited", "doi", "status", "findings"} <= set(ref)
    assert ref["cited"] == PRINTED["3"] and ref["doi_cited"] == "1212/wnl.0b013e3181d0ccca"
    assert set(ref["findings"][0]) == {"field", "severity", "cited", "record", "message",
                                       "suggestion"}


def test_to_frame_one_row_per_finding(muscle_spasm):
    frame = muscle_spasm.to_frame()
    assert len(frame) == sum(len(r.findings) for r in muscle_spasm.references)
    assert list(frame.columns[:4]) == ["ref", "status", "field", "severity"]
    assert muscle_spasm.summary_lines()[2].startswith("[3] repaired: 1 major, 1 minor")


def test_end_to_end_resolve_then_audit():
    """resolve_references on a stand-in client, then the audit on what it stored."""
    from test_resolve import FakeClient

    cited = muscle_spasm_cited()
    resolutions = resolve_references(cited, FakeClient(RECORDS))
    assert {n: r.status for n, r in resolutions.items()} == {
        "1": "matched", "2": "matched", "3": "repaired", "4": "matched", "5": "not-in-crossref"}
    assert resolutions["3"].doi == "10.1212/wnl.0b013e3181d0ccca"
    snapshot = FakeSnapshot({r.doi: r.message for r in resolutions.values() if r.doi},
                            {n: r.to_dict() for n, r in resolutions.items()})
    result = _by_ref(audit_review(cited, snapshot))
    assert _flags(result["3"]) == {("doi", "major"), ("title", "minor")}


# --- each finding type on built records --------------------------------------------------------

def _cited(**changes) -> CitedReference:
    base = muscle_spasm_cited()[3]  # [4] Miller et al.
    base.title = "Exercise-associated muscle cramps: causes, treatment, and prevention"
    base.container = "Sports Health"
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def _record(**changes) -> dict:
    record = copy.deepcopy(RECORDS["10.1177/1941738109357299"])
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


MATCHED = {"status": "matched", "doi": "10.1177/1941738109357299",
           "doi_cited": "10.1177/1941738109357299"}


def _audit(cited=None, record=None, resolution=None, **kw):
    return audit_reference(cited or _cited(), _record() if record is None else record,
                           resolution or MATCHED, **kw).findings


def test_faithful_reference_has_no_findings():
    assert _audit() == []


@pytest.mark.parametrize(("changes", "field", "severity"), [
    ({"authors": ["Stone, M. S.", "Miller, K. C.", "Huxel, K. C.", "Edwards, J. E."]},
     "author", "major"),
    ({"authors": ["Miller, K. C.", "Huxel, K. C.", "Stone, M. S.", "Edwards, J. E."]},
     "author", "minor"),
    ({"authors": ["Miller, K. C.", "Stone, M. S.", "Huxel, K. C."]}, "author", "minor"),
    ({"authors": ["Miller, K.", "Stone, M. S.", "Huxel, K. C.", "Edwards, J. E."]},
     "author", "minor"),
    ({"authors": ["Miller, K. C.", "Stone, M. S.", "Huxell, K. C.", "Edwards, J. E."]},
     "author", "minor"),
    ({"title": "Heat illness in athletes"}, "title", "major"),
    ({"title": "Exercise associated muscle cramp: causes, treatment and prevention"},
     "title", "minor"),
    ({"container": "Journal of Athletic Training"}, "journal", "major"),
    ({"volume": "3"}, "volume", "major"),
    ({"issue": "5"}, "issue", "major"),
    ({"pages": "280–283"}, "page", "major"),
    ({"pages": "279–285"}, "page", "minor"),
    ({"year": "2012"}, "year", "minor"),
])
def test_each_field_discrepancy(changes, field, severity):
    findings = _audit(cited=_cited(**changes))
    assert [(f.field, f.severity) for f in findings] == [(field, severity)]
    # one sentence: ends in a full stop, no sentence break inside (initials are "K. C.")
    assert findings[0].message.endswith(".")
    assert not re.search(r"[a-z0-9]\. [A-Z]", findings[0].message)


def test_abbreviated_last_page_and_recorded_abbreviation_are_fine():
    assert _audit(cited=_cited(pages="279-83", container="Sports Health")) == []


def test_absent_record_fields_could_not_be_checked():
    record = _record(volume=None, issue=None, page=None, title=None, author=None,
                     issued=None, **{"published-print": None, "container-title": None,
                                     "short-container-title": None})
    findings = _audit(record=record)
    assert {f.severity for f in findings} == {"could-not-check"}
    assert {f.field for f in findings} == {"volume", "issue", "page", "title", "author", "year",
                                           "journal"}


def test_online_first_year_given_for_the_issue_year():
    record = _record(**{"published-online": {"date-parts": [[2009, 12, 1]]},
                        "issued": {"date-parts": [[2010, 7]]}})
    (finding,) = _audit(cited=_cited(year="2009"), record=record)
    assert (finding.field, finding.severity, finding.suggestion) == ("year", "minor", "2010")
    assert "the issue dated 2010, with the online-first year 2009" in finding.message


def test_printed_journal_abbreviation_without_recorded_abbreviation_is_info():
    record = _record(**{"short-container-title": None})
    (finding,) = _audit(cited=_cited(container="Sports Health Multidiscip Approach"),
                        record=record)
    assert finding.severity == "info"


def _retraction(source="retraction-watch", when=(2021, 3, 4), kind="retraction"):
    return {"type": kind, "source": source, "label": kind.replace("_", " ").title(),
            "DOI": "10.1177/notice", "updated": {"date-parts": [list(when)]}}


def test_retracted_record_before_article_update_is_the_articles_error():
    record = _record(**{"updated-by": [_retraction()]})
    (finding,) = _audit(record=record, article_updated="2024-05-01")
    assert (finding.field, finding.severity) == ("update", "major")
    assert "retraction" in finding.message and "retraction-watch" in finding.message
    assert "predates the article's last update (2024-05-01)" in finding.message


def test_retraction_after_article_update_is_news_for_the_editor():
    record = _record(**{"updated-by": [_retraction(source="publisher", when=(2025, 1, 2))]})
    (finding,) = _audit(record=record, article_updated="2024-05-01")
    assert "news for the editor" in finding.message


@pytest.mark.parametrize("kind", ["correction", "erratum", "expression_of_concern"])
def test_corrected_record_is_major(kind):
    record = _record(**{"updated-by": [_retraction(kind=kind, source="publisher")]})
    (finding,) = _audit(record=record)
    assert finding.severity == "major" and kind.replace("_", " ") in finding.message.lower()


def test_cited_doi_is_itself_a_notice():
    record = _record(**{"update-to": [{"type": "retraction", "DOI": "10.1177/original",
                                       "updated": {"date-parts": [[2020, 1, 1]]}}]})
    (finding,) = _audit(record=record)
    assert finding.severity == "major" and "notice" in finding.message


def test_preprint_relation_is_info():
    record = _record(relation={"is-preprint-of": [{"id-type": "doi", "id": "10.1/pub",
                                                   "asserted-by": "subject"}]})
    (finding,) = _audit(record=record)
    assert (finding.field, finding.severity, finding.suggestion) == ("relation", "info",
                                                                     "10.1/pub")


def test_doi_resolving_to_a_different_paper_is_major():
    res = {"status": "not-found", "doi": None, "doi_cited": "10.1177/1941738109357299",
           "reason": "The printed DOI resolves to a different work; no match was found."}
    result = audit_reference(_cited(), None, res)
    doi = next(f for f in result.findings if f.field == "doi")
    assert doi.severity == "major" and "different work" in doi.message
    assert result.doi is None


def test_missing_doi_found_by_query_is_minor():
    res = {"status": "matched", "doi": "10.1177/1941738109357299", "doi_cited": None}
    (finding,) = _audit(cited=_cited(doi_printed=None), resolution=res)
    assert (finding.field, finding.severity) == ("doi", "minor")


def test_web_source_with_http_and_no_date():
    web = muscle_spasm_cited()[4]
    web.url, web.date_text, web.year = "http://medlineplus.gov/x.html", None, None
    web.accessed = "March 3, 2024"
    result = audit_reference(web, None, {"status": "not-in-crossref"})
    assert {(f.field, f.severity) for f in result.findings} == {
        ("url", "minor"), ("url", "could-not-check"), ("date", "minor")}


def test_audit_review_without_resolution_entries_infers_them():
    snapshot = FakeSnapshot(copy.deepcopy(RECORDS), {})
    result = _by_ref(audit_review(muscle_spasm_cited(), snapshot))
    assert result["1"].status == "matched"
    assert result["3"].status == "not-found"
    assert result["5"].status == "not-in-crossref"


# --- markers ------------------------------------------------------------------------------------

def test_markers_agree_with_list():
    assert check_markers(["1", "2", "3", "2", "4", "5"], ["1", "2", "3", "4", "5"]) == []


def test_marker_problems():
    findings = check_markers(["[1]", "[2, 7]", "3–4"], ["1", "2", "4", "4", "6", "3"])
    flags = [(f.severity, f.message) for f in findings]
    assert ("major", "The text cites [7] but the list has no reference 7.") in flags
    assert ("minor", "Reference [6] is in the list but never cited in the text.") in flags
    assert ("minor", "The reference list has number 4 more than once.") in flags
    assert ("minor", "The reference list skips number 5.") in flags
    assert len(findings) == 4


def test_audit_review_checks_markers():
    snapshot = SimpleNamespace(references=RESOLUTIONS, work=lambda doi: RECORDS.get(doi))
    result = audit_review(muscle_spasm_cited(), snapshot, article_markers=["1", "2", "3", "4"])
    assert [f.message for f in result.markers] == [
        "Reference [5] is in the list but never cited in the text."]
    assert result.to_json("x", None)["markers"][0]["severity"] == "minor"


def test_record_without_the_printed_subtitle_is_info_not_an_error():
    record = _record(title=["Exercise-Associated Muscle Cramps"])
    (finding,) = _audit(record=record)
    assert (finding.field, finding.severity) == ("title", "info")


def test_broken_doi_not_found_names_the_breakage():
    res = {"status": "not-found", "doi": None, "doi_cited": "1177/x", "reason": "whatever"}
    result = audit_reference(_cited(doi_printed="https://doi.org/1177/x"), None, res)
    doi = next(f for f in result.findings if f.field == "doi")
    assert doi.severity == "major" and "lacks the '10.'" in doi.message
    assert ("record", "could-not-check") in {(f.field, f.severity) for f in result.findings}


def test_web_host_not_matching_the_site_owner_is_info():
    web = muscle_spasm_cited()[4]
    web.url = "https://example.com/baclofen"
    result = audit_reference(web, None, {"status": "not-in-crossref"})
    assert ("url", "info") in {(f.field, f.severity) for f in result.findings}


def test_a_findings_dict_holds_every_field_as_asdict_does():
    """Finding.to_dict is written out for speed: a field added to Finding must be added there too."""
    import dataclasses

    from evidence_review.audit.findings import Finding

    finding = Finding("title", "minor", "Printed", "Recorded", "One sentence.", "Recorded")
    assert finding.to_dict() == dataclasses.asdict(finding)
    assert list(finding.to_dict()) == [f.name for f in dataclasses.fields(Finding)]
