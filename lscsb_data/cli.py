"""``python -m lscsb_data``: build, load, inspect and export the dashboard's figures."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import build as build_module
from . import db, disclosure, engine, export, loaders, periods
from .config import resolve_db_path


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_build(args) -> int:
    path = resolve_db_path(args.db)
    if args.if_stale and not build_module.is_stale(path):
        print(f"{path} is up to date")
        return 0
    build_module.build(path, progress=_progress)
    print(f"built {path}")
    return 0


def cmd_indicators(args) -> int:
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        frame = engine.indicators(con)
    columns = ["id", "name", "theme", "unit", "multiplier", "denominator_basis", "polarity", "band_low",
               "band_high", "frequency", "source", "parent_id", "sensitive", "regional_comparator"]
    if args.format == "csv":
        sys.stdout.write(export.to_csv_text(frame[columns]))
    else:
        print(frame[["id", "name", "unit", "polarity", "frequency", "source"]].to_string(index=False))
    return 0


def cmd_load(args) -> int:
    reports = loaders.load_files(
        resolve_db_path(args.db), args.paths, source_label=args.source, dry_run=args.dry_run, progress=_progress
    )
    for report in reports:
        print(report.summary_line())
    if args.dry_run:
        print("dry run: nothing was written")
    return 0


def cmd_export(args) -> int:
    start = periods.parse_month(args.from_month) if args.from_month else None
    end = periods.parse_month(args.to_month) if args.to_month else None
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        frame = export.tidy_observations(con, indicator=args.indicator, area=args.area, start=start, end=end)
    text = export.to_csv_text(frame)
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {len(frame):,} rows to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_summary(args) -> int:
    period = periods.parse_month(args.period)
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        frame = engine.summary(
            con,
            period=period,
            indicator=args.indicator,
            area=args.area,
            comparison=args.comparison,
        )
    frame = disclosure.mark_summary(frame)[engine.SUMMARY_COLUMNS]
    if args.format == "csv":
        sys.stdout.write(export.to_csv_text(frame))
    else:
        print(frame.to_string(index=False) if len(frame) else "no figures for that selection")
    return 0


def cmd_demo(args) -> int:
    from . import demo

    written = demo.write_demo_files(progress=_progress)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_bench(args) -> int:
    if args.load:
        from . import bench_load

        return bench_load.main(args)
    from . import bench

    return bench.main(args)


def cmd_refresh_policeuk(args) -> int:
    from .refresh import refresh_policeuk

    for path in refresh_policeuk(args.paths, replace=args.replace, progress=_progress):
        print(f"wrote {path}")
    print("now rebuild: python -m lscsb_data build")
    return 0


def cmd_lookups(args) -> int:
    from .loaders.lookups import derive_from_reference

    for name, rows in derive_from_reference(args.reference).items():
        print(f"wrote data/{name} ({rows:,} rows)")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m lscsb_data", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database file (default: $LSCSB_DB, else data/lscsb.duckdb)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", parents=[common], help="build the database from data/ (atomically)")
    build.add_argument("--if-stale", action="store_true", help="only when missing or older than its sources")
    build.set_defaults(func=cmd_build)

    demo = commands.add_parser("demo", parents=[common], help="regenerate data/demo/*.csv (deterministic)")
    demo.set_defaults(func=cmd_demo)

    indicators = commands.add_parser("indicators", parents=[common], help="print the indicator catalogue")
    indicators.add_argument("--format", choices=["table", "csv"], default="table")
    indicators.set_defaults(func=cmd_indicators)

    load = commands.add_parser("load", parents=[common], help="validate and load files (all or nothing)")
    load.add_argument("paths", nargs="+", metavar="PATH", help="CSV files, folders of them, or police.uk zips")
    load.add_argument("--source", help="source label recorded with the load")
    load.add_argument("--dry-run", action="store_true", help="validate and report without writing")
    load.set_defaults(func=cmd_load)

    export_cmd = commands.add_parser("export", parents=[common], help="write observations in the tidy load format")
    export_cmd.add_argument("--out", help="file to write (default: standard output)")
    export_cmd.add_argument("--indicator")
    export_cmd.add_argument("--area")
    export_cmd.add_argument("--from", dest="from_month", metavar="YYYY-MM")
    export_cmd.add_argument("--to", dest="to_month", metavar="YYYY-MM")
    export_cmd.set_defaults(func=cmd_export)

    summary = commands.add_parser("summary", parents=[common], help="current against previous window per indicator and area")
    summary.add_argument("--period", required=True, metavar="YYYY-MM", help="last month of the current window")
    summary.add_argument("--indicator")
    summary.add_argument("--area")
    summary.add_argument("--comparison", choices=periods.COMPARISONS, default="rolling12")
    summary.add_argument("--format", choices=["csv", "table"], default="csv")
    summary.set_defaults(func=cmd_summary)

    bench = commands.add_parser("bench", parents=[common], help="time the engine (prints figures, never fails on time)")
    bench.add_argument("--repeat", type=int, default=20)
    bench.add_argument("--load", action="store_true",
                       help="time loading police.uk files (24 real months, then a synthetic national set) against plain pandas")
    bench.add_argument("--policeuk-zip", default=None, metavar="ZIP",
                       help="the real months for --load (default: ../shared/reference/policeuk/leicestershire-2019-12-to-2021-11.zip)")
    bench.add_argument("--national-rows", type=int, default=10_000_000, metavar="N",
                       help="rows in the synthetic national set for --load (0 skips it)")
    bench.set_defaults(func=cmd_bench)

    refresh = commands.add_parser("refresh-policeuk", help="regenerate data/policeuk/ from police.uk downloads")
    refresh.add_argument("paths", nargs="+", metavar="PATH", help="a police.uk zip archive, folders or month files")
    refresh.add_argument("--replace", action="store_true",
                         help="start from nothing instead of keeping the months already in data/policeuk/")
    refresh.set_defaults(func=cmd_refresh_policeuk)

    lookups = commands.add_parser("lookups", help="rewrite the LSOA lookups in data/ from the ONS-based reference lookup")
    lookups.add_argument("--reference", required=True, metavar="CSV", help="e.g. ../shared/reference/lsoa2011_lookup.csv")
    lookups.set_defaults(func=cmd_lookups)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except loaders.LoadError as error:
        print(f"nothing was loaded:\n{error}", file=sys.stderr)
        return 2
    except (build_module.BuildError, db.DatabaseMissingError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
