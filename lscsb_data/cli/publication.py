"""Commands that write what the dashboard publishes: the Data page's full extract."""
from __future__ import annotations

import sys
from pathlib import Path

from lscsb_data.config import resolve_db_path

ORDER = 25


def cmd_extract(args) -> int:
    from lscsb_data.figures import db, disclosure
    from lscsb_data.presentation import downloads

    with db.connect(resolve_db_path(args.db), read_only=True) as con:
        text = downloads.full_extract_csv(con)
    if args.out:
        Path(args.out).write_text(text)
        kind = "public (protected figures)" if disclosure.public_mode() else "partner (stored figures)"
        print(f"wrote the {kind} full extract, {text.count(chr(10)):,} lines, to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def register(commands, common) -> None:
    extract = commands.add_parser(
        "extract", parents=[common],
        help="write the Data page's full extract (with LSCSB_PUBLIC=1: the public one, every figure protected)")
    extract.add_argument("--out", metavar="FILE", help="file to write (default: standard output)")
    extract.set_defaults(func=cmd_extract)
