"""Loading input files: detect each file's format by its header, validate it whole, then write.

A command's files are validated first; if any is invalid nothing is written. Writes happen on a
private copy of the database that replaces the original only when every file is in (see ``db``).

Formats (``FORMATS``): tidy observations (``tidy``), police.uk street-level crime files, one month,
a folder of them or the zip archive data.police.uk serves (``policeuk``), and ONS mid-year
population estimates (``population``). Each is a ``Format``: the columns that identify it, a
``parse`` that validates a batch of its files (raising ``LoadError`` with every problem), a
``write`` that stores them inside the load's transaction, and ``unchanged``, which says whether the
database already holds exactly what a file says (so a file loaded twice is recognised and skipped).
"""
from __future__ import annotations

import os
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lscsb_data.figures import access, db
from lscsb_data.loaders import policeuk, population, tidy
from lscsb_data.loaders.common import (
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_UNPACKED_BYTES,
    RATIO_FROM_BYTES,
    FileReport,
    Inspected,
    InputFile,
    LoadError,
    Problem,
    inspect,
    previous_identical_loads,
    record_loads,
    scratch_folder,
    update_load_counts,
)

Progress = Callable[[str], None]

# why: police.uk archives can also hold outcomes and stop-and-search files, which the dashboard does not use
POLICEUK_OTHER_FILES = re.compile(r"-(outcomes|stop-and-search)\.csv$", re.IGNORECASE)


@dataclass(frozen=True)
class Format:
    name: str
    columns: tuple[str, ...]
    optional: tuple[str, ...]
    default_source: str
    parse: Callable
    write: Callable
    unchanged: Callable
    # Keyword options of ``load_into`` this format's parse takes (the others ignore them).
    options: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        return ",".join(self.columns) + "".join(f"[,{name}]" for name in self.optional)


def _each_file(parse_one: Callable) -> Callable:
    """A batch parser from a one-file parser, gathering every file's problems before raising."""
    def parse(con, items: list[Inspected], say: Progress) -> list:
        parsed, problems = [], []
        for item in items:
            try:
                parsed.append(parse_one(con, item, FileReport(file=item.name, kind="", sha256=item.sha256)))
            except LoadError as error:
                problems.extend(error.problems)
        if problems:
            raise LoadError(problems)
        return parsed
    return parse


def _write_each(write_one: Callable) -> Callable:
    def write(con, parsed: list) -> None:
        for item in parsed:
            write_one(con, item)
    return write


TIDY = Format(
    name="tidy observations",
    columns=tuple(tidy.COLUMNS),
    optional=tidy.OPTIONAL,
    default_source="partner extract",
    parse=_each_file(tidy.parse),
    write=_write_each(tidy.write),
    unchanged=tidy.unchanged,
)

POLICEUK = Format(
    name="police.uk street-level crime",
    columns=tuple(policeuk.REQUIRED),
    optional=policeuk.OPTIONAL,
    default_source="police.uk",
    parse=policeuk.parse,
    write=policeuk.write,
    unchanged=policeuk.unchanged,
    options=("confirm_fewer_rows",),
)

POPULATION = Format(
    name="ONS mid-year population estimates",
    columns=tuple(population.COLUMNS),
    optional=population.OPTIONAL,
    default_source="ONS mid-year population estimates",
    parse=_each_file(population.parse),
    write=_write_each(population.write),
    unchanged=population.unchanged,
)

FORMATS: list[Format] = [TIDY, POLICEUK, POPULATION]


def detect_format(header: list[str], file: str) -> Format:
    """The format whose columns best match a header; unrecognised if none shares half its columns."""
    cells = {cell.strip().lower() for cell in header}
    best, best_share = None, 0.0
    for candidate in FORMATS:
        expected = {c.lower() for c in (*candidate.columns, *candidate.optional)}
        share = len(cells & expected) / len(expected)
        if share > best_share:
            best, best_share = candidate, share
    if best is None or best_share < 0.5:
        shown = ",".join(h for h in header if h) or "none"
        expected = "; ".join(f"{f.name}: {f.description}" for f in FORMATS)
        raise LoadError([Problem(
            file, f"unrecognised file: its columns ({_shorten(shown)}) match no format the loader knows; "
                  f"expected the columns of one of: {expected}"
        )])
    return best


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expand_paths(paths: Iterable[str | os.PathLike | InputFile], workdir: Path, say: Progress | None = None) -> list[InputFile]:
    """The input files behind each path: a file, every CSV in a folder (sorted), or every CSV in a zip
    archive (unpacked into ``workdir``, within the limits on members, ratio and unpacked size). police.uk
    outcomes and stop-and-search files in a folder or archive are skipped and said so."""
    say = say or (lambda _message: None)
    inputs: list[InputFile] = []
    problems: list[Problem] = []
    budget = _UnpackBudget()
    for raw in paths:
        if isinstance(raw, InputFile):
            if raw.data is not None and raw.data[:4] == b"PK\x03\x04":
                inputs += _unzip(raw.name, raw.open(), workdir, problems, say, budget)
            else:
                inputs.append(raw)
            continue
        path = Path(raw)
        if path.is_dir():
            members = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".csv")
            wanted = [p for p in members if not POLICEUK_OTHER_FILES.search(p.name)]
            _say_skipped(len(members) - len(wanted), str(path), say)
            if not wanted:
                problems.append(Problem(str(path), "is a folder with no CSV files in it"))
            inputs.extend(InputFile(str(p), path=p) for p in wanted)
        elif path.is_file():
            if zipfile.is_zipfile(path):
                with open(path, "rb") as handle:
                    inputs += _unzip(str(path), handle, workdir, problems, say, budget)
            else:
                inputs.append(InputFile(str(path), path=path))
        else:
            problems.append(Problem(str(path), "does not exist"))
    if problems:
        raise LoadError(problems)
    return inputs


class _UnpackBudget:
    """The bytes every archive of one load may unpack, together."""

    def __init__(self) -> None:
        self.used = 0


def _declared_members(handle) -> int | None:
    """How many entries an archive's end record declares, read before its directory is parsed (a directory
    of a million entries takes Python half a minute). The layout is PKWARE's APPNOTE 4.3.14-4.3.16."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - 22 - 0xFFFF))
    tail = handle.read()
    handle.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    entries = struct.unpack("<H", tail[at + 10:at + 12])[0]
    if entries == 0xFFFF and at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07":
        handle.seek(struct.unpack("<Q", tail[at - 12:at - 4])[0])
        record = handle.read(40)
        handle.seek(0)
        if record[:4] == b"PK\x06\x06":
            entries = struct.unpack("<Q", record[32:40])[0]
    return entries


def _unzip(name: str, handle, workdir: Path, problems: list[Problem], say: Progress, budget: _UnpackBudget) -> list[InputFile]:
    declared = _declared_members(handle)
    if declared is not None and declared > MAX_MEMBERS:
        problems.append(Problem(name, f"holds {declared:,} files: an archive may hold at most {MAX_MEMBERS:,} "
                                      "(a police.uk download of every force for three years holds about 5,000)"))
        return []
    try:
        archive = zipfile.ZipFile(handle)
    except zipfile.BadZipFile:
        problems.append(Problem(name, "is not a readable zip archive"))
        return []
    with archive:
        if len(archive.infolist()) > MAX_MEMBERS:
            problems.append(Problem(name, f"holds {len(archive.infolist()):,} files: an archive may hold at most {MAX_MEMBERS:,}"))
            return []
        members = sorted((m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(".csv")), key=lambda m: m.filename)
        wanted = [m for m in members if not POLICEUK_OTHER_FILES.search(m.filename)]
        _say_skipped(len(members) - len(wanted), name, say)
        if not wanted:
            # why: an Excel workbook is a zip archive too, and analysts upload them by mistake
            workbook = "[Content_Types].xml" in archive.namelist()
            problems.append(Problem(name, "is an Excel workbook, not CSV: save it from Excel as 'CSV UTF-8'" if workbook
                                    else "is a zip archive with no CSV files in it"))
        refused = _beyond_limits(name, wanted, budget)
        if refused:
            problems += refused
            return []
        folder = Path(tempfile.mkdtemp(dir=workdir))

        def unpack(number: int, member: zipfile.ZipInfo) -> InputFile | Problem:
            # why: members are written under a numbered name, never the archive's own path (which could escape the folder)
            target = folder / f"{number}.csv"
            shown = f"{name}:{member.filename}"
            # why: zipfile stops inflating at the size the directory declares (checked above), so a member
            # that lies about its size fails its CRC check rather than filling the disk
            try:
                with archive.open(member) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
            except (zipfile.BadZipFile, EOFError, zlib.error) as error:
                return Problem(shown, f"is damaged and could not be unpacked ({error}): download the archive again")
            except NotImplementedError as error:
                return Problem(shown, f"could not be unpacked: {error}")
            except OSError as error:
                return Problem(shown, f"could not be unpacked: {error.strerror or error}")
            return InputFile(shown, path=target)

        # why: inflating releases the GIL, so the members unpack on every core at once
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            unpacked = list(pool.map(unpack, range(len(wanted)), wanted))
    problems += [item for item in unpacked if isinstance(item, Problem)]
    return [item for item in unpacked if isinstance(item, InputFile)]


def _beyond_limits(name: str, members: list[zipfile.ZipInfo], budget: _UnpackBudget) -> list[Problem]:
    """Members that would inflate suspiciously far, and an archive that would unpack more than a load may."""
    problems = []
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
            problems.append(Problem(
                f"{name}:{member.filename}",
                f"would inflate {ratio:,.0f} times, from {_size(member.compress_size)} to {_size(member.file_size)}: "
                f"a member may inflate at most {MAX_RATIO} times (police.uk files inflate about 5 times)",
            ))
    total = sum(member.file_size for member in members)
    if not problems and budget.used + total > MAX_UNPACKED_BYTES:
        problems.append(Problem(
            name, f"would unpack to {_size(budget.used + total)}{' with the archives before it' if budget.used else ''}: "
                  f"one load may unpack at most {_size(MAX_UNPACKED_BYTES)}; load fewer months at a time, "
                  "or unzip it and load the folder from the command line",
        ))
    budget.used += total
    return problems


def _size(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size:,} bytes"


def _say_skipped(count: int, where: str, say: Progress) -> None:
    if count:
        say(f"{where}: skipped {count} police.uk outcomes or stop-and-search file{'s' if count > 1 else ''} (not used)")


def _inspect_all(inputs: list[InputFile], say: Progress) -> tuple[list[Inspected], list[Problem]]:
    """Checksum, encoding and header of every input, two at a time (hashing releases the GIL)."""
    def attempt(item: InputFile):
        try:
            return inspect(item)
        except LoadError as error:
            return error

    inspected, problems = [], []
    step = max(1, len(inputs) // 10)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for number, result in enumerate(pool.map(attempt, inputs), start=1):
            if isinstance(result, LoadError):
                problems.extend(result.problems)
            else:
                inspected.append(result)
            if len(inputs) > 1 and (number % step == 0 or number == len(inputs)):
                say(f"checked {number:,}/{len(inputs):,} files (checksum, encoding, header)")
    return inspected, problems


def load_into(
    con: duckdb.DuckDBPyConnection,
    inputs: list[InputFile],
    *,
    source_label: str | None = None,
    is_demo: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    confirm_fewer_rows: bool = False,
) -> list[FileReport]:
    """Validate every input, then (unless ``dry_run``) write them all in one transaction.

    Raises ``LoadError`` listing the problems of every invalid file; then nothing is written. A file
    whose bytes match an earlier load whose figures are all still held is reported and skipped.
    ``confirm_fewer_rows`` lets a police.uk month replace a held one with far fewer rows (refused otherwise).
    """
    say = progress or (lambda _message: None)
    inspected, problems = _inspect_all(inputs, say)
    batches: dict[str, list[Inspected]] = {}
    reports: list[FileReport] = []
    seen: dict[str, str] = {}
    for item in inspected:
        if item.sha256 in seen:
            reports.append(FileReport(file=item.name, kind="duplicate", sha256=item.sha256, skipped=True,
                                      notes=[f"has the same bytes as {seen[item.sha256]} in this load: skipped"]))
            continue
        seen[item.sha256] = item.name
        try:
            fmt = detect_format(item.header, item.name)
        except LoadError as error:
            problems.extend(error.problems)
            continue
        batches.setdefault(fmt.name, []).append(item)
    by_name = {f.name: f for f in FORMATS}
    parsed: list[tuple[Format, object]] = []
    for name, items in batches.items():
        fmt = by_name[name]
        options = {"confirm_fewer_rows": confirm_fewer_rows}
        try:
            for result in fmt.parse(con, items, say, **{key: options[key] for key in fmt.options}):
                result.report.kind = fmt.name
                parsed.append((fmt, result))
        except LoadError as error:
            problems.extend(error.problems)
    if problems:
        raise LoadError(problems)
    earlier = previous_identical_loads(con, [result.report.sha256 for _, result in parsed])
    for fmt, result in parsed:
        if result.report.sha256 in earlier:
            _note_identical(con, fmt, result, earlier[result.report.sha256])
    reports = [result.report for _, result in parsed] + reports
    if dry_run:
        return reports
    con.execute("BEGIN TRANSACTION")
    try:
        for fmt in FORMATS:
            group = [result for f, result in parsed if f is fmt and not result.report.skipped]
            if not group:
                continue
            record_loads(con, [r.report for r in group], source_label=source_label or fmt.default_source, is_demo=is_demo)
            fmt.write(con, group)
            update_load_counts(con, [r.report for r in group])
            say(f"wrote {len(group):,} {fmt.name} file{'s' if len(group) > 1 else ''}, "
                f"{sum(r.report.figures for r in group):,} figures")
        db.refresh_materialized(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return reports


def _note_identical(con: duckdb.DuckDBPyConnection, fmt: Format, result, earlier: tuple) -> None:
    """Recognise a file loaded before: skip it when the database still holds what it says."""
    report = result.report
    load_id, file_name, loaded_at = earlier
    when = f"load {load_id} ({file_name}, {loaded_at:%Y-%m-%d %H:%M} UTC)"
    if fmt.unchanged(con, result):
        report.skipped = True
        report.notes.append(f"identical to {when}: skipped, the database already holds these figures")
    else:
        report.notes.append(f"identical to {when}, but its figures have since been replaced: loaded again")


def load_files(
    db_path: str | os.PathLike,
    paths: Iterable[str | os.PathLike | InputFile],
    *,
    source_label: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    who: str | None = None,
    confirm_fewer_rows: bool = False,
) -> list[FileReport]:
    """Load files (paths, folders, zip archives or in-memory ``InputFile``s) into the database at
    ``db_path`` atomically (see ``load_into``); each file written is recorded in the audit trail as
    loaded by ``who`` (default: the account running the command). ``confirm_fewer_rows`` lets a police.uk
    reload replace a month with far fewer rows."""
    with scratch_folder("load") as workdir:
        inputs = expand_paths(paths, workdir, progress)
        try:
            if dry_run:
                with db.connect(db_path, read_only=True) as con:
                    return load_into(con, inputs, source_label=source_label, dry_run=True, progress=progress,
                                     confirm_fewer_rows=confirm_fewer_rows)
            with db.writable_copy(db_path) as con:
                reports = load_into(con, inputs, source_label=source_label, progress=progress,
                                    confirm_fewer_rows=confirm_fewer_rows)
        except LoadError as error:
            raise error.naming({str(i.path): i.name for i in inputs if i.path and workdir in i.path.parents}) from None
    access.record_loads(db_path, reports, who=who or access.command_line_user())
    return reports


__all__ = [
    "FORMATS", "FileReport", "Format", "InputFile", "LoadError", "Problem", "detect_format", "expand_paths",
    "load_files", "load_into",
]
