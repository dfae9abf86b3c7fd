"""The police.uk importer on a fixture cut from the real Leicestershire files (tests/fixtures/policeuk/),
and the ONS population loader."""
from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest

from lscsb_data import connect, loaders, range_total, series
from tests.loading_support import (  # noqa: F401 (fixtures)
    LLR_FORCE,
    OTHER_FORCE,
    POLICEUK,
    POLICEUK_MONTHS,
    base_db_path,
    db_path,
    pandas_counts,
    same_counts,
    stored_counts,
    zip_of,
)

MARCH, APRIL = date(2020, 3, 1), date(2020, 4, 1)
UNALLOCATED = f"{LLR_FORCE}-UNALLOCATED"
LLR_AREAS = {f"E07000{code}" for code in range(129, 136)} | {"E06000016", "E06000017"}


def _raw(files) -> pd.DataFrame:
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)


@pytest.mark.parametrize("shape", ["zip", "folder", "files"])
def test_counts_per_district_and_type_equal_a_pandas_groupby(db_path, tmp_path, shape):
    inputs = {
        "zip": [zip_of(POLICEUK, tmp_path / "download.zip")],
        "folder": [POLICEUK],
        "files": POLICEUK_MONTHS,
    }[shape]
    reports = loaders.load_files(db_path, inputs)
    assert [r.kind for r in reports] == ["police.uk street-level crime"] * 2
    with connect(db_path, read_only=True) as con:
        stored = stored_counts(con, [MARCH, APRIL])
    expected = pandas_counts(POLICEUK_MONTHS)
    assert len(expected) > 40
    assert same_counts(stored, expected)


def test_every_llr_district_gets_every_type_with_zeros_stored(db_path):
    loaders.load_files(db_path, POLICEUK_MONTHS)
    with connect(db_path, read_only=True) as con:
        grid = con.execute(
            """
            SELECT area_code, count(*) AS figures FROM observations
            WHERE period = $march AND indicator_id LIKE 'policeuk_%' GROUP BY area_code
            """,
            {"march": MARCH},
        ).df().set_index("area_code").figures
        types = con.execute("SELECT count(*) FROM indicators WHERE theme = 'policeuk'").fetchone()[0]
    assert LLR_AREAS | {UNALLOCATED} <= set(grid.index)
    assert set(grid[list(LLR_AREAS | {UNALLOCATED})]) == {types}


def test_rows_with_no_location_count_towards_the_force_as_unallocated(db_path):
    reports = loaders.load_files(db_path, POLICEUK_MONTHS)
    raw = _raw(POLICEUK_MONTHS)
    no_location = raw[raw["LSOA code"] == ""]
    assert len(no_location) == 12
    assert sum(r.rows_unallocated for r in reports) == len(no_location)
    with connect(db_path, read_only=True) as con:
        unallocated = con.execute(
            "SELECT sum(numerator) FROM observations WHERE area_code = $code AND indicator_id <> 'policeuk_all_crime'",
            {"code": UNALLOCATED},
        ).fetchone()[0]
        recorded = con.execute("SELECT sum(rows_unallocated), sum(rows_read) FROM loads").fetchone()
        force = range_total(con, start=MARCH, end=APRIL, indicator="policeuk_anti_social_behaviour", area=LLR_FORCE)
    assert unallocated == len(no_location)
    assert recorded == (len(no_location), len(raw))
    counted = pandas_counts(POLICEUK_MONTHS)
    asb = counted[(counted.indicator_id == "policeuk_anti_social_behaviour")
                  & counted.area_code.isin(LLR_AREAS | {UNALLOCATED})].numerator.sum()
    assert force.numerator.iloc[0] == asb


def test_rows_in_another_forces_districts_are_kept_under_their_own_district(db_path):
    reports = loaders.load_files(db_path, POLICEUK_MONTHS)
    counted = pandas_counts(POLICEUK_MONTHS)
    outside = counted[~counted.area_code.isin(LLR_AREAS | {UNALLOCATED}) & (counted.indicator_id != "policeuk_all_crime")]
    assert outside.numerator.sum() == 16
    assert any("local authorities of other forces, kept under their own area" in n for r in reports for n in r.notes)
    with connect(db_path, read_only=True) as con:
        areas = con.execute("SELECT code, type, parent_code FROM areas").df().set_index("code")
        force_total = range_total(con, start=MARCH, end=APRIL, indicator="policeuk_all_crime", area=LLR_FORCE)
    assert set(outside.area_code) <= set(areas.index)
    # why: the neighbouring forces are not loaded, so their districts stand alone rather than summing into a partial force
    assert areas.parent_code[list(set(outside.area_code))].isna().all()
    inside = counted[counted.area_code.isin(LLR_AREAS | {UNALLOCATED}) & (counted.indicator_id == "policeuk_all_crime")]
    assert force_total.numerator.iloc[0] == inside.numerator.sum()


def test_a_month_loaded_twice_is_counted_once_and_recognised(db_path):
    loaders.load_files(db_path, [POLICEUK_MONTHS[0]])
    again = loaders.load_files(db_path, [POLICEUK_MONTHS[0]])
    assert again[0].skipped
    assert any(note.startswith("identical to load 1 (") for note in again[0].notes)
    with connect(db_path, read_only=True) as con:
        assert same_counts(stored_counts(con, [MARCH]), pandas_counts([POLICEUK_MONTHS[0]]))
        assert con.execute("SELECT count(*) FROM loads").fetchone()[0] == 1


def test_a_revised_month_replaces_the_one_held(db_path, tmp_path):
    loaders.load_files(db_path, POLICEUK_MONTHS)
    revised = tmp_path / "2020-03-leicestershire-street.csv"
    lines = POLICEUK_MONTHS[0].read_text().splitlines(keepends=True)
    revised.write_text("".join(lines[:-10]))
    report = loaders.load_files(db_path, [revised])[0]
    assert report.rows_replaced > 0 and not report.skipped
    with connect(db_path, read_only=True) as con:
        assert same_counts(stored_counts(con, [MARCH]), pandas_counts([revised]))
        assert same_counts(stored_counts(con, [APRIL]), pandas_counts([POLICEUK_MONTHS[1]]))


def test_one_forces_month_twice_in_one_load_is_refused(db_path, tmp_path):
    copy = tmp_path / "copy-of-march.csv"
    lines = POLICEUK_MONTHS[0].read_text().splitlines(keepends=True)
    copy.write_text("".join(lines[:-1]))
    with pytest.raises(loaders.LoadError, match="which .* also holds: load each force's month once"):
        loaders.load_files(db_path, [POLICEUK_MONTHS[0], copy])


def test_outcomes_and_stop_and_search_files_in_an_archive_are_skipped_and_said(db_path, tmp_path):
    archive = zip_of(POLICEUK, tmp_path / "download.zip", extra={
        "2020-03/2020-03-leicestershire-outcomes.csv": "Crime ID,Month\nx,2020-03\n",
        "2020-03/2020-03-leicestershire-stop-and-search.csv": "Type,Date\nx,y\n",
    })
    said = []
    reports = loaders.load_files(db_path, [archive], progress=said.append)
    assert len(reports) == 2
    assert any("skipped 2 police.uk outcomes or stop-and-search files" in line for line in said)
    assert any(line.startswith("police.uk: read 270 rows from 2/2 files") for line in said)


def test_another_forces_files_create_its_areas_from_the_lookup(db_path):
    report = loaders.load_files(db_path, [OTHER_FORCE])[0]
    assert any("creates" in note and "force area" in note for note in report.notes)
    with connect(db_path, read_only=True) as con:
        force = con.execute("SELECT code, name FROM areas WHERE type = 'force' AND code = 'E23000010'").fetchone()
        stored = stored_counts(con, [date(2016, 7, 1)])
        leeds_parent = con.execute("SELECT parent_code FROM areas WHERE code = 'E08000035'").fetchone()[0]
    assert force == ("E23000010", "West Yorkshire police force area")
    assert leeds_parent == "E23000010"
    expected = pandas_counts([OTHER_FORCE])
    expected["area_code"] = expected.area_code.replace(UNALLOCATED, "E23000010-UNALLOCATED")
    assert same_counts(stored, expected)


def test_a_2021_lsoa_not_in_the_lookup_is_placed_by_its_name(db_path, tmp_path):
    lines = POLICEUK_MONTHS[0].read_text().splitlines(keepends=True)
    row = lines[1].split(",")
    row[7], row[8] = "E01099999", "Charnwood 099Z"
    month = tmp_path / "2020-03-leicestershire-street.csv"
    month.write_text(lines[0] + ",".join(row))
    loaders.load_files(db_path, [month])
    with connect(db_path, read_only=True) as con:
        placed = con.execute(
            "SELECT area_code FROM observations WHERE period = $march AND numerator > 0 AND indicator_id <> 'policeuk_all_crime'",
            {"march": MARCH},
        ).fetchall()
    assert placed == [("E07000130",)]


def test_dry_run_reports_and_writes_nothing(db_path):
    before = db_path.read_bytes()
    reports = loaders.load_files(db_path, POLICEUK_MONTHS, dry_run=True)
    assert sum(r.rows_read for r in reports) == len(_raw(POLICEUK_MONTHS))
    assert db_path.read_bytes() == before


POPULATION = """area_code,area_name,year,persons,persons_10_17
E07000129,Blaby,2020,200000,20000
E07000129,Blaby,2021,250000,21000
"""


def test_population_estimates_set_the_rate_of_their_year(db_path, tmp_path):
    loaders.load_files(db_path, POLICEUK_MONTHS)
    estimates = tmp_path / "mye.csv"
    estimates.write_text(POPULATION)
    report = loaders.load_files(db_path, [estimates])[0]
    assert (report.kind, report.rows_loaded, report.rows_replaced) == ("ONS mid-year population estimates", 2, 1)
    with connect(db_path, read_only=True) as con:
        blaby = series(con, indicator="policeuk_all_crime", area="E07000129", start=MARCH, end=APRIL)
        held = con.execute(
            "SELECT year, persons, persons_10_17, source FROM population WHERE area_code = 'E07000129' AND year >= 2020 ORDER BY year"
        ).fetchall()
    assert held == [(2020, 200000, 20000, "ONS mid-year estimate 2020"), (2021, 250000, 21000, "ONS mid-year estimate 2021")]
    assert list(blaby.denominator) == [200000, 200000]
    assert list(blaby.population_year) == [2020, 2020]
    assert blaby.value.iloc[0] == pytest.approx(blaby.numerator.iloc[0] / 200)


def test_the_real_ons_layout_loads(db_path, tmp_path):
    estimates = tmp_path / "ons_mye_districts.csv"
    shutil.copyfile(POLICEUK.parent / "ons_mye_sample.csv", estimates)
    report = loaders.load_files(db_path, [estimates])[0]
    assert report.rows_loaded == 6
    assert loaders.load_files(db_path, [estimates])[0].skipped


def test_the_benchmarks_pandas_yardstick_counts_what_the_loader_counts(db_path):
    from lscsb_data.tools import bench_load

    loaders.load_files(db_path, [POLICEUK])
    with connect(db_path, read_only=True) as con:
        stored = stored_counts(con, [MARCH, APRIL])
    yardstick = bench_load.pandas_counts([POLICEUK]).assign(period=lambda f: f.period.dt.date)
    assert same_counts(stored[stored.indicator_id != "policeuk_all_crime"], yardstick)


def test_refreshing_the_committed_counts_replaces_the_months_downloaded_again(tmp_path):
    from lscsb_data.config import DATA_DIR
    from lscsb_data.loaders.build import build
    from lscsb_data.loaders.refresh import COUNT_COLUMNS, refresh_policeuk

    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir, ignore=shutil.ignore_patterns("demo", "*.duckdb*"))
    committed = pd.read_csv(data_dir / "policeuk" / "leicestershire-police.csv", dtype=str, keep_default_na=False)
    # why: the fixture months are cut from the real ones, so they hold far fewer rows than the months they replace
    with pytest.raises(loaders.LoadError, match="would replace Leicestershire Police's 2020-03, which holds 8,146 rows"):
        refresh_policeuk(POLICEUK_MONTHS, data_dir=data_dir)
    written = refresh_policeuk(POLICEUK_MONTHS, data_dir=data_dir, confirm_fewer_rows=True)
    assert written == [data_dir / "policeuk" / "leicestershire-police.csv"]
    refreshed = pd.read_csv(written[0], dtype=str, keep_default_na=False)
    assert list(refreshed.columns) == COUNT_COLUMNS
    raw = _raw(POLICEUK_MONTHS)
    grouped = raw.groupby(COUNT_COLUMNS[:-1]).size().rename("Rows").reset_index()
    months = refreshed[refreshed.Month.isin(["2020-03", "2020-04"])].astype({"Rows": int})
    key = COUNT_COLUMNS[:-1]
    assert months.sort_values(key).reset_index(drop=True).equals(grouped.sort_values(key).reset_index(drop=True))
    untouched = committed[committed.Month == "2021-11"]
    assert untouched.reset_index(drop=True).equals(refreshed[refreshed.Month == "2021-11"].reset_index(drop=True))
    assert untouched.Rows.astype(int).sum() == 8718
    build(tmp_path / "rebuilt.duckdb", data_dir=data_dir)
    with connect(tmp_path / "rebuilt.duckdb", read_only=True) as con:
        assert same_counts(stored_counts(con, [MARCH, APRIL]), pandas_counts(POLICEUK_MONTHS))


def test_a_long_scan_says_how_far_it_has_got_and_stops_when_interrupted(monkeypatch):
    import duckdb

    from lscsb_data.loaders import policeuk

    monkeypatch.setattr(policeuk, "PROGRESS_SECONDS", 0.02)
    slow = "CREATE TABLE summed AS SELECT sum(hash(i)) AS total FROM range(100_000_000) AS t(i)"
    with duckdb.connect() as work:
        work.execute("SET enable_progress_bar = true")
        work.execute("SET enable_progress_bar_print = false")
        said = []
        policeuk._with_progress(work, slow, {}, said.append, "police.uk: reading 3 files")
        assert said and all(line.startswith("police.uk: reading 3 files: ") and line.endswith("% done") for line in said)
        assert work.execute("SELECT count(*) FROM summed").fetchall() == [(1,)]

        def stop(_line):
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            policeuk._with_progress(work, slow.replace("summed", "stopped"), {}, stop, "police.uk")
        assert not work.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stopped'").fetchall()[0][0]
