"""Data quality checks and provenance: every load recorded, every figure traceable to its file."""
from __future__ import annotations

from datetime import date

import pandas as pd

from lscsb_data import connect, loaders
from lscsb_data.figures import quality
from lscsb_data.cli import main
from tests.loading_support import (  # noqa: F401 (fixtures)
    LLR_FORCE,
    POLICEUK_MONTHS,
    base_db_path,
    db_path,
    pandas_counts,
    sha256,
)

GAPPY = """indicator,area_code,period,numerator,denominator
uava_referrals,E07000129,2021-01,5,
uava_referrals,E07000129,2021-02,6,
uava_referrals,E07000129,2021-04,7,
uava_referrals,E07000130,2021-01,1,
uava_referrals,E07000130,2021-02,2,
youth_eet,E07000129,2021-04,10,20
youth_eet,E07000129,2021-10,11,20
"""


def _load_all(db_path, tmp_path):
    extract = tmp_path / "partner.csv"
    extract.write_text(GAPPY)
    return loaders.load_files(db_path, [extract, *POLICEUK_MONTHS], source_label="partner extract")


def test_every_load_is_recorded_with_checksum_counts_source_and_time(db_path, tmp_path):
    _load_all(db_path, tmp_path)
    with connect(db_path, read_only=True) as con:
        held = quality.loads(con)
    assert list(held.file_name) == [str(POLICEUK_MONTHS[1]), str(POLICEUK_MONTHS[0]), str(tmp_path / "partner.csv")]
    assert list(held.sha256) == [sha256(POLICEUK_MONTHS[1]), sha256(POLICEUK_MONTHS[0]), sha256(tmp_path / "partner.csv")]
    raw = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in POLICEUK_MONTHS]
    assert list(held.rows_read) == [len(raw[1]), len(raw[0]), 7]
    assert list(held.rows_unallocated) == [6, 6, 0]
    assert set(held.source_label) == {"partner extract"}
    assert held.loaded_at.notna().all()
    assert held.figures_held.iloc[2] == 7


def test_every_figure_knows_the_file_it_came_from(db_path, tmp_path):
    _load_all(db_path, tmp_path)
    with connect(db_path, read_only=True) as con:
        traced = con.execute(
            """
            SELECT o.indicator_id LIKE 'policeuk_%' AS policeuk, l.file_name, count(*) AS figures
            FROM observations AS o LEFT JOIN loads AS l USING (load_id) GROUP BY ALL ORDER BY ALL
            """
        ).fetchall()
    files = {str(f) for f in POLICEUK_MONTHS}
    assert all(name is not None for _, name, _ in traced)
    assert {name for policeuk, name, _ in traced if policeuk} == files
    assert [(name, n) for policeuk, name, n in traced if not policeuk] == [(str(tmp_path / "partner.csv"), 7)]


def test_latest_period_per_indicator_and_area(db_path, tmp_path):
    _load_all(db_path, tmp_path)
    with connect(db_path, read_only=True) as con:
        latest = quality.latest_periods(con).set_index(["indicator", "area_code"])
    assert latest.loc[("uava_referrals", "E07000129"), ["first_period", "latest_period", "figures"]].tolist() == [
        pd.Timestamp(2021, 1, 1), pd.Timestamp(2021, 4, 1), 3]
    assert latest.loc[("uava_referrals", "E07000130"), "latest_period"] == pd.Timestamp(2021, 2, 1)
    assert latest.loc[("policeuk_burglary", "E07000129"), "latest_period"] == pd.Timestamp(2020, 4, 1)
    assert not latest.loc[("policeuk_burglary", "E07000129"), "is_demo"]


def test_missing_periods_inside_a_series_on_its_own_grid(db_path, tmp_path):
    _load_all(db_path, tmp_path)
    with connect(db_path, read_only=True) as con:
        missing = quality.missing_periods(con)
    assert [(r.indicator, r.area_code, r.period.date()) for r in missing.itertuples()] == [
        ("uava_referrals", "E07000129", date(2021, 3, 1)),
        ("youth_eet", "E07000129", date(2021, 7, 1)),
    ]


def test_unallocated_rows_per_month(db_path):
    loaders.load_files(db_path, POLICEUK_MONTHS)
    counted = pandas_counts(POLICEUK_MONTHS)
    counted = counted[counted.indicator_id != "policeuk_all_crime"]
    llr = {f"E07000{code}" for code in range(129, 136)} | {"E06000016", "E06000017", f"{LLR_FORCE}-UNALLOCATED"}
    force_rows = counted[counted.area_code.isin(llr)].groupby("period").numerator.sum()
    with connect(db_path, read_only=True) as con:
        unallocated = quality.unallocated_by_month(con)
    assert list(unallocated.force_code) == [LLR_FORCE, LLR_FORCE]
    assert list(unallocated.unallocated) == [6, 6]
    assert list(unallocated.force_rows) == [force_rows[date(2020, 4, 1)], force_rows[date(2020, 3, 1)]]
    assert unallocated.unallocated_pct.iloc[0] == round(600 / force_rows[date(2020, 4, 1)], 2)


def test_quality_command_prints_the_checks(db_path, tmp_path, capsys):
    _load_all(db_path, tmp_path)
    assert main(["quality", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "Periods missing inside a series: 2 in 2 series" in out
    assert "  uava_referrals E07000129: 1 missing, first 2021-03" in out
    assert "2020-03 Leicester, Leicestershire and Rutland (LLR): 6 of" in out


def test_load_command_reports_an_identical_file_and_a_dry_run(db_path, capsys):
    assert main(["load", "--db", str(db_path), str(POLICEUK_MONTHS[0])]) == 0
    assert main(["load", "--db", str(db_path), "--dry-run", str(POLICEUK_MONTHS[0])]) == 0
    out = capsys.readouterr().out
    assert "skipped" in out and "identical to load 1" in out
