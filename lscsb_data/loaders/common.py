"""What every input format shares: the input files, reading text safely, validation errors, provenance."""
from __future__ import annotations

import codecs
import collections
import contextlib
import csv
import difflib
import fcntl
import hashlib
import io
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

MAX_PROBLEMS_SHOWN = 20
CHUNK_BYTES = 1 << 22

# What one input may hold (docs/loader-limits.md says why each is where it is). Every real file the
# board loads is far inside them; a file outside them is refused before it costs time, memory or disk.
MAX_COLUMNS = 100
MAX_ROW_BYTES = 1 << 16
MAX_FIELD_CHARS = 1_000
# why: rates and sums are worked out in DOUBLE, which holds whole numbers exactly only up to 2**53;
# a trillion per figure leaves room for sums over thousands of figures, far above any real count
MAX_COUNT = 999_999_999_999
HEADER_BYTES = MAX_ROW_BYTES
# Zip archives: a real police.uk download inflates about 5 times; a month of every force is about 150 MB.
MAX_MEMBERS = 10_000
MAX_RATIO = 100
RATIO_FROM_BYTES = 1 << 20
MAX_UNPACKED_BYTES = 1 << 30


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

    def naming(self, names: dict[str, str]) -> LoadError:
        """The same problems with every working path in ``names`` (an unpacked member, a converted copy)
        replaced by the name the analyst knows, so no message points into a temporary folder."""
        def named(text: str | None) -> str | None:
            for path, name in names.items():
                text = text.replace(path, name) if text else text
            return text

        return LoadError([Problem(named(p.file), named(p.reason), p.row, p.column, named(p.value)) for p in self.problems])


@dataclass(frozen=True)
class InputFile:
    """One input, named as the analyst knows it (a path, or ``archive.zip:member``).

    Its bytes are either in memory (``data``) or in a file on disk (``path``), so that large police.uk
    downloads are streamed rather than held in memory.
    """

    name: str
    data: bytes | None = None
    path: Path | None = None

    def open(self):
        return io.BytesIO(self.data) if self.data is not None else open(self.path, "rb")

    def read_bytes(self) -> bytes:
        return self.data if self.data is not None else Path(self.path).read_bytes()


@dataclass
class Inspected:
    """An input after one streaming pass: its checksum, text encoding and header cells."""

    input: InputFile
    sha256: str
    encoding: str
    header: list[str]

    @property
    def name(self) -> str:
        return self.input.name

    def text(self) -> str:
        data = self.input.read_bytes()
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]
        return data.decode(self.encoding)


def inspect(item: InputFile) -> Inspected:
    """Checksum, encoding (UTF-8 with or without a byte-order mark, else Windows-1252 as Excel writes
    it) and header of one input, read once in chunks; an empty or undecodable file, or one beyond the
    limits on columns and row length, is a ``LoadError``."""
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, start = True, b""
    rows = _LongRowFinder()
    with item.open() as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            if len(start) <= HEADER_BYTES:
                start += chunk[:HEADER_BYTES + 1 - len(start)]
            # why: police.uk files are plain ASCII, and checking that is far cheaper than decoding
            if is_utf8 and (not chunk.isascii() or utf8.getstate()[0]):
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            rows.feed(chunk)
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    encoding = "utf-8" if is_utf8 else "cp1252"
    bom = len(codecs.BOM_UTF8) if start.startswith(codecs.BOM_UTF8) else 0
    start = start[bom:]
    if b"\x00" in start:
        raise LoadError([Problem(
            item.name,
            "is not CSV text: it holds NUL bytes, as UTF-16 ('Unicode Text') exports and spreadsheet workbooks do; "
            "save it from Excel as 'CSV UTF-8'",
        )])
    if not start.strip():
        raise LoadError([Problem(item.name, "is empty: expected a header row and at least one data row")])
    lines = re.split(rb"\r\n|\n|\r", start, maxsplit=1)
    header_complete = len(lines) > 1 or len(start) <= HEADER_BYTES
    try:
        header = [cell.strip() for cell in next(csv.reader([lines[0].decode(encoding, errors="replace")]), [])]
    except csv.Error as error:
        raise LoadError([Problem(item.name, f"is not readable as CSV: its header row {error}", row=1)]) from None
    if len(header) > MAX_COLUMNS or not header_complete:
        count = f"{'more than ' if not header_complete else ''}{len(header):,}"
        raise LoadError([Problem(
            item.name, f"is column {MAX_COLUMNS + 1} of {count}: a file may have at most {MAX_COLUMNS} columns "
                       "(the formats the loader reads have at most 12)",
            row=1, column=header[MAX_COLUMNS] if len(header) > MAX_COLUMNS else None,
        )])
    if rows.found is not None:
        raise LoadError([_long_row_problem(item, rows.found, bom, encoding, header)])
    if not is_utf8:
        _check_cp1252(item)
    return Inspected(item, digest.hexdigest(), encoding, header)


class _LongRowFinder:
    """Finds, in a stream of chunks, where the first line longer than ``MAX_ROW_BYTES`` starts.

    Lines end at a line feed or a carriage return (Windows, Unix and old Mac files), so the check costs
    one split per chunk at C speed rather than a Python step per line.
    """

    def __init__(self) -> None:
        self.found: int | None = None
        self._before = 0
        self._current = 0

    def feed(self, chunk: bytes) -> None:
        if self.found is None:
            pieces = (chunk.replace(b"\r", b"\n") if b"\r" in chunk else chunk).split(b"\n")
            lengths = list(map(len, pieces))
            lengths[0] += self._current
            if max(lengths) > MAX_ROW_BYTES:
                index = next(number for number, length in enumerate(lengths) if length > MAX_ROW_BYTES)
                self.found = (self._before - self._current if index == 0
                              else self._before + sum(len(piece) + 1 for piece in pieces[:index]))
            self._current = lengths[-1]
        self._before += len(chunk)


def _long_row_problem(item: InputFile, offset: int, bom: int, encoding: str, header: list[str]) -> Problem:
    """The row that runs past ``MAX_ROW_BYTES`` and the field in it that does (the first over ``MAX_FIELD_CHARS``)."""
    breaks, previous = 0, b""
    with item.open() as handle:
        remaining = offset
        while remaining > 0 and (chunk := handle.read(min(CHUNK_BYTES, remaining))):
            # why: CR LF is one line break, also when the pair is split across two chunks
            breaks += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
            breaks -= previous == b"\r" and chunk.startswith(b"\n")
            previous, remaining = chunk[-1:], remaining - len(chunk)
        line = handle.read(MAX_ROW_BYTES + 1)
    if offset == 0:
        line = line[bom:]
    try:
        cells = next(csv.reader([line.decode(encoding, errors="replace")]), [""])
    except csv.Error:
        cells = line.decode(encoding, errors="replace").split(",")
    index = next((number for number, cell in enumerate(cells) if len(cell) > MAX_FIELD_CHARS), len(cells) - 1)
    column = header[index] if index < len(header) else f"field {index + 1}"
    return Problem(item.name, f"makes the row longer than {MAX_ROW_BYTES:,} bytes, the most a row may hold "
                              f"(a field may hold at most {MAX_FIELD_CHARS:,} characters)",
                   row=breaks + 1, column=column, value=cells[index][:100])


def _check_cp1252(item: InputFile) -> None:
    decoder = codecs.getincrementaldecoder("cp1252")()
    position = 0
    with item.open() as handle:
        while chunk := handle.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise LoadError([Problem(
                    item.name,
                    f"is neither UTF-8 nor Windows-1252 text (undecodable byte at offset {position + error.start}): "
                    "save it from Excel as 'CSV UTF-8'",
                )]) from None
            position += len(chunk)


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
    figures: int = 0
    skipped: bool = False
    load_id: int | None = None
    notes: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        if self.skipped:
            line = f"{self.file} ({self.kind}): skipped"
        else:
            parts = [f"{self.file} ({self.kind}): {self.rows_read:,} rows read"]
            if self.rows_loaded != self.figures:
                parts.append(f"{self.rows_loaded:,} rows counted into {self.figures:,} figures")
            else:
                parts.append(f"{self.figures:,} figures loaded")
            if self.rows_replaced:
                parts.append(f"{self.rows_replaced:,} replaced")
            if self.rows_unallocated:
                parts.append(f"{self.rows_unallocated:,} rows with no location (unallocated)")
            line = ", ".join(parts)
        return "\n".join([line, *(f"  {note}" for note in self.notes)])


def read_csv_records(text: str, file: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of CSV text; an empty file or a header with no rows is an error."""
    rows: list[list[str]] = []
    try:
        rows.extend(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        # why: the rows read so far say which row the reader stopped at (the header is row 1)
        reason = (f"holds a field longer than {csv.field_size_limit():,} characters (a field may hold at most "
                  f"{MAX_FIELD_CHARS:,})" if "field limit" in str(error) else f"is not readable as CSV: {error}")
        raise LoadError([Problem(file, reason, row=len(rows) + 1)]) from None
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise LoadError([Problem(file, "is empty: expected a header row and at least one data row")])
    header = [cell.strip() for cell in rows[0]]
    if len(rows) == 1:
        raise LoadError([Problem(file, "has a header but no data rows")])
    return header, rows[1:]


def long_fields(frame: pd.DataFrame, rows: pd.Series, file: str) -> list[Problem]:
    """Cells longer than ``MAX_FIELD_CHARS``, each named by its row and column."""
    problems = []
    for column in frame.columns:
        lengths = frame[column].str.len()
        mask = lengths > MAX_FIELD_CHARS
        problems += [Problem(file, f"is {length:,} characters long: a field may hold at most {MAX_FIELD_CHARS:,}",
                             row=int(row), column=column, value=value[:100])
                     for row, length, value in zip(rows[mask], lengths[mask], frame[column][mask])]
    return sorted(problems, key=lambda problem: problem.row)


def check_columns(
    header: list[str], expected: list[str], file: str, optional: tuple[str, ...] = (), *, allow_extra: bool = False
) -> list[Problem]:
    """Missing, misspelt, repeated or unexpected columns (compared without regard to case), with the
    likely intended name where one is close."""
    problems = []
    lowered = [h.lower() for h in header]
    present = set(lowered)
    allowed = {name.lower() for name in (*expected, *optional)}
    extra = [h for h in lowered if h not in allowed]
    listing = ",".join(expected) + "".join(f"[,{name}]" for name in optional)
    for name in expected:
        if name.lower() not in present:
            close = difflib.get_close_matches(name.lower(), extra, n=1, cutoff=0.6)
            hint = f" ('{header[lowered.index(close[0])]}' looks like a misspelling of it)" if close else ""
            problems.append(Problem(file, f"missing column '{name}'{hint}; expected columns {listing}"))
    known = [name.lower() for name in expected]
    for original, name in zip(header, lowered):
        if name not in allowed and not allow_extra and not difflib.get_close_matches(name, known, n=1, cutoff=0.6):
            problems.append(Problem(file, f"unexpected column '{original}'; expected columns {listing}"))
    for name, times in sorted(collections.Counter(lowered).items()):
        if times > 1:
            problems.append(Problem(file, f"column '{name}' appears more than once"))
    return problems


_NUMBER = r"^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_WHOLE_NUMBER = r"^\d+(?:\.0*)?$"
# why: a cell starting with one of these is run as a formula by spreadsheet software (OWASP CSV injection)
FORMULA_PREFIXES = ("=", "+", "@")


def _digits(values: pd.Series) -> pd.Series:
    """The significant digits of whole numbers written as text ("007.00" is "7")."""
    return values.str.replace(r"\.0*$", "", regex=True).str.lstrip("0").replace("", "0")


def whole_numbers(values: pd.Series) -> pd.Series:
    """Checked whole-number text as exact integers (blank is missing), never by way of floating point."""
    given = values != ""
    exact = pd.Series(pd.NA, index=values.index, dtype="Int64")
    exact[given] = _digits(values[given]).map(int).astype("Int64")
    return exact


def count_problems(
    values: pd.Series, rows: pd.Series, column: str, file: str, *, required: bool = True, minimum: int = 0
) -> list[Problem]:
    """Cells that are not whole numbers from ``minimum`` to ``MAX_COUNT``: blank, formula-like, not numbers,
    negative, fractional, too small or too large, each with its own message."""
    blank = values == ""
    formula = values.str.startswith(FORMULA_PREFIXES)
    numeric = values.str.match(_NUMBER)
    as_number = pd.to_numeric(values.where(numeric), errors="coerce")
    whole = values.str.match(_WHOLE_NUMBER)
    digits = _digits(values.where(whole, ""))
    width = len(str(MAX_COUNT))
    too_large = whole & ((digits.str.len() > width) | ((digits.str.len() == width) & (digits > str(MAX_COUNT))))
    checks = [
        (blank & required, "is blank: expected a whole number"),
        (formula, "starts like a spreadsheet formula: expected a plain whole number such as 12"),
        (~blank & ~formula & ~numeric, "is not a number: expected a whole number such as 12"),
        (numeric & (as_number < 0), "is negative: expected a whole number of 0 or more"),
        (numeric & (as_number >= 0) & ~whole, "is fractional: expected a whole number (a count, not a rate)"),
        (whole & ~too_large & (as_number < minimum), f"is {{value}}: expected a whole number of {minimum} or more"),
        (too_large, f"is larger than {MAX_COUNT:,}, the largest count the dashboard holds"),
    ]
    return [
        Problem(file, reason.format(value=value), row=int(row), column=column, value=value)
        for mask, reason in checks
        for row, value in zip(rows[mask], values[mask])
    ]


def record_loads(
    con: duckdb.DuckDBPyConnection,
    reports: list[FileReport],
    *,
    source_label: str,
    is_demo: bool,
    loaded_at: datetime | None = None,
) -> None:
    """Insert the provenance rows of a batch of loads (one statement) and set each report's ``load_id``."""
    if not reports:
        return
    loaded_at = loaded_at or datetime.now(timezone.utc).replace(tzinfo=None)
    ids = [row[0] for row in con.execute("SELECT nextval('load_ids') FROM range($n)", {"n": len(reports)}).fetchall()]
    for report, load_id in zip(reports, ids):
        report.load_id = load_id
    con.register("incoming_loads", pd.DataFrame({
        "load_id": ids, "file_name": [r.file for r in reports], "sha256": [r.sha256 for r in reports],
        "kind": [r.kind for r in reports], "rows_read": [r.rows_read for r in reports],
    }))
    try:
        con.execute(
            """
            INSERT INTO loads (load_id, file_name, sha256, kind, source_label, is_demo, rows_read, rows_loaded,
                               rows_unallocated, rows_replaced, loaded_at)
            SELECT load_id, file_name, sha256, kind, $source, $demo, rows_read, 0, 0, 0, $at FROM incoming_loads
            """,
            {"source": source_label, "demo": is_demo, "at": loaded_at},
        )
    finally:
        con.unregister("incoming_loads")


def update_load_counts(con: duckdb.DuckDBPyConnection, reports: list[FileReport]) -> None:
    """Store the counts the writes worked out (rows loaded, replaced, unallocated) on the loads' rows."""
    con.register("load_counts", pd.DataFrame({
        "load_id": [r.load_id for r in reports], "rows_loaded": [r.rows_loaded for r in reports],
        "rows_replaced": [r.rows_replaced for r in reports], "rows_unallocated": [r.rows_unallocated for r in reports],
    }))
    try:
        con.execute(
            """
            UPDATE loads SET rows_loaded = c.rows_loaded, rows_replaced = c.rows_replaced,
                             rows_unallocated = c.rows_unallocated
            FROM load_counts AS c WHERE loads.load_id = c.load_id
            """
        )
    finally:
        con.unregister("load_counts")


def previous_identical_loads(con: duckdb.DuckDBPyConnection, sha256s: list[str]) -> dict[str, tuple[int, str, datetime]]:
    """Per checksum, the latest earlier load of a file with the same bytes (only those loaded before)."""
    rows = con.execute(
        """
        SELECT sha256, load_id, file_name, loaded_at FROM loads WHERE list_contains($shas, sha256)
        QUALIFY row_number() OVER (PARTITION BY sha256 ORDER BY load_id DESC) = 1
        """,
        {"shas": sha256s},
    ).fetchall()
    return {sha: (load_id, name, at) for sha, load_id, name, at in rows}


SCRATCH_PREFIX = "lscsb-scratch-"
_IN_USE = ".in-use"
# why: a folder is made a moment before its lock, so a young one without a lock may still be starting
_STARTING_SECONDS = 60
# why: folders of loaders before these limits had no lock; none of their loads ran for a day
_LEGACY = (("lscsb-load-", 86_400), ("lscsb-policeuk-", 86_400))


@contextlib.contextmanager
def scratch_folder(purpose: str) -> Iterator[Path]:
    """A private folder in the system's temporary folder, removed when the work ends; one left by a
    killed process (its lock released by the kernel) is removed by the next process that makes one."""
    sweep_abandoned_folders()
    folder = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{purpose}-"))
    lock = open(folder / _IN_USE, "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        lock.close()


def sweep_abandoned_folders(parent: Path | None = None) -> list[Path]:
    """Remove the scratch folders no live process holds; returns those removed."""
    parent = Path(parent or tempfile.gettempdir())
    removed = []
    now = time.time()
    try:
        candidates = [p for p in parent.iterdir() if p.name.startswith("lscsb-") and p.is_dir() and not p.is_symlink()]
    except OSError:
        return removed
    for folder in candidates:
        if folder.name.startswith(SCRATCH_PREFIX):
            abandoned = _unlocked(folder, now)
        else:
            abandoned = any(folder.name.startswith(prefix) and _age(folder, now) > seconds for prefix, seconds in _LEGACY)
        if abandoned:
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed.append(folder)
    return removed


def _age(path: Path, now: float) -> float:
    try:
        return now - path.stat().st_mtime
    except OSError:
        return 0.0


def _unlocked(folder: Path, now: float) -> bool:
    try:
        lock = open(folder / _IN_USE, "r+")
    except FileNotFoundError:
        return _age(folder, now) > _STARTING_SECONDS
    except OSError:
        return False
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
        return True
