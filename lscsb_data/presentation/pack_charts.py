"""The charts a pack shows for one indicator and area, and their PNGs.

``indicator_charts`` is the one seam between the pack and the chart builders: given the indicator's
periodic figures, its summary row and the annotations, it returns the ``alt.Chart`` objects to render.
"""
from __future__ import annotations

import io
from collections.abc import Mapping

import altair as alt
import pandas as pd
import vl_convert
from PIL import Image

from lscsb_data.presentation import wording

PNG_SCALE = 3
TREND_PERIODS = {"monthly": 24, "quarterly": 12, "annual": 8}
BLUE, GREY, BAND = "#1d70b8", "#6f777b", "#e6e6e6"


def indicator_charts(history: pd.DataFrame, row: Mapping, annotations: pd.DataFrame, *,
                     width: int = 520, height: int = 170) -> list[alt.Chart]:
    """The trend chart of one indicator and area, up to the pack's period."""
    return [trend_chart(history, row, annotations, width=width, height=height)]


def trend_chart(history: pd.DataFrame, row: Mapping, annotations: pd.DataFrame, *,
                width: int = 520, height: int = 170) -> alt.Chart:
    """Each period's figure (solid) against the same period a year earlier (dashed), lockdowns shaded."""
    frequency = row["frequency"]
    shown = history.sort_values("period").tail(TREND_PERIODS.get(frequency, 24))
    if row["unit"] == "rate":
        axis_title = f"per {int(row['multiplier']):,} {'households' if row.get('denominator_basis') == 'households' else 'population'}"
    else:
        axis_title = {"percentage": "per cent", "count": str(row.get("measure", "count"))}.get(row["unit"], str(row.get("measure")))
    long = pd.concat([
        shown[["period", "value"]].assign(series="This period"),
        shown[["period", "previous_year_value"]].rename(columns={"previous_year_value": "value"}).assign(series="A year earlier"),
    ])
    x = alt.X("period:T", title=None,
              axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=max(2, width // 110), labelFontSize=12))
    y = alt.Y("value:Q", title=axis_title, axis=alt.Axis(titleFontSize=12, labelFontSize=12, tickCount=5),
              scale=alt.Scale(zero=row["unit"] != "percentage"))
    lines = alt.Chart(long).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=x, y=y,
        color=alt.Color("series:N", scale=alt.Scale(domain=["This period", "A year earlier"], range=[BLUE, GREY]),
                        legend=None),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=["This period", "A year earlier"],
                                                              range=[[1, 0], [5, 3]]), legend=None),
        tooltip=[alt.Tooltip("period:T", format="%b %Y"), alt.Tooltip("series:N"), alt.Tooltip("value:Q", format=",.2f")],
    )
    layers = [lines]
    start, end = shown.period.min(), shown.period.max()
    lockdowns = annotations[annotations.kind == "lockdown"] if len(annotations) else annotations
    bands = lockdowns.assign(start=pd.to_datetime(lockdowns.start_date), end=pd.to_datetime(lockdowns.end_date))
    bands = bands[(bands.end >= start) & (bands.start <= end)]
    if len(bands):
        layers.insert(0, alt.Chart(bands).mark_rect(color=BAND).encode(x="start:T", x2="end:T"))
    changes = annotations[annotations.kind == "definition_change"] if len(annotations) else annotations
    marks = changes.assign(start=pd.to_datetime(changes.start_date))
    marks = marks[(marks.start >= start) & (marks.start <= end)]
    if len(marks):
        layers.append(alt.Chart(marks).mark_rule(color="#d4351c", strokeDash=[2, 2], strokeWidth=2).encode(x="start:T"))
    band = row.get("polarity") == "target_band" and pd.notna(row.get("band_low")) and pd.notna(row.get("band_high"))
    if band:
        target = pd.DataFrame({"low": [float(row["band_low"])], "high": [float(row["band_high"])]})
        layers.insert(0, alt.Chart(target).mark_rect(color="#cce2d8", opacity=0.6).encode(y="low:Q", y2="high:Q"))
    cadence = {"monthly": "Monthly", "quarterly": "Quarterly", "annual": "Annual"}.get(frequency, "Periodic")
    what = {"rate": f"rate {axis_title}", "count": f"count of {row.get('measure')}", "percentage": "percentage"}.get(
        row["unit"], str(row.get("measure")))
    parts = [f"{cadence} {what} to {pd.Timestamp(shown.period_end.max()):%b %Y} (blue)"]
    if band:
        parts.append(f"target range {float(row['band_low']):g}-{float(row['band_high']):g}% (green)")
    parts.append("a year earlier (grey dashes)")
    if len(bands):
        parts.append("lockdowns shaded")
    if len(marks):
        parts.append("definition change (red dashes)")
    # why: the demonstration-data warning leads its line so that a long source name never truncates it away
    source = f"{'Demonstration data · ' if bool(row.get('is_demo')) else ''}Source: {row['source']}"
    subtitle = [*_wrap(parts, width), source]
    return alt.layer(*layers).properties(
        width=width, height=height,
        title=alt.TitleParams(_title(row, width), subtitle=subtitle, anchor="start",
                              fontSize=16, subtitleFontSize=12, subtitleColor="#505a5f", limit=width + 50),
    ).configure(font="DejaVu Sans", view=alt.ViewConfig(strokeWidth=0))


def _wrap(parts: list[str], width: int) -> list[str]:
    """The key's parts joined into as few subtitle lines as fit the chart (12px text averages about 6.6 px a character)."""
    lines, limit = [], (width + 50) / 6.6
    for part in parts:
        if lines and len(lines[-1]) + 2 + len(part) <= limit:
            lines[-1] += f", {part}"
        else:
            lines.append(part)
    return lines


def _title(row: Mapping, width: int) -> str:
    """"Indicator, Area", with the short name where the full one would not fit across the chart."""
    title = f"{row['indicator_name']}, {row['area_name']}"
    # why: a 16px bold title averages about 9.5 px a character; Vega cuts longer titles off with an ellipsis
    if len(title) * 9.5 > width + 50 and row.get("short_name"):
        title = f"{row['short_name']}, {row['area_name']}"
    return title


def to_png(chart: alt.Chart, scale: int = PNG_SCALE) -> bytes:
    """A PNG at ``scale`` times the chart's size, sharp on a projector."""
    # why: the builders' specs are checked by the tests; validating each again costs a fifth of the render
    return vl_convert.vegalite_to_png(chart.to_dict(validate=False), scale=scale)


def compact_png(png: bytes) -> bytes:
    """The same image, losslessly recompressed (the renderer barely compresses): a third of the size inline."""
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).save(out, "PNG", compress_level=6)
    return out.getvalue()
