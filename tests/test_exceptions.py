"""Exceptions on the fixture, where the answer is known (see tests/fixture_db.py).

At March 2020 in Alpha (D1): overall crime rises significantly (30 -> 50 a month); business burglary
wobbles (68 -> 73 a year, p = 0.82) and must not appear; MARAC repeats (45%) are above their 20-40%
band; violence with injury's rise (120 -> 144, p = 0.21) is not significant, but twelve months in a
row above its centre are a control-chart signal.
"""
from __future__ import annotations

from datetime import date

import pytest

from lscsb_data.figures import exceptions as E
from lscsb_data.presentation import reporting
from lscsb_data import summary
from tests.cli_support import run_cli

MARCH_2020 = date(2020, 3, 1)


@pytest.fixture()
def alpha(fixture_con):
    return reporting.exceptions(fixture_con, period=MARCH_2020, area="D1")


def only(frame, indicator):
    rows = frame[frame.indicator == indicator]
    assert len(rows) == 1, f"expected one exception for {indicator}, got {len(rows)}"
    return rows.iloc[0]


def test_significant_rise_is_reported_with_the_engines_figures(alpha, fixture_con):
    crime = only(alpha, "all_crime")
    engine_row = summary(fixture_con, period=MARCH_2020, indicator="all_crime", area="D1").iloc[0]
    assert crime.current_value == engine_row.current_value and crime.p_value == engine_row.p_value
    assert crime.outlook == "concern" and "significant change" in crime.reasons
    assert crime.sentence.startswith(
        "In Alpha, overall crime has increased significantly compared with the previous rolling 12 months: "
        "54.5 offences per 1,000 population in the 12 months to March 2020 against 33.3 (+63.6%)."
    )


def test_non_significant_wobble_is_not_an_exception(alpha):
    assert "business_burglary" not in set(alpha.indicator)


def test_non_significant_change_never_reads_as_significant(alpha):
    violence = only(alpha, "violence_with_injury")
    assert violence.reasons == "control chart signal"
    assert "significantly" not in violence.sentence
    assert violence.sentence == (
        "In Alpha, violence with injury has been above its average of 1.02 offences per 1,000 population a month for "
        "12 months in a row to March 2020: a sustained shift rather than normal variation (the latest month: 1.09 "
        "offences per 1,000 population a month)."
    )


def test_band_breach_is_a_concern_whatever_the_direction_of_change(alpha):
    marac = only(alpha, "marac_repeat_rate")
    assert marac.outlook == "concern" and marac.reasons.startswith("outside target range")
    assert marac.sentence == (
        "In Alpha, the MARAC repeat referral rate is above the recommended range of 20-40%: 45% in the 12 months "
        "to March 2020 (30% in the previous 12 months). The rise is statistically significant (+15 percentage points)."
    )


def test_worsening_first_then_neutral_then_improving_each_by_distance_from_normal(alpha):
    assert list(alpha.outlook) == sorted(alpha.outlook, key=E.OUTLOOKS.index)
    for _, group in alpha.groupby("outlook"):
        assert list(group.score) == sorted(group.score, reverse=True)
    assert only(alpha, "hate_incidents").outlook == "note"  # neutral polarity: a rise is noted, not judged
    assert only(alpha, "youth_eet").outlook == "improving"  # higher is better and it rose significantly
    order = list(alpha.indicator)
    assert order[0] == "all_crime"
    assert order.index("marac_repeat_rate") < order.index("violence_with_injury") < order.index("hate_incidents")


def test_quarter_comparison_words_the_window_as_a_quarter(fixture_con):
    crime = only(reporting.exceptions(fixture_con, period=MARCH_2020, area="D1", comparison="quarter"), "all_crime")
    assert "compared with the same quarter a year earlier: 13.6 offences per 1,000 population in January to March 2020 " \
           "against 8.3 (+63.6%)." in crime.sentence


def test_a_significant_change_across_missing_months_is_no_exception(fixture_con):
    # The county's windows miss a month of Beta's figures: the engine still tests the change, but a total
    # short of a month is no news, so the report leaves it out rather than call the gap a fall.
    county = summary(fixture_con, period=MARCH_2020, indicator="all_crime", area="C1").iloc[0]
    assert county.significant and not county.complete
    assert "all_crime" not in set(reporting.exceptions(fixture_con, period=MARCH_2020, area="C1").indicator)


def test_every_area_means_the_forces_areas_not_comparators_or_the_no_location_bucket(fixture_con):
    assert E.report_areas(fixture_con) == ["D1", "D2", "C1", "U1", "F1"]
    every = reporting.exceptions(fixture_con, period=MARCH_2020)
    assert set(every.area_code) <= set(E.report_areas(fixture_con)) and "D1" in set(every.area_code)


def test_a_stale_series_raises_no_control_chart_signal(fixture_con):
    # Nothing is held after March 2020, so at June 2020 the charts' latest points are not current.
    later = reporting.exceptions(fixture_con, period=date(2020, 6, 1), area="D1")
    assert (later.spc_signal == "").all()


def test_themes_with_nothing_exceptional_say_so(fixture_con):
    sections = {s["theme"]: s for s in reporting.theme_report(fixture_con, period=MARCH_2020, area="U1")}
    assert sections["crime"]["message"] == E.NOTHING_TO_REPORT and sections["crime"]["rows"].empty
    assert sections["policeuk"]["message"] == E.NOTHING_TO_REPORT
    assert sections["offending"]["message"] == "No figures for this area and period"
    alpha = {s["theme"]: s for s in reporting.theme_report(fixture_con, period=MARCH_2020, area="D1")}
    assert alpha["crime"]["message"] == "" and list(alpha["crime"]["rows"].indicator) == ["all_crime", "violence_with_injury"]


def test_cli_prints_the_report_theme_by_theme(tmp_path):
    from tests.fixture_db import make_fixture_db

    make_fixture_db(str(tmp_path / "f.duckdb")).close()
    result = run_cli("exceptions", "--db", tmp_path / "f.duckdb", "--period", "2020-03", "--area", "U1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[lines.index("Ongoing reductions in crime") + 1] == f"  {E.NOTHING_TO_REPORT}"
    spc_run = run_cli("spc", "--db", tmp_path / "f.duckdb", "--indicator", "all_crime", "--area", "D1", "--period", "2020-03")
    assert spc_run.returncode == 0 and "u-chart, 24 periods to 2020-03" in spc_run.stdout


def test_public_mode_never_reports_an_exception_on_withheld_figures(fixture_con, monkeypatch):
    from lscsb_data.figures import spc

    # Beta's 30 domestic abuse incidents are a rise from none in private; in public mode the year before's
    # protected count is 0, which reads [c] (0 to 4), so there is no change to report.
    assert "domestic_abuse_incidents" in set(reporting.exceptions(fixture_con, period=MARCH_2020, area="D2").indicator)
    monkeypatch.setenv("LSCSB_PUBLIC", "1")
    assert "domestic_abuse_incidents" not in set(reporting.exceptions(fixture_con, period=MARCH_2020, area="D2").indicator)
    assert spc.spc(fixture_con, indicator="domestic_abuse_incidents", area="D2").empty
    assert "all_crime" in set(reporting.exceptions(fixture_con, period=MARCH_2020, area="D1").indicator)
