"""The demonstration data, read through the engine on the database built from data/, reproduce every
published figure in DOMAIN.md (rounded as published) and the trends the board papers describe."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import lscsb_data as L
from lscsb_data.config import DATA_DIR

COUNTY = "E10000018"
REGION = "E12000004"
LEICESTER = "E06000016"
RUTLAND = "E06000017"
DISTRICTS = ["E07000129", *(f"E0700013{i}" for i in range(6))]
MARCH_2020 = date(2020, 3, 1)


def current(con, indicator: str, period: date, area: str = COUNTY) -> pd.Series:
    frame = L.summary(con, period=period, indicator=indicator, area=area)
    assert len(frame) == 1, (indicator, area, period)
    row = frame.iloc[0]
    assert row.current_complete, f"{indicator} at {area} is incomplete in the 12 months to {period}"
    return row


def over(con, indicator: str, start: date, end: date, area: str = COUNTY) -> pd.Series:
    frame = L.range_total(con, start=start, end=end, indicator=indicator, area=area)
    assert len(frame) == 1 and frame.complete.iloc[0], (indicator, area, start, end)
    return frame.iloc[0]


def quarterly_values(con, indicator: str, area: str = COUNTY) -> pd.Series:
    frame = L.series(con, indicator=indicator, area=area)
    return frame.set_index(frame.period.dt.date).value


# ---- the published figures: 12 months to March 2020, county ----------------------------------------


@pytest.mark.parametrize(
    ("indicator", "published", "decimals"),
    [
        ("violence_with_injury", 5.3, 1),
        ("police_asb", 8.5, 1),
        ("sentinel_asb", 13.3, 1),
        ("hate_incidents", 0.94, 2),
        ("racially_religiously_aggravated", 0.3, 1),
        ("marac_repeat_rate", 49, 0),
        ("uava_referrals", 1829, 0),
        ("cohesion_survey", 95.6, 1),
    ],
)
def test_published_figures_for_the_12_months_to_march_2020(demo_con, indicator, published, decimals):
    assert round(current(demo_con, indicator, MARCH_2020).current_value, decimals) == published


@pytest.mark.parametrize(("indicator", "published", "decimals"), [("hate_incidents", 0.79, 2), ("cohesion_survey", 93.5, 1)])
def test_published_previous_12_months(demo_con, indicator, published, decimals):
    row = current(demo_con, indicator, MARCH_2020)
    assert row.previous_complete
    assert round(row.previous_value, decimals) == published


def test_uava_referrals_are_exactly_1829_and_rising(demo_con):
    row = current(demo_con, "uava_referrals", MARCH_2020)
    assert row.current_numerator == 1829
    assert row.direction == "increasing" and row.significant


def test_hate_strand_shares_of_hate_incidents(demo_con):
    frame = L.summary(demo_con, period=MARCH_2020, area=COUNTY).set_index("indicator")
    total = frame.current_numerator["hate_incidents"]
    share = {s: 100 * frame.current_numerator[f"hate_incidents_{s}"] / total
             for s in ("race", "sexual_orientation", "disability", "religion", "transgender", "other")}
    assert (round(share["race"]), round(share["sexual_orientation"]), round(share["disability"])) == (65, 16, 8)
    assert all(share[s] > 0 for s in ("religion", "transgender", "other"))
    assert sum(share.values()) == pytest.approx(100)


def test_marac_repeats_are_above_the_safelives_band(demo_con):
    assert current(demo_con, "marac_repeat_rate", MARCH_2020).direction == "above_band"


# ---- youth offending service ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year_end", "published"),
    [(date(2015, 3, 1), 190), (date(2016, 3, 1), 124), (date(2017, 3, 1), 126), (date(2018, 3, 1), 101), (date(2019, 3, 1), 100)],
)
def test_first_time_entrants_per_financial_year(demo_con, year_end, published):
    assert current(demo_con, "fte_youth", year_end).current_value == published


def test_first_time_entrants_april_to_september_2019(demo_con):
    assert over(demo_con, "fte_youth", date(2019, 4, 1), date(2019, 9, 1)).value == 52


@pytest.mark.parametrize(("year_end", "published"), [(date(2018, 3, 1), 0.71), (date(2019, 3, 1), 1.37)])
def test_youth_reoffending_ratio_per_financial_year(demo_con, year_end, published):
    assert round(current(demo_con, "youth_reoffending_rate", year_end).current_value, 2) == published


def test_youth_reoffending_ratio_april_to_september_2019(demo_con):
    assert round(over(demo_con, "youth_reoffending_rate", date(2019, 4, 1), date(2019, 9, 1)).value, 2) == 0.18


def test_youth_eet(demo_con):
    assert round(current(demo_con, "youth_eet", date(2019, 3, 1)).current_value) == 64
    assert round(over(demo_con, "youth_eet", date(2019, 4, 1), date(2019, 9, 1)).value) == 62


# ---- crime against the region -----------------------------------------------------------------------


def test_overall_crime_12_months_to_june_2018_county_61_region_72(demo_con):
    assert round(current(demo_con, "all_crime", date(2018, 6, 1)).current_value) == 61
    assert round(current(demo_con, "all_crime", date(2018, 6, 1), REGION).current_value) == 72


def test_vehicle_crime_slightly_higher_than_the_regional_average_at_2019_20_q4(demo_con):
    county = current(demo_con, "vehicle_offences", MARCH_2020).current_value
    region = current(demo_con, "vehicle_offences", MARCH_2020, REGION).current_value
    assert 1.0 < county / region < 1.1


# Offence subgroups of the Home Office file that make up each indicator ("*" = every subgroup).
HOME_OFFICE_SUBGROUPS = {
    "all_crime": "*",
    "business_burglary": {"Non-domestic burglary"},
    "vehicle_offences": {"Theft from a vehicle", "Theft of a motor vehicle", "Vehicle interference"},
    "violence_with_injury": {"Violence with injury"},
}


@pytest.mark.parametrize("indicator", sorted(HOME_OFFICE_SUBGROUPS))
def test_the_region_holds_the_real_home_office_2017_18_totals(demo_con, indicator):
    home_office = pd.read_csv(DATA_DIR / "prc_east_midlands_2017_18.csv")
    assert set(home_office.force_name) == {"Derbyshire", "Leicestershire", "Lincolnshire", "Northamptonshire", "Nottinghamshire"}
    subgroups = HOME_OFFICE_SUBGROUPS[indicator]
    chosen = home_office if subgroups == "*" else home_office[home_office.offence_subgroup.isin(subgroups)]
    assert current(demo_con, indicator, date(2018, 3, 1), REGION).current_numerator == chosen.number_of_offences.sum()


def test_the_region_rate_uses_its_own_population(demo_con):
    row = current(demo_con, "all_crime", date(2018, 3, 1), REGION)
    assert row.current_numerator == 331_050
    assert row.current_population_year == 2018 and row.current_population_interpolated
    assert round(row.current_value, 1) == 69.0


# ---- trends the papers describe ---------------------------------------------------------------------


def test_violence_with_injury_a_slow_but_steady_increase(demo_con):
    rates = [current(demo_con, "violence_with_injury", date(year, 3, 1)).current_value for year in range(2015, 2021)]
    yearly = [later / earlier - 1 for earlier, later in zip(rates, rates[1:])]
    assert all(0 < change < 0.08 for change in yearly), yearly


@pytest.mark.parametrize("indicator", ["asb_survey_decreased", "feel_safe_after_dark"])
def test_both_survey_measures_rose_over_the_five_quarters_to_march_2020(demo_con, indicator):
    values = quarterly_values(demo_con, indicator)
    five = [values[date(year, month, 1)] for year, month in ((2019, 1), (2019, 4), (2019, 7), (2019, 10), (2020, 1))]
    assert all(later > earlier for earlier, later in zip(five, five[1:])), five


def test_residential_burglary_steps_up_at_the_april_2017_definition_change(demo_con):
    rates = {year: current(demo_con, "residential_burglary", date(year, 3, 1)).current_value for year in range(2016, 2020)}
    assert rates[2017] < rates[2016] and rates[2019] < rates[2018], "falling either side of the change"
    assert rates[2018] > 1.05 * rates[2017], "the wider definition lifts 2017/18"


def test_marac_repeats_step_up_at_the_january_2020_definition_change(demo_con):
    before = over(demo_con, "marac_repeat_rate", date(2019, 4, 1), date(2019, 12, 1)).value
    after = over(demo_con, "marac_repeat_rate", date(2020, 1, 1), date(2020, 12, 1)).value
    assert 40 < before < 49 and after > before + 8


def test_covid_dip_and_recovery_of_overall_crime(demo_con):
    april = {year: over(demo_con, "all_crime", date(year, 4, 1), date(year, 4, 1)).numerator for year in (2019, 2020)}
    assert april[2020] < 0.85 * april[2019]
    recovered = current(demo_con, "all_crime", date(2022, 3, 1)).current_value
    assert recovered > 0.95 * current(demo_con, "all_crime", MARCH_2020).current_value


def test_asb_rose_in_the_first_lockdown(demo_con):
    spring = {year: over(demo_con, "police_asb", date(year, 4, 1), date(year, 5, 1)).numerator for year in (2019, 2020)}
    assert spring[2020] > 1.3 * spring[2019]


@pytest.mark.parametrize("indicator", ["violence_with_injury", "police_asb"])
def test_summer_peak(demo_con, indicator):
    frame = L.series(demo_con, indicator=indicator, area=COUNTY, end=date(2019, 12, 1))
    by_month = frame.groupby(frame.period.dt.month).numerator.sum()
    assert by_month[[6, 7, 8]].sum() > 1.15 * by_month[[12, 1, 2]].sum()


def test_district_rates_follow_population_with_the_city_highest(demo_con):
    frame = L.summary(demo_con, period=MARCH_2020, indicator="all_crime").set_index("area_code")
    districts = frame.current_value[DISTRICTS]
    assert frame.current_value[LEICESTER] > 1.5 * districts.max()
    assert frame.current_value[RUTLAND] < districts.min()
    assert (districts / frame.current_value[COUNTY]).between(0.6, 1.4).all()
    counts = frame.current_numerator[DISTRICTS].astype(float)
    assert counts.idxmax() == "E07000130", "Charnwood, the largest district, has the most crime"


# ---- what is stored, and that every window is complete ----------------------------------------------


def test_every_board_indicator_is_complete_at_march_2020_for_every_area(demo_con):
    catalogue = L.indicators(demo_con)
    board = set(catalogue.id[catalogue.family == "board"])
    frame = L.summary(demo_con, period=MARCH_2020)
    frame = frame[frame.indicator.isin(board)]
    assert frame.complete.all(), frame[~frame.complete][["indicator", "area_code"]]
    local = board - {"iom_reoffending", "probation_reoffending"}
    for area in [*DISTRICTS, COUNTY, LEICESTER, RUTLAND, "E23000021"]:
        assert set(frame.indicator[frame.area_code == area]) >= local, area
    assert set(frame.area_code[frame.indicator == "iom_reoffending"]) == {"E23000021"}


def test_stored_areas_and_periods(demo_con):
    stored = demo_con.execute("""
        SELECT o.indicator_id, o.area_code, i.frequency, count(*) AS n, min(o.period) AS first, max(o.period) AS last
        FROM observations AS o JOIN indicators AS i ON i.id = o.indicator_id JOIN themes AS t ON t.id = i.theme
        WHERE t.family = 'board' GROUP BY ALL
    """).df()
    expected_periods = {"monthly": 120, "quarterly": 40, "annual": 10}
    assert (stored.n == stored.frequency.map(expected_periods)).all()
    assert (stored["first"].astype(str) == "2014-04-01").all()
    last = {"monthly": "2024-03-01", "quarterly": "2024-01-01", "annual": "2023-04-01"}
    assert (stored["last"].astype(str) == stored.frequency.map(last)).all()
    areas_by_indicator = stored.groupby("indicator_id").area_code.agg(frozenset)
    local = frozenset([*DISTRICTS, LEICESTER, RUTLAND])
    assert areas_by_indicator["iom_reoffending"] == {"E23000021"}
    assert areas_by_indicator["probation_reoffending"] == {"E23000021"}
    assert areas_by_indicator["marac_repeat_rate"] == local | {REGION, "MSFG-E23000021", "E92000001"}
    catalogue = L.indicators(demo_con).set_index("id")
    for indicator in set(areas_by_indicator.index) - {"iom_reoffending", "probation_reoffending", "marac_repeat_rate"}:
        regional = {REGION} if catalogue.regional_comparator[indicator] else set()
        assert areas_by_indicator[indicator] == local | regional, indicator


def test_breakdowns_add_up_exactly_per_area_and_period(demo_con):
    mismatches = demo_con.execute("""
        WITH parts AS (
            SELECT i.parent_id AS indicator_id, o.area_code, o.period, sum(o.numerator) AS parts, count(*) AS n_parts
            FROM observations AS o JOIN indicators AS i ON i.id = o.indicator_id
            WHERE i.parent_id IN ('police_asb', 'hate_incidents', 'domestic_abuse_crimes')
            GROUP BY ALL
        )
        SELECT o.indicator_id, o.area_code, o.period, o.numerator, p.parts
        FROM observations AS o FULL JOIN parts AS p USING (indicator_id, area_code, period)
        WHERE coalesce(o.indicator_id, p.indicator_id) IN ('police_asb', 'hate_incidents', 'domestic_abuse_crimes')
          AND (o.numerator IS DISTINCT FROM p.parts
               OR p.n_parts <> (SELECT count(*) FROM indicators AS c WHERE c.parent_id = p.indicator_id))
    """).df()
    assert mismatches.empty, mismatches.head()
    rows = demo_con.execute(
        "SELECT count(*) FROM observations WHERE indicator_id IN ('police_asb', 'hate_incidents', 'domestic_abuse_crimes')"
    ).fetchone()[0]
    assert rows == 3 * 9 * 120


def test_demo_rows_are_labelled_demonstration_data_and_police_uk_rows_are_real(demo_con):
    frame = L.summary(demo_con, period=MARCH_2020, area=COUNTY)
    police_uk = frame.indicator.str.startswith("policeuk_")
    assert police_uk.any() and (~police_uk).any()
    assert frame[~police_uk].is_demo.all()
    assert set(frame[~police_uk].data_source) == {"demonstration data"}
    assert not frame[police_uk].is_demo.any()


SHARED_HOME_OFFICE = DATA_DIR.parent.parent / "shared" / "reference" / "prc_pfa_2017_18.csv"


@pytest.mark.skipif(not SHARED_HOME_OFFICE.exists(), reason="../shared/reference is not beside this clone")
def test_the_committed_home_office_extract_sums_the_full_file():
    full = pd.read_csv(SHARED_HOME_OFFICE)
    forces = ["Derbyshire", "Leicestershire", "Lincolnshire", "Northamptonshire", "Nottinghamshire"]
    keys = ["financial_year", "financial_quarter", "force_name", "offence_group", "offence_subgroup"]
    expected = full[full.force_name.isin(forces)].groupby(keys, as_index=False).number_of_offences.sum()
    committed = pd.read_csv(DATA_DIR / "prc_east_midlands_2017_18.csv")
    pd.testing.assert_frame_equal(committed.sort_values(keys, ignore_index=True), expected.sort_values(keys, ignore_index=True))
