"""``python -m tests.bench.maps [DB]``: how long each map takes on the server, for every mapped district, the
county and LLR, at the app's one period for the area (as the page opens): the figures (police.uk's latest month at or
before it, counts per LSOA then and a year before; the indicator's every-district summary),
the Vega-Lite spec the browser draws (as the app builds it), and the PNG download (vl-convert, 2x).

Prints the median of ``--repeat`` runs (default 5) per area and map, after one warm-up; figures only, never a
pass or fail. The browser's own drawing time is ``python -m tests.e2e.map_screenshots``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from altair.utils.schemapi import debug_mode

from lscsb_data import connect, resolve_db_path
from lscsb_data.figures import engine, periods, places
from lscsb_data.presentation import charts, maps, pagedata

AREAS = ["E07000129", "E07000130", "E07000131", "E07000132", "E07000133", "E07000134", "E07000135", "E06000016",
         "E06000017", "E10000018", "E23000021"]


def _timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    con = connect(args.db or resolve_db_path(), read_only=True)
    frame = pagedata.areas(con)
    names = dict(zip(frame.code, frame.name))
    catalogue = pagedata.catalogue(con).set_index("id", drop=False)
    meta = catalogue.loc[places.ALL_CRIME].to_dict()
    print(f"load average before: {os.getloadavg()[0]:.1f}; {args.repeat} runs per area after a warm-up, median seconds")
    print(f"{'area':<28} {'LSOA figures':>12} {'LSOA spec':>10} {'LSOA PNG':>9} {'district figures':>17} {'district spec':>14} "
          f"{'district PNG':>13}")
    worst = 0.0
    for area in AREAS:
        drawn = [c for c in places.local_authorities(con, area) if c in maps.mapped_lsoa_areas()]
        period = engine.default_period(con, area=area)
        times: dict[str, list[float]] = {}
        for run in range(args.repeat + 1):
            def figures():
                end = places.latest_month(con, area=area, period=period)
                return (places.lsoa_counts(con, area=area, period=end),
                        places.lsoa_counts(con, area=area, period=periods.add_months(end, -12)))
            counts, t_counts = _timed(figures)
            with debug_mode(False):
                lsoa, t_spec = _timed(lambda: maps.lsoa_map(counts[0], indicator=meta, area_name=names[area],
                                                             area_codes=drawn, area_names=names, width="container",
                                                             period=period).to_dict(validate=False))
                detail, t_detail = _timed(lambda: pagedata.indicator_detail(con, indicator=places.ALL_CRIME, area=area,
                                                                            period=period, catalogue_rows=catalogue.reset_index(drop=True),
                                                                            area_frame=frame))
                district, t_dspec = _timed(lambda: maps.district_map(detail.districts, indicator=detail.indicator,
                                                                     highlight_area=area, width="container").to_dict(validate=False))
            _, t_png = _timed(lambda: charts.to_png(maps.lsoa_map(counts[0], indicator=meta, area_name=names[area],
                                                                  area_codes=drawn, area_names=names, width=620,
                                                                  period=period)))
            _, t_dpng = _timed(lambda: charts.to_png(maps.district_map(detail.districts, indicator=detail.indicator,
                                                                       highlight_area=area, width=620)))
            if run:
                for key, value in (("counts", t_counts), ("spec", t_spec), ("png", t_png), ("detail", t_detail),
                                   ("dspec", t_dspec), ("dpng", t_dpng)):
                    times.setdefault(key, []).append(value)
        median = {key: statistics.median(values) for key, values in times.items()}
        worst = max(worst, median["counts"] + median["spec"], median["detail"] + median["dspec"])
        print(f"{names[area]:<28} {median['counts']:>12.3f} {median['spec']:>10.3f} {median['png']:>9.3f} "
              f"{median['detail']:>17.3f} {median['dspec']:>14.3f} {median['dpng']:>13.3f}")
    print(f"slowest map, figures and spec: {worst:.3f} s; load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
