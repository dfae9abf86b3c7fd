"""Control charts against limits worked out by hand (formulas in lscsb_data/spc.py's docstring)."""
from __future__ import annotations

import math
from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import pytest

from lscsb_data.figures import spc
from lscsb_data.presentation import charts


def points(numerators, denominators=None, multiplier=1.0, unit="count"):
    numerators = np.asarray(numerators, dtype=float)
    denominators = np.ones_like(numerators) if denominators is None else np.asarray(denominators, dtype=float)
    value = numerators if unit == "count" else numerators / denominators * multiplier
    return pd.DataFrame({"numerator": numerators, "denominator": denominators, "value": value})


def test_c_chart_centre_and_limits_from_the_mean_count():
    counts = [8, 12, 10, 10, 9, 11, 10, 10, 12, 8, 10, 10, 25]
    chart = spc.control_chart(points(counts), unit="count")
    centre = 145 / 13
    assert chart.centre.iloc[0] == pytest.approx(centre)
    assert chart.upper.iloc[0] == pytest.approx(centre + 3 * math.sqrt(centre))
    assert chart.lower.iloc[0] == pytest.approx(centre - 3 * math.sqrt(centre))
    assert chart.chart.iloc[0] == "c-chart"
    # 25 is above 11.15 + 3 x 3.34 = 21.17; every other month is within the limits.
    assert list(chart.signal) == [""] * 12 + ["above_limit"]
    assert chart.z.iloc[-1] == pytest.approx((25 - centre) / math.sqrt(centre))


def test_c_chart_lower_limit_stops_at_zero_and_a_zero_month_breaches_a_high_centre():
    small = spc.control_chart(points([1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2]), unit="count")
    assert (small.lower == 0).all()
    high = spc.control_chart(points([40, 42, 38, 40, 41, 39, 40, 42, 38, 40, 41, 0]), unit="count")
    assert high.signal.iloc[-1] == "below_limit"


def test_u_chart_limits_follow_each_months_population():
    # 20 events a month: six months on 10,000 people then six on 12,000; shown per 1,000.
    chart = spc.control_chart(points([20] * 12, [10_000] * 6 + [12_000] * 6, 1000, "rate"), unit="rate", multiplier=1000)
    u_bar = 240 / 132_000
    assert chart.centre.iloc[0] == pytest.approx(u_bar * 1000)
    assert chart.upper.iloc[0] == pytest.approx((u_bar + 3 * math.sqrt(u_bar / 10_000)) * 1000)
    assert chart.upper.iloc[-1] == pytest.approx((u_bar + 3 * math.sqrt(u_bar / 12_000)) * 1000)
    assert chart.lower.iloc[-1] == pytest.approx((u_bar - 3 * math.sqrt(u_bar / 12_000)) * 1000)
    assert chart.chart.iloc[0] == "u-chart"
    assert (chart.signal == "").all()


def test_p_chart_limits_widen_where_the_denominator_is_small():
    x = [15, 30, 60, 30, 15, 30, 60, 30, 15, 30, 60, 30]
    n = [50, 100, 200, 100, 50, 100, 200, 100, 50, 100, 200, 100]
    chart = spc.control_chart(points(x, n, 100, "percentage"), unit="percentage", multiplier=100)
    p_bar = 0.3
    assert chart.centre.iloc[0] == pytest.approx(30.0)
    assert chart.upper.iloc[0] == pytest.approx((p_bar + 3 * math.sqrt(p_bar * 0.7 / 50)) * 100)
    assert chart.upper.iloc[2] == pytest.approx((p_bar + 3 * math.sqrt(p_bar * 0.7 / 200)) * 100)
    assert chart.lower.iloc[2] == pytest.approx((p_bar - 3 * math.sqrt(p_bar * 0.7 / 200)) * 100)
    # Every point sits on the centre line: no runs, no breaches.
    assert (chart.run_length == 0).all() and (chart.signal == "").all()


def test_p_chart_upper_limit_stops_at_one_hundred_per_cent():
    chart = spc.control_chart(points([9, 10] * 6, [10] * 12, 100, "percentage"), unit="percentage", multiplier=100)
    assert chart.upper.max() == 100


def test_xmr_limits_from_the_average_moving_range():
    values = [1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2]
    frame = pd.DataFrame({"numerator": values, "denominator": [1] * 12, "value": [float(v) for v in values]})
    chart = spc.control_chart(frame, unit="ratio")
    # Mean 2, every moving range 1: limits 2 +- 3 x 1 / 1.128 = 2 +- 2.66, the lower one stopped at 0.
    assert chart.centre.iloc[0] == pytest.approx(2.0)
    assert chart.upper.iloc[0] == pytest.approx(2 + 3 / 1.128)
    assert chart.lower.iloc[0] == 0
    assert chart.chart.iloc[0] == "XmR chart"


def test_overdispersed_counts_get_laney_limits_instead_of_flagging_every_month():
    # Alternating 100/200: a plain c-chart (150 +- 36.7) would flag every month.
    chart = spc.control_chart(points([100, 200] * 6), unit="count")
    sigma_z = (200 - 100) / math.sqrt(150) / 1.128
    assert chart.dispersion.iloc[0] == pytest.approx(sigma_z)
    # Laney's sigma: sqrt(150) x sigma-z, which for a constant sigma is the XmR sigma 100 / 1.128.
    assert chart.upper.iloc[0] == pytest.approx(150 + 3 * 100 / 1.128)
    assert chart.chart.iloc[0] == "c'-chart (Laney)"
    assert (chart.signal == "").all()


def test_underdispersed_counts_keep_the_plain_limits():
    chart = spc.control_chart(points([10, 11] * 6), unit="count")
    assert chart.dispersion.iloc[0] < 1
    assert chart.upper.iloc[0] == pytest.approx(10.5 + 3 * math.sqrt(10.5))


def test_run_lengths_are_signed_and_a_point_on_the_centre_ends_a_run():
    assert list(spc.run_lengths([3, 3, 1, 2, 3, 3, 3], centre=2)) == [2, 2, -1, 0, 3, 3, 3]


def test_eight_in_a_row_on_one_side_is_a_signal_and_seven_is_not():
    seven = spc.control_chart(points([10] * 5 + [12] * 7), unit="count")
    assert (seven.signal == "").all()
    eight = spc.control_chart(points([10] * 4 + [12] * 8), unit="count")
    # centre 136 / 12 = 11.33: the last eight are above it, the first four below.
    assert list(eight.signal) == [""] * 4 + ["run_above"] * 8
    assert list(eight.run_length) == [-4] * 4 + [8] * 8


def test_a_limit_breach_wins_over_a_run():
    # centre 326 / 29 = 11.24, upper limit 21.3: the last nine points are above the centre, the last beyond the limit.
    chart = spc.control_chart(points([10] * 20 + [12] * 8 + [30]), unit="count")
    assert chart.run_length.iloc[-1] == 9
    assert chart.signal.iloc[-1] == "above_limit"
    assert chart.signal.iloc[-2] == "run_above"


def test_fixture_series_sustained_rise_is_a_run_signal_and_the_wobble_is_not(fixture_con):
    crime = spc.spc(fixture_con, indicator="all_crime", area="D1", period=date(2020, 3, 1))
    assert len(crime) == 24 and crime.chart.iloc[0] == "u-chart"
    # 30 a month then 50 a month: the centre is total offences over total population-months.
    expected_centre = (12 * 30 + 12 * 50) / crime.denominator.sum() * 1000
    assert crime.centre.iloc[0] == pytest.approx(expected_centre)
    assert list(crime.signal) == ["run_below"] * 12 + ["run_above"] * 12
    wobble = spc.spc(fixture_con, indicator="business_burglary", area="D1", period=date(2020, 3, 1))
    assert (wobble.signal == "").all()


def test_baseline_ends_at_the_chosen_period_and_short_series_have_no_chart(fixture_con):
    crime = spc.spc(fixture_con, indicator="all_crime", area="D1", period=date(2019, 12, 1))
    assert crime.period.max() == pd.Timestamp("2019-12-01") and len(crime) == 21
    crime = spc.spc(fixture_con, indicator="all_crime", area="D1", period=date(2020, 3, 1), periods=12)
    # 50 a month on 10,800 people to December 2019, then on 11,000: the rate steps down in January.
    assert len(crime) == 12
    assert crime.centre.iloc[0] == pytest.approx(600 / (9 * 10_800 + 3 * 11_000) * 1000)
    assert list(crime.signal) == ["run_above"] * 9 + [""] * 3
    # Eight quarters of MARAC figures: fewer than MIN_POINTS, so no control chart.
    assert spc.spc(fixture_con, indicator="marac_repeat_rate", area="D1").empty


def test_a_missing_month_is_left_out_of_the_chart(fixture_con):
    beta = spc.spc(fixture_con, indicator="police_asb", area="D2")
    assert len(beta) == 23 and pd.Timestamp("2020-01-01") not in set(beta.period)


@pytest.mark.parametrize("public", [False, True])
def test_whole_periods_of_an_ordered_series_equal_those_of_the_same_rows_in_any_order(fixture_con, public):
    # why: rows in engine.series' order take a shortcut by position; any other order is sorted and grouped
    from lscsb_data.figures import engine

    ordered = engine.series(fixture_con, public=public, figures_only=True)
    shuffled = ordered.sample(frac=1, random_state=7)
    for period in (None, date(2020, 3, 1), date(2019, 6, 1)):
        for periods in (spc.BASELINE_PERIODS, 6):
            expected = spc.whole_periods(shuffled, period=period, periods=periods)
            assert len(expected)
            pd.testing.assert_frame_equal(spc.whole_periods(ordered, period=period, periods=periods), expected,
                                          check_exact=True)


def test_signal_strength_ranks_runs_and_breaches_as_normal_deviates():
    assert spc.signal_strength("above_limit", -3.5, 1) == 3.5
    assert spc.signal_strength("run_above", 0.2, 8) == pytest.approx(2.66, abs=0.01)
    assert spc.signal_strength("", 2.0, 3) == 0


def test_spc_chart_builds_a_layered_chart_with_limits_and_signals(fixture_con):
    frame = spc.spc(fixture_con, indicator="all_crime", area="D1")
    chart = charts.spc_chart(frame, title="Overall crime, Alpha", source="Source: fixture, demonstration data")
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()
    fields = {layer["encoding"]["y"]["field"] for layer in spec["layer"]}
    assert fields == {"upper", "lower", "centre", "value"}
    # plain words on the chart; the method (u-chart, three sigma) is the caption's help text
    assert spec["title"]["subtitle"] == ["Each period (blue), its average (solid line) and its usual range (dashed lines)",
                                         "Source: fixture, demonstration data"]
    assert "sigma" not in chart.to_json() and "u-chart" not in chart.to_json()


def monthly_series(numerators, *, unit="count", denominator=None):
    months = pd.date_range("2018-04-01", periods=len(numerators), freq="MS")
    numerators = pd.Series(numerators, dtype="float")
    value = numerators if unit == "count" else numerators / denominator * 1000
    return pd.DataFrame({
        "indicator": "x", "area_code": "A", "period": months, "period_end": months, "complete": True,
        "numerator": numerators, "denominator": denominator, "value": value, "unit": unit, "multiplier": 1000.0,
    })


def test_mostly_zero_counts_get_no_chart_so_a_run_of_zeros_is_no_signal():
    # A few crimes recorded over the force's border: one month in three has one, then eight empty months.
    sparse = monthly_series([1, 0, 0] * 6 + [0] * 8, unit="rate", denominator=100_000)
    assert spc.spc_frame(sparse).empty
    assert spc.no_chart_reason(sparse) == "a typical period has 0 events, too few for control limits (at least 2 needed)"
    # Two or three a month is enough for limits: the same run of lows is then a signal.
    steady = monthly_series([3, 2, 3] * 6 + [2] * 8)
    chart = spc.spc_frame(steady)
    assert len(chart) == 26 and chart.signal.iloc[-1] == "run_below" and spc.no_chart_reason(steady) == ""


def test_no_chart_reason_names_short_and_withheld_series():
    assert spc.no_chart_reason(monthly_series([5] * 11)) == (
        "it has 11 whole periods and a control chart needs at least 12")
    withheld = monthly_series([5] * 24).assign(suppressed=[False] * 23 + [True])
    assert spc.spc_frame(withheld).empty and "withheld" in spc.no_chart_reason(withheld)


def test_every_chart_at_once_is_each_series_charted_alone():
    # spc_frame charts every series in one pass over shared arrays; each chart must be control_chart's of its series
    rng = np.random.default_rng(7)
    series = pd.concat([
        monthly_series(list(rng.poisson(30, 40)), unit="rate", denominator=50_000).assign(indicator="burglary", area_code="B"),
        monthly_series(list(rng.poisson(9, 30))).assign(area_code="A"),
        monthly_series([1, 0, 0] * 10).assign(indicator="sparse"),
        monthly_series([5] * 11).assign(indicator="short"),
        monthly_series(list(rng.integers(20, 40, 30)), unit="percentage", denominator=80).assign(
            indicator="share", multiplier=100.0, value=lambda f: f.numerator / 80 * 100),
        monthly_series(list(rng.normal(1.5, 0.3, 24)), unit="ratio", denominator=1).assign(indicator="ratio", multiplier=1.0,
                                                                                              value=lambda f: f.numerator),
    ], ignore_index=True).sample(frac=1, random_state=1)
    alone = [spc.control_chart(points, unit=points.unit.iloc[0], multiplier=float(points.multiplier.iloc[0]))
             for _, points in spc.whole_periods(series).groupby(["indicator", "area_code"], sort=False)
             if len(points) >= spc.MIN_POINTS and (points.unit.iloc[0] == "ratio" or points.numerator.median() >= 2)]
    expected = pd.concat(alone, ignore_index=True)[spc.SPC_COLUMNS]
    pd.testing.assert_frame_equal(spc.spc_frame(series), expected, check_exact=True)
    assert set(expected.indicator) == {"burglary", "x", "share", "ratio"}
