"""Rendering pieces the pages share: banners, cards, charts with their downloads, notes and tables."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st

from lscsb_data.presentation import charts, downloads, formatting
from lscsb_data.presentation.pagedata import Note
from pages.shared import cache, frame, view_state
from pages.shared.text import literal

DEMO_BANNER = (
    "**Demonstration data.** Figures marked *demonstration data* are illustrative, generated to resemble the "
    "board's published figures; they are not real. The police.uk figures are real. Every figure names its source."
)


def demo_banner(shows_demo: bool) -> None:
    if shows_demo:
        st.warning(DEMO_BANNER, icon=":material/science:")


COMPACT_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.75rem; padding-left: 2rem; padding-right: 2rem; }
[data-testid="stMain"] h1 { font-size: 2rem; padding-top: 0.25rem; padding-bottom: 0.25rem; }
</style>
"""


def compact_page() -> None:
    """Less margin and a smaller title, for a page that must answer its question in its first screen."""
    st.html(COMPACT_CSS)


def view_caption(view: view_state.View) -> None:
    period = formatting.month_name(view.period) if view.period else "no period held"
    latest = " (the latest complete month)" if view.period_is_latest else ""
    against = f" · compared with **{view.comparator_name}**" if view.comparator else ""
    st.caption(f"**{view.area_name}** · period ending **{period}**{latest} · {view.comparison_text.lower()}{against}")


def notes(items: list[Note], *, present: bool = False) -> None:
    """Definition as a caption, caveats and warnings as boxes (in presentation mode only the warnings)."""
    for note in items:
        if note.kind == "warning":
            st.warning(note.text, icon=":material/warning:")
        elif present:
            continue
        elif note.kind == "caveat":
            st.info(note.text, icon=":material/info:")
        else:
            st.caption(note.text)


def _delta_arrow(row) -> str:
    if row["direction_word"] in {"stable", "no comparison"} or not row["change_text"] or row["change_text"] == "no change":
        return "off"
    return "up" if row["arrow"] == "\u2191" else "down"


def metric(row, *, label: str | None = None) -> None:
    """An indicator's current value with change, arrow, word and colour (never colour alone).

    No sparkline: st.metric draws it as an image with no text alternative, which a screen reader meets as an
    unlabelled graphic on every card; the trend is one click away, on the indicator's page.
    """
    st.metric(
        label=label or row["short_name"],
        value=row["value_short"],
        delta=row["change_text"] or None,
        delta_color=row["colour_name"],
        delta_arrow=_delta_arrow(row),
        delta_description=row["direction_word"] if row["change_text"] else None,
        help=f"{row['definition']} Unit: {row['unit_text']}.",
    )


def benchmark_line(row, comparator_name: str) -> None:
    """A figure's confidence interval, comparison with the comparator and five-year trend, in one caption line."""
    parts = []
    if row.get("interval_text"):
        parts.append(f"95% confidence interval {row['interval_text']}")
    if row.get("comparison_text"):
        against = f" ({comparator_name}: {row['comparator_text']})" if row.get("comparator_text") else ""
        parts.append(f"against {comparator_name}: **{row['comparison_text']}**{against}")
    if row.get("trend_text"):
        parts.append(f"five-year trend: {row['trend_text']}")
    if parts:
        st.caption(" · ".join(parts))


def card(row, view: view_state.View, *, present: bool = False) -> None:
    """An Overview card: value, change, direction, the period and previous figure, and a link to the detail.

    On a presentation screen: value, change, direction, unit and previous figure only (the screen's line names the
    period and the sources), so a theme's cards fit one screen.
    """
    with st.container(border=True):
        metric(row)
        if present:
            st.caption(f"{row['unit_text']}  \nPrevious: {row['previous_short']}")
            return
        if row["has_data"]:
            st.caption(f"{row['unit_text']}, {row['window_text']}  \nPrevious: {row['previous_short']}  \n"
                       f"Source: {literal(row['source_text'])}")
        if row["status_text"]:
            st.caption(f":material/warning: {row['status_text']}")
        st.page_link(frame.page(row["theme"]), label=f"{row['short_name']}: details", icon=":material/arrow_forward:",
                     query_params=view_state.url_values(view, indicator=row["id"]))


def chart(make, *, key: str, file_stem: str, present: bool = False, png_width: int = charts.DEFAULT_WIDTH,
          depends: tuple = (), table: tuple[pd.DataFrame | Callable[[], pd.DataFrame], dict[str, str]] | None = None,
          table_label: str = "") -> None:
    """A chart as wide as its column, its figures as a table (its text alternative), and (outside presentation
    mode) a PNG download at 2x.

    ``make(width)`` builds the chart: "container" on screen, ``png_width`` pixels for the PNG, which
    is rendered only when someone clicks the download. The on-screen spec is cached by ``key``, the
    view (database, area, period, comparison, public and presentation mode) and ``depends`` (anything
    else the chart is drawn from), so going back to a view does not build its charts again. ``table`` is the
    chart's rows and the columns to show (``figures_table``), in an expander under the chart.
    """
    view = view_state.current()
    specs = cache.chart_specs((key, cache.identity(), view.area, view.period, view.comparison, view.present,
                                cache.public(), depends), make)
    for index, spec in enumerate(specs):
        st.vega_lite_chart(spec, theme=None, width="stretch", key=f"chart_{key}" + (f"_{index}" if index else ""))
    if table is not None:
        with st.expander(table_label or "The chart's figures as a table", icon=":material/table:"):
            figures_table(*table, key=key, depends=depends)
    if not present:
        st.download_button("Download chart (PNG)", data=lambda: charts.to_png(make(png_width), scale=2),
                           file_name=f"{file_stem}.png", mime="image/png", key=f"png_{key}", on_click="ignore",
                           icon=":material/image:")


SPC_METHOD = ("Method: a statistical process control chart ({chart}) over {periods} periods. The usual range is the "
              "average plus or minus three standard deviations (widened by Laney's adjustment where the figures vary "
              "more than chance allows); a period outside it, or eight in a row on one side of the average, is unusual.")
SPC_COLUMNS = {"period_text": "Period", "value_text": "Value", "centre_text": "Average", "range_text": "Usual range",
               "signal_text": "This period"}


def spc_table(frame: pd.DataFrame) -> tuple[Callable[[], pd.DataFrame], dict[str, str]]:
    """A control chart's figures as rows for ``figures_table`` (made only when the table is not cached), newest first,
    worded as the chart's tooltips."""
    return (lambda: charts.spc_rows(frame).iloc[::-1]), SPC_COLUMNS


def csv_download(make: Callable[[], str], *, label: str, file_stem: str, key: str) -> None:
    """A CSV download whose text ``make()`` writes only when someone clicks, not on every run of the page."""
    st.download_button(label, data=make, file_name=f"{file_stem}.csv", mime="text/csv", key=f"csv_{key}",
                       on_click="ignore", icon=":material/download:")


def generated_at() -> datetime:
    return datetime.now().replace(second=0, microsecond=0)


def file_stem(*parts: str) -> str:
    """A safe file name from the view: letters, digits and dashes only."""
    return "-".join("".join(ch if ch.isalnum() else "-" for ch in str(p)).strip("-") for p in parts if p)


def once(name: str, make: Callable[[], object], *, depends: tuple = ()):
    """``make()`` (an HTML string, a table made Arrow, a line of words) made once per process for this view: keyed by
    ``name``, the database, the kind of viewer, the view and ``depends`` (anything else it is drawn from), so a view
    drawn before costs a cache read instead of the work again. A public viewer's key differs from a partner's, so
    neither ever reads what was made for the other."""
    key = (name, cache.identity(), cache.public(), dataclasses.astuple(view_state.current()), depends)
    return cache.rendered(key, make)


def _arrow_table(frame: pd.DataFrame) -> tuple[object, bool]:
    """The frame as the Arrow table st.table would make of it on every run, and whether st.table would hide its index."""
    from streamlit import dataframe_util

    return dataframe_util.convert_pandas_df_to_arrow_table(frame), dataframe_util.has_range_index(frame)


def table(make: Callable[[], pd.DataFrame], *, key: str, depends: tuple = ()) -> None:
    """``st.table(make())``, the frame made and converted to Arrow once per view (``once``)."""
    arrow, hide_index = once(f"table_{key}", lambda: _arrow_table(make()), depends=depends)
    st.table(arrow, hide_index=hide_index)


def _shown_table(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    # why: a plain loop over the cells is ten times faster than pandas' string methods on these short columns
    shown = [c for i, c in enumerate(columns) if i == 0 or any(str(cell).strip() for cell in frame[c])]
    return frame[shown].rename(columns=columns).set_index(columns[shown[0]])


def figures_table(frame: pd.DataFrame | Callable[[], pd.DataFrame], columns: dict[str, str], *, key: str | None = None,
                  depends: tuple = ()) -> None:
    """A plain table (the text alternative to a chart): ``columns`` maps frame columns to headings;
    a column with nothing to say (every cell blank) is left out. With a ``key`` (naming, with the view and
    ``depends``, everything the table shows) the table is made once per view (``table``); ``frame`` may then be a
    function that makes it."""
    if key is None:
        st.table(_shown_table(frame() if callable(frame) else frame, columns))
        return
    table(lambda: _shown_table(frame() if callable(frame) else frame, columns), key=key, depends=depends)


def summary_download(cards: pd.DataFrame, view: view_state.View, *, what: str, key: str) -> None:
    """The CSV of the summary figures a page shows, with the header block."""
    shown = cards[cards.indicator.notna()]
    csv_download(lambda: downloads.summary_csv(
        shown, what=what, area=f"{view.area_name} ({view.area})",
        period=f"{formatting.month_name(view.period)}; {view.comparison_text.lower()}",
        generated_at=generated_at(), public=cache.public(),
    ), label="Download these figures (CSV)", file_stem=file_stem("lscsb", key, view.area, view.period), key=key)
