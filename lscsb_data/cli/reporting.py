"""Commands for the quarter's reporting: analysts' commentary and the performance pack."""
from __future__ import annotations

import sys
from pathlib import Path

from lscsb_data.cli import checks
from lscsb_data.config import resolve_db_path

ORDER = 30


def cmd_comment(args) -> int:
    from lscsb_data.figures import access, db, export, narrative

    path = narrative.commentary_path(args.db)
    if args.quarter:
        checks.quarter(args.quarter)
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
        (checks.indicator if scope == "indicator" else checks.theme)(con, subject)
        checks.area(con, args.area)
    text = Path(args.text_file).read_text(encoding="utf-8") if args.text_file else args.text
    try:
        saved = narrative.add_comment(path, scope=scope, subject=subject, area=args.area, quarter=args.quarter,
                                      text=text, author=args.author)
    except narrative.EditingDisabled as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    access.record_commentary(args.db, saved, who=access.command_line_user())
    print(f"saved commentary on {scope} {subject}, {args.area}, {args.quarter} to {path}")
    return 0


def cmd_pack(args) -> int:
    import time

    from lscsb_data.figures import db, engine, narrative
    from lscsb_data.presentation import pack

    quarter = checks.quarter(args.quarter)
    db_path = resolve_db_path(args.db)
    with db.connect(db_path, read_only=True) as con:
        checks.held_quarter(con, quarter)
        if args.area != "all":
            checks.area(con, args.area)
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


def register(commands, common) -> None:
    comment = commands.add_parser("comment", help="add or list analysts' commentary (kept apart from the database)")
    comment_actions = comment.add_subparsers(dest="action", required=True, metavar="ACTION")
    comment_add = comment_actions.add_parser("add", parents=[common], help="save commentary (needs LSCSB_ALLOW_EDIT=1)")
    comment_add.add_argument("--area", required=True, metavar="CODE", help="the area code, e.g. E07000129")
    comment_add.add_argument("--quarter", required=True, metavar="YYYY-YY-Qn", help="financial quarter, e.g. 2019-20-Q4")
    comment_subject = comment_add.add_mutually_exclusive_group(required=True)
    comment_subject.add_argument("--indicator", metavar="ID", help="commentary on one indicator, e.g. violence_with_injury")
    comment_subject.add_argument("--theme", metavar="ID", help="commentary on a whole theme, e.g. crime")
    comment_add.add_argument("--author", required=True, metavar="NAME", help="who wrote it, shown with the text")
    comment_text = comment_add.add_mutually_exclusive_group(required=True)
    comment_text.add_argument("--text", help="the commentary (empty withdraws it)")
    comment_text.add_argument("--text-file", metavar="FILE", help="read the commentary from this UTF-8 file")
    comment_list = comment_actions.add_parser("list", parents=[common], help="print the current commentary")
    comment_list.add_argument("--area", metavar="CODE", help="one area code (default: every area)")
    comment_list.add_argument("--quarter", metavar="YYYY-YY-Qn", help="one financial quarter (default: every quarter)")
    comment_list.add_argument("--history", action="store_true", help="every saved version, newest first")
    comment_list.add_argument("--format", choices=["table", "csv"], default="table", help="plain text (default) or csv")
    comment.set_defaults(func=cmd_comment)

    pack_cmd = commands.add_parser("pack", parents=[common], help="the quarterly performance pack (PowerPoint or HTML)")
    pack_cmd.add_argument("--area", required=True, metavar="CODE",
                          help="area code; E10000018 gives the board's report; 'all' every CSP")
    pack_cmd.add_argument("--quarter", required=True, metavar="YYYY-YY-Qn", help="financial quarter, e.g. 2019-20-Q4")
    pack_cmd.add_argument("--out", metavar="PATH", help="file to write (a folder with --area all; default: out/)")
    pack_cmd.add_argument("--format", choices=["pptx", "html"], default="pptx",
                          help="pptx, a PowerPoint deck (default), or html, one self-contained page")
    pack_cmd.set_defaults(func=cmd_pack)
