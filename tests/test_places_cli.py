"""`python -m lscsb_data lsoa`: per LSOA of an area, the police.uk count over the 12 months ending at a period,
equal to an independent pandas count of the raw rows (the reference download, and the fixture months)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from lscsb_data import loaders
from lscsb_data.config import DATA_DIR
from tests.cli_support import Result, run_cli
from tests.loading_support import POLICEUK_MONTHS, base_db_path, db_path  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_ZIP = ROOT.parent / "shared" / "reference" / "policeuk" / "leicestershire-2019-12-to-2021-11.zip"
LOOKUP = pd.read_csv(DATA_DIR / "lsoa_lookup.csv", dtype=str)
COUNTY_DISTRICTS = [f"E07000{code}" for code in range(129, 136)]


def _lsoa(db, *args: str) -> Result:
    return run_cli("lsoa", "--db", db, *args)


@pytest.fixture(scope="module")
def raw_rows() -> pd.DataFrame:
    assert REFERENCE_ZIP.exists(), f"the police.uk reference download is missing: {REFERENCE_ZIP}"
    with zipfile.ZipFile(REFERENCE_ZIP) as archive:
        return pd.concat([pd.read_csv(archive.open(n), dtype=str, keep_default_na=False)
                          for n in archive.namelist() if n.endswith("-street.csv")], ignore_index=True)


def _independent(raw: pd.DataFrame, las: list[str], first: str, last: str, crime_type: str | None) -> pd.Series:
    """Rows per LSOA code of the local authorities, by pandas alone: every 2011 LSOA of them (zero if none)."""
    rows = raw[(raw.Month >= first) & (raw.Month <= last)]
    rows = rows[rows["Crime type"] != "Anti-social behaviour"] if crime_type is None else rows[rows["Crime type"] == crime_type]
    placed = rows.merge(LOOKUP, left_on="LSOA code", right_on="lsoa_code")
    counted = placed[placed.la_code.isin(las)].groupby("lsoa_code").size()
    every = LOOKUP[LOOKUP.la_code.isin(las)].lsoa_code
    return counted.reindex(every, fill_value=0).sort_index()


@pytest.mark.parametrize("area, las, indicator, crime_type", [
    ("E07000131", ["E07000131"], "policeuk_all_crime", None),
    ("E07000130", ["E07000130"], "policeuk_burglary", "Burglary"),
    ("E10000018", COUNTY_DISTRICTS, "policeuk_anti_social_behaviour", "Anti-social behaviour"),
    ("E06000016", ["E06000016"], "policeuk_bicycle_theft", "Bicycle theft"),
])
def test_lsoa_counts_equal_an_independent_count_of_the_raw_download(demo_db_path, raw_rows, area, las, indicator, crime_type):
    result = _lsoa(demo_db_path, "--area", area, "--period", "2020-12", "--indicator", indicator, "--format", "csv")
    assert result.returncode == 0, result.stderr
    printed = pd.read_csv(io.StringIO(result.stdout), dtype={"count": "int64"})
    assert list(printed.columns) == ["lsoa_code", "lsoa_name", "indicator", "count"]
    assert set(printed.indicator) == {indicator}
    expected = _independent(raw_rows, las, "2020-01", "2020-12", crime_type)
    assert printed.set_index("lsoa_code")["count"].sort_index().equals(expected.rename("count"))
    assert list(printed["count"]) == sorted(printed["count"], reverse=True)
    names = LOOKUP.set_index("lsoa_code").lsoa_name
    assert (printed.lsoa_name == printed.lsoa_code.map(names)).all()
    assert "(source: police.uk)" in result.stderr and "warning" not in result.stderr


def test_harborough_2020_is_the_3882_crimes_police_uk_places_there(demo_db_path):
    result = _lsoa(demo_db_path, "--area", "E07000131", "--period", "2020-12", "--format", "csv")
    assert pd.read_csv(io.StringIO(result.stdout))["count"].sum() == 3882
    table = _lsoa(demo_db_path, "--area", "E07000131", "--period", "2020-12")
    assert table.stdout.startswith("policeuk_all_crime in Harborough (E07000131), 2020-01 to 2020-12: 3,882 police.uk rows in 47 LSOAs")


def test_a_window_with_months_missing_says_so_and_counts_the_months_held(db_path):
    loaders.load_files(db_path, POLICEUK_MONTHS)
    result = _lsoa(db_path, "--area", "E07000130", "--period", "2020-04", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert "warning: only 2 of the 12 months are held for Charnwood: the counts cover those months only" in result.stderr
    raw = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in POLICEUK_MONTHS], ignore_index=True)
    expected = _independent(raw, ["E07000130"], "2019-05", "2020-04", None)
    printed = pd.read_csv(io.StringIO(result.stdout)).set_index("lsoa_code")["count"].sort_index()
    assert printed.equals(expected.rename("count")) and printed.sum() > 0


@pytest.mark.parametrize("args, message", [
    (["--area", "E07000130", "--period", "2020-12", "--indicator", "all_crime"], "'all_crime' is not a police.uk indicator"),
    (["--area", "E07000999", "--period", "2020-12"], "unknown area 'E07000999': did you mean"),
    (["--area", "E07000130", "--period", "December"], "December"),
])
def test_bad_arguments_are_named(demo_db_path, args, message):
    result = _lsoa(demo_db_path, *args)
    assert result.returncode == 2 and message in result.stderr and not result.stdout


def test_the_coverage_command_reports_the_checks(demo_db_path):
    result = run_cli("coverage", "--db", demo_db_path)
    assert result.returncode == 0, result.stderr
    assert "Leicestershire Police: 2019-12 to 2021-11, 24 months" in result.stdout
    assert "Months missing: none" in result.stdout and "Many rows with no location: 1" in result.stdout


def test_public_mode_prints_no_lsoa_counts_of_a_sensitive_indicator(demo_db_path, monkeypatch):
    """Flagged sensitive, a police.uk category's counts per LSOA are not published in public mode: every count is
    [c], no total is printed, and standard error says why; the analyst's run prints them."""
    from lscsb_data.figures import places

    real = places.policeuk_indicators
    monkeypatch.setattr(places, "policeuk_indicators", lambda con: real(con).assign(sensitive=True))
    args = ("lsoa", "--db", demo_db_path, "--area", "E07000133", "--period", "2020-12", "--indicator", "policeuk_robbery",
            "--format", "csv")
    public = run_cli(*args, env={"LSCSB_PUBLIC": "1"})
    assert public.returncode == 0, public.stderr
    printed = pd.read_csv(io.StringIO(public.stdout), dtype=str)
    assert len(printed) > 0 and set(printed["count"]) == {"[c]"}
    assert "not published in public mode" in public.stderr and "police.uk rows" not in public.stderr
    analyst = run_cli(*args, unset=("LSCSB_PUBLIC",))
    assert analyst.returncode == 0 and "[c]" not in analyst.stdout and "police.uk rows" in analyst.stderr
    assert pd.read_csv(io.StringIO(analyst.stdout))["count"].sum() > 0
