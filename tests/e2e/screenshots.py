"""``python -m tests.e2e.screenshots [DB]``: screenshot every page (and presentation mode and a district view).

Writes tests/screenshots/*.png (git-ignored) from the app served against DB (default: $LSCSB_DB or
data/lscsb.duckdb), for a person to look at.
"""
from __future__ import annotations

import sys

from lscsb_data import resolve_db_path
from tests.e2e.browser import open_browser, screenshot, serve, settle

PAGES = ["", "crime", "offending", "victims", "asb", "hate", "policeuk", "covid", "data"]
VIEWS = [
    ("district-blaby-overview", "?area=E07000129"),
    ("district-charnwood-crime", "crime?area=E07000130&indicator=violence_with_injury"),
    ("present-crime", "crime?present=1&indicator=all_crime"),
    ("present-overview", "?present=1"),
    ("hostile-link", "?area=%3Cscript%3Ealert(1)%3C/script%3E&period=2099-13&comparison=DROP+TABLE"),
]


def main(argv: list[str]) -> int:
    db = argv[0] if argv else resolve_db_path()
    with serve(db) as base, open_browser() as page:
        for path in PAGES:
            page.goto(f"{base}/{path}")
            settle(page)
            print(screenshot(page, f"page-{path or 'overview'}"))
        for name, path in VIEWS:
            page.goto(f"{base}/{path}")
            settle(page)
            print(screenshot(page, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
