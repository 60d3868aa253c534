"""The HTML report in a real browser: headless Chromium opens it from disk with the network blocked.

Playwright drives the system Chromium (Debian's /usr/bin/chromium, installed by .ci/run); its own
browser download is never used. Every request that is not file:// is aborted and recorded, so a
report that tries to load a font, script or image from the web fails here even offline.

The report opened is the run's shared build (tests/conftest.py `built_report`, built in its own
process from the start of the run): its snapshot holds hostile Crossref values as text
(test_injection.py), so these checks also show that none of them loads anything, logs an error or
widens the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# Each TOC link's target, looked up the way the browser resolves a fragment.
_TOC_TARGETS = """links => links.map(a => {
  const id = decodeURIComponent(a.getAttribute('href').slice(1));
  return [a.getAttribute('href'), document.getElementById(id) !== null];
})"""


@pytest.fixture(scope="module")
def opened(browser, built_report):
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


# --- every width from a phone to a wide screen, and axe-core --------------------------------------

WIDTHS = (360, 390, 768, 1280, 1920)
AXE = Path(__file__).resolve().parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def at_width(browser, built_report):
    """The report opened at a given viewport width (network blocked), once per width: the tests
    only read the page, and each load of the report cost ~0.7 s; pages are closed at the end."""
    pages = {}

    def open_at(width: int):
        if width not in pages:
            context = browser.new_context(offline=True, viewport={"width": width, "height": 900})
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url.startswith("file://") else route.abort())
            page = context.new_page()
            page.goto(built_report.html.resolve().as_uri(), wait_until="load")
            pages[width] = page
        return pages[width]

    yield open_at
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_page_never_scrolls_sideways(at_width, width):
    page = at_width(width)
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, "
                                   "document.documentElement.clientWidth]")
    assert scroll <= client, f"at {width} px the page is {scroll} px wide"
    # no table region needs its own sideways scroll either (a reader would miss the last columns)
    wide = page.evaluate("""() => [...document.querySelectorAll('.table-wrap')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.getAttribute('aria-label'))""")
    assert wide == [], f"at {width} px these tables scroll sideways: {wide}"


@pytest.mark.parametrize("width", WIDTHS)
def test_chart_labels_stay_legible(at_width, width):
    """Every text of every visible chart is drawn at least 11 CSS px high."""
    page = at_width(width)
    sizes = page.evaluate("""() => [...document.querySelectorAll('figure.chart svg')]
        .filter(svg => svg.getBoundingClientRect().width > 0)
        .flatMap(svg => [...svg.querySelectorAll('text')].map(t => {
            const px = parseFloat(getComputedStyle(t).fontSize);
            const m = t.getScreenCTM();
            return px * Math.hypot(m.a, m.b);
        }))""")
    assert sizes, f"no chart visible at {width} px"
    assert min(sizes) >= 11, f"at {width} px the smallest chart label is {min(sizes):.1f} px"


def test_charts_are_images_with_title_and_numbers(opened):
    page, _, _ = opened
    charts = page.evaluate("""() => [...document.querySelectorAll('figure.chart svg')].map(svg => ({
        role: svg.getAttribute('role'), title: svg.querySelector('title')?.textContent || '',
        desc: svg.querySelector('desc')?.textContent || ''}))""")
    assert charts
    for chart in charts:
        assert chart["role"] == "img" and chart["title"]
        assert any(ch.isdigit() for ch in chart["desc"]), chart


@pytest.mark.parametrize("width", (1280, 390))
def test_axe_core_finds_no_violation(at_width, width):
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed: run `npm ci` in {AXE.parents[2]}")
    page = at_width(width)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = [(v["id"], len(v["nodes"]), v["nodes"][0]["target"]) for v in result["violations"]]
    assert found == [], f"axe-core at {width} px: {found}"


def test_keyboard_reaches_every_scrollable_region(at_width):
    page = at_width(390)
    unreachable = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => {
        const s = getComputedStyle(e);
        const scrolls = ['auto', 'scroll'].includes(s.overflowX) && e.scrollWidth > e.clientWidth
                     || ['auto', 'scroll'].includes(s.overflowY) && e.scrollHeight > e.clientHeight;
        return scrolls && e.tabIndex < 0;
    }).map(e => e.tagName + '.' + e.className)""")
    assert unreachable == []


def test_headings_never_skip_a_level(opened):
    page, _, _ = opened
    levels = page.evaluate("""() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')]
        .filter(h => h.getClientRects().length)
        .map(h => +(h.getAttribute('aria-level') || h.tagName.slice(1)))""")
    jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert levels[0] == 1 and jumps == []
