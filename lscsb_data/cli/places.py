"""Commands about the places behind the police.uk numbers: counts per LSOA, and the coverage checks."""
from __future__ import annotations

import sys

from lscsb_data.cli import checks
from lscsb_data.config import resolve_db_path

ORDER = 25


def cmd_lsoa(args) -> int:
    from lscsb_data.figures import db, disclosure, export, periods, places

    period = checks.month(args.period)
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        checks.area(con, args.area)
        checks.indicator(con, args.indicator)
        counts = places.lsoa_counts(con, area=args.area, period=period, indicator=args.indicator)
        area_name = con.execute("SELECT name FROM areas WHERE code = $code", {"code": args.area}).fetchone()[0]
    frame = counts.frame[places.COLUMNS].astype(object)
    frame.loc[counts.frame.suppressed.to_numpy(), "count"] = disclosure.SUPPRESSED
    window = f"{periods.month_label(counts.window_start)} to {periods.month_label(counts.window_end)}"
    # why: the CSV on standard output stays exactly the four columns; what it is and its caveats go to standard error
    say = (lambda text: print(text, file=sys.stderr)) if args.format == "csv" else print
    if counts.withheld:
        say(f"{counts.indicator} in {area_name} ({args.area}), {window}: not published in public mode: a sensitive "
            f"indicator's counts per LSOA are withheld, every count is {disclosure.SUPPRESSED} (docs/disclosure.md)")
    else:
        say(f"{counts.indicator} in {area_name} ({args.area}), {window}: {counts.rows:,} police.uk rows in {len(frame):,} "
            "LSOAs (source: police.uk)")
    if not counts.complete:
        say(f"warning: only {counts.months_held} of the {counts.months} months are held for {area_name}"
            + (f" ({counts.months_with_places} with LSOA counts)" if counts.months_with_places != counts.months_held else "")
            + ": the counts cover those months only")
    if counts.rows_without_lsoa:
        say(f"note: {counts.rows_without_lsoa:,} rows had no LSOA code (placed by their LSOA name) and are in no LSOA")
    if frame.empty:
        say(f"no LSOAs: {area_name} has no local authorities with LSOAs")
    if args.format == "csv":
        sys.stdout.write(export.to_csv_text(frame))
    elif len(frame):
        print(frame.to_string(index=False))
    return 0


def cmd_coverage(args) -> int:
    from lscsb_data.figures import coverage, db

    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        print(coverage.report(con))
    return 0


def register(commands, common) -> None:
    lsoa = commands.add_parser(
        "lsoa", parents=[common],
        help="police.uk counts per LSOA of an area over the 12 months ending at a period",
        description="Per LSOA in the area (every 2011 LSOA of its local authorities, and any other LSOA code with rows "
                    "in them), the police.uk count over the 12 months ending at the period: columns lsoa_code, "
                    "lsoa_name, indicator, count, largest first.")
    lsoa.add_argument("--area", required=True, metavar="CODE", help="a district, unitary, county or force code, e.g. E07000130")
    lsoa.add_argument("--period", required=True, metavar="YYYY-MM", help="the last month of the 12")
    lsoa.add_argument("--indicator", default="policeuk_all_crime", metavar="ID",
                      help="a police.uk indicator (default policeuk_all_crime; lscsb indicators lists them)")
    lsoa.add_argument("--format", choices=["table", "csv"], default="table",
                      help="table (default: aligned, for reading) or csv (the four columns only; notes go to standard error)")
    lsoa.set_defaults(func=cmd_lsoa)

    coverage_cmd = commands.add_parser(
        "coverage", parents=[common],
        help="the police.uk coverage checks: missing months, thin months, rows with no location")
    coverage_cmd.set_defaults(func=cmd_coverage)
    register_boundaries(commands)


def cmd_boundaries(args) -> int:
    from pathlib import Path

    from lscsb_data.tools import boundaries

    for path in boundaries.write_boundaries(Path(args.reference) if args.reference else boundaries.REFERENCE_DIR):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


def register_boundaries(commands) -> None:
    boundaries_cmd = commands.add_parser(
        "boundaries", help="copy the map boundaries the dashboard needs from the reference TopoJSON into data/boundaries/")
    boundaries_cmd.add_argument("--reference", metavar="FOLDER", help="default ../shared/reference/boundaries")
    boundaries_cmd.set_defaults(func=cmd_boundaries)
