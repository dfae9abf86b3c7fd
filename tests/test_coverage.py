"""The police.uk coverage checks: each case has its files in tests/coverage_files/ and its exact words in
expected_findings.csv (the refusals of single files are in the bad-file corpus); the checks on the real 24
months; and the case the issue found (a month of 80 rows, each Crime ID twice, replacing the whole month)."""
from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from lscsb_data import connect, loaders
from lscsb_data.figures import coverage
from tests.loading_support import base_db_path, db_path  # noqa: F401 (fixtures)

TESTS = Path(__file__).parent
CASES = TESTS / "coverage_files"
REFERENCE_ZIP = TESTS.parent.parent / "shared" / "reference" / "policeuk" / "leicestershire-2019-12-to-2021-11.zip"
with open(CASES / "expected_findings.csv", newline="") as handle:
    EXPECTED = list(csv.DictReader(handle))


def _paths(cell: str) -> list[Path]:
    return [Path("tests") / ("coverage_files/" + name if not name.startswith("fixtures/") else name)
            for name in cell.split(";") if name]


def test_every_case_folder_has_an_expected_finding():
    used = {path.parent.name for row in EXPECTED for path in _paths(row["load"])}
    assert used == {p.name for p in CASES.iterdir() if p.is_dir()}


@pytest.mark.parametrize("case", EXPECTED, ids=[row["case"] for row in EXPECTED])
def test_each_coverage_case_says_what_it_found(db_path, case, monkeypatch):
    monkeypatch.chdir(TESTS.parent)
    if case["held"]:
        loaders.load_files(db_path, _paths(case["held"]))
    before = db_path.read_bytes()
    confirm = case["confirm"] == "true"
    if case["outcome"] == "refused":
        with pytest.raises(loaders.LoadError) as raised:
            loaders.load_files(db_path, _paths(case["load"]), confirm_fewer_rows=confirm)
        assert str(raised.value.problems[0]) == case["message"]
        assert db_path.read_bytes() == before
    else:
        dry = loaders.load_files(db_path, _paths(case["load"]), confirm_fewer_rows=confirm, dry_run=True)
        reports = loaders.load_files(db_path, _paths(case["load"]), confirm_fewer_rows=confirm)
        assert case["message"] in [note for report in reports for note in report.notes]
        assert case["message"] in [note for report in dry for note in report.notes]
        with connect(db_path, read_only=True) as con:
            found = coverage.findings(coverage.month_stats(con))
        if case["message"].startswith("coverage: "):
            assert case["message"].removeprefix("coverage: ") in list(found.text)


def test_a_month_with_nothing_unusual_gives_no_finding(db_path):
    from tests.loading_support import POLICEUK_MONTHS

    reports = loaders.load_files(db_path, POLICEUK_MONTHS)
    assert not [note for report in reports for note in report.notes if note.startswith("coverage")]
    with connect(db_path, read_only=True) as con:
        assert coverage.findings(coverage.month_stats(con)).empty


def test_the_real_24_months_have_one_finding_march_2020s_rows_with_no_location(demo_con):
    stats = coverage.month_stats(demo_con)
    table = coverage.month_table(stats)
    assert len(table) == 24 and table.rows.sum() == 196_893
    assert table.neighbour_median.notna().all() and not table.thin.any()
    found = coverage.findings(stats)
    assert list(found.check) == ["no_location"]
    assert found.text.iloc[0].startswith("Leicestershire Police, 2020-03: 1,157 of 8,146 rows (14.2%) have no location")
    assert table.no_location.sum() == 4404


def test_the_issues_month_of_80_rows_each_crime_id_twice_is_refused_and_never_replaces_the_month(demo_db_path, tmp_path):
    """June 2021 held from the real download; a file of 40 of Blaby's crimes, each twice, must not replace it."""
    assert REFERENCE_ZIP.exists(), f"the police.uk reference download is missing: {REFERENCE_ZIP}"
    with zipfile.ZipFile(REFERENCE_ZIP) as archive:
        with archive.open("2021-06/2021-06-leicestershire-street.csv") as handle:
            june = pd.read_csv(handle, dtype=str, keep_default_na=False)
    blaby = june[june["LSOA name"].str.startswith("Blaby") & (june["Crime ID"] != "")].head(40)
    doubled, once = tmp_path / "2021-06-leicestershire-street.csv", tmp_path / "once" / "2021-06-leicestershire-street.csv"
    pd.concat([blaby, blaby]).to_csv(doubled, index=False)
    once.parent.mkdir()
    blaby.to_csv(once, index=False)
    db_path = tmp_path / "lscsb.duckdb"
    shutil.copyfile(demo_db_path, db_path)
    before = db_path.read_bytes()
    with pytest.raises(loaders.LoadError) as raised:
        loaders.load_files(db_path, [doubled])
    assert str(raised.value.problems[0]).endswith(
        "gives 40 Crime IDs more than once in 2021-06: 40 of its 80 crime rows repeat a crime already listed, and police.uk "
        "lists each crime once a month, so they would be counted twice. The file is probably damaged or two copies were "
        "joined: download the month again from data.police.uk")
    with pytest.raises(loaders.LoadError) as raised:
        loaders.load_files(db_path, [once])
    with connect(db_path, read_only=True) as con:
        held = dict(con.execute(
            """
            SELECT a.name, sum(c.count) FROM policeuk_counts AS c JOIN areas AS a ON a.code = c.area_code
            WHERE c.period = DATE '2021-06-01' AND c.indicator_id IN ('policeuk_all_crime', 'policeuk_anti_social_behaviour')
            GROUP BY ALL
            """).fetchall())
    message = str(raised.value)
    assert f"would replace Leicestershire Police's 2021-06, which holds {sum(held.values()):,} rows, with 40 (0% of them)" in message
    assert f"Leicester {held['Leicester']:,} -> 0; " in message and "--confirm-fewer-rows" in message
    assert db_path.read_bytes() == before


def test_fewer_rows_is_judged_on_the_month_and_on_each_large_district():
    held = pd.DataFrame({"reported_by": "F", "period": "2020-03-01", "area_code": ["A", "B", "F-UNALLOCATED"],
                         "rows": [1000, 100, 10]})
    same = held.assign(rows=[990, 99, 10])
    one_district = held.assign(rows=[1000, 40, 10])
    month = held.assign(rows=[700, 100, 10])
    names = {"A": "Alpha", "B": "Beta"}
    assert coverage.fewer_rows(held, same, names) == []
    assert [f.districts for f in coverage.fewer_rows(held, one_district, names)] == [[("Beta", 100, 40)]]
    found = coverage.fewer_rows(held, month, names)
    assert found[0].text() == "would replace F's 2020-03, which holds 1,110 rows, with 810 (73% of them); by district: Alpha 1,000 -> 700"
    assert coverage.fewer_rows(held, held.assign(period="2020-04-01"), names) == []
