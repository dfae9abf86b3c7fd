"""Data and downloads: the catalogue, the sources and when they were loaded, and CSV downloads."""
import streamlit as st

from lscsb_data.figures import export
from pages.shared import access, accessibility, audit_section, cache, coverage_section, disclosure_section, frame, quality_section, ui, view_state

frame.enter()

CATALOGUE_COLUMNS = {
    "name": "Indicator", "theme_short_name": "Theme", "definition": "Definition", "unit_text": "Unit",
    "polarity_text": "Polarity", "frequency": "Frequency", "source": "Source", "caveats": "Caveats",
    "latest_period_text": "Latest period", "data_kind": "Data",
}

view = view_state.current()
ident = cache.identity()
catalogue = cache.catalogue(ident)
st.title("Data and downloads")
ui.demo_banner(bool(catalogue.has_demo.fillna(False).astype(bool).any()))

st.header("Downloads", divider="gray")
ui.view_caption(view)
cards = cache.overview_cards(ident, view.area, view.period, view.comparison, cache.public())
st.write("**The figures you are looking at**: every indicator's current and previous figures for the area and period "
         "in the sidebar, with the header block naming source, period, area and when the file was made.")
ui.summary_download(cards, view, what="every indicator's current and previous figures", key="data-view")
st.write("**Everything held**: " + ("every indicator and area, each period and its rolling 12 months, with sensitive "
                                    "counts protected (see Disclosure control below)." if cache.public() else
                                    "every stored figure, each with its source and whether it is demonstration data."))
st.download_button("Download the full extract (CSV)", data=lambda: cache.full_extract(ident, cache.public(), ui.generated_at()),
                   file_name="lscsb-full-extract.csv", mime="text/csv", key="full_extract", on_click="ignore",
                   icon=":material/download:")
st.write("**The catalogue**: every indicator's definition, unit, polarity, frequency, source and caveats.")
ui.csv_download(lambda: export.to_csv_text(catalogue[list(CATALOGUE_COLUMNS)].rename(columns=CATALOGUE_COLUMNS)),
                 label="Download the catalogue (CSV)", file_stem="lscsb-catalogue", key="catalogue")

st.header("Sources and when they were loaded", divider="gray")
held = cache.data_as_at(ident)
ui.figures_table(lambda: held.assign(kind=held.is_demo.map({True: "demonstration", False: "real"})),
                 {"source_label": "Source", "kind": "Data", "text": "Holds"}, key="data_as_at")

st.header("The indicator catalogue", divider="gray")
st.dataframe(catalogue[list(CATALOGUE_COLUMNS)].rename(columns=CATALOGUE_COLUMNS), hide_index=True, width="stretch")

# Data quality (issue 4): the loading engineer's checks from lscsb_data/quality.py are shown in this section.
st.header("Data quality", divider="gray")
quality_section.render(ident)

coverage_section.render(ident)

disclosure_section.render(catalogue, public=cache.public())
st.caption(access.public_mode_words(cache.public()))

audit_section.render()
accessibility.render()
