"""Statistical process control: is the latest month (or quarter) within normal variation?

Each indicator's periodic series (from ``engine.series``) gets a control chart chosen by its unit:

- ``count`` -> c-chart: events in equal periods; centre c-bar, sigma sqrt(c-bar).
- ``rate`` -> u-chart: events over a population (or households) exposure that changes by year;
  centre u-bar = sum(events) / sum(exposure), sigma sqrt(u-bar / exposure), shown per 1,000 (the
  indicator's multiplier) so the chart reads in the same units as the trend chart.
- ``percentage`` -> p-chart: successes out of a denominator that varies each period; centre
  p-bar = sum(x) / sum(n), sigma sqrt(p-bar (1 - p-bar) / n).
- ``ratio`` -> XmR (individuals and moving range): re-offences per young offender cluster within
  individuals, so neither Poisson nor binomial variation fits; the limits come from the average
  moving range (centre +- 2.66 mR-bar).

Large counts vary more from month to month than Poisson or binomial chance allows (seasonality,
recording practice), which would put almost every county month outside plain c/u/p limits. So the
c, u and p limits are widened by Laney's sigma-z (the average moving range of the standardised
points / 1.128) whenever it exceeds 1; the chart is then labelled c', u' or p'. The limits are never
narrower than the plain chart's.

Limits are 3 sigma about the centre, computed from the last ``BASELINE_PERIODS`` whole periods up to
the chosen one (missing or incomplete periods are left out). Signals: a point beyond a limit, and a
run of ``RUN_LENGTH`` or more consecutive points on one side of the centre (a point on the centre
line ends a run).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from lscsb_data.figures import engine

SIGMA_LIMIT = 3.0
RUN_LENGTH = 8
BASELINE_PERIODS = 36
MIN_POINTS = 12
# why: where a typical period has under two events the count is mostly zeros and ones, its lower limit is 0
# and a run of zeros "below the mean" is routine, so limits and runs about the mean would signal by chance
MIN_MEDIAN_COUNT = 2.0
# why: the mean moving range of two independent normal points is 1.128 sigma (the d2 constant for n=2)
D2 = 1.128

CHART_FOR_UNIT = {"count": "c", "rate": "u", "percentage": "p", "ratio": "xmr"}
CHART_NAMES = {
    "c": "c-chart (counts)",
    "u": "u-chart (rate on the population exposure)",
    "p": "p-chart (percentage of a varying denominator)",
    "xmr": "XmR chart (individuals and moving range)",
}
SIGNALS = ("above_limit", "below_limit", "run_above", "run_below")

SPC_COLUMNS = [
    "indicator", "area_code", "period", "period_end", "value", "numerator", "denominator",
    "centre", "lower", "upper", "sigma", "z", "run_length", "signal", "chart", "dispersion",
]


def chart_kind(unit: str) -> str:
    try:
        return CHART_FOR_UNIT[unit]
    except KeyError:
        raise ValueError(f"no control chart for unit '{unit}'") from None


def chart_label(kind: str, dispersion: float) -> str:
    """``'u'`` -> ``'u-chart'``; with Laney's adjustment in force, ``"u'-chart (Laney)"``."""
    if kind == "xmr":
        return "XmR chart"
    return f"{kind}'-chart (Laney)" if dispersion > 1 else f"{kind}-chart"


def control_limits(numerator, denominator, value, *, unit: str, multiplier: float = 1.0) -> dict:
    """Centre, per-point sigma and limits for one series of whole periods, in the units of ``value``.

    ``numerator``/``denominator`` are the period's parts (denominator ignored for counts); ``value``
    is the figure as shown (per ``multiplier`` for rates, per cent for percentages).
    """
    kind = chart_kind(unit)
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float) if denominator is not None else np.ones_like(x)
    y = np.asarray(value, dtype=float)
    if kind == "xmr":
        centre = float(y.mean())
        moving_range = float(np.abs(np.diff(y)).mean()) if len(y) > 1 else 0.0
        sigma = np.full_like(y, moving_range / D2)
        dispersion = 1.0
    else:
        if kind == "c":
            n = np.ones_like(x)
        rate = x.sum() / n.sum()
        if kind == "p":
            base_sigma = np.sqrt(rate * (1 - rate) / n)
        else:
            base_sigma = np.sqrt(rate / n)
        scale = multiplier if kind in ("u", "p") else 1.0
        centre = float(rate * scale)
        base_sigma = base_sigma * scale
        dispersion = _laney_sigma_z(y, centre, base_sigma)
        sigma = base_sigma * max(1.0, dispersion)
    lower = np.maximum(centre - SIGMA_LIMIT * sigma, 0.0)
    upper = centre + SIGMA_LIMIT * sigma
    if kind == "p":
        upper = np.minimum(upper, multiplier)
    return {"kind": kind, "centre": centre, "sigma": sigma, "lower": lower, "upper": upper, "dispersion": dispersion}


def _laney_sigma_z(y: np.ndarray, centre: float, sigma: np.ndarray) -> float:
    """Laney's sigma-z: the spread of the standardised points, estimated from their moving range."""
    if len(y) < 2 or not np.all(sigma > 0):
        return 1.0
    z = (y - centre) / sigma
    return float(np.abs(np.diff(z)).mean() / D2)


def run_lengths(values, centre: float) -> np.ndarray:
    """Signed length of the run each point belongs to (+ above, - below, 0 on the centre line)."""
    values = np.asarray(values, dtype=float)
    tolerance = 1e-9 * max(1.0, abs(centre))
    side = np.where(values > centre + tolerance, 1, np.where(values < centre - tolerance, -1, 0))
    lengths = np.zeros(len(side), dtype=int)
    start = 0
    for index in range(1, len(side) + 1):
        if index == len(side) or side[index] != side[start]:
            lengths[start:index] = side[start] * (index - start)
            start = index
    return lengths


def control_chart(points: pd.DataFrame, *, unit: str, multiplier: float = 1.0) -> pd.DataFrame:
    """Limits and signals for one indicator and area; ``points`` are whole periods in order.

    ``points`` needs ``numerator``, ``denominator`` and ``value``. Adds ``centre``, ``lower``, ``upper``,
    ``sigma``, ``z`` (sigmas from the centre), ``run_length`` (signed), ``signal`` ('' or one of
    ``SIGNALS``; a limit breach wins over a run), ``chart`` and ``dispersion`` (Laney's sigma-z).
    """
    frame = points.reset_index(drop=True).copy()
    columns = _chart_columns(np.asarray(frame.numerator, dtype=float),
                             None if unit == "count" else np.asarray(frame.denominator, dtype=float),
                             np.asarray(frame.value, dtype=float), unit=unit, multiplier=multiplier)
    for name, values in columns.items():
        frame[name] = values
    return frame


def _chart_columns(numerator: np.ndarray, denominator: np.ndarray | None, value: np.ndarray, *, unit: str,
                   multiplier: float) -> dict[str, np.ndarray]:
    """``control_chart``'s added columns for one series, as arrays (``spc_frame`` builds every chart's at once)."""
    limits = control_limits(numerator, denominator, value, unit=unit, multiplier=multiplier)
    centre = np.full(len(value), limits["centre"])
    sigma, lower, upper = limits["sigma"], limits["lower"], limits["upper"]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sigma > 0, (value - centre) / sigma, 0.0)
    run_length = run_lengths(value, limits["centre"])
    signal = np.select([value > upper, value < lower, run_length >= RUN_LENGTH, run_length <= -RUN_LENGTH],
                       list(SIGNALS), "")
    return {"centre": centre, "lower": lower, "upper": upper, "sigma": sigma, "z": z, "run_length": run_length,
            "signal": signal, "chart": np.full(len(value), chart_label(limits["kind"], limits["dispersion"])),
            "dispersion": np.full(len(value), limits["dispersion"])}


def whole_periods(series: pd.DataFrame, *, period: date | None = None, periods: int = BASELINE_PERIODS) -> pd.DataFrame:
    """The complete periods among the last ``periods`` of each indicator and area ending at or before ``period``.

    A series with a figure withheld for disclosure control (public mode) in that span is left out whole:
    charting only the figures shown would bias its centre line.
    """
    frame = series if period is None else series[series.period_end <= pd.Timestamp(period)]
    keys = ["indicator", "area_code"]
    starts = _series_starts(frame)
    if starts is None:
        frame = frame.sort_values([*keys, "period"]).groupby(keys, sort=False).tail(periods)
        if "suppressed" in frame:
            frame = frame[~frame.groupby(keys, sort=False).suppressed.transform("any").astype(bool)]
    else:
        # why: engine.series is already in this order, so each series' last periods are found by position (the
        # sort and the grouped tail cost more than the charts of an exception report)
        ends = np.repeat(np.r_[starts[1:], len(frame)], np.diff(np.r_[starts, len(frame)]))
        keep = ends - np.arange(len(frame)) <= periods
        if "suppressed" in frame and keep.any():
            withheld = frame.suppressed.to_numpy()[keep]
            kept_starts = np.flatnonzero(np.r_[True, np.diff(ends[keep]) != 0])
            hidden = np.logical_or.reduceat(withheld, kept_starts)
            keep[keep] = ~np.repeat(hidden, np.diff(np.r_[kept_starts, len(withheld)]))
        frame = frame[keep]
    return frame[frame.complete.fillna(False).astype(bool) & frame.value.notna()]


def _series_starts(frame: pd.DataFrame) -> np.ndarray | None:
    """Where each indicator and area's rows start, when ``frame`` has rows already ordered by indicator, area and
    period, with a plain yes/no ``suppressed`` (as ``engine.series`` returns them); None otherwise."""
    if not len(frame) or ("suppressed" in frame and frame.suppressed.dtype != bool):
        return None
    indicator, area = frame.indicator.to_numpy(object), frame.area_code.to_numpy(object)
    period = frame.period.to_numpy()
    same_indicator, same_area = indicator[1:] == indicator[:-1], area[1:] == area[:-1]
    ordered = (indicator[1:] > indicator[:-1]) | (same_indicator & (
        (area[1:] > area[:-1]) | (same_area & (period[1:] > period[:-1]))))
    if not ordered.all():
        return None
    return np.flatnonzero(np.r_[True, ~(same_indicator & same_area)])


def spc_frame(series: pd.DataFrame, *, period: date | None = None, periods: int = BASELINE_PERIODS) -> pd.DataFrame:
    """Control charts for every indicator and area in ``series`` (a frame from ``engine.series``).

    Series with fewer than ``MIN_POINTS`` whole periods, and count-based series (c, u, p) whose median
    period has fewer than ``MIN_MEDIAN_COUNT`` events, are left out: their limits would mean little.
    """
    points = whole_periods(series, period=period, periods=periods)
    # why: whole_periods keeps each series' rows together in order, so every chart is a slice of the same arrays
    # (a frame per chart cost about 5 ms, and an area's exception report draws about 60 charts)
    indicator, area = points.indicator.to_numpy(object), points.area_code.to_numpy(object)
    starts = np.flatnonzero(np.r_[True, (indicator[1:] != indicator[:-1]) | (area[1:] != area[:-1])]) if len(points) else []
    ends = [*starts[1:], len(points)]
    numerator, denominator = np.asarray(points.numerator, dtype=float), np.asarray(points.denominator, dtype=float)
    value, units, multipliers = np.asarray(points.value, dtype=float), points.unit.to_numpy(object), points.multiplier.to_numpy()
    kept, columns = [], []
    for start, end in zip(starts, ends):
        unit = units[start]
        if end - start < MIN_POINTS or (unit != "ratio" and np.nanmedian(numerator[start:end]) < MIN_MEDIAN_COUNT):
            continue
        kept.append(np.arange(start, end))
        columns.append(_chart_columns(numerator[start:end], None if unit == "count" else denominator[start:end],
                                      value[start:end], unit=unit, multiplier=float(multipliers[start])))
    if not kept:
        return pd.DataFrame(columns=SPC_COLUMNS)
    frame = points.iloc[np.concatenate(kept)].reset_index(drop=True)
    for name in columns[0]:
        frame[name] = np.concatenate([chart[name] for chart in columns])
    return frame[SPC_COLUMNS]


def no_chart_reason(series: pd.DataFrame, *, period: date | None = None, periods: int = BASELINE_PERIODS) -> str:
    """Why one indicator and area's ``series`` gets no control chart (``spc_frame`` leaves it out), in words."""
    recent = series if period is None else series[series.period_end <= pd.Timestamp(period)]
    recent = recent.sort_values("period").tail(periods)
    if "suppressed" in recent and recent.suppressed.fillna(False).astype(bool).any():
        return "some of its figures are withheld in public outputs to protect privacy"
    points = whole_periods(series, period=period, periods=periods)
    if len(points) < MIN_POINTS:
        return f"it has {len(points)} whole periods and a control chart needs at least {MIN_POINTS}"
    if points.unit.iloc[0] != "ratio" and points.numerator.median() < MIN_MEDIAN_COUNT:
        return (f"a typical period has {points.numerator.median():g} events, too few for control limits "
                f"(at least {MIN_MEDIAN_COUNT:g} needed)")
    return ""


def spc(con, *, indicator: str, area: str, period: date | None = None, periods: int = BASELINE_PERIODS,
        public: bool | None = None) -> pd.DataFrame:
    """The control chart of one indicator and area up to ``period`` (default: the latest held)."""
    return spc_or_reason(con, indicator=indicator, area=area, period=period, periods=periods, public=public)[0]


def spc_or_reason(con, *, indicator: str, area: str, period: date | None = None, periods: int = BASELINE_PERIODS,
                  public: bool | None = None) -> tuple[pd.DataFrame, str]:
    """``spc``'s chart and, when it is empty, why (``no_chart_reason``); ``public`` as for ``engine.series``."""
    history = engine.series(con, indicator=indicator, area=area, end=period, public=public)
    return chart_or_reason(history, period=period, periods=periods)


def chart_or_reason(history: pd.DataFrame, *, period: date | None = None,
                    periods: int = BASELINE_PERIODS) -> tuple[pd.DataFrame, str]:
    """``spc_or_reason`` from one indicator and area's ``engine.series`` up to ``period``, already fetched."""
    frame = spc_frame(history, period=period, periods=periods)
    return frame, "" if len(frame) else no_chart_reason(history, period=period, periods=periods)


def latest_points(charts: pd.DataFrame) -> pd.DataFrame:
    """The last point of each indicator and area's chart, with its signal."""
    return charts.sort_values("period").groupby(["indicator", "area_code"], sort=False).tail(1).reset_index(drop=True)


def signal_strength(signal: str, z: float, run_length: int) -> float:
    """How far from normal a signal is, as a normal deviate: |z| for a limit breach, the run's equivalent for a run."""
    if signal in ("above_limit", "below_limit"):
        return abs(z)
    if signal in ("run_above", "run_below"):
        # why: a run of k on one side has chance 0.5**k under a stable process
        return float(scipy_stats.norm.isf(0.5 ** abs(run_length)))
    return 0.0


SIGNAL_LABELS = {
    "": "within normal variation",
    "above_limit": "above the upper limit",
    "below_limit": "below the lower limit",
    "run_above": f"{RUN_LENGTH}+ in a row above the centre",
    "run_below": f"{RUN_LENGTH}+ in a row below the centre",
}
