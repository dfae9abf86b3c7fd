"""Commands that print figures: the summary, the comparators, one control chart, and the exceptions."""
from __future__ import annotations

import sys

from lscsb_data.cli import checks
from lscsb_data.config import resolve_db_path
from lscsb_data.figures.periods import COMPARISONS

ORDER = 20


def cmd_summary(args) -> int:
    from lscsb_data.figures import db, disclosure, engine, export

    period = checks.month(args.period)
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        if args.indicator:
            checks.indicator(con, args.indicator)
        if args.area:
            checks.area(con, args.area)
        if args.comparator:
            checks.comparator(con, args.comparator)
        checks.period(con, period, indicator=args.indicator)
        frame = engine.summary(
            con,
            period=period,
            indicator=args.indicator,
            area=args.area,
            comparison=args.comparison,
            comparator=args.comparator,
        )
    frame = disclosure.mark_summary(frame)[engine.SUMMARY_COLUMNS]
    if args.format == "csv":
        sys.stdout.write(export.to_csv_text(frame))
    else:
        print(frame.to_string(index=False) if len(frame) else "no figures for that selection")
    return 0


def cmd_comparators(args) -> int:
    from lscsb_data.figures import db, engine, export

    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        frame = engine.comparators(con)
        groups = engine.comparator_groups(con)
        held = set(engine.areas(con, with_data_only=True).code)
    members = groups.groupby("group_code").member_code.agg(list)
    frame["members"] = [" ".join(members.get(code, [])) for code in frame.code]
    frame["members_held"] = [sum(m in held for m in members.get(code, [])) for code in frame.code]
    frame["own_figures"] = [code in held for code in frame.code]
    if args.format == "csv":
        sys.stdout.write(export.to_csv_text(frame))
    else:
        print(frame.drop(columns="members").to_string(index=False))
    return 0


def cmd_spc(args) -> int:
    from lscsb_data.figures import db, export, spc

    period = checks.month(args.period) if args.period else None
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        checks.indicator(con, args.indicator)
        checks.area(con, args.area)
        if period:
            checks.period(con, period, indicator=args.indicator)
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
    from lscsb_data.figures import db, exceptions, export, periods
    from lscsb_data.presentation import reporting

    period = checks.month(args.period)
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        if args.area:
            checks.area(con, args.area)
        checks.period(con, period)
        if args.format == "csv":
            frame = reporting.exceptions(con, period=period, area=args.area, comparison=args.comparison)
            sys.stdout.write(export.to_csv_text(frame))
            return 0
        sections = reporting.theme_report(con, period=period, area=args.area, comparison=args.comparison)
    print(f"Exceptions at {periods.month_name(period)} ({args.comparison}){f' for {args.area}' if args.area else ''}")
    for section in sections:
        print(f"\n{section['name']}")
        if section["message"]:
            print(f"  {section['message']}")
        for row in section["rows"].itertuples():
            print(f"  [{exceptions.OUTLOOK_LABELS[row.outlook]}; {row.reasons}] {row.sentence}")
    return 0


def register(commands, common) -> None:
    comparison_help = ("rolling12: the 12 months to --period against the 12 before (default); "
                       "quarter: the financial quarter ending at --period against the same quarter a year earlier")
    summary = commands.add_parser("summary", parents=[common], help="current against previous window per indicator and area",
                                  description="One row per indicator and area: the current window against the previous one, "
                                              "with the change, its direction and whether it is significant.")
    summary.add_argument("--period", required=True, metavar="YYYY-MM", help="last month of the current window, e.g. 2020-03")
    summary.add_argument("--indicator", metavar="ID", help="one indicator (default: every one; the indicators command lists them)")
    summary.add_argument("--area", metavar="CODE", help="one area code, e.g. E07000130 (default: every area; the areas command lists them)")
    summary.add_argument("--comparison", choices=COMPARISONS, default="rolling12", help=comparison_help)
    summary.add_argument("--comparator", metavar="CODE",
                         help="compare every figure with this area or group (default: each area's parent county or force; "
                              "the county's and the force's region); the comparators command lists them")
    summary.add_argument("--format", choices=["csv", "table"], default="csv", help="csv (default) or an aligned table")
    summary.set_defaults(func=cmd_summary)

    comparators_cmd = commands.add_parser("comparators", parents=[common],
                                          help="the areas and groups a figure can be compared with")
    comparators_cmd.add_argument("--format", choices=["table", "csv"], default="table", help="an aligned table (default) or csv")
    comparators_cmd.set_defaults(func=cmd_comparators)

    spc_cmd = commands.add_parser("spc", parents=[common], help="control chart of one indicator and area",
                                  description="The statistical process control chart of one indicator and area: "
                                              "each period's value, the centre line, the limits and the signals.")
    spc_cmd.add_argument("--indicator", required=True, metavar="ID", help="the indicator, e.g. violence_with_injury")
    spc_cmd.add_argument("--area", required=True, metavar="CODE", help="the area code, e.g. E10000018")
    spc_cmd.add_argument("--period", metavar="YYYY-MM", help="last month of the chart (default: the latest held)")
    spc_cmd.add_argument("--format", choices=["table", "csv"], default="table", help="an aligned table (default) or csv")
    spc_cmd.set_defaults(func=cmd_spc)

    exceptions_cmd = commands.add_parser("exceptions", parents=[common], help="what moved notably, theme by theme",
                                         description="The exception report: indicators whose change is significant, "
                                                     "whose control chart signals, or that sit outside their band.")
    exceptions_cmd.add_argument("--period", required=True, metavar="YYYY-MM", help="last month of the current window, e.g. 2020-03")
    exceptions_cmd.add_argument("--area", metavar="CODE", help="one area code (default: the force and every area in it)")
    exceptions_cmd.add_argument("--comparison", choices=COMPARISONS, default="rolling12", help=comparison_help)
    exceptions_cmd.add_argument("--format", choices=["table", "csv"], default="table",
                                help="theme by theme in sentences (default), or csv")
    exceptions_cmd.set_defaults(func=cmd_exceptions)
