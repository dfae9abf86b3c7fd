"""Chart builders: plain functions from the engine's DataFrames to Altair charts, and PNG export.

The app renders these, the PNG downloads render them at 2x or more, and the performance pack
renders the same charts into slides, so the figures on the wall are the figures on screen. Each
builder takes the frame a ``pagedata`` function returns plus plain arguments, returns a finished
(configured) chart, and never imports streamlit. ``indicator`` is a catalogue row as a dict;
``width`` is pixels, or "container" to fill the element that shows the chart (the app does this;
a PNG needs pixels); ``large`` scales type and marks by 1.5 for presentation on a projector. A
chart's layers refer to their rows by name (``named_data``) and the chart carries each set of rows
once, in its top-level ``datasets``.

Every chart carries a title naming indicator, area, period, unit and source (saying so when the
figures are demonstration data), tooltips with numerator, denominator, period and source, and a
``description`` for screen readers. Colours are from the Okabe-Ito colour-blind-safe palette, each
mark at least 3:1 and each text at least 4.5:1 against white (WCAG 2.1 AA).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd
import vl_convert

from lscsb_data.presentation import formatting
from lscsb_data.figures import spc
from lscsb_data.figures.disclosure import SUPPRESSED

BLUE = "#0072B2"
BAR_BLUE = "#5B8DB8"
GREY = "#767676"
BAR_GREY = "#8C8C8C"
DARK = "#404040"
VERMILLION = "#D55E00"
GREEN = "#009E73"
BAND_TEXT = "#00664A"
SERIES_COLOURS = [BLUE, VERMILLION, GREEN, "#CC79A7", "#000000", BAR_GREY]
SERIES_DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 0], [4, 4]]
REFERENCE_DASHES = [[8, 4], [2, 3], [12, 3, 3, 3], [4, 2], [1, 0]]
FONT = "Source Sans Pro, Liberation Sans, Arial, sans-serif"
DEFAULT_WIDTH = 620
# The columns of a trend chart's rows: its positions, its values and its tooltips' texts.
TREND_FIELDS = [
    "x_start", "x_end", "x_mid", "value", "previous_year_value", "rolling_value", "previous_year_rolling_value",
    "period_text", "value_text", "numerator_text", "denominator_text", "previous_year_text", "complete_text",
    "rolling_text", "rolling_value_text", "rolling_numerator_text", "rolling_denominator_text",
    "previous_year_rolling_text", "source_text",
]


def _fmt(value, indicator: Mapping, suppressed=False) -> str:
    return formatting.format_value(value, indicator, suppressed=bool(suppressed))


def _count(value, suppressed=False) -> str:
    return formatting.format_count(value, suppressed=bool(suppressed))


def _flag(value) -> bool:
    return False if formatting.is_missing(value) else bool(value)


def _source(indicator: Mapping, frame: pd.DataFrame) -> str:
    is_demo = "is_demo" in frame and frame.is_demo.map(_flag).any()
    data_source = next((s for s in frame.get("data_source", pd.Series(dtype=object)) if not formatting.is_missing(s)), None)
    return formatting.source_text(indicator.get("source"), data_source, is_demo)


def records(frame: pd.DataFrame) -> list[dict]:
    """``frame``'s rows as JSON-ready dicts, exactly as Altair's data transformer writes them: native Python values,
    datetimes as ISO text (NaT as ""), missing and infinite numbers as None."""
    columns = []
    for _, column in frame.items():
        if column.dtype.kind == "M":
            columns.append(["" if stamp is pd.NaT else stamp.isoformat() for stamp in column])
            continue
        present = column.notna().to_numpy()
        if column.dtype.kind == "f":
            present = present & ~np.isinf(column.to_numpy(dtype=float, na_value=np.nan))
        columns.append([(value.item() if isinstance(value, np.generic) else value) if keep else None
                        for value, keep in zip(column.tolist(), present)])
    return [dict(zip(frame.columns, row)) for row in zip(*columns)]


def named_data(frame: pd.DataFrame, datasets: dict[str, list]) -> alt.NamedData:
    """A reference to ``frame`` as a top-level dataset, added to ``datasets`` under Altair's own content-hash name.

    Charts built on references carry no DataFrame, so Altair does not convert, hash and copy the same rows
    again for every layer and every step of building the chart; the top-level chart's ``datasets`` holds the rows once.
    """
    values = records(frame)
    name = "data-" + hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]
    datasets[name] = values
    return alt.NamedData(name=name)


def chart_title(indicator: Mapping, area_name: str, period_text: str, source: str, *, what: str = "") -> alt.Title:
    """``'Overall crime: Blaby'`` over ``'12 months to Mar 2020 · offences per 1,000 population'`` and the source."""
    heading = f"{indicator['name']}: {area_name}" + (f" ({what})" if what else "")
    unit = formatting.unit_label(indicator)
    return alt.Title(heading, subtitle=[f"{period_text} · {unit}", f"Source: {source}"], anchor="start")


def _top_level(chart_class, *, large: bool, datasets: dict[str, list], **properties):
    """A finished ``chart_class`` (``alt.LayerChart`` or ``alt.VConcatChart``) in the house style (type, colours,
    legend placement), holding ``datasets``, the rows of its ``named_data``, with every property set at once.

    Altair rebuilds a layered chart, copying every layer, on each ``.properties()``, ``.resolve_scale()`` and
    ``.configure_*()``, so the chart is built in one call rather than step by step.
    """
    scale = 1.5 if large else 1.0
    if chart_class is not alt.VConcatChart and properties.get("width") == "container":
        # why: with the default autosize a chart filling its container is cut off below its stated height
        properties["autosize"] = alt.AutoSizeParams(type="fit-x", contains="padding")
    config = alt.Config(
        font=FONT, background="white",
        title=alt.TitleConfig(fontSize=17 * scale, subtitleFontSize=13 * scale, color="#1A1A1A", subtitleColor=DARK,
                              anchor="start", offset=8),
        axis=alt.AxisConfig(labelFontSize=12 * scale, titleFontSize=13 * scale, labelColor=DARK, titleColor=DARK,
                            gridColor="#E6E6E6", domainColor=GREY, tickColor=GREY),
        legend=alt.LegendConfig(labelFontSize=12 * scale, titleFontSize=13 * scale, labelLimit=320, labelColor=DARK,
                                titleColor=DARK, orient="top", direction="horizontal"),
        view=alt.ViewConfig(stroke=None),
    )
    return chart_class(config=config, datasets=datasets, **properties)


def _denominator_title(indicator: Mapping) -> str:
    basis = indicator.get("denominator_basis")
    if basis == "population":
        return "Population"
    if basis == "households":
        return "Households"
    return "Denominator" if basis == "explicit" else "Denominator (none)"


def _month_middle(day) -> pd.Timestamp:
    return pd.Timestamp(day) + pd.Timedelta(days=14)


def _mark(kind: str, **properties) -> dict:
    """A mark definition as Vega-Lite writes it.

    Altair's ``mark_*`` methods make an object holding every mark property (about a hundred, nearly all unset),
    which it copies again at each step of building a layered chart; the plain dict holds only those set.
    """
    return {"type": kind, **properties}


def _time_x(field: str, start: pd.Timestamp, end: pd.Timestamp) -> alt.X:
    """A month axis over ``start``..``end`` in UTC, so a browser in any time zone shows the same months."""
    # why: plain dicts, as for _mark: an alt.Axis holds all 78 axis properties
    return alt.X(
        f"{field}:T",
        scale={"domain": [start.isoformat(), end.isoformat()], "type": "utc"},
        axis={"format": "%b %Y", "labelAngle": 0, "tickCount": 6, "title": None},
    )


def _annotation_layers(annotations: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp, *, height_label: bool,
                       datasets: dict[str, list]):
    """Lockdown bands and definition-change rules inside ``start``..``end``; [] when none fall there."""
    if annotations is None or annotations.empty:
        return []
    frame = annotations.copy()
    frame["start"] = pd.to_datetime(frame.start_date)
    frame["end"] = pd.to_datetime(frame.end_date).fillna(frame.start)
    frame = frame[(frame.end >= start) & (frame.start <= end)]
    layers = []
    bands = frame[frame.kind == "lockdown"].assign(
        start=lambda f: f.start.clip(lower=start), end=lambda f: f.end.clip(upper=end)
    )
    if len(bands):
        band_data = named_data(bands, datasets)
        rect = alt.Chart(band_data, mark=_mark("rect", color="#BDBDBD", opacity=0.35)).encode(
            x=_time_x("start", start, end), x2=alt.X2("end:T"),
            tooltip=[alt.Tooltip("label:N", title="Period"), alt.Tooltip("description:N", title="What")]
        )
        layers.append(rect)
        if height_label:
            layers.append(alt.Chart(band_data, mark=_mark("text", align="left", baseline="top", dx=2, dy=2, fontSize=10,
                                                          color=DARK))
                          .encode(x=alt.X("start:T"), y=alt.YValue(0), text=alt.TextValue("Lockdown")))
    changes = frame[frame.kind == "definition_change"]
    if len(changes):
        layers.append(alt.Chart(named_data(changes, datasets),
                                mark=_mark("rule", color="#000000", strokeDash=[4, 3], strokeWidth=1.5)).encode(
            x=_time_x("start", start, end),
            tooltip=[alt.Tooltip("label:N", title="Definition change"), alt.Tooltip("description:N", title="What")]
        ))
        if height_label:
            # why: a marker in the right half is labelled to its left so the label stays inside the chart
            middle = start + (end - start) / 2
            for align, side in (("left", changes[changes.start <= middle]), ("right", changes[changes.start > middle])):
                if len(side):
                    layers.append(alt.Chart(named_data(side, datasets), mark=_mark(
                        "text", align=align, baseline="top", dx=3 if align == "left" else -3, dy=14, fontSize=10, color="#000000",
                    )).encode(x=alt.X("start:T"), y=alt.YValue(0), text=alt.Text("label:N")))
    return layers


def _band_layer(indicator: Mapping, *, orient: str, datasets: dict[str, list]):
    """The target band (MARAC repeats 20-40%) as a shaded strip; None for other indicators."""
    low, high = indicator.get("band_low"), indicator.get("band_high")
    if indicator.get("polarity") != "target_band" or formatting.is_missing(low) or formatting.is_missing(high):
        return None
    band = pd.DataFrame({"low": [low], "high": [high], "label": [f"Target band {formatting.band_text(indicator)}"]})
    strip = alt.Chart(named_data(band, datasets), mark=_mark("rect", color=GREEN, opacity=0.12))
    if orient == "y":
        return strip.encode(y=alt.Y("low:Q"), y2=alt.Y2("high:Q"), tooltip=[alt.Tooltip("label:N")])
    return strip.encode(x=alt.X("low:Q"), x2=alt.X2("high:Q"), tooltip=[alt.Tooltip("label:N")])


def trend_chart(
    series_frame: pd.DataFrame,
    *,
    indicator: Mapping,
    area_name: str,
    annotations: pd.DataFrame | None = None,
    title: str | alt.Title | None = None,
    width: int | str = DEFAULT_WIDTH,
    large: bool = False,
) -> alt.VConcatChart | alt.LayerChart:
    """The indicator's trend for one area: the rolling 12-month line over each period's value.

    ``series_frame`` is ``engine.series`` for one indicator and area (as ``pagedata.indicator_detail``
    returns it): ``period``, ``period_end``, ``value``, ``numerator``, ``denominator``,
    ``rolling_value``, ``rolling_numerator``, ``rolling_denominator``, ``previous_year_value``,
    ``previous_year_rolling_value``, the ``*suppressed`` flags, ``is_demo`` and ``data_source``.
    The top panel is the rolling 12 months with the same months a year earlier (dashed); the
    bottom panel each month's (or quarter's, or year's) value with the same period a year earlier.
    ``annotations`` (``engine.annotations``) add lockdown bands and definition-change markers.
    Annual indicators get the bottom panel only (their rolling 12 months is the year itself), as
    does a series with no complete 12-month window.
    """
    frequency = indicator.get("frequency", "monthly")
    data = series_frame.copy()
    data["x_start"] = pd.to_datetime(data.period) + pd.Timedelta(days=2)
    data["x_end"] = pd.to_datetime(data.period_end) + pd.DateOffset(months=1) - pd.Timedelta(days=3)
    data["x_mid"] = pd.to_datetime(data.period_end).map(_month_middle)
    data = pd.concat([data.drop(columns=[c for c in formatting.series_texts(data.head(0), indicator).columns if c in data]),
                      formatting.series_texts(data, indicator)], axis=1)
    source = _source(indicator, data)
    data["source_text"] = source
    if data.empty:
        start = end = pd.Timestamp("2020-01-01")
        period_text = "no figures"
    else:
        start, end = data.x_start.min() - pd.Timedelta(days=2), data.x_end.max() + pd.Timedelta(days=3)
        period_text = formatting.window_label(data.period.iloc[0], data.period_end.iloc[-1])
    unit = formatting.unit_label(indicator)
    denominator_title = _denominator_title(indicator)
    scale = 1.5 if large else 1.0
    # why: the chart carries only the columns it draws or names in a tooltip, less than half of the series frame's
    chart_data = data[TREND_FIELDS].assign(
        x_start=data.x_start.dt.strftime("%Y-%m-%d"), x_end=data.x_end.dt.strftime("%Y-%m-%d"), x_mid=data.x_mid.dt.strftime("%Y-%m-%d")
    )
    datasets: dict[str, list] = {}
    trend = named_data(chart_data, datasets)
    per = {"monthly": "Each month", "quarterly": "Each quarter", "annual": "Each financial year"}[frequency]
    bar_tooltip = [
        alt.Tooltip("period_text:N", title="Period"),
        alt.Tooltip("value_text:N", title="Value"),
        alt.Tooltip("numerator_text:N", title=f"Numerator ({indicator.get('measure', '')})"),
        alt.Tooltip("denominator_text:N", title=denominator_title),
        alt.Tooltip("previous_year_text:N", title="Same period a year earlier"),
        alt.Tooltip("complete_text:N", title="Complete"),
        alt.Tooltip("source_text:N", title="Source"),
    ]
    bars = alt.Chart(trend, mark=_mark("bar", color=BAR_BLUE)).encode(
        x=_time_x("x_start", start, end), x2=alt.X2("x_end:T"),
        y=alt.Y("value:Q", title=None),
        y2=alt.Y2Datum(0),
        tooltip=bar_tooltip,
    )
    year_earlier = alt.Chart(trend, mark=_mark("line", color=GREY, strokeDash=[5, 3], point={"color": GREY, "size": 18})).encode(
        x=alt.X("x_mid:T"), y=alt.Y("previous_year_value:Q"), tooltip=bar_tooltip
    )
    panel_layers = [*_annotation_layers(annotations, start, end, height_label=frequency == "annual", datasets=datasets),
                    bars, year_earlier]
    band = _band_layer(indicator, orient="y", datasets=datasets)
    if band is not None:
        panel_layers.insert(0, band)
    alone = frequency == "annual" or not data.rolling_value.notna().any()
    resolved_title = title if title is not None else chart_title(indicator, area_name, period_text, source)
    description = (f"Trend of {indicator['name']} for {area_name}, {period_text}, {unit}. "
                   "The figures are in the table beside the chart.")
    if alone:
        return _top_level(alt.LayerChart, layer=panel_layers, width=width, height=240 * scale, title=resolved_title,
                          description=description, large=large, datasets=datasets)
    periodic = alt.LayerChart(layer=panel_layers, width=width, height=150 * scale,
                              title={"text": f"{per} (bars); the same period a year earlier (dashed)",
                                     "fontSize": 12 * scale, "fontWeight": "normal", "color": DARK})
    rolling_tooltip = [
        alt.Tooltip("rolling_text:N", title="Period"),
        alt.Tooltip("rolling_value_text:N", title="Value"),
        alt.Tooltip("rolling_numerator_text:N", title=f"Numerator ({indicator.get('measure', '')})"),
        alt.Tooltip("rolling_denominator_text:N", title=denominator_title),
        alt.Tooltip("previous_year_rolling_text:N", title="Same 12 months a year earlier"),
        alt.Tooltip("source_text:N", title="Source"),
    ]
    rolling_line = alt.Chart(trend, mark=_mark("line", color=BLUE, strokeWidth=3 * scale,
                                               point={"color": BLUE, "size": 30 * scale})).encode(
        x=_time_x("x_mid", start, end),
        y=alt.Y("rolling_value:Q", title=None),
        tooltip=rolling_tooltip,
    )
    rolling_year_earlier = alt.Chart(trend, mark=_mark("line", color=GREY, strokeDash=[5, 3], strokeWidth=2)).encode(
        x=alt.X("x_mid:T"), y=alt.Y("previous_year_rolling_value:Q"), tooltip=rolling_tooltip
    )
    rolling_layers = [*_annotation_layers(annotations, start, end, height_label=True, datasets=datasets), rolling_line,
                      rolling_year_earlier]
    if band is not None:
        rolling_layers.insert(0, band)
    rolling = alt.LayerChart(
        layer=rolling_layers, width=width, height=220 * scale,
        title={"text": "Rolling 12 months (blue line); the same 12 months a year earlier (dashed)",
               "fontSize": 12 * scale, "fontWeight": "normal", "color": DARK},
    )
    return _top_level(alt.VConcatChart, vconcat=[rolling, periodic], spacing=18,
                      resolve=alt.Resolve(scale=alt.ScaleResolveMap(x="shared")), title=resolved_title,
                      description=description, large=large, datasets=datasets)


def comparison_chart(
    summary_rows: pd.DataFrame,
    *,
    indicator: Mapping,
    highlight_area: str,
    title: str | alt.Title | None = None,
    width: int | str = 460,
    large: bool = False,
) -> alt.LayerChart:
    """Every district's (and unitary's) figure as a bar, the chosen area highlighted, and the
    county, force and comparator areas as labelled reference lines.

    ``summary_rows`` is ``IndicatorDetail.districts``: summary rows of one indicator for each area
    with ``role`` ("bar" or "reference"), ``area_code``, ``area_name``, ``current_value``,
    ``current_numerator``, ``current_denominator``, ``window_text``, ``value_short``,
    ``current_suppressed`` and ``is_demo`` / ``data_source``.
    """
    rows = summary_rows.copy()
    scale = 1.5 if large else 1.0
    rows["value_text"] = [_fmt(v, indicator, s) for v, s in zip(rows.current_value, rows.get("current_suppressed", [False] * len(rows)))]
    rows["label_text"] = [
        formatting.format_value(v, indicator, suppressed=_flag(s), short=True)
        for v, s in zip(rows.current_value, rows.get("current_suppressed", [False] * len(rows)))
    ]
    rows["numerator_text"] = [_count(v, s) for v, s in zip(rows.current_numerator, rows.get("current_count_suppressed", [False] * len(rows)))]
    rows["denominator_text"] = [_count(v) for v in rows.current_denominator]
    rows["chosen"] = rows.area_code == highlight_area
    rows["bar_label"] = [f"\u25b6 {n}" if c else n for n, c in zip(rows.area_name, rows.chosen)]
    source = _source(indicator, rows)
    rows["source_text"] = source
    period_text = next((w for w in rows.get("window_text", []) if w), "")
    keep = [c for c in ("area_code", "area_name", "bar_label", "current_value", "value_text", "label_text", "numerator_text",
                        "denominator_text", "window_text", "source_text", "chosen", "role") if c in rows]
    rows = rows[keep]
    bars_data = rows[rows.role == "bar"].sort_values("current_value", ascending=False, na_position="last")
    references = rows[(rows.role == "reference") & rows.current_value.notna()].reset_index(drop=True)
    tooltip = [
        alt.Tooltip("area_name:N", title="Area"),
        alt.Tooltip("value_text:N", title="Value"),
        alt.Tooltip("numerator_text:N", title=f"Numerator ({indicator.get('measure', '')})"),
        alt.Tooltip("denominator_text:N", title=_denominator_title(indicator)),
        alt.Tooltip("window_text:N", title="Period"),
        alt.Tooltip("source_text:N", title="Source"),
    ]
    label_rows = len(references)
    order = list(bars_data.bar_label)
    y = alt.Y("bar_label:N", sort=order, title=None, axis={"labelLimit": 220 * scale})
    datasets: dict[str, list] = {}
    bar_data = named_data(bars_data, datasets)
    bars = alt.Chart(bar_data, mark="bar").encode(
        y=y,
        x=alt.X("current_value:Q", title=formatting.unit_label(indicator), scale={"zero": True, "nice": True}),
        color=alt.ColorValue(BAR_GREY, condition={"test": alt.datum.chosen, "value": BLUE}),
        tooltip=tooltip,
    )
    labels = alt.Chart(bar_data, mark=_mark("text", align="left", dx=3, fontSize=11 * scale, color="#1A1A1A")).encode(
        y=y, x=alt.X("current_value:Q"), text=alt.Text("label_text:N"), tooltip=tooltip
    )
    layers = [bars, labels]
    band = _band_layer(indicator, orient="x", datasets=datasets)
    if band is not None:
        layers.insert(0, band)
    if label_rows:
        # why: a legend keyed by dash pattern names each line without labels colliding on the bars
        names = [f"{r.area_name}: {r.label_text}" for r in references.itertuples()]
        colours = [BLUE if chosen else DARK for chosen in references.chosen]
        legend = {"orient": "top", "direction": "vertical", "symbolType": "stroke", "symbolSize": 400 * scale, "labelLimit": 400}
        layers.append(alt.Chart(named_data(references.assign(reference=names), datasets),
                                mark=_mark("rule", strokeWidth=2.5 * scale)).encode(
            x=alt.X("current_value:Q"),
            strokeDash=alt.StrokeDash("reference:N", sort=names, title=None,
                                      scale={"domain": names, "range": REFERENCE_DASHES[: len(names)]}, legend=legend),
            color=alt.Color("reference:N", sort=names, title=None, scale={"domain": names, "range": colours}, legend=legend),
            tooltip=tooltip,
        ))
    return _top_level(
        alt.LayerChart, layer=layers, width=width, height=max(len(bars_data), 1) * 26 * scale,
        title=title if title is not None else chart_title(indicator, "every district", period_text, source),
        description=f"{indicator['name']} in each area for the {period_text}, with reference lines for "
                    + (", ".join(references.area_name) if label_rows else "no comparator") + ".",
        large=large, datasets=datasets,
    )


def breakdown_chart(
    parts_rows: pd.DataFrame,
    *,
    indicator: Mapping,
    area_name: str,
    title: str | alt.Title | None = None,
    width: int | str = 460,
    large: bool = False,
) -> alt.LayerChart:
    """What an indicator is made of: each part's count in the current window, labelled with its share.

    ``parts_rows`` is ``IndicatorDetail.parts``: one row per part with ``short_name``,
    ``current_numerator``, ``current_value``, ``share_text``, ``window_text``, the suppression
    flags, ``is_demo`` and ``data_source``. ``indicator`` is the parent.
    """
    rows = parts_rows.copy()
    scale = 1.5 if large else 1.0
    rows["count_text"] = [_count(v, s) for v, s in zip(rows.current_numerator, rows.get("current_count_suppressed", [False] * len(rows)))]
    rows["value_text"] = [
        formatting.format_value(v, r, suppressed=_flag(s))
        for v, r, s in zip(rows.current_value, rows.to_dict("records"), rows.get("current_suppressed", [False] * len(rows)))
    ]
    rows["label_text"] = [f"{c} ({s})" if s and s != SUPPRESSED else c for c, s in zip(rows.count_text, rows.get("share_text", [""] * len(rows)))]
    source = _source(indicator, rows)
    rows["source_text"] = source
    period_text = next((w for w in rows.get("window_text", []) if w), "")
    rows = rows[["short_name", "current_numerator", "count_text", "value_text", "label_text", "share_text", "window_text", "source_text"]]
    tooltip = [
        alt.Tooltip("short_name:N", title="Part"),
        alt.Tooltip("count_text:N", title=f"Count ({indicator.get('measure', '')})"),
        alt.Tooltip("share_text:N", title=f"Share of {indicator.get('short_name', indicator['name'])}"),
        alt.Tooltip("value_text:N", title="Rate"),
        alt.Tooltip("window_text:N", title="Period"),
        alt.Tooltip("source_text:N", title="Source"),
    ]
    order = list(rows.sort_values("current_numerator", ascending=False, na_position="last").short_name)
    y = alt.Y("short_name:N", sort=order, title=None, axis={"labelLimit": 240 * scale})
    datasets: dict[str, list] = {}
    part_data = named_data(rows, datasets)
    bars = alt.Chart(part_data, mark=_mark("bar", color=BAR_BLUE)).encode(
        y=y, x=alt.X("current_numerator:Q", title=f"{indicator.get('measure', 'count')} (count)"), tooltip=tooltip
    )
    labels = alt.Chart(part_data, mark=_mark("text", align="left", dx=3, fontSize=11 * scale, color="#1A1A1A")).encode(
        y=y, x=alt.X("current_numerator:Q"), text=alt.Text("label_text:N"), tooltip=tooltip
    )
    return _top_level(
        alt.LayerChart, layer=[bars, labels], width=width, height=max(len(rows), 1) * 28 * scale,
        title=title if title is not None else chart_title(indicator, area_name, period_text, source, what="breakdown"),
        description=f"What {indicator['name']} in {area_name} is made of, {period_text}: the count of each part and its share.",
        padding={"top": 5, "left": 5, "right": 60, "bottom": 5}, large=large, datasets=datasets,
    )


def covid_change_chart(covid_rows: pd.DataFrame, *, title: str | alt.Title | None = None, width: int | str = 520, large: bool = False) -> alt.LayerChart:
    """Diverging bars of each measure's % change, the force's (from its counts) beside all forces'.

    ``covid_rows`` is ``pagedata.covid_comparison``: ``measure``, ``count_2019``, ``count_2020``,
    ``change_pct``, ``all_forces_pct_change``. Measures with no 2019 count have no % change and are left out.
    """
    scale = 1.5 if large else 1.0
    rows = covid_rows[covid_rows.change_pct.notna()]
    long = pd.concat([
        rows.assign(who="Leicestershire Police (from its counts)", pct=rows.change_pct),
        rows.assign(who="All forces (as reported)", pct=rows.all_forces_pct_change),
    ], ignore_index=True)
    long = long[long.pct.notna()]
    long["pct_text"] = [formatting.format_percent_change(v) for v in long.pct]
    long["count_2019_text"] = [_count(v) for v in long.count_2019]
    long["count_2020_text"] = [_count(v) for v in long.count_2020]
    long = long[["measure", "who", "pct", "pct_text", "count_2019_text", "count_2020_text", "sort_order"]]
    order = list(rows.sort_values("sort_order").measure)
    colour = alt.Color("who:N", title=None, scale={"domain": ["Leicestershire Police (from its counts)", "All forces (as reported)"],
                                                   "range": [BLUE, VERMILLION]})
    tooltip = [alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("who:N", title="Whose change"),
               alt.Tooltip("pct_text:N", title="% change"), alt.Tooltip("count_2019_text:N", title="Force count 2019"),
               alt.Tooltip("count_2020_text:N", title="Force count 2020")]
    datasets: dict[str, list] = {}
    bars = alt.Chart(named_data(long, datasets), mark="bar").encode(
        y=alt.Y("measure:N", sort=order, title=None, axis={"labelLimit": 220 * scale}),
        yOffset=alt.YOffset("who:N", sort=["Leicestershire Police (from its counts)", "All forces (as reported)"]),
        x=alt.X("pct:Q", title="% change, 8 March - 24 May 2020 against 2019"),
        color=colour, tooltip=tooltip,
    )
    zero = alt.Chart(named_data(pd.DataFrame({"x": [0]}), datasets), mark=_mark("rule", color="#1A1A1A")).encode(x=alt.X("x:Q"))
    return _top_level(
        alt.LayerChart, layer=[bars, zero], width=width, height=len(order) * 30 * scale,
        title=title if title is not None else alt.Title(
            "COVID-19: change in demand and crime, Leicestershire Police and all forces",
            subtitle=["8 March - 24 May 2020 against the same dates in 2019 · % change",
                      "Source: Leicestershire Police COVID-19 update to the LSCSB (June 2020)"]),
        description="Percentage change in each measure between 8 March - 24 May 2019 and 2020, for the force and for all forces.",
        large=large, datasets=datasets,
    )


def monthly_counts_chart(
    frame: pd.DataFrame,
    *,
    area_name: str,
    annotations: pd.DataFrame | None = None,
    title: str | alt.Title | None = None,
    width: int | str = DEFAULT_WIDTH,
    large: bool = False,
) -> alt.LayerChart:
    """Monthly counts of several indicators as lines (colour and dash both differ), lockdowns shaded.

    ``frame`` is ``pagedata.covid_series``: ``indicator_name``, ``period``, ``numerator``,
    ``count_suppressed``, ``period_text``, ``is_demo``, ``data_source``.
    """
    scale = 1.5 if large else 1.0
    data = frame.copy()
    data["x"] = pd.to_datetime(data.period).map(_month_middle)
    data["count_text"] = [_count(v, s) for v, s in zip(data.numerator, data.get("count_suppressed", [False] * len(data)))]
    demo = data.get("is_demo", pd.Series(dtype=bool)).map(_flag).any()
    sources = sorted({s for s in data.get("data_source", []) if not formatting.is_missing(s)})
    source = formatting.source_text("; ".join(sources), None, demo)
    data["source_text"] = source
    names = list(dict.fromkeys(data.indicator_name))
    if data.empty:
        start = end = pd.Timestamp("2020-01-01")
    else:
        start, end = pd.to_datetime(data.period).min(), pd.to_datetime(data.period).max() + pd.DateOffset(months=1)
    period_text = f"{formatting.month_name(start)} to {formatting.month_name(end - pd.DateOffset(months=1))}" if len(data) else ""
    data = data[["indicator_name", "numerator", "count_text", "period_text", "source_text"]].assign(x=data.x.dt.strftime("%Y-%m-%d"))
    tooltip = [alt.Tooltip("indicator_name:N", title="Category"), alt.Tooltip("period_text:N", title="Month"),
               alt.Tooltip("count_text:N", title="Count"), alt.Tooltip("source_text:N", title="Source")]
    datasets: dict[str, list] = {}
    lines = alt.Chart(named_data(data, datasets), mark=_mark("line", strokeWidth=2.5 * scale, point={"size": 20 * scale})).encode(
        x=_time_x("x", start, end),
        y=alt.Y("numerator:Q", title="count each month"),
        color=alt.Color("indicator_name:N", title=None, sort=names,
                        scale={"domain": names, "range": SERIES_COLOURS[: len(names)] or [BLUE]}),
        strokeDash=alt.StrokeDash("indicator_name:N", title=None, sort=names,
                                  scale={"domain": names, "range": SERIES_DASHES[: len(names)] or [[1, 0]]}),
        tooltip=tooltip,
    )
    return _top_level(
        alt.LayerChart, layer=[*_annotation_layers(annotations, start, end, height_label=True, datasets=datasets), lines],
        width=width, height=320 * scale,
        title=title if title is not None else alt.Title(
            f"Monthly counts: {area_name}", subtitle=[f"{period_text} · count each month, lockdowns shaded", f"Source: {source}"]),
        description=f"Monthly counts of {', '.join(names)} for {area_name}, {period_text}, with the national lockdowns shaded.",
        large=large, datasets=datasets,
    )


def to_png(chart: alt.TopLevelMixin, scale: float = 2) -> bytes:
    """The chart as PNG bytes rendered at ``scale`` times its size (2 or more stays sharp on a projector)."""
    return spec_to_png(chart.to_json(), scale=scale)


def spec_to_png(spec_json: str, scale: float = 2) -> bytes:
    """A Vega-Lite spec (JSON text) as PNG bytes at ``scale`` times its size."""
    return vl_convert.vegalite_to_png(spec_json, scale=scale)


def spc_chart(frame: pd.DataFrame, *, title: str = "", value_title: str = "value", source: str = "",
              width: int | str = 560, height: int = 320) -> alt.Chart:
    """A control chart: the values, centre line, 3-sigma limits and signals (shape and colour, never colour alone).

    ``source`` (where the figures come from, and whether they are demonstration data) is the subtitle's second line.
    """
    # why: the chart carries only the columns it draws or names in a tooltip
    data = frame[["value", "numerator", "denominator", "centre", "lower", "upper", "chart"]].assign(
        signal_label=frame.signal.map(spc.SIGNAL_LABELS),
        period=pd.to_datetime(frame.period),
    )
    datasets: dict[str, list] = {}
    # why: marks, axis and scales as plain dicts, as in charts._mark: Altair copies its fuller objects at every step
    points_data = named_data(data, datasets)
    x = alt.X("period:T", title=None, axis={"format": "%b %Y", "labelAngle": 0})
    y_scale = {"zero": False}
    limit = {"type": "line", "strokeDash": [5, 3], "color": "#6b6b6b", "interpolate": "step-after"}
    upper = alt.Chart(points_data, mark=limit).encode(x=x, y=alt.Y("upper:Q", scale=y_scale))
    lower = alt.Chart(points_data, mark=limit).encode(x=x, y=alt.Y("lower:Q"))
    centre = alt.Chart(points_data, mark={"type": "line", "color": "#1b1b1b", "strokeWidth": 1}).encode(x=x, y=alt.Y("centre:Q"))
    line = alt.Chart(points_data, mark={"type": "line", "color": "#005ea5", "strokeWidth": 2}).encode(
        x=x, y=alt.Y("value:Q", title=value_title, scale=y_scale))
    tooltip = [
        alt.Tooltip("period:T", title="Period", format="%b %Y"),
        alt.Tooltip("value:Q", title=value_title, format=",.2f"),
        alt.Tooltip("numerator:Q", title="Numerator", format=","),
        alt.Tooltip("denominator:Q", title="Denominator", format=","),
        alt.Tooltip("centre:Q", title="Centre", format=",.2f"),
        alt.Tooltip("lower:Q", title="Lower limit", format=",.2f"),
        alt.Tooltip("upper:Q", title="Upper limit", format=",.2f"),
        alt.Tooltip("signal_label:N", title="Signal"),
        alt.Tooltip("chart:N", title="Chart"),
    ]
    points = alt.Chart(points_data, mark={"type": "point", "filled": True, "size": 60}).encode(
        x=x,
        y=alt.Y("value:Q"),
        shape=alt.Shape("signal_label:N", title="Signal", legend={"orient": "bottom", "columns": 3},
                        scale={"domain": list(spc.SIGNAL_LABELS.values()),
                               "range": ["circle", "triangle-up", "triangle-down", "square", "diamond"]}),
        color=alt.Color("signal_label:N", title="Signal",
                        scale={"domain": list(spc.SIGNAL_LABELS.values()),
                               "range": ["#005ea5", "#d4351c", "#d4351c", "#b35900", "#b35900"]}),
        tooltip=tooltip,
    )
    chart_name = frame.chart.iloc[0] if len(frame) else ""
    subtitle = [text for text in (f"{chart_name}: centre line (solid) and 3-sigma limits (dashed)" if chart_name else "",
                                  source) if text]
    # why: built in one call, as Altair copies every layer again for each step of building a layered chart
    return alt.LayerChart(layer=[upper, lower, centre, line, points], width=width, height=height,
                          title=alt.TitleParams(title, subtitle=subtitle, anchor="start"), datasets=datasets)
