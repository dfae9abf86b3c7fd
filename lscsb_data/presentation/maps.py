"""Maps: a district map of any indicator and an LSOA map of police.uk crime, drawn with Altair's geoshape.

The shapes are the TopoJSON files in ``data/boundaries/`` (``sources.csv`` names each file's object, code and
name properties), inlined into the chart as named datasets, so a map needs no network and exports to PNG with
vl-convert like every other chart. Every map carries, under it, the boundaries' attribution (and police.uk's
credit when it shows police.uk figures); tooltips give the figure, its period and its source.

``district_rows`` is ``IndicatorDetail.districts`` (the summary of every district and unitary, worded);
``counts`` is ``places.LsoaCounts``. ``width`` and ``large`` as for ``charts``.
"""
from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from functools import cache

import altair as alt
import pandas as pd

from lscsb_data.config import DATA_DIR
from lscsb_data.presentation import charts, formatting, palette, vocabulary

BOUNDARIES = DATA_DIR / "boundaries"
POLICEUK_CREDIT = ("Contains public sector information licensed under the Open Government Licence v3.0 "
                   "(data.police.uk, ONS).")
NO_DATA = palette.PALE
OUTLINE = palette.INK
LSOA_CLASSES = 5
TOP_LSOAS = 10
DEFAULT_HEIGHT = 400
MIN_HEIGHT = 260
# A map's drawing width on screen at 1280 pixels across (its column less padding), for a map as wide as its column.
SCREEN_WIDTH = 440


@cache
def sources() -> dict[tuple[str, str], dict]:
    """``sources.csv`` keyed by (level, area code): district files under ("district", "")."""
    with open(BOUNDARIES / "sources.csv", newline="") as handle:
        return {(row["level"], row["area_code"]): row for row in csv.DictReader(handle)}


@cache
def _topology(file: str) -> dict:
    return json.loads((BOUNDARIES / file).read_text())


def mapped_lsoa_areas() -> list[str]:
    """The local authorities whose LSOAs can be drawn."""
    return sorted(code for level, code in sources() if level == "lsoa")


def attribution(*, policeuk: bool) -> list[str]:
    """The lines under a map: the boundaries' attribution, and police.uk's credit for police.uk figures."""
    text = next(iter(sources().values()))["attribution"]
    lines = _wrap(text, CREDIT_WRAP)
    return lines + (_wrap(POLICEUK_CREDIT, CREDIT_WRAP) if policeuk else [])


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def _arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The topology's arcs as (longitude, latitude) points."""
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)
    return arcs


@cache
def district_bounds() -> dict[str, tuple[float, float, float, float]]:
    """Each district's (west, south, east, north) in degrees."""
    source = sources()[("district", "")]
    topology = _topology(source["file"])
    arcs = _arcs(topology)
    found = {}
    for geometry in topology["objects"][source["object"]]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        points = [point for polygon in polygons for ring in polygon for index in ring
                  for point in arcs[index if index >= 0 else ~index]]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        found[geometry["properties"][source["code_property"]]] = (min(xs), min(ys), max(xs), max(ys))
    return found


def fitted_height(codes: list[str], width: int | str, *, limit: int = DEFAULT_HEIGHT) -> int:
    """A map's height for the districts ``codes`` at ``width`` (a column's usual width on screen for "container"):
    their Mercator shape's, between ``MIN_HEIGHT`` and ``limit``, so a wide district has no empty band above and below."""
    boxes = [district_bounds()[code] for code in codes if code in district_bounds()]
    if not boxes:
        return limit
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    ratio = (_mercator_y(north) - _mercator_y(south)) / math.radians(east - west)
    across = width if isinstance(width, (int, float)) else SCREEN_WIDTH
    return int(min(limit, max(MIN_HEIGHT, round(across * ratio))))


def _mercator_y(latitude: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))


@cache
def centroids(level: str, area_code: str = "") -> dict[str, tuple[float, float]]:
    """Each shape's label point (longitude, latitude): the centroid of its largest ring."""
    source = sources()[(level, area_code)]
    topology = _topology(source["file"])
    arcs = _arcs(topology)

    def ring(indices):
        points = []
        for index in indices:
            part = arcs[index] if index >= 0 else arcs[~index][::-1]
            points += part if not points else part[1:]
        return points

    found = {}
    for geometry in topology["objects"][source["object"]]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        best = max((_ring_centroid(ring(polygon[0])) for polygon in polygons), key=lambda c: c[2])
        found[geometry["properties"][source["code_property"]]] = (best[0], best[1])
    return found


@cache
def label_points() -> dict[str, tuple[float, float]]:
    """Where each district's name goes: its centroid, unless ``labels.csv`` places it (a small district's name
    beside it, a neighbour's moved to make room)."""
    points = dict(centroids("district"))
    with open(BOUNDARIES / "labels.csv", newline="") as handle:
        points.update({row["code"]: (float(row["longitude"]), float(row["latitude"])) for row in csv.DictReader(handle)})
    return points


def _labels(data: alt.NamedData, text_field: str, *, size: float, bold: bool, dy: float, tooltip=None) -> list[alt.Chart]:
    """Text with a white halo (drawn twice: a white outline, then the text), legible on any shade."""
    mark = {"type": "text", "fontSize": size, "font": palette.FONT, "fontWeight": "bold" if bold else "normal", "dy": dy}
    halo = alt.Chart(data, mark={**mark, "color": "white", "stroke": "white", "strokeWidth": 3.5, "strokeJoin": "round"})
    text = alt.Chart(data, mark={**mark, "color": palette.INK})
    encoding = {"longitude": "longitude:Q", "latitude": "latitude:Q", "text": f"{text_field}:N"}
    return [halo.encode(**encoding).project(type="mercator"),
            text.encode(**encoding, **({"tooltip": tooltip} if tooltip else {})).project(type="mercator")]


def _ring_centroid(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(x, y, area) of a closed ring, by the shoelace formula."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not area:
        return points[0][0], points[0][1], 0.0
    return cx / (3 * area), cy / (3 * area), abs(area) / 2


class MapChart:
    """A finished map: the Altair chart and the shapes it draws, joined only in its Vega-Lite spec.

    why: walking a topology's hundred thousand coordinates through Altair's ``to_dict`` takes seconds, so the
    shapes join the chart's ``datasets`` after Altair has built the rest (``to_dict`` and ``to_json`` as Altair's).
    """

    def __init__(self, chart: alt.VConcatChart, shapes: dict[str, dict]):
        self.chart = chart
        self.shapes = shapes

    def to_dict(self, *args, **kwargs) -> dict:
        spec = self.chart.to_dict(*args, **kwargs)
        spec.setdefault("datasets", {}).update(self.shapes)
        return spec

    def to_json(self, *args, indent: int | None = None, **kwargs) -> str:
        return json.dumps(self.to_dict(*args, **kwargs), indent=indent)


def _shapes(shapes: dict, level: str, area_code: str = "") -> alt.NamedData:
    source = sources()[(level, area_code)]
    name = f"shapes-{level}-{area_code or 'all'}"
    shapes[name] = _topology(source["file"])
    return alt.NamedData(name=name, format=alt.DataFormat(type="topojson", feature=source["object"]))


CREDIT_WRAP = 78
CREDIT_LAYER = "attribution"


def _framed(layers: list, *, width: int | str, height: float, title: alt.Title, lines: list[str], description: str,
            large: bool, datasets: dict, shapes: dict) -> MapChart:
    """One layered view: the title and the legend above the map, the attribution written under it as a text layer.

    why: a view holds one title, and a stack of views (a title above, the attribution as a bottom title) is drawn
    on screen as separate charts (``charts.screen_specs``), which lost the map's own title; one view is the same
    chart on screen, in the PNG and in the pack.
    """
    scale = 1.5 if large else 1.0
    size = 10.5 * scale
    credit = alt.Chart(alt.Data(values=[{}]), name=CREDIT_LAYER, mark={
        "type": "text", "text": lines, "align": "left", "baseline": "top", "fontSize": size, "lineHeight": size * 1.3,
        "font": palette.FONT, "color": palette.TEXT,
    }).encode(x=alt.value(0), y=alt.value(height + 10 * scale))
    chart = charts._top_level(
        alt.LayerChart, layer=[*layers, credit], width=width, height=height, title=title, large=large, datasets=datasets,
        description=description, padding={"left": 12, "right": 12, "top": 8, "bottom": 8},
    )
    return MapChart(chart, shapes)


def credit_lines(spec: dict) -> list[str]:
    """The attribution lines written under a map, read back from its Vega-Lite spec (for tests and checks)."""
    return next(layer["mark"]["text"] for layer in spec["layer"] if layer.get("name") == CREDIT_LAYER)


def district_map(
    district_rows: pd.DataFrame,
    *,
    indicator: Mapping,
    highlight_area: str,
    width: int | str = 560,
    height: int | None = None,
    large: bool = False,
    shade: str = "value",
    area_names: Mapping[str, str] | None = None,
) -> MapChart:
    """Each mapped district's (and unitary's) value, the chosen area outlined, with its name and value on it.

    ``shade`` "value" shades darker for more; "comparison" shades each by how it compares with its comparator
    (the rows' ``comparison`` and ``comparator_code``, named from ``area_names``): better, similar or worse,
    in the vocabulary's tones and words, the word also on the map, so colour never carries it alone."""
    scale = 1.5 if large else 1.0
    shown = set(centroids("district"))
    rows = district_rows[(district_rows.get("role", "bar") == "bar") & district_rows.area_code.isin(shown)].copy()
    suppressed = rows.get("current_suppressed", pd.Series(False, index=rows.index)).fillna(False).astype(bool)
    rows["value_text"] = [formatting.format_value(v, indicator, suppressed=s) for v, s in zip(rows.current_value, suppressed)]
    rows["label_text"] = [formatting.format_value(v, indicator, suppressed=s, short=True) for v, s in zip(rows.current_value, suppressed)]
    count_hidden = rows.get("current_count_suppressed", suppressed).fillna(False).astype(bool)
    rows["numerator_text"] = [formatting.format_count(v, suppressed=s) for v, s in zip(rows.current_numerator, count_hidden)]
    source = charts._source(indicator, rows)
    rows["source_text"] = source
    rows["value"] = rows.current_value.where(~suppressed)
    period_text = next((w for w in rows.get("window_text", []) if isinstance(w, str) and w), "")
    points = label_points()
    rows["longitude"] = [points[c][0] for c in rows.area_code]
    rows["latitude"] = [points[c][1] for c in rows.area_code]
    rows["chosen"] = rows.area_code == highlight_area
    by_comparison = shade == "comparison" and has_comparison(rows)
    if by_comparison:
        terms = [vocabulary.COMPARISONS.get(c if isinstance(c, str) else "", vocabulary.COMPARISONS[""])
                 for c in rows.comparison]
        rows["comparison_text"] = [t.word for t in terms]
        rows["label_text"] = [f"{label} \u00b7 {t.word}" for label, t in zip(rows.label_text, terms)]
        names = area_names or {}
        rows["comparator_text"] = [names.get(c, c) if isinstance(c, str) else "none" for c in rows.get("comparator_code", "")]
    fields = ["area_code", "area_name", "value", "value_text", "label_text", "numerator_text", "window_text",
              "source_text", "chosen", "longitude", "latitude", "comparison_text", "comparator_text"]
    rows = rows[[c for c in fields if c in rows]]
    datasets: dict = {}
    shapes: dict = {}
    figures = charts.named_data(rows, datasets)
    lookup_fields = ["area_name", "value", "value_text", "numerator_text", "window_text", "source_text", "chosen",
                     *(["comparison_text", "comparator_text"] if by_comparison else [])]
    tooltip = [alt.Tooltip("area_name:N", title="Area"), alt.Tooltip("value_text:N", title="Value"),
               alt.Tooltip("numerator_text:N", title=f"Count ({indicator.get('measure', '')})"),
               *([alt.Tooltip("comparison_text:N", title="Compared with its comparator"),
                  alt.Tooltip("comparator_text:N", title="Comparator")] if by_comparison else []),
               alt.Tooltip("window_text:N", title="Period"), alt.Tooltip("source_text:N", title="Source")]
    unit = formatting.unit_label(indicator)
    projection = {"type": "mercator"}
    legend = {"orient": "top", "direction": "horizontal", "gradientLength": 260 * scale, "titleLimit": 500 * scale}
    if by_comparison:
        shown_terms = [t for t in vocabulary.COMPARISONS.values() if t.word in set(rows.comparison_text)]
        comparators = sorted(set(rows.comparator_text))
        against = comparators[0] if len(comparators) == 1 else "its comparator (in the tooltip)"
        colour = alt.Color("comparison_text:N", title=f"Compared with {against}; inside the 95% interval: similar",
                           scale={"domain": [t.word for t in shown_terms], "range": [COMPARISON_FILLS[t.tone] for t in shown_terms]},
                           legend={**legend, "symbolType": "square"})
    else:
        colour = alt.Color("value:Q", title=unit, scale={"range": [palette.SEQUENTIAL[0], palette.SEQUENTIAL[-1]], "zero": False},
                           legend=legend)
    fill = alt.Chart(_shapes(shapes, "district"), mark={"type": "geoshape", "stroke": "white", "strokeWidth": 1.2}).transform_lookup(
        lookup="properties.LAD13CD", from_=alt.LookupData(data=figures, key="area_code", fields=lookup_fields),
    ).transform_filter("isValid(datum.area_name)").encode(color=colour, tooltip=tooltip).project(**projection)
    # why: an outline only marks the chosen district, which the title names; unnamed, axe counts it as an image without alt
    chosen = alt.Chart(_shapes(shapes, "district"), mark={"type": "geoshape", "filled": False, "stroke": OUTLINE,
                                                               "strokeWidth": 3 * scale, "aria": False}).transform_lookup(
        lookup="properties.LAD13CD", from_=alt.LookupData(data=figures, key="area_code", fields=["chosen"]),
    ).transform_filter("datum.chosen === true").project(**projection)
    names = _labels(figures, "area_name", size=11.5 * scale, bold=True, dy=-7 * scale, tooltip=tooltip)
    values = _labels(figures, "label_text", size=11.5 * scale, bold=False, dy=8 * scale, tooltip=tooltip)
    title = charts.chart_title(indicator, "each district", period_text, source)
    listing = "; ".join(f"{n} {t}" for n, t in zip(rows.area_name, rows.value_text))
    height = height or fitted_height(sorted(shown), width)
    return _framed([fill, chosen, *names, *values], width=width, height=height * scale, title=title,
                   lines=attribution(policeuk=_is_policeuk(indicator)), large=large, datasets=datasets, shapes=shapes,
                   description=f"Map of {indicator['name']} in each district, {period_text}: {listing}.")


# Fills for the comparison's tones: light enough that the name and word on them read (with their white halo).
COMPARISON_FILLS = {"good": palette.SEQUENTIAL[2], "bad": "#F0A879", "neutral": "#D9D9D9"}


def has_comparison(rows: pd.DataFrame) -> bool:
    """Whether the rows carry a comparison with a comparator (the benchmarking summary's ``comparison``)."""
    return "comparison" in rows and rows.comparison.fillna("").astype(str).ne("").any()


def comparator_note(district_rows: pd.DataFrame, area_names: Mapping[str, str]) -> str:
    """Which comparator each mapped district is shaded against, in words ("Compared with Leicestershire: Blaby, ...")."""
    shown = set(centroids("district"))
    rows = district_rows[(district_rows.role == "bar") & district_rows.area_code.isin(shown)
                         & district_rows.comparator_code.notna()]
    groups = [f"{area_names.get(code, code)}: {', '.join(area_names.get(a, a) for a in group.area_code)}"
              for code, group in rows.groupby("comparator_code", sort=False)]
    return f"Compared with {'; with '.join(groups)}." if groups else ""


def _is_policeuk(indicator: Mapping) -> bool:
    return str(indicator.get("theme", "")) == "policeuk" or str(indicator.get("id", "")).startswith("policeuk_")


CLASS_COLOURS = {1: [palette.SEQUENTIAL[2]], 2: [palette.SEQUENTIAL[1], palette.SEQUENTIAL[4]],
                 3: [palette.SEQUENTIAL[0], palette.SEQUENTIAL[2], palette.SEQUENTIAL[4]],
                 4: [palette.SEQUENTIAL[0], palette.SEQUENTIAL[1], palette.SEQUENTIAL[3], palette.SEQUENTIAL[4]],
                 5: palette.SEQUENTIAL}


def count_classes(values: pd.Series, classes: int = LSOA_CLASSES) -> list[tuple[str, float]]:
    """Up to ``classes`` ranges of whole counts holding about equal numbers of LSOAs: (label, upper bound)."""
    known = pd.to_numeric(values, errors="coerce").dropna()
    if known.empty:
        return [("0", 0.0)]
    bounds = sorted({int(round(known.quantile(q))) for q in [i / classes for i in range(1, classes)]} | {int(known.max())})
    found, low = [], int(known.min())
    for high in bounds:
        if high < low:
            continue
        found.append((f"{low:,}" if high == low else f"{low:,}–{high:,}", float(high)))
        low = high + 1
    return found


def classify(values: pd.Series, classes: list[tuple[str, float]]) -> list[str]:
    numbers = pd.to_numeric(values, errors="coerce")
    return ["withheld" if pd.isna(v) else next(label for label, high in classes if v <= high) for v in numbers]


def lsoa_rows(counts, area_names: Mapping[str, str]) -> pd.DataFrame:
    """The counts per 2011 LSOA that the map draws (2021 LSOAs that lie in one 2011 LSOA added to it), worded."""
    frame = counts.frame[counts.frame.lsoa11_code.notna()]
    rows = frame.assign(code=frame.lsoa11_code).groupby("code", sort=False).agg(
        count=("count", lambda c: c.sum(min_count=1)), suppressed=("suppressed", "any"), area_code=("area_code", "first"),
        codes=("lsoa_code", lambda c: ", ".join(sorted(set(c)))),
    ).reset_index()
    rows.loc[rows.suppressed, "count"] = pd.NA
    names = counts.frame.drop_duplicates("lsoa_code").set_index("lsoa_code").lsoa_name
    rows["lsoa_name"] = rows.code.map(names).fillna(rows.code)
    rows["area_name"] = rows.area_code.map(area_names).fillna(rows.area_code)
    rows["count_text"] = [formatting.format_count(v, suppressed=s) for v, s in zip(rows["count"], rows.suppressed)]
    rows["value"] = rows["count"].astype("Float64")
    return rows


def top_lsoas(counts, *, previous=None, limit: int = TOP_LSOAS) -> pd.DataFrame:
    """The LSOAs with the most rows (every code, 2021 ones included), for the table beside the map, with the
    12 months before (``previous``, the same LSOAs' ``LsoaCounts`` a year earlier) and the change."""
    frame = counts.frame[counts.frame["count"].fillna(0) > 0].head(limit).reset_index(drop=True)
    shares = [v / counts.rows if counts.rows and pd.notna(v) else float("nan") for v in frame["count"]]
    held = previous is not None and previous.months_held > 0
    before = previous.frame.set_index("lsoa_code")["count"] if held else pd.Series(dtype="Int64")
    earlier = [before.get(code, 0) if held else pd.NA for code in frame.lsoa_code]
    # why: a year before with months missing is short by them, so its change would be the gap, not news
    whole = held and previous.complete and counts.complete
    part = "" if not held or previous.complete else f" ({previous.months_held} of {previous.months} months)"
    return frame.assign(
        rank=range(1, len(frame) + 1),
        count_text=[formatting.format_count(v, suppressed=s) for v, s in zip(frame["count"], frame.suppressed)],
        share_text=[f"{s:.1%}" if pd.notna(s) else "" for s in shares],
        previous_text=[formatting.format_count(v) + part if pd.notna(v) else "not held" for v in earlier],
        change_text=[formatting.format_change(c - p, (c - p) / p * 100 if p else float("nan"), {"unit": "count"})
                     if whole and pd.notna(p) and pd.notna(c) else "" for c, p in zip(frame["count"], earlier)],
    )


def window_text(counts, *, period=None) -> str:
    """The counts' months as people say them, "latest police.uk: " first where they end before the app's ``period``
    (police.uk's figures end earlier; the app keeps its one period, docs/methods.md)."""
    window = formatting.window_label(counts.window_start, counts.window_end)
    return f"latest police.uk: {window}" if period is not None and counts.window_end < period else window


def withheld_text(indicator: Mapping, *, area_name: str) -> str:
    """Why a public map of a sensitive indicator has no counts per LSOA (``LsoaCounts.withheld``)."""
    return (f"{indicator['name']} is a protected indicator: the public dashboard does not publish its counts by LSOA, "
            f"because a neighbourhood's small count could point at a victim. {area_name}'s protected total is on its "
            "theme page (see the Data page on disclosure control).")


def lsoa_notes(counts, *, area_name: str) -> list[str]:
    """What the LSOA map cannot show, in words: rows with no LSOA code, and LSOAs with no single 2011 shape."""
    notes = []
    if counts.rows_without_lsoa:
        notes.append(f"{counts.rows_without_lsoa:,} of the {counts.rows:,} had an LSOA name but no code: they are counted in "
                     f"{area_name} but in no LSOA.")
    missing = counts.not_on_2011_map
    if len(missing):
        listed = ", ".join(f"{n} ({c}): {formatting.format_count(v)}" for n, c, v in
                           zip(missing.lsoa_name, missing.lsoa_code, missing["count"].fillna(0)))
        notes.append(f"Not on the map, which is drawn on 2011 LSOAs: {listed} (2021 LSOAs police.uk uses since 2023 "
                     "that lie in no single 2011 LSOA).")
    notes.append("Rows police.uk publishes with no location are in the force total only, never in an LSOA or district.")
    return notes


def district_table(district_rows: pd.DataFrame) -> pd.DataFrame:
    """The mapped districts' figures, highest first, beside the district map."""
    shown = set(centroids("district"))
    rows = district_rows[(district_rows.role == "bar") & district_rows.area_code.isin(shown)]
    return rows.sort_values("current_value", ascending=False, na_position="last")


def lsoa_map(
    counts,
    *,
    indicator: Mapping,
    area_name: str,
    area_codes: list[str],
    area_names: Mapping[str, str],
    width: int | str = 560,
    height: int | None = None,
    large: bool = False,
    period=None,
) -> MapChart:
    """Each 2011 LSOA of the areas ``area_codes`` shaded by its count over the window (five classes of equal
    numbers of LSOAs), the districts outlined, tooltips with the count, the period and the source. ``period``:
    the app's period, named "latest police.uk" in the subtitle where the counts end before it."""
    if counts.withheld:
        raise ValueError("the counts per LSOA are withheld (public mode, a sensitive indicator): there is no map to draw")
    scale = 1.5 if large else 1.0
    drawn = [code for code in area_codes if ("lsoa", code) in sources()]
    rows = lsoa_rows(counts, area_names)
    window = formatting.window_label(counts.window_start, counts.window_end)
    latest = window_text(counts, period=period)
    source = f"{indicator.get('source') or 'data.police.uk'}"
    rows["window_text"] = window
    rows["source_text"] = source
    datasets: dict = {}
    shapes: dict = {}
    measure = indicator.get("measure") or "rows"
    classes = count_classes(rows["value"])
    rows["class_text"] = classify(rows["value"], classes)
    figures = charts.named_data(rows[["code", "lsoa_name", "area_name", "value", "count_text", "codes", "window_text",
                                      "source_text", "class_text"]], datasets)
    fields = ["lsoa_name", "area_name", "value", "count_text", "codes", "window_text", "source_text", "class_text"]
    tooltip = [alt.Tooltip("lsoa_name:N", title="LSOA"), alt.Tooltip("codes:N", title="Code"),
               alt.Tooltip("area_name:N", title="District"), alt.Tooltip("count_text:N", title=indicator["name"]),
               alt.Tooltip("window_text:N", title="Period"), alt.Tooltip("source_text:N", title="Source")]
    projection = {"type": "mercator"}
    labels = [label for label, _ in classes]
    colour = alt.Color("class_text:N", title=f"{indicator['short_name']}: {measure} in the {window}" if window.startswith("12") else f"{indicator['short_name']}: {measure}, {window}",
                       scale={"domain": labels + ["withheld"], "range": CLASS_COLOURS[len(labels)] + [NO_DATA]},
                       legend={"orient": "top", "direction": "horizontal", "titleLimit": 600 * scale,
                               "labelFontSize": 12 * scale, "symbolType": "square", "symbolSize": 220 * scale,
                               "values": labels + (["withheld"] if rows.suppressed.any() else [])})
    layers = []
    for code in drawn:
        source_row = sources()[("lsoa", code)]
        layers.append(alt.Chart(_shapes(shapes, "lsoa", code),
                                mark={"type": "geoshape", "stroke": "white", "strokeWidth": 0.4 * scale}).transform_lookup(
            lookup=f"properties.{source_row['code_property']}",
            from_=alt.LookupData(data=figures, key="code", fields=fields),
        ).encode(color=colour, tooltip=tooltip).project(**projection))
    if len(drawn) > 1:
        # why: the districts' outlines only frame their LSOAs, whose names are written on the map
        layers.append(alt.Chart(_shapes(shapes, "district"), mark={"type": "geoshape", "filled": False, "stroke": OUTLINE,
                                                                      "strokeWidth": 1.6 * scale, "aria": False}).transform_filter(
            alt.FieldOneOfPredicate(field="properties.LAD13CD", oneOf=drawn)).project(**projection))
        points = label_points()
        labels = pd.DataFrame({"name": [area_names.get(c, c) for c in drawn], "longitude": [points[c][0] for c in drawn],
                               "latitude": [points[c][1] for c in drawn]})
        layers += _labels(charts.named_data(labels, datasets), "name", size=11.5 * scale, bold=True, dy=0)
    title = alt.Title(f"{indicator['name']}: {area_name}, by LSOA",
                      subtitle=[f"{latest[0].upper()}{latest[1:]} · {measure} in each LSOA (a count, not a rate;",
                                "an LSOA holds about 1,500 residents, a town centre also draws visitors)",
                                f"Source: {source}"], anchor="start")
    top = rows.sort_values("value", ascending=False).head(3)
    listing = "; ".join(f"{n} {t}" for n, t in zip(top.lsoa_name, top.count_text))
    height = height or fitted_height(drawn, width)
    return _framed(layers, width=width, height=height * scale, title=title, lines=attribution(policeuk=True), large=large,
                   datasets=datasets, shapes=shapes,
                   description=f"Map of {indicator['name']} in each LSOA of {area_name}, {latest}; most: {listing}.")
