"""The Maps page in real headless chromium: both maps draw (canvas or SVG, no error) for a district, and choosing
another crime type and another area in the page redraws them; screenshots go to tests/screenshots/."""
from __future__ import annotations

import pytest

from tests.e2e.browser import screenshot, settle

MAPS = '[data-testid="stMain"] .vega-embed'
FAILURE_TEXT = ("Traceback", "could not be shown because of an unexpected problem", "Error:")


def _drawn(page) -> None:
    page.wait_for_function(f"document.querySelectorAll('{MAPS} canvas, {MAPS} svg').length >= 2")
    settle(page, content=MAPS)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert not any(failure in text for failure in FAILURE_TEXT), text[:500]


def _choose(page, label: str, option: str) -> None:
    """Choose ``option`` as a keyboard user does: open the list, type the option's name, take the one it leaves.

    why: at 1280x720 the area list is taller than its box, and clicking an option the list must scroll to (its rows
    drawn as they scroll) could miss under load, leaving the area as it was."""
    page.get_by_label(label, exact=True).first.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 1440, "height": 900}])
def test_the_maps_page_draws_both_maps_and_follows_crime_type_and_area(page, app_url, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{app_url}/maps?area=E07000130")
    _drawn(page)
    assert page.locator('[data-testid="stMain"] h1').inner_text() == "Maps: Charnwood"
    screenshot(page, f"e2e-maps-charnwood-{viewport['width']}", full_page=False)
    _choose(page, "Crime type", "Burglary (police.uk)")
    page.wait_for_function("() => document.body.innerText.includes('LSOAs with most burglary')")
    _drawn(page)
    _choose(page, "Area", "Leicestershire (county)")
    # why: the frame rewrites the URL in place (history API), so the test polls the address rather than wait for a navigation
    page.wait_for_function("() => location.search.includes('area=E10000018')")
    _drawn(page)
    assert page.locator('[data-testid="stMain"] h1').inner_text() == "Maps: Leicestershire"
    screenshot(page, f"e2e-maps-county-burglary-{viewport['width']}", full_page=False)
