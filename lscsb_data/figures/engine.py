"""The named query API: small typed functions over a DuckDB connection.

Every figure the dashboard, the command line and the packs show comes from here. SQL lives in
``sql/queries/*.sql`` and takes parameters; this module adds the arithmetic on whole columns
(values, changes, significance, direction).
"""
from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from lscsb_data.figures import benchmarks, disclosure, periods, publication, stats

QUERY_DIR = Path(__file__).parent / "sql" / "queries"

SUMMARY_COLUMNS = [
    "indicator", "area_code", "period_end",
    "current_numerator", "current_denominator", "current_value",
    "previous_numerator", "previous_denominator", "previous_value",
    "change", "change_pct", "direction", "significant", "complete",
    *benchmarks.INTERVAL_COLUMNS, *benchmarks.COMPARATOR_COLUMNS,
]


@cache
def _query(name: str) -> str:
    return (QUERY_DIR / f"{name}.sql").read_text()


def _run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    return con.cursor().execute(_query(name), params).df()


def _value(numerator: pd.Series, denominator: pd.Series, unit: pd.Series, multiplier: pd.Series) -> pd.Series:
    """A figure from its parts: a count is its numerator; anything else is numerator / denominator x multiplier."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = numerator.astype(float) / denominator.astype(float).where(denominator > 0) * multiplier
    return numerator.astype(float).where(unit == "count", ratio)


def _check_comparison(comparison: str) -> None:
    if comparison not in periods.COMPARISONS:
        raise ValueError(f"unknown comparison '{comparison}': expected one of {', '.join(periods.COMPARISONS)}")


def summary(
    con: duckdb.DuckDBPyConnection,
    *,
    period: date,
    indicator: str | None = None,
    area: str | None = None,
    comparison: str = "rolling12",
    public: bool | None = None,
    comparator: str | None = None,
) -> pd.DataFrame:
    """Current against previous window for each indicator and area with data at ``period``, and how each compares.

    One row per indicator and area that has at least one figure in either window. Columns are
    ``SUMMARY_COLUMNS`` plus the window dates, unit, population year used, completeness of each
    window, the p-value, whether the figures are demonstration data and their source. In public
    mode (``public``, else ``$LSCSB_PUBLIC``) every figure is computed from protected counts and
    withheld ones are blank (``publication``); ``current_suppressed`` / ``previous_suppressed`` say where.

    Then, from those (published) figures (see ``benchmarks``): the 95% and 99.8% limits of each window's value,
    the comparator (``comparator``, else each area's default: a district's county, the county's region ...) with
    ``comparator_value``, ``comparator_note`` and ``comparison``, the recent trend (``recent_trend``,
    ``recent_trend_judgement``, ``recent_trend_note``), ``worsening`` and ``red_red``.
    """
    _check_comparison(comparison)
    groups = comparator_groups(con)
    area_frame = areas(con)
    if comparator is not None and comparator not in set(area_frame.code) | set(groups.group_code):
        raise ValueError(f"unknown comparator '{comparator}': expected an area code or a group of data/comparator_groups.csv "
                         "(`python -m lscsb_data comparators` lists them)")
    is_public = disclosure.public_mode(public)
    if area is None:
        wanted = None
    else:
        wanted = benchmarks.needed_areas(groups, area, comparator or benchmarks.default_comparator(area_frame, groups, area))
    frame = _summary(con, period=period, indicator=indicator, areas=wanted, comparison=comparison, public=is_public)
    frame = publication.publish(frame, "summary") if is_public else publication.unprotected(frame, "summary")
    frame = benchmarks.with_intervals(frame)
    frame = benchmarks.with_trends(frame, windows(con, period=period, indicator=indicator, areas=wanted, public=is_public),
                                   definition_changes(con))
    codes = list(dict.fromkeys(frame.area_code))
    comparator_of = (dict.fromkeys(codes, comparator) if comparator
                     else benchmarks.default_comparators(area_frame, groups, codes))
    frame = benchmarks.with_red_red(benchmarks.with_comparators(frame, groups, comparator_of))
    frame["comparator_name"] = frame.comparator_code.map(benchmarks.comparator_names(area_frame, groups))
    frame = _only_area(frame, area)
    extra = [c for c in frame.columns if c not in SUMMARY_COLUMNS]
    return frame[SUMMARY_COLUMNS + extra]


def latest_summary(
    con: duckdb.DuckDBPyConnection,
    *,
    period: date,
    area: str,
    comparison: str = "rolling12",
    public: bool | None = None,
    comparator: str | None = None,
    everywhere=None,
    shown: dict[str, date] | None = None,
) -> pd.DataFrame:
    """``summary`` of every indicator for ``area`` at ``period``, except that an indicator whose latest complete
    period ends before the window ``period`` asks for is shown at that latest period instead (so a page keeps one
    period while an indicator with older data still shows its latest figure).

    Adds ``shown_period`` (the period end each row was computed at) and ``is_earlier`` (it is before ``period``).
    ``everywhere(at)``, when given, is ``summary`` of every area at ``at`` with the same comparison, ``public`` and
    ``comparator`` resolved for ``area`` (a caller that caches it shares it between areas). ``shown``, when given, is
    ``shown_periods`` of ``area`` at ``period`` (a caller that caches it saves the query).
    """
    shown = shown_periods(con, period=period, area=area) if shown is None else shown
    frames = []
    for at in sorted(set(shown.values()) | {period}, reverse=True):
        if everywhere is not None:
            frame = everywhere(at)
            frame = frame[frame.area_code == area]
        else:
            frame = summary(con, period=at, area=area, comparison=comparison, public=public, comparator=comparator)
        # why: an indicator without a latest period (no complete period at all) is shown at the view's period
        wanted = frame.indicator.map(shown).fillna(period) == at
        frames.append(frame[wanted].assign(shown_period=at, is_earlier=at < period))
    frame = pd.concat(frames, ignore_index=True)
    board_order = con.cursor().execute("SELECT id FROM stg_indicators ORDER BY theme_order, sort_order").fetchall()
    order = {indicator: rank for rank, (indicator,) in enumerate(board_order)}
    return frame.assign(_order=frame.indicator.map(order)).sort_values("_order").drop(columns="_order").reset_index(drop=True)


def shown_periods(con: duckdb.DuckDBPyConnection, *, period: date, area: str) -> dict[str, date]:
    """The period each indicator is shown at for ``area``: ``period``, or the last month of the indicator's latest
    complete period where that is before the window ``period`` asks for."""
    latest = latest_complete(con, areas=[area])
    frequency = dict(con.cursor().execute("SELECT id, frequency FROM indicators").fetchall())
    shown = {}
    for indicator, last in zip(latest.indicator, latest.last_month):
        last = pd.Timestamp(last).date()
        shown[indicator] = last if last < periods.window_end(period, frequency[indicator]) else period
    return shown


def latest_complete(con: duckdb.DuckDBPyConnection, *, areas: list[str] | None = None,
                    indicators: list[str] | None = None) -> pd.DataFrame:
    """Each indicator's latest complete period for each area (``last_month``: the last month of that period)."""
    return _run(con, "latest_complete", areas=areas, indicators=indicators)


def default_period(con: duckdb.DuckDBPyConnection, *, area: str) -> date | None:
    """The month every page opens on for ``area``: the latest month that at least half of the area's indicators
    reach with a complete period (so one source that stopped earlier, or one that runs ahead, does not move it)."""
    latest = latest_complete(con, areas=[area])
    if latest.empty:
        return None
    months = sorted((pd.Timestamp(m).date() for m in latest.last_month), reverse=True)
    return months[(len(months) - 1) // 2]


def windows(
    con: duckdb.DuckDBPyConnection,
    *,
    period: date,
    indicator: str | None = None,
    areas: list[str] | None = None,
    public: bool | None = None,
    count: int = stats.TREND_POINTS,
) -> pd.DataFrame:
    """The ``count`` rolling 12-month windows ending 0, 12, 24 ... months before the latest whole period at
    ``period``, oldest first: the points of the recent trend. Public mode computes them from protected counts and
    withholds them as the series' rolling figures are withheld (``publication``; ``suppressed`` says where).
    """
    is_public = disclosure.public_mode(public)
    frame = _run(con, "windows", period_end=period, n_windows=count, indicator=indicator, areas=areas, public=is_public)
    return publication.publish(frame, "totals") if is_public else publication.unprotected(frame, "totals")


def comparator_groups(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``data/comparator_groups.csv``: each region, nation and peer group with its members, one row per member."""
    return con.cursor().execute("SELECT * FROM comparator_groups ORDER BY group_code, member_code").df()


def comparators(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every comparator a figure can be compared with (``benchmarks.comparator_options``)."""
    return benchmarks.comparator_options(areas(con), comparator_groups(con))


def definition_changes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each indicator's definition changes (``annotations`` of kind definition_change)."""
    return con.cursor().execute(
        "SELECT indicator_id, start_date, label FROM annotations WHERE kind = 'definition_change' AND indicator_id IS NOT NULL"
    ).df()


def _only_area(frame: pd.DataFrame, area: str | None) -> pd.DataFrame:
    return frame if area is None else frame[frame.area_code == area].reset_index(drop=True)


def _summary(con, *, period: date, indicator: str | None, areas: list[str] | None, comparison: str,
             public: bool) -> pd.DataFrame:
    frame = _run(con, "summary", period_end=period, comparison=comparison, indicator=indicator, areas=areas, public=public)
    frame = frame.astype({"current_numerator": "Int64", "previous_numerator": "Int64"})
    frame["period_end"] = periods.month_label(period)
    frame["current_value"] = _value(frame.current_numerator, frame.current_denominator, frame.unit, frame.multiplier)
    frame["previous_value"] = _value(frame.previous_numerator, frame.previous_denominator, frame.unit, frame.multiplier)
    frame["change"] = frame.current_value - frame.previous_value
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["change_pct"] = (frame.change / frame.previous_value * 100).where(frame.previous_value != 0)
    frame["p_value"] = _p_values(frame)
    comparable = frame.current_value.notna() & frame.previous_value.notna()
    frame["significant"] = comparable & (frame.p_value < stats.ALPHA)
    frame["direction"] = _directions(frame, comparable)
    frame["complete"] = frame.current_complete & frame.previous_complete
    return frame.reset_index(drop=True)


def _p_values(frame: pd.DataFrame) -> np.ndarray:
    """Two-sided p-value of the change, by unit (see ``stats``)."""
    x1 = frame.current_numerator.fillna(0).to_numpy(float)
    x2 = frame.previous_numerator.fillna(0).to_numpy(float)
    is_count = (frame.unit == "count").to_numpy()
    # why: a plain count compares two equal windows, so the exposures are equal
    e1 = np.where(is_count, 1.0, frame.current_denominator.to_numpy(float))
    e2 = np.where(is_count, 1.0, frame.previous_denominator.to_numpy(float))
    poisson = stats.poisson_rate_test(x1, e1, x2, e2)
    proportion = stats.two_proportion_test(x1, e1, x2, e2)
    return np.where((frame.unit == "percentage").to_numpy(), proportion, poisson)


def _directions(frame: pd.DataFrame, comparable: pd.Series) -> pd.Series:
    """Direction of travel from polarity; a change that is not significant reads "stable"."""
    rising = frame.change > 0
    by_polarity = np.select(
        [frame.polarity == "lower_better", frame.polarity == "higher_better"],
        [np.where(rising, "worsening", "improving"), np.where(rising, "improving", "worsening")],
        np.where(rising, "increasing", "decreasing"),
    )
    direction = pd.Series(np.where(frame.significant, by_polarity, "stable"), index=frame.index)
    direction = direction.where(comparable, "")
    # why: a target-band indicator is judged on where it sits against the band, not on its change
    band = np.select(
        [frame.current_value < frame.band_low, frame.current_value > frame.band_high],
        ["below_band", "above_band"],
        "within_band",
    )
    is_band = (frame.polarity == "target_band") & frame.current_value.notna()
    return direction.where(~is_band, pd.Series(band, index=frame.index))


def series(
    con: duckdb.DuckDBPyConnection,
    *,
    indicator: str | None = None,
    area: str | None = None,
    start: date | None = None,
    end: date | None = None,
    public: bool | None = None,
    areas: list[str] | None = None,
    figures_only: bool = False,
) -> pd.DataFrame:
    """Each period's figure and the rolling 12-month figure ending with it.

    One row per indicator, area (``area``, or each of ``areas``; None: every area) and period (months, quarters or
    financial years, by frequency) between the first and last period held; a period with no figure has a missing ``value``.
    ``previous_year_value`` is the same period a year earlier. Public mode computes every figure from
    protected counts (``publication``; ``suppressed`` and ``rolling_suppressed`` say what is withheld).
    ``figures_only`` leaves out the 95% limits and the year-earlier columns, for a caller that reads neither.
    """
    is_public = disclosure.public_mode(public)
    frame = _run(con, "series", indicator=indicator, area=area, areas=areas, start=None, end=end, public=is_public)
    frame["value"] = _value(frame.numerator, frame.denominator, frame.unit, frame.multiplier)
    frame["rolling_value"] = _value(
        frame.rolling_numerator, frame.rolling_denominator, frame.unit, frame.multiplier
    ).where(frame.rolling_complete)
    if not figures_only:
        frame = _series_intervals(frame)
    frame = publication.publish(frame, "series") if is_public else publication.unprotected(frame, "series")
    frame["period"] = pd.to_datetime(frame.period)
    frame["period_end"] = pd.to_datetime(frame.period_end)
    if figures_only:
        return (frame if start is None else frame[frame.period >= pd.Timestamp(start)]).reset_index(drop=True)
    year_earlier = frame[["indicator", "area_code", "period", "value", "rolling_value"]].copy()
    year_earlier["period"] = year_earlier.period + pd.DateOffset(years=1)
    frame = frame.merge(
        year_earlier.rename(columns={"value": "previous_year_value", "rolling_value": "previous_year_rolling_value"}),
        on=["indicator", "area_code", "period"],
        how="left",
    )
    if start is not None:
        frame = frame[frame.period >= pd.Timestamp(start)]
    return frame.reset_index(drop=True)


_YEAR_EARLIER_COLUMNS = ["lower_95", "upper_95", "rolling_lower_95", "rolling_upper_95", "previous_year_value",
                         "previous_year_rolling_value"]


def series_cut(
    whole: pd.DataFrame,
    *,
    indicator: str | None = None,
    start: date | None = None,
    end: date | None = None,
    figures_only: bool = False,
) -> pd.DataFrame:
    """``series`` of ``indicator`` (None: every one) from ``start`` to ``end``, cut from ``whole`` (``series`` of the
    same areas and ``public`` over every indicator and period, not ``figures_only``) without a query: each row is
    computed from its own and earlier periods, so a cut equals a query to those periods, column for column."""
    keep = np.ones(len(whole), dtype=bool)
    if indicator is not None:
        keep &= (whole.indicator == indicator).to_numpy()
    if start is not None:
        keep &= (whole.period >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (whole.period <= pd.Timestamp(end)).to_numpy()
    frame = whole[keep]
    if figures_only:
        frame = frame.drop(columns=_YEAR_EARLIER_COLUMNS)
    return _as_fetched(frame.reset_index(drop=True))


def _as_fetched(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the dtypes DuckDB gives a result of just these rows: a nullable column without a missing value
    as its plain type, and strings of an empty result as objects (so a cut frame equals a queried one exactly)."""
    plain = {name: dtype.numpy_dtype for name, dtype in frame.dtypes.items()
             if isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "biu" and not frame[name].hasnans}
    if frame.empty:
        plain |= {name: object for name, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype)}
    return frame.astype(plain) if plain else frame


def _series_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Each period's and each rolling 12 months' 95% limits, from the (published) numerators and denominators."""
    unit, multiplier = frame.unit.to_numpy(object), frame.multiplier.astype(float)
    for prefix, value in (("", "value"), ("rolling_", "rolling_value")):
        lower, upper = stats.value_limits(unit, frame[f"{prefix}numerator"].astype(float),
                                          frame[f"{prefix}denominator"].astype(float), multiplier, 95)
        hidden = frame[value].isna().to_numpy()
        frame[f"{prefix}lower_95"] = np.where(hidden, np.nan, lower)
        frame[f"{prefix}upper_95"] = np.where(hidden, np.nan, upper)
    return frame


def range_total(
    con: duckdb.DuckDBPyConnection,
    *,
    start: date,
    end: date,
    indicator: str | None = None,
    area: str | None = None,
    public: bool | None = None,
) -> pd.DataFrame:
    """Totals and value over the months ``start``..``end`` inclusive (first days of those months).

    Quarterly and annual figures count only when their whole period lies inside the range. A rate
    uses the population of the calendar year of ``end``. Public mode computes every figure from
    protected counts (``publication``; ``suppressed`` says what is withheld).
    """
    if end < start:
        raise ValueError(f"the range ends ({periods.month_label(end)}) before it starts ({periods.month_label(start)})")
    is_public = disclosure.public_mode(public)
    frame = _run(con, "range_total", indicator=indicator, area=area, start=start, end=end, public=is_public)
    frame["value"] = _value(frame.numerator, frame.denominator, frame.unit, frame.multiplier)
    return publication.publish(frame, "totals") if is_public else publication.unprotected(frame, "totals")


def indicators(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The catalogue, in board order, with each indicator's theme and latest period held."""
    return con.cursor().execute(
        """
        SELECT i.*, max(o.period) AS latest_period, min(o.period) AS first_period,
               bool_or(o.is_demo) AS has_demo, bool_or(NOT o.is_demo) AS has_real
        FROM stg_indicators AS i
        LEFT JOIN stg_observations AS o ON o.indicator_id = i.id
        GROUP BY ALL
        ORDER BY i.theme_order, i.sort_order
        """
    ).df()


def themes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.cursor().execute("SELECT * FROM themes ORDER BY sort_order").df()


def area_types(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``data/area_types.csv``: each type of area with its word, display order and how it is treated."""
    return con.cursor().execute("SELECT * FROM area_types ORDER BY sort_order").df()


def areas(con: duckdb.DuckDBPyConnection, *, with_data_only: bool = False) -> pd.DataFrame:
    """Areas in display order (districts, county, unitaries, force, comparators), each with its type's rules
    (``data/area_types.csv``): ``type_word``, ``type_order``, ``is_aggregate``, ``is_csp``, ``is_board_area``,
    ``is_comparator``, ``has_residents``."""
    return con.cursor().execute(
        """
        SELECT a.code, a.name, a.type, a.parent_code, a.is_aggregate, a.type_order, a.type_word, a.is_csp,
               a.is_board_area, a.is_comparator, a.has_residents,
               EXISTS (SELECT 1 FROM mat_contributors AS c WHERE c.area_code = a.code) AS has_data
        FROM stg_areas AS a
        WHERE NOT $with_data_only OR EXISTS (SELECT 1 FROM mat_contributors AS c WHERE c.area_code = a.code)
        ORDER BY a.type_order, a.name
        """,
        {"with_data_only": with_data_only},
    ).df()


def force_members(area_frame: pd.DataFrame) -> set[str]:
    """The codes of every force and of every area that sums into one (its parent chain reaches a force)."""
    parents = dict(zip(area_frame.code, area_frame.parent_code))
    types = dict(zip(area_frame.code, area_frame.type))

    def reaches_force(code) -> bool:
        seen = set()
        while isinstance(code, str) and code not in seen:
            if types.get(code) == "force":
                return True
            seen.add(code)
            code = parents.get(code)
        return False

    return {code for code in area_frame.code if reaches_force(code)}


def annotations(con: duckdb.DuckDBPyConnection, *, indicator: str | None = None) -> pd.DataFrame:
    """Lockdowns and definition changes; those tied to another indicator are left out."""
    return con.cursor().execute(
        "SELECT * FROM annotations WHERE indicator_id IS NULL OR indicator_id = $indicator ORDER BY start_date",
        {"indicator": indicator},
    ).df()


def population(con: duckdb.DuckDBPyConnection, *, area: str, year: int) -> pd.DataFrame:
    """Persons and households of ``area`` in ``year``, with the year used and whether it was interpolated."""
    return con.cursor().execute(
        "SELECT * FROM mat_population WHERE area_code = $area AND year = $year ORDER BY measure",
        {"area": area, "year": year},
    ).df()


def data_as_at(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source: the latest period held, when it was last loaded, and whether it is demonstration data."""
    return con.cursor().execute(
        """
        SELECT l.source_label, l.is_demo, max(o.period) AS latest_period, min(o.period) AS first_period,
               max(l.loaded_at) AS last_loaded, count(*) AS observations
        FROM observations AS o JOIN loads AS l USING (load_id)
        GROUP BY l.source_label, l.is_demo
        ORDER BY l.is_demo, l.source_label
        """
    ).df()


def latest_period(
    con: duckdb.DuckDBPyConnection, *, indicators: list[str] | None = None, area: str | None = None
) -> date | None:
    """The latest month at which every given indicator (all if None) that has data is complete for ``area``.

    An indicator's latest complete month is the last month of its latest period where every part
    of the area has a figure; the view's default is the latest of those that all such indicators reach.
    """
    latest = latest_complete(con, areas=None if area is None else [area], indicators=indicators)
    frequency = dict(con.cursor().execute("SELECT id, frequency FROM indicators").fetchall())
    months = [pd.Timestamp(m).date() for i, m in zip(latest.indicator, latest.last_month) if frequency[i] == "monthly"]
    return min(months) if months else None
