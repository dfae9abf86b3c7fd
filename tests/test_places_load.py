"""police.uk rows kept per LSOA (policeuk_lsoa_counts): they add up to the district counts, equal a plain pandas
count of the raw rows, survive reloads with them, and the 2021 LSOAs police.uk uses since 2023 are placed
(district, and 2011 LSOA where the lookup allows) or reported, never dropped."""
from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest

from lscsb_data import connect, loaders
from lscsb_data.config import DATA_DIR
from lscsb_data.loaders import lookups
from tests.loading_support import FIXTURES, LLR_FORCE, POLICEUK_MONTHS, base_db_path, db_path  # noqa: F401 (fixtures)

MARCH, APRIL, JUNE_2023 = date(2020, 3, 1), date(2020, 4, 1), date(2023, 6, 1)
UNALLOCATED = f"{LLR_FORCE}-UNALLOCATED"
MONTH_2023 = FIXTURES / "policeuk_2023" / "2023-06" / "2023-06-leicestershire-street.csv"
ONS_LSOA21 = FIXTURES / "lsoa21" / "ons_lsoa11_lsoa21_lookup_sample.csv"


def _raw(files) -> pd.DataFrame:
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)


def _places(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM policeuk_lsoa_counts").df().assign(period=lambda f: pd.to_datetime(f.period).dt.date)


def test_counts_per_lsoa_and_crime_type_equal_a_pandas_count_of_the_raw_rows(db_path):
    loaders.load_files(db_path, POLICEUK_MONTHS)
    raw = _raw(POLICEUK_MONTHS).replace("", None)
    expected = raw.groupby(["Month", "LSOA code", "Crime type"], dropna=False).size().rename("count").reset_index()
    with connect(db_path, read_only=True) as con:
        held = _places(con)
    held = held.assign(Month=pd.to_datetime(held.period).dt.strftime("%Y-%m"))
    held = held.groupby(["Month", "lsoa_code", "crime_type"], dropna=False)["count"].sum().reset_index()
    held.columns = expected.columns
    key = ["Month", "LSOA code", "Crime type"]
    assert len(expected) > 100
    assert held.sort_values(key).reset_index(drop=True).equals(expected.sort_values(key).reset_index(drop=True))


def test_the_places_add_up_to_every_district_count(db_path):
    loaders.load_files(db_path, POLICEUK_MONTHS)
    with connect(db_path, read_only=True) as con:
        mismatches = con.execute(
            """
            WITH places AS (
                SELECT reported_by, period, area_code, indicator_id, sum(count) AS count FROM policeuk_lsoa_counts GROUP BY ALL
                UNION ALL
                SELECT reported_by, period, area_code, 'policeuk_all_crime', sum(count) FROM policeuk_lsoa_counts
                WHERE indicator_id <> 'policeuk_anti_social_behaviour' GROUP BY ALL
            )
            SELECT count(*) FROM policeuk_counts AS c FULL JOIN places AS p USING (reported_by, period, area_code, indicator_id)
            WHERE coalesce(c.count, 0) <> coalesce(p.count, 0)
            """
        ).fetchone()[0]
        totals = con.execute("SELECT sum(count) FROM policeuk_lsoa_counts").fetchone()[0]
    assert mismatches == 0
    assert totals == len(_raw(POLICEUK_MONTHS))


def test_a_reload_replaces_the_places_with_the_month(db_path, tmp_path):
    loaders.load_files(db_path, POLICEUK_MONTHS)
    revised = tmp_path / "2020-03-leicestershire-street.csv"
    lines = POLICEUK_MONTHS[0].read_text().splitlines(keepends=True)
    revised.write_text("".join(lines[:-5]))
    loaders.load_files(db_path, [revised])
    with connect(db_path, read_only=True) as con:
        march = con.execute("SELECT sum(count) FROM policeuk_lsoa_counts WHERE period = $m", {"m": MARCH}).fetchone()[0]
        april = con.execute("SELECT sum(count) FROM policeuk_lsoa_counts WHERE period = $m", {"m": APRIL}).fetchone()[0]
    assert (march, april) == (len(lines) - 6, len(_raw([POLICEUK_MONTHS[1]])))


def test_a_tidy_reload_of_district_counts_clears_the_months_places(db_path, tmp_path):
    loaders.load_files(db_path, POLICEUK_MONTHS)
    tidy = tmp_path / "districts.csv"
    tidy.write_text("indicator,area_code,period,numerator,denominator,reported_by\n"
                    "policeuk_burglary,E07000129,2020-03,7,,Leicestershire Police\n")
    loaders.load_files(db_path, [tidy], confirm_fewer_rows=True)
    with connect(db_path, read_only=True) as con:
        months = con.execute("SELECT DISTINCT period FROM policeuk_lsoa_counts").fetchall()
    assert months == [(APRIL,)]


@pytest.fixture()
def lookup_2021(tmp_path, monkeypatch):
    """data/ with the 2021 lookup written from a sample in the ONS layout (2021 codes made up for the test)."""
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir, ignore=shutil.ignore_patterns("demo", "policeuk", "*.duckdb*"))
    written = lookups.derive_lsoa21(ONS_LSOA21, data_dir)
    monkeypatch.setattr(lookups, "DATA_DIR", data_dir)
    return written, pd.read_csv(data_dir / "lsoa21_lookup.csv", dtype=str, keep_default_na=False)


def test_the_ons_2021_lookup_keeps_new_codes_and_the_one_2011_lsoa_a_split_lies_in(lookup_2021):
    written, lookup = lookup_2021
    assert written == 3
    assert lookup.to_dict("records") == [
        {"lsoa21_code": "E01035901", "lsoa21_name": "Charnwood 022F", "lsoa11_code": "E01025670", "change": "S", "la_code": "E07000130"},
        {"lsoa21_code": "E01035902", "lsoa21_name": "Charnwood 022G", "lsoa11_code": "E01025670", "change": "S", "la_code": "E07000130"},
        {"lsoa21_code": "E01035903", "lsoa21_name": "Charnwood 022H", "lsoa11_code": "", "change": "M", "la_code": "E07000130"},
    ]


def test_2021_lsoas_are_placed_in_their_district_and_2011_lsoa_or_reported_never_dropped(db_path, lookup_2021):
    report = loaders.load_files(db_path, [MONTH_2023])[0]
    with connect(db_path, read_only=True) as con:
        places = con.execute(
            """
            SELECT c.lsoa_code, c.area_code, l.lsoa11_code, l.census, sum(c.count) AS rows
            FROM policeuk_lsoa_counts AS c LEFT JOIN lsoas AS l USING (lsoa_code)
            WHERE c.period = $june GROUP BY ALL ORDER BY c.lsoa_code NULLS LAST
            """,
            {"june": JUNE_2023},
        ).fetchall()
        district = dict(con.execute(
            "SELECT area_code, numerator FROM observations WHERE period = $june AND indicator_id = 'policeuk_all_crime' AND numerator > 0",
            {"june": JUNE_2023}).fetchall())
    assert places == [
        ("E01025631", "E07000129", "E01025631", 2011, 2),   # a 2011 code, unchanged in 2021
        ("E01035901", "E07000130", "E01025670", 2021, 2),   # split from Charnwood 022A: its 2011 LSOA
        ("E01035902", "E07000130", "E01025670", 2021, 2),
        ("E01035903", "E07000130", None, 2021, 3),          # merged from two: the district, no single 2011 LSOA
        ("E01035999", "E07000130", None, None, 2),          # in no lookup: the district its name starts with
        ("E01039998", UNALLOCATED, None, None, 1),          # placed nowhere: counted as no location, and said
        (None, UNALLOCATED, None, None, 1),                 # no location
    ]
    assert sum(rows for *_, rows in places) == len(_raw([MONTH_2023]))
    assert district == {"E07000129": 2, "E07000130": 8, UNALLOCATED: 2}
    notes = "\n".join(report.notes)
    assert ("9 rows in LSOAs that are not 2011 LSOAs (police.uk's 2021 codes, used since 2023), all counted in their "
            "district: 4 placed in the 2011 LSOA they lie within (data/lsoa21_lookup.csv), 5 in no single 2011 LSOA "
            "(merged, or not in data/lsoa21_lookup.csv; e.g. 'E01035903 Charnwood 022H', 'E01035999 Charnwood 099F')") in notes
    assert "1 row in LSOAs neither in data/lsoa_lookup.csv nor named after a known local authority (e.g. 'Nowhere 001A')" in notes


def test_the_build_holds_every_row_of_the_real_download_per_lsoa_from_the_committed_counts(demo_con):
    """data/policeuk/ (written by refresh-policeuk from the reference download) gives a fresh clone's build the places."""
    import zipfile

    reference = DATA_DIR.parent.parent / "shared" / "reference" / "policeuk" / "leicestershire-2019-12-to-2021-11.zip"
    assert reference.exists(), f"the police.uk reference download is missing: {reference}"
    with zipfile.ZipFile(reference) as archive:
        raw = pd.concat([pd.read_csv(archive.open(name), dtype=str, keep_default_na=False)
                         for name in archive.namelist() if name.endswith("-street.csv")], ignore_index=True)
    expected = raw.groupby(["Month", "LSOA code", "Crime type"]).size()
    held = demo_con.execute(
        """
        SELECT strftime(period, '%Y-%m') AS month, coalesce(lsoa_code, '') AS lsoa, crime_type, sum(count) AS rows
        FROM policeuk_lsoa_counts GROUP BY ALL
        """
    ).df().set_index(["month", "lsoa", "crime_type"]).rows.astype("int64")
    held.index.names = expected.index.names
    assert len(raw) == 196_893
    assert held.sort_index().equals(expected.sort_index())
