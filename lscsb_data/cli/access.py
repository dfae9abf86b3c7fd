"""Commands an administrator uses to name who has which role, and to read the audit trail."""
from __future__ import annotations

import sys

ORDER = 40


def _path(args):
    from lscsb_data.figures import access

    return access.access_path(args.db)


def cmd_users(args) -> int:
    from lscsb_data.cli import checks
    from lscsb_data.config import resolve_db_path
    from lscsb_data.figures import access, db

    path = _path(args)
    who = access.command_line_user()
    if args.action == "add":
        if args.area:
            with db.connect(resolve_db_path(args.db), read_only=True) as con:
                checks.area(con, args.area)
        held = access.set_user(path, args.login, args.role, by=who, default_area=args.area)
        print(f"{held['login']} is {held['role']}" + (f", opening on {held['default_area']}" if held["default_area"] else "")
              + f" ({path})")
    elif args.action == "remove":
        if not access.remove_user(path, args.login, by=who):
            print(f"error: {args.login.lower()} is not in {path}", file=sys.stderr)
            return 2
        print(f"removed {args.login.lower()}: their role now comes from the provider's claim, if any")
    else:
        frame = access.users(path)
        if frame.empty:
            print(f"no users named in {path}: everyone signed in has the role their provider's claim gives, else public")
        else:
            print(frame.fillna("").to_string(index=False))
    return 0


def cmd_audit(args) -> int:
    from lscsb_data.figures import access, export

    frame = access.audit_trail(_path(args), limit=args.limit)
    if args.format == "csv":
        sys.stdout.write(export.to_csv_text(frame))
    elif frame.empty:
        print(f"the audit trail in {_path(args)} is empty")
    else:
        for row in frame.fillna("").itertuples():
            print(f"{row.at}  {row.who}  {row.action}: {row.what}" + (f"  sha256 {row.sha256}" if row.sha256 else ""))
    return 0


def register(commands, common) -> None:
    from argparse import ArgumentParser

    roles = ("public", "partner", "analyst", "admin")
    users = commands.add_parser("users", parents=[common], help="name who has which role (partner, analyst, admin)")
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", parents=[common], help="give a person a role (or change it)")
    add.add_argument("login", metavar="EMAIL", help="the address they sign in with")
    add.add_argument("--role", required=True, choices=roles, help="what they may do: " + ", ".join(roles))
    add.add_argument("--area", metavar="CODE", help="the area the dashboard opens on for them, e.g. E07000130")
    remove = actions.add_parser("remove", parents=[common], help="take a person out (their role then comes from the provider)")
    remove.add_argument("login", metavar="EMAIL", help="the address they sign in with")
    actions.add_parser("list", parents=[common], help="print everyone named, with their role and area")
    users.set_defaults(func=cmd_users)

    audit: ArgumentParser = commands.add_parser("audit", parents=[common],
                                                help="print the audit trail: loads, replacements, commentary, role changes")
    audit.add_argument("--limit", type=int, default=None, metavar="N", help="the newest N entries only")
    audit.add_argument("--format", choices=["text", "csv"], default="text", help="text (default: one line per entry) or csv")
    audit.set_defaults(func=cmd_audit)
