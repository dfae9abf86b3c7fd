"""Chart builders: plain functions from the engine's DataFrames to Altair charts, and PNG export.

The app renders these, the PNG downloads render them at 2x or more, and the performance pack
renders the same charts into slides, so the figures on the wall are the figures on screen. Each
builder takes the frame a ``pagedata`` function returns plus plain arguments, returns a finished
(configured) chart, and never imports streamlit. ``indicator`` is a catalogue row as a dict;
``width`` is pixels, or "container" to fill the element that shows the chart (the app does this;
a PNG needs pixels); ``large`` scales type and marks by ``LARGE`` for presentation on a projector. A
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

from lscsb_data.presentation import formatting, palette, vocabulary
from lscsb_data.figures.disclosure import SUPPRESSED

DEFAULT_WIDTH = 620
# How much larger type and marks are on a presentation screen.
LARGE = 1.3
# The column right of a bar chart's plot that holds the bars' values (pixels, before scaling for presentation).
VALUE_COLUMN_GAP = 6
VALUE_COLUMN_WIDTH = 56
# why: a district bar's value and its comparison word ("68.1 \u25bc worse") sit right of the plot
COMPARISON_COLUMN_WIDTH = 104
SHARE_COLUMN_WIDTH = 96
# The columns of a trend chart's rows: its positions, its values and its tooltips' texts.
TREND_FIELDS = [
    "x_start", "x_end", "x_mid", "value", "previous_year_value", "rolling_value", "previous_year_rolling_value",
    "period_text", "value_text", "numerator_text", "denominator_text", "previous_year_text", "complete_text",
    "rolling_text", "rolling_value_text", "rolling_numerator_text", "rolling_denominator_text",
    "previous_year_rolling_text", "source_text", "interval_text", "rolling_interval_text",
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
    band = formatting.band_text(indicator) if indicator.get("polarity") == "target_band" else ""
    shaded = f" · shaded green: the {band} target band" if band else ""
    return alt.Title(heading, subtitle=[f"{period_text} · {unit}{shaded}", f"Source: {source}"], anchor="start")


def _top_level(chart_class, *, large: bool, datasets: dict[str, list], **properties):
    """A finished ``chart_class`` (``alt.LayerChart`` or ``alt.VConcatChart``) in the house style (type, colours,
    legend placement), holding ``datasets``, the rows of its ``named_data``, with every property set at once.

    Altair rebuilds a layered chart, copying every layer, on each ``.properties()``, ``.resolve_scale()`` and
    ``.configure_*()``, so the chart is built in one call rather than step by step.
    """
    scale = LARGE if large else 1.0
    # why: a browser sets a title's line taller than Vega allows for it, so the top needs room for its ascent
    properties.setdefault("padding", {"top": 8, "left": 5, "right": 5, "bottom": 5})
    if chart_class is not alt.VConcatChart and properties.get("width") == "container":
        # why: with the default autosize a chart filling its container is cut off below its stated height
        properties["autosize"] = alt.AutoSizeParams(type="fit-x", contains="padding")
    config = alt.Config(
        font=palette.FONT, background="white",
        title=alt.TitleConfig(fontSize=17 * scale, subtitleFontSize=13 * scale, color=palette.INK, subtitleColor=palette.TEXT,
                              anchor="start", offset=8),
        axis=alt.AxisConfig(labelFontSize=12 * scale, titleFontSize=13 * scale, labelColor=palette.TEXT, titleColor=palette.TEXT,
                            gridColor=palette.GRID, domainColor=palette.AXIS, tickColor=palette.AXIS),
        legend=alt.LegendConfig(labelFontSize=12 * scale, titleFontSize=13 * scale, labelLimit=320, labelColor=palette.TEXT,
                                titleColor=palette.TEXT, orient="top", direction="horizontal"),
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
        rect = alt.Chart(band_data, mark=_mark("rect", color=palette.LOCKDOWN_FILL, opacity=palette.LOCKDOWN_OPACITY)).encode(
            x=_time_x("start", start, end), x2=alt.X2("end:T"),
            tooltip=[alt.Tooltip("label:N", title="Period"), alt.Tooltip("description:N", title="What")]
        )
        layers.append(rect)
        if height_label:
            layers.append(alt.Chart(band_data, mark=_mark("text", align="left", baseline="top", dx=2, dy=2, fontSize=10,
                                                          color=palette.TEXT))
                          .encode(x=alt.X("start:T"), y=alt.YValue(0), text=alt.TextValue("Lockdown")))
    changes = frame[frame.kind == "definition_change"]
    if len(changes):
        layers.append(alt.Chart(named_data(changes, datasets),
                                mark=_mark("rule", color=palette.DEFINITION_CHANGE, strokeDash=[4, 3], strokeWidth=1.5)).encode(
            x=_time_x("start", start, end),
            tooltip=[alt.Tooltip("label:N", title="Definition change"), alt.Tooltip("description:N", title="What")]
        ))
        if height_label:
            # why: a marker in the right half is labelled to its left so the label stays inside the chart
            middle = start + (end - start) / 2
            for align, side in (("left", changes[changes.start <= middle]), ("right", changes[changes.start > middle])):
                if len(side):
                    layers.append(alt.Chart(named_data(side, datasets), mark=_mark(
                        "text", align=align, baseline="top", dx=3 if align == "left" else -3, dy=14, fontSize=10, color=palette.DEFINITION_CHANGE,
                    )).encode(x=alt.X("start:T"), y=alt.YValue(0), text=alt.Text("label:N")))
    return layers


def _band_layer(indicator: Mapping, *, orient: str, datasets: dict[str, list]):
    """The target band (MARAC repeats 20-40%) as a shaded strip edged in green; None for other indicators.

    On a bar chart (``orient`` "x") it is stronger and edged, and shows in the gaps between the bars.
    """
    low, high = indicator.get("band_low"), indicator.get("band_high")
    if indicator.get("polarity") != "target_band" or formatting.is_missing(low) or formatting.is_missing(high):
        return None
    band = pd.DataFrame({"low": [low], "high": [high], "label": [f"Target band {formatting.band_text(indicator)}"]})
    over_bars = orient == "x"
    strip = alt.Chart(named_data(band, datasets), mark=_mark(
        "rect", color=palette.BAND_FILL, stroke=palette.BAND_TEXT, strokeWidth=1 if over_bars else 0,
        opacity=palette.BAND_OVER_BARS_OPACITY if over_bars else palette.BAND_OPACITY))
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
    height: int | None = None,
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
    does a series with no complete 12-month window. ``height`` is the plots' height in all (the pack fits a slide's
    box with it); by default 370 pixels for two panels and 240 for one, scaled for ``large``.
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
    scale = LARGE if large else 1.0
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
        alt.Tooltip("interval_text:N", title="95% confidence interval"),
        alt.Tooltip("numerator_text:N", title=f"Numerator ({indicator.get('measure', '')})"),
        alt.Tooltip("denominator_text:N", title=denominator_title),
        alt.Tooltip("previous_year_text:N", title="Same period a year earlier"),
        alt.Tooltip("complete_text:N", title="Complete"),
        alt.Tooltip("source_text:N", title="Source"),
    ]
    bars = alt.Chart(trend, mark=_mark("bar", color=palette.BAR)).encode(
        x=_time_x("x_start", start, end), x2=alt.X2("x_end:T"),
        y=alt.Y("value:Q", title=None),
        y2=alt.Y2Datum(0),
        tooltip=bar_tooltip,
    )
    year_earlier = alt.Chart(trend, mark=_mark("line", color=palette.YEAR_EARLIER, strokeDash=[5, 3], point={"color": palette.YEAR_EARLIER, "size": 18})).encode(
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
    total = height if height is not None else 370 * scale
    if alone:
        return _top_level(alt.LayerChart, layer=panel_layers, width=width, height=height or 240 * scale, title=resolved_title,
                          description=description, large=large, datasets=datasets)
    periodic = alt.LayerChart(layer=panel_layers, width=width, height=round(total * 0.4),
                              title={"text": f"{per} (bars); the same period a year earlier (dashed)",
                                     "fontSize": 12 * scale, "fontWeight": "normal", "color": palette.TEXT})
    rolling_tooltip = [
        alt.Tooltip("rolling_text:N", title="Period"),
        alt.Tooltip("rolling_value_text:N", title="Value"),
        alt.Tooltip("rolling_interval_text:N", title="95% confidence interval"),
        alt.Tooltip("rolling_numerator_text:N", title=f"Numerator ({indicator.get('measure', '')})"),
        alt.Tooltip("rolling_denominator_text:N", title=denominator_title),
        alt.Tooltip("previous_year_rolling_text:N", title="Same 12 months a year earlier"),
        alt.Tooltip("source_text:N", title="Source"),
    ]
    rolling_line = alt.Chart(trend, mark=_mark("line", color=palette.CHOSEN, strokeWidth=3 * scale,
                                               point={"color": palette.CHOSEN, "size": 30 * scale})).encode(
        x=_time_x("x_mid", start, end),
        y=alt.Y("rolling_value:Q", title=None),
        tooltip=rolling_tooltip,
    )
    rolling_year_earlier = alt.Chart(trend, mark=_mark("line", color=palette.YEAR_EARLIER, strokeDash=[5, 3], strokeWidth=2)).encode(
        x=alt.X("x_mid:T"), y=alt.Y("previous_year_rolling_value:Q"), tooltip=rolling_tooltip
    )
    rolling_layers = [*_annotation_layers(annotations, start, end, height_label=True, datasets=datasets), rolling_line,
                      rolling_year_earlier]
    if band is not None:
        rolling_layers.insert(0, band)
    rolling = alt.LayerChart(
        layer=rolling_layers, width=width, height=round(total * 0.6),
        title={"text": "Rolling 12 months (blue line); the same 12 months a year earlier (dashed)",
               "fontSize": 12 * scale, "fontWeight": "normal", "color": palette.TEXT},
    )
    return _top_level(alt.VConcatChart, vconcat=[rolling, periodic], spacing=18,
                      resolve=alt.Resolve(scale=alt.ScaleResolveMap(x="shared")), title=resolved_title,
                      description=description, large=large, datasets=datasets)


def comparison_chart(
    summary_rows: pd.DataFrame,
    *,
    indicator: Mapping,
    highlight_area: str,
    comparator_name: str = "",
    title: str | alt.Title | None = None,
    width: int | str = 460,
    height: int | None = None,
    large: bool = False,
) -> alt.LayerChart:
    """Every district's (and unitary's) figure as a bar with its 95% confidence interval, coloured by how it compares
    with the comparator (better, similar, worse; higher, lower), the comparator as one labelled line and the chosen
    area marked (an outline and a pointer on its label). Each bar's value and comparison word sit in a column right
    of the plot, where no line covers them.

    ``summary_rows`` is ``IndicatorDetail.districts``: summary rows of one indicator against one comparator, with
    ``role`` ("bar" or "reference"), ``area_code``, ``area_name``, ``current_value``, ``current_lower_95``,
    ``current_upper_95``, ``comparison``, ``comparator_value``, ``current_numerator``, ``current_denominator``,
    ``window_text``, ``current_suppressed`` and ``is_demo`` / ``data_source``. An indicator reported only for the whole
    force (no district has a figure) draws the force's bar, saying so.
    """
    rows = summary_rows.copy()
    scale = LARGE if large else 1.0
    bars_data = rows[rows.role == "bar"]
    force_wide = not bars_data.current_value.notna().any()
    if force_wide:
        # why: IOM and probation re-offending are reported for LLR only; its bar says so rather than nine empty ones
        bars_data = rows[(rows.role == "reference") & rows.current_value.notna() & (rows.area_type == "force")]
    bars_data = bars_data.copy()
    suppressed = [_flag(v) for v in bars_data.get("current_suppressed", [False] * len(bars_data))]
    terms = [vocabulary.comparison(c) for c in bars_data.get("comparison", [""] * len(bars_data))]
    bars_data["value_text"] = [_fmt(v, indicator, s) for v, s in zip(bars_data.current_value, suppressed)]
    # why: the similar mark (a circle) is not in the chart's typeface, and a fallback font would set the label apart
    bars_data["label_text"] = [
        formatting.format_value(v, indicator, suppressed=s, short=True)
        + (f" {t.glyph if t.shape != 'circle' else ''} {t.word.replace(' the band', ' band')}".replace("  ", " ")
           if t.code not in ("", "not_comparable", "not_enough_data") else "")
        for v, s, t in zip(bars_data.current_value, suppressed, terms)]
    bars_data["interval_text"] = [formatting.interval_text(lo, hi, indicator, of=v) for lo, hi, v in
                                  zip(bars_data.current_lower_95, bars_data.current_upper_95, bars_data.current_value)]
    bars_data["comparison_text"] = [t.word if t.code else "not compared" for t in terms]
    if indicator.get("polarity") == "target_band":
        band = formatting.band_text(indicator)
        tone_names = {"good": f"within the {band} band", "bad": f"outside the {band} band", "neutral": "", "none": "not compared"}
    else:
        tone_names = {"good": f"better than {comparator_name}".strip(), "bad": f"worse than {comparator_name}".strip(),
                      "neutral": "similar" if indicator.get("polarity") != "neutral" else "higher, similar or lower (no direction judged)",
                      "none": "a count: not compared between areas" if indicator.get("unit") == "count" else "not compared"}
    bars_data["tone"] = [tone_names[t.tone if t.code not in ("", "not_comparable", "not_enough_data") else "none"]
                         for t in terms]
    bars_data["numerator_text"] = [_count(v, s) for v, s in zip(bars_data.current_numerator,
                                                              bars_data.get("current_count_suppressed", [False] * len(bars_data)))]
    bars_data["denominator_text"] = [_count(v) for v in bars_data.current_denominator]
    bars_data["chosen"] = bars_data.area_code == highlight_area
    bars_data["bar_label"] = [f"\u25b6 {n}" if c else n for n, c in zip(bars_data.area_name, bars_data.chosen)]
    source = _source(indicator, bars_data)
    bars_data["source_text"] = source
    period_text = next((w for w in bars_data.get("window_text", []) if w), "")
    comparator_value = next((v for v in rows.get("comparator_value", []) if not formatting.is_missing(v)), None)
    keep = ["area_code", "area_name", "bar_label", "current_value", "current_lower_95", "current_upper_95", "value_text",
            "label_text", "interval_text", "comparison_text", "tone", "numerator_text", "denominator_text", "window_text",
            "source_text", "chosen"]
    bars_data = bars_data[keep].sort_values("current_value", ascending=False, na_position="last")
    tooltip = [
        alt.Tooltip("area_name:N", title="Area"),
        alt.Tooltip("value_text:N", title="Value"),
        alt.Tooltip("interval_text:N", title="95% confidence interval"),
        alt.Tooltip("comparison_text:N", title=f"Against {comparator_name}" if comparator_name else "Comparison"),
        alt.Tooltip("numerator_text:N", title=f"Numerator ({indicator.get('measure', '')})"),
        alt.Tooltip("denominator_text:N", title=_denominator_title(indicator)),
        alt.Tooltip("window_text:N", title="Period"),
        alt.Tooltip("source_text:N", title="Source"),
    ]
    order = list(bars_data.bar_label)
    # why: gaps between the bars let the target band and the comparator line show through
    y = alt.Y("bar_label:N", sort=order, title=None, axis={"labelLimit": 220 * scale}, scale={"paddingInner": 0.35})
    datasets: dict[str, list] = {}
    bar_data = named_data(bars_data, datasets)
    tone_colours = {"good": palette.GOOD, "bad": palette.BAD, "neutral": palette.OTHER, "none": palette.OTHER}
    present_tones = [name for name in tone_names.values() if name in set(bars_data.tone)]
    colour_of = {tone_names[t]: tone_colours[t] for t in tone_names}
    bars = alt.Chart(bar_data, mark=_mark("bar", stroke=palette.INK)).encode(
        y=y,
        x=alt.X("current_value:Q", title=formatting.unit_label(indicator), scale={"zero": True, "nice": True}),
        color=alt.Color("tone:N", title=None, sort=present_tones,
                        scale={"domain": present_tones, "range": [colour_of[t] for t in present_tones]},
                        legend={"orient": "top", "direction": "vertical", "labelLimit": 420}),
        strokeWidth=alt.StrokeWidthValue(0, condition={"test": alt.datum.chosen, "value": 2.5 * scale}),
        tooltip=tooltip,
    )
    whiskers = alt.Chart(bar_data, mark=_mark("rule", color=palette.INK, strokeWidth=1.4 * scale)).encode(
        y=y, x=alt.X("current_lower_95:Q"), x2=alt.X2("current_upper_95:Q"), tooltip=tooltip)
    caps = [alt.Chart(bar_data, mark=_mark("tick", color=palette.INK, thickness=1.4 * scale, size=10 * scale,
                                           orient="vertical")).encode(y=y, x=alt.X(f"{end}:Q"), tooltip=tooltip)
            for end in ("current_lower_95", "current_upper_95")]
    # why: each value sits in a column right of the plot, where no bar, band or line can cover it
    labels = alt.Chart(bar_data, mark=_mark("text", align="left", x="width", dx=VALUE_COLUMN_GAP * scale,
                                            fontSize=11 * scale, color=palette.INK)).encode(
        y=y, text=alt.Text("label_text:N"), tooltip=tooltip)
    layers = [bars, whiskers, *caps, labels]
    band = _band_layer(indicator, orient="x", datasets=datasets)
    if band is not None:
        layers.insert(0, band)
    if comparator_value is not None and not force_wide:
        name = f"{comparator_name}: {formatting.format_value(comparator_value, indicator, short=True)}"
        line = pd.DataFrame({"comparator_value": [comparator_value], "reference": [name]})
        legend = {"orient": "top", "direction": "vertical", "symbolType": "stroke", "symbolSize": 400 * scale,
                  "symbolStrokeWidth": 2.5 * scale, "labelLimit": 420}
        layers.append(alt.Chart(named_data(line, datasets), mark=_mark("rule", strokeWidth=2.5 * scale)).encode(
            x=alt.X("comparator_value:Q"),
            strokeDash=alt.StrokeDash("reference:N", title=None, scale={"domain": [name], "range": [palette.REFERENCE_DASHES[0]]},
                                      legend=legend),
            color=alt.ColorValue(palette.REFERENCE_COLOURS[0]),
        ))
    where = "LLR as a whole (not reported by district)" if force_wide else "every district"
    return _top_level(
        alt.LayerChart, layer=layers, width=width, height=height or max(len(bars_data), 1) * 26 * scale,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent", strokeDash="independent")),
        title=title if title is not None else chart_title(indicator, where, period_text, source),
        description=f"{indicator['name']} in each area for the {period_text} with 95% confidence intervals, coloured by "
                    f"comparison with {comparator_name or 'no comparator'}"
                    + (f", whose value is the line at {formatting.format_value(comparator_value, indicator, short=True)}"
                       if comparator_value is not None and not force_wide else "") + ".",
        padding={"top": 8, "left": 5, "right": COMPARISON_COLUMN_WIDTH * scale, "bottom": 5}, large=large, datasets=datasets,
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
    scale = LARGE if large else 1.0
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
    bars = alt.Chart(part_data, mark=_mark("bar", color=palette.BAR)).encode(
        y=y, x=alt.X("current_numerator:Q", title=f"{indicator.get('measure', 'count')} (count)"), tooltip=tooltip
    )
    labels = alt.Chart(part_data, mark=_mark("text", align="left", x="width", dx=VALUE_COLUMN_GAP * scale,
                                             fontSize=11 * scale, color=palette.INK)).encode(
        y=y, text=alt.Text("label_text:N"), tooltip=tooltip
    )
    return _top_level(
        alt.LayerChart, layer=[bars, labels], width=width, height=max(len(rows), 1) * 28 * scale,
        title=title if title is not None else chart_title(indicator, area_name, period_text, source, what="breakdown"),
        description=f"What {indicator['name']} in {area_name} is made of, {period_text}: the count of each part and its share.",
        padding={"top": 8, "left": 5, "right": SHARE_COLUMN_WIDTH * scale, "bottom": 5}, large=large, datasets=datasets,
    )


def covid_change_chart(covid_rows: pd.DataFrame, *, title: str | alt.Title | None = None, width: int | str = 520, large: bool = False) -> alt.LayerChart:
    """Diverging bars of each measure's % change, the force's (from its counts) beside all forces'.

    ``covid_rows`` is ``pagedata.covid_comparison``: ``measure``, ``count_2019``, ``count_2020``,
    ``change_pct``, ``all_forces_pct_change``. Measures with no 2019 count have no % change and are left out.
    """
    scale = LARGE if large else 1.0
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
                                                   "range": palette.SERIES_COLOURS[:2]})
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
    zero = alt.Chart(named_data(pd.DataFrame({"x": [0]}), datasets), mark=_mark("rule", color=palette.INK)).encode(x=alt.X("x:Q"))
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
) -> alt.VConcatChart:
    """Monthly counts of several indicators, one small panel each with its own count axis, lockdowns shaded.

    Categories differ tenfold in size, so on one shared axis the small ones would lie flat along the bottom; each
    panel is named in its title, and the panels share the month axis. ``frame`` is ``pagedata.covid_series``:
    ``indicator_name``, ``period``, ``numerator``, ``count_suppressed``, ``period_text``, ``is_demo``, ``data_source``.
    """
    scale = LARGE if large else 1.0
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
    panels = []
    for index, name in enumerate(names or [""]):
        colour = palette.SERIES_COLOURS[index % len(palette.SERIES_COLOURS)]
        last = index == len(names) - 1
        x = _time_x("x", start, end)
        if not last:
            x = alt.X("x:T", scale={"domain": [start.isoformat(), end.isoformat()], "type": "utc"},
                      axis={"format": "%b %Y", "labels": False, "ticks": False, "title": None, "tickCount": 6})
        line = alt.Chart(named_data(data[data.indicator_name == name], datasets),
                         mark=_mark("line", color=colour, strokeWidth=2.5 * scale, point={"size": 20 * scale, "color": colour})).encode(
            x=x, y=alt.Y("numerator:Q", title=None, axis={"tickCount": 3, "format": ",d"}, scale={"zero": True, "nice": True}),
            tooltip=tooltip,
        )
        panels.append(alt.LayerChart(
            layer=[*_annotation_layers(annotations, start, end, height_label=index == 0, datasets=datasets), line],
            width=width, height=70 * scale,
            title={"text": name, "fontSize": 13 * scale, "fontWeight": "bold", "color": palette.INK, "anchor": "start", "offset": 4},
        ))
    return _top_level(
        alt.VConcatChart, vconcat=panels, spacing=10 * scale,
        title=title if title is not None else alt.Title(
            f"Monthly counts: {area_name}",
            subtitle=[f"{period_text} · count each month, each category on its own scale; lockdowns shaded", f"Source: {source}"]),
        description=f"Monthly counts of {', '.join(names)} for {area_name}, {period_text}, each on its own scale, "
                    "with the national lockdowns shaded. The figures are in the table below the chart.",
        large=large, datasets=datasets,
    )


def screen_specs(spec: dict) -> list[dict]:
    """A chart's Vega-Lite spec as the screen draws it, each part filling the width of its element.

    Vega-Lite fits only a single or layered view to its container, so a stack of panels (``vconcat``) would
    overrun its element by its axes; on screen each panel is drawn as its own chart, the first carrying the
    stack's title (with the panel's own heading as a last subtitle line). A PNG keeps the stack whole.
    """
    if "vconcat" not in spec:
        return [spec]
    shared = {key: value for key, value in spec.items() if key not in ("vconcat", "title", "resolve", "spacing")}
    panels = []
    for index, panel in enumerate(spec["vconcat"]):
        one = {**shared, **panel, "autosize": {"type": "fit-x", "contains": "padding"}}
        if index == 0 and spec.get("title"):
            title = dict(spec["title"]) if isinstance(spec["title"], dict) else {"text": spec["title"]}
            own = panel.get("title", {})
            own_text = own.get("text", "") if isinstance(own, dict) else str(own)
            subtitle = title.get("subtitle", [])
            subtitle = [subtitle] if isinstance(subtitle, str) else list(subtitle)
            title["subtitle"] = [*subtitle, own_text] if own_text else subtitle
            one["title"] = title
        panels.append(one)
    return panels


PNG_FONTS_REGISTERED = False


def _register_fonts() -> None:
    """Give the PNG renderer the charts' typeface (Source Sans Pro, from the font-source-sans-pro package), once."""
    global PNG_FONTS_REGISTERED
    if not PNG_FONTS_REGISTERED:
        import font_source_sans_pro

        vl_convert.register_font_directory(font_source_sans_pro.font_directory)
        PNG_FONTS_REGISTERED = True


def to_png(chart: alt.TopLevelMixin | dict, scale: float = 2) -> bytes:
    """The chart (or its Vega-Lite spec) as PNG bytes at ``scale`` times its size, in the screen's typeface."""
    _register_fonts()
    # why: the builders' specs are checked by the tests; validating each again costs a fifth of the render
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    return vl_convert.vegalite_to_png(spec, scale=scale)


def spc_chart(frame: pd.DataFrame, *, title: str = "", value_title: str = "value", source: str = "",
              width: int | str = 560, height: int = 300, large: bool = False) -> alt.LayerChart:
    """A control chart: each period's value against its average and its usual range (the control limits), with
    unusual periods marked by shape and colour, never colour alone.

    ``source`` (where the figures come from, and whether they are demonstration data) is the subtitle's second line.
    """
    scale = LARGE if large else 1.0
    data = spc_rows(frame)[["value", "centre", "lower", "upper", "period", "period_text", "value_text", "centre_text",
                            "range_text", "signal_text"]]
    datasets: dict[str, list] = {}
    points_data = named_data(data, datasets)
    x = alt.X("period:T", title=None, axis={"format": "%b %Y", "labelAngle": 0, "tickCount": 6}, scale={"type": "utc"})
    y_scale = {"zero": False}
    limit = _mark("line", strokeDash=[5, 3], color=palette.LIMIT_LINE, interpolate="step-after", strokeWidth=1.5 * scale)
    upper = alt.Chart(points_data, mark=limit).encode(x=x, y=alt.Y("upper:Q", scale=y_scale))
    lower = alt.Chart(points_data, mark=limit).encode(x=x, y=alt.Y("lower:Q"))
    centre = alt.Chart(points_data, mark=_mark("line", color=palette.CENTRE_LINE, strokeWidth=1 * scale)).encode(
        x=x, y=alt.Y("centre:Q"))
    line = alt.Chart(points_data, mark=_mark("line", color=palette.CHOSEN, strokeWidth=2 * scale)).encode(
        x=x, y=alt.Y("value:Q", title=value_title, scale=y_scale))
    tooltip = [
        alt.Tooltip("period_text:N", title="Period"),
        alt.Tooltip("value_text:N", title="Value"),
        alt.Tooltip("centre_text:N", title="Average"),
        alt.Tooltip("range_text:N", title="Usual range"),
        alt.Tooltip("signal_text:N", title="This period"),
    ]
    words = [term.word for term in vocabulary.SIGNALS.values()]
    points = alt.Chart(points_data, mark=_mark("point", filled=True, opacity=1, size=60 * scale)).encode(
        x=x,
        y=alt.Y("value:Q"),
        shape=alt.Shape("signal_text:N", title=None, legend={"orient": "bottom", "columns": 3},
                        scale={"domain": words, "range": palette.SIGNAL_SHAPES}),
        color=alt.Color("signal_text:N", title=None, scale={"domain": words, "range": palette.SIGNAL_COLOURS}),
        tooltip=tooltip,
    )
    subtitle = ["Each period (blue), its average (solid line) and its usual range (dashed lines)", source]
    return _top_level(alt.LayerChart, layer=[upper, lower, centre, line, points], width=width, height=height * scale,
                      title=alt.Title(title, subtitle=[t for t in subtitle if t]),
                      description=f"{title}: each period's value against its average and usual range. "
                                  "The figures are in the table beside the chart.",
                      large=large, datasets=datasets)


def spc_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A control chart's frame (``spc.control_chart``) with each period's figures worded, as its tooltips and its
    table show them: ``period_text``, ``value_text``, ``centre_text``, ``range_text`` and ``signal_text``."""
    unit = _unit_of(frame)
    signals = vocabulary.SIGNALS

    def shown(value) -> str:
        return formatting.figure(value, unit, precise=True)

    return frame.assign(
        period=pd.to_datetime(frame.period).dt.strftime("%Y-%m-%d"),
        period_text=[formatting.month_name(p) for p in frame.period],
        value_text=[shown(v) for v in frame.value],
        centre_text=[shown(v) for v in frame.centre],
        range_text=[f"{shown(lo)} to {shown(hi)}" for lo, hi in zip(frame.lower, frame.upper)],
        signal_text=[signals.get(code, signals[""]).word for code in frame.signal],
    )


def _unit_of(frame: pd.DataFrame) -> str:
    """A control chart's unit, from its chart kind (c counts, u rates, p percentages, XmR ratios)."""
    kind = str(frame.chart.iloc[0]) if len(frame) else ""
    return {"c": "count", "u": "rate", "p": "percentage", "X": "ratio"}.get(kind[:1], "rate")
