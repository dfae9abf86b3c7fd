"""CSV downloads of what a page shows: the figures as the engine gives them, under a header block.

The header block (lines starting with '#') names what the file holds, the area, the period, the
sources, whether any figures are demonstration data and when the file was made, so an extract
that travels by e-mail still says what it is. Withheld figures read ``[c]``, never a blank.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import duckdb
import pandas as pd

from lscsb_data.figures import disclosure, engine, export
from lscsb_data.presentation import formatting

TITLE = "Leicestershire Safer Communities performance dashboard"

SUMMARY_EXTRA = [
    "area_name", "current_start", "current_end", "previous_start", "previous_end",
    "unit", "multiplier", "polarity", "comparator_note", "recent_trend", "recent_trend_judgement", "recent_trend_note",
    "red_red", "shown_period", "is_demo", "data_source",
]
SERIES_COLUMNS = [
    "indicator", "area_code", "period", "numerator", "denominator", "value", "lower_95", "upper_95", "complete",
    "rolling_numerator", "rolling_denominator", "rolling_value", "rolling_lower_95", "rolling_upper_95", "rolling_complete",
    "previous_year_value", "previous_year_rolling_value", "population_year", "is_demo", "data_source",
]


def header_lines(
    *,
    what: str,
    area: str,
    period: str,
    sources: Iterable[str],
    demo: bool,
    generated_at: datetime,
    public: bool = False,
) -> list[str]:
    """The block written above the figures: what, area, period, sources, demonstration flag, time."""
    lines = [
        TITLE,
        f"What: {what}",
        f"Area: {area}",
        f"Period: {period}",
        f"Source: {'; '.join(sorted({s for s in sources if s})) or 'none'}",
        f"Generated: {generated_at:%Y-%m-%d %H:%M}",
    ]
    if demo:
        lines.append("Demonstration data: rows with is_demo=true are illustrative figures, not real data")
    if public:
        lines.append(f"Disclosure control: {disclosure.SUPPRESSED} marks a figure withheld because it rests on too few events")
    return lines


def _sources(frame: pd.DataFrame) -> list[str]:
    return [s for s in frame.get("data_source", pd.Series(dtype=object)).dropna().astype(str)]


def _demo(frame: pd.DataFrame) -> bool:
    return bool(frame.get("is_demo", pd.Series(dtype=bool)).fillna(False).astype(bool).any())


def summary_csv(
    frame: pd.DataFrame,
    *,
    what: str,
    area: str,
    period: str,
    generated_at: datetime,
    public: bool = False,
) -> str:
    """A ``summary`` frame as CSV: ``SUMMARY_COLUMNS`` (the command line's columns) then names, windows and source."""
    marked = disclosure.mark_summary(frame)
    columns = engine.SUMMARY_COLUMNS + [c for c in SUMMARY_EXTRA if c in marked]
    body = marked[columns].copy()
    for column in ("current_start", "current_end", "previous_start", "previous_end"):
        if column in body:
            # why: from the frame itself, whose dates the marked copy holds as objects
            body[column] = _months(frame[column])
    lines = header_lines(what=what, area=area, period=period, sources=_sources(frame), demo=_demo(frame),
                         generated_at=generated_at, public=public)
    return export.to_csv_text(body, header_lines=lines)


def _month(value) -> str:
    return "" if formatting.is_missing(value) else pd.Timestamp(value).strftime("%Y-%m")


def _months(column: pd.Series) -> list[str]:
    """``_month`` of every value, a column of dates formatted at once."""
    if column.dtype.kind == "M":
        return column.dt.strftime("%Y-%m").fillna("").tolist()
    return [_month(v) for v in column]


def mark_series(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a ``series`` frame for text output with ``[c]`` in every withheld cell."""
    # why: whole counts held as floats would be written as "589.0"; interpolated populations keep their decimals
    whole = [c for c in ("numerator", "denominator", "rolling_numerator", "rolling_denominator")
             if c in frame and (frame[c].dropna() % 1 == 0).all()]
    marked = frame.astype({c: "Int64" for c in whole}).astype(object)
    flags = {
        "count_suppressed": ["numerator"],
        "suppressed": ["value", "lower_95", "upper_95"],
        "rolling_count_suppressed": ["rolling_numerator"],
        "rolling_suppressed": ["rolling_value", "rolling_lower_95", "rolling_upper_95"],
    }
    for flag, columns in flags.items():
        if flag in frame:
            rows = frame[flag].fillna(False).astype(bool)
            for column in columns:
                if column in marked:
                    marked.loc[rows, column] = disclosure.SUPPRESSED
    return marked


def series_csv(
    frame: pd.DataFrame,
    *,
    what: str,
    area: str,
    period: str,
    generated_at: datetime,
    public: bool = False,
) -> str:
    """A ``series`` frame (one row per period) as CSV: the stored figures and the rolling 12 months."""
    body = mark_series(frame)
    body["period"] = [_month(v) for v in frame.period]
    body = body[[c for c in SERIES_COLUMNS if c in body]]
    lines = header_lines(what=what, area=area, period=period, sources=_sources(frame), demo=_demo(frame),
                         generated_at=generated_at, public=public)
    return export.to_csv_text(body, header_lines=lines)


def full_extract_csv(con: duckdb.DuckDBPyConnection, *, public: bool | None = None, generated_at: datetime | None = None) -> str:
    """Every figure held: the stored observations (tidy load columns plus ``source`` and ``is_demo``),
    or in public mode the engine's series for every indicator and area with small counts withheld."""
    generated_at = generated_at or datetime.now()
    held = engine.data_as_at(con)
    is_public = disclosure.public_mode(public)
    if is_public:
        frame = engine.series(con, public=True)
        body = mark_series(frame)
        body["period"] = [_month(v) for v in frame.period]
        body = body[[c for c in SERIES_COLUMNS if c in body]]
        what = "every indicator and area, each period and its rolling 12 months (small counts withheld)"
    else:
        body = con.cursor().execute((engine.QUERY_DIR / "extract.sql").read_text()).df()
        what = "every stored figure: the tidy load format plus each figure's source and demonstration flag"
    period = "" if held.empty else f"{formatting.month_name(held.first_period.min())} to {formatting.month_name(held.latest_period.max())}"
    lines = header_lines(what=what, area="every area held", period=period, sources=list(held.source_label),
                         demo=bool(held.is_demo.any()) if len(held) else False, generated_at=generated_at, public=is_public)
    return export.to_csv_text(body, header_lines=lines)


def lsoa_csv(counts, *, area_name: str, indicator: dict, generated_at: datetime, public: bool = False) -> str:
    """Counts per LSOA (``places.LsoaCounts``) as the ``lsoa`` command prints them, under the header block."""
    body = counts.frame[["lsoa_code", "lsoa_name", "indicator", "count"]].astype(object)
    body.loc[counts.frame.suppressed.to_numpy(), "count"] = disclosure.SUPPRESSED
    withheld = f" (not published in public mode: a sensitive indicator, every count {disclosure.SUPPRESSED})"
    lines = header_lines(
        what=f"{indicator['name']}: police.uk rows per LSOA" + (withheld if counts.withheld else ""),
        area=f"{area_name} ({counts.area})",
        period=formatting.window_label(counts.window_start, counts.window_end)
        + ("" if counts.complete else f" ({counts.months_held} of {counts.months} months held)"),
        sources=[str(indicator.get("source") or "police.uk")], demo=False, generated_at=generated_at, public=public)
    return export.to_csv_text(body, header_lines=lines)
