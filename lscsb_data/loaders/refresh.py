"""``python -m lscsb_data refresh-policeuk``: regenerate the police.uk counts in ``data/policeuk/``.

The raw police.uk downloads are not committed; their rows are, counted: one file per force whose files
they came from (``data/policeuk/<force>.csv``), in police.uk's own columns (``Month, Reported by, Falls
within, LSOA code, LSOA name, Crime type``) with ``Rows``, the number of police.uk rows with those values.
The build loads it through the same police.uk loader as a download, so a fresh machine gets the district
counts, the counts per LSOA and the coverage checks from it. Refreshing loads the counts already committed
(unless ``replace``), then the new download on top through the same validating loader (police.uk revises
past months, so a month in the download replaces the one held), and writes the result back, adding to
``data/areas.csv`` any area the download created. Months held only as district counts (a tidy file with
``reported_by``, which has no places) are written back in that form, to ``<force>-districts.csv``.
"""
from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from lscsb_data.figures import db
from lscsb_data import loaders
from lscsb_data.loaders.build import load_reference_tables
from lscsb_data.loaders.common import scratch_folder
from lscsb_data.config import DATA_DIR
from lscsb_data.loaders.tidy import COLUMNS, OPTIONAL

FOLDER = "policeuk"
AREA_COLUMNS = ["code", "name", "type", "parent_code"]


def refresh_policeuk(
    paths: Iterable[str | os.PathLike],
    *,
    data_dir: Path = DATA_DIR,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
    confirm_fewer_rows: bool = False,
) -> list[Path]:
    """Rewrite ``data_dir/policeuk/*.csv`` (and new areas in ``data_dir/areas.csv``) from police.uk files.

    Returns the files written. Raises ``LoadError`` (and writes nothing) if any input is invalid.
    """
    say = progress or (lambda _message: None)
    folder = data_dir / FOLDER
    committed = sorted(folder.glob("*.csv"))
    with scratch_folder("refresh") as workdir:
        db_path = workdir / "refresh.duckdb"
        with db.writable_copy(db_path, start_empty=True) as con:
            db.create_schema(con)
            load_reference_tables(con, data_dir)
            if committed and not replace:
                loaders.load_into(con, [loaders.InputFile(str(p), path=p) for p in committed], progress=say)
        for report in loaders.load_files(db_path, paths, progress=say, confirm_fewer_rows=confirm_fewer_rows):
            say(report.summary_line())
        with db.connect(db_path, read_only=True) as con:
            written = _write_aggregates(con, folder)
            added = _add_new_areas(con, data_dir / "areas.csv")
    if added:
        say(f"added {added} areas to {data_dir / 'areas.csv'}")
    for stale in set(committed) - set(written):
        stale.unlink()
    return written


COUNT_COLUMNS = ["Month", "Reported by", "Falls within", "LSOA code", "LSOA name", "Crime type", "Rows"]


def _write_aggregates(con: duckdb.DuckDBPyConnection, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    counted = con.execute(
        """
        SELECT strftime(period, '%Y-%m') AS "Month", reported_by AS "Reported by", falls_within AS "Falls within",
               lsoa_code AS "LSOA code", lsoa_name AS "LSOA name", crime_type AS "Crime type", CAST(sum(count) AS BIGINT) AS "Rows"
        FROM policeuk_lsoa_counts GROUP BY ALL
        ORDER BY "Reported by", "Month", "LSOA code" NULLS FIRST, "LSOA name" NULLS FIRST, "Crime type", "Falls within"
        """
    ).df()[COUNT_COLUMNS]
    districts = con.execute(
        """
        SELECT indicator_id AS indicator, area_code, strftime(period, '%Y-%m') AS period, count AS numerator,
               NULL AS denominator, reported_by
        FROM policeuk_counts AS c
        WHERE NOT EXISTS (SELECT 1 FROM policeuk_lsoa_counts AS l WHERE l.reported_by = c.reported_by AND l.period = c.period)
        ORDER BY reported_by, indicator_id, area_code, period
        """
    ).df()[COLUMNS + list(OPTIONAL)]
    written = []
    for frame, by, suffix in ((counted, "Reported by", ""), (districts, "reported_by", "-districts")):
        for reporter, rows in frame.groupby(by, sort=True):
            target = folder / f"{_slug(reporter)}{suffix}.csv"
            temporary = target.with_suffix(".csv.tmp")
            rows.to_csv(temporary, index=False, lineterminator="\n")
            os.replace(temporary, target)
            written.append(target)
    return written


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "police-uk"


def _add_new_areas(con: duckdb.DuckDBPyConnection, areas_csv: Path) -> int:
    """Append the areas the loads created to ``areas.csv``, and record parents newly given to
    areas already listed; returns how many rows changed."""
    with open(areas_csv, newline="") as handle:
        listed = list(csv.DictReader(handle))
    held = {row[0]: dict(zip(AREA_COLUMNS, row)) for row in con.execute(
        f"""
        SELECT {', '.join(AREA_COLUMNS)} FROM areas
        ORDER BY CASE type WHEN 'force' THEN 1 WHEN 'unallocated' THEN 3 ELSE 2 END, code
        """).fetchall()}
    changed = 0
    for row in listed:
        parent = held.get(row["code"], {}).get("parent_code")
        if not row["parent_code"] and parent:
            row["parent_code"] = parent
            changed += 1
    known = {row["code"] for row in listed}
    for code, row in held.items():
        if code not in known:
            listed.append({key: ("" if value is None else value) for key, value in row.items()})
            changed += 1
    if changed:
        temporary = areas_csv.with_suffix(".csv.tmp")
        with open(temporary, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=AREA_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(listed)
        os.replace(temporary, areas_csv)
    return changed
