"""Disclosure control in public mode, on the fixture's sensitive series (see tests/fixture_db.py)."""
from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np
import pandas as pd

import lscsb_data as L
from tests.cli_support import run_cli
from tests.fixture_db import make_fixture_db

MARCH = date(2020, 3, 1)


def by_area(frame: pd.DataFrame, indicator: str) -> pd.DataFrame:
    return frame[frame.indicator == indicator].set_index("area_code")


def test_small_count_and_its_sibling_are_withheld_but_the_county_total_is_shown(fixture_con):
    frame = by_area(L.summary(fixture_con, period=MARCH, public=True), "domestic_abuse_incidents")
    # D1 has 2 (primary); D2's 30 would give D1 away as county 32 minus 30 (secondary).
    assert frame.loc["D1"].current_suppressed and pd.isna(frame.loc["D1"].current_numerator)
    assert frame.loc["D2"].current_suppressed and np.isnan(frame.loc["D2"].current_value)
    assert frame.loc["C1"].current_numerator == 32 and not frame.loc["C1"].current_suppressed
    assert frame.loc["F1"].current_numerator == 42
    assert np.isnan(frame.loc["D1"].change) and frame.loc["D1"].direction == ""
    # Zero counts in the previous year are shown.
    assert frame.loc["D1"].previous_numerator == 0 and not frame.loc["D1"].previous_suppressed


def test_a_withheld_unitary_withholds_the_county_and_then_a_district(fixture_con):
    frame = by_area(L.summary(fixture_con, period=MARCH, public=True), "racially_religiously_aggravated")
    # U1's 3 is primary; F1 = C1 + U1 would give it away, so C1 goes; C1 = D1 + D2 then needs D1 (smaller).
    hidden = set(frame.index[frame.current_suppressed])
    assert hidden == {"U1", "C1", "D1"}
    assert frame.loc["D2"].current_numerator == 40 and frame.loc["F1"].current_numerator == 63


def test_a_rate_on_fewer_than_ten_events_is_withheld_but_its_count_shown(fixture_con):
    frame = by_area(L.summary(fixture_con, period=MARCH, public=True), "domestic_violence_with_injury")
    assert frame.loc["U1"].current_numerator == 7
    assert np.isnan(frame.loc["U1"].current_value) and frame.loc["U1"].current_suppressed


def test_non_sensitive_indicators_and_private_mode_are_untouched(fixture_con):
    public = L.summary(fixture_con, period=MARCH, public=True)
    private = L.summary(fixture_con, period=MARCH, public=False)
    assert not public[~public.sensitive].current_suppressed.any()
    assert not private.current_suppressed.any() and not private.previous_suppressed.any()
    assert by_area(private, "domestic_abuse_incidents").loc["D1"].current_numerator == 2


def test_a_single_area_request_is_withheld_as_in_the_full_table(fixture_con):
    alone = L.summary(fixture_con, period=MARCH, area="D2", indicator="domestic_abuse_incidents", public=True)
    assert len(alone) == 1 and alone.iloc[0].current_suppressed


def test_monthly_series_withholds_small_months_and_their_siblings(fixture_con):
    frame = L.series(fixture_con, indicator="domestic_abuse_incidents", public=True)
    june = frame[frame.period == "2019-06-01"].set_index("area_code")
    assert june.loc["D1"].suppressed and june.loc["D2"].suppressed and not june.loc["C1"].suppressed
    assert june.loc["C1"].numerator == 31
    hate = L.series(fixture_con, indicator="hate_incidents", area="D1", public=True)
    assert hate.suppressed.all() and hate.numerator.isna().all()
    assert not hate[hate.rolling_complete].rolling_suppressed.any()


def test_range_totals_are_withheld_too(fixture_con):
    frame = L.range_total(fixture_con, start=date(2019, 11, 1), end=date(2019, 11, 1),
                          indicator="domestic_abuse_incidents", public=True).set_index("area_code")
    assert frame.loc["D1"].suppressed and frame.loc["C1"].suppressed and frame.loc["F1"].suppressed
    assert not frame.loc["D2"].suppressed and frame.loc["D2"].numerator == 0


def test_no_withheld_count_survives_in_any_numeric_column(fixture_con):
    """The withheld numbers are gone from the frames, not merely flagged."""
    private = L.summary(fixture_con, period=MARCH, public=False)
    public = L.summary(fixture_con, period=MARCH, public=True)
    merged = private.merge(public, on=["indicator", "area_code"], suffixes=("", "_public"))
    hidden = merged[merged.current_count_suppressed_public.astype(bool)]
    assert len(hidden) >= 4
    for _, row in hidden.iterrows():
        numbers = pd.to_numeric(row.filter(like="_public"), errors="coerce").dropna()
        assert row.current_numerator not in set(numbers.round(9)), row.indicator


def test_cli_prints_the_marker_in_public_mode(tmp_path):
    path = tmp_path / "fixture.duckdb"
    make_fixture_db(str(path)).close()
    result = run_cli("summary", "--db", path, "--period", "2020-03", "--indicator", "domestic_abuse_incidents",
                     env={"LSCSB_PUBLIC": "1"})
    rows = {r["area_code"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["D1"]["current_numerator"] == "[c]" and rows["D1"]["current_value"] == "[c]"
    assert rows["D1"]["change"] == "[c]" and rows["C1"]["current_numerator"] == "32"
    assert "2" not in {rows["D1"][c] for c in L.SUMMARY_COLUMNS}
