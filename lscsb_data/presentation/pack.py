"""The quarterly CSP performance pack and the board's exception report, as PowerPoint and as HTML.

``assemble`` gathers everything a pack shows from the engine (figures, exceptions with their
sentences, charts rendered to PNG, commentary); ``pptx_bytes`` and ``html_text`` lay the same
content out as a deck and as one self-contained HTML file. The pack's period is the quarter's last
month: the 12 months to that month against the 12 months before. For the county (``E10000018``)
the pack is the board's exception report, theme by theme.
"""
from __future__ import annotations

import base64
import html
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Inches, Pt

from lscsb_data.figures import engine, exceptions, narrative, periods
from lscsb_data.presentation import charts, formatting, pack_places, pagedata, palette, reporting, vocabulary, wording

OGL_CREDIT = "Contains public sector information licensed under the Open Government Licence v3.0 (data.police.uk, ONS)."
METHOD_NOTES = [
    "Each figure is the total over the 12 months to the end of the quarter, against the 12 months before. "
    "Rates are per 1,000 residents (per 1,000 households for residential burglary, per 100,000 for hospital "
    "admissions), on the population of the calendar year in which the window ends. A percentage is total "
    "numerator over total denominator.",
    "Direction of travel follows each indicator's polarity. A change is called improving or worsening only when it "
    "is statistically significant at 95% (exact Poisson test for counts and rates, two-proportion test for "
    "percentages); otherwise it is stable. Where no direction is better (domestic abuse, hate, UAVA), a significant "
    "change is called an increase or decrease. MARAC repeats are judged against the 20-40% SafeLives range.",
    "Control charts (c, u and p charts, Laney-adjusted for over-dispersion; XmR for ratios) flag a latest period "
    "beyond 3-sigma limits or eight in a row on one side of the average.",
    "Police ASB incidents and Sentinel ASB cases overlap: never add the two together.",
]
INK, MUTED, BLUE, PALE = (palette.rgb_hex(c) for c in (palette.INK, palette.MUTED, palette.BLUE, palette.PALE))
BAD, GOOD = palette.rgb_hex(palette.BAD), palette.rgb_hex(palette.GOOD)
NOTICE_FILL, HEADING_FILL = palette.rgb_hex(palette.NOTICE_FILL), palette.rgb_hex(palette.HEADING_FILL)
OUTLOOK_COLOURS = {outlook: palette.rgb_hex(palette.TONE_COLOURS[tone]) for outlook, tone in vocabulary.OUTLOOK_TONES.items()}
PNG_SCALE = 3
COMMENT_CHARS_ON_SLIDE = 420


@dataclass
class Panel:
    """One indicator's charts, figures and commentary on its theme's slide."""
    indicator: str
    name: str
    row: dict
    headline: str
    images: list[bytes]
    comment: dict | None


@dataclass
class ThemeSection:
    theme: str
    name: str
    panels: list[Panel]
    exceptions: list[dict]
    message: str
    comment: dict | None


@dataclass
class Pack:
    area_code: str
    area_name: str
    is_board_report: bool  # the board's own area (area_types.csv's board_area): the board's report, not a CSP's pack
    quarter: periods.FinancialQuarter
    period: date
    summary: pd.DataFrame
    themes: list[ThemeSection]
    sources: list[str]
    data_as_at: list[str]
    demo_notice: str
    definitions: list[tuple[str, str]]
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    # The "Where" slide: police.uk crime by LSOA (``pack_places``); None for an area with nothing to map.
    places: pack_places.PlacesSection | None = None

    @property
    def title(self) -> str:
        if self.is_board_report:
            return f"Safer Communities performance report: {self.area_name}"
        return f"Community safety performance pack: {self.area_name}"

    @property
    def subtitle(self) -> str:
        return f"{self.quarter.long_label}: the 12 months to {self.period:%B %Y} against the previous 12 months"

    @property
    def footer(self) -> str:
        demo = " · includes demonstration data" if self.demo_notice else ""
        return f"{self.area_name} · {self.quarter.label} · 12 months to {self.period:%b %Y}{demo}"

    @property
    def exception_count(self) -> int:
        return sum(len(section.exceptions) for section in self.themes)


def csp_areas(con) -> list[str]:
    """Every Community Safety Partnership area (districts and unitaries, ``area_types.csv``'s csp) that sums into a force."""
    frame = engine.areas(con)
    csp = set(frame.code[frame.is_csp])
    return [code for code in exceptions.report_areas(con) if code in csp]


def assemble(con, *, area: str, quarter: str | periods.FinancialQuarter, commentary_file=None,
             catalogue: pd.DataFrame | None = None, public: bool | None = None) -> Pack:
    """Everything the pack for ``area`` and ``quarter`` shows, with its charts rendered to PNG (public figures
    when ``public``, else as ``$LSCSB_PUBLIC`` says)."""
    quarter = periods.parse_quarter(quarter) if isinstance(quarter, str) else quarter
    period = quarter.end
    areas = engine.areas(con).set_index("code")
    if area not in areas.index:
        raise ValueError(f"unknown area '{area}'")
    catalogue = engine.indicators(con) if catalogue is None else catalogue
    current = engine.summary(con, period=period, area=area, public=public)
    if current.empty:
        raise ValueError(f"no figures for {areas.loc[area, 'name']} ({area}) in the 12 months to {period:%B %Y}")
    history = engine.series(con, area=area, end=period, public=public)
    signalled = exceptions.with_signals(current, history, catalogue, period=period)
    found = reporting.with_sentences(exceptions.select_exceptions(signalled))
    rows = signalled.merge(
        catalogue[["id", "source", "definition", "caveats", "parent_id", "short_name"]].rename(columns={"id": "indicator"}),
        on="indicator", how="left",
    )
    sections = exceptions.theme_sections(found, engine.themes(con), rows)
    notes = narrative.comments(commentary_file, area=area, quarter=quarter.label) if commentary_file else None
    notes_by_key = {} if notes is None else {(r["scope"], r["subject"]): r for r in notes.to_dict("records")}
    annotations = engine.annotations(con)
    headline_rows = [r for r in rows.to_dict("records") if not isinstance(r.get("parent_id"), str)]
    layouts = {}
    for theme in {r["theme"] for r in headline_rows}:
        theme_note = notes_by_key.get(("theme", theme))
        layouts[theme] = theme_layout(
            [("indicator", r["indicator"]) in notes_by_key for r in headline_rows if r["theme"] == theme],
            theme_note["text"] if theme_note else None,
        )
    by_id = catalogue.set_index("id")
    drawn = {}
    for r in headline_rows:
        width, height = layouts[r["theme"]].chart_pixels()
        indicator = by_id.loc[r["indicator"]].to_dict() | {"id": r["indicator"]}
        # why: the screen's own trend rows and chart builder, so the slide shows the chart the detail page shows
        trend = pagedata.trend_rows(history[history.indicator == r["indicator"]].reset_index(drop=True), indicator,
                                    period=period)
        drawn[r["indicator"]] = [charts.trend_chart(
            trend, indicator=indicator, area_name=areas.loc[area, "name"], width=width, height=height,
            annotations=annotations[annotations.indicator_id.isna() | (annotations.indicator_id == r["indicator"])],
        )]
    images = _render(drawn)
    themes = []
    for section in sections:
        panels = [
            Panel(r["indicator"], r["indicator_name"], r, wording.headline(r), images[r["indicator"]],
                  notes_by_key.get(("indicator", r["indicator"])))
            for r in headline_rows if r["theme"] == section["theme"]
        ]
        if not panels and section["rows"].empty:
            continue
        themes.append(ThemeSection(
            section["theme"], section["name"], panels, section["rows"].to_dict("records"), section["message"],
            notes_by_key.get(("theme", section["theme"])),
        ))
    return Pack(
        area_code=area, area_name=areas.loc[area, "name"], is_board_report=bool(areas.loc[area, "is_board_area"]), quarter=quarter,
        period=period, summary=rows, themes=themes, sources=_sources(rows), data_as_at=_data_as_at(con),
        demo_notice=_demo_notice(rows), definitions=_definitions(rows),
        places=pack_places.section(con, area=area, period=period, png_scale=PNG_SCALE),
    )


def _render(drawn: dict[str, list]) -> dict[str, list[bytes]]:
    """Every chart to PNG (one at a time: the renderer serialises its work whatever the threads)."""
    return {indicator: [charts.to_png(chart, scale=PNG_SCALE) for chart in items] for indicator, items in drawn.items()}


def _sources(rows: pd.DataFrame) -> list[str]:
    sources = sorted(set(rows.source.dropna()))
    if rows.data_source.fillna("").str.contains("police.uk").any():
        sources.append(OGL_CREDIT)
    return sources


def _data_as_at(con) -> list[str]:
    lines = []
    for row in engine.data_as_at(con).itertuples():
        kind = "demonstration data" if row.is_demo else "real data"
        label = row.source_label if kind in row.source_label else f"{row.source_label} ({kind})"
        lines.append(f"{label}: figures to {pd.Timestamp(row.latest_period):%b %Y}, "
                     f"loaded {pd.Timestamp(row.last_loaded):%d %b %Y}")
    return lines


def _demo_notice(rows: pd.DataFrame) -> str:
    demo = rows[rows.is_demo.fillna(False).astype(bool)]
    if demo.empty:
        return ""
    return (f"Demonstration data: {demo.indicator.nunique()} of the {rows.indicator.nunique()} indicators in this pack "
            "use generated demonstration figures, not real data. They are marked \"demo\" wherever they appear.")


def _definitions(rows: pd.DataFrame) -> list[tuple[str, str]]:
    shown = rows[rows.parent_id.isna()].drop_duplicates("indicator")
    return [(r.indicator_name, " ".join(t for t in (r.definition, r.caveats) if isinstance(t, str) and t))
            for r in shown.itertuples()]


# -- shared formatting ------------------------------------------------------------------------------

def summary_cells(row: dict) -> dict[str, str]:
    """The summary table's cells for one indicator: what the deck and the HTML both print, worded as the screen words them."""
    shown = vocabulary.direction(row.get("direction"), row.get("change"), row)
    withheld = bool(row.get("current_suppressed")) or bool(row.get("previous_suppressed"))
    change = formatting.format_change(row.get("change"), row.get("change_pct"), row, suppressed=withheld,
                                      of=row.get("current_value"))
    # why: a window short of months understates its total, so its direction of travel is not to be relied on
    gap = " *" if row.get("direction") and not bool(row.get("complete")) else ""
    return {
        "indicator": row["indicator_name"] + (f" ({formatting.rate_basis(row)})" if row["unit"] == "rate" else ""),
        "current": _shown(row, "current"),
        "previous": _shown(row, "previous"),
        "change": change or "\u2013",
        "direction": shown.text + gap,
        "data": "demo" if bool(row.get("is_demo")) else "real",
    }


def direction_colour(row: dict) -> str:
    """The direction's tone as the deck's colour (the words say it; the colour repeats it)."""
    return palette.rgb_hex(vocabulary.direction(row.get("direction"), row.get("change"), row).colour)


def panel_caption(row: dict) -> str:
    """The figures under a chart: "12 months to Mar 2020: 54.5 (95% CI 50.3 to 59.1) against 33.3 (+21.2 (+63.7%))
    · ↑ worsening · similar to the county"."""
    cells = summary_cells(row)
    change = f" ({cells['change']})" if cells["change"] != "\u2013" else ""
    interval = formatting.interval_text(row.get("current_lower_95"), row.get("current_upper_95"), row,
                                        of=row.get("current_value"))
    interval = f" (95% CI {interval})" if interval else ""
    compared = vocabulary.comparison(row.get("comparison"))
    name = row.get("comparator_name") or "the comparator"
    against = (f" · {compared.in_sentence} {name} ({formatting.format_value(row['comparator_value'], row, short=True)})"
               if compared.code in ("better", "worse", "higher", "lower", "similar") else "")
    return (f"{formatting.window_label(row['current_start'], row['current_end'])}: {cells['current']}{interval} against "
            f"{cells['previous']}{change} · {cells['direction']}{against}")


def _shown(row: dict, window: str) -> str:
    return formatting.format_value(row.get(f"{window}_value"), row, suppressed=bool(row.get(f"{window}_suppressed")),
                                   short=True)


def _short(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut at a word boundary to ``limit`` characters, and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[:limit].rsplit(" ", 1)[0] + " …", True


# -- PowerPoint ------------------------------------------------------------------------------------

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.45)
SUMMARY_ROWS_PER_SLIDE = 16
# text height budget of a slide's body, in points, and the characters a 13pt line holds across it
BODY_POINTS = 5.5 * 72
CHARS_PER_LINE = 118
TITLE_CHARS_AT_FULL_SIZE = 52


def pptx_bytes(pack: Pack) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_W, SLIDE_H
    _title_slide(deck, pack)
    _summary_slides(deck, pack)
    _exception_slides(deck, pack)
    for section in pack.themes:
        _theme_slide(deck, pack, section)
    pack_places.add_slide(deck, pack.places, new_slide=_slide, text_box=_text_box, picture=_picture, cell=_cell,
                          margin=MARGIN, slide_w=SLIDE_W, slide_h=SLIDE_H, inches=Inches, size={"caption": 13, "note": 10})
    _closing_slides(deck, pack)
    for number, slide in enumerate(deck.slides, start=1):
        _footer(slide, pack, number)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _slide(deck, name: str, title: str):
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide._element.cSld.name = name
    heading = slide.shapes.title
    heading.left, heading.top, heading.width, heading.height = MARGIN, Inches(0.18), SLIDE_W - 2 * MARGIN, Inches(0.7)
    heading.text_frame.text = title
    heading.text_frame.word_wrap = True
    paragraph = heading.text_frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    # why: a long theme name at 26pt wraps onto the rule under the title
    _style(paragraph.runs[0], 26 if len(title) <= TITLE_CHARS_AT_FULL_SIZE else 21, bold=True, colour=INK)
    line = slide.shapes.add_shape(1, MARGIN, Inches(0.9), SLIDE_W - 2 * MARGIN, Inches(0.04))
    line.fill.solid()
    line.fill.fore_color.rgb = RGBColor.from_string(BLUE)
    line.line.fill.background()
    return slide


def _style(run, size: float, *, bold: bool = False, colour: str = INK, italic: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.color.rgb = RGBColor.from_string(colour)


def _text_box(slide, left, top, width, height, paragraphs: list[list[tuple[str, dict]]], *, fill: str | None = None):
    """A text box of paragraphs, each a list of (text, style) runs; text is set literally, never parsed."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.TOP
    if fill:
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor.from_string(fill)
        frame.margin_left = frame.margin_right = Inches(0.12)
    for index, runs in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(runs[0][1].get("space_after", 4)) if runs else Pt(4)
        for text, style in runs:
            run = paragraph.add_run()
            run.text = text
            _style(run, style.get("size", 14), bold=style.get("bold", False), colour=style.get("colour", INK),
                   italic=style.get("italic", False))
    return box


def _notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


def _footer(slide, pack: Pack, number: int) -> None:
    _text_box(slide, MARGIN, SLIDE_H - Inches(0.42), SLIDE_W - 2 * MARGIN - Inches(0.6), Inches(0.3),
              [[(pack.footer, {"size": 10, "colour": MUTED})]])
    _text_box(slide, SLIDE_W - MARGIN - Inches(0.6), SLIDE_H - Inches(0.42), Inches(0.6), Inches(0.3),
              [[(str(number), {"size": 10, "colour": MUTED})]]).text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT


def _title_slide(deck, pack: Pack) -> None:
    slide = _slide(deck, "Title", pack.title)
    body = [
        [(pack.subtitle, {"size": 20, "bold": True, "space_after": 14})],
        [("Leicestershire Safer Communities Strategy Board" if pack.is_board_report
          else "Community Safety Partnership meeting", {"size": 16, "colour": MUTED, "space_after": 14})],
        [("Data as at", {"size": 14, "bold": True})],
        *[[(line, {"size": 13})] for line in pack.data_as_at],
        [("Sources", {"size": 14, "bold": True})],
        [("; ".join(pack.sources), {"size": 12})],
        [(f"Generated {pack.generated_at:%d %B %Y %H:%M} UTC by python -m lscsb_data pack",
          {"size": 11, "colour": MUTED})],
    ]
    _text_box(slide, MARGIN, Inches(1.1), SLIDE_W - 2 * MARGIN, Inches(4.4), body)
    if pack.demo_notice:
        box = _text_box(slide, MARGIN, Inches(5.75), SLIDE_W - 2 * MARGIN, Inches(0.95),
                        [[(pack.demo_notice, {"size": 15, "bold": True, "colour": BAD})]], fill=NOTICE_FILL)
        box.line.color.rgb = RGBColor.from_string(BAD)
    _notes(slide, f"{pack.title}. {pack.subtitle}. {pack.exception_count} exceptions this quarter. {pack.demo_notice}")


def _summary_pages(pack: Pack) -> list[list[dict]]:
    """Summary rows under theme headings, filling each slide; a theme split across slides repeats its heading."""
    pages, page = [], []
    for _theme, rows in pack.summary.groupby("theme", sort=False):
        name = rows.theme_name.iloc[0]
        # why: a heading is never the last row of a slide, away from its indicators
        if len(page) >= SUMMARY_ROWS_PER_SLIDE - 1:
            pages.append(page)
            page = []
        page.append({"heading": name})
        for item in rows.to_dict("records"):
            if len(page) == SUMMARY_ROWS_PER_SLIDE:
                pages.append(page)
                page = [{"heading": f"{name} (continued)"}]
            page.append(item)
    if page:
        pages.append(page)
    return pages


SUMMARY_COLUMNS = [("indicator", "Indicator", 4.85), ("current", "Current", 1.2), ("previous", "Previous", 1.2),
                   ("change", "Change", 1.95), ("direction", "Direction", 2.45), ("data", "Data", 0.75)]


def _summary_slides(deck, pack: Pack) -> None:
    pages = _summary_pages(pack)
    for number, page in enumerate(pages, start=1):
        suffix = f" ({number} of {len(pages)})" if len(pages) > 1 else ""
        slide = _slide(deck, f"Summary {number}", f"Summary: every indicator{suffix}")
        _text_box(slide, MARGIN, SLIDE_H - Inches(0.95), SLIDE_W - 2 * MARGIN, Inches(0.5),
                  [[(_window_note(pack), {"size": 11, "colour": MUTED})]])
        table = slide.shapes.add_table(len(page) + 1, len(SUMMARY_COLUMNS), MARGIN, Inches(1.08),
                                       SLIDE_W - 2 * MARGIN, Inches(0.3) * (len(page) + 1)).table
        for index in range(len(page) + 1):
            table.rows[index].height = Inches(0.3)
        for column, (_key, label, width) in enumerate(SUMMARY_COLUMNS):
            table.columns[column].width = Inches(width)
            _cell(table.cell(0, column), label, bold=True, colour="ffffff", fill=BLUE,
                  align=PP_ALIGN.LEFT if column == 0 else PP_ALIGN.RIGHT)
        notes = []
        for index, item in enumerate(page, start=1):
            if "heading" in item:
                merged = table.cell(index, 0)
                merged.merge(table.cell(index, len(SUMMARY_COLUMNS) - 1))
                _cell(merged, item["heading"], bold=True, fill=HEADING_FILL)
                continue
            cells = summary_cells(item)
            colour = direction_colour(item)
            for column, (key, _label, _width) in enumerate(SUMMARY_COLUMNS):
                _cell(table.cell(index, column), cells[key], colour=colour if key == "direction" else INK,
                      bold=key == "direction", align=PP_ALIGN.LEFT if key == "indicator" else PP_ALIGN.RIGHT,
                      fill="ffffff" if index % 2 else PALE)
            notes.append(wording.headline(item))
        _notes(slide, "\n".join(notes))


def _window_note(pack: Pack) -> str:
    return (f"Current: the 12 months to {pack.period:%b %Y}; previous: the 12 months before. Rates per 1,000 unless "
            "stated; a percentage changes in percentage points; [c] = withheld (small numbers); direction judged only on significant change; "
            "* months missing from a window, so the change is not reliable.")


def _cell(cell, text: str, *, bold: bool = False, colour: str = INK, fill: str | None = None,
          align=PP_ALIGN.LEFT, size: float = 11) -> None:
    cell.text = text
    cell.margin_top = cell.margin_bottom = Inches(0.01)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    paragraph = cell.text_frame.paragraphs[0]
    paragraph.alignment = align
    for run in paragraph.runs:
        _style(run, size, bold=bold, colour=colour)
    if fill:
        cell.fill.solid()
        cell.fill.fore_color.rgb = RGBColor.from_string(fill)


def _exception_pages(pack: Pack) -> list[list[tuple[str, object]]]:
    """("theme", section), ("item", exception) and ("message", text) entries, paginated by estimated height."""
    def height(kind: str, entry) -> float:
        if kind == "theme":
            return 16 * 1.2 + 3
        text = entry["sentence"] if kind == "item" else entry
        return math.ceil((len(text) + 16) / CHARS_PER_LINE) * 13 * 1.2 + 8

    pages, page, used = [], [], 0.0
    for section in pack.themes:
        entries = [("theme", section)] + (
            [("item", row) for row in section.exceptions] or [("message", section.message)]
        )
        for position, (kind, entry) in enumerate(entries):
            # why: a theme heading never ends a page on its own
            cost = height(kind, entry) + (height(*entries[1]) if kind == "theme" else 0)
            if page and used + cost > BODY_POINTS:
                pages.append(page)
                page, used = [], 0.0
                if kind != "theme":
                    page.append(("theme", section))
                    used = height("theme", section)
            page.append((kind, entry))
            used += height(kind, entry)
    if page:
        pages.append(page)
    return pages


def _exception_slides(deck, pack: Pack) -> None:
    pages = _exception_pages(pack)
    heading = "Exception report" if pack.is_board_report else "Exceptions"
    for number, page in enumerate(pages, start=1):
        suffix = f" ({number} of {len(pages)})" if len(pages) > 1 else ""
        slide = _slide(deck, f"Exceptions {number}", f"{heading}: what moved notably{suffix}")
        paragraphs, notes = [], []
        for kind, entry in page:
            if kind == "theme":
                paragraphs.append([(entry.name, {"size": 16, "bold": True, "colour": BLUE, "space_after": 3})])
            elif kind == "message":
                paragraphs.append([(entry, {"size": 13, "italic": True, "colour": MUTED, "space_after": 8})])
            else:
                label = exceptions.OUTLOOK_LABELS[entry["outlook"]]
                demo = " [demo data]" if bool(entry.get("is_demo")) else ""
                paragraphs.append([
                    (f"{label}: ", {"size": 13, "bold": True, "colour": OUTLOOK_COLOURS[entry["outlook"]], "space_after": 8}),
                    (entry["sentence"] + demo, {"size": 13}),
                ])
                notes.append(entry["sentence"])
        _text_box(slide, MARGIN, Inches(1.08), SLIDE_W - 2 * MARGIN, SLIDE_H - Inches(1.6), paragraphs)
        _notes(slide, "\n\n".join(notes) or exceptions.NOTHING_TO_REPORT)


@dataclass(frozen=True)
class ThemeLayout:
    """Where a theme slide's commentary strip and chart grid go (EMU), so the charts can be drawn to fit.

    Every chart on the slide has one size; a row holding commentary under a chart is taller by the
    commentary's height, the others are not.
    """
    columns: int
    comment_rows: tuple[bool, ...]
    strip_h: int
    top: int = Inches(1.02)
    bottom: int = SLIDE_H - Inches(0.45)
    comment_h: int = Inches(0.55)
    gap: int = Inches(0.08)

    @property
    def grid_top(self) -> int:
        return self.top + (self.strip_h + Inches(0.1) if self.strip_h else 0)

    @property
    def caption_h(self) -> int:
        # why: three abreast, the figures under a chart take two lines
        return Inches(0.46) if self.columns == 3 else Inches(0.3)

    @property
    def cell_w(self) -> int:
        return int((SLIDE_W - 2 * MARGIN) / self.columns)

    @property
    def image_w(self) -> int:
        return self.cell_w - Inches(0.15)

    @property
    def image_h(self) -> int:
        free = self.bottom - self.grid_top - self.comment_h * sum(self.comment_rows)
        return int(free / len(self.comment_rows)) - self.caption_h - self.gap

    def cell_top(self, row: int) -> int:
        return self.grid_top + sum(
            self.image_h + self.caption_h + self.gap + (self.comment_h if has_comment else 0)
            for has_comment in self.comment_rows[:row]
        )

    def chart_pixels(self) -> tuple[int, int]:
        """The chart's plot size so that, with its title, legend and axes, it has the image box's shape."""
        total_w = {1: 760, 2: 560, 3: 400}[self.columns]
        total_h = total_w * self.image_h / self.image_w
        # why: the title, two subtitle lines and the x axis take about 100 px around the plot, the y axis about 60 px
        plot_w = total_w - 60
        # why: a plot taller than about 0.4 of its width exaggerates every wiggle
        return plot_w, max(70, min(int(total_h - 100), int(plot_w * 0.4)))


def theme_layout(commented: list[bool], theme_comment: str | None) -> ThemeLayout:
    """One chart, two abreast, 2 x 2 or 3 x 2 (``commented`` says which charts carry commentary), under the
    theme's commentary when there is some."""
    columns = 1 if len(commented) <= 1 else 2 if len(commented) <= 4 else 3
    rows = max(1, math.ceil(len(commented) / columns))
    comment_rows = tuple(any(commented[row * columns:(row + 1) * columns]) for row in range(rows))
    strip_h = 0
    if theme_comment:
        text, _cut = _short(theme_comment, COMMENT_CHARS_ON_SLIDE)
        strip_h = Inches(0.12) + Inches(0.21) * math.ceil((len(text) + 60) / 150)
    return ThemeLayout(columns, comment_rows, strip_h)


def _theme_slide(deck, pack: Pack, section: ThemeSection) -> None:
    slide = _slide(deck, f"Theme: {section.name}", section.name)
    layout = theme_layout([bool(panel.comment) for panel in section.panels],
                          section.comment["text"] if section.comment else None)
    notes = [p.headline for p in section.panels] + [row["sentence"] for row in section.exceptions]
    if section.comment:
        text, cut = _short(section.comment["text"], COMMENT_CHARS_ON_SLIDE)
        strip = [[(f"Commentary ({narrative.signature(section.comment)}): ", {"size": 12, "bold": True}),
                  (text + (" [full text in the notes]" if cut else ""), {"size": 12})]]
        _text_box(slide, MARGIN, layout.top, SLIDE_W - 2 * MARGIN, layout.strip_h, strip, fill=PALE)
        notes.append(f"Theme commentary ({narrative.signature(section.comment)}): {section.comment['text']}")
    if not section.panels:
        _text_box(slide, MARGIN, layout.grid_top, SLIDE_W - 2 * MARGIN, Inches(1),
                  [[(section.message, {"size": 14, "italic": True})]])
    for index, panel in enumerate(section.panels):
        left = MARGIN + layout.cell_w * (index % layout.columns)
        cell_top = layout.cell_top(index // layout.columns)
        picture_h = _picture(slide, panel.images[0], left, cell_top, layout.image_w, layout.image_h, panel.headline)
        below = cell_top + picture_h
        _text_box(slide, left, below, layout.image_w, layout.caption_h,
                  [[(panel_caption(panel.row), {"size": 11 if layout.columns < 3 else 10, "bold": True})]])
        if panel.comment:
            text, cut = _short(panel.comment["text"], COMMENT_CHARS_ON_SLIDE // layout.columns)
            _text_box(slide, left, below + layout.caption_h, layout.image_w, layout.comment_h,
                      [[(f"{narrative.signature(panel.comment)}: ", {"size": 10, "bold": True}),
                        (text + (" [full text in the notes]" if cut else ""), {"size": 10})]], fill=PALE)
            notes.append(f"{panel.name} commentary ({narrative.signature(panel.comment)}): {panel.comment['text']}")
    _notes(slide, "\n\n".join(notes))


def _picture(slide, png: bytes, left, top, max_w, max_h, alt_text: str) -> int:
    """The PNG scaled to fit the box, keeping its aspect ratio, with alternative text; returns its height."""
    picture = slide.shapes.add_picture(io.BytesIO(png), left, top)
    ratio = min(max_w / picture.width, max_h / picture.height)
    picture.width, picture.height = int(picture.width * ratio), int(picture.height * ratio)
    picture._element.nvPicPr.cNvPr.set("descr", alt_text)
    return picture.height


DEFINITION_CHARS_PER_LINE = 112


def _definition_columns(definitions: list[tuple[str, str]], first_capacity: float) -> list[list[tuple[str, str]]]:
    """Definitions split into slide columns by estimated height (the first column is shorter: it shares a slide)."""
    columns, column, used, capacity = [], [], 0.0, first_capacity
    for name, text in definitions:
        cost = math.ceil((len(name) + len(text) + 2) / DEFINITION_CHARS_PER_LINE) * 9.5 * 1.2 + 2
        if column and used + cost > capacity:
            columns.append(column)
            column, used, capacity = [], 0.0, BODY_POINTS - 24
        column.append((name, text))
        used += cost
    if column:
        columns.append(column)
    return columns


def _closing_slides(deck, pack: Pack) -> None:
    method = [[("How to read this pack", {"size": 14, "bold": True, "colour": BLUE})],
              *[[(note, {"size": 11, "space_after": 5})] for note in METHOD_NOTES]]
    if pack.demo_notice:
        method.append([(pack.demo_notice, {"size": 11, "bold": True, "colour": BAD})])
    columns = _definition_columns(pack.definitions, BODY_POINTS - 24)
    half = (SLIDE_W - 2 * MARGIN - Inches(0.3)) / 2
    boxes = [method, *[
        [[("Definitions" + (" (continued)" if index else ""), {"size": 14, "bold": True, "colour": BLUE})]] + [
            [(f"{name}: ", {"size": 9.5, "bold": True, "space_after": 2}), (text, {"size": 9.5})] for name, text in column
        ]
        for index, column in enumerate(columns)
    ]]
    for number, start in enumerate(range(0, len(boxes), 2), start=1):
        title = "Definitions and caveats" + (f" ({number} of {math.ceil(len(boxes) / 2)})" if len(boxes) > 2 else "")
        slide = _slide(deck, title, title)
        for offset, box in enumerate(boxes[start:start + 2]):
            _text_box(slide, MARGIN + (half + Inches(0.3)) * offset, Inches(1.08), half, Inches(5.8), box)
        _notes(slide, "\n".join([*METHOD_NOTES, *[f"{name}: {text}" for name, text in pack.definitions]]))


def slide_names(data: bytes) -> list[str]:
    return [slide.name for slide in Presentation(io.BytesIO(data)).slides]


# -- HTML -------------------------------------------------------------------------------------------

CSS = """
@page { size: A4 landscape; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: @FONT@; color: @INK@; margin: 0 auto; max-width: 1180px;
       padding: 16px; line-height: 1.4; font-size: 15px; }
h1 { font-size: 28px; margin: 0 0 6px; } h2 { font-size: 22px; border-bottom: 4px solid @BLUE@; padding-bottom: 4px; }
h3 { font-size: 17px; color: @BLUE@; margin: 14px 0 4px; }
.muted { color: @MUTED@; } .demo { border: 3px solid @BAD@; background: @NOTICE_FILL@; color: @BAD@; font-weight: bold; padding: 10px 14px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { background: @BLUE@; color: #fff; text-align: right; padding: 4px 6px; } th:first-child { text-align: left; }
td { padding: 3px 6px; text-align: right; border-bottom: 1px solid #d8dde0; } td:first-child { text-align: left; }
tr.theme td { background: @HEADING_FILL@; font-weight: bold; text-align: left; }
.worsening, .above_band, .below_band, .concern { color: @BAD@; font-weight: bold; }
.improving, .within_band { color: @GOOD@; font-weight: bold; }
.exception { margin: 4px 0 8px; } .label { font-weight: bold; }
.nothing { font-style: italic; color: @MUTED@; }
.panels { display: grid; grid-template-columns: repeat(2, 1fr); gap: 14px; }
.panels.three { grid-template-columns: repeat(3, 1fr); } .panels.one { grid-template-columns: minmax(0, 80%); }
figure { margin: 0; break-inside: avoid; page-break-inside: avoid; } figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; margin-top: 2px; }
.commentary { white-space: pre-wrap; background: @PALE@; padding: 6px 10px; margin: 4px 0; font-size: 14px; }
.commentary .by { font-weight: bold; white-space: normal; display: block; }
section { margin-bottom: 28px; }
@media print {
  body { max-width: none; padding: 0; font-size: 12px; }
  section { break-before: page; page-break-before: always; margin: 0; }
  section:first-of-type { break-before: auto; page-break-before: auto; }
  tr, .exception { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .panels { grid-template-columns: repeat(2, 1fr); } .panels.three { grid-template-columns: repeat(3, 1fr); }
  .panels.one { grid-template-columns: minmax(0, 80%); }
}
"""
for _token, _value in {"@INK@": palette.INK, "@BLUE@": palette.BLUE, "@MUTED@": palette.MUTED, "@BAD@": palette.BAD,
                       "@NOTICE_FILL@": palette.NOTICE_FILL, "@HEADING_FILL@": palette.HEADING_FILL, "@GOOD@": palette.GOOD,
                       "@PALE@": palette.PALE, "@FONT@": palette.FONT}.items():
    CSS = CSS.replace(_token, _value)



def _e(text) -> str:
    """Escape for HTML text and attributes: commentary and names are always shown literally."""
    return html.escape(str(text), quote=True)


def _commentary_html(comment: dict) -> str:
    return (f'<div class="commentary"><span class="by">Commentary: {_e(narrative.signature(comment))}</span>'
            f"{_e(comment['text'])}</div>")


def html_text(pack: Pack) -> str:
    parts = [
        "<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{_e(pack.title)} – {_e(pack.quarter.label)}</title>",
        f"<style>{CSS}</style></head><body>",
        '<section id="title">', f"<h1>{_e(pack.title)}</h1>", f"<p><strong>{_e(pack.subtitle)}</strong></p>",
    ]
    if pack.demo_notice:
        parts.append(f'<p class="demo">{_e(pack.demo_notice)}</p>')
    parts.append("<h3>Data as at</h3><ul>" + "".join(f"<li>{_e(line)}</li>" for line in pack.data_as_at) + "</ul>")
    parts.append("<h3>Sources</h3><ul>" + "".join(f"<li>{_e(line)}</li>" for line in pack.sources) + "</ul>")
    parts.append(f'<p class="muted">Generated {pack.generated_at:%d %B %Y %H:%M} UTC.</p></section>')
    parts.append(_summary_html(pack))
    parts.append(_exceptions_html(pack))
    for section in pack.themes:
        parts.append(_theme_html(section))
    parts.append(pack_places.html_section(pack.places))
    parts.append('<section id="definitions"><h2>Definitions and caveats</h2>')
    parts.extend(f"<p>{_e(note)}</p>" for note in METHOD_NOTES)
    parts.append("<dl>" + "".join(f"<dt><strong>{_e(name)}</strong></dt><dd>{_e(text)}</dd>"
                                  for name, text in pack.definitions) + "</dl></section>")
    parts.append(f'<p class="muted">{_e(pack.footer)}</p></body></html>')
    return "\n".join(parts)


def _summary_html(pack: Pack) -> str:
    header = "".join(f"<th>{_e(label.format(end=f'{pack.period:%b %Y}'))}</th>" for _key, label, _w in SUMMARY_COLUMNS)
    rows = []
    for _theme, group in pack.summary.groupby("theme", sort=False):
        rows.append(f'<tr class="theme"><td colspan="{len(SUMMARY_COLUMNS)}">{_e(group.theme_name.iloc[0])}</td></tr>')
        for item in group.to_dict("records"):
            cells = summary_cells(item)
            direction_class = _e(item.get("direction") or "none")
            rows.append("<tr>" + "".join(
                f'<td class="{direction_class}">{_e(cells[key])}</td>' if key == "direction" else f"<td>{_e(cells[key])}</td>"
                for key, _label, _w in SUMMARY_COLUMNS) + "</tr>")
    return (f'<section id="summary"><h2>Summary: every indicator</h2><table><thead><tr>{header}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            f'<p class="muted">{_e(_window_note(pack))}</p></section>')


def _exceptions_html(pack: Pack) -> str:
    heading = "Exception report" if pack.is_board_report else "Exceptions"
    parts = [f'<section id="exceptions"><h2>{heading}: what moved notably</h2>']
    for section in pack.themes:
        parts.append(f"<h3>{_e(section.name)}</h3>")
        if not section.exceptions:
            parts.append(f'<p class="nothing">{_e(section.message)}</p>')
        for row in section.exceptions:
            demo = " [demo data]" if bool(row.get("is_demo")) else ""
            parts.append(f'<p class="exception"><span class="label {row["outlook"]}">'
                         f'{_e(exceptions.OUTLOOK_LABELS[row["outlook"]])}:</span> {_e(row["sentence"] + demo)}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _theme_html(section: ThemeSection) -> str:
    anchor = re.sub(r"[^a-z0-9]+", "-", section.theme.lower())
    parts = [f'<section id="theme-{anchor}"><h2>{_e(section.name)}</h2>']
    if section.comment:
        parts.append(_commentary_html(section.comment))
    if not section.panels:
        parts.append(f'<p class="nothing">{_e(section.message)}</p>')
    columns = {1: " one", 2: "", 3: "", 4: ""}.get(len(section.panels), " three")
    parts.append(f'<div class="panels{columns}">')
    for panel in section.panels:
        images = "".join(f'<img alt="{_e(panel.headline)}" src="data:image/png;base64,'
                         f'{base64.b64encode(compact_png(png)).decode()}">' for png in panel.images)
        comment = _commentary_html(panel.comment) if panel.comment else ""
        parts.append(f"<figure>{images}<figcaption>{_e(panel.headline)}</figcaption>{comment}</figure>")
    parts.append("</div></section>")
    return "\n".join(parts)


# -- files ----------------------------------------------------------------------------------------

def compact_png(png: bytes) -> bytes:
    """The same image, losslessly recompressed (the renderer barely compresses): a third of the size inline."""
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).save(out, "PNG", compress_level=6)
    return out.getvalue()


def file_name(pack: Pack, fmt: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", pack.area_name.lower()).strip("-")
    return f"{pack.quarter.label}-{pack.area_code}-{slug}.{fmt}"


def write(pack: Pack, path: Path, fmt: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pptx":
        path.write_bytes(pptx_bytes(pack))
    else:
        path.write_text(html_text(pack), encoding="utf-8")
    return path
