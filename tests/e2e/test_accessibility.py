"""Every page opens and draws its own content, and the accessibility audit: axe-core (bundled by axe-playwright-python,
so it runs offline) on every page in the sidebar in the default view, and on the main pages for a district and in a
public deployment (presentation mode is audited on its screens in test_presentation.py). No serious or critical
violation of WCAG 2.2 A or AA; every chart has its figures as a table a keyboard can reach. (That no page asks
another host for anything is checked on every test's tab, in tests/e2e/conftest.py.)

All of it in the session's one tab (tests/e2e/conftest.py): each view is still a fresh page load and a new session of
the app, and one page load serves both the content checks and the audit."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e import browser
from tests.e2e.browser import accessibility_violations, assert_no_failure, screenshot, settle

CHART = '[data-testid="stMain"] .vega-embed'
HEADING = '[data-testid="stMain"] h1'
# every page in the sidebar: url path -> its own title (its h1; None where the title names the area) and one thing
# only that page draws
EVERY_PAGE = {
    "": ("How is Leicestershire doing?", "table.lscsb-profile"),
    "exceptions": (None, HEADING),
    "crime": ("Ongoing reductions in crime", CHART),
    "offending": ("Reducing offending and re-offending", CHART),
    "victims": ("Repeat victimisation and vulnerable victims", CHART),
    "asb": ("Anti-social behaviour and satisfaction", CHART),
    "hate": ("Preventing terrorism and radicalisation (hate and cohesion)", CHART),
    "policeuk": ("Police recorded crime and ASB (police.uk open data)", CHART),
    "maps": (None, HEADING),
    "covid": ("COVID-19 impact", CHART),
    "data": ("Data and downloads", '[data-testid="stMain"] [data-testid="stDataFrame"]'),
}
DISTRICT_VIEWS = ["", "crime", "victims", "covid"]
DISTRICT = "area=E07000130"
PUBLIC_VIEWS = ["", "victims", "hate", "covid", "data"]


def audit(page, base: str, path: str, query: str) -> list[str]:
    page.goto(f"{base}/{path}{'?' + query if query else ''}")
    settle(page)
    return accessibility_violations(page)


@pytest.mark.parametrize("path", list(EVERY_PAGE), ids=[p or "overview" for p in EVERY_PAGE])
def test_every_page_opens_draws_its_own_content_and_has_no_serious_accessibility_violation(page, app_url, path):
    title, own_content = EVERY_PAGE[path]
    page.goto(f"{app_url}/{path}")
    settle(page, content=own_content)
    nav = {urlsplit(a.get_attribute("href")).path.strip("/") for a in page.locator(".st-key-page_menu a").all()}
    assert nav == set(EVERY_PAGE), f"pages in the sidebar but not opened and audited here: {nav - set(EVERY_PAGE)}; " \
                                   f"opened here but not in the sidebar: {set(EVERY_PAGE) - nav}"
    heading = page.locator(HEADING).first.inner_text().strip()
    if title:
        assert heading == title, f"/{path} is titled {heading!r}"
    assert_no_failure(page)
    screenshot(page, f"page-{path or 'overview'}", full_page=False)
    assert accessibility_violations(page) == []


@pytest.mark.parametrize("path", DISTRICT_VIEWS, ids=[p or "overview" for p in DISTRICT_VIEWS])
def test_no_serious_accessibility_violation_for_a_district(page, app_url, path):
    assert audit(page, app_url, path, DISTRICT) == []


@pytest.fixture(scope="module")
def public_url(demo_db_path):
    with browser.serve(demo_db_path, env={"LSCSB_PUBLIC": "1"}) as base:
        yield base


@pytest.mark.parametrize("path", PUBLIC_VIEWS, ids=[p or "overview" for p in PUBLIC_VIEWS])
def test_no_serious_accessibility_violation_in_public_mode(page, public_url, path):
    assert audit(page, public_url, path, "") == []


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
