"""One theme's page: its indicators' figures, then one indicator's trend, district comparison and breakdown."""
from __future__ import annotations

import streamlit as st

from lscsb_data.presentation import charts, downloads, formatting, wording
from pages.shared import cache, narrative_panel, presentation, reconciliation_panel, ui, view_state
from pages.shared.text import literal

SUMMARY_COLUMNS = {
    "label": "Indicator", "value_text": "Value", "interval_text": "95% confidence interval", "previous_text": "Previous",
    "change_text": "Change", "direction_text": "Direction", "comparison_text": "Against the comparator",
    "window_text": "Period", "source_text": "Source", "status_text": "Note",
}
TREND_COLUMNS = {
    "period_text": "Period", "value_text": "Value", "numerator_text": "Numerator", "denominator_text": "Denominator",
    "rolling_value_text": "Rolling 12 months", "previous_year_text": "Same period a year earlier", "complete_text": "Complete",
}
DISTRICT_COLUMNS = {
    "area_name": "Area", "value_short": "Value", "interval_text": "95% confidence interval", "previous_short": "Previous",
    "change_text": "Change", "direction_text": "Direction", "comparison_text": "Against the comparator", "status_text": "Note",
}
# Plot heights (pixels) that fit a 1280x720 presentation screen under its controls, heading and figures.
PRESENT_TREND_HEIGHT = 190
PRESENT_BARS_HEIGHT = 190
PART_COLUMNS = {"short_name": "Part", "share_text": "Share", "value_short": "Value", "change_text": "Change",
                "direction_text": "Direction", "status_text": "Note"}


def render(theme: str) -> None:
    view = view_state.current()
    ident = cache.identity()
    meta = cache.themes(ident).set_index("id").loc[theme]
    cards = cache.overview_cards(ident, view.area, view.period, view.comparison, cache.public(), sparklines=False,
                                  theme=theme, comparator=view.comparator)
    ids = list(cards.id)
    names = dict(zip(cards.id, [("\u2003\u00b7 " if p else "") + n for n, p in zip(cards.short_name, cards.parent_id.notna())]))
    chosen = view.indicator if view.indicator in ids else ids[0]
    if view.present:
        _present(ident, view, meta, ids, chosen, names)
        return
    st.title(meta["name"])
    ui.demo_banner(bool(cards.is_demo.fillna(False).astype(bool).any()))
    st.caption(meta["description"])
    ui.view_caption(view)
    key = f"indicator_{theme}"
    st.session_state[key] = chosen
    st.selectbox("Indicator", ids, format_func=names.get, key=key,
                 on_change=lambda: view_state.choose_indicator(st.session_state[key]))
    _detail(ident, view, chosen)
    st.header(f"Every indicator in this theme: {view.area_name}", divider="gray")
    ui.figures_table(lambda: cards.assign(label=[names[i] for i in cards.id]), SUMMARY_COLUMNS, key=f"cards_{theme}")
    ui.summary_download(cards, view, what=f"{meta['name']}: every indicator", key=f"theme-{theme}")
    for caveat in dict.fromkeys(cards.caveats.dropna()):
        st.caption(f":material/info: {caveat}")


def _present(ident, view: view_state.View, meta, ids: list[str], chosen: str, names: dict) -> None:
    """One indicator per screen: the controls, the indicator and area, its figures, its trend and every district."""
    at = ids.index(chosen)
    name = names[chosen].lstrip("\u2003\u00b7 ")
    presentation.controls(f"{meta['short_name']} \u00b7 indicator {at + 1} of {len(ids)}: **{name}**",
                          on_previous=view_state.choose_indicator, args_previous=(ids[at - 1],),
                          on_next=view_state.choose_indicator, args_next=(ids[(at + 1) % len(ids)],))
    detail = cache.indicator_detail(ident, chosen, view.area, view.period, view.comparison, cache.public(),
                                    view.comparator)
    head, indicator = detail.headline, detail.indicator
    st.title(f"{indicator['name']}: {detail.area_name}")
    presentation.context_line(view, window=head["window_text"], source=head["source_text"])
    current, previous, words = st.columns([2, 2, 3])
    with current:
        ui.metric(head, label=head["window_text"])
    previous.metric(f"Previous: {head['previous_window_text'] or 'none'}", head["previous_short"])
    words.markdown(f"**{head['direction_text']}**  \n{head['unit_text']}")
    ui.notes([note for note in detail.notes if note.kind == "warning"], present=True)
    stem = ui.file_stem(indicator["id"], detail.area_code, view.period)
    trend_area, compare_area = st.columns([1, 1])
    with trend_area:
        _trend(detail, stem, present=True)
    with compare_area:
        _comparison(detail, stem, present=True)


def _detail(ident, view: view_state.View, indicator: str) -> None:
    detail = cache.indicator_detail(ident, indicator, view.area, view.period, view.comparison, cache.public(),
                                    view.comparator)
    head, meta = detail.headline, detail.indicator
    st.header(f"{meta['name']}: {detail.area_name}", divider="gray")
    current, previous, words = st.columns([2, 2, 3])
    with current:
        ui.metric(head, label=f"{head['window_text']}")
    previous.metric(f"Previous: {head['previous_window_text'] or 'none'}", head["previous_short"])
    words.markdown(f"**{head['direction_text']}**  \n{head['unit_text']}  \nSource: {literal(head['source_text'])}")
    ui.benchmark_line(head, detail.comparator_name)
    ui.notes(detail.notes)
    stem = ui.file_stem(meta["id"], detail.area_code, view.period)
    _trend(detail, stem, present=False)
    with st.expander("The trend's figures as a table", icon=":material/table:"):
        ui.figures_table(lambda: detail.trend.iloc[::-1], TREND_COLUMNS, key=f"trend_{indicator}")
        ui.csv_download(lambda: downloads.series_csv(detail.trend, what=f"{meta['name']}: each period and its rolling 12 months",
                                                      area=f"{detail.area_name} ({detail.area_code})", period=_span(detail.trend),
                                                      generated_at=ui.generated_at(), public=cache.public()),
                         label="Download the trend (CSV)", file_stem=f"{stem}-trend", key=f"trend_{indicator}")
    narrative_panel.indicator_panel(detail)
    # why: the district chart needs the page's width for its bars, intervals and the words beside them
    _comparison(detail, stem, present=False)
    if len(detail.districts):
        ui.csv_download(lambda: downloads.summary_csv(detail.districts, what=f"{meta['name']}: every area",
                                                       area="every district, the county, LLR and comparators",
                                                       period=head["window_text"], generated_at=ui.generated_at(),
                                                       public=cache.public()),
                        label="Download every area (CSV)", file_stem=f"{stem}-areas", key=f"areas_{indicator}")
    if len(detail.parts):
        _breakdown(detail, stem)
    reconciliation_panel.render(detail)


def _span(trend) -> str:
    return formatting.window_label(trend.period.min(), trend.period_end.max()) if len(trend) else "none"


def _trend(detail, stem: str, *, present: bool) -> None:
    meta = detail.indicator
    if detail.trend.value.notna().any() or detail.trend.suppressed.any():
        # why: on a presentation screen the heading above names the indicator, area, period and source
        ui.chart(lambda width: charts.trend_chart(detail.trend, indicator=meta, area_name=detail.area_name,
                                                   annotations=detail.annotations, width=width, large=present,
                                                   title="" if present else None, height=PRESENT_TREND_HEIGHT if present else None),
                  key=f"trend_{meta['id']}", file_stem=f"{stem}-trend", present=present)
    else:
        st.info(f"There are no figures for {meta['name']} in {detail.area_name} to draw a trend.")


def _comparison(detail, stem: str, *, present: bool) -> None:
    meta = detail.indicator
    if len(detail.districts) and detail.districts.current_value.notna().any():
        ui.chart(lambda width: charts.comparison_chart(detail.districts, indicator=meta, highlight_area=detail.area_code,
                                                        comparator_name=detail.comparator_name, width=width, large=present,
                                                        title="Every district against its comparator" if present else None,
                                                        height=PRESENT_BARS_HEIGHT if present else None),
                  key=f"districts_{meta['id']}", file_stem=f"{stem}-districts", present=present, png_width=640,
                  depends=(detail.comparator_code,),
                  table=None if present else (detail.districts, DISTRICT_COLUMNS),
                  table_label=f"Every area as a table, {detail.headline['window_text']} ({detail.headline['unit_text']})")
    else:
        st.info(f"There are no district figures for {meta['name']} in the {detail.headline['window_text']}.")


def _breakdown(detail, stem: str) -> None:
    meta = detail.indicator
    subject, plural = wording.subject(meta["id"], meta["name"])
    st.subheader(f"What {subject} {'are' if plural else 'is'} made of", divider="gray")
    for caveat in dict.fromkeys(detail.parts.caveats.dropna()):
        st.caption(f":material/info: {caveat}")
    if detail.parts.current_numerator.notna().any():
        chart_area, table_area = st.columns(2)
        with chart_area:
            ui.chart(lambda width: charts.breakdown_chart(detail.parts, indicator=meta, area_name=detail.area_name, width=width),
                      key=f"parts_{meta['id']}", file_stem=f"{stem}-breakdown", png_width=480)
        with table_area:
            st.markdown(f"**The parts, {detail.headline['window_text']}** ({detail.headline['unit_text']}; "
                        f"share of the {meta['short_name'].lower()} count)")
            ui.figures_table(detail.parts, PART_COLUMNS, key=f"parts_{meta['id']}")
    else:
        st.info(f"There is no breakdown of {meta['name']} for {detail.area_name} in the {detail.headline['window_text']}.")
