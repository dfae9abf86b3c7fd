"""python -m lscsb_data: build, load, inspect and export the dashboard's figures.

Each module of this package adds its commands (``register(commands, common)``) and imports the
heavy libraries only inside the commands, so ``--help`` answers at once. A new command is a new
module here; nothing else needs editing.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import signal
import sys


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _command_modules():
    found = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted(found, key=lambda module: (getattr(module, "ORDER", 100), module.__name__))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m lscsb_data", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database file (default: $LSCSB_DB, else data/lscsb.duckdb)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules():
        module.register(commands, common)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # why: a terminated command unwinds like Ctrl-C, so its temporary files and half-written copies are removed
    signal.signal(signal.SIGTERM, lambda number, _frame: sys.exit(128 + number))
    from lscsb_data.figures.db import DatabaseMissingError
    from lscsb_data.loaders import LoadError
    from lscsb_data.loaders.build import BuildError

    try:
        return args.func(args)
    except LoadError as error:
        print(f"nothing was loaded:\n{error}", file=sys.stderr)
        return 2
    except (BuildError, DatabaseMissingError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
