"""Page data shares its engine calls (one series for the trend and the control chart, one area summary for a
theme's list and a breakdown) and gets the same figures as asking the engine for each on its own."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from lscsb_data.figures import engine, periods, spc
from lscsb_data.presentation import pagedata

CASES = [
    ("all_crime", "D1", date(2020, 3, 1)),
    ("all_crime", "F1", date(2019, 11, 1)),
    ("youth_eet", "D1", date(2020, 2, 1)),
    ("marac_repeat_rate", "D1", date(2020, 3, 1)),
    ("iom_reoffending", "F1", date(2020, 3, 1)),
    ("domestic_abuse_crimes", "U1", date(2019, 12, 1)),
    ("domestic_abuse_incidents", "C1", date(2020, 3, 1)),
]


def trend_on_its_own(con, meta: dict, *, area: str, period: date, public: bool) -> pd.DataFrame:
    """The trend as its own series query: the 36 months (at least five periods) to the latest whole period."""
    months = int(meta["period_months"])
    last_start = periods.add_months(periods.window_end(period, meta["frequency"]), -(months - 1))
    start = periods.add_months(last_start, -(max(36, 5 * months) - months))
    return engine.series(con, indicator=meta["id"], area=area, start=start, end=last_start, public=public)


@pytest.mark.parametrize("public", [False, True])
@pytest.mark.parametrize(("indicator", "area", "period"), CASES)
def test_trend_and_control_chart_match_their_own_engine_calls(fixture_con, indicator, area, period, public):
    detail = pagedata.indicator_detail(fixture_con, indicator=indicator, area=area, period=period, public=public)
    expected = trend_on_its_own(fixture_con, detail.indicator, area=area, period=period, public=public)
    pd.testing.assert_frame_equal(detail.trend[expected.columns], expected)
    control, reason = spc.spc_or_reason(fixture_con, indicator=indicator, area=area, period=period, public=public)
    pd.testing.assert_frame_equal(detail.control, control)
    assert detail.control_reason == reason


def test_the_cases_cover_a_drawn_control_chart_a_breakdown_and_a_trend_of_each_frequency(fixture_con):
    details = [pagedata.indicator_detail(fixture_con, indicator=i, area=a, period=p) for i, a, p in CASES]
    assert any(len(d.control) for d in details) and any(d.control_reason for d in details)
    assert any(len(d.parts) for d in details)
    assert {d.indicator["frequency"] for d in details if len(d.trend)} == {"monthly", "quarterly", "annual"}


@pytest.mark.parametrize("public", [False, True])
def test_a_held_area_summary_gives_the_same_cards_and_breakdown(fixture_con, public):
    area, period = "U1", date(2019, 12, 1)
    held = engine.summary(fixture_con, period=period, area=area, public=public)
    every = pagedata.overview_cards(fixture_con, area=area, period=period, public=public, sparklines=False)
    victims = pagedata.overview_cards(fixture_con, area=area, period=period, public=public, sparklines=False,
                                      summary_rows=held, theme="victims")
    pd.testing.assert_frame_equal(victims, every[every.theme == "victims"].reset_index(drop=True))
    alone = pagedata.indicator_detail(fixture_con, indicator="domestic_abuse_crimes", area=area, period=period, public=public)
    shared = pagedata.indicator_detail(fixture_con, indicator="domestic_abuse_crimes", area=area, period=period,
                                       public=public, summary_rows=held)
    assert len(alone.parts)
    pd.testing.assert_frame_equal(shared.parts, alone.parts)


@pytest.mark.parametrize("public", [False, True])
@pytest.mark.parametrize("area", ["D1", "F1"])
def test_covid_months_from_one_query_or_the_held_public_series_match_a_query_per_indicator(fixture_con, area, public):
    indicators, start, end = ("violence_with_injury", "policeuk_all_crime", "domestic_abuse_incidents"), date(2019, 1, 1), date(2020, 2, 1)
    expected = pd.concat([engine.series(fixture_con, indicator=i, area=area, start=start, end=end, public=public)
                          for i in indicators], ignore_index=True)
    held = [None, engine.series(fixture_con, public=True)] if public else [None]
    for series_frame in held:
        got = pagedata.covid_series(fixture_con, area=area, indicators=indicators, start=start, end=end, public=public,
                                    series_frame=series_frame)
        assert list(got.indicator.unique()) == [i for i in indicators if i in set(expected.indicator)]
        pd.testing.assert_frame_equal(got[expected.columns], expected, check_dtype=False)
