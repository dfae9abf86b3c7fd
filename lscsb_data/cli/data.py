"""Commands that build the database and load, check and write out its data."""
from __future__ import annotations

import sys
from pathlib import Path

from lscsb_data.cli import checks, progress
from lscsb_data.config import resolve_db_path

ORDER = 10


def cmd_build(args) -> int:
    from lscsb_data.loaders import build

    path = resolve_db_path(args.db)
    if args.if_stale and not build.is_stale(path):
        print(f"{path} is up to date")
        return 0
    build.build(path, progress=progress)
    print(f"built {path}")
    return 0


def cmd_demo(args) -> int:
    from lscsb_data.tools import demo

    written = demo.write_demo_files(progress=progress)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_indicators(args) -> int:
    from lscsb_data.figures import db, engine, export

    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        frame = engine.indicators(con)
    columns = ["id", "name", "theme", "unit", "multiplier", "denominator_basis", "polarity", "band_low",
               "band_high", "frequency", "source", "parent_id", "sensitive", "regional_comparator"]
    if args.format == "csv":
        sys.stdout.write(export.to_csv_text(frame[columns]))
    else:
        print(frame[["id", "name", "unit", "polarity", "frequency", "source"]].to_string(index=False))
    return 0


def cmd_areas(args) -> int:
    import numpy as np

    from lscsb_data.figures import db, engine, export

    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        frame = engine.areas(con)
    # why: districts beyond the force hold only the crimes it recorded over its border, so they come last
    in_force = frame.code.isin(engine.force_members(frame))
    comparator = frame.type.isin(["region", "national", "group"])
    frame = frame.assign(role=np.select([in_force, comparator], ["force area", "comparator"], "beyond the force"),
                         order=np.select([in_force, comparator], [0, 1], 2))
    frame = frame.sort_values("order", kind="stable")[["code", "name", "type", "parent_code", "role", "has_data"]]
    if args.format == "csv":
        sys.stdout.write(export.to_csv_text(frame))
    else:
        print(frame.fillna("").to_string(index=False))
    return 0


def cmd_load(args) -> int:
    from lscsb_data import loaders

    reports = loaders.load_files(
        resolve_db_path(args.db), args.paths, source_label=args.source, dry_run=args.dry_run, progress=progress,
        confirm_fewer_rows=args.confirm_fewer_rows,
    )
    for report in reports:
        print(report.summary_line())
    if args.dry_run:
        print("dry run: nothing was written")
    return 0


def cmd_export(args) -> int:
    from lscsb_data.figures import db, disclosure, export

    if disclosure.public_mode():
        # why: the tidy export writes stored counts as they are, which would undo public mode's withholding
        print("error: export writes stored figures unsuppressed, so it is off while LSCSB_PUBLIC is set; "
              "use the dashboard's full extract, which withholds small counts", file=sys.stderr)
        return 2
    start = checks.month(args.from_month) if args.from_month else None
    end = checks.month(args.to_month) if args.to_month else None
    if start and end and start > end:
        raise checks.CommandError(f"--from {args.from_month} is after --to {args.to_month}")
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        if args.indicator:
            checks.indicator(con, args.indicator)
        if args.area:
            checks.area(con, args.area)
        frame = export.tidy_observations(con, indicator=args.indicator, area=args.area, start=start, end=end)
    text = export.to_csv_text(frame)
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {len(frame):,} rows to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_refresh_policeuk(args) -> int:
    from lscsb_data.loaders.refresh import refresh_policeuk

    for path in refresh_policeuk(args.paths, replace=args.replace, progress=progress,
                                 confirm_fewer_rows=args.confirm_fewer_rows):
        print(f"wrote {path}")
    print("now rebuild: python -m lscsb_data build")
    return 0


def cmd_lookups(args) -> int:
    from lscsb_data.loaders.lookups import LOOKUP_FILES, derive_from_reference, derive_lsoa21

    if not (args.reference or args.lsoa21):
        raise ValueError("lookups needs --reference CSV, --lsoa21 CSV or both")
    if args.reference:
        for name, rows in derive_from_reference(args.reference).items():
            print(f"wrote data/{name} ({rows:,} rows)")
    if args.lsoa21:
        print(f"wrote data/{LOOKUP_FILES['lsoa21_lookup']} ({derive_lsoa21(args.lsoa21):,} rows)")
    return 0


def cmd_quality(args) -> int:
    from lscsb_data.figures import db, quality

    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        print(quality.report(con))
    return 0


def register(commands, common) -> None:
    build = commands.add_parser("build", parents=[common], help="build the database from data/ (atomically)")
    build.add_argument("--if-stale", action="store_true", help="only when missing or older than its sources")
    build.set_defaults(func=cmd_build)

    demo = commands.add_parser("demo", parents=[common], help="regenerate data/demo/*.csv (deterministic)")
    demo.set_defaults(func=cmd_demo)

    indicators = commands.add_parser("indicators", parents=[common], help="print the indicator catalogue")
    indicators.add_argument("--format", choices=["table", "csv"], default="table",
                            help="a short aligned table (default), or csv with every catalogue column")
    indicators.set_defaults(func=cmd_indicators)

    areas = commands.add_parser("areas", parents=[common], help="print the areas: codes, names, types and what each sums into")
    areas.add_argument("--format", choices=["table", "csv"], default="table", help="an aligned table (default) or csv")
    areas.set_defaults(func=cmd_areas)

    load = commands.add_parser("load", parents=[common], help="validate and load files (all or nothing)",
                               description="Check every file first; load them all, or nothing if any row is wrong. "
                                           "Formats: tidy observations, police.uk street-level crime, ONS population "
                                           "estimates (see docs/loading.md).")
    load.add_argument("paths", nargs="+", metavar="PATH", help="CSV files, folders of them, or police.uk zips")
    load.add_argument("--source", metavar="LABEL", help="source label recorded with the load")
    load.add_argument("--dry-run", action="store_true", help="validate and report without writing")
    load.add_argument("--confirm-fewer-rows", action="store_true",
                      help="let a police.uk month replace a held one although it has far fewer rows (refused otherwise)")
    load.set_defaults(func=cmd_load)

    export_cmd = commands.add_parser("export", parents=[common], help="write observations in the tidy load format")
    export_cmd.add_argument("--out", metavar="FILE", help="file to write (default: standard output)")
    export_cmd.add_argument("--indicator", metavar="ID", help="one indicator (default: every one)")
    export_cmd.add_argument("--area", metavar="CODE", help="one stored area code (default: every area)")
    export_cmd.add_argument("--from", dest="from_month", metavar="YYYY-MM", help="first month (default: the earliest held)")
    export_cmd.add_argument("--to", dest="to_month", metavar="YYYY-MM", help="last month (default: the latest held)")
    export_cmd.set_defaults(func=cmd_export)

    refresh = commands.add_parser("refresh-policeuk", help="regenerate data/policeuk/ from police.uk downloads")
    refresh.add_argument("paths", nargs="+", metavar="PATH", help="a police.uk zip archive, folders or month files")
    refresh.add_argument("--replace", action="store_true",
                         help="start from nothing instead of keeping the months already in data/policeuk/")
    refresh.add_argument("--confirm-fewer-rows", action="store_true",
                         help="let a month replace a held one although it has far fewer rows (refused otherwise)")
    refresh.set_defaults(func=cmd_refresh_policeuk)

    lookups = commands.add_parser("lookups", help="rewrite the LSOA lookups in data/ from the ONS-based reference lookup")
    lookups.add_argument("--reference", metavar="CSV", help="e.g. ../shared/reference/lsoa2011_lookup.csv")
    lookups.add_argument("--lsoa21", metavar="CSV",
                         help="the ONS LSOA (2011) to LSOA (2021) lookup, for the 2021 LSOAs police.uk uses since 2023")
    lookups.set_defaults(func=cmd_lookups)

    quality_cmd = commands.add_parser("quality", parents=[common],
                                      help="print the data quality checks: loads, latest periods, gaps, unallocated rows")
    quality_cmd.set_defaults(func=cmd_quality)
