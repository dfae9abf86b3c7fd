"""The engine on the tiny fixture database, against figures worked out by hand (see tests/fixture_db.py)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

import lscsb_data as L
from lscsb_data.figures import engine, stats


def row(frame: pd.DataFrame, indicator: str, area: str) -> pd.Series:
    match = frame[(frame.indicator == indicator) & (frame.area_code == area)]
    assert len(match) == 1, f"expected one row for {indicator} {area}, got {len(match)}"
    return match.iloc[0]


@pytest.fixture()
def march_2020(fixture_con):
    return L.summary(fixture_con, period=date(2020, 3, 1))


def test_rate_on_the_population_of_the_year_each_window_ends(march_2020):
    vwi = row(march_2020, "violence_with_injury", "D1")
    # 12 a month Apr 2019-Mar 2020 on 2020's 11,000; 10 a month the year before on 2019's 10,800.
    assert vwi.current_numerator == 144 and vwi.current_denominator == 11_000
    assert vwi.previous_numerator == 120 and vwi.previous_denominator == 10_800
    assert vwi.current_value == pytest.approx(144 / 11_000 * 1000)
    assert vwi.previous_value == pytest.approx(120 / 10_800 * 1000)
    assert vwi.change == pytest.approx(144 / 11 - 120 / 10.8)
    assert vwi.change_pct == pytest.approx((144 / 11 / (120 / 10.8) - 1) * 100)
    assert (vwi.current_start, vwi.current_end) == (pd.Timestamp("2019-04-01"), pd.Timestamp("2020-03-01"))
    assert (vwi.previous_start, vwi.previous_end) == (pd.Timestamp("2018-04-01"), pd.Timestamp("2019-03-01"))
    assert vwi.complete


def test_window_across_a_year_boundary_with_missing_months_before_the_data(fixture_con):
    vwi = row(L.summary(fixture_con, period=date(2019, 12, 1)), "violence_with_injury", "D1")
    # Jan-Mar 2019 at 10 plus Apr-Dec 2019 at 12; the previous window has only Apr-Dec 2018.
    assert vwi.current_numerator == 3 * 10 + 9 * 12
    assert vwi.current_denominator == 10_800
    assert vwi.current_complete
    assert vwi.previous_numerator == 9 * 10
    assert not vwi.previous_complete and not vwi.complete


def test_a_missing_month_flags_the_window_and_every_aggregate_above_it(march_2020):
    assert row(march_2020, "police_asb", "D1").complete
    beta = row(march_2020, "police_asb", "D2")
    assert beta.current_numerator == 11 * 8 and not beta.current_complete and beta.previous_complete
    county = row(march_2020, "police_asb", "C1")
    assert county.current_numerator == 12 * 8 + 11 * 8 and not county.complete


def test_percentage_is_total_numerator_over_total_denominator(march_2020):
    eet = row(march_2020, "youth_eet", "D1")
    # Quarters 1/2, 9/10, 3/4, 5/8: 18/24 = 75%, where averaging the quarters would give 69.375%.
    assert (eet.current_numerator, eet.current_denominator) == (18, 24)
    assert eet.current_value == pytest.approx(75.0)
    assert eet.previous_value == pytest.approx(50.0)


def test_ratio_is_total_over_total_and_has_no_direction_without_a_previous_year(march_2020):
    ratio = row(march_2020, "youth_reoffending_rate", "D1")
    assert ratio.current_value == pytest.approx(14 / 40)
    assert np.isnan(ratio.previous_value)
    assert ratio.direction == "" and not ratio.significant


def test_quarterly_window_ends_at_the_last_whole_quarter(fixture_con):
    eet = row(L.summary(fixture_con, period=date(2020, 2, 1), indicator="youth_eet"), "youth_eet", "D1")
    # February 2020 -> quarters ending December 2019: Jan-Mar 2019 (6/12) plus 1/2, 9/10, 3/4.
    assert (eet.current_start, eet.current_end) == (pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-01"))
    assert (eet.current_numerator, eet.current_denominator) == (19, 28)


def test_annual_indicator_uses_whole_financial_years(fixture_con):
    march = row(L.summary(fixture_con, period=date(2020, 3, 1), indicator="iom_reoffending"), "iom_reoffending", "F1")
    assert (march.current_value, march.previous_value) == (30.0, 40.0)
    february = row(L.summary(fixture_con, period=date(2020, 2, 1), indicator="iom_reoffending"), "iom_reoffending", "F1")
    assert february.current_value == 40.0 and np.isnan(february.previous_value)


def test_count_has_no_denominator(march_2020):
    fte = row(march_2020, "fte_youth", "D1")
    assert (fte.current_value, fte.previous_value) == (12, 20)
    assert pd.isna(fte.current_denominator)


def test_county_and_force_are_sums_of_their_parts(march_2020):
    county = row(march_2020, "violence_with_injury", "C1")
    assert (county.current_numerator, county.current_denominator) == (144 + 240, 11_000 + 22_000)
    assert county.current_value == pytest.approx(384 / 33_000 * 1000)
    force = row(march_2020, "violence_with_injury", "F1")
    assert (force.current_numerator, force.current_denominator) == (144 + 240 + 60, 38_000)


def test_unallocated_counts_join_the_force_total_but_not_its_population(march_2020):
    force = row(march_2020, "policeuk_all_crime", "F1")
    assert force.current_numerator == 12 * (10 + 20 + 5 + 3)
    assert force.current_denominator == 38_000
    county = row(march_2020, "policeuk_all_crime", "C1")
    assert county.current_numerator == 12 * 30


def test_indicator_stored_at_the_force_is_not_invented_for_its_parts(march_2020):
    iom = march_2020[march_2020.indicator == "iom_reoffending"]
    assert list(iom.area_code) == ["F1"]


def test_comparator_region_uses_its_own_rows_and_population(march_2020):
    region = row(march_2020, "vehicle_offences", "R1")
    assert region.current_value == pytest.approx(12.0)


def test_households_basis_uses_households_and_the_nearest_known_year(march_2020):
    burglary = row(march_2020, "residential_burglary", "D1")
    assert burglary.current_denominator == 4_000
    assert burglary.current_population_year == 2011 and not burglary.current_population_interpolated


def test_population_interpolates_between_known_years_and_falls_back_to_the_nearest(fixture_con):
    def persons(area, year):
        frame = L.population(fixture_con, area=area, year=year)
        return frame[frame.measure == "persons"].iloc[0]

    between = persons("D1", 2015)
    assert between.value == pytest.approx(10_000 + 800 * 4 / 8)
    assert between.year_used == 2015 and between.interpolated
    after = persons("D1", 2024)
    assert after.value == 11_000 and after.year_used == 2020 and not after.interpolated
    before = persons("D1", 2005)
    assert before.value == 10_000 and before.year_used == 2011
    only_one = persons("U1", 2019)
    assert only_one.value == 5_000 and only_one.year_used == 2020
    county = persons("C1", 2015)
    assert county.value == pytest.approx(3 * 10_400) and county.interpolated


def test_population_fallback_for_the_previous_window(march_2020):
    gamma = row(march_2020, "violence_with_injury", "U1")
    assert gamma.previous_denominator == 5_000 and gamma.previous_population_year == 2020


def test_directions_follow_polarity_and_significance(march_2020):
    assert row(march_2020, "all_crime", "D1").direction == "worsening"
    assert row(march_2020, "youth_eet", "D1").direction == "improving"
    assert row(march_2020, "hate_incidents", "D1").direction == "increasing"
    assert row(march_2020, "residential_burglary", "D1").direction == "stable"
    # +17.8% but p = 0.21: not significant, so stable.
    wobble = row(march_2020, "violence_with_injury", "D1")
    assert wobble.change_pct > 17 and not wobble.significant and wobble.direction == "stable"


def test_target_band_reads_position_against_the_band(fixture_con, march_2020):
    assert row(march_2020, "marac_repeat_rate", "D1").direction == "above_band"
    year_before = L.summary(fixture_con, period=date(2019, 3, 1), indicator="marac_repeat_rate")
    assert row(year_before, "marac_repeat_rate", "D1").direction == "within_band"


def test_below_band_and_neutral_decrease():
    frame = pd.DataFrame({
        "polarity": ["target_band", "neutral", "higher_better"],
        "current_value": [12.0, 5.0, 50.0],
        "change": [-3.0, -2.0, -5.0],
        "band_low": [20.0, np.nan, np.nan],
        "band_high": [40.0, np.nan, np.nan],
        "significant": [True, True, True],
    })
    directions = engine._directions(frame, pd.Series([True, True, True]))
    assert list(directions) == ["below_band", "decreasing", "worsening"]


def test_poisson_test_matches_a_worked_example():
    # 10 events against 2 over equal exposure: p = 2 * P(X >= 10 | n = 12, 1/2) = 2 * (66 + 12 + 1) / 4096.
    assert stats.poisson_rate_test(10, 1, 2, 1) == pytest.approx(158 / 4096)
    assert stats.poisson_rate_test(0, 1, 0, 1) == 1.0


def test_poisson_test_on_rates_matches_scipy_binomial_tails(march_2020):
    vwi = row(march_2020, "violence_with_injury", "D1")
    p0 = 11_000 / (11_000 + 10_800)
    expected = 2 * min(scipy_stats.binom.cdf(144, 264, p0), scipy_stats.binom.sf(143, 264, p0))
    assert vwi.p_value == pytest.approx(expected)
    assert vwi.p_value == pytest.approx(0.2052, abs=1e-4)


def test_two_proportion_test_matches_the_z_statistic(march_2020):
    eet = row(march_2020, "youth_eet", "D1")
    pooled = 42 / 72
    z = (18 / 24 - 24 / 48) / np.sqrt(pooled * (1 - pooled) * (1 / 24 + 1 / 48))
    assert z == pytest.approx(2.0284, abs=1e-4)
    assert eet.p_value == pytest.approx(2 * scipy_stats.norm.sf(z))
    assert eet.significant


def test_quarter_comparison_takes_the_same_quarter_a_year_earlier(fixture_con):
    frame = L.summary(fixture_con, period=date(2020, 3, 1), comparison="quarter")
    vwi = row(frame, "violence_with_injury", "D1")
    assert (vwi.current_start, vwi.current_end) == (pd.Timestamp("2020-01-01"), pd.Timestamp("2020-03-01"))
    assert (vwi.current_numerator, vwi.previous_numerator) == (36, 30)
    eet = row(frame, "youth_eet", "D1")
    assert (eet.current_numerator, eet.current_denominator, eet.previous_numerator, eet.previous_denominator) == (5, 8, 6, 12)
    assert "iom_reoffending" not in set(frame.indicator)


def test_summary_filters_and_unknown_comparison(fixture_con):
    frame = L.summary(fixture_con, period=date(2020, 3, 1), indicator="violence_with_injury", area="C1")
    assert list(zip(frame.indicator, frame.area_code)) == [("violence_with_injury", "C1")]
    assert L.summary(fixture_con, period=date(2020, 3, 1), area="nowhere").empty
    with pytest.raises(ValueError, match="unknown comparison"):
        L.summary(fixture_con, period=date(2020, 3, 1), comparison="weekly")


def test_summary_has_exactly_the_promised_columns_first(march_2020):
    assert list(march_2020.columns[: len(L.SUMMARY_COLUMNS)]) == L.SUMMARY_COLUMNS
    assert set(march_2020.direction) <= {
        "improving", "worsening", "stable", "increasing", "decreasing", "below_band", "within_band", "above_band", ""
    }


def test_series_rolling_values_and_the_year_before(fixture_con):
    frame = L.series(fixture_con, indicator="violence_with_injury", area="D1")
    by_month = frame.set_index("period")
    assert by_month.loc["2019-03-01", "rolling_value"] == pytest.approx(120 / 10_800 * 1000)
    assert np.isnan(by_month.loc["2019-02-01", "rolling_value"])
    # April 2018 sits in 2018, interpolated between 2011 and 2019: 10,000 + 800 * 7/8 = 10,700.
    assert by_month.loc["2019-04-01", "previous_year_value"] == pytest.approx(10 / 10_700 * 1000)
    assert by_month.loc["2020-03-01", "value"] == pytest.approx(12 / 11_000 * 1000)


def test_series_shows_a_gap_as_a_missing_value(fixture_con):
    frame = L.series(fixture_con, indicator="police_asb", area="D2").set_index("period")
    assert pd.isna(frame.loc["2020-01-01", "numerator"]) and not frame.loc["2020-01-01", "complete"]
    county = L.series(fixture_con, indicator="police_asb", area="C1").set_index("period")
    assert county.loc["2020-01-01", "numerator"] == 8 and not county.loc["2020-01-01", "complete"]


def test_series_of_a_quarterly_indicator_rolls_four_quarters(fixture_con):
    frame = L.series(fixture_con, indicator="youth_eet", area="D1").set_index("period")
    assert frame.loc["2020-01-01", "rolling_value"] == pytest.approx(75.0)
    assert frame.loc["2020-01-01", "period_end"] == pd.Timestamp("2020-03-01")


@pytest.mark.parametrize("public", [False, True])
def test_a_series_cut_from_an_areas_whole_series_equals_the_query_to_its_periods(fixture_con, public):
    # why: the app queries an area's whole series once and cuts it for the sparklines, control charts and trend
    # every indicator; one with a gap; quarterly; sensitive (withheld in public); D1's alone; the region's alone
    indicators = [None, "police_asb", "youth_eet", "domestic_abuse_incidents", "business_burglary", "vehicle_offences"]
    for area in ("D1", "U1"):
        whole = engine.series(fixture_con, area=area, public=public)
        for end in (None, date(2019, 6, 1), date(2010, 1, 1)):
            for indicator in indicators:
                for figures_only in (False, True):
                    queried = engine.series(fixture_con, indicator=indicator, area=area, end=end, public=public,
                                            figures_only=figures_only)
                    cut = engine.series_cut(whole, indicator=indicator, end=end, figures_only=figures_only)
                    pd.testing.assert_frame_equal(cut, queried, check_exact=True)
        start = date(2019, 4, 1)
        pd.testing.assert_frame_equal(
            engine.series_cut(whole, start=start, end=date(2020, 1, 1), figures_only=True),
            engine.series(fixture_con, areas=[area], start=start, end=date(2020, 1, 1), public=public, figures_only=True),
            check_exact=True)


def test_range_total_counts_whole_periods_inside_the_range(fixture_con):
    fte = L.range_total(fixture_con, indicator="fte_youth", area="D1", start=date(2019, 4, 1), end=date(2019, 9, 1))
    assert fte.iloc[0].numerator == 6 and fte.iloc[0].complete
    vwi = L.range_total(fixture_con, indicator="violence_with_injury", area="D1", start=date(2019, 6, 1), end=date(2019, 8, 1))
    assert vwi.iloc[0].numerator == 36 and vwi.iloc[0].denominator == 10_800
    with pytest.raises(ValueError, match="before it starts"):
        L.range_total(fixture_con, start=date(2020, 1, 1), end=date(2019, 1, 1))


def test_latest_period_is_the_last_month_every_part_has(fixture_con):
    assert L.latest_period(fixture_con, indicators=["police_asb"], area="C1") == date(2020, 3, 1)
    assert L.latest_period(fixture_con, indicators=["police_asb"], area="D2") == date(2020, 3, 1)
    assert L.latest_period(fixture_con, indicators=["violence_with_injury", "all_crime"], area="D1") == date(2020, 3, 1)


def test_areas_and_catalogue(fixture_con):
    areas = L.areas(fixture_con, with_data_only=True)
    assert list(areas.code[:2]) == ["D1", "D2"]
    assert "R1" in set(areas.code)
    catalogue = L.indicators(fixture_con)
    assert catalogue.iloc[0].id == "all_crime"
    assert catalogue.set_index("id").loc["violence_with_injury", "latest_period"] == pd.Timestamp("2020-03-01")
