"""Build, load, export and summary through the command line, as an analyst runs them."""
from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pytest

import lscsb_data as L
from lscsb_data import loaders
from lscsb_data.loaders.build import BuildError, build
from lscsb_data.figures.export import tidy_observations, to_csv_text
from tests.cli_support import run_cli
from tests.fixture_db import fixture_csv, make_fixture_db

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str):
    return run_cli(*args)


@pytest.fixture()
def fixture_db_file(tmp_path) -> Path:
    path = tmp_path / "fixture.duckdb"
    make_fixture_db(str(path)).close()
    return path


def test_summary_cli_prints_exactly_the_promised_columns(fixture_db_file):
    result = cli("summary", "--db", str(fixture_db_file), "--period", "2020-03", "--indicator", "violence_with_injury", "--area", "C1")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == L.SUMMARY_COLUMNS
    assert rows[0]["current_value"] == repr(384 / 33_000 * 1000)
    assert (rows[0]["direction"], rows[0]["significant"], rows[0]["complete"]) == ("stable", "false", "true")
    assert rows[0]["period_end"] == "2020-03"


def test_summary_cli_blank_change_pct_when_previous_is_zero(tmp_path, fixture_db_file):
    revision = tmp_path / "zero.csv"
    revision.write_text("indicator,area_code,period,numerator,denominator\n" + "".join(
        f"uava_referrals,D1,{year}-{month:02d},{0 if year * 12 + month < 2019 * 12 + 4 else 5},\n"
        for year in (2018, 2019, 2020) for month in range(1, 13)
        if date(2018, 4, 1) <= date(year, month, 1) <= date(2020, 3, 1)
    ))
    assert cli("load", "--db", str(fixture_db_file), str(revision)).returncode == 0
    result = cli("summary", "--db", str(fixture_db_file), "--period", "2020-03", "--indicator", "uava_referrals", "--area", "D1")
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert (row["current_value"], row["previous_value"], row["change_pct"], row["direction"]) == ("60.0", "0.0", "", "increasing")


def test_a_load_replaces_revised_figures_and_rejects_a_bad_file_whole(tmp_path, fixture_db_file):
    good = tmp_path / "revision.csv"
    good.write_text("indicator,area_code,period,numerator,denominator\nviolence_with_injury,D1,2020-03,99,\n")
    result = cli("load", "--db", str(fixture_db_file), "--source", "revision", str(good))
    assert result.returncode == 0, result.stderr
    assert "1 replaced" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "indicator,area_code,period,numerator,denominator\n"
        "violence_with_injury,D1,2020-02,1,\n"
        "violence_with_injury,D1,2020-13,5,\n"
    )
    before = fixture_db_file.read_bytes()
    result = cli("load", "--db", str(fixture_db_file), str(bad))
    assert result.returncode == 2
    assert f"{bad}, row 3, column 'period': is not a real month: expected YYYY-MM, e.g. 2020-03 (got '2020-13')" in result.stderr
    assert fixture_db_file.read_bytes() == before
    with L.connect(fixture_db_file, read_only=True) as con:
        march = L.series(con, indicator="violence_with_injury", area="D1").set_index("period")
        assert march.loc["2020-03-01", "numerator"] == 99
        assert march.loc["2020-02-01", "numerator"] == 12
        assert con.execute("SELECT source_label FROM loads ORDER BY load_id DESC LIMIT 1").fetchone()[0] == "revision"


def test_export_then_load_into_an_empty_database_then_export_gives_identical_bytes(tmp_path, fixture_db_file):
    first = tmp_path / "first.csv"
    assert cli("export", "--db", str(fixture_db_file), "--out", str(first)).returncode == 0
    empty = make_fixture_db(str(tmp_path / "empty.duckdb"))
    empty.execute("DELETE FROM observations")
    empty.close()
    assert cli("load", "--db", str(tmp_path / "empty.duckdb"), str(first)).returncode == 0
    second = cli("export", "--db", str(tmp_path / "empty.duckdb"))
    assert second.stdout == first.read_text()
    assert first.read_text().count("\n") == len(fixture_csv().splitlines())


def test_export_filters(fixture_con):
    frame = tidy_observations(fixture_con, indicator="fte_youth", area="D1", start=date(2019, 4, 1), end=date(2019, 9, 1))
    assert to_csv_text(frame) == (
        "indicator,area_code,period,numerator,denominator\nfte_youth,D1,2019-04,3,\nfte_youth,D1,2019-07,3,\n"
    )


def test_csv_text_neutralises_formulas_but_keeps_numbers():
    import pandas as pd

    frame = pd.DataFrame({"label": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "plain"], "value": [1.5, -2.0, 3, 0, 7]})
    text = to_csv_text(frame, header_lines=["source: =cmd"])
    assert text.splitlines()[:2] == ["# source: =cmd", "label,value"]
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[2:]] == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "plain"]
    assert [r[1] for r in rows[2:]] == ["1.5", "-2.0", "3.0", "0.0", "7.0"]


def test_build_is_atomic_a_broken_source_leaves_the_previous_database(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("*.duckdb*"))
    target = tmp_path / "lscsb.duckdb"
    build(target, data_dir=data)
    before = target.read_bytes()
    with open(data / "indicators.csv", "a") as handle:
        handle.write("broken_indicator,Broken,Broken,no_such_theme,rate,1000,population,lower_better,,,monthly,x,x,x,,,false,false\n")
    with pytest.raises(BuildError, match="indicators.csv"):
        build(target, data_dir=data)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lscsb.duckdb.lock", "data", "lscsb.access.sqlite", "lscsb.duckdb"]


def test_cli_errors_are_clear_not_tracebacks(tmp_path):
    missing = cli("summary", "--db", str(tmp_path / "none.duckdb"), "--period", "2020-03")
    assert missing.returncode == 2 and "run `python -m lscsb_data build` first" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_month = cli("summary", "--db", str(tmp_path / "none.duckdb"), "--period", "March")
    assert bad_month.returncode == 2 and "'March' is not a month" in bad_month.stderr


def test_load_into_validates_every_file_before_writing_any(fixture_con):
    good = loaders.InputFile("good.csv", b"indicator,area_code,period,numerator,denominator\nfte_youth,D1,2020-04,1,\n")
    bad = loaders.InputFile("bad.csv", b"indicator,area_code,period,numerater,denominator\nfte_youth,D1,2020-04,1,\n")
    before = fixture_con.execute("SELECT count(*) FROM observations").fetchone()[0]
    with pytest.raises(loaders.LoadError) as error:
        loaders.load_into(fixture_con, [good, bad])
    assert "bad.csv: missing column 'numerator' ('numerater' looks like a misspelling of it)" in str(error.value)
    assert fixture_con.execute("SELECT count(*) FROM observations").fetchone()[0] == before
