"""``python -m tests.bench.first_view [DB] [--views N] [--public]``: CPU to compute a new view's figures.

A view no process has drawn computes its figures once, through the functions ``pages/shared/cache.py``
calls, in the order a visitor meets them: ``shown_periods`` (the period each indicator is shown at),
``every_area_summary`` (``lscsb_data.summary`` of every area at each period the view shows an indicator at, once
per period for the whole process), ``area_summary`` (``engine.latest_summary``), ``profile``
(``presentation.profile.overview_profile``), ``overview_cards`` (a theme's list, as a theme page asks),
``indicator_detail`` (that theme's first indicator) and ``exception_report``
(``presentation.reporting.theme_report``); ``area_series`` (``engine.series`` of an area over every indicator and
period, which the profile, the detail and the report cut) is the process's too, counted once per area by the first
view that needs it. Each of N views is a new area and period end (the force's own areas against the latest twelve
months held), computed from nothing but the catalogue and the area list. Prints the CPU milliseconds of each
function (process time, every thread, so DuckDB's too) and the load average; never passes or fails on time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict

from lscsb_data import connect, resolve_db_path
from lscsb_data import summary as engine_summary
from lscsb_data.figures import engine
from lscsb_data.presentation import pagedata
from lscsb_data.presentation import profile as area_profile
from lscsb_data.presentation import reporting

COMPARISON = "rolling12"
# the process's figures shared by every view of a period or of an area, counted once by the first view that needs them
PROCESS_WIDE = ("every_area_summary", "area_series")


def _views(con, count: int) -> list[tuple[str, object]]:
    """``count`` distinct (area, period end) views, a new month for each until the twelve are used."""
    areas = pagedata.areas(con)
    local = list(areas[(areas.role == "local") & (areas.is_csp.astype(bool) | areas.is_board_area.astype(bool))].code)
    months = pagedata.month_choices(con)[:12]
    pairs = [(local[(i + i // len(months)) % len(local)], months[i % len(months)]) for i in range(count)]
    return list(dict.fromkeys(pairs))


def measure(con, views: list[tuple[str, object]], *, public: bool) -> dict[str, list[float]]:
    """CPU milliseconds of each function's calls over ``views`` (``every_area_summary``: one per new period;
    ``area_series``: one per new area)."""
    catalogue, area_frame, themes = pagedata.catalogue(con), pagedata.areas(con), engine.themes(con)
    first_theme = themes.id.iloc[0]
    every: dict = {}
    whole: dict = {}
    spent: dict[str, list[float]] = defaultdict(list)

    nested: list[float] = []  # why: a call made inside another (an area's series) is counted once, under its own name

    def timed(name, function, **kwargs):
        nested.append(0.0)
        started = time.process_time()
        result = function(con, **kwargs)
        took = time.process_time() - started
        spent[name].append((took - nested.pop()) * 1000)
        if nested:
            nested[-1] += took
        return result

    def everywhere(at):
        if at not in every:
            every[at] = timed("every_area_summary", engine_summary, period=at, comparison=COMPARISON, public=public,
                              comparator=None)
        return every[at]

    def area_series(code):
        if code not in whole:
            whole[code] = timed("area_series", engine.series, area=code, public=public)
        return whole[code]

    for area, period in views:
        shared = {"period": period, "comparison": COMPARISON, "public": public}
        # why: the summaries of every area are the process's, shared by every view of their periods, so each is
        # counted once, when the first view that needs it computes it
        shown = timed("shown_periods", engine.shown_periods, period=period, area=area)
        for at in {period, *shown.values()}:
            everywhere(at)
        summary = timed("area_summary", engine.latest_summary, area=area, comparator=None, everywhere=everywhere,
                        shown=shown, **shared)
        timed("profile", area_profile.overview_profile, area=area, comparator=None, catalogue_rows=catalogue,
              area_frame=area_frame, summary_rows=summary, everywhere=everywhere, area_series=area_series, **shared)
        cards = timed("overview_cards", pagedata.overview_cards, area=area, sparklines=False, theme=first_theme,
                      catalogue_rows=catalogue, area_frame=area_frame, summary_rows=summary, **shared)
        timed("indicator_detail", pagedata.indicator_detail, indicator=cards.id.iloc[0], area=area, comparator=None,
              catalogue_rows=catalogue, area_frame=area_frame, summary_rows=summary, everywhere=everywhere,
              area_series=area_series, shown=shown, **shared)
        timed("exception_report", reporting.theme_report, area=area, latest=True, current=summary,
              catalogue=catalogue, everywhere=everywhere, area_series=area_series, shown=shown, **shared)
    return spent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", default=None)
    parser.add_argument("--views", type=int, default=12, help="new (area, period end) views to compute (default 12)")
    parser.add_argument("--public", action="store_true", help="the public deployment's protected figures")
    args = parser.parse_args(argv)
    db = str(resolve_db_path(args.db))
    con = connect(db, read_only=True)
    try:
        views = _views(con, args.views)
        print(f"First computation of a view's figures, {len(views)} new views, public={args.public}, database {db}")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        spent = measure(con, views, public=args.public)
    finally:
        con.close()
    print(f"{'function':<20} {'calls':>5} {'median CPU ms':>14} {'mean CPU ms':>12}")
    for name, values in spent.items():
        print(f"{name:<20} {len(values):>5} {statistics.median(values):>14.0f} {statistics.mean(values):>12.0f}")
    per_view = {name: sum(values) / len(views) for name, values in spent.items()}
    shared = {name: per_view.pop(name, 0.0) for name in PROCESS_WIDE}
    print(f"{'a new view, all':<20} {len(views):>5} {'':>14} {sum(per_view.values()) + sum(shared.values()):>12.0f}"
          f"  (spread over the views: {', '.join(f'{name} {ms:.0f}' for name, ms in shared.items())})")
    print(f"{'a new view, its own':<20} {len(views):>5} {'':>14} {sum(per_view.values()):>12.0f}"
          "  (what a view costs once its period's summaries and its area's series are held)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
