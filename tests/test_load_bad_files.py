"""The bad-file corpus (tests/bad_files/, each file's exact message in expected_messages.csv), and the
odd-but-valid files that must load correctly (tests/good_files/: byte-order marks, Windows-1252,
formula-looking text)."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from lscsb_data import connect, loaders
from tests.loading_support import base_db_path, db_path  # noqa: F401 (fixtures)

TESTS = Path(__file__).parent
BAD = TESTS / "bad_files"
GOOD = TESTS / "good_files"
with open(BAD / "expected_messages.csv", newline="") as handle:
    EXPECTED = {row["file"]: row["message"] for row in csv.DictReader(handle)}


def _load(db_path: Path, path: Path) -> list[loaders.FileReport]:
    return loaders.load_files(db_path, [loaders.InputFile(path.name, path.read_bytes())])


def test_every_bad_file_has_its_expected_message():
    assert set(EXPECTED) == {p.name for p in BAD.glob("*.csv")} - {"expected_messages.csv"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_bad_file_loads_nothing_and_says_exactly_what_is_wrong(db_path, name):
    before = db_path.read_bytes()
    with pytest.raises(loaders.LoadError) as raised:
        _load(db_path, BAD / name)
    assert str(raised.value) == EXPECTED[name]
    assert all(problem.file == name for problem in raised.value.problems)
    assert db_path.read_bytes() == before


def test_messages_name_row_column_value_and_what_was_expected():
    message = EXPECTED["negative_count.csv"]
    assert message == ("negative_count.csv, row 2, column 'numerator': is negative: expected a whole number of 0 or more "
                       "(got '-4')")
    assert "expected the columns of one of: tidy observations: indicator,area_code,period,numerator,denominator" \
        in EXPECTED["unrecognised.csv"]


def test_one_bad_file_among_good_ones_loads_nothing(db_path):
    before = db_path.read_bytes()
    with pytest.raises(loaders.LoadError, match="^duplicate_key.csv, row 4"):
        loaders.load_files(db_path, [GOOD / "tidy_utf8_bom.csv", loaders.InputFile("duplicate_key.csv", (BAD / "duplicate_key.csv").read_bytes())])
    assert db_path.read_bytes() == before


def test_a_utf8_file_with_a_byte_order_mark_loads(db_path):
    report = _load(db_path, GOOD / "tidy_utf8_bom.csv")[0]
    assert (report.kind, report.rows_loaded) == ("tidy observations", 2)
    with connect(db_path, read_only=True) as con:
        held = con.execute(
            "SELECT indicator_id, period, numerator, denominator FROM observations WHERE area_code = 'E07000129' ORDER BY 1"
        ).fetchall()
    assert held == [("all_crime", date(2021, 3, 1), 120, None), ("youth_eet", date(2021, 4, 1), 12, 40)]


def test_a_windows_1252_export_from_excel_loads_with_its_characters(db_path):
    _load(db_path, GOOD / "population_windows_1252.csv")
    with connect(db_path, read_only=True) as con:
        sources = con.execute("SELECT area_code, source FROM population WHERE year = 2021 ORDER BY 1").fetchall()
    assert sources == [("E07000129", "ONS mid-year estimate 2021 \u2013 \u00a9 Crown copyright"),
                       ("E07000130", "ONS mid-year estimate 2021")]


@pytest.mark.parametrize("name", ["policeuk_utf8_bom.csv", "policeuk_windows_1252.csv"])
def test_police_uk_files_with_a_byte_order_mark_or_from_excel_load(db_path, name):
    report = _load(db_path, GOOD / name)[0]
    assert (report.kind, report.rows_read) == ("police.uk street-level crime", 2)
    with connect(db_path, read_only=True) as con:
        total = con.execute("SELECT sum(numerator) FROM observations WHERE indicator_id = 'policeuk_all_crime'").fetchone()[0]
    assert total == 2


def test_formula_looking_text_is_stored_as_text_and_never_evaluated(db_path):
    _load(db_path, GOOD / "population_formula_text.csv")
    with connect(db_path, read_only=True) as con:
        held = con.execute("SELECT area_code, persons, source FROM population WHERE year = 2021 ORDER BY 1").fetchall()
    assert held == [("E07000129", 102000, "=cmd|' /C calc'!A0"), ("E07000130", 185000, "-2+3"),
                    ("E07000131", 100000, "@SUM(1)")]


def test_an_undecodable_file_is_refused_with_advice(db_path, tmp_path):
    weird = tmp_path / "utf16.csv"
    weird.write_bytes("indicator,area_code\n".encode("utf-16"))
    with pytest.raises(loaders.LoadError, match=r"is not CSV text: it holds NUL bytes.*save it from Excel as 'CSV UTF-8'"):
        loaders.load_files(db_path, [weird])


def test_missing_paths_and_empty_folders_are_named(db_path, tmp_path):
    with pytest.raises(loaders.LoadError) as raised:
        loaders.load_files(db_path, [tmp_path / "nowhere.csv", tmp_path])
    assert [p.reason for p in raised.value.problems] == ["does not exist", "is a folder with no CSV files in it"]


def test_an_excel_workbook_is_refused_with_advice(db_path, tmp_path):
    import zipfile

    workbook = tmp_path / "extract.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(loaders.LoadError) as raised:
        loaders.load_files(db_path, [workbook])
    assert str(raised.value) == f"{workbook}: is an Excel workbook, not CSV: save it from Excel as 'CSV UTF-8'"
