"""Shared by the loading tests: a small base database (schema and reference tables, no observations),
the police.uk fixture cut from the real files, and a plain pandas count of its rows to compare with."""
from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from lscsb_data.figures import db
from lscsb_data.loaders.build import load_reference_tables
from lscsb_data.config import DATA_DIR
from tests.once import built_once

FIXTURES = Path(__file__).parent / "fixtures"
POLICEUK = FIXTURES / "policeuk"
POLICEUK_MONTHS = sorted(POLICEUK.glob("*/*-street.csv"))
OTHER_FORCE = FIXTURES / "policeuk_other" / "2016-07-west-yorkshire-street.csv"
LLR_FORCE = "E23000021"


def make_base_db(path: Path) -> Path:
    """The schema and the reference tables from data/ (areas, indicators, population), no observations."""
    with db.writable_copy(path, start_empty=True) as con:
        db.create_schema(con)
        load_reference_tables(con)
        db.refresh_materialized(con)
    return path


@pytest.fixture(scope="session")
def base_db_path(tmp_path_factory) -> Path:
    return built_once(tmp_path_factory, "loading-base.duckdb", make_base_db)


@pytest.fixture()
def db_path(base_db_path, tmp_path) -> Path:
    """A private copy of the base database for one test."""
    target = tmp_path / "lscsb.duckdb"
    shutil.copyfile(base_db_path, target)
    return target


def zip_of(folder: Path, target: Path, extra: dict[str, str] | None = None) -> Path:
    """A zip archive laid out as data.police.uk serves it: one ``YYYY-MM/`` folder per month."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.glob("*/*.csv")):
            archive.write(path, f"{path.parent.name}/{path.name}")
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return target


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def pandas_counts(files: list[Path]) -> pd.DataFrame:
    """Counts per month, area and indicator by a plain pandas groupby of the raw rows (the expectation).

    LSOA code through data/lsoa_lookup.csv, else the LSOA name's prefix, else the force's no-location area.
    """
    rows = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    lookup = pd.read_csv(DATA_DIR / "lsoa_lookup.csv", dtype=str).set_index("lsoa_code").la_code
    prefixes = pd.read_csv(DATA_DIR / "lsoa_name_prefixes.csv", dtype=str).set_index("prefix").la_code
    by_code = rows["LSOA code"].map(lookup)
    by_name = rows["LSOA name"].str.extract(r"^(.*) \d{3}[A-Z]$")[0].map(prefixes)
    rows["area_code"] = by_code.fillna(by_name).fillna(f"{LLR_FORCE}-UNALLOCATED")
    rows["indicator_id"] = "policeuk_" + rows["Crime type"].str.lower().str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")
    rows["period"] = pd.to_datetime(rows.Month + "-01").dt.date
    by_type = rows.groupby(["period", "area_code", "indicator_id"]).size()
    crimes = rows[rows.indicator_id != "policeuk_anti_social_behaviour"]
    all_crime = crimes.assign(indicator_id="policeuk_all_crime").groupby(["period", "area_code", "indicator_id"]).size()
    return pd.concat([by_type, all_crime]).rename("numerator").reset_index()


def stored_counts(con, periods) -> pd.DataFrame:
    """Non-zero police.uk observations for the given months."""
    return con.execute(
        """
        SELECT period, area_code, indicator_id, numerator FROM observations
        WHERE indicator_id LIKE 'policeuk_%' AND numerator > 0 AND period IN (SELECT unnest($periods))
        """,
        {"periods": list(periods)},
    ).df().assign(period=lambda f: pd.to_datetime(f.period).dt.date)


def same_counts(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    key = ["period", "area_code", "indicator_id"]
    left = left.sort_values(key).reset_index(drop=True).astype({"numerator": "int64"})
    right = right.sort_values(key).reset_index(drop=True).astype({"numerator": "int64"})
    return left[[*key, "numerator"]].equals(right[[*key, "numerator"]])
