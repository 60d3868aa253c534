"""Issue 14, "trust what it writes": every case a hostile or unlucky user tried, through the CLI.

Each case copies the default review into a temporary project, breaks one thing, runs the command a
reviewer would run (in this process, tests/projects.py `run_cli`; in a child process where the case
needs one: a read-only folder, a file-size limit, Ctrl-C), and checks: the exit code, one clear
``error:`` line naming the file or option, no traceback, and that nothing that should survive was
lost or changed. The table in docs/reliability.md ("Trust: hostile and unlucky input") lists the same cases.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from projects import run_cli

from evidence_review.core.safety import FORMULA_START
from evidence_review.records.reconstruct import load_facts
from evidence_review.records.snapshot import Snapshot, write_snapshot
from evidence_review.records.standin import CrossrefStandIn

ROOT = Path(__file__).resolve().parents[1]
REVIEW = "muscle-spasm"
SRC = str(ROOT / "src")

# A child that makes a folder read-only (EROFS: works even as root, where chmod does not) or caps
# the size of any file it writes (RLIMIT_FSIZE, as a full disk would), then runs the CLI.
CHILD = r"""
import builtins, errno, io, os, resource, sys
mode, target, *argv = sys.argv[1:]
if mode == "fsize":
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(target), int(target)))
elif mode == "readonly":
    real = {n: getattr(os, n) for n in ("open", "mkdir", "rename", "replace", "unlink", "rmdir")}
    real_open = builtins.open

    def blocked(path):
        try:
            return os.path.abspath(os.fsdecode(os.fspath(path))).startswith(target)
        except TypeError:
            return False

    def deny(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(os.fspath(path)))

    def opener(file, mode="r", *a, **k):
        if isinstance(file, (str, bytes, os.PathLike)) and set(mode) & set("wax+") and blocked(file):
            deny(file)
        return real_open(file, mode, *a, **k)

    def os_open(path, flags, *a, **k):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and blocked(path):
            deny(path)
        return real["open"](path, flags, *a, **k)

    def one(name):
        def call(path, *a, **k):
            if blocked(path):
                deny(path)
            return real[name](path, *a, **k)
        return call

    def two(name):
        def call(src, dst, *a, **k):
            if blocked(src) or blocked(dst):
                deny(dst)
            return real[name](src, dst, *a, **k)
        return call

    builtins.open = io.open = opener
    os.open = os_open
    os.mkdir, os.unlink, os.rmdir = one("mkdir"), one("unlink"), one("rmdir")
    os.rename, os.replace = two("rename"), two("replace")
from evidence_review.cli.main import main
raise SystemExit(main(argv))
"""


@pytest.fixture
def project(tmp_path):
    for folder in ("data", "refs"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "pyproject.toml").write_text("[project]\nname='copy'\n")
    return tmp_path


def env() -> dict:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "CROSSREF_BASE_URL": "", "CROSSREF_MAILTO": ""}


NO_ENV_OPTIONS = {"CROSSREF_BASE_URL": "", "CROSSREF_MAILTO": ""}


def run(root, *args, env=NO_ENV_OPTIONS):
    if args[:1] == ("fetch",) and "--reconstruct" not in args:
        args = (*args, "--no-europepmc")  # these cases are about Crossref; Europe PMC is not served
    return run_cli(*args, root=root, env=env)


def run_limited(root, mode: str, target, *args, timeout=600):
    return subprocess.run([sys.executable, "-c", CHILD, mode, str(target), *args, "--root", str(root)],
                          capture_output=True, text=True, timeout=timeout, env=env())


def errors(result) -> list[str]:
    """The error lines: ours (``error: …``) and argparse's (``evidence-review: error: …``)."""
    return [line for line in result.stderr.splitlines()
            if line.startswith(("error:", "evidence-review: error:"))]


def assert_clean(result, code: int, *fragments: str, max_lines: int = 1) -> None:
    """Exit ``code``, no traceback, 1..max_lines error lines holding every fragment."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    lines = errors(result)
    assert 1 <= len(lines) <= max_lines, result.stderr
    for fragment in fragments:
        assert fragment in "\n".join(lines), f"{fragment!r} not in {lines}"


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def review_dir(root) -> Path:
    return root / "data" / REVIEW


def facts_messages() -> list[dict]:
    messages, _ = load_facts(ROOT / "data" / REVIEW / "record-facts.yaml")
    return messages


# --- 1. refresh means ask again ---------------------------------------------------------------------

def _retracted(message: dict) -> dict:
    return {**message, "updated-by": [{"type": "retraction", "source": "publisher",
                                       "DOI": "10.5555/notice.1", "label": "Retraction",
                                       "updated": {"date-parts": [[2026, 11, 1]]}}]}


def _updates(root) -> list[dict]:
    data = json.loads(run(root, "audit", "--format", "json").stdout)
    return [f for r in data["references"] for f in r["findings"] if f["field"] == "updated-by"
            or "retract" in f["message"].lower()]


def test_refresh_asks_again_and_shows_a_new_retraction(project):
    messages = facts_messages()
    with CrossrefStandIn(messages) as standin:
        server = standin.base_url
        first = run(project, "fetch", "--base-url", standin.base_url, "--mailto", "rev@example.org")
        assert first.returncode == 0, first.stderr
        assert not _updates(project)
        target = messages[0]
        standin.add_records([_retracted(target)])  # the publisher retracts the paper
        standin.clear()
        again = run(project, "fetch", "--base-url", standin.base_url)
        assert again.returncode == 0 and standin.total_requests == 0  # kept: nothing asked
        refreshed = run(project, "fetch", "--refresh", "--base-url", standin.base_url)
        assert refreshed.returncode == 0, refreshed.stderr
        assert standin.total_requests > 0
    found = _updates(project)
    assert found and any("retract" in f["message"].lower() for f in found), found
    manifest = json.loads((review_dir(project) / "crossref" / "manifest.json").read_text())
    assert manifest["from_cache"] == [] and manifest["base_url"] == server


def test_a_warm_cache_is_recorded_in_the_manifest(project):
    with CrossrefStandIn(facts_messages()) as standin:
        server = standin.base_url
        assert run(project, "fetch", "--base-url", standin.base_url).returncode == 0
        (review_dir(project) / "crossref").rename(project / "old-snapshot")  # force resolving again
        shutil.copytree(project / "old-snapshot", review_dir(project) / "crossref")
        manifest = review_dir(project) / "crossref" / "manifest.json"
        data = json.loads(manifest.read_text())
        data["base_url"] = "http://elsewhere.example"  # a snapshot from another server: not reused
        # (the manifest's own hash is not recorded: editing it is allowed)
        manifest.write_text(json.dumps(data))
        standin.clear()
        assert run(project, "fetch", "--base-url", standin.base_url).returncode == 0
        assert standin.counts.get("work", 0) + standin.counts.get("batch", 0) == 0  # all cached
    written = json.loads(manifest.read_text())
    assert written["base_url"] == server
    assert sorted(written["from_cache"]) == sorted(written["works"])


def test_records_of_an_earlier_server_are_not_committed_under_a_new_one(project):
    # The committed snapshot is reconstructed offline: a live fetch must ask, not relabel it.
    with CrossrefStandIn(facts_messages()) as standin:
        server = standin.base_url
        result = run(project, "fetch", "--base-url", standin.base_url)
        assert result.returncode == 0, result.stderr
        assert standin.total_requests > 0
    manifest = json.loads((review_dir(project) / "crossref" / "manifest.json").read_text())
    assert manifest["provenance"] == "crossref-api" and manifest["base_url"] == server


def test_a_malformed_cached_record_is_dropped_and_asked_again(project):
    messages = facts_messages()
    with CrossrefStandIn(messages) as standin:
        assert run(project, "fetch", "--base-url", standin.base_url).returncode == 0
        cached = sorted((project / ".cache" / "crossref").rglob("10.1111_ene.13799.json"))
        assert len(cached) == 1
        envelope = json.loads(cached[0].read_text())
        envelope["message"]["title"] = 42  # a record the tool could not read
        cached[0].write_text(json.dumps(envelope))
        standin.clear()
        result = run(project, "fetch", "--refresh", "--base-url", standin.base_url)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        result = run(project, "fetch", "--base-url", standin.base_url)  # and without --refresh
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert json.loads(cached[0].read_text())["message"]["title"] != 42


def test_rate_limit_of_zero_is_ignored(project):
    with CrossrefStandIn(facts_messages(), rate_limit=0) as standin:
        result = run(project, "fetch", "--base-url", standin.base_url)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


# --- 3. no secret in a file -------------------------------------------------------------------------

def test_a_password_in_the_base_url_is_written_nowhere(project):
    with CrossrefStandIn(facts_messages()) as standin:
        server = standin.base_url
        url = standin.base_url.replace("http://", "http://reviewer:s3cret-pw@")
        result = run(project, "fetch", "--base-url", url)
        assert result.returncode == 0, result.stderr
        assert standin.total_requests > 0
    assert "s3cret-pw" not in result.stderr + result.stdout
    for path in [*project.rglob("*")]:
        if path.is_file():
            assert b"s3cret-pw" not in path.read_bytes(), path
    snapshot = Snapshot.load(review_dir(project) / "crossref")
    assert snapshot.manifest["base_url"] == server


# --- 2. and 3. safe CSV ---------------------------------------------------------------------------

HOSTILE = '=HYPERLINK("http://evil.example","x")'


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _executable(cell: str) -> bool:
    return cell.startswith(FORMULA_START) and not cell.lstrip("+-").replace(".", "", 1).isdigit()


def test_claims_csv_neutralises_formulas(project):
    claims = review_dir(project) / "claims.csv"
    text = claims.read_text(encoding="utf-8")
    quoted = '"' + HOSTILE.replace('"', '""') + '"'
    text = text.replace("General descriptive statement; no marker.", "@SUM(1+1) no marker.", 1)
    claims.write_text(text.replace(",Spasms can occur in any skeletal muscle.,", f",{quoted},", 1),
                      encoding="utf-8")
    result = run(project, "claims", "--format", "csv")
    assert result.returncode == 0, result.stderr
    cells = _cells(result.stdout)
    assert not [c for c in cells if _executable(c)]
    assert "'" + HOSTILE in cells


def test_audit_csv_neutralises_formulas_from_crossref(project):
    snap = Snapshot.load(review_dir(project) / "crossref")
    works = snap.works()
    doi = sorted(works)[0]
    works[doi] = {**works[doi], "title": [HOSTILE], "publisher": "-2+3 Corp", "volume": "+1"}
    write_snapshot(review_dir(project) / "crossref", works, snap.references,
                   provenance="reconstructed", retrieved=snap.retrieved, base_url="offline", client="t",
                   keep_previous=False)
    result = run(project, "audit", "--format", "csv")
    assert result.returncode == 0, result.stderr
    cells = _cells(result.stdout)
    assert any(HOSTILE in c for c in cells)
    assert not [c for c in cells if _executable(c)]


# --- 4. typed inputs: one line per problem, not a traceback ---------------------------------------

def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture drifted: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _set_work(root, change) -> None:
    directory = review_dir(root) / "crossref"
    snap = Snapshot.load(directory)
    works = snap.works()
    doi = sorted(works)[0]
    works[doi] = change(dict(works[doi]))
    # written by hand around the writer (which would refuse it), with a matching sha256
    path = directory / snap.manifest["works"][doi]["file"]
    data = (json.dumps({"status": "ok", "message-type": "work", "message-version": "1.0.0",
                        "message": works[doi]}, indent=2, sort_keys=True) + "\n").encode()
    path.write_bytes(data)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["works"][doi]["sha256"] = hashlib.sha256(data).hexdigest()
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2))


def _manifest(root, change) -> None:
    path = review_dir(root) / "crossref" / "manifest.json"
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8))

# (case, how to break the project, command, exit code, fragments of the one error line)
CASES = [
    ("sources.yaml: references is a number",
     lambda r: _edit(review_dir(r) / "sources.yaml", "references:\n", "references: 42\nunused:\n"),
     ["check"], 2, ["sources.yaml", "[references]", "should be a mapping (got 42)"]),
    ("review.yaml: article is a list",
     lambda r: (review_dir(r) / "review.yaml").write_text("article: [1]\n"),
     ["check"], 2, ["review.yaml:1 [article]", "should be a mapping"]),
    ("evidence-levels.yaml: a list",
     lambda r: (r / "data" / "evidence-levels.yaml").write_text("- 1\n- 2\n"),
     ["check"], 2, ["evidence-levels.yaml", "should be a mapping"]),
    ("record-facts.yaml: works is a mapping",
     lambda r: (review_dir(r) / "record-facts.yaml").write_text("works:\n  a: 1\n"),
     ["fetch", "--reconstruct"], 2, ["record-facts.yaml:1 [works]", "should be a list"]),
    ("snapshot: a record's title is a number",
     lambda r: _set_work(r, lambda m: {**m, "title": 7}),
     ["check"], 2, ["works/", "title", "should be a list"]),
    ("snapshot: a record's author is a string",
     lambda r: _set_work(r, lambda m: {**m, "author": "Swash M"}),
     ["check"], 2, ["works/", "author", "should be a list"]),
    ("snapshot: manifest status bogus",
     lambda r: _manifest(r, lambda m: {**m, "references": {**m["references"],
                                                           "1": {**m["references"]["1"],
                                                                 "status": "bogus"}}}),
     ["check"], 2, ["manifest.json", "references.1.status", "bogus"]),
    ("review.yaml: empty",
     lambda r: (review_dir(r) / "review.yaml").write_text(""),
     ["check"], 2, ["review.yaml", "empty"]),
    ("review.yaml: title is a list",
     lambda r: _edit(review_dir(r) / "review.yaml",
                     'title: "Understanding Muscle Spasm: Treatment and Causes"',
                     "title: [Understanding, Muscle Spasm]"),
     ["check"], 2, ["review.yaml:3 [article.title]", "should be text"]),
    ("review.yaml: a javascript: url",
     lambda r: _edit(review_dir(r) / "review.yaml", "url: null", "url: \"javascript:alert(1)\""),
     ["check"], 2, ["review.yaml:5 [article.url]", "http"]),
    ("review.yaml: an alias bomb",
     lambda r: (review_dir(r) / "review.yaml").write_text(BOMB + (ROOT / "data" / REVIEW /
                                                                  "review.yaml").read_text()),
     ["export", "--format", "claimreview"], 2, ["review.yaml:1", "aliases"]),
    ("sources.yaml: larger than the stated limit",
     lambda r: (review_dir(r) / "sources.yaml").write_text("# padding\n" * 600_000),
     ["check"], 2, ["sources.yaml", "bytes are refused"]),
    ("claims: duplicated text header",
     lambda r: _edit(review_dir(r) / "claims.csv", "id,section,sentence,quote,text,",
                     "id,section,sentence,text,text,"),
     ["check"], 2, ["claims.csv:1 [text]", "duplicate column 'text' (columns 4 and 5)"]),
    ("claims: duplicated id header",
     lambda r: _edit(review_dir(r) / "claims.csv", "id,section,sentence,", "id,id,sentence,"),
     ["check"], 2, ["claims.csv:1 [id]", "duplicate column 'id'"]),
    ("claims: a very long field is not called an unclosed quote",
     lambda r: _edit(review_dir(r) / "claims.csv", "A muscle spasm is a sudden", "x" * 140_000),
     ["check"], 2, ["claims.csv", "longer than 131,072 characters"]),
    ("review name ending in a newline", lambda r: None,
     ["check", "--review", f"{REVIEW}\n"], 2, ["[review]", "lower-case letters"]),
    ("--mailto with a newline", lambda r: None,
     ["fetch", "--mailto", "rev@example.org\nX-Injected: 1", "--base-url", "http://127.0.0.1:9"], 2,
     ["argument --mailto", "not an e-mail address"]),
    ("--base-url file://", lambda r: None,
     ["fetch", "--base-url", "file:///etc/passwd"], 2, ["argument --base-url", "http"]),
    ("--format unknown", lambda r: None,
     ["claims", "--format", "xlsx"], 2, ["argument --format", "invalid choice"]),
    ("export -o a directory", lambda r: (r / "out").mkdir(),
     ["export", "--format", "ris", "-o", "{root}/out"], 2, ["out", "is a folder"]),
    ("export -o into a missing folder", lambda r: None,
     ["export", "--format", "ris", "-o", "{root}/missing/refs.ris"], 2, ["refs.ris", "does not exist"]),
]


@pytest.mark.parametrize("name,breaker,command,code,fragments", CASES, ids=[c[0] for c in CASES])
def test_catalogue(project, name, breaker, command, code, fragments):
    breaker(project)
    before = tree_digest(project / "data")
    result = run(project, *[c.replace("{root}", str(project)) for c in command])
    assert_clean(result, code, *fragments)
    assert tree_digest(project / "data") == before  # nothing was rewritten or lost


def test_env_options_are_checked_too(project):
    result = run_cli("fetch", root=project, env={"CROSSREF_BASE_URL": "ftp://mirror.example",
                                                 "CROSSREF_MAILTO": "not an address"})
    assert_clean(result, 2, "CROSSREF_BASE_URL", "CROSSREF_MAILTO", max_lines=2)


# --- 4. write failures ------------------------------------------------------------------------------

def test_read_only_data_folder_fails_in_one_line_and_keeps_the_snapshot(project):
    before = tree_digest(review_dir(project))
    result = run_limited(project, "readonly", review_dir(project), "fetch", "--reconstruct")
    assert_clean(result, 2, str(review_dir(project)), "Read-only file system")
    assert tree_digest(review_dir(project)) == before
    assert Snapshot.load(review_dir(project) / "crossref").works()


def test_a_file_size_limit_during_fetch_keeps_the_snapshot(project):
    before = tree_digest(review_dir(project) / "crossref")
    result = run_limited(project, "fsize", 2000, "fetch", "--reconstruct")
    assert_clean(result, 2, "crossref", "File too large")
    assert tree_digest(review_dir(project) / "crossref") == before


def test_a_full_disk_during_export_keeps_the_previous_file(project):
    out = project / "refs.ris"
    out.write_text("previous export\n")
    result = run_limited(project, "fsize", 200, "export", "--format", "ris", "-o", str(out))
    assert_clean(result, 2, "refs.ris", "File too large")
    assert out.read_text() == "previous export\n"
    assert [p.name for p in project.iterdir() if p.name.startswith(".refs.ris")] == []


@pytest.mark.slow
def test_a_full_disk_during_build_leaves_the_previous_report_whole(project):
    shutil.copytree(ROOT / "notebooks", project / "notebooks")
    reports = project / "reports" / REVIEW
    (reports / "notebooks").mkdir(parents=True)
    (reports / "review.html").write_text("<p>previous report</p>")
    (reports / "notebooks" / "03-report.ipynb").write_text("{}")
    before = tree_digest(reports)
    result = run_limited(project, "fsize", 60_000, "build", "--no-pdf")
    assert_clean(result, 1, "File too large", "unchanged")
    after = tree_digest(reports)
    # the disk may fill while the notebook runs (the kernel writes caches): the executed copy of a
    # failed notebook is then kept beside the report, named in the error; the report is untouched
    if "notebooks/03-report.failed.ipynb" in after:
        assert "03-report.failed.ipynb" in result.stderr
        del after["notebooks/03-report.failed.ipynb"]
    assert after == before
    assert not [p for p in reports.iterdir() if p.name.startswith(".build-")]


# --- init --force ----------------------------------------------------------------------------------

ARTICLE = """# Cramp and you

Cramps are common [1].

## References

1. Swash M, Czesnik D, de Carvalho M. Muscular cramp: causes and management. Eur J Neurol.
2019;26(2):214-221. doi:10.1111/ene.13799
"""


def test_init_force_over_a_symlinked_refs_folder_replaces_it_whole(project, tmp_path_factory):
    article = tmp_path_factory.mktemp("article") / "a.md"
    article.write_text(ARTICLE)
    assert run(project, "init", str(article), "--name", "new", "--no-fetch").returncode == 0
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copytree(project / "refs" / "new", elsewhere / "refs")
    shutil.rmtree(project / "refs" / "new")
    (project / "refs" / "new").symlink_to(elsewhere / "refs")
    kept = tree_digest(elsewhere)
    result = run(project, "init", str(article), "--name", "new", "--no-fetch", "--force")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert (project / "data" / "new" / "claims.csv").is_file()
    assert (project / "refs" / "new" / "cited.bib").is_file()
    assert not (project / "refs" / "new").is_symlink()
    assert tree_digest(elsewhere) == kept  # the link's target is left alone
    assert not [p for p in project.iterdir() if p.name.startswith(".init-")]


def test_init_force_that_cannot_write_leaves_the_old_review(project, tmp_path_factory):
    article = tmp_path_factory.mktemp("article") / "a.md"
    article.write_text(ARTICLE)
    assert run(project, "init", str(article), "--name", "new", "--no-fetch").returncode == 0
    (project / "data" / "new" / "claims.csv").write_text("the reviewer's work\n")
    before = tree_digest(project / "data" / "new")
    result = run_limited(project, "fsize", 300, "init", str(article), "--name", "new", "--no-fetch",
                         "--force")
    assert_clean(result, 2, "File too large", "nothing was replaced")
    assert tree_digest(project / "data" / "new") == before


# --- JSON-LD and init from a hostile page -----------------------------------------------------------

def test_claimreview_json_ld_cannot_end_its_script_block(project):
    _edit(review_dir(project) / "review.yaml",
          "site: Truemeds blog (Intellihealth Solutions Private Limited)",
          "site: \"</script><script>alert(1)</script> & co\"")
    result = run(project, "export", "--format", "claimreview")
    assert result.returncode == 0, result.stderr
    assert "<" not in result.stdout and ">" not in result.stdout and "&" not in result.stdout
    data = json.loads(result.stdout)
    assert data[0]["itemReviewed"]["appearance"]["publisher"]["name"].startswith("</script>")


PAGE = """<html><head><title>Cramp</title>
<meta property="og:site_name" content="&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;">
<meta property="og:url" content="javascript:alert(2)"></head>
<body><article><h1>Cramp and you</h1><p>Cramps are common [1].</p>
<h2>References</h2><ol><li>Swash M, Czesnik D, de Carvalho M. Muscular cramp: causes and management.
Eur J Neurol. 2019;26(2):214-221. doi:10.1111/ene.13799</li></ol></article></body></html>
"""


def test_init_from_a_hostile_page_keeps_no_script_url(project, tmp_path_factory):
    page = tmp_path_factory.mktemp("page") / "page.html"
    page.write_text(PAGE)
    result = run(project, "init", str(page), "--name", "hostile", "--no-fetch")
    assert result.returncode == 0, result.stderr
    assert "javascript:" not in (project / "data" / "hostile" / "review.yaml").read_text()
    exported = run(project, "export", "--review", "hostile", "--format", "claimreview")
    assert exported.returncode == 0, exported.stderr
    assert "</script" not in exported.stdout and "javascript:" not in exported.stdout


# --- SIGINT during start-up -------------------------------------------------------------------------

# Python itself prints a traceback for Ctrl-C while it initialises (the site module); the child says
# "ready" once that is over, and the signal then lands while `python -m evidence_review` imports,
# parses or runs. Before the package's __main__.py runs, runpy finds and compiles it (without its
# bytecode cached, long enough for the signal to land there): that is Python's start-up too.
STARTER = """
import os, runpy, sys, traceback
try:  # "ready" inside the try: the signal may land as soon as it is written
    sys.stderr.write("ready\\n")
    sys.stderr.flush()
    sys.argv[0] = "evidence_review"
    runpy.run_module("evidence_review", run_name="__main__")
except KeyboardInterrupt as interrupt:
    entry = os.path.join("evidence_review", "__main__.py")
    if any(f.filename.endswith(entry) for f in traceback.extract_tb(interrupt.__traceback__)):
        raise  # it escaped the package once its __main__ ran: the traceback fails the test
    raise SystemExit(0)  # landed in this harness or runpy before the package started: nothing to test
"""


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.1, 0.3, 0.8, 1.5])
def test_sigint_during_start_up_is_one_line(project, delay):
    proc = subprocess.Popen([sys.executable, "-c", STARTER, "check", "--root", str(project)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    assert proc.stderr.readline() == "ready\n"
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    assert proc.returncode in (0, 130), (proc.returncode, err)
    if proc.returncode == 130:
        assert err.strip().splitlines()[-1] == "interrupted"


def test_sigint_as_the_command_finishes_keeps_its_exit_code(project):
    """Ctrl-C just after the command printed its result (the interpreter shutting down): the exit
    code is the command's or 130, never a death by the signal (-2) nor a traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "evidence_review", "check", "--root", str(project)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    assert "all inputs valid" in proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    assert proc.returncode in (0, 130), (proc.returncode, err)


# --- unit cases: the client, the bibliography ------------------------------------------------------

def test_the_cache_is_kept_per_server(tmp_path):
    from evidence_review.records.crossref import CrossrefClient

    doi = "10.5555/same.1"
    old = {"DOI": doi, "title": ["As first deposited"], "type": "journal-article"}
    new = {**old, "title": ["As corrected"]}
    with CrossrefStandIn([old]) as first, CrossrefStandIn([new]) as second:
        with CrossrefClient(base_url=first.base_url, cache_dir=tmp_path, progress=False) as client:
            assert client.get_work(doi).message["title"] == ["As first deposited"]
        with CrossrefClient(base_url=second.base_url, cache_dir=tmp_path, progress=False) as client:
            outcome = client.get_work(doi)
        assert outcome.message["title"] == ["As corrected"] and not outcome.from_cache
        assert second.total_requests == 1


def test_a_malformed_answer_is_not_accepted_or_cached(tmp_path):
    from evidence_review.records.crossref import CrossrefClient

    with CrossrefStandIn([{"DOI": "10.5555/bad.1", "title": 5, "author": "Smith"}]) as standin:
        with CrossrefClient(base_url=standin.base_url, cache_dir=tmp_path, progress=False,
                            max_attempts=2, backoff=0.01) as client:
            outcome = client.get_work("10.5555/bad.1")
    assert outcome.status == "error" and "malformed" in outcome.reason and "title" in outcome.reason
    assert not [p for p in tmp_path.rglob("*.json")]


def test_bad_options_are_refused_before_any_request():
    from evidence_review.core.errors import InputError
    from evidence_review.records.crossref import CrossrefClient

    with CrossrefStandIn([]) as standin:
        for kwargs, named in (({"base_url": "file:///etc"}, "--base-url"),
                              ({"base_url": standin.base_url, "mailto": "a@b.org\r\nX: y"}, "--mailto")):
            with pytest.raises(InputError) as info:
                CrossrefClient(**kwargs)
            assert info.value.problems[0].file == named
        assert standin.total_requests == 0


def test_bibliography_links_only_to_the_doi_or_the_printed_url():
    from evidence_review.report.bibliography import format_reference

    item = {"type": "article-journal", "DOI": "10.5555/x.1", "URL": "http://evil.example/landing",
            "title": "See http://evil.example/t and doi:10.6666/other", "container-title": "J",
            "author": [{"family": "Ash", "given": "M"}], "issued": {"date-parts": [[2020]]}}
    for style in ("ama", "vancouver", "apa"):
        html = str(format_reference(item, style))
        assert "evil.example" in html and "10.6666" in html  # shown as text...
        assert 'href="http://evil' not in html and 'href="https://doi.org/10.6666' not in html
        assert html.count("href=") == 1 and 'href="https://doi.org/10.5555/x.1"' in html
    web = {"type": "webpage", "title": "Cramp", "URL": "https://medlineplus.gov/x.html"}
    assert 'href="https://medlineplus.gov/x.html"' in str(
        format_reference(web, "ama", printed_url="https://medlineplus.gov/x.html"))
    assert "href=" not in str(format_reference(web, "ama"))  # not printed: not a link
