"""COVID-19 impact: the force's 8 March - 24 May comparison, any two periods compared, and police.uk months in 2020-2021."""
import streamlit as st

from lscsb_data.presentation import charts, formatting, pagedata
from lscsb_data.figures import export, periods
from lscsb_data.figures.covid import PERIOD_TEXT, SOURCE
from pages.shared import cache, frame, ui, view_state
from pages.shared.text import literal

frame.enter()

TABLE_COLUMNS = {"measure": "Measure", "count_2019_text": "2019", "count_2020_text": "2020", "change_text": "Change",
                 "change_pct_text": "% change (from the counts)", "all_forces_text": "All forces % change"}

view = view_state.current()
ident = cache.identity()
catalogue = cache.catalogue(ident)
names = dict(zip(catalogue.id, catalogue.name))
st.title("COVID-19 impact")
banner = st.container()

st.header("The force's comparison: 8 March - 24 May, 2019 against 2020", divider="gray")
covid = cache.covid_comparison(ident)
st.caption(f"Source: {SOURCE}. Leicestershire Police (LLR) as a whole. The % change is computed here from the two counts; "
           "the all-forces change is as the paper reported it. A measure with no 2019 count has no % change.")
# why: the chart first, at the page's full width so its title and legend fit; its table (the text alternative) under it
ui.chart(lambda width: charts.covid_change_chart(covid, width=width, large=view.present), key="covid_change",
         file_stem="lscsb-covid-change", present=view.present, png_width=720)
if not view.present:
    ui.figures_table(covid, TABLE_COLUMNS, key="covid_comparison")
    ui.csv_download(lambda: export.to_csv_text(covid[["measure", "count_2019", "count_2020", "change", "change_pct",
                                                       "all_forces_pct_change"]],
                                                header_lines=[f"What: COVID-19 period comparison, {PERIOD_TEXT}",
                                                              "Area: Leicestershire Police (LLR)", f"Source: {SOURCE}",
                                                              f"Generated: {ui.generated_at():%Y-%m-%d %H:%M}"]),
                    label="Download this table (CSV)", file_stem="lscsb-covid-period", key="covid_table")

st.header(f"Compare any two periods: {view.area_name}", divider="gray")
months = sorted(cache.months(ident))
if len(months) < 2:
    st.info("The database holds too few months to compare two periods.")
else:
    chosen = view.indicator if view.indicator in names else "policeuk_all_crime" if "policeuk_all_crime" in names else catalogue.id.iloc[0]
    indicator = st.selectbox("Indicator", list(names), index=list(names).index(chosen), format_func=names.get, key="covid_indicator")
    first_default, second_default = cache.default_ranges(ident, indicator, view.area)
    left, right = st.columns(2)
    # why: the keys name the indicator and area so the ranges start where that indicator has figures
    first = left.select_slider("First period", months, value=first_default, format_func=formatting.month_name,
                               key=f"covid_first_{indicator}_{view.area}")
    second = right.select_slider("Second period", months, value=second_default, format_func=formatting.month_name,
                                 key=f"covid_second_{indicator}_{view.area}")
    result = cache.range_comparison(ident, indicator, view.area, tuple(first), tuple(second), cache.public())
    with banner:
        ui.demo_banner(bool(result.rows.is_demo.fillna(False).astype(bool).any()))
    a, b, c = st.columns(3)
    a.metric(result.rows.window_text.iloc[0], result.rows.count_text.iloc[0], help=result.rows.value_text.iloc[0])
    b.metric(result.rows.window_text.iloc[1], result.rows.count_text.iloc[1], help=result.rows.value_text.iloc[1])
    c.metric("Change in the count", formatting.format_change(result.count_change, result.count_change_pct, {"unit": "count"}) or "no comparison")
    st.caption(f"Rates: {result.rows.value_text.iloc[0]} against {result.rows.value_text.iloc[1]}. "
               f"Source: {literal(formatting.source_text(result.indicator.get('source'), result.rows.data_source.iloc[1], bool(result.rows.is_demo.fillna(False).any())))}.")
    ui.notes(result.notes)

st.header(f"police.uk month by month, 2020-2021: {view.area_name}", divider="gray")
available = [i for i in catalogue[catalogue.theme == "policeuk"].id]
picked = st.multiselect("Categories", available, default=[i for i in pagedata.COVID_SERIES if i in available],
                        format_func=names.get, key="covid_series") if not view.present else [i for i in pagedata.COVID_SERIES if i in available]
monthly = cache.covid_series(ident, view.area, tuple(picked), cache.public()) if picked else None
if monthly is None or monthly.empty or monthly.numerator.isna().all():
    st.info(f"There are no police.uk figures for {view.area_name} in 2020-2021.")
else:
    ui.chart(lambda width: charts.monthly_counts_chart(monthly, area_name=view.area_name, annotations=cache.annotations(ident),
                                                        width=width, large=view.present),
              key="covid_monthly", file_stem=ui.file_stem("lscsb-policeuk-2020-2021", view.area), present=view.present,
              depends=tuple(picked))
    if not view.present:
        with st.expander("The chart's figures as a table", icon=":material/table:"):
            ui.table(lambda: pagedata.months_by_category(monthly), key="covid_monthly", depends=tuple(picked))
    st.caption(f"The national lockdowns in England began on 23 March 2020, 5 November 2020 and 6 January 2021. "
               f"Period end chosen in the sidebar ({periods.month_label(view.period)}) does not limit this chart.")
