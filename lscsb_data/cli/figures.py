"""Commands that print figures: the summary, one control chart, and the exceptions."""
from __future__ import annotations

import sys

from lscsb_data.config import resolve_db_path
from lscsb_data.figures.periods import COMPARISONS

ORDER = 20


def cmd_summary(args) -> int:
    from lscsb_data.figures import db, disclosure, engine, export, periods

    period = periods.parse_month(args.period)
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
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
    from lscsb_data.figures import db, engine, export, periods, spc

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
    from lscsb_data.figures import db, exceptions, export, periods
    from lscsb_data.presentation import reporting

    period = periods.parse_month(args.period)
    with db.connect(resolve_db_path(args.db), read_only=True) as con:
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
    summary = commands.add_parser("summary", parents=[common], help="current against previous window per indicator and area")
    summary.add_argument("--period", required=True, metavar="YYYY-MM", help="last month of the current window")
    summary.add_argument("--indicator")
    summary.add_argument("--area")
    summary.add_argument("--comparison", choices=COMPARISONS, default="rolling12")
    summary.add_argument("--comparator", metavar="CODE",
                         help="compare every figure with this area or group (default: each area's parent county or force; "
                              "the county's and the force's region); `comparators` lists them")
    summary.add_argument("--format", choices=["csv", "table"], default="csv")
    summary.set_defaults(func=cmd_summary)

    comparators_cmd = commands.add_parser("comparators", parents=[common],
                                          help="the areas and groups a figure can be compared with")
    comparators_cmd.add_argument("--format", choices=["table", "csv"], default="table")
    comparators_cmd.set_defaults(func=cmd_comparators)

    spc_cmd = commands.add_parser("spc", parents=[common], help="control chart of one indicator and area")
    spc_cmd.add_argument("--indicator", required=True)
    spc_cmd.add_argument("--area", required=True)
    spc_cmd.add_argument("--period", metavar="YYYY-MM", help="last month of the chart (default: the latest held)")
    spc_cmd.add_argument("--format", choices=["table", "csv"], default="table")
    spc_cmd.set_defaults(func=cmd_spc)

    exceptions_cmd = commands.add_parser("exceptions", parents=[common], help="what moved notably, theme by theme")
    exceptions_cmd.add_argument("--period", required=True, metavar="YYYY-MM", help="last month of the current window")
    exceptions_cmd.add_argument("--area", help="one area (default: every area)")
    exceptions_cmd.add_argument("--comparison", choices=COMPARISONS, default="rolling12")
    exceptions_cmd.add_argument("--format", choices=["table", "csv"], default="table")
    exceptions_cmd.set_defaults(func=cmd_exceptions)
