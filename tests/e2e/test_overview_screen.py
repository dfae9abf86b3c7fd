"""The Overview answers "how is my district doing?" in its first screen, at the sizes a projector and a laptop show,
with nothing cut: the headline count and the first rows of the profile, and the compare-areas grid."""
from __future__ import annotations

import re

import pytest

from tests.e2e.browser import screenshot, settle

BLABY = "E07000129"
# why: a cell's text is cut when its content is wider than the box the table gives it
CLIPPED = """() => [...document.querySelectorAll('table.lscsb-profile th, table.lscsb-profile td')]
    .filter(cell => cell.scrollWidth > cell.clientWidth + 1).map(cell => cell.innerText)"""
OVERFLOW = """() => { const main = document.querySelector('[data-testid="stMain"]');
    return main.scrollWidth - main.clientWidth; }"""


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)])
def test_the_first_screen_carries_the_headline_and_the_start_of_the_profile(page, app_url, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/?area={BLABY}")
    settle(page, content="table.lscsb-profile")
    headline = page.get_by_text(re.compile(r"\d+ improving")).first
    assert headline.bounding_box()["y"] + headline.bounding_box()["height"] <= height
    rows = page.locator("table.lscsb-profile").first.locator("tbody tr")
    in_view = [i for i in range(rows.count()) if (box := rows.nth(i).bounding_box()) and box["y"] + box["height"] <= height]
    assert len(in_view) >= (8 if height == 720 else 14), f"only {len(in_view)} profile rows in the first screen"
    assert rows.nth(1).locator("th a").inner_text() == "Overall crime"
    assert page.evaluate(CLIPPED) == []
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, f"overview-first-screen-{width}x{height}", full_page=False)


def test_compare_areas_fits_the_screen_without_cutting_a_cell(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/?area={BLABY}")
    settle(page, content="table.lscsb-profile")
    page.get_by_text("Compare areas").click()
    page.get_by_text(re.compile("^Each area against Leicestershire")).wait_for()
    settle(page, content="table.lscsb-profile")
    header = page.locator("table.lscsb-profile thead th")
    assert [header.nth(i).inner_text() for i in range(header.count())][-2:] == ["Leicestershire", "LLR"]
    assert page.evaluate(CLIPPED) == []
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, "overview-compare-areas-1280x720", full_page=False)
