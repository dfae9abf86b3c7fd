"""police.uk street-level crime files (``YYYY-MM-<force>-street.csv``) into the police.uk indicators.

Every row is one crime or ASB incident as data.police.uk publishes it. Rows are placed in their local
authority by LSOA code (``data/lsoa_lookup.csv``), else by the local authority that starts the LSOA
name ("Charnwood 012B"; 2021 LSOAs are not in the 2011 lookup); a row with no location counts under
its force's no-location area (``<force code>-UNALLOCATED``). Counts per month, area and crime type
become ``policeuk_<crime type>`` and ``policeuk_all_crime`` (every type but anti-social behaviour).

The files are read, checked and counted by DuckDB in a few set-based queries over all files at once;
rows are only numbered (to name the row of a problem) when a file has one.

A force's month is stored as that force's part of each figure (table ``policeuk_counts``), as a full
grid with zeros, and a figure is the sum of the forces' parts: loading a month again replaces the
force's part and never double counts, and a district that two forces' files both touch (crimes
recorded across a force boundary) keeps both. The same rows are also kept per LSOA and crime type
(``policeuk_lsoa_counts``), written in the same transaction, so the places behind a district's count
always add up to it. A 2021 LSOA (police.uk's codes since 2023) is placed through
``data/lsoa21_lookup.csv`` (its district, and the 2011 LSOA it lies within where there is one), else by
its name; the load report says how many rows could not be given a 2011 LSOA.

An optional ``Rows`` column says how many identical rows a line stands for: the committed aggregate in
``data/policeuk/`` is police.uk's own columns counted this way (``refresh-policeuk`` writes it).

Before anything is written a load is refused when a Crime ID repeats within a force's month (the rows
would be counted twice), when a month is before police.uk began (December 2010) or has not ended yet,
or when it would replace a force's month with far fewer rows than are held (``FEWER_ROWS``) unless the
analyst confirms it; the coverage checks (``figures.coverage``) then report gaps, thin months and
rows with no location in the load's report.
"""
from __future__ import annotations

import codecs
import csv
import shutil
from datetime import date, datetime, timezone
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lscsb_data.figures import coverage
from lscsb_data.loaders import lookups
from lscsb_data.loaders.common import (
    CHUNK_BYTES, MAX_FIELD_CHARS, FileReport, Inspected, LoadError, Problem, check_columns, scratch_folder,
)

THEME = "policeuk"
ALL_CRIME = "policeuk_all_crime"
ASB = "policeuk_anti_social_behaviour"
COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
           "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context", "Rows"]
REQUIRED = ["Month", "Falls within", "LSOA code", "LSOA name", "Crime type"]
OPTIONAL = tuple(c for c in COLUMNS if c not in REQUIRED)
PROGRESS_SECONDS = 1.0
MAX_LOCATED = 20
# police.uk's street-level data begins with December 2010.
FIRST_MONTH = "2010-12"


@dataclass(frozen=True)
class Check:
    """A rule every row must meet, as a SQL condition that is true for a bad row."""

    column: str
    alias: str
    condition: str
    reason: str


CHECKS = [
    Check("Month", "month", "month IS NULL", "is blank: expected the month as YYYY-MM, e.g. 2020-03"),
    Check("Month", "month", "NOT regexp_full_match(month, '(19|20)[0-9]{2}-(0[1-9]|1[0-2])')",
          "is not a real month: expected YYYY-MM, e.g. 2020-03"),
    Check("Falls within", "falls_within", "falls_within IS NULL",
          "is blank: expected the police force whose area the crime falls within, e.g. 'Leicestershire Police'"),
    Check("Falls within", "falls_within", "force_key(falls_within) NOT IN (SELECT key FROM police_forces)",
          "is not a police force of England and Wales (data/police_forces.csv lists the 43), e.g. 'Leicestershire Police'"),
    Check("Crime type", "crime_type", "crime_type IS NULL", "is blank: expected a police.uk crime type such as 'Burglary'"),
    Check("Crime type", "crime_type", "NOT regexp_full_match(crime_type, '[A-Za-z][A-Za-z0-9 ,''&/()-]*')",
          "is not a police.uk crime type: expected a name such as 'Burglary' or 'Anti-social behaviour'"),
    Check("LSOA code", "lsoa_code", "lsoa_code IS NOT NULL AND NOT regexp_full_match(lsoa_code, '[EW]01[0-9]{6}')",
          "is not an LSOA code: expected a code such as E01025631, or blank when the crime has no location"),
    # why: these values are stored, so they are held to the loader's field limit (the others are never read)
    *(Check(column, alias, f"length({alias}) > {MAX_FIELD_CHARS}",
            f"is longer than {MAX_FIELD_CHARS:,} characters: a field may hold at most {MAX_FIELD_CHARS:,}")
      for column, alias in (("Reported by", "reported_by"), ("Crime type", "crime_type"), ("LSOA name", "lsoa_name"))),
    Check("Rows", "rows_text", "rows_text IS NOT NULL AND NOT regexp_full_match(rows_text, '[1-9][0-9]{0,8}')",
          "is not a number of rows: expected a whole number of 1 or more (how many identical police.uk rows the line stands for)"),
]
_REAL_MONTH = "regexp_full_match(month, '(19|20)[0-9]{2}-(0[1-9]|1[0-2])')"


def latest_month(today: date | None = None) -> str:
    """The latest month police.uk can have published: the one before this month (UTC)."""
    today = today or datetime.now(timezone.utc).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def checks() -> list[Check]:
    """Every rule a row must meet, including the months police.uk can have published by today."""
    latest = latest_month()
    return CHECKS + [
        Check("Month", "month", f"{_REAL_MONTH} AND month < '{FIRST_MONTH}'",
              f"is before police.uk began: its street-level data starts with {FIRST_MONTH}; check the month column"),
        Check("Month", "month", f"{_REAL_MONTH} AND month > '{latest}'",
              "is a month that has not ended yet: police.uk publishes each month after it ends; check the month "
              "column (a mistyped year?)"),
    ]

# The column behind each value the scan groups by.
RAW = {"month": "Month", "reported_by": "Reported by", "falls_within": "Falls within", "crime_type": "Crime type",
       "lsoa_code": "LSOA code", "lsoa_name": "LSOA name", "rows_text": "Rows"}

# The cleaned form of each checked cell (blank is NULL), for the grouped scan and for numbering rows.
CLEAN = {
    "month": "nullif(trim({Month}), '')",
    "reported_by": "coalesce(nullif(trim({Reported by}), ''), nullif(trim({Falls within}), ''))",
    "falls_within": "nullif(trim({Falls within}), '')",
    "crime_type": "nullif(trim({Crime type}), '')",
    "lsoa_code": "nullif(trim({LSOA code}), '')",
    "lsoa_name": "nullif(trim({LSOA name}), '')",
    "rows_text": "nullif(trim({Rows}), '')",
}


@dataclass
class ParsedPoliceUK:
    """One file of a batch: its report, and the batch's counts (``batch_parts``: every file's force's part
    of each figure, a full grid of its months, with a ``file`` column; ``batch_lsoa``: the same rows per
    LSOA and crime type) and the areas the load creates, all shared by every file of the batch so that
    thousands of files cost one write."""

    report: FileReport
    path: str
    batch_parts: pa.Table
    batch_lsoa: pa.Table
    new_areas: pd.DataFrame
    new_lsoas: pd.DataFrame
    # Reloads of a month with far fewer rows that the analyst confirmed (kept as the load's note).
    confirmed: list[str]

    @property
    def parts(self) -> pd.DataFrame:
        """This file's own parts (only needed to check a file loaded before)."""
        return self.batch_parts.filter(pc.equal(self.batch_parts["file"], self.path)).drop_columns("file").to_pandas()

    @property
    def lsoa_parts(self) -> pd.DataFrame:
        return self.batch_lsoa.filter(pc.equal(self.batch_lsoa["file"], self.path)).drop_columns("file").to_pandas()


Progress = Callable[[str], None]


def parse(con: duckdb.DuckDBPyConnection, items: list[Inspected], say: Progress, *,
          confirm_fewer_rows: bool = False) -> list[ParsedPoliceUK]:
    """Check and count every police.uk file; raise ``LoadError`` with every problem found, else return
    each file's counts. ``confirm_fewer_rows`` lets a month replace a held one that had far more rows."""
    problems: list[Problem] = []
    readable: list[Inspected] = []
    for item in items:
        found = check_columns(item.header, REQUIRED, item.name, OPTIONAL)
        problems += found
        if not found:
            readable.append(item)
    with scratch_folder("policeuk") as workdir, duckdb.connect() as work:
        # why: what DuckDB spills to disk goes in the scratch folder, so a killed load's spill is swept too
        work.execute("SET temp_directory = $folder", {"folder": str(workdir / "spill")})
        lookups.install(work)
        work.execute("SET preserve_insertion_order = false")
        # why: the loader reports DuckDB's progress in its own words; DuckDB's bar would garble them
        work.execute("SET enable_progress_bar = true")
        work.execute("SET enable_progress_bar_print = false")
        paths = {item.name: _utf8_path(item, workdir, index) for index, item in enumerate(readable)}
        problems += _scan(work, readable, paths, say)
        if not problems:
            problems += _check_values(work, readable, paths)
        if not problems:
            problems += _check_months_once(work)
            problems += _check_crime_ids(work, readable, paths, say)
        if problems:
            raise LoadError(problems).naming({path: name for name, path in paths.items()})
        return _count(con, work, readable, paths, confirm_fewer_rows=confirm_fewer_rows)


def _utf8_path(item: Inspected, workdir: Path, index: int) -> str:
    """A UTF-8 file DuckDB can read: the input itself when it is one, else a converted copy."""
    if item.encoding == "utf-8" and item.input.path is not None:
        return str(item.input.path)
    target = workdir / f"{index}.csv"
    with item.input.open() as source, open(target, "wb") as out:
        if item.encoding == "utf-8":
            shutil.copyfileobj(source, out)
        else:
            decoder = codecs.getincrementaldecoder(item.encoding)()
            while chunk := source.read(CHUNK_BYTES):
                out.write(decoder.decode(chunk).encode("utf-8"))
    return str(target)


def _canonical(header: list[str]) -> list[str]:
    by_lower = {c.lower(): c for c in COLUMNS}
    return [by_lower.get(h.lower(), h) for h in header]


def _read_csv(header: list[str], *, rejects: bool, ordinality: bool = False) -> str:
    """A ``read_csv`` call for files with this header, every column named and read as text (no sniffing)."""
    # why: the dashboard never uses the coordinates, so a garbled one is not worth parsing or refusing a file for
    columns = ", ".join(f"'{name.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for name in _canonical(header))
    options = ", store_rejects = true, rejects_limit = 50" if rejects else ""
    return (f"read_csv($files, header = true, auto_detect = false, columns = {{{columns}}}, delim = ',', "
            f"quote = '\"', escape = '\"', filename = true{options})" + (" WITH ORDINALITY" if ordinality else ""))


def _clean(alias: str, header: list[str]) -> str:
    return CLEAN[alias].format_map({c: _raw(c, header) for c in COLUMNS})


def _raw(column: str, header: list[str]) -> str:
    return f'r."{column}"' if column in _canonical(header) else "NULL"


def _scan(work, items: list[Inspected], paths: dict[str, str], say: Progress) -> list[Problem]:
    """Count rows per file, month, force, crime type and LSOA (one multi-file pass per header), and
    collect the rows DuckDB could not read (wrong number of fields, a stray quote)."""
    work.execute("""
        CREATE TABLE read_groups (file VARCHAR, month VARCHAR, reported_by VARCHAR, falls_within VARCHAR, crime_type VARCHAR,
                                  lsoa_code VARCHAR, lsoa_name VARCHAR, rows_text VARCHAR, rows BIGINT)
    """)
    by_path = {paths[item.name]: item.name for item in items}
    problems: list[Problem] = []
    last_scan = 0
    for header, group in _by_header(items):
        files = [paths[item.name] for item in group]
        raw = {alias: _raw(column, header) for alias, column in RAW.items()}
        # why: only the grouped values are trimmed and checked, not ten million cells
        query = f"""
            INSERT INTO read_groups
            SELECT filename, {raw['month']}, {raw['reported_by']}, {raw['falls_within']}, {raw['crime_type']},
                   {raw['lsoa_code']}, {raw['lsoa_name']}, {raw['rows_text']}, count(*)
            FROM {_read_csv(header, rejects=True)} AS r
            GROUP BY ALL
        """
        try:
            _with_progress(work, query, {"files": files}, say, f"police.uk: reading {len(files):,} files")
        except duckdb.Error as error:
            # why: a scan that fails must name its files even when each one alone reads (so no row is lost unseen)
            problems += _unreadable(work, header, group, paths) or [
                Problem(item.name, f"could not be read as CSV: {_reason(error)}") for item in group]
        try:
            rejected = work.execute(
                """
                SELECT s.file_path, e.line, e.column_idx, e.column_name, e.error_type, e.csv_line, s.scan_id
                FROM reject_errors AS e JOIN reject_scans AS s USING (scan_id, file_id)
                WHERE e.scan_id > $last ORDER BY s.file_path, e.line
                """,
                {"last": last_scan},
            ).fetchall()
        except duckdb.CatalogException:
            # why: DuckDB creates the reject tables only once a scan has started
            rejected = []
        last_scan = max([last_scan, *(row[-1] for row in rejected)])
        # why: DuckDB can log one short row once per missing column; the analyst needs it once
        problems += list(dict.fromkeys(_reject_problem(by_path[path], *rest, width=len(header)) for path, *rest, _ in rejected))
    cleaned = {alias: CLEAN[alias].format_map({column: alias for alias, column in RAW.items()}) for alias in CLEAN}
    work.execute(
        f"""
        CREATE TABLE scanned AS
        SELECT file, {cleaned['month']} AS month, {cleaned['reported_by']} AS reported_by,
               {cleaned['falls_within']} AS falls_within, {cleaned['crime_type']} AS crime_type,
               {cleaned['lsoa_code']} AS lsoa_code, {cleaned['lsoa_name']} AS lsoa_name,
               {cleaned['rows_text']} AS rows_text, CAST(sum(rows) AS BIGINT) AS rows
        FROM read_groups GROUP BY ALL
        """
    )
    rows_by_file = dict(work.execute("SELECT file, sum(rows) FROM scanned GROUP BY file").fetchall())
    say(f"police.uk: read {sum(rows_by_file.values()):,} rows from {len(items):,}/{len(items):,} files")
    bad_files = {p.file for p in problems}
    for item in items:
        if item.name not in bad_files and not rows_by_file.get(paths[item.name]):
            problems.append(Problem(item.name, "has a header but no data rows"))
    return problems


def _by_header(items: list[Inspected]):
    """Files with the same header, which one ``read_csv`` reads together."""
    by_header: dict[tuple, list[Inspected]] = {}
    for item in items:
        by_header.setdefault(tuple(item.header), []).append(item)
    return [(list(header), group) for header, group in by_header.items()]


def _with_progress(work, query: str, parameters: dict, say: Progress, doing: str) -> None:
    """Run a long query, saying how far it has got every ``PROGRESS_SECONDS``."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(work.execute, query, parameters)
        try:
            while True:
                try:
                    running.result(timeout=PROGRESS_SECONDS)
                    return
                except TimeoutError:
                    done = work.query_progress()
                    if done >= 0:
                        say(f"{doing}: {done:.0f}% done")
        except BaseException:
            # why: Ctrl-C (or a failing progress callback) must stop the query rather than wait for it
            work.interrupt()
            raise


def _unreadable(work, header: list[str], batch: list[Inspected], paths: dict[str, str]) -> list[Problem]:
    """Which files of a batch DuckDB could not read at all, one by one, with its reason."""
    problems = []
    for item in batch:
        try:
            work.execute(f"SELECT count(*) FROM {_read_csv(header, rejects=False)}", {"files": [paths[item.name]]})
        except duckdb.Error as error:
            problems.append(Problem(item.name, f"could not be read as CSV: {_reason(error)}"))
    return problems


def _reason(error: duckdb.Error) -> str:
    return str(error).strip().splitlines()[0].removeprefix("Invalid Input Error: ")


def _reject_problem(file: str, line: int, column_idx, column: str | None, error_type: str, csv_line: str, *, width: int) -> Problem:
    text = (csv_line or "").strip("\r\n")
    try:
        fields = next(csv.reader([text]), [])
    except csv.Error:
        fields = []
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        return Problem(file, f"has {len(fields)} fields, expected {width}", row=int(line))
    if error_type == "UNQUOTED VALUE":
        return Problem(file, "has a double quote inside a value that is not enclosed in double quotes",
                       row=int(line), column=column)
    return Problem(file, f"could not be read ({error_type.lower()})", row=int(line), column=column)


def _check_values(work, items: list[Inspected], paths: dict[str, str]) -> list[Problem]:
    """Every check over the counted groups at once; rows are numbered only in files that fail one."""
    rules = checks()
    failing = work.execute(
        " UNION ALL ".join(
            f"SELECT DISTINCT file, {index} AS check FROM scanned WHERE {check.condition}" for index, check in enumerate(rules)
        )
    ).fetchall()
    by_path = {paths[item.name]: item for item in items}
    problems = []
    for path, index in sorted(failing, key=lambda f: (by_path[f[0]].name, f[1])):
        item, check = by_path[path], rules[index]
        raw = f'r."{check.column}"' if check.column in _canonical(item.header) else "NULL"
        located = work.execute(
            f"""
            SELECT row, value FROM (
                SELECT r.ordinality + 1 AS row, {raw} AS value, {_clean(check.alias, item.header)} AS {check.alias}
                FROM {_read_csv(item.header, rejects=False, ordinality=True)} AS r
            )
            WHERE {check.condition}
            ORDER BY row LIMIT {MAX_LOCATED}
            """,
            {"files": [path]},
        ).fetchall()
        problems += [Problem(item.name, check.reason, row=row, column=check.column, value=value) for row, value in located]
    return problems


def _check_months_once(work) -> list[Problem]:
    """A force's month in two files of one load would be counted twice."""
    repeats = work.execute(
        """
        SELECT file, reported_by, month, first_file FROM (
            SELECT DISTINCT file, reported_by, month,
                   min(file) OVER (PARTITION BY reported_by, month) AS first_file
            FROM scanned
        ) WHERE file <> first_file ORDER BY file, month
        """
    ).fetchall()
    return [
        Problem(file, f"holds {reported_by}'s rows for {month}, which {first} also holds: load each force's month once")
        for file, reported_by, month, first in repeats
    ]


def _check_crime_ids(work, items: list[Inspected], paths: dict[str, str], say: Progress) -> list[Problem]:
    """A Crime ID given twice in one month of a file: police.uk lists each crime once a month, so the rows
    would count one crime twice (IDs are compared by a 64-bit hash; rows are numbered only in a file that fails)."""
    with_ids = [item for item in items if "Crime ID" in _canonical(item.header)]
    work.execute("CREATE TABLE repeated_ids (file VARCHAR, month VARCHAR, ids BIGINT, extra_rows BIGINT)")
    month = CLEAN["month"].format_map({"Month": 'r."Month"'})
    for header, group in _by_header(with_ids):
        query = f"""
            INSERT INTO repeated_ids
            SELECT filename, month, count(*), sum(n) - count(*) FROM (
                SELECT filename, {month} AS month, hash(trim(r."Crime ID")) AS id, count(*) AS n
                FROM {_read_csv(header, rejects=False)} AS r
                WHERE nullif(trim(r."Crime ID"), '') IS NOT NULL
                GROUP BY ALL HAVING count(*) > 1
            ) GROUP BY ALL
        """
        _with_progress(work, query, {"files": [paths[item.name] for item in group]}, say,
                       f"police.uk: checking the Crime IDs of {len(group):,} files")
    by_path = {paths[item.name]: item for item in with_ids}
    problems = []
    for path, month_text, ids, extra in work.execute("SELECT * FROM repeated_ids ORDER BY file, month").fetchall():
        item = by_path[path]
        crimes = work.execute("SELECT sum(rows) FROM scanned WHERE file = $file AND month = $month AND crime_type <> 'Anti-social behaviour'",
                              {"file": path, "month": month_text}).fetchone()[0] or 0
        problems.append(Problem(
            item.name,
            f"gives {ids:,} Crime ID{'s' if ids > 1 else ''} more than once in {month_text}: {extra:,} of its {crimes:,} crime rows "
            "repeat a crime already listed, and police.uk lists each crime once a month, so they would be counted twice. "
            "The file is probably damaged or two copies were joined: download the month again from data.police.uk",
        ))
        located = work.execute(
            f"""
            SELECT row, id, first_row FROM (
                SELECT r.ordinality + 1 AS row, trim(r."Crime ID") AS id,
                       min(r.ordinality + 1) OVER (PARTITION BY {month}, trim(r."Crime ID")) AS first_row
                FROM {_read_csv(item.header, rejects=False, ordinality=True)} AS r
                WHERE nullif(trim(r."Crime ID"), '') IS NOT NULL AND {month} = $month
            )
            WHERE row > first_row ORDER BY row LIMIT {MAX_LOCATED}
            """,
            {"files": [path], "month": month_text},
        ).fetchall()
        problems += [Problem(item.name, f"repeats the Crime ID of row {first}", row=row, column="Crime ID", value=value)
                     for row, value, first in located]
    return problems


def _count(con: duckdb.DuckDBPyConnection, work, items: list[Inspected], paths: dict[str, str], *,
           confirm_fewer_rows: bool = False) -> list[ParsedPoliceUK]:
    """Place the counted groups in areas and LSOAs, fill the grid of months x areas x crime types with zeros,
    refuse a reload with far fewer rows (unless confirmed), and report what each file holds."""
    types = con.execute("SELECT id FROM indicators WHERE theme = $theme AND id <> $all", {"theme": THEME, "all": ALL_CRIME}).df()
    work.register("crime_types", types)
    work.register("known_areas", con.execute("SELECT code, name, type, parent_code, is_csp FROM stg_areas").df())
    work.register("earlier_parts", con.execute("SELECT DISTINCT reported_by, area_code FROM policeuk_counts").df())
    work.execute(
        """
        CREATE TABLE placed AS
        SELECT s.file, s.reported_by, s.falls_within, s.month, CAST(s.month || '-01' AS DATE) AS period,
               f.code AS force_code, s.crime_type,
               'policeuk_' || trim(regexp_replace(lower(s.crime_type), '[^a-z0-9]+', '_', 'g'), '_') AS indicator_id,
               coalesce(l.la_code, n.la_code, p.la_code, f.code || '-UNALLOCATED') AS area_code,
               s.lsoa_code, s.lsoa_name,
               coalesce(l.lsoa_code, n.lsoa11_code) AS lsoa11_code,
               s.lsoa_code IS NOT NULL AND l.lsoa_code IS NULL AS lsoa21,
               n.lsoa21_code IS NOT NULL AS in_lsoa21_lookup,
               s.lsoa_code IS NULL AND s.lsoa_name IS NULL AS no_location,
               l.la_code IS NULL AND n.la_code IS NULL AND p.la_code IS NULL
                   AND (s.lsoa_code IS NOT NULL OR s.lsoa_name IS NOT NULL) AS unknown_lsoa,
               coalesce(s.lsoa_name, s.lsoa_code) AS lsoa,
               s.rows * coalesce(CAST(s.rows_text AS BIGINT), 1) AS rows
        FROM scanned AS s
        JOIN police_forces AS f ON f.key = force_key(s.falls_within)
        LEFT JOIN lsoa_lookup AS l ON l.lsoa_code = s.lsoa_code
        -- why: police.uk uses 2021 LSOAs since 2023; those that are not 2011 LSOAs are placed by the 2021 lookup
        LEFT JOIN lsoa21_lookup AS n ON l.lsoa_code IS NULL AND n.lsoa21_code = s.lsoa_code
        -- why: an LSOA in neither lookup still names its local authority ("Charnwood 012F")
        LEFT JOIN lsoa_name_prefixes AS p ON l.la_code IS NULL AND n.la_code IS NULL
             AND p.prefix = regexp_extract(s.lsoa_name, '^(.*) [0-9]{3}[A-Z]$', 1)
        """
    )
    work.execute(
        """
        CREATE TABLE lsoa_parts AS
        SELECT file, reported_by, falls_within, period, lsoa_code, lsoa_name, crime_type, indicator_id, area_code,
               CAST(sum(rows) AS BIGINT) AS count
        FROM placed GROUP BY ALL
        """
    )
    confirmed = _check_fewer_rows(con, work, items, paths, confirm_fewer_rows)
    work.execute(
        f"""
        CREATE TABLE parts AS
        WITH counted AS (
            SELECT file, reported_by, period, area_code, indicator_id, sum(rows) AS count
            FROM placed WHERE indicator_id IN (SELECT id FROM crime_types) GROUP BY ALL
            UNION ALL
            -- why: police.uk's all-crime total is every crime type except anti-social behaviour, including
            -- any type the catalogue does not list yet
            SELECT file, reported_by, period, area_code, '{ALL_CRIME}', sum(rows)
            FROM placed WHERE indicator_id <> '{ASB}' GROUP BY ALL
        ),
        months AS (SELECT DISTINCT file, reported_by, period FROM placed),
        reporter_forces AS (SELECT DISTINCT reported_by, force_code FROM placed),
        -- why: a zero must be stored as a zero, so every area the force covers (and any other area its
        -- rows have reached, now or in an earlier load) gets every type for every month loaded
        reporter_areas AS (
            SELECT r.reported_by, a.la_code AS area_code
            FROM reporter_forces AS r JOIN local_authorities AS a ON a.police_force_code = r.force_code
            UNION SELECT reported_by, force_code || '-UNALLOCATED' FROM reporter_forces
            UNION SELECT reported_by, area_code FROM placed
            UNION SELECT e.reported_by, e.area_code FROM earlier_parts AS e
                  WHERE e.reported_by IN (SELECT reported_by FROM reporter_forces)
        ),
        types AS (SELECT id AS indicator_id FROM crime_types UNION SELECT '{ALL_CRIME}')
        SELECT m.file, m.reported_by, m.period, a.area_code, t.indicator_id, coalesce(c.count, 0) AS count
        FROM months AS m
        JOIN reporter_areas AS a USING (reported_by)
        CROSS JOIN types AS t
        LEFT JOIN counted AS c USING (file, reported_by, period, area_code, indicator_id)
        """
    )
    new_areas = _new_areas(work)
    notes = _notes(work)
    # why: Arrow hands the counts to the database connection without converting every string to Python
    parts = work.sql("SELECT * FROM parts ORDER BY reported_by, period, area_code, indicator_id").to_arrow_table()
    lsoa_parts = work.sql("SELECT * FROM lsoa_parts ORDER BY reported_by, period, lsoa_code, indicator_id").to_arrow_table()
    # why: the LSOAs that are not 2011 LSOAs, with what the lookups say of them, for the database's list of LSOAs
    new_lsoas = work.execute(
        """
        SELECT lsoa_code, any_value(lsoa_name) AS lsoa_name,
               any_value(area_code) FILTER (WHERE NOT unknown_lsoa) AS la_code, any_value(lsoa11_code) AS lsoa11_code,
               CASE WHEN bool_or(in_lsoa21_lookup) THEN 2021 END AS census
        FROM placed WHERE lsoa21 GROUP BY lsoa_code
        """
    ).df()
    totals = {file: (rows, unallocated, figures) for file, rows, unallocated, figures in work.execute(
        """
        SELECT file, sum(rows), coalesce(sum(rows) FILTER (WHERE no_location OR unknown_lsoa), 0),
               (SELECT count(*) FROM parts WHERE parts.file = placed.file)
        FROM placed GROUP BY file
        """
    ).fetchall()}
    results = []
    for item in items:
        path = paths[item.name]
        report = FileReport(file=item.name, kind="", sha256=item.sha256)
        rows, unallocated, figures = totals[path]
        report.rows_read = report.rows_loaded = int(rows)
        report.rows_unallocated = int(unallocated)
        report.figures = int(figures)
        report.notes += notes.get(path, []) + confirmed.get(path, [])
        results.append(ParsedPoliceUK(report, path, parts, lsoa_parts, new_areas, new_lsoas, confirmed.get(path, [])))
    _coverage_notes(con, work, results)
    created = new_areas[new_areas.action == "create"]
    if len(created) and results:
        kinds = created.type.value_counts()
        results[0].report.notes.append(
            "creates " + ", ".join(f"{count} {kind} area{'s' if count > 1 else ''}" for kind, count in kinds.items())
            + " the database did not know yet (from data/local_authorities.csv and data/police_forces.csv)"
        )
    adopted = new_areas[new_areas.action == "adopt"]
    if len(adopted) and results:
        results[0].report.notes.append(
            f"places {len(adopted)} local authorit{'ies' if len(adopted) > 1 else 'y'} loaded earlier from another "
            f"force's files under their own force: {', '.join(adopted.name[:5])}{' ...' if len(adopted) > 5 else ''}"
        )
    return results


def _check_fewer_rows(con: duckdb.DuckDBPyConnection, work, items: list[Inspected], paths: dict[str, str],
                      confirmed: bool) -> dict[str, list[str]]:
    """Refuse a reload that would leave a force's month (or a district in it) with far fewer rows than held
    (``coverage.fewer_rows``), unless ``confirmed``; then return the notes saying what was replaced, per file."""
    incoming = work.execute("SELECT reported_by, period, area_code, sum(rows) AS rows, min(file) AS file FROM placed GROUP BY ALL").df()
    con.register("reloaded_months", incoming[["reported_by", "period"]].drop_duplicates())
    try:
        held = con.execute(
            f"""
            SELECT c.reported_by, c.period, c.area_code, sum(c.count) AS rows
            FROM policeuk_counts AS c JOIN reloaded_months AS m USING (reported_by, period)
            WHERE c.indicator_id IN ('{ALL_CRIME}', '{ASB}')
            GROUP BY ALL HAVING sum(c.count) > 0
            """
        ).df()
    finally:
        con.unregister("reloaded_months")
    names = dict(work.execute("SELECT code, name FROM known_areas UNION ALL SELECT la_code, la_name FROM local_authorities").fetchall())
    found = coverage.fewer_rows(held, incoming.drop(columns="file"), names)
    by_name = {paths[item.name]: item.name for item in items}
    file_of = {(force, pd.Timestamp(period)): file for force, period, file in
               zip(incoming.reported_by, incoming.period, incoming.file)}
    if found and not confirmed:
        raise LoadError([Problem(
            by_name[file_of[(f.reported_by, f.period)]],
            f"{f.text()}. police.uk's own revisions move a month by a few percent, so this file is probably partial: "
            "compare it with data.police.uk. If it is right, load it again with --confirm-fewer-rows "
            "(on the upload page: tick 'Replace months with far fewer rows')",
        ) for f in found])
    notes: dict[str, list[str]] = {}
    for f in found:
        notes.setdefault(file_of[(f.reported_by, f.period)], []).append(f"{f.text()}: replaced, as confirmed (--confirm-fewer-rows)")
    return notes


def _coverage_notes(con: duckdb.DuckDBPyConnection, work, results: list[ParsedPoliceUK]) -> None:
    """The coverage checks on what the database will hold once the load is in, for the load's forces."""
    incoming = work.execute(
        """
        SELECT file, reported_by, period, sum(rows) AS rows,
               sum(rows) FILTER (WHERE no_location) AS no_location,
               sum(rows) FILTER (WHERE no_location OR unknown_lsoa) AS unplaced
        FROM placed GROUP BY ALL
        """
    ).df().fillna({"no_location": 0, "unplaced": 0})
    stats = coverage.with_months(coverage.month_stats(con), incoming)
    found = coverage.findings(stats, forces=sorted(set(incoming.reported_by)))
    by_path = {result.path: result for result in results}
    file_of = {(force, pd.Timestamp(period)): file for force, period, file in
               zip(incoming.reported_by, incoming.period, incoming.file)}
    first_of = incoming.groupby("reported_by").file.min().to_dict()
    for finding in found.itertuples():
        file = file_of.get((finding.reported_by, pd.Timestamp(finding.first_period)), first_of[finding.reported_by])
        by_path[file].report.notes.append(f"coverage: {finding.text}")


def _new_areas(work) -> pd.DataFrame:
    """Areas to create, or to place under their force (``adopt``), for the counts to be stored.

    A force whose own files these are (its name is in "Falls within") is created with every one of its
    local authorities and its no-location area. A local authority of another force that rows reached
    is created under that force only if the force is already known; otherwise it stands alone until
    its force's own files are loaded, because a force total summed from the few crimes a neighbour
    recorded would read as the whole force's figure.
    """
    return work.execute(
        """
        WITH own_forces AS (SELECT DISTINCT force_code AS code FROM placed),
        needed AS (SELECT DISTINCT area_code FROM parts),
        wanted AS (
            SELECT f.code, f.name || ' police force area' AS name, 'force' AS type, NULL AS parent_code, 1 AS sort
            FROM police_forces AS f WHERE f.code IN (SELECT code FROM own_forces)
            UNION ALL
            SELECT a.la_code, a.la_name,
                   CASE WHEN left(a.la_code, 3) IN ('E06', 'W06') THEN 'unitary' ELSE 'district' END,
                   CASE WHEN a.police_force_code IN (SELECT code FROM own_forces)
                          OR a.police_force_code IN (SELECT code FROM known_areas) THEN a.police_force_code END,
                   2
            FROM local_authorities AS a
            WHERE a.la_code IN (SELECT area_code FROM needed) OR a.police_force_code IN (SELECT code FROM own_forces)
            UNION ALL
            SELECT f.code || '-UNALLOCATED', f.police_uk_name || ': no location', 'unallocated', f.code, 3
            FROM police_forces AS f WHERE f.code IN (SELECT code FROM own_forces)
        )
        SELECT w.code, w.name, w.type, w.parent_code,
               CASE WHEN k.code IS NULL THEN 'create' ELSE 'adopt' END AS action
        FROM wanted AS w LEFT JOIN known_areas AS k USING (code)
        WHERE k.code IS NULL OR (k.parent_code IS NULL AND w.parent_code IS NOT NULL AND k.is_csp)
        ORDER BY w.sort, w.code
        """
    ).df()


def _notes(work) -> dict[str, list[str]]:
    """What each file's report should say beyond its counts: its months, rows in other forces' areas,
    rows whose LSOA could not be placed, and crime types the catalogue does not list."""
    notes: dict[str, list[str]] = {}

    def add(file: str, text: str) -> None:
        notes.setdefault(file, []).append(text)

    for file, reporter, first, last in work.execute(
        "SELECT file, reported_by, min(month), max(month) FROM placed GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        add(file, f"{reporter}, {first}" + (f" to {last}" if last != first else ""))
    for file, rows, areas, listing in work.execute(
        """
        WITH outside AS (
            SELECT p.file, a.la_name || ' (' || f.name || ')' AS area, sum(p.rows) AS rows
            FROM placed AS p
            JOIN local_authorities AS a ON a.la_code = p.area_code
            JOIN police_forces AS f ON f.code = a.police_force_code
            WHERE a.police_force_code <> p.force_code
            GROUP BY ALL
        )
        SELECT file, sum(rows), count(*),
               string_agg(area || ' ' || rows, ', ' ORDER BY rows DESC, area) FILTER (WHERE rank <= 5)
        FROM (SELECT *, row_number() OVER (PARTITION BY file ORDER BY rows DESC, area) AS rank FROM outside)
        GROUP BY file
        """
    ).fetchall():
        more = f" and {areas - 5} more" if areas > 5 else ""
        add(file, f"{rows:,} rows in {areas} local authorit{'ies' if areas > 1 else 'y'} of other forces, "
                  f"kept under their own area: {listing}{more}")
    for file, rows, listing in work.execute(
        """
        SELECT file, sum(rows), string_agg(DISTINCT chr(39) || lsoa || chr(39), ', ') FROM placed
        WHERE unknown_lsoa GROUP BY file
        """
    ).fetchall():
        add(file, f"{rows:,} row{'s' if rows != 1 else ''} in LSOAs neither in data/lsoa_lookup.csv nor named after a known local authority "
                  f"(e.g. {_first(listing)}): counted with the rows that have no location")
    for file, rows, to_2011, listing in work.execute(
        """
        SELECT file, sum(rows), coalesce(sum(rows) FILTER (WHERE lsoa11_code IS NOT NULL), 0),
               string_agg(DISTINCT chr(39) || lsoa_code || coalesce(' ' || lsoa_name, '') || chr(39), ', '
                          ORDER BY chr(39) || lsoa_code || coalesce(' ' || lsoa_name, '') || chr(39))
                   FILTER (WHERE lsoa11_code IS NULL)
        FROM placed WHERE lsoa21 AND NOT unknown_lsoa GROUP BY file
        """
    ).fetchall():
        unmapped = rows - to_2011
        text = (f"{rows:,} rows in LSOAs that are not 2011 LSOAs (police.uk's 2021 codes, used since 2023), all counted in "
                f"their district: {to_2011:,} placed in the 2011 LSOA they lie within (data/lsoa21_lookup.csv)")
        if unmapped:
            text += (f", {unmapped:,} in no single 2011 LSOA (merged, or not in data/lsoa21_lookup.csv; e.g. {_first(listing)}),"
                     " which the LSOA map, drawn on 2011 LSOAs, lists beside it")
        add(file, text)
    for file, crime_type, indicator, rows in work.execute(
        f"""
        SELECT file, crime_type, indicator_id, sum(rows) FROM placed
        WHERE indicator_id NOT IN (SELECT id FROM crime_types) AND indicator_id <> '{ASB}'
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall():
        add(file, f"crime type '{crime_type}' ({rows:,} rows) is not in the catalogue: counted in {ALL_CRIME} only; "
                  f"add {indicator} to data/indicators.csv to show it on its own")
    return notes


def _first(listing: str, count: int = 3) -> str:
    names = listing.split(", ")
    return ", ".join(names[:count]) + (", ..." if len(names) > count else "")


def write(con: duckdb.DuckDBPyConnection, parsed: list[ParsedPoliceUK]) -> None:
    """Create the areas the files need, then store each file's counts as its force's part of the figures."""
    batches = list({id(p.batch_parts): p for p in parsed}.values())
    areas = pd.concat([p.new_areas for p in batches]).drop_duplicates("code")
    if len(areas):
        con.register("new_areas", areas)
        try:
            con.execute(
                """
                INSERT INTO areas (code, name, type, parent_code)
                SELECT code, name, type, parent_code FROM new_areas
                WHERE action = 'create' AND code NOT IN (SELECT code FROM areas)
                """
            )
            con.execute(
                """
                UPDATE areas SET parent_code = n.parent_code FROM new_areas AS n
                WHERE n.action = 'adopt' AND areas.code = n.code AND areas.parent_code IS NULL
                """
            )
        finally:
            con.unregister("new_areas")
    files = pa.array([p.path for p in parsed])
    load_ids = pa.array([p.report.load_id for p in parsed], pa.int32())
    incoming = pa.concat_tables([p.batch_parts for p in batches])
    position = pc.index_in(incoming["file"], value_set=files)
    incoming = incoming.filter(pc.is_valid(position)).append_column("load_id", load_ids.take(position.drop_null()))
    places = pa.concat_tables([p.batch_lsoa for p in batches])
    position = pc.index_in(places["file"], value_set=files)
    places = places.filter(pc.is_valid(position)).append_column("load_id", load_ids.take(position.drop_null()))
    replaced = write_parts(con, incoming.drop_columns("file"), places.drop_columns("file"))
    _list_lsoas(con, pd.concat([p.new_lsoas for p in batches]).drop_duplicates("lsoa_code"))
    for item in parsed:
        if item.confirmed:
            con.execute("UPDATE loads SET note = $note WHERE load_id = $id",
                        {"note": "; ".join(item.confirmed), "id": item.report.load_id})
    for item in parsed:
        item.report.rows_replaced = replaced.get(item.report.load_id, 0)


def write_parts(con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame | pa.Table,
                places: pa.Table | None = None) -> dict[int, int]:
    """Replace each force's months given in ``incoming`` (reported_by, period, area_code, indicator_id,
    count, load_id) and recompute the figures they touch as the sum of the forces' parts; the same months'
    rows per LSOA are replaced by ``places`` (``policeuk_lsoa_counts``' columns; none for district counts alone).

    Returns, per load, how many parts it replaced (a month loaded before)."""
    con.register("incoming_parts", incoming)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE incoming_months AS SELECT DISTINCT reported_by, period, load_id FROM incoming_parts")
        replaced = dict(con.execute(
            """
            SELECT m.load_id, count(*) FROM policeuk_counts AS c JOIN incoming_months AS m USING (reported_by, period)
            GROUP BY m.load_id
            """
        ).fetchall())
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE affected AS
            SELECT indicator_id, area_code, period FROM policeuk_counts JOIN incoming_months USING (reported_by, period)
            UNION
            SELECT indicator_id, area_code, period FROM incoming_parts
            """
        )
        con.execute(
            """
            DELETE FROM policeuk_counts AS c USING incoming_months AS m
            WHERE c.reported_by = m.reported_by AND c.period = m.period
            """
        )
        con.execute(
            """
            INSERT INTO policeuk_counts (reported_by, period, area_code, indicator_id, count, load_id)
            SELECT reported_by, period, area_code, indicator_id, count, load_id FROM incoming_parts
            """
        )
        # why: the places behind a force's month are replaced with it, so they always add up to its counts
        con.execute(
            """
            DELETE FROM policeuk_lsoa_counts AS c USING (SELECT DISTINCT reported_by, period FROM incoming_months) AS m
            WHERE c.reported_by = m.reported_by AND c.period = m.period
            """
        )
        if places is not None:
            _write_places(con, places)
        con.execute(
            """
            DELETE FROM observations AS o USING affected AS a
            WHERE o.indicator_id = a.indicator_id AND o.area_code = a.area_code AND o.period = a.period
            """
        )
        # why: a figure is the sum of every force's part; it carries the latest load that touched it
        con.execute(
            """
            INSERT INTO observations (indicator_id, area_code, period, numerator, denominator, load_id)
            SELECT c.indicator_id, c.area_code, c.period, sum(c.count), NULL, max(c.load_id)
            FROM policeuk_counts AS c JOIN affected AS a USING (indicator_id, area_code, period)
            GROUP BY ALL
            """
        )
    finally:
        con.execute("DROP TABLE IF EXISTS incoming_months")
        con.execute("DROP TABLE IF EXISTS affected")
        con.unregister("incoming_parts")
    return replaced


PLACE_COLUMNS = ["reported_by", "falls_within", "period", "lsoa_code", "lsoa_name", "crime_type", "indicator_id",
                 "area_code", "count", "load_id"]


def _write_places(con: duckdb.DuckDBPyConnection, places: pa.Table) -> None:
    con.register("incoming_places", places)
    try:
        con.execute(f"INSERT INTO policeuk_lsoa_counts ({', '.join(PLACE_COLUMNS)}) "
                    f"SELECT {', '.join(PLACE_COLUMNS)} FROM incoming_places")
    finally:
        con.unregister("incoming_places")


def _list_lsoas(con: duckdb.DuckDBPyConnection, new_lsoas: pd.DataFrame) -> None:
    """Add the LSOA codes the database's list lacks (2021 ones, or codes in neither lookup), and complete any
    listed earlier without a lookup's word on them."""
    if new_lsoas.empty:
        return
    con.register("new_lsoas", new_lsoas)
    try:
        con.execute(
            """
            UPDATE lsoas SET la_code = coalesce(n.la_code, lsoas.la_code), lsoa11_code = n.lsoa11_code, census = n.census
            FROM new_lsoas AS n WHERE lsoas.lsoa_code = n.lsoa_code AND lsoas.census IS NULL AND n.census IS NOT NULL
            """
        )
        con.execute(
            """
            INSERT INTO lsoas (lsoa_code, lsoa_name, la_code, lsoa11_code, census)
            SELECT lsoa_code, lsoa_name, la_code, lsoa11_code, census FROM new_lsoas
            WHERE lsoa_code NOT IN (SELECT lsoa_code FROM lsoas)
            """
        )
    finally:
        con.unregister("new_lsoas")


def _holds_exactly(con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame, table: str, columns: list[str]) -> bool:
    """Whether ``table`` holds exactly ``incoming``'s rows (``columns``) for their forces' months, and no others."""
    if incoming.empty:
        return True
    con.register("incoming_rows", incoming[columns])
    try:
        differences = con.execute(
            f"""
            WITH months AS (SELECT DISTINCT reported_by, period FROM incoming_rows),
            held AS (SELECT {', '.join('c.' + c for c in columns)} FROM {table} AS c JOIN months USING (reported_by, period))
            SELECT count(*) FROM (
                (SELECT * FROM held EXCEPT ALL SELECT * FROM incoming_rows)
                UNION ALL
                (SELECT * FROM incoming_rows EXCEPT ALL SELECT * FROM held)
            )
            """
        ).fetchall()[0][0]
    finally:
        con.unregister("incoming_rows")
    return differences == 0


def places_unchanged(con: duckdb.DuckDBPyConnection, places: pd.DataFrame) -> bool:
    """Whether the database holds exactly these rows per LSOA for their forces' months (and no others)."""
    return _holds_exactly(con, places, "policeuk_lsoa_counts", [c for c in PLACE_COLUMNS if c != "load_id"])


def parts_unchanged(con: duckdb.DuckDBPyConnection, parts: pd.DataFrame) -> bool:
    """Whether the database holds exactly these parts for their forces' months (and no others)."""
    return _holds_exactly(con, parts, "policeuk_counts", ["reported_by", "period", "area_code", "indicator_id", "count"])


def unchanged(con: duckdb.DuckDBPyConnection, parsed: ParsedPoliceUK) -> bool:
    return parts_unchanged(con, parsed.parts) and places_unchanged(con, parsed.lsoa_parts)
