"""Resolving references: printed DOIs, DOI repairs, bibliographic queries, and what is refused."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from evidence_review.intake.references import CitedReference
from evidence_review.records.doi import normalise
from evidence_review.records.resolve import (
    MATCH_THRESHOLD,
    accepts,
    match_score,
    records,
    resolve_references,
)


@dataclass
class Outcome:
    """The shape of evidence_review.records.crossref.WorkOutcome."""

    doi: str
    status: str
    message: dict | None
    reason: str | None
    agency: str | None = None
    from_cache: bool = False


class FakeClient:
    """A CrossrefClient stand-in: records by DOI, canned query results, and a call log."""

    def __init__(self, works: dict, query_results: list[dict] | None = None,
                 agencies: dict | None = None, errors: set | None = None):
        self.works = {normalise(k): v for k, v in works.items()}
        self.query_results = query_results
        self.agencies = agencies or {}
        self.errors = errors or set()
        self.calls: list[tuple] = []

    def get_works(self, dois, refresh=False):
        self.calls.append(("get_works", tuple(dois)))
        return {normalise(d): self._outcome(normalise(d)) for d in dois}

    def get_work(self, doi, refresh=False):
        return self._outcome(normalise(doi))

    def _outcome(self, doi):
        if doi in self.errors:
            return Outcome(doi, "error", None, "HTTP 503 after 3 retries")
        if doi in self.works:
            return Outcome(doi, "ok", copy.deepcopy(self.works[doi]), None, "crossref")
        return Outcome(doi, "not-found", None, "Resource not found.")

    def query_bibliographic(self, text, rows=5):
        self.calls.append(("query", text))
        found = self.query_results if self.query_results is not None else list(self.works.values())
        return [{**copy.deepcopy(m), "score": 42.0} for m in found][:rows]

    def agency(self, doi):
        self.calls.append(("agency", doi))
        return self.agencies.get(normalise(doi), "crossref")


PAPER = {
    "DOI": "10.5555/cramp.2020.1", "type": "journal-article",
    "title": ["Nocturnal leg cramps in older adults"], "subtitle": ["a cohort study"],
    "author": [{"given": "Ana", "family": "de Souza"}, {"given": "Ben", "family": "Lee"}],
    "container-title": ["Journal of Cramps"], "volume": "4", "issue": "2", "page": "10-19",
    "published-print": {"date-parts": [[2020, 5]]}, "issued": {"date-parts": [[2020, 5]]},
    "indexed": {"date-time": "2025-01-01T00:00:00Z"}, "is-referenced-by-count": 7,
}
OTHER = {
    "DOI": "10.5555/other.2020.9", "type": "journal-article",
    "title": ["Statins and myopathy: a meta-analysis"],
    "author": [{"given": "Ana", "family": "de Souza"}, {"given": "Ben", "family": "Lee"}],
    "container-title": ["Journal of Cramps"], "volume": "4", "page": "20-29",
    "issued": {"date-parts": [[2020, 6]]},
}


def cited(doi: str | None = "10.5555/cramp.2020.1", **changes) -> CitedReference:
    ref = CitedReference(number="1", printed="...", authors=["De Souza, A.", "Lee, B."],
                         year="2020", title="Nocturnal leg cramps in older adults",
                         container="Journal of Cramps", volume="4", issue="2", pages="10–19",
                         doi_printed=doi)
    for key, value in changes.items():
        setattr(ref, key, value)
    return ref


def resolve_one(ref, client):
    return resolve_references([ref], client)["1"]


def test_match_score_threshold_and_parts():
    assert match_score(cited(), PAPER) == 1.0
    assert match_score(cited(year="2019"), PAPER) == 0.9 >= MATCH_THRESHOLD
    assert match_score(cited(), OTHER) < MATCH_THRESHOLD  # same authors and year, other paper
    assert not accepts(cited(authors=["Smith, J."]), PAPER)  # same title, other authors
    assert not accepts(cited(year="2012"), PAPER)  # year far off


def test_valid_doi_matched_in_one_batch():
    client = FakeClient({"10.5555/cramp.2020.1": PAPER})
    res = resolve_references([cited("https://doi.org/10.5555/CRAMP.2020.1."),
                              cited("doi:10.5555/cramp.2020.1", number="2")], client)
    assert {r.status for r in res.values()} == {"matched"}
    assert [c for c in client.calls if c[0] == "get_works"] == [
        ("get_works", ("10.5555/cramp.2020.1",))]
    assert res["1"].doi == "10.5555/cramp.2020.1" and res["1"].score == 1.0
    assert "score" not in res["1"].message and "indexed" not in res["1"].message
    assert set(records(res)) == {"10.5555/cramp.2020.1"}


@pytest.mark.parametrize("printed", [
    "https://doi.org/5555/cramp.2020.1",  # missing "10."
    "10,5555/cramp.2020.1",  # "10" without its dot
    "Cramps.10.5555/cramp.2020.1",  # glued to preceding text
    "10.5555/ cramp.2020. 1",  # spaces inside
    "10.5555/cramp\u20132020.1".replace("\u2013", "."),  # control: valid as printed
])
def test_broken_doi_repaired_only_when_record_matches(printed):
    res = resolve_one(cited(printed), FakeClient({"10.5555/cramp.2020.1": PAPER}))
    assert res.doi == "10.5555/cramp.2020.1"
    assert res.status == ("matched" if printed.startswith("10.5555/cramp") else "repaired")
    assert res.reason.endswith(".") and "match" in res.reason


def test_repair_candidate_resolving_to_another_paper_is_refused():
    client = FakeClient({"10.5555/cramp.2020.1": OTHER}, query_results=[])
    res = resolve_one(cited("5555/cramp.2020.1"), client)
    assert res.status == "not-found" and res.doi is None and res.message is None
    assert "no proposed repair" in res.reason


def test_doi_resolving_to_a_different_paper_is_not_accepted():
    client = FakeClient({"10.5555/cramp.2020.1": OTHER}, query_results=[OTHER])
    res = resolve_one(cited(), client)
    assert res.status == "not-found" and res.doi is None
    assert "resolves to a different work 'Statins and myopathy" in res.reason


def test_wrong_doi_replaced_by_bibliographic_match():
    client = FakeClient({"10.5555/other.2020.9": OTHER, "10.5555/cramp.2020.1": PAPER})
    res = resolve_one(cited("10.5555/other.2020.9"), client)
    assert (res.status, res.doi) == ("repaired", "10.5555/cramp.2020.1")
    assert "different work" in res.reason and "bibliographic query found" in res.reason


def test_truncated_doi_goes_to_bibliographic_query():
    client = FakeClient({"10.5555/cramp.2020.1": PAPER})
    res = resolve_one(cited("10.5555/cramp.20..."), client)
    assert (res.status, res.doi) == ("repaired", "10.5555/cramp.2020.1")
    query = next(text for kind, text in client.calls if kind == "query")
    assert "De Souza" in query and "Nocturnal leg cramps" in query and "2020" in query


def test_bibliographic_query_with_no_acceptable_match():
    client = FakeClient({}, query_results=[OTHER])
    res = resolve_one(cited("10.5555/missing"), client)
    assert res.status == "not-found" and res.doi is None
    assert "none acceptable" in res.reason and f"threshold {MATCH_THRESHOLD}" in res.reason


def test_no_doi_printed_found_by_query():
    res = resolve_one(cited(None), FakeClient({"10.5555/cramp.2020.1": PAPER}))
    assert (res.status, res.doi, res.doi_cited) == ("matched", "10.5555/cramp.2020.1", None)


def test_other_agency_asked_once_and_not_retried():
    client = FakeClient({}, agencies={"10.5281/zenodo.1": "DataCite"})
    res = resolve_one(cited("10.5281/zenodo.1"), client)
    assert res.status == "not-in-crossref" and res.agency == "DataCite"
    assert "DataCite" in res.reason
    assert [c for c in client.calls if c[0] == "agency"] == [("agency", "10.5281/zenodo.1")]
    assert not [c for c in client.calls if c[0] == "query"]


def test_client_error_is_reported_not_guessed():
    client = FakeClient({"10.5555/cramp.2020.1": PAPER}, errors={"10.5555/cramp.2020.1"})
    res = resolve_one(cited(), client)
    assert res.status == "error" and "503" in res.reason


def test_web_page_without_doi_is_not_forced():
    web = CitedReference(number="1", printed="...", kind="web", organisation="MedlinePlus",
                         title="Baclofen", url="https://medlineplus.gov/druginfo/meds/a682530.html")
    client = FakeClient({"10.5555/cramp.2020.1": PAPER})
    res = resolve_one(web, client)
    assert res.status == "not-in-crossref" and client.calls == []
    assert res.to_dict() == {"ref": "1", "status": "not-in-crossref", "doi": None,
                             "doi_cited": None, "reason": res.reason, "score": None,
                             "agency": None}


def test_a_reference_the_parse_missed_is_queried_by_its_printed_string():
    from evidence_review.records.resolve import query_text

    odd = CitedReference(number="9", printed="Some odd reference string, 2019, https://example.org/x")
    assert query_text(odd) == "Some odd reference string, 2019,"
    assert query_text(CitedReference(number="9", printed="")) == ""


def test_an_empty_reference_is_never_queried_and_a_failing_one_does_not_stop_the_rest():
    from evidence_review.core.errors import CrossrefError

    class Client:
        asked = []

        def get_works(self, dois, refresh=False):
            return {}

        def query_bibliographic(self, text, rows=5):
            self.asked.append(text)
            if "boom" in text:
                raise CrossrefError("the server answered 500")
            return []

        def agency(self, doi):
            return None

    refs = [CitedReference(number="1", printed=""), CitedReference(number="2", printed="boom boom 2019"),
            CitedReference(number="3", printed="Ames B. Walking. Knee J. 2019;4:1-9.", title="Walking",
                           authors=["Ames, B"])]
    out = resolve_references(refs, Client())
    assert "" not in Client.asked and out["1"].status == "not-found"
    assert out["2"].status == "error" and "500" in out["2"].reason
    assert out["3"].status == "not-found"


# A reference made from an inline link: a DOI and its anchor text, nothing to compare with a record.
LINK = "a large review of trials. https://doi.org/10.5555/hyd.2020.031"
HYDRATION = {
    "DOI": "10.5555/hyd.2020.031", "type": "journal-article",
    "title": ["Fluid intake for preventing recurrent kidney stones: a systematic review"],
    "author": [{"given": "Iris", "family": "Okafor"}], "container-title": ["Journal of Fluids"],
    "issued": {"date-parts": [[2020]]},
}


@pytest.mark.parametrize(("printed", "doi_only"), [
    (LINK, True),
    ("https://doi.org/10.5555/hyd.2020.031", True),  # a bare DOI link
    ("In 2019 a survey of adults. https://doi.org/10.5555/hyd.2020.031", False),  # a year is printed
    ("the one review of trials that looked at how much water adults drink each day at home or "
     "at work. https://doi.org/10.5555/hyd.2020.031", False),  # too long for a link's text
    ("Okafor I. Fluid intake for preventing recurrent kidney stones. J Fluids. 2020;3:1-9. "
     "https://doi.org/10.5555/hyd.2020.031", False),  # a full reference
    ("The national guidance on fluids. https://www.example.org/guidance/fluids", False),  # no DOI
])
def test_doi_only_is_a_doi_with_at_most_a_links_text(printed, doi_only):
    from evidence_review.intake.reflist import parse_entry

    assert parse_entry(f"[1] {printed}").doi_only is doi_only


def test_a_doi_printed_alone_is_matched_to_its_record_with_a_note():
    ref = CitedReference(number="1", printed=LINK, doi_printed="https://doi.org/10.5555/hyd.2020.031")
    client = FakeClient({"10.5555/hyd.2020.031": HYDRATION})
    assert not accepts(ref, HYDRATION)  # nothing printed agrees with the record ...
    res = resolve_one(ref, client)
    assert (res.status, res.doi) == ("matched", "10.5555/hyd.2020.031")  # ... the DOI is the citation
    assert res.reason.startswith("Only the DOI is printed") and "different work" not in res.reason
    assert "Fluid intake for preventing" in res.reason and "nothing" not in res.reason
    assert [c[0] for c in client.calls] == ["get_works"]  # no query for the link's words


def test_a_doi_printed_alone_that_is_unknown_is_still_not_found():
    ref = CitedReference(number="1", printed=LINK, doi_printed="https://doi.org/10.5555/hyd.2020.031")
    res = resolve_one(ref, FakeClient({}, query_results=[]))
    assert res.status == "not-found" and res.doi is None


def test_a_full_reference_whose_doi_is_another_work_is_still_refused():
    # the same printed DOI as a link, but authors, title and year are printed and disagree
    ref = cited("https://doi.org/10.5555/hyd.2020.031",
                printed="De Souza A, Lee B. Nocturnal leg cramps in older adults. J Cramps. 2020;4:10-19.")
    assert not ref.doi_only
    res = resolve_one(ref, FakeClient({"10.5555/hyd.2020.031": HYDRATION}, query_results=[]))
    assert res.status == "not-found" and res.doi is None
    assert "resolves to a different work 'Fluid intake" in res.reason


def test_an_unparsed_reference_with_a_year_beside_its_doi_is_not_taken_on_trust():
    # the parse found no field, but a year is printed: the DOI's record must still agree with it
    ref = CitedReference(number="1", printed="Okafor 2011 review. https://doi.org/10.5555/hyd.2020.031",
                         doi_printed="https://doi.org/10.5555/hyd.2020.031")
    res = resolve_one(ref, FakeClient({"10.5555/hyd.2020.031": HYDRATION}, query_results=[]))
    assert res.status == "not-found" and "different work" in res.reason


class StreamingClient(FakeClient):
    """A FakeClient whose get_works reports each outcome as it settles, as CrossrefClient does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asking = False

    def get_works(self, dois, refresh=False, on_settled=None):
        self.calls.append(("get_works", tuple(dois)))
        self.asking = True
        outcomes = {}
        for d in dois:
            outcomes[normalise(d)] = self._outcome(normalise(d))
            if on_settled is not None:
                on_settled({normalise(d): outcomes[normalise(d)]})
        self.asking = False
        return outcomes


def test_references_are_resolved_as_their_records_arrive():
    works = {"10.5555/cramp.2020.1": PAPER, "10.5555/other.2020.9": OTHER}
    refs = [cited(number="1"), cited("10.5555/other.2020.9", number="2"),  # a different paper
            cited(None, number="3"), cited("10.5555/cramp.2020.1", number="4")]
    during, after = [], []
    client = StreamingClient(works, query_results=[])
    streamed = resolve_references(
        refs, client, on_resolved=lambda r: (during if client.asking else after).append(r.ref))
    assert sorted(during) == ["1", "4"]  # settled by their printed DOI while the batch was out
    assert sorted(after) == ["2", "3"]  # needed more (a query) once the batch was in
    plain = resolve_references(refs, FakeClient(works, query_results=[]))
    assert list(streamed) == list(plain) == ["1", "2", "3", "4"]
    assert {n: r.to_dict() for n, r in streamed.items()} == {n: r.to_dict() for n, r in plain.items()}
    assert {n: r.message for n, r in streamed.items()} == {n: r.message for n, r in plain.items()}


def test_runs_in_several_threads_at_once_give_each_the_answers_of_a_run_alone():
    """A site scan resolves its pages in threads: one run ending must not take the memo (the CSL
    forms and scores kept for the run) away from another run still scoring."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    works = {f"10.5555/cramp.{i}": {**PAPER, "DOI": f"10.5555/cramp.{i}",
                                     "title": [f"Nocturnal leg cramps, part {i}"]} for i in range(40)}
    refs = [cited(f"10.5555/cramp.{i}", number=str(i + 1), title=f"Nocturnal leg cramps, part {i}")
            for i in range(40)]
    alone = {n: (r.status, r.doi, r.score) for n, r in resolve_references(refs, FakeClient(works)).items()}
    start = threading.Barrier(6)

    def run(_):
        start.wait()
        return [{n: (r.status, r.doi, r.score) for n, r in resolve_references(refs[k:] + refs[:k],
                                                                              FakeClient(works)).items()}
                for k in range(0, 40, 4)]

    with ThreadPoolExecutor(6) as pool:
        for answers in pool.map(run, range(6)):
            assert all(a == alone for a in answers)
