"""Hostile files: each is refused at once, with a message naming the file (the member of a zip, never a
temporary path), the row and the column, and changes nothing. The files are made at test time by the
builders ``python -m lscsb_data bench --hostile`` measures (lscsb_data/tools/hostile.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from lscsb_data import loaders
from lscsb_data.loaders import common
from lscsb_data.tools import hostile
from tests.loading_support import POLICEUK, base_db_path, db_path, zip_of  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
# why: generous against a busy shared machine, and far below what these files cost before the limits
PROMPT_SECONDS = 15


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    """Files are named as an analyst in their folder names them, and loads unpack into a private TMPDIR."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))


def refused(db_path: Path, *paths, dry_run: bool = False) -> tuple[loaders.LoadError, float]:
    """The load's error (nothing written, no working path named) and how long it took to come."""
    before = db_path.read_bytes()
    started = time.monotonic()
    with pytest.raises(loaders.LoadError) as raised:
        loaders.load_files(db_path, [Path(p.name) if isinstance(p, Path) else p for p in paths], dry_run=dry_run)
    elapsed = time.monotonic() - started
    assert db_path.read_bytes() == before
    assert "lscsb-" not in str(raised.value) and tempfile.gettempdir() not in str(raised.value)
    assert not list(Path(tempfile.gettempdir()).iterdir())
    return raised.value, elapsed


def load_command(db_path: Path, path: Path, *options: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The command line, in its own process, so a loader that hangs is killed and fails the test."""
    return subprocess.run([sys.executable, "-m", "lscsb_data", "load", "--db", str(db_path), *options, path.name],
                          cwd=path.parent, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def stored(db_path: Path, indicator: str, area: str) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("SELECT numerator, denominator FROM observations WHERE indicator_id = $i AND area_code = $a",
                           {"i": indicator, "a": area}).fetchall()


# --- columns and rows ----------------------------------------------------------------------------------------

def test_a_million_columns_are_refused_at_once_naming_the_column_past_the_limit(db_path, tmp_path):
    path = hostile.wide_csv(tmp_path, 1_000_000)
    started = time.monotonic()
    result = load_command(db_path, path, "--dry-run", timeout=60)
    assert time.monotonic() - started < PROMPT_SECONDS + 5
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(
        "columns-1000000.csv, row 1, column 'c101': is column 101 of more than 10,945: ")
    assert "a file may have at most 100 columns" in result.stderr


def test_a_header_just_over_the_column_limit_says_how_many_columns_it_has(db_path, tmp_path):
    error, _ = refused(db_path, hostile.wide_csv(tmp_path, 150), dry_run=True)
    assert str(error) == ("columns-150.csv, row 1, column 'c101': is column 101 of 150: a file may have at most 100 columns "
                          "(the formats the loader reads have at most 12)")


def test_checking_a_wide_header_takes_linear_time():
    header = ["indicator", "area_code", "period", "numerator", "denominator"] + [f"c{n}" for n in range(60_000)]
    started = time.monotonic()
    problems = common.check_columns(header, ["indicator", "area_code", "period", "numerator", "denominator"], "wide.csv")
    # why: the check counted each column against every other (6 s for 20,000 columns, so nearly a minute for
    # 60,000); linear, it takes about a second, and the bound leaves room for a busy machine
    assert time.monotonic() - started < 20
    assert len(problems) == 60_000


@pytest.mark.parametrize("make, expected", [
    (hostile.long_field_tidy,
     "field-300kb.csv, row 3, column 'area_code': makes the row longer than 65,536 bytes, the most a row may hold "
     "(a field may hold at most 1,000 characters) (got 'EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE...')"),
    (hostile.long_field_policeuk,
     "2020-03-leicestershire-street.csv, row 3, column 'Location': makes the row longer than 65,536 bytes, the most a "
     "row may hold (a field may hold at most 1,000 characters) (got 'On or near xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...')"),
])
def test_a_300_kb_field_is_refused_naming_its_row_and_column(db_path, tmp_path, make, expected):
    error, elapsed = refused(db_path, make(tmp_path))
    assert str(error) == expected
    assert elapsed < PROMPT_SECONDS


def test_a_300_kb_field_in_a_zip_names_the_member(db_path, tmp_path):
    error, _ = refused(db_path, hostile.long_field_in_zip(tmp_path), dry_run=True)
    assert str(error).startswith("tidy-in-zip.zip:partner/field-300kb.csv, row 3, column 'area_code': makes the row longer")


def test_a_long_row_is_found_whatever_its_line_endings(db_path, tmp_path):
    path = hostile.long_field_tidy(tmp_path)
    for ending in (b"\r\n", b"\r"):
        path.write_bytes(path.read_bytes().replace(b"\n", ending))
        error, _ = refused(db_path, path, dry_run=True)
        assert str(error).startswith("field-300kb.csv, row 3, column 'area_code': makes the row longer")
        path = hostile.long_field_tidy(tmp_path)


def test_a_field_over_the_limit_in_a_short_row_is_refused_with_its_length(db_path, tmp_path):
    path = hostile.tidy_file(tmp_path, "long-code.csv", [b"all_crime,E07000129,2021-03,5,", b"all_crime," + b"E" * 2_000 + b",2021-03,5,"])
    error, _ = refused(db_path, path, dry_run=True)
    assert str(error).startswith("long-code.csv, row 3, column 'area_code': is 2,000 characters long: a field may hold at most 1,000")


def test_a_police_uk_value_over_the_field_limit_is_refused(db_path, tmp_path):
    path = tmp_path / "2020-03-leicestershire-street.csv"
    path.write_bytes(hostile.POLICEUK_HEADER + hostile.POLICEUK_ROW + hostile.POLICEUK_ROW.replace(b"Burglary", b"B" * 1_500))
    error, _ = refused(db_path, path, dry_run=True)
    assert str(error).startswith("2020-03-leicestershire-street.csv, row 3, column 'Crime type': is longer than 1,000 characters")


def test_a_multi_line_field_past_the_csv_readers_limit_names_its_row(db_path, tmp_path):
    quoted = b'"' + b"x\n" * 70_000 + b'"'
    path = hostile.tidy_file(tmp_path, "quoted.csv", [b"all_crime,E07000129,2021-03,5,", b"all_crime," + quoted + b",2021-03,5,"])
    error, _ = refused(db_path, path, dry_run=True)
    assert str(error) == "quoted.csv, row 3: holds a field longer than 131,072 characters (a field may hold at most 1,000)"


# --- zip archives --------------------------------------------------------------------------------------------

def test_a_zip_bomb_is_refused_before_it_inflates(db_path, tmp_path):
    error, elapsed = refused(db_path, hostile.zip_bomb(tmp_path, 200), dry_run=True)
    assert str(error).startswith("bomb-200mb.zip:2020-03/2020-03-leicestershire-street.csv: would inflate ")
    assert "a member may inflate at most 100 times (police.uk files inflate about 5 times)" in str(error)
    assert elapsed < PROMPT_SECONDS


def test_archives_that_would_unpack_more_than_a_load_may_are_refused(db_path, tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "MAX_UNPACKED_BYTES", 20_000)
    archive = zip_of(POLICEUK, tmp_path / "months.zip")
    error, _ = refused(db_path, archive, dry_run=True)
    assert str(error).startswith("months.zip: would unpack to ")
    assert "one load may unpack at most 19.5 KB; load fewer months at a time, or unzip it and load the folder" in str(error)


def test_an_archive_of_too_many_members_is_refused_before_its_directory_is_read(db_path, tmp_path, monkeypatch):
    archive = hostile.many_members(tmp_path, common.MAX_MEMBERS + 1)
    # why: a directory of a million entries takes Python half a minute to parse, so the count comes first
    monkeypatch.setattr(zipfile, "ZipFile", None)
    error, elapsed = refused(db_path, archive, dry_run=True)
    assert str(error) == ("members-10001.zip: holds 10,001 files: an archive may hold at most 10,000 "
                          "(a police.uk download of every force for three years holds about 5,000)")
    assert elapsed < PROMPT_SECONDS


def test_a_zip64_archive_declares_its_members_too(tmp_path):
    path = tmp_path / "zip64.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(0x10005):
            archive.writestr(f"{number}.csv", b"")
    with open(path, "rb") as handle:
        assert loaders._declared_members(handle) == 0x10005


def test_a_damaged_member_is_refused_by_name_not_with_a_traceback(db_path, tmp_path):
    error, _ = refused(db_path, hostile.corrupt_member(tmp_path), dry_run=True)
    assert str(error).startswith("corrupt.zip:2020-03/2020-03-leicestershire-street.csv: is damaged and could not be unpacked (")
    assert str(error).endswith("): download the archive again")


def test_messages_about_zip_members_name_the_members_never_the_unpack_folder(db_path, tmp_path):
    error, _ = refused(db_path, hostile.month_twice(tmp_path), dry_run=True)
    first, *others = str(error).splitlines()
    assert first == ("month-twice.zip:copy/2020-03-leicestershire-street.csv: holds Leicestershire Police's rows for "
                     "2020-03, which month-twice.zip:2020-03/2020-03-leicestershire-street.csv also holds: "
                     "load each force's month once")
    # The repeated Crime IDs are reported too, each naming the member and its row.
    assert others and all(line.startswith("month-twice.zip:copy/2020-03-leicestershire-street.csv") for line in others)
    assert "/tmp" not in str(error) and "lscsb-" not in str(error)


def test_an_uploaded_zip_is_held_to_the_same_limits(db_path, tmp_path):
    upload = loaders.InputFile("bomb.zip", hostile.zip_bomb(tmp_path, 120).read_bytes())
    error, _ = refused(db_path, upload, dry_run=True)
    assert str(error).startswith("bomb.zip:2020-03/2020-03-leicestershire-street.csv: would inflate ")


# --- numbers -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, column", [(hostile.big_numerator, "numerator"), (hostile.big_denominator, "denominator"),
                                          (hostile.inexact_numerator, "numerator")])
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_count_beyond_what_the_table_holds_is_refused_in_the_dry_run_and_the_load(db_path, tmp_path, make, column, dry_run):
    path = make(tmp_path)
    error, _ = refused(db_path, path, dry_run=dry_run)
    value = path.read_text().splitlines()[1].split(",")[3 if column == "numerator" else 4]
    assert str(error) == (f"{path.name}, row 2, column '{column}': is larger than 999,999,999,999, the largest count the "
                          f"dashboard holds (got '{value}')")


def test_the_largest_count_is_stored_exactly(db_path, tmp_path):
    path = hostile.tidy_file(tmp_path, "largest.csv", [b"all_crime,E07000129,2021-03,999999999999,",
                                                       b"youth_eet,E07000129,2021-04,999999999998.0,0999999999999"])
    loaders.load_files(db_path, [path])
    assert stored(db_path, "all_crime", "E07000129") == [(999_999_999_999, None)]
    assert stored(db_path, "youth_eet", "E07000129") == [(999_999_999_998, 999_999_999_999)]


def test_a_population_beyond_the_limit_is_refused(db_path, tmp_path):
    path = tmp_path / "population.csv"
    path.write_text("area_code,area_name,year,persons,persons_10_17\nE07000129,Blaby,2021,99999999999999999999,12\n"
                    "E07000130,Charnwood,2021,1000,99999999999999999999\n")
    error, _ = refused(db_path, path, dry_run=True)
    assert str(error).splitlines() == [
        "population.csv, row 2, column 'persons': is larger than 999,999,999,999, the largest count the dashboard holds "
        "(got '99999999999999999999')",
        "population.csv, row 3, column 'persons_10_17': is larger than 999,999,999,999, the largest count the dashboard "
        "holds (got '99999999999999999999')",
    ]


# --- unpack folders and the database path --------------------------------------------------------------------

def _plain_archive(folder: Path) -> Path:
    """A plain police.uk month of 50 MB (stored, not compressed), large enough to catch its load while it works."""
    archive = folder / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as plain:
        plain.writestr(hostile.POLICEUK_MEMBER, hostile.POLICEUK_HEADER + hostile.POLICEUK_ROW * 400_000)
    return archive


def _caught_while_working(db_path: Path, archive: Path, tmp: Path) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-m", "lscsb_data", "load", "--dry-run", "--db", str(db_path), str(archive)],
                             env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(tmp.rglob("*.csv")) and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    assert child.poll() is None, "the load ended before it was caught unpacking"
    return child


def test_an_unpack_folder_left_by_a_killed_load_is_removed_by_the_next_load(db_path, tmp_path):
    tmp = tmp_path / "killed"
    tmp.mkdir()
    child = _caught_while_working(db_path, _plain_archive(tmp_path), tmp)
    child.kill()
    child.wait()
    assert list(tmp.iterdir()), "a killed load leaves its folder (nothing can remove it at once)"
    result = subprocess.run([sys.executable, "-m", "lscsb_data", "load", "--dry-run", "--db", str(db_path),
                             str(hostile.big_numerator(tmp_path))], env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert list(tmp.iterdir()) == []


def test_a_terminated_load_removes_its_own_unpack_folder(db_path, tmp_path):
    tmp = tmp_path / "terminated"
    tmp.mkdir()
    child = _caught_while_working(db_path, _plain_archive(tmp_path), tmp)
    child.terminate()
    child.wait(timeout=30)
    assert list(tmp.iterdir()) == []


def test_a_live_load_s_folder_is_never_swept_and_an_abandoned_one_is(tmp_path):
    parent = Path(tempfile.gettempdir())
    abandoned = parent / f"{common.SCRATCH_PREFIX}load-old"
    abandoned.mkdir()
    (abandoned / ".in-use").touch()
    with common.scratch_folder("load") as mine:
        assert mine.exists() and not abandoned.exists()
        assert common.sweep_abandoned_folders(parent) == []
        assert mine.exists()
    assert not mine.exists()


def test_a_symlinked_database_path_is_followed_and_the_link_kept(db_path, tmp_path):
    link = tmp_path / "link.duckdb"
    link.symlink_to(db_path)
    loaders.load_files(link, [hostile.tidy_file(tmp_path, "one.csv", [b"all_crime,E07000129,2021-03,7,"])])
    assert link.is_symlink() and link.resolve() == db_path.resolve()
    assert stored(db_path, "all_crime", "E07000129") == [(7, None)]
    assert not [p for p in db_path.parent.iterdir() if p.name.endswith(".tmp")]
