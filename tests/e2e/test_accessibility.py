"""The accessibility audit: axe-core (bundled by axe-playwright-python, so it runs offline) on every page in the
default view, and on the main pages for a district, in presentation mode and in a public deployment. No serious
or critical violation of WCAG 2.2 A or AA, and nothing asked of any host but the app's own; every chart has its
figures as a table a keyboard can reach."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e import browser
from tests.e2e.browser import settle

AXE = Axe()
# why: axe still checks every rule, but details only what fails (every passing node's details took two thirds of its time)
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
        "resultTypes": ["violations"]}
EVERY_PAGE = ["", "exceptions", "crime", "offending", "victims", "asb", "hate", "policeuk", "covid", "data"]
DISTRICT = "area=E07000130"
VIEWS = (
    [("default", path, "") for path in EVERY_PAGE]
    + [("district", path, DISTRICT) for path in ("", "crime", "victims", "covid")]
    + [("presentation", path, "present=1") for path in ("", "crime", "victims")]
)
PUBLIC_VIEWS = ["", "victims", "hate", "covid", "data"]


def serious(page) -> list[str]:
    results = AXE.run(page, options=WCAG).response
    return [f"{v['id']} ({v['impact']}): {len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']} "
            f"{v['nodes'][0]['html'][:300]}" for v in results["violations"] if v["impact"] in ("serious", "critical")]


def audit(page, base: str, path: str, query: str) -> list[str]:
    """The serious violations on the page, after anything the page asked of a host other than the app's own (which
    a deployment on a closed network could not reach, and which would tell that host who reads the dashboard)."""
    elsewhere = []

    def note(request) -> None:
        if not request.url.startswith((base, "data:", "blob:")):
            elsewhere.append(f"asked another host for {request.url}")

    page.on("request", note)
    try:
        page.goto(f"{base}/{path}{'?' + query if query else ''}")
        settle(page)
        # why: the audit judges the page as a reader sees it, in the app's own fonts, not a layout drawn before they arrived
        page.evaluate("() => document.fonts.ready.then(() => true)")
        page.wait_for_timeout(500)
    finally:
        page.remove_listener("request", note)
    return elsewhere + serious(page)


@pytest.fixture(scope="module")
def auditor(chromium):
    """One browser context for every audit: each view is still a fresh page load and a new session of the app, but the
    app's scripts come from the context's cache instead of being fetched and compiled again for every view."""
    context = chromium.new_context(viewport=browser.VIEWPORT)
    opened = context.new_page()
    opened.set_default_timeout(90_000)
    yield opened
    context.close()


@pytest.mark.parametrize("mode, path, query", VIEWS, ids=[f"{m}-{p or 'overview'}" for m, p, _q in VIEWS])
def test_no_serious_accessibility_violation(auditor, app_url, mode, path, query):
    assert audit(auditor, app_url, path, query) == []


@pytest.fixture(scope="module")
def public_url(demo_db_path):
    with browser.serve(demo_db_path, env={"LSCSB_PUBLIC": "1"}) as base:
        yield base


@pytest.mark.parametrize("path", PUBLIC_VIEWS, ids=[p or "overview" for p in PUBLIC_VIEWS])
def test_no_serious_accessibility_violation_in_public_mode(auditor, public_url, path):
    assert audit(auditor, public_url, path, "") == []


def test_every_chart_has_its_figures_as_a_table_a_keyboard_reaches(page, app_url):
    page.goto(f"{app_url}/victims?indicator=domestic_abuse_crimes")
    settle(page, content='[data-testid="stMain"] .vega-embed')
    main = page.locator('[data-testid="stMain"]')
    charts = main.locator('[data-testid="stVegaLiteChart"]').count()
    tables = main.locator('[data-testid="stExpander"] summary, [data-testid="stTable"]').count()
    assert charts and tables >= 1
    # every chart is followed by a table, or an expander holding one, before the next chart (a trend drawn as panels
    # has its table after its last panel), so the page may not end on a chart; polled, as its last elements may still
    # be arriving after the app settles
    order = """m => [...m.querySelectorAll('[data-testid="stVegaLiteChart"], [data-testid="stExpander"], [data-testid="stTable"]')]
        .map(e => e.dataset.testid)"""
    try:
        page.wait_for_function(f"m => ({order})(m).at(-1) !== 'stVegaLiteChart'", arg=main.element_handle(), timeout=20_000)
    except PlaywrightTimeout:
        pytest.fail(f"the last chart has no table after it: {main.evaluate(order)}")
    settle(page, content='[data-testid="stMain"] [data-testid="stTable"], [data-testid="stMain"] [data-testid="stExpander"]')
    assert main.evaluate(order)[-1] != "stVegaLiteChart", main.evaluate(order)
    summary = main.locator('[data-testid="stExpander"] summary').first
    summary.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert main.locator('[data-testid="stExpander"] [data-testid="stTable"]').first.is_visible()
