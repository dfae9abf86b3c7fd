"""Months, financial quarters and window ends."""
from __future__ import annotations

from datetime import date

import pytest

from lscsb_data.figures import periods


@pytest.mark.parametrize(
    ("period_end", "frequency", "expected"),
    [
        (date(2020, 3, 1), "monthly", date(2020, 3, 1)),
        (date(2020, 2, 1), "quarterly", date(2019, 12, 1)),
        (date(2020, 6, 1), "quarterly", date(2020, 6, 1)),
        (date(2020, 5, 1), "quarterly", date(2020, 3, 1)),
        (date(2020, 3, 1), "annual", date(2020, 3, 1)),
        (date(2020, 2, 1), "annual", date(2019, 3, 1)),
        (date(2020, 12, 1), "annual", date(2020, 3, 1)),
    ],
)
def test_window_end(period_end, frequency, expected):
    assert periods.window_end(period_end, frequency) == expected


def test_window_end_agrees_with_the_sql_macro(fixture_con):
    for month in range(1, 13):
        for frequency in periods.MONTHS_PER_PERIOD:
            day = date(2021, month, 1)
            sql = fixture_con.execute("SELECT window_end($p, $f)", {"p": day, "f": frequency}).fetchone()[0]
            assert sql == periods.window_end(day, frequency)


def test_financial_quarters():
    q4 = periods.parse_quarter("2019-20-Q4")
    assert (q4.start, q4.end, q4.label) == (date(2020, 1, 1), date(2020, 3, 1), "2019-20-Q4")
    assert periods.quarter_of(date(2019, 4, 1)) == periods.FinancialQuarter(2019, 1)
    assert periods.quarter_of(date(2020, 2, 1)).label == "2019-20-Q4"
    assert periods.parse_quarter("2019-20-Q1").long_label == "2019/20 Q1 (Apr-Jun 2019)"


@pytest.mark.parametrize("text", ["2019-21-Q4", "2019-20-Q5", "Q4 2019", "", "2019-20-q4x"])
def test_bad_quarters_are_refused_with_the_expected_form(text):
    with pytest.raises(ValueError, match="YYYY-YY-Qn"):
        periods.parse_quarter(text)


@pytest.mark.parametrize("text", ["2020-13", "2020-00", "20-03", "March 2020", "2020-3", "=1+1"])
def test_bad_months_are_refused(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        periods.parse_month(text)


def test_month_arithmetic():
    assert periods.add_months(date(2020, 1, 1), -1) == date(2019, 12, 1)
    assert periods.add_months(date(2019, 12, 1), 13) == date(2021, 1, 1)
    assert periods.months_between(date(2019, 4, 1), date(2020, 3, 1)) == 11
    assert periods.month_label(date(2020, 3, 1)) == "2020-03" and periods.month_name(date(2020, 3, 1)) == "Mar 2020"
