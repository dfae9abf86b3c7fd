"""Fixtures for the end-to-end tests: one served app, one headless chromium and one tab of it for the whole session.

A missing browser is a failure with instructions, never a skip: CI installs chromium (``make browser``).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e import browser

LOOPBACK = {"127.0.0.1", "localhost"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def app_url(demo_db_path):
    """The app served on loopback against the demo database built for this session."""
    with browser.serve(demo_db_path) as base:
        yield base


@pytest.fixture(scope="session")
def chromium():
    """One headless chromium for the session; each test opens its own context (fresh cookies, fresh session)."""
    if not browser.chromium_available():
        pytest.fail(f"chromium is not installed at {browser.CHROMIUM}: run `make browser` "
                    "(apt-get install chromium chromium-driver) or set LSCSB_CHROMIUM", pytrace=False)
    with browser.launch() as launched:
        yield launched


@pytest.fixture(scope="session")
def tab(chromium):
    """One browser tab for the session's tests: opening a new tab or context costs chromium about 2 s of CPU (a new
    renderer process, the app's scripts fetched and compiled again), going to a page in the same tab about half that."""
    context = chromium.new_context(viewport=browser.VIEWPORT, accept_downloads=True)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture()
def page(tab, app_url):
    """The session's tab for one test, as a new visitor has it: no cookies, nothing stored, the usual window size;
    the test fails if anything the tab loaded came from a host other than loopback's.
    Each test's first ``goto`` is a new page load and so a new session of the app; a test that needs a second user
    opens a context of its own."""
    forget(tab)
    tab.set_viewport_size(browser.VIEWPORT)
    tab.set_default_timeout(60_000)
    elsewhere = []

    def note(request) -> None:
        if not request.url.startswith(("data:", "blob:")) and urlsplit(request.url).hostname not in LOOPBACK:
            elsewhere.append(request.url)

    tab.on("request", note)
    yield tab
    tab.remove_listener("request", note)
    forget(tab)
    # why: a deployment on a closed network could not reach another host, and a request to one tells it who reads
    assert not elsewhere, f"the page asked a host other than the app's own for {elsewhere}"


def forget(tab) -> None:
    """Clear what the last visitor left: cookies, and the local and session storage of the site the tab is on."""
    tab.context.clear_cookies()
    if tab.url.startswith("http"):
        tab.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
