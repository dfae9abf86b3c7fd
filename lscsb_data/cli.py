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
    if disclosure.public_mode():
        # why: the tidy export writes stored counts as they are, which would undo public mode's withholding
        print("error: export writes stored figures unsuppressed, so it is off while LSCSB_PUBLIC is set; "
              "use the dashboard's full extract, which withholds small counts", file=sys.stderr)
        return 2
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


def cmd_spc(args) -> int:
    from . import spc

    period = periods.parse_month(args.period) if args.period else None
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        if args.indicator not in set(engine.indicators(con).id):
            raise ValueError(f"unknown indicator '{args.indicator}': `python -m lscsb_data indicators` lists them")
        if args.area not in set(engine.areas(con).code):
            raise ValueError(f"unknown area '{args.area}'")
        frame, reason = spc.spc_or_reason(con, indicator=args.indicator, area=args.area, period=period)
    if frame.empty:
        print(f"no control chart for {args.indicator} in {args.area}: {reason}", file=sys.stderr)
        return 1
    frame = frame.assign(period=frame.period.dt.strftime("%Y-%m"), period_end=frame.period_end.dt.strftime("%Y-%m"))
    if args.format == "csv":
        sys.stdout.write(export.to_csv_text(frame))
        return 0
    latest = frame.iloc[-1]
    print(f"{args.indicator} in {args.area}: {latest.chart}, {len(frame)} periods to {latest.period}")
    print(f"centre {latest.centre:.4g}; Laney sigma-z {latest.dispersion:.2f}; latest point: "
          f"{spc.SIGNAL_LABELS[latest.signal]}")
    columns = ["period", "numerator", "denominator", "value", "centre", "lower", "upper", "z", "run_length", "signal"]
    whole = {"numerator": "{:,.0f}".format, "denominator": "{:,.0f}".format, "run_length": "{:d}".format}
    print(frame[columns].to_string(index=False, formatters=whole, float_format=lambda v: f"{v:.4g}"))
    return 0


def cmd_exceptions(args) -> int:
    from . import exceptions

    period = periods.parse_month(args.period)
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        if args.format == "csv":
            frame = exceptions.exceptions(con, period=period, area=args.area, comparison=args.comparison)
            sys.stdout.write(export.to_csv_text(frame))
            return 0
        sections = exceptions.theme_report(con, period=period, area=args.area, comparison=args.comparison)
    print(f"Exceptions at {periods.month_name(period)} ({args.comparison}){f' for {args.area}' if args.area else ''}")
    for section in sections:
        print(f"\n{section['name']}")
        if section["message"]:
            print(f"  {section['message']}")
        for row in section["rows"].itertuples():
            print(f"  [{exceptions.OUTLOOK_LABELS[row.outlook]}; {row.reasons}] {row.sentence}")
    return 0


def cmd_comment(args) -> int:
    from . import narrative

    path = narrative.commentary_path(args.db)
    if args.action == "list":
        frame = narrative.comments(path, area=args.area, quarter=args.quarter, history=args.history)
        if args.format == "csv":
            sys.stdout.write(export.to_csv_text(frame))
        elif frame.empty:
            print(f"no commentary in {path}")
        for row in [] if args.format == "csv" else frame.to_dict("records"):
            print(f"{row['quarter']} {row['area_code']} {row['scope']} {row['subject']} ({narrative.signature(row)}):")
            print("  " + row["text"].replace("\n", "\n  "))
        return 0
    scope, subject = ("indicator", args.indicator) if args.indicator else ("theme", args.theme)
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        known = set(engine.indicators(con).id) if scope == "indicator" else set(engine.themes(con).id)
        if subject not in known:
            raise ValueError(f"unknown {scope} '{subject}'")
        if args.area not in set(engine.areas(con).code):
            raise ValueError(f"unknown area '{args.area}'")
    text = Path(args.text_file).read_text(encoding="utf-8") if args.text_file else args.text
    try:
        narrative.add_comment(path, scope=scope, subject=subject, area=args.area, quarter=args.quarter,
                              text=text, author=args.author)
    except narrative.EditingDisabled as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"saved commentary on {scope} {subject}, {args.area}, {args.quarter} to {path}")
    return 0


def cmd_pack(args) -> int:
    import time

    from . import narrative, pack

    quarter = periods.parse_quarter(args.quarter)
    db_path = resolve_db_path(args.db)
    with db.connect(db_path, read_only=True) as con:
        codes = pack.csp_areas(con) if args.area == "all" else [args.area]
        catalogue = engine.indicators(con)
        for code in codes:
            started = time.perf_counter()
            built = pack.assemble(con, area=code, quarter=quarter, commentary_file=narrative.commentary_path(args.db),
                                  catalogue=catalogue)
            if args.area == "all" or not args.out:
                target = Path(args.out or "out") / pack.file_name(built, args.format)
            else:
                target = Path(args.out)
            pack.write(built, target, args.format)
            print(f"wrote {target} ({built.area_name}, {quarter.label}, {built.exception_count} exceptions, "
                  f"{time.perf_counter() - started:.1f} s)")
    return 0


def cmd_bench(args) -> int:
    if args.pack:
        from . import bench_pack

        return bench_pack.main(args)
    if args.load:
        from . import bench_load

        return bench_load.main(args)
    if args.national:
        from . import bench_national

        return bench_national.main(args)
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


def cmd_quality(args) -> int:
    from . import quality

    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        print(quality.report(con))
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

    spc_cmd = commands.add_parser("spc", parents=[common], help="control chart of one indicator and area")
    spc_cmd.add_argument("--indicator", required=True)
    spc_cmd.add_argument("--area", required=True)
    spc_cmd.add_argument("--period", metavar="YYYY-MM", help="last month of the chart (default: the latest held)")
    spc_cmd.add_argument("--format", choices=["table", "csv"], default="table")
    spc_cmd.set_defaults(func=cmd_spc)

    exceptions_cmd = commands.add_parser("exceptions", parents=[common], help="what moved notably, theme by theme")
    exceptions_cmd.add_argument("--period", required=True, metavar="YYYY-MM", help="last month of the current window")
    exceptions_cmd.add_argument("--area", help="one area (default: every area)")
    exceptions_cmd.add_argument("--comparison", choices=periods.COMPARISONS, default="rolling12")
    exceptions_cmd.add_argument("--format", choices=["table", "csv"], default="table")
    exceptions_cmd.set_defaults(func=cmd_exceptions)

    comment = commands.add_parser("comment", help="add or list analysts' commentary (kept apart from the database)")
    comment_actions = comment.add_subparsers(dest="action", required=True, metavar="ACTION")
    comment_add = comment_actions.add_parser("add", parents=[common], help="save commentary (needs LSCSB_ALLOW_EDIT=1)")
    comment_add.add_argument("--area", required=True)
    comment_add.add_argument("--quarter", required=True, metavar="YYYY-YY-Qn", help="financial quarter, e.g. 2019-20-Q4")
    comment_subject = comment_add.add_mutually_exclusive_group(required=True)
    comment_subject.add_argument("--indicator")
    comment_subject.add_argument("--theme")
    comment_add.add_argument("--author", required=True)
    comment_text = comment_add.add_mutually_exclusive_group(required=True)
    comment_text.add_argument("--text", help="the commentary (empty withdraws it)")
    comment_text.add_argument("--text-file", help="read the commentary from this UTF-8 file")
    comment_list = comment_actions.add_parser("list", parents=[common], help="print the current commentary")
    comment_list.add_argument("--area")
    comment_list.add_argument("--quarter", metavar="YYYY-YY-Qn")
    comment_list.add_argument("--history", action="store_true", help="every saved version, newest first")
    comment_list.add_argument("--format", choices=["table", "csv"], default="table")
    comment.set_defaults(func=cmd_comment)

    pack_cmd = commands.add_parser("pack", parents=[common], help="the quarterly performance pack (PowerPoint or HTML)")
    pack_cmd.add_argument("--area", required=True, help="area code; E10000018 gives the board's report; 'all' every CSP")
    pack_cmd.add_argument("--quarter", required=True, metavar="YYYY-YY-Qn", help="financial quarter, e.g. 2019-20-Q4")
    pack_cmd.add_argument("--out", help="file to write (a folder with --area all; default: out/)")
    pack_cmd.add_argument("--format", choices=["pptx", "html"], default="pptx")
    pack_cmd.set_defaults(func=cmd_pack)

    bench = commands.add_parser("bench", parents=[common], help="time the engine (prints figures, never fails on time)")
    bench.add_argument("--repeat", type=int, default=20)
    bench.add_argument("--pack", action="store_true", help="time performance packs instead: one CSP, and every CSP")
    bench.add_argument("--quarter", metavar="YYYY-YY-Qn", help="with --pack: the quarter (default: the latest whole one)")
    bench.add_argument("--load", action="store_true",
                       help="time loading police.uk files (24 real months, then a synthetic national set) against plain pandas")
    bench.add_argument("--policeuk-zip", default=None, metavar="ZIP",
                       help="the real months for --load (default: ../shared/reference/policeuk/leicestershire-2019-12-to-2021-11.zip)")
    bench.add_argument("--national-rows", type=int, default=10_000_000, metavar="N",
                       help="rows in the synthetic national set for --load (0 skips it)")
    bench.add_argument("--national", action="store_true",
                       help="the engine on the demo and a national-scale database (every LA, ten years) beside plain pandas")
    bench.set_defaults(func=cmd_bench)

    refresh = commands.add_parser("refresh-policeuk", help="regenerate data/policeuk/ from police.uk downloads")
    refresh.add_argument("paths", nargs="+", metavar="PATH", help="a police.uk zip archive, folders or month files")
    refresh.add_argument("--replace", action="store_true",
                         help="start from nothing instead of keeping the months already in data/policeuk/")
    refresh.set_defaults(func=cmd_refresh_policeuk)

    lookups = commands.add_parser("lookups", help="rewrite the LSOA lookups in data/ from the ONS-based reference lookup")
    lookups.add_argument("--reference", required=True, metavar="CSV", help="e.g. ../shared/reference/lsoa2011_lookup.csv")
    lookups.set_defaults(func=cmd_lookups)

    quality_cmd = commands.add_parser("quality", parents=[common],
                                      help="print the data quality checks: loads, latest periods, gaps, unallocated rows")
    quality_cmd.set_defaults(func=cmd_quality)
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
