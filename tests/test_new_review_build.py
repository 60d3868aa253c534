"""A new article goes from file to built report with init + fetch + build, no code change.

Both sample articles (written for these tests; fictional works under the 10.5555 test prefix) are
taken through the real commands in a temporary project, against the local Crossref stand-in. Their
claims are still unreviewed, and the report must say so instead of failing (`build --all --kernel`:
a child build and a Jupyter kernel for each). Two fixture pages (tests/fixtures/pages: one printing
no reference list, one citing by footnote link) are then built too, as `build` runs by default (the
notebook in the build's own process).
"""

import json
import re
import shutil
from pathlib import Path

import pytest
from intake_scoring import PAGES, standin_records
from projects import run_cli
from test_init import HTML, TEXT, VITAMIN_D_RECORDS, _work

from evidence_review.records.standin import CrossrefStandIn
from evidence_review.report.build import ENGINE_KEY
from evidence_review.workflow.prepare import prepare

ROOT = Path(__file__).resolve().parents[1]

SLEEP_RECORDS = [
    _work("10.5555/jsch.2016.0082", "Habitual short sleep and incident hypertension: a prospective "
          "cohort study", "Journal of Sleep and Cardiovascular Health", "Okonkwo", 2016, "8", "2",
          "101-109"),
    _work("10.5555/hp.2019.143", "Sleep restriction, sympathetic activity and blood pressure: a "
          "narrative review", "Hypertension Perspectives", "Marchetti", 2019, "14", "3", "55-63"),
    _work("10.5555/cbpr.2012.021", "Nocturnal dipping of blood pressure and cardiovascular outcomes",
          "Clinical Blood Pressure Research", "Fenwick", 2012, "21", "1", "12-20"),
    _work("10.5555/smt.2020.064", "Continuous positive airway pressure and blood pressure in resistant "
          "hypertension: a randomized trial", "Sleep Medicine Trials", "Abara", 2020, "6", "4",
          "210-218"),
]


def cli(root, *args):
    return run_cli(*args, root=root, cwd=root)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    (root / "data").mkdir()
    shutil.copy(ROOT / "data" / "evidence-levels.yaml", root / "data")
    shutil.copytree(ROOT / "data" / "quality", root / "data" / "quality")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    with CrossrefStandIn(VITAMIN_D_RECORDS + SLEEP_RECORDS, rate_limit=1000) as api:
        for article, name in ((HTML, "vitamin-d"), (TEXT, "sleep")):
            done = cli(root, "init", str(article), "--name", name, "--base-url", api.base_url,
                       "--no-europepmc")
            assert done.returncode == 0, done.stderr
            again = cli(root, "fetch", "--review", name, "--base-url", api.base_url, "--no-europepmc")
            assert again.returncode == 0, again.stderr
    built = cli(root, "build", "--all", "--no-pdf", "--kernel")  # --kernel reaches each child build
    assert built.returncode == 0, built.stderr
    # two fixture pages of tests/test_intake_pages.py: one printing no list, one citing by footnote
    # link, each built on its own, the notebook in this process (the default engine)
    done = cli(root, "init", str(PAGES / "12-back-pain-no-list.txt"), "--name", "nolist", "--no-fetch")
    assert done.returncode == 0, done.stderr
    truth = json.loads((PAGES / "01-knee-walking-footnotes.truth.json").read_text(encoding="utf-8"))
    with CrossrefStandIn(standin_records(truth), rate_limit=1000) as api:
        done = cli(root, "init", str(PAGES / "01-knee-walking-footnotes.html"), "--name", "knee",
                   "--base-url", api.base_url)
    assert done.returncode == 0, done.stderr
    for name in ("nolist", "knee"):
        built = run_cli("build", "--review", name, "--no-pdf", root=root, cwd=root)
        assert built.returncode == 0, built.stderr
    return root


@pytest.mark.parametrize("name", ["vitamin-d", "sleep"])
def test_new_review_builds_and_says_what_is_unreviewed(project, name):
    html = (project / "reports" / name / "review.html").read_text(encoding="utf-8")
    candidates = (project / "data" / name / "candidates.csv").read_text(encoding="utf-8")
    n = len(candidates.strip().splitlines()) - 1
    assert re.search(rf"{n} claims are not yet reviewed", html)
    for i in range(1, n + 1):
        assert f'id="claim-C{i:02d}"' in html
    assert "not yet assessed" in html or "unassessed" in html


def test_build_all_built_every_review_in_parallel(project):
    """`build --all --kernel` ran over the two sample articles (the project's reviews then), each in
    a child build with its own kernel; the two fixture pages were built afterwards, in process."""
    assert sorted(p.name for p in (project / "reports").iterdir()) == ["knee", "nolist", "sleep", "vitamin-d"]
    for name in ("knee", "nolist", "sleep", "vitamin-d"):
        assert (project / "reports" / name / "review.html").is_file()
    engines = {"sleep": None, "vitamin-d": None, "knee": "in-process", "nolist": "in-process"}
    for name, engine in engines.items():
        executed = project / "reports" / name / "notebooks" / "03-report.ipynb"
        assert json.loads(executed.read_text(encoding="utf-8"))["metadata"].get(ENGINE_KEY) == engine, name


def test_the_real_build_runs_for_a_page_without_list_and_one_citing_by_link(project):
    """The notebook build of two fixture pages (their views are rendered for every page, in this
    process, by test_intake_pages.py)."""
    html = (project / "reports" / "nolist" / "review.html").read_text(encoding="utf-8")
    assert "prints no reference list" in html
    knee = (project / "reports" / "knee" / "review.html").read_text(encoding="utf-8")
    assert 'id="ref-1"' in knee


def _volatile(html: str) -> str:
    """papermill gives the cell it injects a new random id on every run."""
    return re.sub(r'id="cell-id=[0-9a-f]+"', 'id="cell-id=?"', html)


def test_an_in_process_build_writes_the_kernel_builds_report(project, tmp_path):
    """The sleep review as `build --all` built it (a child build, one kernel) against a copy of
    the project built again as `build` runs by default (in process): the same HTML and exports."""
    copy = tmp_path / "copy"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("reports", ".cache"))
    built = run_cli("build", "--review", "sleep", "--no-pdf", root=copy, cwd=copy)
    assert built.returncode == 0, built.stderr
    kernel, here = project / "reports" / "sleep", copy / "reports" / "sleep"
    assert _volatile((here / "review.html").read_text(encoding="utf-8")) == _volatile(
        (kernel / "review.html").read_text(encoding="utf-8"))
    names = sorted(p.name for p in (kernel / "exports").iterdir())
    assert names and names == sorted(p.name for p in (here / "exports").iterdir())
    for name in names:
        assert (here / "exports" / name).read_bytes() == (kernel / "exports" / name).read_bytes(), name
    executed = json.loads((here / "notebooks" / "03-report.ipynb").read_text(encoding="utf-8"))
    assert executed["metadata"][ENGINE_KEY] == "in-process"


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 768])
def test_no_table_of_the_new_reviews_scrolls_sideways(project, browser, width):
    """Their tables hold values the default review has not (short DOIs and hosts in the audit's
    seven columns widened it past 768 px)."""
    page = browser.new_context(offline=True, viewport={"width": width, "height": 900}).new_page()
    wide = {}
    for name in ("knee", "nolist", "sleep", "vitamin-d"):
        page.goto((project / "reports" / name / "review.html").as_uri())
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, "
                                       "document.documentElement.clientWidth]")
        regions = page.evaluate("""[...document.querySelectorAll('.table-wrap')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.getAttribute('aria-label'))""")
        if scroll > client or regions:
            wide[name] = (scroll, client, regions)
    page.context.close()
    assert wide == {}, f"at {width} px: {wide}"


def test_the_default_review_is_untouched_by_new_reviews():
    # the committed muscle-spasm derived files are what prepare() writes (nothing to rewrite)
    from evidence_review.core.paths import Review

    assert prepare(Review.open("muscle-spasm", ROOT)) == []
