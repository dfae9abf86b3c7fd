"""The lscsb command line: build, load, inspect and export the dashboard's figures.

Each module of this package adds its commands (register(commands, common)) and imports the heavy
libraries only inside the commands, so --help answers at once. A new command is a new module here;
nothing else needs editing. checks.py holds the checks every command shares (areas, indicators,
periods): use them so that a mistake names the close matches or the range held.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import signal
import sys
from pathlib import Path

from lscsb_data.cli import checks

# Modules of this package that hold shared helpers rather than commands.
HELPER_MODULES = {"checks"}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _command_modules():
    found = [importlib.import_module(f"{__name__}.{info.name}")
             for info in pkgutil.iter_modules(__path__) if info.name not in HELPER_MODULES]
    return sorted(found, key=lambda module: (getattr(module, "ORDER", 100), module.__name__))


def program_name(argv0: str | None = None) -> str:
    """``lscsb`` when started as the console script, else ``python -m lscsb_data``."""
    return "lscsb" if Path(argv0 if argv0 is not None else sys.argv[0]).name == "lscsb" else "python -m lscsb_data"


def parser(prog: str | None = None) -> argparse.ArgumentParser:
    prog = prog or program_name()
    top = argparse.ArgumentParser(
        prog=prog, description="Build, load, inspect and export the Safer Communities dashboard's figures.",
        epilog=f"'{prog} COMMAND --help' shows a command's options.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help="database file (default: $LSCSB_DB, else data/lscsb.duckdb)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules():
        module.register(commands, common)
    return top


def main(argv: list[str] | None = None) -> int:
    checks.PROG = program_name()
    args = parser(checks.PROG).parse_args(argv)
    # why: a terminated command unwinds like Ctrl-C, so its temporary files and half-written copies are removed
    signal.signal(signal.SIGTERM, lambda number, _frame: sys.exit(128 + number))
    from lscsb_data.figures.db import DatabaseMissingError
    from lscsb_data.loaders import LoadError
    from lscsb_data.loaders.build import BuildError

    try:
        return args.func(args)
    except BrokenPipeError:
        # why: a reader such as `head` closing the pipe early is not an error; point stdout away so exit stays quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except LoadError as error:
        print(f"nothing was loaded:\n{error}", file=sys.stderr)
        return 2
    except (BuildError, DatabaseMissingError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
