"""Presentation mode on a projector's screen: one theme or one indicator per screen, measured at 1280x720 and
1920x1080: no scrolling either way, no chart's title, legend or axis label cut off or shortened, the area, the
period and the source on the screen, a visible way out, no serious accessibility violation (audited at the projector's
size), and Previous / Next on the arrow keys. Each screen is a fresh page load in the session's tab, at its size."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.browser import accessibility_violations, screenshot, settle

SCREENS = {
    "overview": ("?present=1", "table.lscsb-profile"),
    "crime": ("crime?present=1&indicator=violence_with_injury", '[data-testid="stMain"] .vega-embed'),
    "marac": ("victims?present=1&indicator=marac_repeat_rate", '[data-testid="stMain"] .vega-embed'),
}
SIZES = [(1280, 720), (1920, 1080)]
# Every text in a chart's drawing that lies outside the chart's element, or that Vega shortened with an ellipsis.
MEASURE = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const root = document.documentElement;
  const cut = [];
  for (const embed of main.querySelectorAll('.vega-embed')) {
    const box = embed.getBoundingClientRect();
    for (const text of embed.querySelectorAll('svg text')) {
      const words = text.textContent.trim();
      const r = text.getBoundingClientRect();
      if (!words || r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1
          || r.right > innerWidth || r.bottom > innerHeight || words.endsWith('\u2026')) cut.push(words);
    }
  }
  return {
    vertical: Math.max(main.scrollHeight - main.clientHeight, root.scrollHeight - innerHeight),
    horizontal: Math.max(main.scrollWidth - main.clientWidth, root.scrollWidth - innerWidth),
    cut,
    charts: main.querySelectorAll('.vega-embed').length,
  };
}"""


def open_screen(page, base: str, name: str, size: tuple[int, int]) -> None:
    path, content = SCREENS[name]
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{base}/{path}")
    settle(page, content=content)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", list(SCREENS))
def test_a_presentation_screen_fits_with_nothing_cut(page, app_url, name, size):
    open_screen(page, app_url, name, size)
    screenshot(page, f"present-{name}-{size[0]}x{size[1]}", full_page=False)
    measured = page.evaluate(MEASURE)
    assert measured["vertical"] <= 0, f"the screen scrolls by {measured['vertical']} px"
    assert measured["horizontal"] <= 0, f"the screen scrolls sideways by {measured['horizontal']} px"
    assert measured["cut"] == [], f"chart text cut off: {measured['cut']}"
    if name != "overview":
        assert measured["charts"] >= 2  # the trend (its panels drawn one by one) and every district
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "Leicestershire" in main and "Source:" in main and re.search(r"12 months to \w{3} \d{4}", main)
    exit_button = page.get_by_role("button", name="Exit presentation")
    assert exit_button.is_visible()
    for label in ("Previous", "Next"):
        assert page.get_by_role("button", name=label).inner_text().count("\u2190") + \
            page.get_by_role("button", name=label).inner_text().count("\u2192") <= 1
    if size == SIZES[0]:
        assert accessibility_violations(page) == []


def test_the_arrow_keys_step_through_the_indicators_and_exit_leaves_presentation(page, app_url):
    open_screen(page, app_url, "crime", SIZES[0])
    page.keyboard.press("ArrowRight")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("indicator") == ["all_crime"])
    settle(page, content='[data-testid="stMain"] .vega-embed')
    assert page.get_by_text(re.compile(r"indicator 1 of \d+")).is_visible()
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("indicator") == ["violence_with_injury"])
    settle(page, content='[data-testid="stMain"] .vega-embed')
    page.get_by_role("button", name="Exit presentation").click()
    page.wait_for_url(lambda url: "present" not in parse_qs(urlsplit(url).query))
    settle(page, content='[data-testid="stMain"] .vega-embed')
    assert page.get_by_role("button", name="Exit presentation").count() == 0
    assert page.locator('[data-testid="stMain"] h1').first.inner_text() == "Ongoing reductions in crime"
