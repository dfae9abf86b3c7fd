"""Maps: police.uk crime by LSOA for the chosen area, with the LSOAs that hold most of it, and every district's
figure for any indicator."""
import streamlit as st

from lscsb_data.figures import periods
from lscsb_data.presentation import downloads, formatting, maps
from pages.shared import cache, frame, places_data, ui, view_state

frame.enter()

TOP_COLUMNS = {"lsoa_name": "LSOA", "count_text": "Count", "share_text": "Share", "previous_text": "Year before",
               "change_text": "Change"}
# why: four columns fit the side column at 1280 pixels; the comparison replaces the previous value when it shades the map
DISTRICT_COLUMNS = {"area_name": "Area", "value_short": "Value", "change_text": "Change", "direction_text": "Direction"}
COMPARISON_COLUMNS = {"area_name": "Area", "value_short": "Value", "comparison_text": "Compared", "direction_text": "Direction"}

view = view_state.current()
ident = cache.identity()
catalogue = cache.catalogue(ident).set_index("id", drop=False)
names = dict(zip(cache.areas(ident).code, cache.areas(ident).name))
crime_types = places_data.policeuk_indicators(ident)
st.title(f"Maps: {view.area_name}")
if not view.present:
    ui.view_caption(view)

st.header("Where: police.uk crime by neighbourhood (LSOA)", divider="gray")
drawn = [code for code in places_data.local_authorities(ident, view.area) if code in maps.mapped_lsoa_areas()]
map_area, side = st.columns([3, 2])
default_type = view.indicator if view.indicator in set(crime_types.id) else crime_types.id.iloc[0]
crime_type = side.selectbox("Crime type", list(crime_types.id), index=list(crime_types.id).index(default_type),
                            format_func=dict(zip(crime_types.id, crime_types.name)).get, key="map_crime_type")
meta = catalogue.loc[crime_type].to_dict()
# why: one period for the whole app: police.uk may end before it, so the map counts its latest 12 months, saying so
end = places_data.latest_month(ident, view.area, view.period)
counts = places_data.lsoa_counts(ident, view.area, end, crime_type, cache.public())
previous = places_data.lsoa_counts(ident, view.area, periods.add_months(end, -12), crime_type, cache.public())
window = maps.window_text(counts, period=view.period)
if not drawn:
    map_area.info(f"There is no LSOA map for {view.area_name}: the maps hold the LSOAs of Leicestershire's districts, "
                  "Leicester and Rutland. Choose one of them, the county or LLR in the sidebar.")
elif counts.months_held == 0:
    map_area.info(f"There are no police.uk figures for {view.area_name} in the {window} or before: choose a later "
                  "period in the sidebar (see Data as at).")
elif counts.withheld:
    map_area.info(maps.withheld_text(meta, area_name=view.area_name), icon=":material/lock:")
else:
    with map_area:
        if not counts.complete:
            st.warning(f"Only {counts.months_held} of the {counts.months} months to {formatting.month_name(end)} "
                       f"are held for {view.area_name}: the map counts those months only.", icon=":material/warning:")
        ui.chart(lambda width: maps.lsoa_map(counts, indicator=meta, area_name=view.area_name, area_codes=drawn,
                                             area_names=names, width=width, large=view.present, period=view.period),
                 key=f"lsoa_map_{crime_type}", file_stem=ui.file_stem("lsoa-map", crime_type, view.area, end),
                 present=view.present, png_width=620, depends=(crime_type,))
        for note in maps.lsoa_notes(counts, area_name=view.area_name):
            st.caption(f":material/info: {note}")
    with side:
        st.markdown(f"**The {maps.TOP_LSOAS} LSOAs with most {meta['short_name'].lower()}**, {window} "
                    f"({counts.rows:,} in {view.area_name}; source: police.uk)")
        ui.figures_table(maps.top_lsoas(counts, previous=previous), TOP_COLUMNS)
        if not view.present:
            ui.csv_download(lambda: downloads.lsoa_csv(counts, area_name=view.area_name, indicator=meta,
                                                       generated_at=ui.generated_at(), public=cache.public()),
                            label="Download every LSOA (CSV)", file_stem=ui.file_stem("lsoa", crime_type, view.area, end),
                            key=f"lsoa_{crime_type}")

st.header("Each district", divider="gray")
ids = list(catalogue.id)
chosen = view.indicator if view.indicator in ids else crime_type
map_area, side = st.columns([3, 2])
st.session_state["map_indicator"] = chosen
side.selectbox("Indicator", ids, format_func=dict(zip(catalogue.id, catalogue.name)).get, key="map_indicator",
               on_change=lambda: view_state.choose_indicator(st.session_state["map_indicator"]))
# why: by default each district is compared with its own comparator; one chosen in the sidebar is every district's
detail = cache.indicator_detail(ident, chosen, view.area, view.period, view.comparison, cache.public(),
                                None if view.comparator_is_default else view.comparator)
bars = detail.districts[detail.districts.role == "bar"] if len(detail.districts) else detail.districts
if len(bars) == 0 or bars.current_value.isna().all():
    map_area.info(f"There are no district figures for {detail.indicator['name']} in the {detail.headline['window_text']}.")
else:
    shade = "value"
    if maps.has_comparison(detail.districts):
        shade = side.radio("Shade by", ["value", "comparison"], horizontal=True, key="map_shade",
                           format_func={"value": "value", "comparison": "comparison with its comparator"}.get)
        if shade == "comparison":
            side.caption(maps.comparator_note(detail.districts, names))
    with map_area:
        ui.demo_banner(bool(bars.is_demo.fillna(False).astype(bool).any()))
        ui.chart(lambda width: maps.district_map(detail.districts, indicator=detail.indicator, highlight_area=view.area,
                                                 width=width, large=view.present, shade=shade, area_names=names),
                 key=f"district_map_{chosen}", file_stem=ui.file_stem("district-map", chosen, view.area, view.period),
                 present=view.present, png_width=620, depends=(chosen, shade))
    with side:
        latest = "latest: " if detail.period < view.period else ""
        st.markdown(f"**{detail.indicator['name']}, {latest}{detail.headline['window_text']}** ({detail.headline['unit_text']}; "
                    f"source: {detail.headline['source_text']})")
        ui.figures_table(maps.district_table(detail.districts), COMPARISON_COLUMNS if shade == "comparison" else DISTRICT_COLUMNS)
