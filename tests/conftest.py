"""Shared fixtures: a running Crossref stand-in on 127.0.0.1, clients pointed at it, and the default
review built once per test session."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from projects import Built, build, copy_project
from sample_records import SAMPLE_OTHER_AGENCY, SAMPLE_RECORDS

from evidence_review.records.crossref import CrossrefClient
from evidence_review.records.standin import CrossrefStandIn

MAILTO = "reviewer@example.org"

RECORDS = SAMPLE_RECORDS
DATACITE_DOI = next(iter(SAMPLE_OTHER_AGENCY))


@pytest.fixture
def standin() -> Iterator[CrossrefStandIn]:
    """A running stand-in with RECORDS, one DataCite DOI, and a generous advertised rate.

    The advertised rate is high so that clients (which follow x-rate-limit-* headers) do not pace
    unrelated tests at Crossref's real 10/s; the limiter tests set real limits themselves.
    """
    with CrossrefStandIn(RECORDS, other_agency=SAMPLE_OTHER_AGENCY, rate_limit=1000,
                         max_lifetime=120) as api:
        yield api


@pytest.fixture
def make_client(standin: CrossrefStandIn) -> Iterator[Callable[..., CrossrefClient]]:
    """Build clients against the stand-in with test-sized back-off; all closed afterwards.

    ``rate`` is a high ceiling so that tests are not paced at Crossref's 10/s before the first
    answer's headers arrive; the limiter tests pass ``rate=None`` to get the real defaults.
    """
    made: list[CrossrefClient] = []

    def make(**kwargs) -> CrossrefClient:
        settings = {"base_url": standin.base_url, "mailto": MAILTO, "timeout": 2.0,
                    "backoff": 0.01, "backoff_max": 0.05, "max_attempts": 4,
                    "time_budget": 10.0, "rate": 1000.0, **kwargs}
        client = CrossrefClient(**settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., CrossrefClient]) -> CrossrefClient:
    return make_client()


@pytest.fixture(scope="session")
def built_report(tmp_path_factory) -> Built:
    """The default review built once per test session (the report and browser tests read it)."""
    return build(copy_project(tmp_path_factory.mktemp("report")))
