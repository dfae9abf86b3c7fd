"""Months, financial quarters and windows, the calendar the board reports in.

A period is always held as the first day of the month it starts (a ``datetime.date``).
Financial quarters run Q1 = Apr-Jun ... Q4 = Jan-Mar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "annual": 12}
COMPARISONS = ("rolling12", "quarter")

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")


def parse_month(text: str) -> date:
    """``'2020-03'`` -> ``date(2020, 3, 1)``; raises ValueError naming what was expected."""
    match = _MONTH_RE.match(str(text).strip())
    if not match:
        raise ValueError(f"'{text}' is not a month: expected YYYY-MM, e.g. 2020-03")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not 1900 <= year <= 2100:
        raise ValueError(f"'{text}' is not a real month: expected YYYY-MM with a month 01-12")
    return date(year, month, 1)


def month_label(day: date) -> str:
    """``date(2020, 3, 1)`` -> ``'2020-03'``."""
    return f"{day.year:04d}-{day.month:02d}"


def month_name(day: date) -> str:
    """``date(2020, 3, 1)`` -> ``'Mar 2020'``, as people read it."""
    return day.strftime("%b %Y")


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when they are the same month)."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def window_end(period_end: date, frequency: str) -> date:
    """The last month of the latest whole period of ``frequency`` ending at or before ``period_end``.

    Quarterly figures end in Jun/Sep/Dec/Mar and annual ones in March, because the board reports
    in financial quarters and years; mirrors the SQL macro ``window_end``.
    """
    if frequency == "monthly":
        return period_end
    if frequency == "quarterly":
        return add_months(period_end, -(period_end.month % 3))
    if frequency == "annual":
        return add_months(period_end, -((period_end.month + 9) % 12))
    raise ValueError(f"unknown frequency '{frequency}'")


def is_period_start(day: date, frequency: str) -> bool:
    """Whether ``day`` can start a period of ``frequency`` (quarters start Apr/Jul/Oct/Jan, years in April)."""
    if frequency == "monthly":
        return True
    if frequency == "quarterly":
        return day.month % 3 == 1
    if frequency == "annual":
        return day.month == 4
    raise ValueError(f"unknown frequency '{frequency}'")


@dataclass(frozen=True)
class FinancialQuarter:
    start_year: int
    quarter: int

    @property
    def start(self) -> date:
        return add_months(date(self.start_year, 4, 1), 3 * (self.quarter - 1))

    @property
    def end(self) -> date:
        """First day of the quarter's last month."""
        return add_months(self.start, 2)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}-Q{self.quarter}"

    @property
    def long_label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d} Q{self.quarter} ({month_name(self.start)[:3]}-{month_name(self.end)})"


def parse_quarter(text: str) -> FinancialQuarter:
    """``'2019-20-Q4'`` -> the quarter January-March 2020."""
    match = _QUARTER_RE.match(str(text).strip())
    if not match:
        raise ValueError(f"'{text}' is not a financial quarter: expected YYYY-YY-Qn, e.g. 2019-20-Q4")
    start_year, end_yy, quarter = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if (start_year + 1) % 100 != end_yy:
        raise ValueError(f"'{text}' is not a financial quarter: expected YYYY-YY-Qn with consecutive years, e.g. 2019-20-Q4")
    return FinancialQuarter(start_year, quarter)


def quarter_of(day: date) -> FinancialQuarter:
    """The financial quarter containing ``day``."""
    months_since_april = (day.month - 4) % 12
    start_year = day.year if day.month >= 4 else day.year - 1
    return FinancialQuarter(start_year, months_since_april // 3 + 1)
