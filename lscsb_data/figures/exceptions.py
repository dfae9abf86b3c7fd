"""Exceptions: what moved notably at a period, most worrying first (the sentences are drafted by
``presentation.reporting``).

An indicator and area is an exception when, at the period:

- its change against the comparison window is statistically significant (``summary``'s ``significant``)
  and both windows are complete (a window with months missing understates its total, so its change
  is an artefact of the gap, not news);
- its control chart signals at the latest period (``spc``: beyond a 3-sigma limit, or a run of 8);
- it has a target band (MARAC repeats, 20-40%) and sits outside it.

Exceptions are ordered by outlook (``concern`` first: worsening, outside the band, or a signal in the
bad direction; then ``note`` for indicators with no good direction; then ``improving``) and, within
each, by how far from normal they are (``score``: the largest of the change's two-sided z, the
signal's sigma distance or run equivalent, and the band breach's z).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from lscsb_data.figures import engine, periods, spc

NOTHING_TO_REPORT = "Nothing exceptional to report"
OUTLOOKS = ("concern", "note", "improving")
OUTLOOK_LABELS = {"concern": "Of concern", "note": "To note", "improving": "Improving"}
REASON_LABELS = {
    "band": "outside target range",
    "significant_change": "significant change",
    "spc_signal": "control chart signal",
}

EXCEPTION_COLUMNS = [
    "theme", "theme_name", "indicator", "indicator_name", "area_code", "area_name", "outlook", "reasons",
    "score", "changed", "outside_band", "signalled", "direction", "current_value", "previous_value", "change", "change_pct", "p_value",
    "significant", "spc_signal", "spc_period", "spc_value", "spc_centre", "spc_lower", "spc_upper", "spc_z",
    "spc_run_length", "spc_chart", "band_low", "band_high", "unit", "complete", "is_demo", "data_source",
    "current_start", "current_end", "period_end",
]
# why: a p-value of exactly 0 (underflow) would otherwise rank as infinitely far from normal
_MIN_P = 1e-300


def exceptions(con, *, period: date, area: str | None = None, comparison: str = "rolling12",
               latest: bool = False, public: bool | None = None, everywhere=None,
               catalogue: pd.DataFrame | None = None, area_series=None,
               shown: dict[str, date] | None = None) -> pd.DataFrame:
    """Every indicator and area that is exceptional at ``period``, most worrying first (see module docstring);
    from the public figures when ``public``, else as ``$LSCSB_PUBLIC`` says.

    ``latest`` (with an ``area``): each indicator at the period the dashboard shows it (``engine.shown_periods``:
    ``period``, or its latest complete period where that ends earlier), as the Overview shows it. ``everywhere(at)``,
    when given, is ``engine.summary`` of every area at ``at`` with the same comparison and ``public`` (a caller that
    caches it shares it between areas; an area's rows of it are that area's summary). ``catalogue`` is
    ``engine.indicators``, when the caller holds it. ``area_series(code)``, when given (with an ``area``), is
    ``engine.series`` of one area over every indicator and period with the same ``public``, cut here instead of a query;
    ``shown``, ``engine.shown_periods`` of the area at ``period``.
    """
    catalogue = engine.indicators(con) if catalogue is None else catalogue
    if latest and area is not None:
        shown = engine.shown_periods(con, period=period, area=area) if shown is None else shown
        shown_at = sorted(set(shown.values()) | {period}, reverse=True)
        # why: the series is computed row by row, so one fetched to the latest period serves each earlier one
        # (a control chart reads only the periods that end by its own)
        history = _history(con, area=area, end=shown_at[0], public=public, area_series=area_series)
        found = []
        for at in shown_at:
            rows = _exceptions_at(con, period=at, area=area, comparison=comparison, public=public,
                                  everywhere=everywhere, catalogue=catalogue, history=history)
            found.append(rows[rows.indicator.map(shown).fillna(period) == at])
        frame = pd.concat(found, ignore_index=True)
        if frame.empty:
            return pd.DataFrame(columns=EXCEPTION_COLUMNS)
        frame["outlook_rank"] = frame.outlook.map({name: rank for rank, name in enumerate(OUTLOOKS)})
        frame = frame.sort_values(["outlook_rank", "score", "theme_order", "sort_order", "area_code"],
                                  ascending=[True, False, True, True, True], kind="stable")
        return frame.drop(columns="outlook_rank").reset_index(drop=True)
    return _exceptions_at(con, period=period, area=area, comparison=comparison, public=public, everywhere=everywhere,
                          catalogue=catalogue,
                          history=_history(con, area=area, end=period, public=public, area_series=area_series))


def _history(con, *, area: str | None, end: date, public: bool | None, area_series) -> pd.DataFrame:
    """The series the control charts read: ``area``'s (None: every area's) to ``end``, figures only."""
    if area_series is not None and area is not None:
        return engine.series_cut(area_series(area), end=end, figures_only=True)
    return engine.series(con, area=area, end=end, public=public, figures_only=True)


def _exceptions_at(con, *, period: date, area: str | None, comparison: str, public: bool | None, everywhere,
                   catalogue: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """``exceptions`` at one period, from ``history`` (``engine.series`` of ``area`` to at least ``period``)."""
    if everywhere is not None and area is not None:
        current = everywhere(period)
        current = current[current.area_code == area].reset_index(drop=True)
    else:
        current = engine.summary(con, period=period, area=area, comparison=comparison, public=public)
    if area is None:
        reported = report_areas(con)
        current, history = current[current.area_code.isin(reported)], history[history.area_code.isin(reported)]
    return find_exceptions(current, history, catalogue, period=period)


def report_areas(con) -> list[str]:
    """The areas an exception report covers: each force and every area that sums into one, except the
    no-location bucket (no population) - so not comparators, nor districts outside the force that hold only
    the few crimes it recorded over its border."""
    frame = engine.areas(con)
    members = engine.force_members(frame)
    return [code for code, residents in zip(frame.code, frame.has_residents) if residents and code in members]


def find_exceptions(
    current: pd.DataFrame,
    history: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    period: date,
) -> pd.DataFrame:
    """The exceptions among ``summary`` rows ``current``, with control charts from ``series`` rows ``history``."""
    return select_exceptions(with_signals(current, history, catalogue, period=period))


def select_exceptions(rows: pd.DataFrame) -> pd.DataFrame:
    """The exceptional rows of ``with_signals``, with outlook, score and why (``changed``, ``outside_band``,
    ``signalled``), most worrying first: ``EXCEPTION_COLUMNS``, then the rest of the row."""
    changed = rows.significant.astype(bool) & rows.complete.fillna(False).astype(bool)
    outside = (rows.polarity == "target_band") & rows.direction.isin(["above_band", "below_band"])
    signalled = rows.spc_signal.fillna("") != ""
    rows = rows[changed | outside | signalled].copy()
    if rows.empty:
        return pd.DataFrame(columns=EXCEPTION_COLUMNS)
    changed, outside, signalled = changed[rows.index], outside[rows.index], signalled[rows.index]
    rows["reasons"] = [
        "; ".join(label for label, flag in zip(REASON_LABELS.values(), flags) if flag)
        for flags in zip(outside, changed, signalled)
    ]
    rows["outlook"] = _outlook(rows, changed, outside, signalled)
    rows["score"] = np.maximum.reduce([
        np.where(changed, _change_z(rows.p_value), 0.0),
        np.where(signalled, [spc.signal_strength(s, z, r) for s, z, r in
                             zip(rows.spc_signal.fillna(""), rows.spc_z.fillna(0), rows.spc_run_length.fillna(0))], 0.0),
        np.where(outside, _band_z(rows), 0.0),
    ])
    rows["changed"], rows["outside_band"], rows["signalled"] = changed, outside, signalled
    rows["outlook_rank"] = rows.outlook.map({name: rank for rank, name in enumerate(OUTLOOKS)})
    rows = rows.sort_values(["outlook_rank", "score", "theme_order", "sort_order", "area_code"],
                            ascending=[True, False, True, True, True])
    rest = [c for c in rows.columns if c not in EXCEPTION_COLUMNS and c != "outlook_rank"]
    # why: the wording of each exception reads catalogue fields beyond the report's columns
    return rows[EXCEPTION_COLUMNS + rest].reset_index(drop=True)


def with_signals(current: pd.DataFrame, history: pd.DataFrame, catalogue: pd.DataFrame, *, period: date) -> pd.DataFrame:
    """``summary`` rows with their catalogue wording fields and the control chart's latest point (if it is current)."""
    names = catalogue[["id", "name", "theme", "theme_name", "theme_order", "sort_order", "measure",
                       "denominator_basis", "frequency"]].rename(columns={"id": "indicator", "name": "indicator_name"})
    rows = current.merge(names, on="indicator", how="left")
    latest = spc.latest_points(spc.spc_frame(history, period=period))
    latest = latest.merge(names[["indicator", "frequency"]], on="indicator", how="left")
    # why: a signal counts only at the latest whole period the window ends with, never on stale data
    window_ends = [pd.Timestamp(periods.window_end(period, f)) for f in latest.frequency]
    latest = latest[latest.period_end == pd.Series(window_ends, index=latest.index, dtype="datetime64[ns]")] \
        if len(latest) else latest
    signals = latest.rename(columns={
        "signal": "spc_signal", "period": "spc_period", "value": "spc_value", "centre": "spc_centre",
        "lower": "spc_lower", "upper": "spc_upper", "z": "spc_z", "run_length": "spc_run_length", "chart": "spc_chart",
    })[["indicator", "area_code", "spc_signal", "spc_period", "spc_value", "spc_centre", "spc_lower", "spc_upper",
        "spc_z", "spc_run_length", "spc_chart"]]
    rows = rows.merge(signals, on=["indicator", "area_code"], how="left")
    rows["spc_signal"] = rows.spc_signal.fillna("")
    return rows


def _outlook(rows: pd.DataFrame, changed, outside, signalled) -> np.ndarray:
    up = rows.spc_signal.isin(["above_limit", "run_above"])
    bad_signal = signalled & (((rows.polarity == "lower_better") & up) | ((rows.polarity == "higher_better") & ~up))
    good_signal = signalled & (((rows.polarity == "lower_better") & ~up) | ((rows.polarity == "higher_better") & up))
    # why: a run below average is not "improving" while the latest 12 months rose (the Overview would say +29%)
    against = ((rows.polarity == "lower_better") & (rows.change > 0)) | ((rows.polarity == "higher_better") & (rows.change < 0))
    concern = outside | (changed & (rows.direction == "worsening")) | bad_signal
    improving = (changed & (rows.direction == "improving")) | (good_signal & ~against.fillna(False))
    return np.select([concern, improving], ["concern", "improving"], "note")


def _change_z(p_value: pd.Series) -> np.ndarray:
    """The two-sided p-value as a normal deviate, so changes and signals rank on one scale."""
    return scipy_stats.norm.isf(np.clip(p_value.astype(float).to_numpy(), _MIN_P, 1.0) / 2)


def _band_z(rows: pd.DataFrame) -> np.ndarray:
    """How many standard errors the percentage sits outside its band (percentage points when no denominator)."""
    share = rows.current_value.astype(float) / rows.multiplier.astype(float)
    edge = np.where(rows.direction == "above_band", rows.band_high, rows.band_low).astype(float) / rows.multiplier.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        error = np.sqrt(share * (1 - share) / rows.current_denominator.astype(float))
        z = np.abs(share - edge) / error
    fallback = np.abs(share - edge) * rows.multiplier.astype(float)
    return np.where(np.isfinite(z), z, fallback)


def theme_sections(found: pd.DataFrame, themes: pd.DataFrame, current: pd.DataFrame) -> list[dict]:
    """Per theme in board order: its exceptions, or the message to print in their place.

    ``current`` (the ``summary`` rows for the same selection, with a ``theme`` column) tells a theme
    with nothing exceptional apart from one with no figures at all.
    """
    themes_with_figures = set(current.theme) if "theme" in current else set()
    sections = []
    for theme in themes.itertuples():
        rows = found[found.theme == theme.id]
        if len(rows):
            message = ""
        elif theme.id in themes_with_figures:
            message = NOTHING_TO_REPORT
        else:
            message = "No figures for this area and period"
        sections.append({"theme": theme.id, "name": theme.name, "rows": rows, "message": message})
    return sections


def theme_report(con, *, period: date, area: str | None = None, comparison: str = "rolling12",
                 latest: bool = False, public: bool | None = None, everywhere=None,
                 current: pd.DataFrame | None = None, catalogue: pd.DataFrame | None = None,
                 area_series=None, shown: dict[str, date] | None = None) -> list[dict]:
    """``theme_sections`` computed from the database: the exception report, theme by theme (``latest``, ``public``,
    ``everywhere``, ``catalogue``, ``area_series`` and ``shown`` as for ``exceptions``; ``current``, when given, is
    the summary the report lists: with ``latest`` and an ``area``, ``engine.latest_summary`` of it)."""
    catalogue = engine.indicators(con) if catalogue is None else catalogue
    found = exceptions(con, period=period, area=area, comparison=comparison, latest=latest, public=public,
                       everywhere=everywhere, catalogue=catalogue, area_series=area_series, shown=shown)
    if current is None and latest and area is not None:
        current = engine.latest_summary(con, period=period, area=area, comparison=comparison, public=public, shown=shown)
    elif current is None:
        current = engine.summary(con, period=period, area=area, comparison=comparison, public=public)
    current = current.merge(catalogue[["id", "theme"]].rename(columns={"id": "indicator"}), on="indicator")
    return theme_sections(found, engine.themes(con), current)
