"""Fixtures for the end-to-end tests: one served app and one headless chromium for the whole session.

A missing browser is a failure with instructions, never a skip: CI installs chromium (``make browser``).
"""
from __future__ import annotations

import pytest

from tests.e2e import browser


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


@pytest.fixture()
def page(chromium, app_url):
    context = chromium.new_context(viewport=browser.VIEWPORT, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(60_000)
    yield opened
    context.close()
