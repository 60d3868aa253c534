"""The review form in a real JupyterLab, driven by headless Chromium (the system one).

A temporary project holds the fictional dual review (tests/fixtures/dual-review) and the review
notebook pointed at it. JupyterLab runs on 127.0.0.1 with a token; the browser opens
notebooks/04-review.ipynb, runs it, types a reviewer name, sets a verdict, saves, and the test reads
the reviewer's CSV and the form's "N of M reviewed" line. Then, as adjudicator, it settles a
conflict and reads claims.csv. Screenshots land in the test's temporary folder (and in
$REVIEW_FORM_SHOTS when set) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from dual_review import NAME, dual_project

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
TOKEN = "review-form-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("JupyterLab is not installed (pip install -e '.[lab]')")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium, or set CHROMIUM")
    root = dual_project(tmp_path_factory.mktemp("lab"))
    (root / "notebooks").mkdir()
    nb = json.loads((ROOT / "notebooks" / "04-review.ipynb").read_text(encoding="utf-8"))
    params = nb["cells"][0]
    params["source"] = "".join(params["source"]).replace('"muscle-spasm"', f'"{NAME}"')
    (root / "notebooks" / "04-review.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    settings = root / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    # every cell rendered (JupyterLab's default windowing hides cells off screen from the browser),
    # and no news pop-up over the form
    for folder, name, value in (("notebook-extension", "tracker", {"windowingMode": "none"}),
                                ("apputils-extension", "notification", {"fetchNews": "false"})):
        (settings / folder).mkdir(parents=True, exist_ok=True)
        (settings / folder / f"{name}.jupyterlab-settings").write_text(json.dumps(value))
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "EVIDENCE_REVIEW_ROOT": str(root), "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
           "JUPYTER_RUNTIME_DIR": str(root / ".jupyter" / "runtime")}
    env.pop("EVIDENCE_REVIEWER", None)
    log = open(root / "lab.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--IdentityProvider.token={TOKEN}",
         "--allow-root",  # CI containers run as root
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--ServerApp.root_dir={root}", f"--LabApp.workspaces_dir={root / '.jupyter' / 'ws'}",
         f"--LabApp.user_settings_dir={root / '.jupyter' / 'lab' / 'user-settings'}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text())
                time.sleep(0.5)
        yield root, base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    root, base = lab
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{base}/lab/tree/notebooks/04-review.ipynb?token={TOKEN}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        try:  # a fresh JupyterLab may ask which kernel to start: the notebook's own
            page.click(".jp-Dialog .jp-mod-accept", timeout=10_000)
        except Exception:  # noqa: BLE001 (no dialog: the kernel started by itself)
            pass
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
        yield page
        context.close()
        browser.close()


@pytest.fixture(autouse=True)
def shot_on_failure(request, lab, page):
    """A screenshot of the page when a step fails, named after the test."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        shot(page, lab[0], f"failed-{request.node.name}")


def shot(page, root: Path, name: str) -> None:
    form = page.locator(".wb-form")
    if form.count():
        form.scroll_into_view_if_needed()
    path = root / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    target = os.environ.get("REVIEW_FORM_SHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def run_all(page) -> None:
    page.click("#jp-MainMenu >> text=Run")
    page.click(".lm-Menu-content >> text=Run All Cells")


def field(page, name: str, tag: str) -> str:
    return f".wb-form .wb-field-{name} {tag}"


def select(page, selector: str, label: str) -> None:
    """Pick the option whose label is ``label`` or starts with ``label ·`` (a claim's id).

    ipywidgets gives each <option> its label as value, so a claim is found by its id prefix.
    """
    page.locator(selector).scroll_into_view_if_needed()
    value = page.eval_on_selector(selector, """(e, label) => [...e.options].map(o => o.value)
        .find(v => v === label || v.startsWith(label + ' ·'))""", label)
    assert value is not None, f"no option {label!r} in {selector}"
    page.select_option(selector, value)


def fill(page, selector: str, value: str) -> None:
    page.locator(selector).scroll_into_view_if_needed()
    page.fill(selector, value)


def test_review_form_in_jupyterlab(lab, page):
    """One test, three steps, in one JupyterLab (the steps build on each other)."""
    root, _ = lab
    set_a_verdict_save_and_see_the_csv_and_the_count(page, root)
    a_rule_broken_is_said_in_the_form_and_nothing_is_written(page, root)
    adjudicate_a_conflict_into_claims_csv(page, root)


def set_a_verdict_save_and_see_the_csv_and_the_count(page, root):
    run_all(page)
    try:
        page.wait_for_selector(".wb-form .wb-progress", timeout=90_000)
    except Exception:
        shot(page, root, "0-no-form")
        raise
    assert "0 of 14 reviewed" in page.inner_text(".wb-form .wb-progress")
    fill(page, ".wb-form .wb-reviewer input", "cat")
    page.press(".wb-form .wb-reviewer input", "Enter")
    page.wait_for_function("document.querySelector('.wb-form .wb-progress').innerText.startsWith('cat:')")
    select(page, ".wb-form .wb-claim select", "C08")
    page.wait_for_function("document.querySelector('.wb-form .wb-context').innerText.includes('five or six')")
    select(page, field(page, "verdict", "select"), "not-verifiable")
    select(page, field(page, "basis", "select"), "abstract")
    select(page, field(page, "needs_citation", "select"), "yes")
    fill(page, field(page, "note", "textarea"), "Only the abstract was readable; section 5 was not.")
    fill(page, field(page, "locator", "input"), "Section 5")
    shot(page, root, "1-form-filled")
    page.click(".wb-form .wb-save")
    page.wait_for_function("document.querySelector('.wb-form .wb-message').innerText.includes('Saved C08')")
    page.wait_for_function("document.querySelector('.wb-form .wb-progress').innerText.includes('1 of 14')")
    shot(page, root, "2-saved")
    assert page.inner_text(".wb-form .wb-progress").startswith("cat: 1 of 14 reviewed")
    lines = (root / "data" / NAME / "verdicts" / "cat.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,text,verdict,source_says,locator,basis,needs_citation,note,reviewer,decided"
    assert lines[1].startswith("C08,The cold shock response fades after five or six immersions.,"
                               "not-verifiable,,Section 5,abstract,true,")
    assert lines[1].endswith(f",cat,{dt.date.today().isoformat()}")
    # blinded: ana's and ben's verdicts and notes are not on the page, only how far they are
    text = page.inner_text(".wb-form")
    assert "Blinded: other reviewers' verdicts are hidden" in text
    assert "Reviewers' verdicts" not in text and "behind a paywall" not in text


def a_rule_broken_is_said_in_the_form_and_nothing_is_written(page, root):
    select(page, ".wb-form .wb-claim select", "C09")
    select(page, field(page, "verdict", "select"), "supported")
    page.click(".wb-form .wb-save")
    page.wait_for_function("document.querySelector('.wb-form .wb-message').innerText.includes('Not saved')")
    message = page.inner_text(".wb-form .wb-message")
    assert "[source_says]" in message and "[locator]" in message
    shot(page, root, "3-refused")
    assert "C09" not in (root / "data" / NAME / "verdicts" / "cat.csv").read_text(encoding="utf-8")


def adjudicate_a_conflict_into_claims_csv(page, root):
    page.click(".wb-form .widget-toggle-buttons >> text=Final verdict (claims.csv)")
    page.wait_for_function(
        "document.querySelector('.wb-form .wb-progress').innerText.startsWith('claims.csv')")
    select(page, ".wb-form .widget-dropdown:has-text('Show') select", "conflicts")
    page.wait_for_function("document.querySelector('.wb-form .wb-claim select').options.length == 3")
    select(page, ".wb-form .wb-claim select", "C06")
    page.wait_for_function("document.querySelector('.wb-form').innerText.includes('(a conflict)')")
    select(page, field(page, "verdict", "select"), "partially-supported")
    fill(page, field(page, "source_says", "textarea"), "Describes the gasp, in water below 15 °C only.")
    fill(page, field(page, "locator", "input"), "Section 2")
    select(page, field(page, "basis", "select"), "abstract")
    select(page, field(page, "needs_citation", "select"), "yes")
    page.click(".wb-form .wb-save")
    page.wait_for_function("document.querySelector('.wb-form .wb-message').innerText.includes('Saved C06')")
    shot(page, root, "4-adjudicated")
    assert "claims.csv: 12 of 14 reviewed" in page.inner_text(".wb-form .wb-progress")
    row = next(line for line in (root / "data" / NAME / "claims.csv").read_text(encoding="utf-8").splitlines()
               if line.startswith("C06,"))
    assert ',partially-supported,"Describes the gasp, in water below 15 °C only.",Section 2,' in row
    assert row.endswith(f",cat,{dt.date.today().isoformat()}")
