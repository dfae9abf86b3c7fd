"""``python -m tests.bench.page_render [DB] [--changes N]``: server time to re-render a page after a filter change.

Drives the whole app (app.py's frame and the page) in Streamlit's AppTest, which runs the script
as the server does, minus the network. For each page it makes N filter changes (area and period
end in turn, each a view not seen before, so the page's data is computed, not served from the
cache), then the same N changes again (served from the cache, as when people go back to a view),
and prints p50 / p95 / max of each. Prints figures; never passes or fails on time (the target is
p95 under 300 ms).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from lscsb_data import connect, resolve_db_path
from lscsb_data.presentation import pagedata
from lscsb_data.figures import periods
from tests.apptest_support import app, use_navigation

BENCH_PAGES = ("overview", "crime", "victims", "policeuk", "covid", "data")


def _changes(db: str, count: int) -> list[tuple[str, str]]:
    """``count`` distinct (area, period) views: the force's own areas against the latest months held."""
    con = connect(db, read_only=True)
    try:
        areas = pagedata.areas(con)
        local = list(areas[areas.role == "local"].code)
        months = [periods.month_label(m) for m in pagedata.month_choices(con)[:12]]
    finally:
        con.close()
    return [(local[i % len(local)], months[(i // len(local)) % len(months)]) for i in range(count)]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(page: str, changes: list[tuple[str, str]]) -> dict[str, list[float]]:
    at = app(page)
    at.run()
    timings: dict[str, list[float]] = {"first": [], "again": []}
    for label in timings:
        for area, month in changes:
            at.selectbox(key="area").set_value(area)
            at.selectbox(key="period").set_value(month)
            started = time.perf_counter()
            at.run()
            timings[label].append((time.perf_counter() - started) * 1000)
            if at.exception:
                raise RuntimeError(f"{page} failed for {area} {month}: {at.exception[0].value}")
    return timings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", default=None)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--pages", nargs="*", default=list(BENCH_PAGES))
    args = parser.parse_args(argv)
    db = str(resolve_db_path(args.db))
    os.environ["LSCSB_DB"] = db
    use_navigation()
    changes = _changes(db, args.changes)
    print(f"Page re-render after a filter change (AppTest, server side), {args.changes} changes each, database {db}")
    print(f"{'page':<10} {'views':<22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for page in args.pages:
        for label, values in measure(page, changes).items():
            views = "new (computed)" if label == "first" else "seen (cached)"
            print(f"{page:<10} {views:<22} {statistics.median(values):>8.0f} {_percentile(values, 0.95):>8.0f} {max(values):>8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
