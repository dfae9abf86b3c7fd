"""The performance pack's "Where" slide: police.uk crime by LSOA for the pack's area over its 12 months, the map
beside the LSOAs that hold most of it and how they moved, as the Maps page shows them.

``pack`` calls these with its own slide helpers, so the slide looks like every other; an area without LSOA
shapes, or without police.uk figures in the pack's months, gets no slide.
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from lscsb_data.figures import engine, periods, places
from lscsb_data.presentation import charts, maps

MAP_PIXELS = (640, 460)
ROWS_ON_SLIDE = 10
TABLE_COLUMNS = [("rank", "#", 0.35), ("lsoa_name", "LSOA", 2.2), ("count_text", "Count", 0.8),
                 ("previous_text", "Year before", 0.95), ("change_text", "Change", 1.2)]


@dataclass
class PlacesSection:
    title: str
    caption: str
    image: bytes
    alt_text: str
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def section(con, *, area: str, period: date, indicator: str = places.ALL_CRIME, png_scale: float = 3) -> PlacesSection | None:
    """The slide's content for ``area`` over police.uk's latest 12 months to ``period`` (saying so where they end
    earlier), or None when there is nothing to map or its counts per LSOA are withheld (public, sensitive)."""
    drawn = [code for code in places.local_authorities(con, area) if code in maps.mapped_lsoa_areas()]
    end = places.latest_month(con, area=area, period=period)
    counts = places.lsoa_counts(con, area=area, period=end, indicator=indicator)
    if not drawn or counts.months_held == 0 or counts.withheld:
        return None
    previous = places.lsoa_counts(con, area=area, period=periods.add_months(end, -12), indicator=indicator)
    frame = engine.areas(con)
    names = dict(zip(frame.code, frame.name))
    meta = engine.indicators(con).set_index("id").loc[indicator].to_dict() | {"id": indicator}
    chart = maps.lsoa_map(counts, indicator=meta, area_name=names[area], area_codes=drawn, area_names=names,
                          width=MAP_PIXELS[0], height=MAP_PIXELS[1], period=period)
    window = maps.window_text(counts, period=period)
    top = maps.top_lsoas(counts, previous=previous, limit=ROWS_ON_SLIDE)
    held = "" if counts.complete else f" ({counts.months_held} of {counts.months} months held)"
    return PlacesSection(
        title=f"Where: {meta['short_name'].lower()} by neighbourhood",
        caption=(f"The {len(top)} LSOAs with most {meta['short_name'].lower()} in {names[area]}, {window}{held}: "
                 f"{counts.rows:,} in all (source: police.uk)."),
        image=charts.to_png(chart, scale=png_scale),
        alt_text=f"Map of {meta['name']} in each LSOA of {names[area]}, {window}.",
        table=top,
        notes=maps.lsoa_notes(counts, area_name=names[area]),
    )


def add_slide(deck, found: PlacesSection | None, *, new_slide, text_box, picture, cell, margin, slide_w, slide_h,
              inches, size: dict) -> None:
    """The slide, laid out with the pack's helpers (``new_slide(deck, name, title)``, ``text_box``, ``picture``,
    ``cell``), the map on the left and the table on the right."""
    if found is None:
        return
    slide = new_slide(deck, "Where", found.title)
    top = inches(1.08)
    map_w = int((slide_w - 2 * margin) * 0.56)
    picture(slide, found.image, margin, top, map_w, slide_h - top - inches(0.55), found.alt_text)
    left = margin + map_w + inches(0.25)
    width = slide_w - margin - left
    text_box(slide, left, top, width, inches(0.75), [[(found.caption, {"size": size["caption"], "bold": True})]])
    rows = found.table
    table = slide.shapes.add_table(len(rows) + 1, len(TABLE_COLUMNS), left, top + inches(0.8), width,
                                   inches(0.3) * (len(rows) + 1)).table
    total = sum(w for *_, w in TABLE_COLUMNS)
    for index, (key, label, share) in enumerate(TABLE_COLUMNS):
        table.columns[index].width = int(width * share / total)
        cell(table.cell(0, index), label, bold=True)
        for number, row in enumerate(rows.to_dict("records"), start=1):
            cell(table.cell(number, index), str(row[key]))
    text_box(slide, left, slide_h - inches(1.35), width, inches(0.8),
             [[(note, {"size": size["note"]})] for note in found.notes[:2]])
    slide.notes_slide.notes_text_frame.text = "\n".join([found.caption, *found.notes])


def html_section(found: PlacesSection | None) -> str:
    if found is None:
        return ""
    cells = "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in TABLE_COLUMNS)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(row[key]))}</td>" for key, _, _ in TABLE_COLUMNS) + "</tr>"
                   for row in found.table.to_dict("records"))
    notes = "".join(f'<p class="muted">{html.escape(note)}</p>' for note in found.notes)
    image = base64.b64encode(found.image).decode()
    return (f'<section id="where"><h2>{html.escape(found.title)}</h2><div class="panels">'
            f'<figure><img alt="{html.escape(found.alt_text)}" src="data:image/png;base64,{image}"></figure>'
            f"<div><p><strong>{html.escape(found.caption)}</strong></p><table><thead><tr>{cells}</tr></thead>"
            f"<tbody>{rows}</tbody></table>{notes}</div></div></section>")
