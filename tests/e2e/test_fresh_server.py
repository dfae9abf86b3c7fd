"""A just-started server: the first request to a page's URL runs through the frame, and nothing that is not a page
is ever listed or run as one (Streamlit's pages-folder mode lasts until the first st.navigation in the process).

Each test starts its own server, so each first request is the process's first.
"""
from __future__ import annotations

import pytest

from tests.e2e.browser import serve, settle

FRAME = '[data-testid="stSidebar"] [data-testid="stSelectbox"]'


def first_visit(chromium, base: str, path: str):
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/{path}")
    settle(page)
    page.wait_for_timeout(500)
    return context, page


def menu(page) -> list[str]:
    return [link.inner_text().split("\n")[-1] for link in page.locator(".st-key-page_menu a").all()]


def assert_only_the_frames_pages_are_listed(page) -> None:
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0, "Streamlit's list of the files in pages/ is shown"
    listed = menu(page)
    assert "Overview" in listed and "Crime" in listed
    assert not {"app", "theme", "upload", "shared", "frame", "cache"} & {name.lower() for name in listed}, listed


@pytest.mark.parametrize("path, title", [("covid", "COVID-19 impact"), ("data", "Data and downloads"),
                                         ("crime", "Ongoing reductions in crime")])
def test_a_cold_servers_first_request_to_any_page_runs_the_frame(chromium, demo_db_path, path, title):
    with serve(demo_db_path, warm=False) as base:
        context, page = first_visit(chromium, base, path)
        try:
            assert page.locator('[data-testid="stMain"] h1').first.inner_text() == title
            assert page.locator(FRAME).count() >= 2, "the sidebar filters (the frame) are missing"
            assert page.locator('[role="dialog"]').count() == 0
            assert_only_the_frames_pages_are_listed(page)
        finally:
            context.close()


def test_a_cold_servers_first_request_to_upload_never_runs_the_upload_page(chromium, demo_db_path):
    with serve(demo_db_path, warm=False) as base:
        context, page = first_visit(chromium, base, "upload")
        try:
            # uploads are off, so there is no such page: the Overview, as a warm server shows it
            assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "How is Leicestershire doing?"
            assert page.locator('[data-testid="stFileUploader"]').count() == 0
            assert_only_the_frames_pages_are_listed(page)
        finally:
            context.close()


def test_a_warmed_servers_first_request_to_a_theme_opens_that_theme(chromium, demo_db_path):
    with serve(demo_db_path) as base:
        context, page = first_visit(chromium, base, "crime?indicator=vehicle_offences")
        try:
            assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "Ongoing reductions in crime"
            assert page.locator('[data-testid="stMain"] h2').first.inner_text().startswith("Vehicle offences")
            assert page.locator('[role="dialog"]').count() == 0
            assert_only_the_frames_pages_are_listed(page)
        finally:
            context.close()
