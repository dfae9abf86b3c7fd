"""Confidence intervals, comparators, the comparison, the recent trend and red-red, on the tiny fixture (figures
worked out by hand, see tests/fixture_db.py) and against an independent computation of every interval."""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm

import lscsb_data as L
from lscsb_data.figures import benchmarks, engine, stats
from tests.cli_support import run_cli
from tests.fixture_db import make_fixture_db
MARCH_2020 = date(2020, 3, 1)


def row(frame: pd.DataFrame, indicator: str, area: str) -> pd.Series:
    match = frame[(frame.indicator == indicator) & (frame.area_code == area)]
    assert len(match) == 1, f"expected one row for {indicator} {area}, got {len(match)}"
    return match.iloc[0]


@pytest.fixture()
def march(fixture_con):
    return L.summary(fixture_con, period=MARCH_2020)


# --- Intervals: hand-computed values ---------------------------------------------------------------------------

def test_exact_poisson_limits_below_ten_events(fixture_con):
    # U1: 7 domestic violence with injury crimes on 5,000 residents; the exact 95% limits of 7 are 2.81436 and 14.42268.
    dvwi = row(L.summary(fixture_con, period=MARCH_2020, area="U1"), "domestic_violence_with_injury", "U1")
    assert dvwi.current_numerator == 7
    assert dvwi.current_lower_95 * 5 == pytest.approx(2.81436, abs=1e-5)
    assert dvwi.current_upper_95 * 5 == pytest.approx(14.42268, abs=1e-5)
    assert dvwi.current_lower_998 < dvwi.current_lower_95 < dvwi.current_value < dvwi.current_upper_95 < dvwi.current_upper_998


def test_byars_limits_from_ten_events_scaled_by_denominator_and_multiplier(march):
    # D1 violence with injury: 144 offences on 11,000 residents, per 1,000.
    # Byars: 144 (1 - 1/1296 - 1.959964/36)^3 = 121.439; 145 (1 - 1/1305 + 1.959964/(3 sqrt 145))^3 = 169.532.
    vwi = row(march, "violence_with_injury", "D1")
    assert vwi.current_lower_95 == pytest.approx(121.439 / 11, abs=1e-3)
    assert vwi.current_upper_95 == pytest.approx(169.532 / 11, abs=1e-3)


def test_wilson_limits_for_a_percentage(march):
    # D1 youth EET 18 of 24 (75%): (0.75 + z^2/48 -+ z sqrt(0.75 x 0.25/24 + z^2/2304)) / (1 + z^2/24) = 55.10%, 88.00%.
    eet = row(march, "youth_eet", "D1")
    assert eet.current_value == pytest.approx(75.0)
    assert eet.current_lower_95 == pytest.approx(55.10, abs=0.01)
    assert eet.current_upper_95 == pytest.approx(88.00, abs=0.01)


def test_a_ratio_takes_the_poisson_limits_of_its_events_over_the_cohort(march):
    # D1 youth re-offending 14 re-offences by 40 young offenders: Byars limits of 14 over 40.
    ratio = row(march, "youth_reoffending_rate", "D1")
    z = 1.959964
    assert ratio.current_lower_95 == pytest.approx(14 * (1 - 1 / 126 - z / (3 * 14 ** 0.5)) ** 3 / 40)
    assert ratio.current_upper_95 == pytest.approx(15 * (1 - 1 / 135 + z / (3 * 15 ** 0.5)) ** 3 / 40)


def test_a_count_has_the_limits_of_the_count(march):
    fte = row(march, "fte_youth", "D1")  # 12 first-time entrants in 2019/20
    assert fte.current_value == 12
    assert fte.current_lower_95 == pytest.approx(12 * (1 - 1 / 108 - 1.959964 / (3 * 12 ** 0.5)) ** 3)


def test_no_events_give_a_lower_limit_of_zero_and_an_exact_upper_limit():
    lower, upper = stats.poisson_limits([0, 0], 95)
    assert list(lower) == [0, 0] and upper[0] == pytest.approx(3.6889, abs=1e-4)


# --- Intervals: every CSV value against an independent computation ---------------------------------------------

def independent_limits(unit: str, x: float, n: float, multiplier: float, confidence: float) -> tuple[float, float]:
    """Written from the definitions without the engine: exact Poisson from the chi-squared quantiles, Byars from
    the normal quantile, Wilson as the roots of (p_hat - p)^2 = z^2 p (1 - p) / n."""
    alpha = 1 - confidence / 100
    z = norm.ppf(1 - alpha / 2)
    if unit == "percentage":
        p_hat = x / n
        # (1 + z^2/n) p^2 - (2 p_hat + z^2/n) p + p_hat^2 = 0
        roots = np.sort(np.roots([1 + z * z / n, -(2 * p_hat + z * z / n), p_hat * p_hat]).real)
        return roots[0] * multiplier, roots[1] * multiplier
    if x < 10:
        lower = chi2.ppf(alpha / 2, 2 * x) / 2 if x > 0 else 0.0
        upper = chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    else:
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    scale = 1.0 if unit == "count" else multiplier / n
    return lower * scale, upper * scale


def cli_summary(db_path: Path, *args: str) -> list[dict]:
    result = run_cli("summary", "--db", db_path, *args)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def check_csv_limits(rows: list[dict], catalogue: pd.DataFrame) -> int:
    meta = catalogue.set_index("id")
    checked = 0
    for csv_row in rows:
        if not csv_row["current_value"] or csv_row["current_numerator"] in ("", "[c]"):
            assert csv_row["current_lower_95"] in ("", "[c]")
            continue
        indicator = meta.loc[csv_row["indicator"]]
        x = float(csv_row["current_numerator"])
        n = float(csv_row["current_denominator"]) if csv_row["current_denominator"] else np.nan
        for confidence, suffix in ((95, "95"), (99.8, "998")):
            lower, upper = independent_limits(indicator.unit, x, n, float(indicator.multiplier), confidence)
            assert float(csv_row[f"current_lower_{suffix}"]) == pytest.approx(lower, rel=1e-6, abs=1e-9), csv_row
            assert float(csv_row[f"current_upper_{suffix}"]) == pytest.approx(upper, rel=1e-6, abs=1e-9), csv_row
        checked += 1
    return checked


def test_every_interval_in_the_summary_csv_equals_an_independent_computation(tmp_path, fixture_con):
    path = tmp_path / "fixture.duckdb"
    make_fixture_db(str(path)).close()
    rows = cli_summary(path, "--period", "2020-03")
    assert check_csv_limits(rows, L.indicators(fixture_con)) >= 40


def test_every_interval_of_the_demo_database_equals_an_independent_computation(demo_db_path, demo_con):
    rows = cli_summary(demo_db_path, "--period", "2020-03")
    assert check_csv_limits(rows, L.indicators(demo_con)) >= 300


# --- Comparators, coverage and the comparison -------------------------------------------------------------------

def test_default_comparators_follow_the_area_tree():
    areas = pd.DataFrame({"code": ["D1", "C1", "U1", "F1", "R1", "N1", "X1"],
                          "type": ["district", "county", "unitary", "force", "region", "national", "district"],
                          "parent_code": ["C1", "F1", "F1", None, None, None, None],
                          "is_aggregate": [False, True, False, True, False, False, False]})
    groups = pd.DataFrame({"group_code": ["R1", "N1", "N1"], "group_type": ["region", "national", "national"],
                           "member_code": ["F1", "F1", "F2"], "group_name": ["R", "N", "N"]})
    assert [benchmarks.default_comparator(areas, groups, c) for c in ["D1", "C1", "U1", "F1", "R1", "N1", "X1"]] == \
        ["C1", "R1", "F1", "R1", "N1", None, None]


def test_similar_when_the_comparator_lies_inside_the_areas_interval(march):
    # D1 13.09 (11.04 to 15.41) against the county's 384 / 33,000 = 11.64.
    vwi = row(march, "violence_with_injury", "D1")
    assert vwi.comparator_code == "C1"
    assert vwi.comparator_value == pytest.approx(384 / 33)
    assert vwi.comparison == "similar"


def test_better_or_worse_by_polarity_outside_the_interval(fixture_con):
    # Racially or religiously aggravated crime (lower is better): U1 3 on 5,000 = 0.6 (exact limits 0.124 to 1.753),
    # D1 20 on 11,000 = 1.82 (Byars 1.11 to 2.81), the county 60 on 33,000 = 1.82.
    u1 = row(L.summary(fixture_con, period=MARCH_2020, area="U1", comparator="C1"), "racially_religiously_aggravated", "U1")
    assert u1.comparator_value == pytest.approx(60 / 33) and u1.comparison == "better"
    d1 = row(L.summary(fixture_con, period=MARCH_2020, area="D1", comparator="U1"), "racially_religiously_aggravated", "D1")
    assert d1.comparator_value == pytest.approx(0.6) and d1.comparison == "worse"


def test_higher_or_lower_where_no_direction_is_judged(march):
    # Domestic abuse incidents (neutral): D1 2 on 11,000 = 0.18 (0.02 to 0.66) against the county's 32 / 33,000 = 0.97.
    assert row(march, "domestic_abuse_incidents", "D1").comparison == "lower"
    assert row(march, "domestic_abuse_incidents", "D2").comparison == "similar"  # 1.36 (0.92 to 1.95)


def test_a_target_band_reads_within_or_outside_the_band(march):
    marac = row(march, "marac_repeat_rate", "D1")  # 180 of 400 = 45%, band 20-40%
    assert marac.comparison == "outside_band"


def test_a_count_is_never_compared_with_a_bigger_areas_total(march):
    fte = row(march, "fte_youth", "D1")
    assert fte.comparison == "not_comparable" and np.isnan(fte.comparator_value)
    assert "own previous figure" in fte.comparator_note


def test_a_peer_group_is_the_sum_of_its_members(fixture_con):
    # P1 = D1 + U1: (144 + 60) / (11,000 + 5,000) = 12.75 per 1,000; D2 240 / 22,000 = 10.91 (9.57 to 12.38) is lower.
    d2 = row(L.summary(fixture_con, period=MARCH_2020, area="D2", comparator="P1"), "violence_with_injury", "D2")
    assert d2.comparator_value == pytest.approx(204 / 16) and d2.comparison == "better"


def test_a_comparator_is_shown_only_where_the_data_cover_it(fixture_con, march):
    # The county's all crime lacks D2 entirely, so it is incomplete: no figure rather than D1's alone.
    crime = row(march, "all_crime", "D1")
    assert np.isnan(crime.comparator_value) and crime.comparison == "not_enough_data"
    assert crime.comparator_note == "not enough data: periods missing"
    # The region R1 is the forces F1 and F2; the fixture holds F1 only, so the region has no figure for police.uk.
    county = row(march, "policeuk_all_crime", "C1")
    assert county.comparator_code == "R1" and np.isnan(county.comparator_value)
    assert county.comparator_note == "not enough data: figures for 1 of 2 forces"


def test_a_comparator_stored_whole_uses_its_own_figure(march):
    figures = benchmarks.comparator_figures(march, pd.DataFrame(columns=["group_code", "group_type", "member_code"]), ["R1"])
    vehicle = figures[figures.indicator == "vehicle_offences"].iloc[0]
    assert vehicle.comparator_value == pytest.approx(1200 / 100) and vehicle.comparator_source == "own"


def test_an_unknown_comparator_is_refused(fixture_con):
    with pytest.raises(ValueError, match="unknown comparator 'Z9'"):
        L.summary(fixture_con, period=MARCH_2020, comparator="Z9")


def test_comparisons_in_public_mode_use_only_shown_figures(fixture_con):
    public = L.summary(fixture_con, period=MARCH_2020, public=True)
    # D1's two domestic abuse incidents are withheld, so nothing about them is compared or bounded.
    d1 = row(public, "domestic_abuse_incidents", "D1")
    assert d1.current_suppressed and np.isnan(d1.current_lower_95) and d1.comparison == ""
    # D2 is compared with the county's protected figure: D1's protected 0 plus D2's 30, on 33,000 people.
    d2 = row(public, "domestic_abuse_incidents", "D2")
    assert d2.comparator_value == pytest.approx(30 / 33000 * 1000) and d2.comparison == "higher"
    county = row(public, "domestic_abuse_incidents", "C1")
    assert not county.current_suppressed and county.current_lower_95 < county.current_value
    # A group is never the sum of its shown members alone: P1 (D1 + U1) has no figure while D1 is withheld.
    with_peers = row(L.summary(fixture_con, period=MARCH_2020, area="C1", comparator="P1", public=True),
                     "domestic_abuse_incidents", "C1")
    assert np.isnan(with_peers.comparator_value) and with_peers.comparator_note == "not enough data: figures for 1 of 2 areas"


def test_cli_comparator_option_and_columns(tmp_path):
    path = tmp_path / "fixture.duckdb"
    make_fixture_db(str(path)).close()
    rows = cli_summary(path, "--period", "2020-03", "--indicator", "violence_with_injury", "--area", "D2",
                       "--comparator", "P1")
    assert list(rows[0])[-7:] == ["current_lower_95", "current_upper_95", "current_lower_998", "current_upper_998",
                                  "comparator_code", "comparator_value", "comparison"]
    assert (rows[0]["comparator_code"], rows[0]["comparison"]) == ("P1", "better")
    assert float(rows[0]["comparator_value"]) == pytest.approx(12.75)
    default = cli_summary(path, "--period", "2020-03", "--indicator", "violence_with_injury", "--area", "C1")
    assert default[0]["comparator_code"] == "R1" and default[0]["comparison"] == "not_enough_data"
    refused = run_cli("summary", "--db", path, "--period", "2020-03", "--comparator", "nowhere")
    assert refused.returncode != 0 and "unknown comparator 'nowhere'" in refused.stderr


# --- The recent trend -------------------------------------------------------------------------------------------

def test_trend_in_proportions_matches_the_chi_squared_test_for_trend():
    # R's prop.trend.test(c(83, 90, 129, 70), c(86, 93, 136, 82)) gives X-squared = 8.2249.
    words, statistic = stats.recent_trends(["percentage"], [[83, 90, 129, 70]], [[86, 93, 136, 82]], [100])
    assert statistic[0] == pytest.approx(8.2249, abs=1e-4)
    assert words[0] == "no_change"  # below 9.55, the 99.8% point of chi-squared on 1 degree of freedom


def test_trend_in_rates_is_weighted_least_squares_on_the_interval_variances():
    counts = np.array([100, 120, 140, 160, 180.0])
    population = np.array([10_000, 10_100, 10_200, 10_300, 10_400.0])
    words, statistic = stats.recent_trends(["rate"], [counts], [population], [1000])
    # Independently: weights from each point's 95% interval, the slope and its variance by numpy's polyfit.
    lower, upper = zip(*(independent_limits("rate", x, n, 1000, 95) for x, n in zip(counts, population)))
    se = (np.array(upper) - np.array(lower)) / (2 * norm.ppf(0.975))
    t = np.arange(1, 6.0)
    (slope, _), cov = np.polyfit(t, counts / population * 1000, 1, w=1 / se, cov="unscaled")
    assert statistic[0] == pytest.approx(slope**2 / cov[0, 0], rel=1e-4)
    assert words[0] == "increasing" and statistic[0] > chi2.ppf(0.998, 1)


def test_the_fixture_has_too_few_years_for_a_recent_trend(march):
    vwi = row(march, "violence_with_injury", "D1")
    assert vwi.recent_trend == "" and vwi.recent_trend_note == "not tested: needs 5 complete 12-month windows"


def test_first_time_entrants_fell_over_the_five_years_to_2018_19(demo_con):
    # The published county counts: 190, 124, 126, 101, 100 (2014/15 to 2018/19).
    fte = row(L.summary(demo_con, period=date(2019, 3, 1), area="E10000018", indicator="fte_youth"), "fte_youth", "E10000018")
    windows = engine.windows(demo_con, period=date(2019, 3, 1), indicator="fte_youth", areas=["E10000018"])
    assert list(windows.numerator) == [190, 124, 126, 101, 100]
    assert fte.recent_trend == "decreasing"


def test_a_definition_change_inside_the_five_years_stops_the_trend(demo_con):
    burglary = row(L.summary(demo_con, period=date(2020, 3, 1), area="E10000018", indicator="residential_burglary"),
                   "residential_burglary", "E10000018")
    assert burglary.recent_trend == "" and "definition" in burglary.recent_trend_note.lower()


def test_windows_match_the_summary_they_extend(demo_con):
    for period in (date(2020, 3, 1), date(2021, 11, 1)):
        windows = engine.windows(demo_con, period=period, areas=["E07000130", "E10000018"], count=2)
        frame = L.summary(demo_con, period=period).set_index(["indicator", "area_code"])
        for window in windows.itertuples():
            summary_row = frame.loc[(window.indicator, window.area_code)]
            side = "current" if window.back == 0 else "previous"
            assert window.numerator == summary_row[f"{side}_numerator"]
            assert window.denominator == pytest.approx(summary_row[f"{side}_denominator"], nan_ok=True)


# --- Red-red ----------------------------------------------------------------------------------------------------

def test_red_red_is_worse_than_the_comparator_and_worsening(march):
    marac = row(march, "marac_repeat_rate", "D1")  # 45%, outside the band and up significantly from 30%
    assert marac.worsening and marac.red_red
    crime = row(march, "all_crime", "D1")  # worsening, but there is no comparator figure
    assert crime.worsening and not crime.red_red


# --- The period pages open on -----------------------------------------------------------------------------------

def test_an_indicator_whose_data_end_earlier_is_shown_at_its_latest_period(fixture_con):
    frame = engine.latest_summary(fixture_con, period=date(2020, 6, 1), area="D1")
    vwi = row(frame, "violence_with_injury", "D1")
    assert vwi.shown_period == MARCH_2020 and vwi.is_earlier and vwi.current_end == pd.Timestamp("2020-03-01")


def test_the_default_period_is_the_month_most_indicators_reach(demo_con):
    # Board indicators run to March 2024, police.uk to November 2021: the board's month wins for an LLR district,
    # police.uk's for a district that holds only police.uk crimes recorded over the border.
    assert engine.default_period(demo_con, area="E07000130") == date(2024, 3, 1)
    assert engine.default_period(demo_con, area="E07000032") == date(2021, 11, 1)
