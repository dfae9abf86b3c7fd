"""Page-shaped data: everything one dashboard page shows, assembled from the engine in one call.

The app's pages call these and only render what comes back, so a page holds no SQL and no
arithmetic, and "a full page's data" can be benchmarked and tested without streamlit. Every figure
is the engine's (``summary``, ``series``, ``range_total``); this module joins them to the catalogue
and words them (``formatting``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from lscsb_data.figures import benchmarks, engine, periods, spc
from lscsb_data.presentation import formatting, vocabulary
from lscsb_data.figures.covid import covid_period

SPARKLINE_MONTHS = 24
TREND_MONTHS = 36
# The police.uk categories the COVID-19 page follows month by month (the force's paper reported these).
COVID_SERIES = (
    "policeuk_all_crime",
    "policeuk_anti_social_behaviour",
    "policeuk_violence_and_sexual_offences",
    "policeuk_burglary",
    "policeuk_vehicle_crime",
    "policeuk_shoplifting",
)
# Catalogue columns that summary() repeats; the catalogue's copy is kept.
_REPEATED = ["unit", "multiplier", "polarity", "band_low", "band_high", "sensitive"]


@dataclass(frozen=True)
class Note:
    """A sentence shown beside a figure: ``kind`` is info, caveat or warning."""

    kind: str
    text: str


@dataclass
class IndicatorDetail:
    """One indicator for one area and period: headline, trend, district comparison and breakdown."""

    indicator: dict
    area_code: str
    area_name: str
    period: date
    comparison: str
    headline: dict
    trend: pd.DataFrame
    districts: pd.DataFrame
    parts: pd.DataFrame
    annotations: pd.DataFrame
    notes: list[Note] = field(default_factory=list)
    control: pd.DataFrame = field(default_factory=pd.DataFrame)
    control_reason: str = ""
    comparator_code: str | None = None
    comparator_name: str = ""


@dataclass
class RangeComparison:
    """Two runs of months compared for one indicator and area (COVID-19 page)."""

    indicator: dict
    area_code: str
    rows: pd.DataFrame  # label, start, end, window_text, numerator, denominator, value, complete, ...
    count_change: float
    count_change_pct: float
    value_change: float
    notes: list[Note] = field(default_factory=list)


def catalogue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The indicator catalogue with its latest period in words and whether its figures are demonstration data."""
    frame = engine.indicators(con)
    frame["latest_period_text"] = [
        "" if formatting.is_missing(p) else formatting.period_label(p, f) for p, f in zip(frame.latest_period, frame.frequency)
    ]
    has_demo = frame.has_demo.fillna(False).astype(bool)
    has_real = frame.has_real.fillna(False).astype(bool)
    frame["data_kind"] = np.select(
        [has_demo & has_real, has_demo, has_real], ["real and demonstration", "demonstration", "real"], "no data yet"
    )
    frame["polarity_text"] = frame.polarity.map(vocabulary.POLARITY_WORDS)
    frame["unit_text"] = [formatting.unit_label(row) for row in frame.to_dict("records")]
    return frame


def areas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every area the database holds, in display order: the force's own areas (districts, county,
    unitaries, the force), then the comparators, then areas outside the force.

    ``role`` says which: "local" (summed into a force, or a force), "comparator" (region, most similar
    force group, national) or "outside" (a district beyond the force that holds only the police.uk
    rows recorded just across the border, so its rate is not its own crime rate).
    """
    frame = engine.areas(con)
    members = engine.force_members(frame)
    frame["role"] = [
        "local" if code in members else "comparator" if comparator else "outside"
        for code, comparator in zip(frame.code, frame.is_comparator)
    ]
    frame["role_order"] = frame.role.map({"local": 0, "comparator": 1, "outside": 2})
    return frame.sort_values(["role_order", "type_order", "name"], kind="stable").reset_index(drop=True)


def default_area(area_frame: pd.DataFrame) -> str | None:
    """The board's own area (the county, ``area_types.csv``'s board_area) when held, else the first area."""
    if area_frame.empty:
        return None
    board = area_frame[area_frame.is_board_area]
    return str((board if len(board) else area_frame).code.iloc[0])


def month_choices(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Every month from the earliest to the latest held by any source, newest first."""
    held = engine.data_as_at(con)
    if held.empty:
        return []
    first = pd.Timestamp(held.first_period.min()).date()
    last = pd.Timestamp(held.latest_period.max()).date()
    return [periods.add_months(last, -i) for i in range(periods.months_between(first, last) + 1)]


def default_period(con: duckdb.DuckDBPyConnection, *, area: str | None) -> date | None:
    """The month every page opens on for ``area`` (``engine.default_period``: the latest month at least half its
    indicators reach complete), else the latest month held."""
    latest = engine.default_period(con, area=area) if area is not None else None
    if latest is not None:
        return latest
    months = month_choices(con)
    return months[0] if months else None


def data_as_at(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source: what it holds and when it was loaded, worded for a "data as at" line."""
    frame = engine.data_as_at(con)
    frame["text"] = [
        f"{formatting.held_label(row.source_label, row.is_demo)}: "
        f"{formatting.month_name(row.first_period)} to {formatting.month_name(row.latest_period)}, "
        f"loaded {pd.Timestamp(row.last_loaded):%d %b %Y}"
        for row in frame.itertuples()
    ]
    return frame


def _area_name(area_frame: pd.DataFrame, area: str) -> str:
    match = area_frame[area_frame.code == area]
    return str(match.name.iloc[0]) if len(match) else area


def _cards(
    catalogue_rows: pd.DataFrame, summary_rows: pd.DataFrame, *, area_name: str | None, period: date, comparison: str
) -> pd.DataFrame:
    """Catalogue rows joined to their summary rows, with every figure worded for display.

    ``area_name`` names the area in messages; None takes each row's own (for rows of several areas).
    """
    figures = summary_rows.drop(columns=[c for c in _REPEATED if c in summary_rows])
    cards = catalogue_rows.merge(figures, left_on="id", right_on="indicator", how="left")
    cards["has_data"] = cards.current_numerator.notna() | cards.current_suppressed.fillna(False).astype(bool)
    cards["shows_count"] = cards.has_data & (cards.unit == "rate") & cards.current_denominator.isna() & ~cards.current_suppressed.fillna(False).astype(bool)
    records = []
    for row in cards.to_dict("records"):
        name = area_name if area_name is not None else row["area_name"]
        records.append(_card_text(row, area_name=name, period=period, comparison=comparison))
    text = pd.DataFrame.from_records(records, index=cards.index, columns=_CARD_TEXT_COLUMNS)
    return pd.concat([cards.drop(columns=[c for c in text.columns if c in cards]), text], axis=1)


_CARD_TEXT_COLUMNS = [
    "window_text", "previous_window_text", "value_text", "value_short", "previous_text", "previous_short",
    "change_text", "arrow", "direction_word", "direction_text", "colour_name", "colour", "unit_text",
    "source_text", "status_text", "incomplete", "interval_text", "comparison_text", "comparison_tone", "comparator_text",
    "trend_text", "trend_tone",
]


def _flag(row: dict, key: str) -> bool:
    """A yes/no column of a joined row, where a missing value means no."""
    value = row.get(key)
    return False if formatting.is_missing(value) else bool(value)


def _is_false(row: dict, key: str) -> bool:
    value = row.get(key)
    return not formatting.is_missing(value) and not bool(value)


def _card_text(row: dict, *, area_name: str, period: date, comparison: str) -> dict:
    current_suppressed = _flag(row, "current_suppressed")
    previous_suppressed = _flag(row, "previous_suppressed")
    if formatting.is_missing(row.get("current_start")):
        window_text = _expected_window(row, period, comparison)
        previous_window_text = ""
    else:
        window_text = formatting.comparison_window_label(row["current_start"], row["current_end"], comparison)
        previous_window_text = formatting.comparison_window_label(row["previous_start"], row["previous_end"], comparison)
    if row["shows_count"]:
        value_text = formatting.format_count(row["current_numerator"], row["measure"], suppressed=_flag(row, "current_count_suppressed"))
        value_short = formatting.format_count(row["current_numerator"], suppressed=_flag(row, "current_count_suppressed"))
        previous_text = formatting.format_count(row["previous_numerator"], row["measure"], suppressed=_flag(row, "previous_count_suppressed"))
        previous_short = formatting.format_count(row["previous_numerator"], suppressed=_flag(row, "previous_count_suppressed"))
        change_text = ""
        shown_direction = vocabulary.direction("", None, row)
    else:
        value_text = formatting.format_value(row.get("current_value"), row, suppressed=current_suppressed)
        value_short = formatting.format_value(row.get("current_value"), row, suppressed=current_suppressed, short=True)
        previous_text = formatting.format_value(row.get("previous_value"), row, suppressed=previous_suppressed)
        previous_short = formatting.format_value(row.get("previous_value"), row, suppressed=previous_suppressed, short=True)
        change_text = formatting.format_change(
            row.get("change"), row.get("change_pct"), row, suppressed=current_suppressed or previous_suppressed,
            of=row.get("current_value"),
        )
        shown_direction = vocabulary.direction(row.get("direction"), row.get("change"), row)
    status = []
    if not row["has_data"]:
        status.append(f"No figures for {area_name} in the {window_text}.")
    else:
        if row["shows_count"]:
            status.append(f"Counts, not rates: there is no population figure for {area_name}.")
        if _is_false(row, "current_complete"):
            status.append("Incomplete: some periods are missing for part of the area.")
        elif _is_false(row, "previous_complete"):
            status.append("The previous window is incomplete, so the comparison is not like for like.")
        if current_suppressed:
            status.append("Withheld [c]: too few events to publish safely.")
        if _flag(row, "is_earlier"):
            status.insert(0, f"Latest: {window_text} (no later complete figures).")
    compared = vocabulary.comparison(row.get("comparison"))
    trend = vocabulary.recent_trend(row.get("recent_trend"), row.get("recent_trend_judgement"))
    comparator_value = row.get("comparator_value")
    return {
        "window_text": window_text,
        "previous_window_text": previous_window_text,
        "value_text": value_text,
        "value_short": value_short,
        "previous_text": previous_text,
        "previous_short": previous_short,
        "change_text": change_text,
        "arrow": shown_direction.arrow,
        "direction_word": shown_direction.word,
        "direction_text": shown_direction.text,
        "colour_name": shown_direction.colour_name,
        "colour": shown_direction.colour,
        "unit_text": formatting.measure_text(row) if row["shows_count"] else formatting.unit_label(row),
        "source_text": formatting.source_text(row["source"], row.get("data_source"), _flag(row, "is_demo")),
        "status_text": " ".join(status),
        "incomplete": bool(row["has_data"] and _is_false(row, "current_complete")),
        "interval_text": formatting.interval_text(row.get("current_lower_95"), row.get("current_upper_95"), row,
                                                  of=row.get("current_value")),
        "comparison_text": (f"{compared.glyph} {compared.word}".strip() if row["has_data"] else ""),
        "comparison_tone": compared.tone,
        "comparator_text": "" if formatting.is_missing(comparator_value) else formatting.format_value(comparator_value, row, short=True),
        "trend_text": trend.text if row.get("recent_trend") else "",
        "trend_tone": trend.tone,
    }


def _expected_window(row: dict, period: date, comparison: str) -> str:
    """The window an indicator would have been compared over, to say in words that it has no figures."""
    frequency = "quarterly" if comparison == "quarter" else row["frequency"]
    end = periods.window_end(period, frequency)
    start = periods.add_months(end, -(2 if comparison == "quarter" else 11))
    return formatting.comparison_window_label(start, end, comparison)


def _sparklines(con, *, area: str, period: date, public: bool | None, series_frame: pd.DataFrame | None) -> dict[str, list]:
    start = periods.add_months(period, -(SPARKLINE_MONTHS - 1))
    frame = _area_series(con, series_frame, area=area, start=start, end=period, public=public)
    values = frame.value.astype(float).replace({np.nan: None})
    return {indicator: list(group) for indicator, group in values.groupby(frame.indicator, sort=False)}


def _area_series(con, series_frame: pd.DataFrame | None, *, area: str, start: date, end: date,
                 public: bool | None) -> pd.DataFrame:
    """Every indicator's series for ``area`` from ``start`` to ``end``: cut from ``series_frame`` (``engine.series``
    of every indicator and area with the same ``public``) when the caller holds it, else from the engine."""
    if series_frame is None:
        return engine.series(con, area=area, start=start, end=end, public=public)
    return series_frame[(series_frame.area_code == area)
                        & series_frame.period.between(pd.Timestamp(start), pd.Timestamp(end))]


def overview_cards(
    con: duckdb.DuckDBPyConnection,
    *,
    area: str,
    period: date,
    comparison: str = "rolling12",
    public: bool | None = None,
    sparklines: bool = True,
    catalogue_rows: pd.DataFrame | None = None,
    area_frame: pd.DataFrame | None = None,
    series_frame: pd.DataFrame | None = None,
    summary_rows: pd.DataFrame | None = None,
    theme: str | None = None,
) -> pd.DataFrame:
    """One row per catalogue indicator (of ``theme`` only, when given) for ``area`` at ``period``: the engine's
    summary figures, worded.

    Columns: the catalogue (``id``, ``name``, ``theme``, ``unit``, ``parent_id`` ...), the summary
    columns (``current_value``, ``change``, ``direction`` ...; missing where the area has no figures),
    display text (``value_text``, ``value_short``, ``previous_text``, ``previous_short``, ``change_text``, ``arrow``,
    ``direction_word``, ``colour_name``, ``window_text``, ``source_text``, ``status_text``) and
    ``sparkline`` (the last 24 periods' values, None where missing or withheld; empty lists when
    ``sparklines`` is false). ``catalogue_rows`` (``engine.indicators``) and ``area_frame``
    (``engine.areas``) may be passed by a caller that already holds them, to save the queries, and so
    may ``series_frame``, ``engine.series`` of every indicator and area with the same ``public``, for
    the sparklines, and
    ``summary_rows``, ``engine.summary`` of every indicator for ``area`` with the same period, comparison and ``public``.
    """
    catalogue_rows = engine.indicators(con) if catalogue_rows is None else catalogue_rows
    area_frame = engine.areas(con) if area_frame is None else area_frame
    if summary_rows is None:
        summary_rows = engine.summary(con, period=period, area=area, comparison=comparison, public=public)
    if theme is not None:
        catalogue_rows = catalogue_rows[catalogue_rows.theme == theme]
    cards = _cards(catalogue_rows, summary_rows, area_name=_area_name(area_frame, area), period=period,
                   comparison=comparison)
    sparks = _sparklines(con, area=area, period=period, public=public, series_frame=series_frame) if sparklines else {}
    cards["sparkline"] = [sparks.get(indicator, []) for indicator in cards.id]
    return cards


def indicator_detail(
    con: duckdb.DuckDBPyConnection,
    *,
    indicator: str,
    area: str,
    period: date,
    comparison: str = "rolling12",
    public: bool | None = None,
    catalogue_rows: pd.DataFrame | None = None,
    area_frame: pd.DataFrame | None = None,
    summary_rows: pd.DataFrame | None = None,
    comparator: str | None = None,
    everywhere=None,
    area_series=None,
    shown: dict[str, date] | None = None,
) -> IndicatorDetail:
    """Everything an indicator's detail shows for ``area`` at ``period``.

    ``trend``: the engine's series for the area, the last 36 months (at least five periods) to the
    window's end. ``districts``: the summary of every district and unitary (``role`` "bar") and of
    the county, force and comparators (``role`` "reference"), worded. ``parts``: the indicator's
    breakdown for the area with ``share_pct``, each part's share of the indicator's own count.
    ``control``: the control chart to ``period`` (``spc.chart_or_reason``), else ``control_reason`` says why
    there is none. ``catalogue_rows``, ``area_frame`` and ``summary_rows`` as for ``overview_cards``.

    The indicator is shown at ``period``, or at its latest complete period where that ends earlier (the headline
    says so); every area is compared with ``comparator`` (None: the area's default), whose figure is the chart's
    one reference line. ``everywhere(at)``, when given, is ``engine.summary`` of every area at ``at`` against it;
    ``area_series(code)``, ``engine.series`` of one area over every indicator and period (cut here, not queried);
    ``shown``, ``engine.shown_periods`` of the area at ``period``.
    """
    catalogue_rows = engine.indicators(con) if catalogue_rows is None else catalogue_rows
    area_frame = areas(con) if area_frame is None else area_frame
    if indicator not in set(catalogue_rows.id):
        raise ValueError(f"unknown indicator '{indicator}'")
    meta = catalogue_rows[catalogue_rows.id == indicator].iloc[0].to_dict()
    area_name = _area_name(area_frame, area)
    asked = period
    shown = engine.shown_periods(con, period=period, area=area) if shown is None else shown
    period = shown.get(indicator, period)
    if everywhere is not None:
        everywhere = everywhere(period)
        everywhere = everywhere[everywhere.indicator == indicator].reset_index(drop=True)
    else:
        everywhere = engine.summary(con, period=period, indicator=indicator, comparison=comparison, public=public,
                                    comparator=comparator)
    everywhere = everywhere.assign(shown_period=period, is_earlier=period < asked)
    own = everywhere[everywhere.area_code == area]
    wide = _force_wide(area_frame, everywhere, area) if own.current_value.isna().all() else None
    headline = _cards(
        catalogue_rows[catalogue_rows.id == indicator], own if wide is None else wide,
        area_name=area_name, period=period, comparison=comparison,
    ).iloc[0].to_dict()
    if wide is not None:
        headline["status_text"] = (f"Reported for {wide.area_name.iloc[0]} as a whole, not by district: this is its "
                                   "figure. " + headline["status_text"]).strip()
    groups = engine.comparator_groups(con)
    resolved = comparator or benchmarks.default_comparator(area_frame, groups, area)
    # why: one series to the period feeds both the trend and the control chart, which read the same months
    history = (engine.series(con, indicator=indicator, area=area, end=period, public=public) if area_series is None
               else engine.series_cut(area_series(area), indicator=indicator, end=period))
    control, control_reason = spc.chart_or_reason(history, period=period)
    annotations = engine.annotations(con, indicator=indicator)
    return IndicatorDetail(
        indicator=meta,
        area_code=area,
        area_name=area_name,
        period=period,
        comparison=comparison,
        headline=headline,
        trend=trend_rows(history, meta, period=period),
        districts=_districts(area_frame, catalogue_rows[catalogue_rows.id == indicator], everywhere, period=period,
                             comparison=comparison),
        parts=_parts(con, catalogue_rows, meta, headline, area=area, area_name=area_name, period=period,
                     comparison=comparison, public=public, summary_rows=summary_rows),
        annotations=annotations,
        notes=_notes(meta, headline, annotations, area_name=area_name),
        control=control,
        control_reason=control_reason,
        comparator_code=resolved,
        comparator_name=_comparator_name(area_frame, groups, resolved),
    )


def _force_wide(area_frame: pd.DataFrame, everywhere: pd.DataFrame, area: str) -> pd.DataFrame | None:
    """The figure of the force above ``area`` where the indicator is reported for the force alone (IOM, probation)."""
    parents = {child: parent for child, parent in zip(area_frame.code, area_frame.parent_code) if isinstance(parent, str)}
    # why: the force is the top of the area tree above a CSP (district, county, force; unitary, force)
    code = parents.get(area)
    while code in parents:
        code = parents[code]
    held = everywhere[everywhere.current_value.notna()]
    districts = set(area_frame.code[area_frame.is_csp.astype(bool)])
    # why: only an indicator no district or unitary reports is the force's alone
    if not isinstance(code, str) or set(held.area_code) & districts:
        return None
    found = held[held.area_code == code]
    return found if len(found) else None


def _comparator_name(area_frame: pd.DataFrame, groups: pd.DataFrame, code: str | None) -> str:
    names = benchmarks.comparator_names(area_frame, groups)
    return formatting.short_area_name(names[code]) if code in names else (code or "")


def trend_rows(history: pd.DataFrame, meta: dict, *, period: date) -> pd.DataFrame:
    """The last 36 months (at least five periods) of ``history`` to the end of the latest whole period at ``period``."""
    months = int(meta["period_months"])
    last_start = periods.add_months(periods.window_end(period, meta["frequency"]), -(months - 1))
    span = max(TREND_MONTHS, 5 * months)
    start = periods.add_months(last_start, -(span - months))
    frame = history[history.period.between(pd.Timestamp(start), pd.Timestamp(last_start))].reset_index(drop=True)
    return pd.concat([frame, formatting.series_texts(frame, meta)], axis=1)


def _districts(area_frame: pd.DataFrame, catalogue_rows: pd.DataFrame, everywhere: pd.DataFrame, *, period: date,
               comparison: str) -> pd.DataFrame:
    # why: CSPs are the chart's bars and comparators its reference lines (area_types.csv); other areas are not drawn
    drawn = area_frame[area_frame.is_csp | area_frame.is_comparator]
    if "role" in drawn:
        # why: a district beyond the force holds only the crimes recorded across the border, so it is no comparison
        drawn = drawn[drawn.role != "outside"]
    types = drawn[["code", "type", "type_order", "is_csp"]].rename(columns={"code": "area_code", "type": "area_type"})
    rows = everywhere.merge(types, on="area_code", how="inner").reset_index(drop=True)
    if rows.empty:
        return rows.assign(role=pd.Series(dtype=str))
    frame = _cards(catalogue_rows, rows, area_name=None, period=period, comparison=comparison)
    frame["role"] = np.where(frame.is_csp.astype(bool), "bar", "reference")
    return frame.sort_values(["type_order", "area_name"]).reset_index(drop=True)


def _parts(con, catalogue_rows, meta, headline, *, area, area_name, period, comparison, public, summary_rows) -> pd.DataFrame:
    children = catalogue_rows[catalogue_rows.parent_id == meta["id"]]
    if children.empty:
        return children.assign(share_pct=pd.Series(dtype=float))
    rows = summary_rows if summary_rows is not None else engine.summary(con, period=period, area=area,
                                                                          comparison=comparison, public=public)
    frame = _cards(children, rows[rows.indicator.isin(children.id)], area_name=area_name, period=period, comparison=comparison)
    parent_count = headline.get("current_numerator")
    usable = not formatting.is_missing(parent_count) and float(parent_count) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = frame.current_numerator.astype(float) / float(parent_count) * 100 if usable else np.nan
    frame["share_pct"] = share
    frame["share_text"] = [
        formatting.SUPPRESSED if _flag(row._asdict(), "current_count_suppressed") else
        ("" if formatting.is_missing(row.share_pct) else f"{formatting.number(row.share_pct, 0)}%")
        for row in frame.itertuples()
    ]
    return frame.reset_index(drop=True)


def _notes(meta: dict, headline: dict, annotations: pd.DataFrame, *, area_name: str) -> list[Note]:
    notes = [Note("info", meta["definition"])]
    if not formatting.is_missing(meta.get("caveats")):
        notes.append(Note("caveat", meta["caveats"]))
    if headline["status_text"]:
        notes.append(Note("warning", headline["status_text"]))
    if headline["has_data"] and not formatting.is_missing(headline.get("previous_start")):
        changes = annotations[annotations.kind == "definition_change"]
        start, end = pd.Timestamp(headline["previous_start"]), pd.Timestamp(headline["current_end"])
        for change in changes.itertuples():
            if start < pd.Timestamp(change.start_date) <= end:
                notes.append(Note("warning", f"{change.label} ({formatting.month_name(change.start_date)}) falls within the "
                                             "compared windows, so the comparison is not like for like."))
    return notes


def theme_cards(cards: pd.DataFrame, theme: str) -> pd.DataFrame:
    """The cards of one theme, parents before their parts."""
    return cards[cards.theme == theme].reset_index(drop=True)


def range_comparison(
    con: duckdb.DuckDBPyConnection,
    *,
    indicator: str,
    area: str,
    first: tuple[date, date],
    second: tuple[date, date],
    public: bool | None = None,
    catalogue_rows: pd.DataFrame | None = None,
) -> RangeComparison:
    """Totals over two runs of months (``(start, end)`` first days) and the change from the first to the second.

    ``catalogue_rows`` as for ``overview_cards``.
    """
    catalogue_rows = engine.indicators(con) if catalogue_rows is None else catalogue_rows
    meta = catalogue_rows.set_index("id").loc[indicator].to_dict() | {"id": indicator}
    rows = []
    for label, (start, end) in (("first", first), ("second", second)):
        total = engine.range_total(con, start=start, end=end, indicator=indicator, area=area, public=public)
        record = total.iloc[0].to_dict() if len(total) else {"numerator": np.nan, "denominator": np.nan, "value": np.nan,
                                                             "complete": False, "suppressed": False, "count_suppressed": False,
                                                             "is_demo": None, "data_source": None}
        record.update(label=label, start=start, end=end, window_text=formatting.window_label(start, end))
        rows.append(record)
    frame = pd.DataFrame(rows)
    counts = frame.numerator.astype(float).to_numpy()
    values = frame.value.astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        count_change_pct = (counts[1] - counts[0]) / counts[0] * 100 if counts[0] > 0 else np.nan
    frame["value_text"] = [formatting.format_value(r.value, meta, suppressed=bool(r.suppressed)) for r in frame.itertuples()]
    frame["count_text"] = [formatting.format_count(r.numerator, meta["measure"], suppressed=bool(r.count_suppressed)) for r in frame.itertuples()]
    notes = []
    if not frame.numerator.notna().all():
        notes.append(Note("warning", "One of the ranges has no figures for this indicator and area."))
    if not frame.complete.fillna(False).astype(bool).all():
        notes.append(Note("warning", "Incomplete: at least one range is missing periods for part of the area "
                                     "(quarterly and annual figures count only when their whole period lies inside the range)."))
    return RangeComparison(meta, area, frame, float(counts[1] - counts[0]), float(count_change_pct),
                           float(values[1] - values[0]), notes)


# The comparisons the COVID-19 page offers first: spring before and during the first lockdown, then a year on.
COVID_RANGES = (
    ((date(2019, 3, 1), date(2019, 5, 1)), (date(2020, 3, 1), date(2020, 5, 1))),
    ((date(2020, 3, 1), date(2020, 5, 1)), (date(2021, 3, 1), date(2021, 5, 1))),
)


def default_ranges(con: duckdb.DuckDBPyConnection, *, indicator: str, area: str, months: list[date]):
    """Two runs of months to compare first: the first of ``COVID_RANGES`` where the indicator has figures
    for the area in both, else its latest three months against the same months a year earlier.

    Every month returned is one of ``months`` (the choices the page offers), the nearest where a
    wanted month is not held, so a database with only a few months still gets two valid runs.
    """
    held = sorted(months)
    for first, second in COVID_RANGES:
        if not all(day in held for run in (first, second) for day in run):
            continue
        totals = [engine.range_total(con, start=s, end=e, indicator=indicator, area=area) for s, e in (first, second)]
        if all(len(t) and t.numerator.notna().any() for t in totals):
            return first, second
    latest = engine.latest_period(con, indicators=[indicator], area=area) or held[-1]
    second = (periods.add_months(latest, -2), latest)
    first = (periods.add_months(latest, -14), periods.add_months(latest, -12))
    return _nearest_run(first, held), _nearest_run(second, held)


def _nearest_run(run: tuple[date, date], held: list[date]) -> tuple[date, date]:
    """``run`` with each end moved to the nearest held month."""
    def nearest(day: date) -> date:
        return min(held, key=lambda month: abs((month - day).days))

    return nearest(run[0]), nearest(run[1])


def covid_comparison(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The force's 8 March - 24 May table with the % change computed from the counts and worded."""
    frame = covid_period(con)
    frame["count_2019_text"] = [formatting.format_count(v) for v in frame.count_2019]
    frame["count_2020_text"] = [formatting.format_count(v) for v in frame.count_2020]
    frame["change_text"] = [formatting.format_change(v, None, {"unit": "count"}) for v in frame.change]
    frame["change_pct_text"] = [formatting.format_percent_change(v) for v in frame.change_pct]
    frame["all_forces_text"] = [formatting.format_percent_change(v) for v in frame.all_forces_pct_change]
    return frame


def covid_series(
    con: duckdb.DuckDBPyConnection,
    *,
    area: str,
    indicators: tuple[str, ...] = COVID_SERIES,
    start: date = date(2020, 1, 1),
    end: date = date(2021, 12, 1),
    public: bool | None = None,
    catalogue_rows: pd.DataFrame | None = None,
    series_frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Monthly counts of the given indicators for ``area`` from ``start`` to ``end``, with their names.

    ``catalogue_rows`` and ``series_frame`` (``engine.series`` of every indicator and area with the same
    ``public``) as for ``overview_cards``.
    """
    names = (engine.indicators(con) if catalogue_rows is None else catalogue_rows).set_index("id").short_name
    # why: one query for every indicator of the area costs a quarter of one query per indicator
    held = _area_series(con, series_frame, area=area, start=start, end=end, public=public)
    frames = [held[held.indicator == i] for i in indicators]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if frame.empty:
        return frame
    frame["indicator_name"] = frame.indicator.map(names)
    frame["period_text"] = [formatting.month_name(p) for p in frame.period]
    return frame


def months_by_category(frame: pd.DataFrame) -> pd.DataFrame:
    """A ``covid_series`` frame as a table: one row per month (in order), one column per category, counts as text."""
    withheld = formatting.flag_column(frame, "count_suppressed")
    counts = [formatting.format_count(v, suppressed=s) for v, s in zip(frame.numerator, withheld)]
    table = frame.assign(count_text=counts).pivot(index="period", columns="indicator_name", values="count_text")
    table = table[list(dict.fromkeys(frame.indicator_name))]
    table.index = [formatting.month_name(p) for p in table.index]
    return table.rename_axis(index="Month", columns=None)
