"""Disclosure control in public mode: the method on hand-computed series, and its guarantees on the demo data.

The fixture's sensitive series (tests/fixture_db.py), in the year to March 2020 unless said:
- domestic abuse incidents: Alpha (D1) 1 in June and 1 in November 2019, Beta (D2) 30 and Gamma (U1) 10 in June;
- racially or religiously aggravated crime: Alpha 20, Beta 40, Gamma 3 in April 2019;
- domestic violence with injury: Gamma 7 in April 2019;
- hate incidents: Alpha 1 a month from April 2018, 4 a month from April 2019.
Protected, each series' running total is rounded down to a multiple of 5 (see lscsb_data/figures/disclosure.py).
"""
from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np
import pandas as pd
import pytest

import lscsb_data as L
from tests.cli_support import run_cli
from lscsb_data.figures import disclosure, engine, publication
from tests.fixture_db import make_fixture_db

MARCH = date(2020, 3, 1)


def by_area(frame: pd.DataFrame, indicator: str) -> pd.DataFrame:
    return frame[frame.indicator == indicator].set_index("area_code")


def test_running_totals_are_rounded_down_to_a_multiple_of_five():
    counts = [1, 1, 1, 1, 1, 1, 0, 3, 4, 30, 0]
    # running totals 1 2 3 4 5 6 6 9 13 43 43 -> 0 0 0 0 5 5 5 5 10 40 40
    assert disclosure.round_running_totals(counts).tolist() == [0, 0, 0, 0, 5, 0, 0, 0, 5, 30, 0]
    assert disclosure.round_running_totals([]).tolist() == []


def test_two_small_incidents_read_c_and_the_county_adds_up_the_protected_districts(fixture_con):
    frame = by_area(L.summary(fixture_con, period=MARCH, public=True), "domestic_abuse_incidents")
    # Alpha's running total never reaches 5, so all its figures are 0 and shown as [c] (0 to 4, never "none").
    assert frame.loc["D1"].current_count_suppressed and pd.isna(frame.loc["D1"].current_numerator)
    assert np.isnan(frame.loc["D1"].current_value) and np.isnan(frame.loc["D1"].change) and frame.loc["D1"].direction == ""
    # Beta's 30 is a multiple of 5, so shown as it is; the county is Alpha's 0 plus Beta's 30, never the true 32.
    assert frame.loc["D2"].current_numerator == 30 and not frame.loc["D2"].current_suppressed
    assert frame.loc["C1"].current_numerator == 30 and frame.loc["F1"].current_numerator == 40
    # The year before held no incidents: a protected 0 reads [c] too, so the change is withheld everywhere.
    assert frame.previous_count_suppressed.all() and frame.change.isna().all()


def test_a_small_unitary_is_no_longer_the_force_minus_the_county(fixture_con):
    frame = by_area(L.summary(fixture_con, period=MARCH, public=True), "racially_religiously_aggravated")
    assert set(frame.index[frame.current_count_suppressed]) == {"U1"}
    assert frame.loc["C1"].current_numerator == 60 and frame.loc["F1"].current_numerator == 60
    private = by_area(L.summary(fixture_con, period=MARCH, public=False), "racially_religiously_aggravated")
    assert private.loc["F1"].current_numerator == 63


def test_a_rate_on_fewer_than_ten_protected_events_is_withheld_but_its_count_shown(fixture_con):
    frame = by_area(L.summary(fixture_con, period=MARCH, public=True), "domestic_violence_with_injury")
    assert frame.loc["U1"].current_numerator == 5 and not frame.loc["U1"].current_count_suppressed
    assert np.isnan(frame.loc["U1"].current_value) and frame.loc["U1"].current_suppressed


def test_hate_incidents_month_by_month_and_their_rolling_totals(fixture_con):
    frame = L.series(fixture_con, indicator="hate_incidents", area="D1", public=True)
    # running totals 1..12 then 16, 20, .. 60, rounded down to multiples of 5
    assert frame.numerator.fillna(0).tolist() == [0, 0, 0, 0, 5, 0, 0, 0, 0, 5, 0, 0,
                                                  5, 5, 0, 5, 5, 5, 5, 0, 5, 5, 5, 5]
    assert frame.count_suppressed.tolist() == [n == 0 for n in frame.numerator.fillna(0)]
    assert frame.rolling_numerator.iloc[11] == 10 and frame.rolling_numerator.iloc[-1] == 50  # true 12 and 48
    summary = by_area(L.summary(fixture_con, period=MARCH, public=True), "hate_incidents").loc["D1"]
    assert (summary.current_numerator, summary.previous_numerator) == (50, 10)


def test_custom_ranges_add_up_the_same_protected_months(fixture_con):
    june = L.range_total(fixture_con, start=date(2019, 6, 1), end=date(2019, 6, 1), indicator="domestic_abuse_incidents",
                         public=True).set_index("area_code")
    assert june.loc["D1"].count_suppressed and (june.loc["D2"].numerator, june.loc["C1"].numerator) == (30, 30)
    november = L.range_total(fixture_con, start=date(2019, 6, 1), end=date(2019, 11, 1), indicator="domestic_abuse_incidents",
                             public=True).set_index("area_code")
    # June to November holds Alpha's two incidents; the two ranges differ by 0 for Alpha, not by 1.
    assert november.loc["D1"].count_suppressed and november.loc["C1"].numerator == 30


def test_non_sensitive_indicators_and_the_partner_view_are_untouched(fixture_con):
    public = L.summary(fixture_con, period=MARCH, public=True)
    private = L.summary(fixture_con, period=MARCH, public=False)
    shown = public[~public.sensitive].drop(columns=[c for c in public if "suppressed" in c])
    assert shown.equals(private[~private.sensitive].drop(columns=[c for c in private if "suppressed" in c]))
    assert not private.current_suppressed.any() and not private.previous_suppressed.any()
    assert by_area(private, "domestic_abuse_incidents").loc["D1"].current_numerator == 2


@pytest.mark.parametrize("name, params", [
    ("summary", {"period_end": MARCH, "comparison": "rolling12", "indicator": None, "areas": None}),
    ("summary", {"period_end": MARCH, "comparison": "quarter", "indicator": None, "areas": ["D1"]}),
    ("series", {"indicator": None, "area": None, "areas": None, "start": None, "end": None}),
    ("range_total", {"indicator": None, "area": None, "start": date(2019, 5, 1), "end": date(2020, 2, 1)}),
])
def test_the_partner_view_reads_the_stored_rows_as_before(demo_con, name, params):
    """Private figures come from exactly the query they came from before public mode had its own input."""
    text = engine.QUERY_DIR.joinpath(f"{name}.sql").read_text()
    before = demo_con.execute(text.replace("observations_for($public)", "stg_observations"), params).df()
    after = demo_con.execute(text, {**params, "public": False}).df()
    pd.testing.assert_frame_equal(before, after)


def test_a_single_area_request_is_withheld_as_in_the_full_table(fixture_con):
    every = L.summary(fixture_con, period=MARCH, public=True)
    alone = L.summary(fixture_con, period=MARCH, area="D2", public=True)
    pd.testing.assert_frame_equal(alone.reset_index(drop=True), every[every.area_code == "D2"].reset_index(drop=True),
                                  check_dtype=False)


def test_no_withheld_count_survives_in_any_numeric_column(fixture_con):
    """The withheld numbers are gone from the frames, not merely flagged."""
    private = L.summary(fixture_con, period=MARCH, public=False)
    public = L.summary(fixture_con, period=MARCH, public=True)
    merged = private.merge(public, on=["indicator", "area_code"], suffixes=("", "_public"))
    hidden = merged[merged.current_count_suppressed_public.astype(bool) & (merged.current_numerator > 0)]
    assert len(hidden) >= 2
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
    assert rows["D1"]["change"] == "[c]" and rows["C1"]["current_numerator"] == "30"
    assert "2" not in {rows["D1"][c] for c in L.SUMMARY_COLUMNS}


@pytest.mark.parametrize("period", [date(2014, 4, 1), date(2014, 9, 1), date(2015, 3, 1), date(2015, 5, 1), MARCH])
@pytest.mark.parametrize("comparison", ["rolling12", "quarter"])
def test_public_summary_works_at_early_periods(demo_con, period, comparison):
    """The first year has no previous window: public mode once failed there ("cannot convert to 'bool'-dtype")."""
    frame = L.summary(demo_con, period=period, comparison=comparison, public=True)
    assert len(frame) == len(L.summary(demo_con, period=period, comparison=comparison, public=False))
    assert frame.current_suppressed.dtype == bool and frame.previous_suppressed.dtype == bool


# --- guarantees on the demo database -------------------------------------------------------------------


def test_the_protected_copy_is_the_method_applied_to_the_stored_rows(demo_con):
    stored = demo_con.execute("SELECT * FROM stg_observations").df()
    catalogue = demo_con.execute("SELECT * FROM stg_indicators").df()
    contributors = demo_con.execute("SELECT * FROM mat_contributors").df()
    expected = disclosure.protect(stored, catalogue, contributors)
    held = demo_con.execute(f"SELECT * FROM {publication.PUBLISHED_TABLE}").df()
    key = ["indicator_id", "area_code", "period"]
    merged = held.merge(expected, on=key, suffixes=("", "_expected"))
    assert len(merged) == len(held) == len(expected) > 10_000
    assert (merged.numerator == merged.numerator_expected).all()
    assert set(held.indicator_id) == disclosure.protected_indicators(catalogue)


def test_families_share_their_sensitivity(demo_con):
    """A part published as stored beside a protected parent (or the reverse) would give the other away."""
    catalogue = demo_con.execute("SELECT * FROM indicators").df()
    assert disclosure.protected_indicators(catalogue) == set(catalogue.id[catalogue.sensitive])


def stored_runs(demo_con):
    """Every protected stored series beside its true counts, in period order."""
    true = demo_con.execute("SELECT indicator_id, area_code, period, numerator, denominator FROM observations").df()
    shown = demo_con.execute(f"SELECT indicator_id, area_code, period, numerator, denominator FROM {publication.PUBLISHED_TABLE}").df()
    both = shown.merge(true, on=["indicator_id", "area_code", "period"], suffixes=("", "_true"))
    return both.sort_values(["indicator_id", "area_code", "period"])


def test_every_run_of_a_stored_series_is_within_four_of_its_true_total(demo_con):
    parents = set(demo_con.execute("SELECT DISTINCT parent_id FROM indicators WHERE parent_id IS NOT NULL").df().parent_id)
    checked = 0
    for (indicator, _area), rows in stored_runs(demo_con).groupby(["indicator_id", "area_code"]):
        if indicator in parents:
            continue
        error = np.concatenate([[0], np.cumsum(rows.numerator.to_numpy() - rows.numerator_true.to_numpy())])
        # a run's error is the difference of two running-total errors, each in -4..0
        assert error.max() - error.min() <= disclosure.ROUNDING_BASE - 1
        assert (rows.numerator % disclosure.ROUNDING_BASE == 0).all()
        checked += 1
    assert checked > 150


def test_a_parent_is_its_protected_parts_and_a_percentage_stays_within_its_denominator(demo_con):
    rows = stored_runs(demo_con)
    parts = demo_con.execute("SELECT id, parent_id FROM indicators WHERE parent_id IS NOT NULL").df()
    for parent, members in parts.groupby("parent_id"):
        shown = rows[rows.indicator_id == parent].set_index(["area_code", "period"]).numerator
        if shown.empty:
            continue
        added = rows[rows.indicator_id.isin(members.id)].groupby(["area_code", "period"]).numerator.sum()
        # the demo's parts make up their parent exactly, so the remainder is 0 and so is its protected copy
        assert shown.sub(added).abs().max() == 0, parent
    marac = rows[rows.indicator_id == "marac_repeat_rate"]
    assert len(marac) and (marac.numerator <= marac.denominator).all()
    assert (marac.denominator % disclosure.ROUNDING_BASE == 0).all()


def test_every_published_count_of_a_sensitive_indicator_is_a_multiple_of_five(demo_con):
    series = L.series(demo_con, public=True)
    sensitive = series[series.sensitive]
    for column in ("numerator", "rolling_numerator"):
        shown = sensitive[column].dropna()
        assert len(shown) > 1000 and (shown % disclosure.ROUNDING_BASE == 0).all()
    summary = L.summary(demo_con, period=date(2021, 3, 1), public=True)
    assert (summary[summary.sensitive].current_numerator.dropna() % disclosure.ROUNDING_BASE == 0).all()
    totals = L.range_total(demo_con, start=date(2020, 3, 1), end=date(2020, 5, 1), public=True)
    assert (totals[totals.sensitive].numerator.dropna() % disclosure.ROUNDING_BASE == 0).all()
