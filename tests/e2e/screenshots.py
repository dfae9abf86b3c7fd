"""``python -m tests.e2e.screenshots [DB]``: screenshot every page (and presentation mode and a district view).

Writes tests/screenshots/*.png (git-ignored) from the app served against DB (default: $LSCSB_DB or
data/lscsb.duckdb), for a person to look at.
"""
from __future__ import annotations

import sys

from lscsb_data import resolve_db_path
from tests.apptest_support import THEMES
from tests.e2e.browser import open_browser, screenshot, serve, settle

PAGES = ["", "exceptions", *THEMES, "covid", "data"]
VIEWS = [
    ("district-blaby-overview", "?area=E07000129"),
    ("district-charnwood-crime", "crime?area=E07000130&indicator=violence_with_injury"),
    ("present-crime", "crime?present=1&indicator=all_crime"),
    ("present-marac", "victims?present=1&indicator=marac_repeat_rate"),
    ("present-overview", "?present=1"),
    ("hostile-link", "?area=%3Cscript%3Ealert(1)%3C/script%3E&period=2099-13&comparison=DROP+TABLE"),
]


def main(argv: list[str]) -> int:
    """``[DB] [WIDTHxHEIGHT]``: every page and view at that window size (default 1280x720, as a projector shows it)."""
    db = argv[0] if argv else resolve_db_path()
    width, height = (int(n) for n in (argv[1] if len(argv) > 1 else "1280x720").split("x"))
    with serve(db) as base, open_browser(viewport={"width": width, "height": height}) as page:
        for path in PAGES:
            page.goto(f"{base}/{path}")
            settle(page)
            print(screenshot(page, f"page-{path or 'overview'}-{width}x{height}"))
        for name, path in VIEWS:
            page.goto(f"{base}/{path}")
            settle(page)
            print(screenshot(page, f"{name}-{width}x{height}", full_page=not name.startswith("present")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
