"""Shared fixtures: a running Crossref stand-in on 127.0.0.1, clients pointed at it, and the default
review built once per test run; and the grouping that keeps tests sharing a costly fixture on one
xdist worker."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shared_build
from _pytest.nodeid import NodeId
from projects import (
    IN_PROCESS,
    PLUS_TOKEN,
    REVIEW,
    Built,
    Edited,
    copy_project,
    flip_one_verdict,
    review_records,
    reviewer_digests,
    run_cli,
)
from sample_records import SAMPLE_OTHER_AGENCY, SAMPLE_RECORDS

from evidence_review.records.crossref import CrossrefClient
from evidence_review.records.europepmc_standin import EuropePMCStandIn
from evidence_review.records.standin import CrossrefStandIn

MAILTO = "reviewer@example.org"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

RECORDS = SAMPLE_RECORDS
DATACITE_DOI = next(iter(SAMPLE_OTHER_AGENCY))


def pytest_configure(config):
    """One cache folder for the whole run (EVIDENCE_REVIEW_CACHE: readability scores and the CMU
    dictionary they need), made by the controlling process and inherited by the xdist workers and
    every kernel and command they start: each text is scored once per run, and afresh in each run.
    """
    if "PYTEST_XDIST_WORKER" in os.environ or "EVIDENCE_REVIEW_CACHE" in os.environ:
        return
    config._evidence_review_cache = tempfile.mkdtemp(prefix="evidence-review-test-cache-")
    os.environ["EVIDENCE_REVIEW_CACHE"] = config._evidence_review_cache


def pytest_unconfigure(config):
    folder = getattr(config, "_evidence_review_cache", None)
    if folder is not None:
        os.environ.pop("EVIDENCE_REVIEW_CACHE", None)
        shutil.rmtree(folder, ignore_errors=True)


def pytest_sessionstart(session):
    """Points every client that is not given a Europe PMC address at a local one that knows no work.

    Without it, a `fetch` in a test that is about Crossref would ask the real Europe PMC, which the
    socket guard refuses, and wait out the client's back-off (~11 s) for an answer that cannot
    come. Tests about Europe PMC start their own stand-in and pass its address.
    """
    if "EUROPEPMC_BASE_URL" not in os.environ:
        session.config._europepmc_blank = EuropePMCStandIn(max_lifetime=4 * 3600).__enter__()
        os.environ["EUROPEPMC_BASE_URL"] = session.config._europepmc_blank.base_url


def pytest_sessionfinish(session):
    blank = getattr(session.config, "_europepmc_blank", None)
    if blank is not None:
        os.environ.pop("EUROPEPMC_BASE_URL", None)
        blank.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's, installed by .ci/run) driven by Playwright; its own download is
    never used. Skips when Chromium is not installed. One per worker (SPREAD): each test opens its
    own context."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) "
                    "or set CHROMIUM to its executable")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()


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


def _run_folder(tmp_path_factory) -> Path:
    """The temporary folder of the whole run: under xdist each worker has its own under it."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if base.name.startswith("popen-gw") else base


@pytest.fixture(scope="session", autouse=True)
def _shared_build_in_background(request, tmp_path_factory) -> Iterator[None]:
    """Starts `built_report`'s build in a process of its own (tests/shared_build.py) when a test of
    this run reads it: the first worker to get here starts it, the others find it started."""
    process = None
    if any("built_report" in getattr(item, "fixturenames", ()) for item in request.session.items):
        process = shared_build.start_in_background(_run_folder(tmp_path_factory))
    yield
    shared_build.finish(process)


@pytest.fixture(scope="session")
def built_report(tmp_path_factory) -> Built:
    """The default review built (with its PDF) once per test run, from a snapshot in which one
    Crossref record carries hostile markup (projects.HOSTILE, fetched from a stand-in): the report
    tests read it as the product, test_injection.py checks that none of the markup became live.

    One build serves both: the hostile values are text in a journal name, a publisher, an abstract
    and an affiliation, so the report's structure, pages and counts are those of the default review.
    It is built once per run, in the background from the start (tests/shared_build.py), under a
    lock in the run's temporary folder: any worker may read it, so its tests are not grouped on one
    worker (ONCE_PER_RUN). Tests must only read it.
    """
    root = shared_build.build_once(_run_folder(tmp_path_factory))
    out = root / "reports" / REVIEW
    return Built(root, out / "review.html", out / "review.pdf")


@pytest.fixture(scope="session")
def edited_report(tmp_path_factory) -> Edited:
    """A copy of the default review taken through a reviewer's round after an edit, once per worker:
    one verdict flipped, an older PDF left in the report folder, then (in this process, so that
    pytest-socket's loopback-only block covers the commands) `fetch --reconstruct`, `fetch
    --refresh` from a stand-in with CROSSREF_PLUS_TOKEN set, and `build --no-pdf` with the token
    still in the environment, its notebook run in this process (the in-process engine).

    Read by test_report_output.py (counts follow the edit; --no-pdf removes the older PDF),
    test_cli.py (the token is sent, and written nowhere) and test_offline.py (reviewer files are
    left alone): one no-PDF build instead of three.
    """
    root = copy_project(tmp_path_factory.mktemp("edited"))
    claim, refs = flip_one_verdict(root)
    older = root / "reports" / REVIEW / "review.pdf"
    older.parent.mkdir(parents=True)
    older.write_bytes(b"%PDF-1.7 a report built before the verdict changed")
    before = reviewer_digests(root)
    env = {"CROSSREF_PLUS_TOKEN": PLUS_TOKEN}
    runs = [run_cli("fetch", "--reconstruct", root=root)]
    with CrossrefStandIn(list(review_records().values())) as api:
        runs.append(run_cli("fetch", "--refresh", "--no-europepmc", "--base-url", api.base_url,
                            root=root, env=env))
        headers = [r.headers.get("crossref-plus-api-token") for r in api.requests()]
    # the notebook in this process, as `build` runs by default (report/inprocess.py): run_cli calls
    # the CLI in this process, so the cells run here (kernel builds: test_new_review_build.py)
    runs.append(run_cli("build", "--no-pdf", root=root, env={**env, **IN_PROCESS}))
    for done in runs:
        assert done.returncode == 0, (done.args, done.stderr)
    out = root / "reports" / REVIEW
    return Edited(Built(root, out / "review.html", None), claim, refs, older, before, headers, runs)


# --- xdist: `--dist loadgroup` sends each test on its own, except tests that share a fixture wider
# than one test (a module's build, a session's stand-in): those stay together on one worker, so
# that the fixture is made once. Tests marked xdist_group by hand keep their mark.

# Shared fixtures cheap enough to make once per worker, whose tests are slow one by one: their tests
# spread over the workers like any other.
SPREAD = {"tests/test_intake_pages.py::project",  # an empty project folder; each test adds a review
          "tests::browser"}  # Chromium, started once per worker that needs it
# Fixtures made once per run under a lock (tests/shared_build.py), which every worker can read.
ONCE_PER_RUN = {"built_report", "_shared_build_in_background"}


def _shared_fixtures(item) -> list[str]:
    """The module-, class-, package- and session-scoped fixtures of this project that ``item`` uses."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    keys = []
    for name in item.fixturenames:
        defs = info.name2fixturedefs.get(name)
        if not defs:
            continue
        fixturedef = defs[-1]
        if fixturedef.scope == "function" or not fixturedef.baseid:  # baseid "": a plugin's fixture
            continue
        if name in ONCE_PER_RUN:
            continue
        if fixturedef.scope == "session":
            keys.append(f"{fixturedef.baseid}::{name}")
        else:
            keys.append(f"{item.nodeid.split('::', 1)[0]}::{name}")
    return [key for key in keys if key not in SPREAD]


def _group(item) -> str | None:
    mark = item.get_closest_marker("xdist_group")
    return None if mark is None else str(mark.args[0] if mark.args else mark.kwargs.get("name"))


def _in_run_order(items: list) -> list:
    """The tests in the order the workers get them (make test passes --no-loadscope-reorder, so
    xdist hands out work in collection order): the groups first, the largest first, as the longest
    jobs go first in any schedule; then the readers of the background build (tests/shared_build.py),
    which is done by the time the groups are; the single tests last, which end the run evenly on
    every worker. Stable: a notebook's cells keep their order."""
    sizes: dict[str | None, int] = {}
    for item in items:
        group = _group(item)
        sizes[group] = sizes.get(group, 0) + 1

    def rank(item) -> tuple[int, int]:
        group = _group(item)
        size = 0 if group is None else sizes[group]
        if "built_report" in getattr(item, "fixturenames", ()):
            return (1, -size)
        return (0, -size) if group is not None else (2, 0)

    return sorted(items, key=rank)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Marks the tests sharing a fixture wider than one test with one xdist_group.

    Wraps the other hooks: the marks are set before xdist's hook reads them, and afterwards the
    group is appended to the node id where xdist could not: xdist 3.8 writes ``item._nodeid``,
    which pytest 9 no longer reads (its node id is ``item._id``), so ``--dist loadgroup`` would
    ignore every group. The suffix is added only where it is missing (harmless once xdist works).
    """
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    per_item = {}
    for item in items:
        if item.get_closest_marker("xdist_group") or item.path.suffix == ".ipynb":
            continue
        keys = _shared_fixtures(item)
        if keys:
            per_item[item] = keys
            for key in keys[1:]:
                parent[find(key)] = find(keys[0])
    for item, keys in per_item.items():
        item.add_marker(pytest.mark.xdist_group(find(keys[0])))
    result = yield
    items[:] = _in_run_order(items)  # after every hook: the notebooks' cells have their groups now
    if getattr(config.option, "loadgroup", False):
        for item in items:
            names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                            for m in item.iter_markers("xdist_group")})
            suffix = "@" + "_".join(names)
            if names and not item.nodeid.endswith(suffix):
                item._id = NodeId.parse(item.nodeid + suffix)
    return result
