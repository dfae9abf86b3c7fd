"""Loading input files: detect each file's format by its header, validate it whole, then write.

A command's files are validated first; if any is invalid nothing is written. Writes happen on a
private copy of the database that replaces the original only when every file is in (see ``db``).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .. import db
from . import tidy
from .common import FileReport, LoadError, Problem, decode_text, previous_identical_load, record_load, sha256_of

Progress = Callable[[str], None]


@dataclass(frozen=True)
class InputFile:
    """One file's bytes, named as the analyst knows it (a path, or ``archive.zip:member``)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    columns: tuple[str, ...]
    default_source: str
    parse: Callable
    write: Callable


TIDY = Format(
    name="tidy observations",
    description="indicator,area_code,period,numerator,denominator",
    columns=tuple(tidy.COLUMNS),
    default_source="partner extract",
    parse=tidy.parse,
    write=tidy.write,
)

FORMATS: list[Format] = [TIDY]


def detect_format(header_line: str, file: str) -> Format:
    """The format whose columns best match a header; unrecognised if none shares half its columns."""
    cells = {cell.strip().strip('"').lower() for cell in header_line.split(",")}
    best, best_share = None, 0.0
    for candidate in FORMATS:
        expected = {c.lower() for c in candidate.columns}
        share = len(cells & expected) / len(expected)
        if share > best_share:
            best, best_share = candidate, share
    if best is None or best_share < 0.5:
        expected = "; ".join(f"{f.name} ({f.description})" for f in FORMATS)
        raise LoadError([Problem(file, f"unrecognised file: its columns match no known format; expected one of: {expected}")])
    return best


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[InputFile]:
    """Read each path (a folder gives its CSV files, sorted) into memory."""
    inputs: list[InputFile] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            members = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".csv")
            if not members:
                raise LoadError([Problem(str(path), "is a folder with no CSV files in it")])
            inputs.extend(InputFile(str(p), p.read_bytes()) for p in members)
        elif path.is_file():
            inputs.append(InputFile(str(path), path.read_bytes()))
        else:
            raise LoadError([Problem(str(path), "does not exist")])
    return inputs


@dataclass
class _Parsed:
    input: InputFile
    format: Format
    parsed: object
    report: FileReport
    duplicate_of: tuple | None


def load_into(
    con: duckdb.DuckDBPyConnection,
    inputs: list[InputFile],
    *,
    source_label: str | None = None,
    is_demo: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> list[FileReport]:
    """Validate every input, then (unless ``dry_run``) write them all in one transaction.

    Raises ``LoadError`` listing the problems of every invalid file; then nothing is written. A file
    whose bytes match an earlier load is reported and skipped.
    """
    say = progress or (lambda _message: None)
    parsed: list[_Parsed] = []
    problems: list[Problem] = []
    for number, item in enumerate(inputs, start=1):
        report = FileReport(file=item.name, kind="", sha256=sha256_of(item.data))
        try:
            text = decode_text(item.data, item.name)
            fmt = detect_format(text.split("\n", 1)[0], item.name)
            report.kind = fmt.name
            result = fmt.parse(con, text, item.name, report)
        except LoadError as error:
            problems.extend(error.problems)
            continue
        earlier = previous_identical_load(con, report.sha256)
        if earlier:
            report.notes.append(
                f"identical to load {earlier[0]} ({earlier[1]}, {earlier[2]:%Y-%m-%d %H:%M} UTC): skipped, nothing changed"
            )
        parsed.append(_Parsed(item, fmt, result, report, earlier))
        say(f"validated {number}/{len(inputs)} files, {report.rows_read:,} rows in {item.name}")
    if problems:
        raise LoadError(problems)
    if dry_run:
        return [p.report for p in parsed]
    con.execute("BEGIN TRANSACTION")
    try:
        for number, item in enumerate(parsed, start=1):
            if item.duplicate_of:
                continue
            load_id = record_load(con, item.report, source_label=source_label or item.format.default_source, is_demo=is_demo)
            item.format.write(con, item.parsed, load_id)
            con.execute(
                "UPDATE loads SET rows_loaded = $loaded, rows_replaced = $replaced, rows_unallocated = $unallocated WHERE load_id = $id",
                {"loaded": item.report.rows_loaded, "replaced": item.report.rows_replaced,
                 "unallocated": item.report.rows_unallocated, "id": load_id},
            )
            say(f"loaded {number}/{len(parsed)} files, {item.report.rows_loaded:,} figures from {item.input.name}")
        db.refresh_materialized(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return [p.report for p in parsed]


def load_files(
    db_path: str | os.PathLike,
    paths: Iterable[str | os.PathLike],
    *,
    source_label: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> list[FileReport]:
    """Load files into the database at ``db_path`` atomically (see ``load_into``)."""
    inputs = expand_paths(paths)
    if dry_run:
        with db.connect(db_path, read_only=True) as con:
            return load_into(con, inputs, source_label=source_label, dry_run=True, progress=progress)
    with db.writable_copy(db_path) as con:
        return load_into(con, inputs, source_label=source_label, progress=progress)


__all__ = ["FORMATS", "FileReport", "Format", "InputFile", "LoadError", "Problem", "load_files", "load_into", "expand_paths"]
