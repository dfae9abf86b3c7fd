"""The one formatter: numbers, units, changes and periods as people read them, on screen, in CSV headers,
in PNGs and in the pack.

Pure functions of the engine's output (no arithmetic beyond rounding for display). One rounding rule holds
everywhere (``decimals_for``): counts whole, ratios to 2 places, rates and percentages to 1 place (rates
below 1 to 2 places, so small rates keep a figure; a percentage drops a trailing ``.0``). Negative numbers
take a typographic minus, and a figure that rounds to zero is never signed ("0", not "-0").
``indicator`` is a catalogue row (a dict or a pandas row with ``unit``, ``multiplier``,
``denominator_basis``, ``measure``, ``band_low``, ``band_high``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

import pandas as pd

from lscsb_data.figures import periods
from lscsb_data.figures.disclosure import SUPPRESSED

NO_FIGURE = "no figure"
NO_CHANGE = "no change"
MINUS = "\u2212"


def _get(indicator: Mapping, key: str, default=None):
    value = indicator.get(key, default) if hasattr(indicator, "get") else getattr(indicator, key, default)
    return default if _missing(value) else value


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def is_missing(value) -> bool:
    """True for None, NaN and pandas' missing markers."""
    return _missing(value)


def number(value, decimals: int = 0, *, signed: bool = False) -> str:
    """``1234.5`` -> ``'1,234.5'``; a typographic minus for negatives; ``signed`` adds ``+`` to positives.

    A value that rounds to zero reads ``'0'`` (or ``'0.0'``) without a sign.
    """
    text = f"{abs(float(value)):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text
    if float(value) < 0:
        return f"{MINUS}{text}"
    return f"+{text}" if signed else text


def decimals_for(value, unit: str, *, precise: bool = False) -> int:
    """Counts whole; ratios to 2 places; rates and percentages to 1 place, rates below 1 to 2 places.

    ``precise`` gives rates under 10 a second place, for single months whose differences are small.
    """
    if unit == "count":
        return 0
    if unit == "ratio":
        return 2
    if unit == "rate" and not _missing(value) and 0 < abs(float(value)) < (10 if precise else 1):
        return 2
    return 1


def figure(value, unit: str, *, precise: bool = False, signed: bool = False) -> str:
    """The number alone as every output shows it: ``'150.3'``, ``'0.94'``, ``'49%'``, ``'1,829'``, ``'0.71'``."""
    if _missing(value):
        return NO_FIGURE
    text = number(value, decimals_for(value, unit, precise=precise), signed=signed)
    return f"{_drop_point_zero(text)}%" if unit == "percentage" else text


def _drop_point_zero(text: str) -> str:
    return text[:-2] if text.endswith(".0") else text


def rate_basis(indicator: Mapping) -> str:
    """``'per 1,000 population'``, ``'per 1,000 households'`` or ``'per 100,000 population'``."""
    multiplier = int(_get(indicator, "multiplier", 1))
    basis = "households" if _get(indicator, "denominator_basis") == "households" else "population"
    return f"per {multiplier:,} {basis}"


def unit_label(indicator: Mapping) -> str:
    """What a value of this indicator counts, e.g. ``'offences per 1,000 population'``."""
    unit, measure = _get(indicator, "unit"), _get(indicator, "measure", "")
    if unit == "rate":
        return f"{measure} {rate_basis(indicator)}"
    if unit == "percentage":
        return f"percentage ({measure})" if measure else "percentage"
    return measure


def unit_phrase(indicator: Mapping) -> str:
    """What a figure counts, said after it in a sentence: ``'offences per 1,000 population'``; ``''`` for a percentage."""
    return "" if _get(indicator, "unit") == "percentage" else unit_label(indicator)


def measure_text(indicator: Mapping) -> str:
    """What an indicator counts, as a plain count: ``'offences (count)'``."""
    return f"{_get(indicator, 'measure', '')} (count)".strip()


def format_value(value, indicator: Mapping, *, suppressed: bool = False, short: bool = False,
                 precise: bool = False) -> str:
    """A value with its unit: ``'5.3 offences per 1,000 population'``, ``'49%'``, ``'1,829 referrals'``.

    ``short`` gives the number alone (``'5.3'``, ``'1,829'``, ``'49%'``) for cards and labels whose unit is said beside them.
    A withheld value reads ``[c]``; a missing one ``no figure``.
    """
    if suppressed:
        return SUPPRESSED
    if _missing(value):
        return NO_FIGURE
    text = figure(value, _get(indicator, "unit"), precise=precise)
    if short or _get(indicator, "unit") == "percentage":
        return text
    return f"{text} {unit_label(indicator)}".strip()


def format_count(value, measure: str = "", *, suppressed: bool = False) -> str:
    """A whole count with what it counts: ``'1,829 referrals'``."""
    if suppressed:
        return SUPPRESSED
    if _missing(value):
        return NO_FIGURE
    return f"{number(value)} {measure}".strip()


def format_percent_change(change_pct) -> str:
    """``-10.44`` -> ``'−10.4%'``, ``8.16`` -> ``'+8.2%'``; blank when there is no base to compare with."""
    if _missing(change_pct):
        return ""
    return f"{number(change_pct, 1, signed=True)}%"


def format_change(change, change_pct, indicator: Mapping, *, suppressed: bool = False, long: bool = False,
                  of=None) -> str:
    """``'+0.4 (+8.2%)'``; percentages change in points: ``'+3.1 points'`` (``long``: ``'percentage points'``);
    ``'no change'`` when equal; blank when nothing compares; ``[c]`` when withheld.

    ``of`` is the value that changed: the change then takes its decimal places (5.3 against 4.9 reads ``+0.4``).
    """
    if suppressed:
        return SUPPRESSED
    if _missing(change):
        return ""
    if float(change) == 0:
        return NO_CHANGE
    unit = _get(indicator, "unit")
    places = decimals_for(change if _missing(of) else of, unit)
    text = number(change, places, signed=True)
    if unit == "percentage":
        points = _drop_point_zero(text)
        word = "percentage point" if long else "point"
        return f"{points} {word}{'' if points.lstrip('+' + MINUS) == '1' else 's'}"
    if _missing(change_pct):
        return text
    return f"{text} ({format_percent_change(change_pct)})"


def interval_text(lower, upper, indicator: Mapping, *, of=None) -> str:
    """A confidence interval in the value's own places: ``'66.5 to 69.7'``, ``'55.1% to 88%'``; blank when unknown.

    ``of`` is the value the interval is around, whose decimal places it takes.
    """
    if _missing(lower) or _missing(upper):
        return ""
    unit = _get(indicator, "unit")
    places = decimals_for(upper if _missing(of) else of, unit)
    if unit == "count":
        places = 1 if float(upper) < 10 else 0
    low, high = number(lower, places), number(upper, places)
    if unit == "percentage":
        return f"{_drop_point_zero(low)}% to {_drop_point_zero(high)}%"
    return f"{low} to {high}"


def short_area_name(name) -> str:
    """An area as a heading or a comparator says it: its abbreviation where its name gives one
    (``'Leicester, Leicestershire and Rutland (LLR)'`` -> ``'LLR'``), else its name."""
    text = "" if _missing(name) else str(name)
    if text.endswith(")") and "(" in text:
        inner = text[text.rindex("(") + 1:-1]
        if inner.isupper() and " " not in inner:
            return inner
    return text


def band_text(indicator: Mapping) -> str:
    """The target band: ``'20-40%'``; blank when the indicator has none."""
    low, high = _get(indicator, "band_low"), _get(indicator, "band_high")
    if low is None or high is None:
        return ""
    unit = _get(indicator, "unit")
    return f"{_drop_point_zero(number(low, 1))}-{figure(high, unit)}" if unit == "percentage" else f"{low:g}-{high:g}"


def month_name(day) -> str:
    """``'Mar 2020'``."""
    return periods.month_name(_as_date(day))


def _as_date(day) -> date:
    if isinstance(day, pd.Timestamp):
        return day.date()
    if isinstance(day, str):
        return periods.parse_month(day[:7])
    return day


def window_label(start, end) -> str:
    """A run of months as people say it: ``'12 months to Mar 2020'``, ``'Jan-Mar 2020'``, ``'Mar 2020'``."""
    start, end = _as_date(start), _as_date(end)
    months = periods.months_between(start, end) + 1
    if months == 1:
        return periods.month_name(end)
    if months == 12:
        return f"12 months to {periods.month_name(end)}"
    if months <= 6:
        first = start.strftime("%b") if start.year == end.year else periods.month_name(start)
        return f"{first}-{periods.month_name(end)}"
    return f"{periods.month_name(start)} to {periods.month_name(end)}"


def comparison_window_label(start, end, comparison: str) -> str:
    """The current window of a comparison: rolling ``'12 months to Mar 2020'`` or ``'2019/20 Q4 (Jan-Mar 2020)'``."""
    if comparison == "quarter":
        return periods.quarter_of(_as_date(start)).long_label
    return window_label(start, end)


def period_label(period, frequency: str) -> str:
    """One period of an indicator: ``'Mar 2020'``, ``'2019/20 Q4 (Jan-Mar 2020)'`` or ``'2019/20'``."""
    day = _as_date(period)
    if frequency == "quarterly":
        return periods.quarter_of(day).long_label
    if frequency == "annual":
        return f"{day.year}/{(day.year + 1) % 100:02d}"
    return periods.month_name(day)


def source_text(catalogue_source, data_source=None, is_demo=False) -> str:
    """Where a figure comes from, saying plainly when it is demonstration data.

    ``'Leicestershire Police crime records (demonstration data)'``; for a real load the load's
    label is added when it says more than the catalogue: ``'data.police.uk street-level crime and ASB (police.uk)'``.
    """
    source = "" if _missing(catalogue_source) else str(catalogue_source)
    if not _missing(is_demo) and bool(is_demo):
        return f"{source}, demonstration data" if source else "demonstration data"
    label = "" if _missing(data_source) else str(data_source)
    if label and label.lower() not in source.lower():
        return f"{source} ({label})" if source else label
    return source


def held_label(source_label, is_demo) -> str:
    """A source as a "data as at" line names it, saying once whether it is demonstration data."""
    label = "" if _missing(source_label) else str(source_label)
    if not bool(is_demo) or "demonstration" in label.lower():
        return label
    return f"{label} (demonstration data)" if label else "demonstration data"


def flag_column(frame: pd.DataFrame, name: str) -> list[bool]:
    """A yes/no column as plain booleans (missing reads no; an absent column is all no)."""
    if name not in frame:
        return [False] * len(frame)
    return [False if _missing(v) else bool(v) for v in frame[name]]


def series_texts(frame: pd.DataFrame, indicator: Mapping) -> pd.DataFrame:
    """Display text for each row of an ``engine.series`` frame of one indicator (same index).

    Columns: ``period_text``, ``rolling_text`` (the 12 months ending with the period), ``value_text``,
    ``numerator_text``, ``denominator_text``, ``rolling_value_text``, ``rolling_numerator_text``,
    ``rolling_denominator_text``, ``previous_year_text``, ``previous_year_rolling_text``,
    ``complete_text``, ``interval_text`` and ``rolling_interval_text`` (95% confidence intervals); withheld figures
    read ``[c]``.
    """
    frequency = _get(indicator, "frequency", "monthly")
    suppressed = flag_column(frame, "suppressed")
    count_suppressed = flag_column(frame, "count_suppressed")
    rolling_suppressed = flag_column(frame, "rolling_suppressed")
    rolling_count_suppressed = flag_column(frame, "rolling_count_suppressed")
    measure = ""
    ends = [_as_date(e) for e in frame.period_end] if "period_end" in frame else []
    return pd.DataFrame(
        {
            "period_text": [period_label(p, frequency) for p in frame.period],
            "rolling_text": [window_label(periods.add_months(e, -11), e) for e in ends],
            "value_text": [format_value(v, indicator, suppressed=s) for v, s in zip(frame.value, suppressed)],
            "numerator_text": [format_count(v, measure, suppressed=s) for v, s in zip(frame.numerator, count_suppressed)],
            "denominator_text": [format_count(v) for v in frame.denominator],
            "rolling_value_text": [format_value(v, indicator, suppressed=s) for v, s in zip(frame.rolling_value, rolling_suppressed)],
            "rolling_numerator_text": [format_count(v, measure, suppressed=s) for v, s in zip(frame.rolling_numerator, rolling_count_suppressed)],
            "rolling_denominator_text": [format_count(v) for v in frame.rolling_denominator],
            "previous_year_text": [format_value(v, indicator) for v in frame.previous_year_value],
            "previous_year_rolling_text": [format_value(v, indicator) for v in frame.previous_year_rolling_value],
            "complete_text": ["yes" if not _missing(c) and bool(c) else "no: periods missing for part of the area" for c in frame.complete],
            "interval_text": [interval_text(lo, hi, indicator, of=v) for lo, hi, v in
                              zip(frame.get("lower_95", [None] * len(frame)), frame.get("upper_95", [None] * len(frame)), frame.value)],
            "rolling_interval_text": [interval_text(lo, hi, indicator, of=v) for lo, hi, v in
                                      zip(frame.get("rolling_lower_95", [None] * len(frame)),
                                          frame.get("rolling_upper_95", [None] * len(frame)), frame.rolling_value)],
        },
        index=frame.index,
    )
