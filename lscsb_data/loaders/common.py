"""What every input format shares: reading text safely, validation errors, and provenance."""
from __future__ import annotations

import csv
import difflib
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as a person would look for it.

    ``row`` counts lines as a spreadsheet shows them: the header is row 1, the first data row is 2.
    """

    file: str
    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        got = "" if self.value is None else f" (got {_quote(self.value)})"
        return f"{where}: {self.reason}{got}"


def _quote(value: str) -> str:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return repr(shown)


class LoadError(Exception):
    """One or more input files are invalid; nothing was loaded."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = [str(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more problems")
        super().__init__("\n".join(shown))


@dataclass
class FileReport:
    """What a load did (or, in a dry run, would do) with one input."""

    file: str
    kind: str
    sha256: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_replaced: int = 0
    rows_unallocated: int = 0
    load_id: int | None = None
    notes: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        parts = [f"{self.file} ({self.kind}): {self.rows_read:,} rows read, {self.rows_loaded:,} figures loaded"]
        if self.rows_replaced:
            parts.append(f"{self.rows_replaced:,} replaced")
        if self.rows_unallocated:
            parts.append(f"{self.rows_unallocated:,} rows with no location (unallocated)")
        line = ", ".join(parts)
        return "\n".join([line, *(f"  {note}" for note in self.notes)])


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes, file: str) -> str:
    """Text of a CSV export: UTF-8 (with or without a byte-order mark), else Windows-1252 as Excel writes it."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise LoadError([Problem(file, f"is neither UTF-8 nor Windows-1252 text (undecodable byte at offset {error.start})")]) from None


def read_csv_records(text: str, file: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of CSV text; an empty file or a header with no rows is an error."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise LoadError([Problem(file, "is empty: expected a header row and at least one data row")])
    header = [cell.strip() for cell in rows[0]]
    if len(rows) == 1:
        raise LoadError([Problem(file, "has a header but no data rows")])
    return header, rows[1:]


def check_columns(header: list[str], expected: list[str], file: str, optional: tuple[str, ...] = ()) -> list[Problem]:
    """Missing, misspelt or unexpected columns, with the likely intended name where one is close."""
    problems = []
    lowered = [h.lower() for h in header]
    allowed = set(expected) | set(optional)
    for name in expected:
        if name not in lowered:
            extra = [h for h in lowered if h not in allowed]
            close = difflib.get_close_matches(name, extra, n=1, cutoff=0.6)
            hint = f" ('{close[0]}' looks like a misspelling of it)" if close else ""
            problems.append(Problem(file, f"missing column '{name}'{hint}; expected columns {','.join(expected)}"))
    for name in lowered:
        if name not in allowed and not difflib.get_close_matches(name, expected, n=1, cutoff=0.6):
            problems.append(Problem(file, f"unexpected column '{name}'; expected columns {','.join(expected)}"))
    duplicates = sorted({h for h in lowered if lowered.count(h) > 1})
    for name in duplicates:
        problems.append(Problem(file, f"column '{name}' appears more than once"))
    return problems


def record_load(
    con: duckdb.DuckDBPyConnection,
    report: FileReport,
    *,
    source_label: str,
    is_demo: bool,
    note: str | None = None,
    loaded_at: datetime | None = None,
) -> int:
    """Insert the provenance row of a load and return its id."""
    loaded_at = loaded_at or datetime.now(timezone.utc).replace(tzinfo=None)
    row = con.execute(
        """
        INSERT INTO loads (file_name, sha256, kind, source_label, is_demo, rows_read, rows_loaded,
                           rows_unallocated, rows_replaced, loaded_at, note)
        VALUES ($file, $sha, $kind, $source, $demo, $read, $loaded, $unallocated, $replaced, $at, $note)
        RETURNING load_id
        """,
        {
            "file": report.file, "sha": report.sha256, "kind": report.kind, "source": source_label,
            "demo": is_demo, "read": report.rows_read, "loaded": report.rows_loaded,
            "unallocated": report.rows_unallocated, "replaced": report.rows_replaced, "at": loaded_at, "note": note,
        },
    ).fetchone()
    report.load_id = row[0]
    return row[0]


def previous_identical_load(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[int, str, datetime] | None:
    """The earlier load of a file with the same bytes, if any."""
    return con.execute(
        "SELECT load_id, file_name, loaded_at FROM loads WHERE sha256 = $sha ORDER BY load_id DESC LIMIT 1",
        {"sha": sha256},
    ).fetchone()


def display_name(path: Path) -> str:
    return path.name
