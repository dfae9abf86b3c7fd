"""``python -m tests.bench.view_outputs save DIR [--db PATH]`` then ``compare BEFORE AFTER``: the same figures?

A change made for speed must leave every figure as it was, to the last bit. ``save`` computes what the
app's view functions return (``pages/shared/cache.py``'s: every area's summary, an area's latest
summary, the Overview's profile, the cards, the indicator detail, the exception report; and every
area's exceptions and control charts) over many inputs: the force's areas, the county, the force and
one area beyond it, three periods, both comparisons, the default comparator and the region, public
and partner figures, each called as the app calls it (with every area's summary and the area's series held);
and pickles each result under DIR. ``compare`` loads two such folders and checks
each pair exactly (frames with ``assert_frame_equal(check_exact=True)``: values, dtypes, index and
column order), printing the first differences. Run ``save`` on the code before a change and after it.
Takes three to fifteen minutes of one core, by how busy the machine is.
"""
from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal, assert_series_equal

AREAS = ["E07000129", "E07000130", "E07000131", "E07000132", "E07000133", "E07000134", "E07000135",
         "E06000016", "E06000017", "E10000018", "E23000021", "E07000032"]
PERIODS = [date(2024, 3, 1), date(2023, 11, 1), date(2021, 11, 1)]


def save(folder: Path, db: str) -> int:
    from lscsb_data import connect
    from lscsb_data import summary as engine_summary
    from lscsb_data.figures import engine, exceptions, spc
    from lscsb_data.presentation import pagedata, reporting
    from lscsb_data.presentation import profile as area_profile

    folder.mkdir(parents=True, exist_ok=True)
    con = connect(db, read_only=True)
    catalogue, area_frame = pagedata.catalogue(con), pagedata.areas(con)
    indicators = list(catalogue.id)
    written = 0

    def keep(name: str, value) -> None:
        nonlocal written
        (folder / f"{name}.pkl").write_bytes(pickle.dumps(value))
        written += 1

    for public in (False, True):
        for comparison in ("rolling12", "quarter"):
            for period in PERIODS:
                for comparator in (None, "E12000004"):
                    every: dict = {}
                    whole: dict = {}

                    def area_series(code, public=public, whole=whole):
                        if code not in whole:
                            whole[code] = engine.series(con, area=code, public=public)
                        return whole[code]

                    def everywhere(at, comparison=comparison, public=public, comparator=comparator, every=every):
                        if at not in every:
                            every[at] = engine_summary(con, period=at, comparison=comparison, public=public,
                                                       comparator=comparator)
                        return every[at]

                    key = f"{int(public)}_{comparison}_{period}_{comparator}"
                    keep(f"every_{key}", everywhere(period))
                    shared = {"period": period, "comparison": comparison, "public": public}
                    for area in AREAS if comparator is None else AREAS[:3]:
                        shown = engine.shown_periods(con, period=period, area=area)
                        rows = engine.latest_summary(con, area=area, comparator=comparator, everywhere=everywhere,
                                                     shown=shown, **shared)
                        keep(f"latest_{key}_{area}", rows)
                        keep(f"profile_{key}_{area}", area_profile.overview_profile(
                            con, area=area, comparator=comparator, catalogue_rows=catalogue, area_frame=area_frame,
                            summary_rows=rows, everywhere=everywhere, area_series=area_series, **shared))
                        for theme in (None, "crime"):
                            keep(f"cards_{key}_{area}_{theme}", pagedata.overview_cards(
                                con, area=area, sparklines=theme is None, catalogue_rows=catalogue,
                                area_frame=area_frame, summary_rows=rows, theme=theme, **shared))
                        for step in range(3):
                            indicator = indicators[(written + step) % len(indicators)]
                            keep(f"detail_{key}_{area}_{indicator}", pagedata.indicator_detail(
                                con, indicator=indicator, area=area, comparator=comparator, catalogue_rows=catalogue,
                                area_frame=area_frame, summary_rows=rows, everywhere=everywhere,
                                area_series=area_series, shown=shown, **shared))
                        if comparator is None:
                            keep(f"report_{key}_{area}", reporting.theme_report(
                                con, area=area, latest=True, current=rows, everywhere=everywhere,
                                area_series=area_series, shown=shown, **shared))
                            keep(f"exceptions_{key}_{area}", exceptions.exceptions(con, area=area, **shared))
            keep(f"exceptions_all_{int(public)}_{comparison}",
                 exceptions.exceptions(con, period=PERIODS[0], comparison=comparison, public=public))
        for period in PERIODS:
            keep(f"spc_all_{int(public)}_{period}",
                 spc.spc_frame(engine.series(con, end=period, public=public), period=period))
    con.close()
    print(f"saved {written} results in {folder}")
    return 0


def same(before, after, where: str) -> None:
    """Raise AssertionError where ``after`` differs from ``before`` in any value, type, dtype or order."""
    if isinstance(before, pd.DataFrame):
        assert isinstance(after, pd.DataFrame), where
        assert_frame_equal(before, after, check_exact=True, obj=where)
    elif isinstance(before, pd.Series):
        assert_series_equal(before, after, check_exact=True, obj=where)
    elif dataclasses.is_dataclass(before):
        assert type(before).__name__ == type(after).__name__, where
        for field in dataclasses.fields(before):
            same(getattr(before, field.name), getattr(after, field.name), f"{where}.{field.name}")
    elif isinstance(before, dict):
        assert isinstance(after, dict) and list(before) == list(after), (where, list(before), list(after))
        for name in before:
            same(before[name], after[name], f"{where}[{name!r}]")
    elif isinstance(before, (list, tuple)):
        assert type(before) is type(after) and len(before) == len(after), where
        for index, (one, other) in enumerate(zip(before, after)):
            same(one, other, f"{where}[{index}]")
    elif isinstance(before, np.ndarray):
        assert before.dtype == after.dtype and np.array_equal(before, after, equal_nan=before.dtype.kind == "f"), where
    elif not isinstance(before, (str, bytes)) and pd.api.types.is_scalar(before) and pd.isna(before):
        assert type(before) is type(after) and pd.isna(after), (where, before, after)
    else:
        assert type(before) is type(after) and before == after, (where, before, after)


def compare(before: Path, after: Path) -> int:
    names = sorted(path.name for path in before.glob("*.pkl"))
    missing = sorted(set(names) ^ {path.name for path in after.glob("*.pkl")})
    differ = 0
    for name in names:
        if not (after / name).exists():
            continue
        try:
            same(pickle.loads((before / name).read_bytes()), pickle.loads((after / name).read_bytes()), name)
        except AssertionError as error:
            differ += 1
            if differ <= 5:
                print(f"differs: {str(error)[:1500]}")
    print(f"{len(names) - differ - len(missing)} of {len(names)} results identical; {differ} differ; "
          f"{len(missing)} in only one folder")
    return 1 if differ or missing else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    saving = commands.add_parser("save", help="compute the view functions' results and pickle them under DIR")
    saving.add_argument("folder", type=Path)
    saving.add_argument("--db", default=None, help="the database (default: the app's)")
    comparing = commands.add_parser("compare", help="check two saved folders are identical, result by result")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "save":
        from lscsb_data import resolve_db_path

        return save(args.folder, str(resolve_db_path(args.db)))
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
