"""Running the command line in the test's own process: the same parser and commands as `lscsb ...`,
without starting Python and importing the libraries again for every call (a second and more each).
tests/test_cli.py runs the real entry points (`python -m lscsb_data`, the `lscsb` script) as processes."""
from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass

from lscsb_data.cli import main


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args, env: dict[str, str] | None = None, unset: tuple[str, ...] = ()) -> Result:
    """``lscsb ARGS...`` with ``env`` set and ``unset`` removed for the call; its exit status and output."""
    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    try:
        for name in unset:
            os.environ.pop(name, None)
        os.environ.update(env or {})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(arg) for arg in args])
            except SystemExit as exit_:
                # why: argparse exits 2 on a usage error and 0 after --help
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return Result(code, out.getvalue(), err.getvalue())
