"""Connections, the schema, and safe writes to the database file.

Every write (build, load) happens on a private copy of the database file that replaces the
original with one atomic rename when it is complete (for a path that is a symbolic link, the file it
points at). A failed or killed write therefore leaves the original byte-for-byte as it was, and a
reader that opened the old file keeps seeing the old data until it reconnects; it never sees half a load.
"""
from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb

from lscsb_data.figures import publication

SQL_DIR = Path(__file__).parent / "sql"
SCHEMA_FILES = ("schema.sql",)
VIEW_FILES = ("staging.sql", "marts.sql")


class DatabaseMissingError(FileNotFoundError):
    """The database file does not exist yet; ``python -m lscsb_data build`` creates it."""


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database at ``path`` (in memory when None or ':memory:')."""
    if path is None or str(path) == ":memory:":
        return duckdb.connect(":memory:")
    path = Path(path)
    if read_only and not path.exists():
        raise DatabaseMissingError(f"no database at {path}: run `python -m lscsb_data build` first")
    return duckdb.connect(str(path), read_only=read_only)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables, then the staging and mart views over them."""
    for name in SCHEMA_FILES:
        con.execute((SQL_DIR / name).read_text())
    create_views(con)


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    for name in VIEW_FILES:
        con.execute((SQL_DIR / name).read_text())
    refresh_materialized(con)


def refresh_materialized(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the materialised marts and the protected copy public mode reads; every write calls this before it commits."""
    con.execute((SQL_DIR / "materialize.sql").read_text())
    publication.materialize(con)


@contextlib.contextmanager
def writable_copy(db_path: str | os.PathLike, *, start_empty: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a private copy of ``db_path``; on success it atomically replaces the original.

    With ``start_empty`` the copy starts as a new empty database (used by ``build``). If the body
    raises, the copy is deleted and the original is untouched. A path that is a symbolic link is
    followed: the file it points at is replaced and the link is kept.
    """
    db_path = Path(os.path.realpath(db_path))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _writer_lock(db_path):
        yield from _write_copy(db_path, start_empty=start_empty)


@contextlib.contextmanager
def _writer_lock(db_path: Path) -> Iterator[None]:
    """One writer at a time per database, so two loads never overwrite each other's copy."""
    with open(db_path.parent / f".{db_path.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            # why: with the lock held, any other private copy is the leftover of a killed writer
            for stale in db_path.parent.glob(f".{glob.escape(db_path.name)}.*.tmp*"):
                stale.unlink(missing_ok=True)
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_copy(db_path: Path, *, start_empty: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    handle, temp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    os.close(handle)
    temp_path = Path(temp_name)
    temp_path.unlink()
    try:
        if not start_empty:
            if not db_path.exists():
                raise DatabaseMissingError(f"no database at {db_path}: run `python -m lscsb_data build` first")
            shutil.copyfile(db_path, temp_path)
        con = duckdb.connect(str(temp_path))
        try:
            yield con
            con.execute("CHECKPOINT")
        finally:
            con.close()
        with open(temp_path, "rb+") as synced:
            os.fsync(synced.fileno())
        os.replace(temp_path, db_path)
    finally:
        for leftover in (temp_path, Path(f"{temp_path}.wal")):
            leftover.unlink(missing_ok=True)
