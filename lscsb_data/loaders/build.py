"""Build the database from the CSV sources in ``data/``, atomically."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb

from lscsb_data.figures import access, db
from lscsb_data import loaders
from lscsb_data.config import DATA_DIR
from lscsb_data.loaders import lookups

# Reference tables, loaded in this order (foreign keys point backwards).
REFERENCE_TABLES = (
    ("themes", "themes.csv"),
    ("area_types", "area_types.csv"),
    ("areas", "areas.csv"),
    ("comparator_groups", "comparator_groups.csv"),
    ("indicators", "indicators.csv"),
    ("population", "population.csv"),
    ("annotations", "annotations.csv"),
    ("covid_period", "covid_period_2019_2020.csv"),
    ("indicator_counterparts", "indicator_counterparts.csv"),
)
SOURCES_FILE = "observation_sources.csv"


def source_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """Every file the build reads; the database is stale when any is newer than it."""
    files = [data_dir / name for _, name in REFERENCE_TABLES] + [data_dir / SOURCES_FILE]
    files += [data_dir / name for name in lookups.LOOKUP_FILES.values()]
    for folder in _observation_folders(data_dir):
        files.extend(sorted((data_dir / folder["folder"]).glob("*.csv")))
    return files


def _observation_folders(data_dir: Path) -> list[dict]:
    with duckdb.connect() as con:
        return con.execute(
            "SELECT folder, source_label, is_demo FROM read_csv($path, header = true, all_varchar = true)",
            {"path": str(data_dir / SOURCES_FILE)},
        ).df().assign(is_demo=lambda f: f.is_demo.str.lower() == "true").to_dict("records")


def load_reference_tables(con: duckdb.DuckDBPyConnection, data_dir: Path = DATA_DIR) -> None:
    """Fill the reference tables from their CSV files, matching columns by name."""
    for table, file_name in REFERENCE_TABLES:
        path = data_dir / file_name
        extra = ", row_number() OVER () AS sort_order" if table in {"indicators", "covid_period"} else ""
        try:
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT *{extra} FROM read_csv($path, header = true, all_varchar = true)",
                {"path": str(path)},
            )
        except duckdb.Error as error:
            raise BuildError(f"{path}: {error}") from None
    try:
        lookups.load_lsoas(con, data_dir)
    except duckdb.Error as error:
        raise BuildError(f"{data_dir / lookups.LOOKUP_FILES['lsoa_lookup']}: {error}") from None


class BuildError(Exception):
    """The sources in data/ could not be built into a database; the previous database is untouched."""


def build(
    db_path: str | os.PathLike,
    *,
    data_dir: Path = DATA_DIR,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Create the database at ``db_path`` from ``data_dir``; a failure leaves any existing file as it was."""
    say = progress or (lambda _message: None)
    with db.writable_copy(db_path, start_empty=True) as con:
        db.create_schema(con)
        load_reference_tables(con, data_dir)
        say("reference tables loaded: themes, area types, areas, comparator groups, indicators, population, annotations, covid_period")
        for folder in _observation_folders(data_dir):
            files = sorted((data_dir / folder["folder"]).glob("*.csv"))
            if not files:
                continue
            try:
                reports = loaders.load_into(
                    con,
                    [loaders.InputFile(f"{data_dir.name}/{folder['folder']}/{f.name}", f.read_bytes()) for f in files],
                    source_label=folder["source_label"],
                    is_demo=folder["is_demo"],
                    progress=say,
                )
            except loaders.LoadError as error:
                raise BuildError(str(error)) from None
            say(f"{folder['folder']}: {sum(r.rows_loaded for r in reports):,} figures from {len(reports)} files")
        db.refresh_materialized(con)
    access.record(access.access_path(db_path), who=access.command_line_user(), action="build",
                  what=f"rebuilt {Path(db_path).name} from {data_dir}: it now holds only what data/ holds")


def is_stale(db_path: Path, data_dir: Path = DATA_DIR) -> bool:
    """Whether the database is missing or older than any of its sources (or the SQL that shapes it)."""
    if not db_path.exists():
        return True
    built = db_path.stat().st_mtime
    sql_files = list(db.SQL_DIR.glob("*.sql"))
    return any(path.stat().st_mtime > built for path in [*source_files(data_dir), *sql_files])
