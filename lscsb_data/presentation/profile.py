"""The area profile ("how is my district doing?") and the compare-areas grid, as page-shaped data and as HTML.

``overview_profile`` assembles, for one area and period, one row per indicator: its value with its intervals, its
change and whether that is significant, its comparison with the comparator, its recent trend, where it sits among
the force's CSP areas (a spine) and its rolling 12-month figure over three years, every figure from
``engine.summary`` (in public mode the published ones). ``profile_html`` and ``compare_html`` draw them as
accessible HTML tables (real table headers, every mark with its word, the numbers behind each mark in its
``title``), in the words (``vocabulary``), numbers (``formatting``) and colours (``palette``) of every other surface.
"""
from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from lscsb_data.figures import benchmarks, engine, periods
from lscsb_data.presentation import formatting, palette, vocabulary

TREND_MONTHS = 36
SPINE_WIDTH, SPINE_HEIGHT = 104, 18
SPARK_WIDTH, SPARK_HEIGHT = 72, 18
# the summary columns a spine and a compare-areas cell are drawn from
SPINE_COLUMNS = ["id", "shown_period", "has_figure", "current_value", "comparator_value", "current_lower_95",
                 "current_upper_95"]
GRID_CELL_COLUMNS = ["indicator", "area_code", "comparison", "current_value", "current_suppressed", "current_lower_95",
                     "current_upper_95", "comparator_note"]


@dataclass
class Profile:
    """One area's indicators at one period, compared with one comparator."""

    area_code: str
    area_name: str
    period: date
    comparison: str
    comparator_code: str | None
    comparator_name: str
    rows: pd.DataFrame  # one row per indicator (breakdowns have ``parent_id``), see ``overview_profile``
    grid: pd.DataFrame = field(default_factory=pd.DataFrame)  # indicator x area cells, see ``compare_areas``
    grid_areas: list[tuple[str, str]] = field(default_factory=list)  # (code, name) of the grid's columns

    @property
    def headline(self) -> dict[str, int]:
        """How many top-level indicators with a figure improve, worsen, compare worse, are red-red."""
        top = self.rows[self.rows.parent_id.isna() & self.rows.has_figure]
        return {
            "indicators": len(top),
            "improving": int((top.direction == "improving").sum()),
            "worsening": int((top.direction == "worsening").sum()),
            "worse": int(top.comparison.isin(["worse", "outside_band"]).sum()),
            "better": int(top.comparison.isin(["better", "within_band"]).sum()),
            "similar": int((top.comparison == "similar").sum()),
            "red_red": int(top.red_red.sum()),
        }


def comparator_name(names: dict[str, str], code: str | None) -> str:
    """A comparator's name as headings say it, from ``benchmarks.comparator_names`` (its code when unknown)."""
    if not isinstance(code, str):
        return "no comparator"
    return formatting.short_area_name(names[code]) if code in names else code


def overview_profile(
    con: duckdb.DuckDBPyConnection,
    *,
    area: str,
    period: date,
    comparison: str = "rolling12",
    public: bool | None = None,
    comparator: str | None = None,
    catalogue_rows: pd.DataFrame | None = None,
    area_frame: pd.DataFrame | None = None,
    summary_rows: pd.DataFrame | None = None,
    everywhere: Callable[[date], pd.DataFrame] | None = None,
    area_series: Callable[[str], pd.DataFrame] | None = None,
) -> Profile:
    """The profile of ``area`` at ``period`` against ``comparator`` (None: the area's default).

    ``summary_rows`` is ``engine.latest_summary`` for the area (each indicator at the view's period, or its latest
    earlier one); ``everywhere(at)`` is ``engine.summary`` of every area at ``at`` against the same comparator (for
    the spine, the grid and the LLR-wide figures); ``area_series(code)`` is ``engine.series`` of one area over every
    indicator and period with the same ``public``. Each may be passed by a caller that caches it. Rows carry the
    catalogue columns, the summary's figures and, for display: ``value_text``, ``value_title`` (the hover text: unit, intervals, counts,
    window, source), ``change_text``, ``direction_text``/``direction_tone``, ``comparison_text``/``comparison_tone``/
    ``comparison_glyph``, ``trend_text``/``trend_tone``, ``note`` ("latest: 12 months to Nov 2021", "LLR-wide
    figure"), ``spine`` (the CSP areas' range and quartiles, the comparator, the value and its interval) and
    ``sparkline`` (the rolling 12-month values of the last 36 months).
    """
    catalogue_rows = engine.indicators(con) if catalogue_rows is None else catalogue_rows
    area_frame = engine.areas(con) if area_frame is None else area_frame
    groups = engine.comparator_groups(con)
    resolved = comparator or benchmarks.default_comparator(area_frame, groups, area)
    names = dict(zip(area_frame.code, area_frame.name))
    frames: dict[date, pd.DataFrame] = {}
    indexed: dict[date, dict[str, dict[str, dict]]] = {}

    def every(at: date) -> pd.DataFrame:
        if at not in frames:
            frames[at] = (everywhere(at) if everywhere is not None else
                          engine.summary(con, period=at, comparison=comparison, public=public, comparator=resolved))
        return frames[at]

    csp_areas = _csp_areas(area_frame)
    grid_areas = csp_areas + _above(area_frame, csp_areas)

    def grid_cells(at: date) -> dict[str, dict[str, dict]]:
        if at not in indexed:
            local = every(at)[every(at).area_code.isin(grid_areas)]
            indexed[at] = {}
            # why: one pass over the few columns a cell shows (a frame's rows to dicts costs per column, and the
            # summary has over a hundred)
            for cell in local[GRID_CELL_COLUMNS].to_dict("records"):
                indexed[at].setdefault(cell["indicator"], {})[cell["area_code"]] = cell
        return indexed[at]

    if summary_rows is None:
        summary_rows = engine.latest_summary(con, period=period, area=area, comparison=comparison, public=public,
                                             comparator=resolved, everywhere=every)
    rows = _profile_rows(catalogue_rows, summary_rows, area=area, area_frame=area_frame, names=names, period=period,
                         every=every)
    values: dict[date, dict[str, np.ndarray]] = {}

    def csp_values(at: date, indicator: str) -> np.ndarray:
        if at not in values:
            local = every(at)[every(at).area_code.isin(csp_areas) & every(at).current_value.notna()]
            values[at] = {key: group.to_numpy(float) for key, group in local.groupby("indicator", sort=False).current_value}
        return values[at].get(indicator, np.array([]))

    rows["spine"] = [_spine(row, csp_values(row["shown_period"], row["id"])) if row["has_figure"] else None
                     for row in rows[SPINE_COLUMNS].to_dict("records")]
    rows["sparkline"] = _sparklines(con, rows, period=period, public=public, area_series=area_series)
    grid = compare_areas(rows, lambda at, indicator: grid_cells(at).get(indicator, {}), grid_areas)
    return Profile(area, _name(names, area), period, comparison, resolved,
                   comparator_name(benchmarks.comparator_names(area_frame, groups), resolved), rows,
                   grid=grid, grid_areas=[(c, _short_name(names, c)) for c in grid_areas])


def _name(names: dict[str, str], code: str) -> str:
    return str(names[code]) if code in names else code


def _short_name(names: dict[str, str], code: str) -> str:
    """An area's abbreviation where its name gives one ("LLR"), else its name."""
    return formatting.short_area_name(_name(names, code))


def _csp_areas(area_frame: pd.DataFrame) -> list[str]:
    """The force's community safety partnership areas (``area_types.csv``'s csp: districts and unitaries) that sum
    into a force, in order."""
    members = engine.force_members(area_frame)
    local = area_frame[area_frame.is_csp.astype(bool) & area_frame.code.isin(members)]
    return list(local.sort_values(["type_order", "name"]).code)


def _above(area_frame: pd.DataFrame, csp: list[str]) -> list[str]:
    """The county and force areas the CSP areas sum into."""
    parents = area_frame[area_frame.type.isin(["county", "force"])]
    return list(parents.sort_values("type_order").code)


def _profile_rows(catalogue_rows, summary_rows, *, area, area_frame, names, period, every) -> pd.DataFrame:
    held = summary_rows.assign(from_area=area)
    shown = held.current_value.notna() | held.current_suppressed.fillna(False).astype(bool)
    with_figures = set(held.indicator[shown])
    missing = [i for i in catalogue_rows.id if i not in with_figures]
    # why: an indicator reported only for the whole force (IOM, probation) shows the force's figure, saying so
    borrowed = []
    if missing:
        everywhere = every(period)
        for code in benchmarks.ancestors(dict(zip(area_frame.code, area_frame.parent_code)), area):
            found = everywhere[everywhere.indicator.isin(missing) & (everywhere.area_code == code) & everywhere.current_value.notna()]
            # why: the force's figure is not the district's, so it is compared with nothing on the district's row
            borrowed.append(found.assign(from_area=code, shown_period=period, is_earlier=False, comparison="",
                                         comparator_value=np.nan, red_red=False,
                                         comparator_note=f"{_short_name(names, code)}-wide: not compared"))
            found_here = set(found.indicator)
            missing = [i for i in missing if i not in found_here]
    figures = pd.concat([held[~held.indicator.isin([b for f in borrowed for b in f.indicator])], *borrowed],
                        ignore_index=True) if borrowed else held
    figures = figures.drop(columns=[c for c in ("unit", "multiplier", "polarity", "band_low", "band_high", "sensitive")
                                    if c in figures])
    rows = catalogue_rows.merge(figures, left_on="id", right_on="indicator", how="left")
    rows["shown_period"] = [period if formatting.is_missing(p) else pd.Timestamp(p).date() for p in rows.shown_period] \
        if "shown_period" in rows else period
    rows["from_area"] = rows.from_area.fillna(area)
    rows["has_figure"] = rows.current_value.notna() | rows.current_suppressed.fillna(False).astype(bool)
    rows["red_red"] = rows.red_red.fillna(False).astype(bool) if "red_red" in rows else False
    texts = pd.DataFrame.from_records([_texts(row, names=names, area=area, period=period)
                                       for row in rows.to_dict("records")], index=rows.index)
    return pd.concat([rows.drop(columns=[c for c in texts.columns if c in rows]), texts], axis=1)


def _flag(row: dict, key: str) -> bool:
    value = row.get(key)
    return False if formatting.is_missing(value) else bool(value)


def _texts(row: dict, *, names: dict[str, str], area: str, period: date) -> dict:
    suppressed = _flag(row, "current_suppressed")
    has_figure = bool(row["has_figure"])
    value = row.get("current_value")
    direction = vocabulary.direction(row.get("direction"), row.get("change"), row)
    compared = vocabulary.comparison(row.get("comparison"))
    trend = vocabulary.recent_trend(row.get("recent_trend"), row.get("recent_trend_judgement"))
    window = (formatting.window_label(row["current_start"], row["current_end"])
              if not formatting.is_missing(row.get("current_start")) else "")
    notes = []
    if has_figure and row.get("from_area") != area:
        notes.append(f"{_short_name(names, row['from_area'])}-wide figure")
    if has_figure and _flag(row, "is_earlier"):
        notes.append(f"latest: {window}")
    if has_figure and formatting.is_missing(row.get("current_complete")) is False and not _flag(row, "current_complete"):
        notes.append("incomplete: periods missing")
    interval = formatting.interval_text(row.get("current_lower_95"), row.get("current_upper_95"), row, of=value)
    interval_998 = formatting.interval_text(row.get("current_lower_998"), row.get("current_upper_998"), row, of=value)
    title = [formatting.format_value(value, row, suppressed=suppressed) + (f", {window}" if window else "")]
    if interval:
        title.append(f"95% confidence interval {interval}; 99.8% {interval_998}")
    if has_figure and not suppressed and row.get("unit") != "count" and not formatting.is_missing(row.get("current_numerator")):
        title.append(f"{formatting.format_count(row['current_numerator'], row.get('measure', ''))}"
                     + (f" of {formatting.format_count(row['current_denominator'])}" if row.get("unit") == "percentage" else ""))
    title.append(f"Source: {formatting.source_text(row.get('source'), row.get('data_source'), _flag(row, 'is_demo'))}")
    comparator_value = row.get("comparator_value")
    comparator_text = formatting.format_value(comparator_value, row, short=True) if not formatting.is_missing(comparator_value) else ""
    comparison_note = "" if formatting.is_missing(row.get("comparator_note")) else str(row.get("comparator_note"))
    return {
        "window_text": window,
        "previous_window": (formatting.window_label(row["previous_start"], row["previous_end"])
                            if not formatting.is_missing(row.get("previous_start")) else ""),
        "value_text": formatting.format_value(value, row, suppressed=suppressed, short=True) if has_figure else formatting.NO_FIGURE,
        "value_title": " · ".join(title) if has_figure else f"No figure for {_name(names, area)}",
        "interval_text": interval,
        "change_text": formatting.format_change(row.get("change"), row.get("change_pct"), row,
                                                suppressed=suppressed or _flag(row, "previous_suppressed"), of=value),
        "change_short": _change_short(row, suppressed=suppressed or _flag(row, "previous_suppressed")),
        "direction_text": direction.text,
        "direction_tone": direction.tone,
        "comparison_text": compared.word if has_figure else "",
        "comparison_tone": compared.tone,
        "comparison_glyph": compared.glyph if row.get("comparison") not in ("", "not_comparable", "not_enough_data") else "",
        "comparison_title": (f"{compared.in_sentence} the comparator ({comparator_text})" if comparator_text else comparison_note)
                            if has_figure else "",
        "comparator_text": comparator_text,
        "trend_text": trend.text if row.get("recent_trend") else "not tested",
        "trend_tone": trend.tone,
        "trend_title": (trend.phrase if row.get("recent_trend") else
                        ("" if formatting.is_missing(row.get("recent_trend_note")) else str(row.get("recent_trend_note")))),
        "note": "; ".join(notes),
        "unit_text": formatting.unit_label(row),
    }


def _change_short(row: dict, *, suppressed: bool) -> str:
    """The change as a table cell says it: the percentage change, or the points a percentage moved."""
    if suppressed:
        return formatting.SUPPRESSED
    if row.get("unit") == "percentage" or formatting.is_missing(row.get("change_pct")):
        return formatting.format_change(row.get("change"), row.get("change_pct"), row, of=row.get("current_value"))
    return formatting.format_percent_change(row.get("change_pct"))


def _spine(row: dict, values: np.ndarray) -> dict | None:
    """Where the value sits: the CSP areas' range and quartiles (``values``: their figures), the comparator, the
    value and its 95% interval."""
    value = row.get("current_value")
    if len(values) < 2 or formatting.is_missing(value):
        return None
    spine = {"low": float(values.min()), "q1": float(np.quantile(values, 0.25)), "q3": float(np.quantile(values, 0.75)),
             "high": float(values.max()), "value": float(value), "areas": len(values),
             "comparator": None if formatting.is_missing(row.get("comparator_value")) else float(row["comparator_value"]),
             "lower": None if formatting.is_missing(row.get("current_lower_95")) else float(row["current_lower_95"]),
             "upper": None if formatting.is_missing(row.get("current_upper_95")) else float(row["current_upper_95"])}
    return spine


def _sparklines(con, rows: pd.DataFrame, *, period: date, public, area_series) -> list[list]:
    """Each row's rolling 12-month values over the 36 months to its shown period (its own area's series)."""
    areas = list(dict.fromkeys(rows.from_area))
    start = periods.add_months(period, -(TREND_MONTHS + 36))
    if not areas:
        return [[] for _ in range(len(rows))]
    if area_series is None:
        held = engine.series(con, areas=areas, start=start, end=period, public=public, figures_only=True)
    else:
        # why: only the keys, period ends and rolling figures are read, so the rows the query keeps are enough
        wholes = [area_series(code) for code in areas]
        held = pd.concat([whole.loc[whole.period.between(pd.Timestamp(start), pd.Timestamp(period)),
                                    ["indicator", "area_code", "period_end", "rolling_value"]] for whole in wholes],
                         ignore_index=True)
    if held.empty:
        return [[] for _ in range(len(rows))]
    ends, values = held.period_end.to_numpy(), held.rolling_value.to_numpy(float)
    by_key = {key: (ends[at], values[at]) for key, at in held.groupby(["indicator", "area_code"], sort=False).indices.items()}
    lines = []
    for indicator, area, shown in zip(rows.id, rows.from_area, rows.shown_period):
        if (indicator, area) not in by_key:
            lines.append([])
            continue
        ends, values = by_key[(indicator, area)]
        end = np.datetime64(pd.Timestamp(shown))
        first = np.datetime64(pd.Timestamp(shown) - pd.DateOffset(months=TREND_MONTHS))
        inside = (ends <= end) & (ends > first)
        lines.append([None if np.isnan(v) else float(v) for v in values[inside]])
    return lines


def compare_areas(rows: pd.DataFrame, cells_at: Callable[[date, str], dict[str, dict]], areas: list[str]) -> pd.DataFrame:
    """Indicator x area cells: each area's value at the indicator's shown period and its comparison with the
    comparator (``comparison``, ``text``, ``tone``, ``glyph``, ``title``); ``cells_at(at, indicator)`` gives the
    indicator's summary rows (``GRID_CELL_COLUMNS``) of (at least) ``areas`` at ``at``, by area code."""
    cells = []
    for row in rows[rows.parent_id.isna()].to_dict("records"):
        held = cells_at(row["shown_period"], row["id"])
        for code in areas:
            cell = held.get(code)
            if cell is None:
                cells.append({"indicator": row["id"], "area_code": code, "text": "", "comparison": "", "tone": "neutral",
                              "glyph": "", "title": "no figure"})
                continue
            compared = vocabulary.comparison(cell["comparison"])
            text = formatting.format_value(cell["current_value"], row, suppressed=bool(cell["current_suppressed"]), short=True)
            interval = formatting.interval_text(cell["current_lower_95"], cell["current_upper_95"], row, of=cell["current_value"])
            glyph = compared.glyph if cell["comparison"] not in ("", "not_comparable", "not_enough_data") else ""
            note = cell["comparator_note"]
            cells.append({"indicator": row["id"], "area_code": code, "text": text, "comparison": cell["comparison"],
                          "tone": compared.tone if glyph else "neutral", "glyph": glyph,
                          "title": text + (f" (95% CI {interval})" if interval else "") + f": {compared.word}"
                                   + (f" ({note})" if note else "")})
    return pd.DataFrame(cells, columns=["indicator", "area_code", "text", "comparison", "tone", "glyph", "title"])


# --- HTML -------------------------------------------------------------------------------------------------------

TONE_TINTS = {"good": "#DCE9F5", "bad": "#FBE3D6", "neutral": "#FFFFFF"}
STYLE = f"""
<style>
.lscsb-profile {{ border-collapse: collapse; width: 100%; font-size: 0.84rem; line-height: 1.2; color: {palette.INK}; }}
.lscsb-profile caption {{ text-align: left; color: {palette.TEXT}; font-size: 0.8rem; padding: 0 0 0.2rem 0; }}
.lscsb-profile th, .lscsb-profile td {{ padding: 0.14rem 0.35rem; border-bottom: 1px solid {palette.GRID}; vertical-align: middle; text-align: left; }}
.lscsb-profile thead th {{ font-weight: 600; color: {palette.TEXT}; font-size: 0.78rem; border-bottom: 2px solid {palette.AXIS}; }}
.lscsb-profile tr.theme th {{ background: {palette.HEADING_FILL}; font-weight: 600; font-size: 0.82rem; padding-top: 0.22rem; }}
.lscsb-profile td.nowrap {{ white-space: nowrap; }}
.lscsb-profile td.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
.lscsb-profile .note {{ display: block; color: {palette.MUTED}; font-size: 0.74rem; }}
.lscsb-profile .good {{ color: {palette.GOOD}; }} .lscsb-profile .bad {{ color: {palette.BAD}; }}
.lscsb-profile .neutral {{ color: {palette.MUTED}; }}
.lscsb-profile .redred {{ font-weight: 700; color: {palette.BAD}; }}
.lscsb-profile a {{ color: {palette.INK}; text-decoration: underline; text-decoration-color: {palette.AXIS}; }}
/* why: WCAG 2.2 2.5.8: a row's link is a target at least 24 px high and wide, the row's padding taken into it so
   the table grows by a few pixels a row, not by a second line */
.lscsb-profile th[scope=row] {{ padding-top: 0; padding-bottom: 0; }}
.lscsb-profile th[scope=row] > a {{ display: inline-flex; align-items: center; min-height: 24px; min-width: 24px; }}
.lscsb-profile td.cell {{ text-align: center; white-space: nowrap; font-variant-numeric: tabular-nums; }}
.lscsb-profile td.chosen, .lscsb-profile th.chosen {{ outline: 2px solid {palette.CHOSEN}; outline-offset: -2px; }}
.lscsb-profile.large {{ font-size: 1.05rem; }}
</style>
"""


def _e(text) -> str:
    return html.escape("" if formatting.is_missing(text) else str(text), quote=True)


def spine_svg(spine: dict | None, *, tone: str, glyph: str, label: str) -> str:
    """The spine: the CSP areas' range (light) and middle half (darker), the comparator (a black line), the
    value's 95% interval (a line) and the value (the comparison's shape, in its tone)."""
    if not spine:
        return ""
    centre = spine["comparator"] if spine["comparator"] is not None else (spine["q1"] + spine["q3"]) / 2
    points = [spine["low"], spine["high"], spine["value"]] + [v for v in (spine["lower"], spine["upper"]) if v is not None]
    half = max(abs(v - centre) for v in points) or 1.0
    middle, reach = SPINE_WIDTH / 2, SPINE_WIDTH / 2 - 6

    def x(v: float) -> float:
        return round(middle + (v - centre) / half * reach, 1)

    colour = palette.TONE_COLOURS.get(tone, palette.NEUTRAL)
    y = SPINE_HEIGHT / 2
    parts = [f'<rect x="{x(spine["low"])}" y="4" width="{max(x(spine["high"]) - x(spine["low"]), 1)}" height="10" fill="#E6E6E6"/>',
             f'<rect x="{x(spine["q1"])}" y="4" width="{max(x(spine["q3"]) - x(spine["q1"]), 1)}" height="10" fill="#BDBDBD"/>']
    if spine["comparator"] is not None:
        parts.append(f'<line x1="{middle}" x2="{middle}" y1="1" y2="{SPINE_HEIGHT - 1}" stroke="{palette.BLACK}" stroke-width="2"/>')
    if spine["lower"] is not None and spine["upper"] is not None:
        parts.append(f'<line x1="{x(spine["lower"])}" x2="{x(spine["upper"])}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="1.6"/>')
    cx = x(spine["value"])
    shapes = {"▲": f"M{cx - 5},{y + 4} L{cx + 5},{y + 4} L{cx},{y - 5} Z", "▼": f"M{cx - 5},{y - 4} L{cx + 5},{y - 4} L{cx},{y + 5} Z",
              "◆": f"M{cx},{y - 6} L{cx + 5},{y} L{cx},{y + 6} L{cx - 5},{y} Z"}
    if glyph in shapes:
        parts.append(f'<path d="{shapes[glyph]}" fill="{colour}" stroke="white" stroke-width="0.8"/>')
    else:
        parts.append(f'<circle cx="{cx}" cy="{y}" r="4.5" fill="{colour}" stroke="white" stroke-width="0.8"/>')
    return _image(f'<svg xmlns="http://www.w3.org/2000/svg" width="{SPINE_WIDTH}" height="{SPINE_HEIGHT}">'
                  f'{"".join(parts)}</svg>', width=SPINE_WIDTH, height=SPINE_HEIGHT, label=label)


def sparkline_svg(values: list, *, label: str) -> str:
    """A small line of the rolling 12-month figure; a gap where a window is missing or withheld."""
    shown = [v for v in values if v is not None]
    if len(shown) < 2:
        return ""
    low, high = min(shown), max(shown)
    span = (high - low) or 1.0
    step = (SPARK_WIDTH - 6) / max(len(values) - 1, 1)
    segments, current = [], []
    for i, v in enumerate(values):
        if v is None:
            if current:
                segments.append(current)
            current = []
            continue
        current.append(f"{round(3 + i * step, 1)},{round(SPARK_HEIGHT - 3 - (v - low) / span * (SPARK_HEIGHT - 6), 1)}")
    if current:
        segments.append(current)
    lines = "".join(f'<polyline points="{" ".join(s)}" fill="none" stroke="{palette.CHOSEN}" stroke-width="1.5"/>'
                    for s in segments if len(s) > 1)
    last = segments[-1][-1].split(",") if segments and segments[-1] else None
    dot = f'<circle cx="{last[0]}" cy="{last[1]}" r="2.2" fill="{palette.CHOSEN}"/>' if last else ""
    return _image(f'<svg xmlns="http://www.w3.org/2000/svg" width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}">{lines}{dot}</svg>',
                  width=SPARK_WIDTH, height=SPARK_HEIGHT, label=label)


def _image(svg: str, *, width: int, height: int, label: str) -> str:
    """An SVG drawing as an image with its text alternative (the page's HTML is sanitised, and SVG elements with it)."""
    data = base64.b64encode(svg.encode()).decode()
    return (f'<img src="data:image/svg+xml;base64,{data}" width="{width}" height="{height}" alt="{_e(label)}" '
            f'title="{_e(label)}" style="vertical-align: middle">')


def profile_html(profile: Profile, *, themes: pd.DataFrame, link: Callable[[dict], str] | None = None,
                 parts: bool = False, large: bool = False, only: dict[str, str] | None = None, caption: str = "") -> str:
    """The profile as one table, theme by theme (``themes``: id, name in order); ``parts`` draws the breakdowns'
    rows instead of the top-level indicators; ``link(row)`` gives each indicator's detail page URL. ``only`` (indicator
    to a reason) draws just those indicators, top-level or not, with the reason in a first column ("Why listed")."""
    if only is not None:
        rows = profile.rows[profile.rows.id.isin(list(only))]
    else:
        rows = profile.rows[profile.rows.parent_id.notna() if parts else profile.rows.parent_id.isna()]
    comparator = _e(profile.comparator_name)
    why = "<th scope='col'>Why listed</th>" if only is not None else ""
    head = (f"<thead><tr>{why}<th scope='col'>Indicator</th><th scope='col' class='num'>Value</th>"
            "<th scope='col'>Change on a year before</th>"
            f"<th scope='col'>Against {comparator}</th>"
            "<th scope='col'>Among LLR's areas</th><th scope='col'>Five-year trend</th>"
            "<th scope='col'>Last 3 years</th></tr></thead>")
    body = []
    for theme in themes.itertuples():
        group = rows[rows.theme == theme.id]
        if group.empty:
            continue
        body.append(f"<tr class='theme'><th colspan='{8 if only is not None else 7}' scope='colgroup'>{_e(theme.name)}</th></tr>")
        for row in group.to_dict("records"):
            cell = f"<td>{_e(only[row['id']])}</td>" if only is not None else ""
            drawn = _profile_row(row, link=link, comparator=profile.comparator_name, area_name=profile.area_name)
            body.append("<tr>" + cell + drawn.removeprefix("<tr>"))
    caption = caption or (f"{profile.area_name}: each indicator's latest 12 months against the previous 12 and "
                          f"against {profile.comparator_name}. Hover a value for its confidence interval; the spine shows "
                          "LLR's nine CSP areas (range and middle half), the comparator (black line) and this area (its "
                          "mark and 95% interval).")
    caption = f"<caption>{_e(caption)}</caption>"
    return (f"{STYLE}<table class='lscsb-profile{' large' if large else ''}'>{caption}{head}<tbody>"
            f"{''.join(body)}</tbody></table>")


def _profile_row(row: dict, *, link, comparator: str, area_name: str) -> str:
    name = _e(row["short_name"])
    if link is not None:
        name = f"<a href='{_e(link(row))}' target='_self'>{name}</a>"
    red = "<span class='redred' title='worse than the comparator and worsening'> red-red</span>" if row["red_red"] else ""
    note = f"<span class='note'>{_e(row['note'])}</span>" if row["note"] else ""
    if row.get("unit") == "count":
        row = {**row, "spine": None}  # why: counts of areas of different sizes are not compared, so not placed either
    if not row["has_figure"]:
        return (f"<tr><th scope='row'>{name}{note}</th><td class='num'>{_e(row['value_text'])}</td>"
                f"<td colspan='5' class='neutral'>{_e(row['value_title'])} in the {_e(row['window_text'] or 'period')}</td></tr>")
    change = f"<span title='{_e(row['change_text'])} against {_e(row['previous_window'])}'>{_e(row['change_short'])}</span>"
    direction = f"<span class='{row['direction_tone']}'>{_e(row['direction_text'])}</span>"
    compared = (f"<span class='{row['comparison_tone']}' title='{_e(row['comparison_title'])}'>"
                f"{_e(row['comparison_glyph'])} {_e(row['comparison_text'])}</span>")
    spine_label = _spine_label(row, area_name=area_name, comparator=comparator)
    spine = spine_svg(row["spine"], tone=row["comparison_tone"], glyph=row["comparison_glyph"], label=spine_label)
    trend = f"<span class='{row['trend_tone']}' title='{_e(row['trend_title'])}'>{_e(row['trend_text'])}</span>"
    spark = sparkline_svg(row["sparkline"], label=f"{row['short_name']}: rolling 12-month figure over three years")
    return (f"<tr><th scope='row'>{name}{red}{note}</th>"
            f"<td class='num' title='{_e(row['value_title'])}'>{_e(row['value_text'])}</td>"
            f"<td class='nowrap'>{change} {direction}</td><td class='nowrap'>{compared}</td><td>{spine}</td>"
            f"<td class='nowrap'>{trend}</td><td>{spark}</td></tr>")


def _spine_label(row: dict, *, area_name: str, comparator: str) -> str:
    spine = row["spine"]
    if not spine:
        return ""
    shown = lambda v: formatting.format_value(v, row, short=True)  # noqa: E731
    text = (f"{area_name} {shown(spine['value'])}; LLR's {spine['areas']} areas from {shown(spine['low'])} to "
            f"{shown(spine['high'])}")
    return text + (f"; {comparator} {shown(spine['comparator'])}" if spine["comparator"] is not None else "")


def compare_html(profile: Profile, *, themes: pd.DataFrame, large: bool = False) -> str:
    """The compare-areas grid: indicators by areas, each cell its value with the comparison's mark and tint."""
    cells = profile.grid.set_index(["indicator", "area_code"]) if len(profile.grid) else profile.grid
    rows = profile.rows[profile.rows.parent_id.isna()]
    head = "".join(f"<th scope='col' class='{'chosen' if code == profile.area_code else ''}'>{_e(name)}</th>"
                   for code, name in profile.grid_areas)
    body = []
    for theme in themes.itertuples():
        group = rows[rows.theme == theme.id]
        if group.empty:
            continue
        body.append(f"<tr class='theme'><th colspan='{len(profile.grid_areas) + 1}' scope='colgroup'>{_e(theme.name)}</th></tr>")
        for row in group.to_dict("records"):
            tds = []
            for code, _name in profile.grid_areas:
                cell = cells.loc[(row["id"], code)] if (row["id"], code) in cells.index else None
                if cell is None or not cell.text:
                    tds.append("<td class='cell neutral'>&ndash;</td>")
                    continue
                tint = TONE_TINTS.get(cell.tone, "#FFFFFF")
                chosen = " chosen" if code == profile.area_code else ""
                tds.append(f"<td class='cell {cell.tone}{chosen}' style='background:{tint}' title='{_e(cell.title)}'>"
                           f"{_e(cell.glyph)} {_e(cell.text)}</td>")
            note = f"<span class='note'>{_e(row['note'])}</span>" if row["note"] else ""
            body.append(f"<tr><th scope='row'>{_e(row['short_name'])}{note}</th>{''.join(tds)}</tr>")
    legend = " · ".join(f"{vocabulary.COMPARISONS[c].glyph} {vocabulary.COMPARISONS[c].word}"
                        for c in ("better", "similar", "worse", "higher", "lower", "outside_band"))
    caption = (f"<caption>Each area against {_e(profile.comparator_name)}: {_e(legend)} (blue good, orange a concern, "
               "grey no judgement); hover a cell for its confidence interval. A count is not compared with an area's "
               "total (no mark).</caption>")
    return (f"{STYLE}<table class='lscsb-profile{' large' if large else ''}'>{caption}<thead><tr>"
            f"<th scope='col'>Indicator</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def headline_text(profile: Profile) -> str:
    """The headline in words: ``'Of 30 indicators: 5 improving, 3 worsening; 4 worse than Leicestershire ...'``."""
    counts = profile.headline
    comparator = profile.comparator_name
    return (f"Of {counts['indicators']} indicators with a figure: {counts['improving']} improving and "
            f"{counts['worsening']} worsening on the previous 12 months; {counts['worse']} worse than {comparator}, "
            f"{counts['similar']} similar, {counts['better']} better; {counts['red_red']} both worse and worsening (red-red).")


def profile_table(profile: Profile) -> pd.DataFrame:
    """The profile's figures as plain rows, for the CSV and the text alternative."""
    rows = profile.rows[profile.rows.has_figure]
    return pd.DataFrame({
        "theme": rows.theme_name, "indicator": rows.short_name, "value": rows.value_text, "interval_95": rows.interval_text,
        "period": rows.window_text, "change": rows.change_text, "direction": rows.direction_text,
        "comparison": rows.comparison_text, "comparator_value": rows.comparator_text, "recent_trend": rows.trend_text,
        "note": rows.note,
    }).reset_index(drop=True)


def exception_reasons(sections: list[dict], outlook_labels: dict[str, str], signal_words: dict[str, str]) -> dict[str, str]:
    """Why each exception of a theme report (``reporting.theme_report``) is listed, by indicator, most worrying first:
    ``'Of concern: significant change; a run above average'``."""
    reasons = {}
    for section in sections:
        for row in section["rows"].to_dict("records"):
            why = [r for r in str(row["reasons"]).split("; ") if r and r != "control chart signal"]
            if row.get("spc_signal"):
                why.append(f"control chart: {signal_words.get(row['spc_signal'], row['spc_signal'])}")
            reasons[row["indicator"]] = f"{outlook_labels[row['outlook']]}: {'; '.join(why)}"
    return reasons
