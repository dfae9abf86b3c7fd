"""``python -m tests.e2e.map_screenshots [DB]``: the Maps page for every mapped district, the county and LLR, at
1280x720 (a projector) and 1440x900, in headless chromium, with the time each took to draw.

Writes tests/screenshots/maps-<area>-<width>.png (what the screen shows, then the whole page as -full) for a
person to look at, and prints, per area, the seconds from asking for the page to both maps drawn and the app idle
(a figure, never a pass or fail).
"""
from __future__ import annotations

import os
import statistics
import sys
import time

from lscsb_data import resolve_db_path
from tests.e2e.browser import open_browser, screenshot, serve, settle

AREAS = ["E07000129", "E07000130", "E07000131", "E07000132", "E07000133", "E07000134", "E07000135", "E06000016",
         "E06000017", "E10000018", "E23000021"]
SIZES = [(1280, 720), (1440, 900)]
MAPS = '[data-testid="stMain"] .vega-embed'


def draw(page, base: str, query: str) -> float:
    """Open the Maps page with ``query``; seconds until both maps are drawn and the app is idle."""
    started = time.perf_counter()
    page.goto(f"{base}/maps?{query}")
    page.wait_for_function(f"document.querySelectorAll('{MAPS} canvas, {MAPS} svg').length >= 2", timeout=120_000)
    settle(page, content=MAPS)
    return time.perf_counter() - started - 0.6  # settle's two fixed pauses


def main(argv: list[str]) -> int:
    db = argv[0] if argv else resolve_db_path()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    timings: dict[str, list[float]] = {}
    with serve(db) as base:
        for width, height in SIZES:
            with open_browser(viewport={"width": width, "height": height}) as page:
                draw(page, base, "area=E07000129")  # warm the server's caches and the browser once
                for area in AREAS:
                    timings.setdefault(area, []).append(draw(page, base, f"area={area}"))
                    print(screenshot(page, f"maps-{area}-{width}", full_page=False))
                    print(screenshot(page, f"maps-{area}-{width}-full"))
    for area, seconds in timings.items():
        print(f"{area}: {', '.join(f'{s:.2f}' for s in seconds)} s to both maps drawn (first view of the area at each size)")
    print(f"median {statistics.median([s for v in timings.values() for s in v]):.2f} s; "
          f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
