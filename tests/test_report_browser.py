"""The HTML report in a real browser: headless Chromium opens it from disk with the network blocked.

Playwright drives the system Chromium (Debian's /usr/bin/chromium, installed by .ci/run); its own
browser download is never used. Every request that is not file:// is aborted and recorded, so a
report that tries to load a font, script or image from the web fails here even offline.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Each TOC link's target, looked up the way the browser resolves a fragment.
_TOC_TARGETS = """links => links.map(a => {
  const id = decodeURIComponent(a.getAttribute('href').slice(1));
  return [a.getAttribute('href'), document.getElementById(id) !== null];
})"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) "
                    "or set CHROMIUM to its executable")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def opened(browser, built_report):  # noqa: F811
    """The report loaded with the network blocked: (page, blocked requests, console errors)."""
    context = browser.new_context(offline=True)
    blocked: list[str] = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(built_report.html.resolve().as_uri(), wait_until="load")
    yield page, blocked, errors
    context.close()


def test_report_loads_no_external_resource(opened):
    _, blocked, _ = opened
    assert blocked == []


def test_report_logs_no_console_error(opened):
    _, _, errors = opened
    assert errors == []


def test_every_toc_link_lands_on_an_element(opened):
    page, _, _ = opened
    targets = page.eval_on_selector_all('nav.toc a[href^="#"]', _TOC_TARGETS)
    assert targets, "the report has no table of contents"
    assert [href for href, found in targets if not found] == []


def test_toc_links_scroll_to_their_targets(opened):
    page, _, _ = opened
    hrefs = page.eval_on_selector_all('nav.toc a[href^="#"]',
                                      "links => links.map(a => a.getAttribute('href'))")
    last = hrefs[-1]
    page.click(f'nav.toc a[href="{last}"]')
    assert page.evaluate("location.hash") == last
    top = page.evaluate(f"document.getElementById({last[1:]!r}).getBoundingClientRect().top")
    assert abs(top) < page.viewport_size["height"], f"{last} is not on screen after its link is followed"


def test_claim_and_reference_links_resolve(opened):
    page, _, _ = opened
    missing = page.evaluate("""() => [...document.querySelectorAll('a[href^="#claim-"], a[href^="#ref-"]')]
        .map(a => a.getAttribute('href'))
        .filter(h => !document.getElementById(decodeURIComponent(h.slice(1))))""")
    assert sorted(set(missing)) == []
