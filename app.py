"""The dashboard's frame: page config, the page list, the shared sidebar filters (kept in the URL)
and the "data as at" lines. Each page in pages/ renders one view of the figures the engine gives."""
from __future__ import annotations

import logging

import streamlit as st

from lscsb_data.presentation import pagedata
from lscsb_data import resolve_db_path
from lscsb_data.config import env_flag
from pages.shared import cache, view_state, ui
from pages.shared.text import literal

st.set_page_config(
    page_title="Safer Communities performance",
    page_icon=":material/shield:",
    layout="wide",
    # why: a presentation link opens with the sidebar out of the way
    initial_sidebar_state="collapsed" if st.query_params.get("present") in {"1", "true"} else "expanded",
    menu_items={"About": "Leicestershire Safer Communities Strategy Board performance dashboard."},
)

# The page list, grouped as the sidebar shows it: one line per page.
PAGES = {
    "Performance": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/exceptions.py", title="Exceptions and the pack", icon=":material/priority_high:"),
    ],
    "Themes": [
        st.Page("pages/crime.py", title="Crime", icon=":material/local_police:"),
        st.Page("pages/offending.py", title="Offending and re-offending", icon=":material/gavel:"),
        st.Page("pages/victims.py", title="Domestic abuse and victims", icon=":material/diversity_1:"),
        st.Page("pages/asb.py", title="ASB and satisfaction", icon=":material/campaign:"),
        st.Page("pages/hate.py", title="Hate and cohesion", icon=":material/handshake:"),
        st.Page("pages/policeuk.py", title="police.uk public data", icon=":material/public:"),
    ],
    "Context and data": [
        st.Page("pages/covid.py", title="COVID-19 impact", icon=":material/coronavirus:"),
        st.Page("pages/data.py", title="Data and downloads", icon=":material/download:"),
    ],
}
if env_flag("LSCSB_ALLOW_UPLOAD"):
    PAGES["Context and data"].append(st.Page("pages/upload.py", title="Upload data", icon=":material/upload:"))

# Which theme's indicators set a page's default period (the latest month they are all complete); others use all.
PAGE_THEMES = {"crime": "crime", "offending": "offending", "victims": "victims", "asb": "asb", "hate": "hate",
               "policeuk": "policeuk"}

PRESENTATION_CSS = """
<style>
html { font-size: 20px; }
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none; }
[data-testid="stMain"] .block-container { padding-top: 1rem; max-width: 100%; }
[data-testid="stMetricValue"] { font-size: 3rem; }
</style>
"""

cache.settle_heap()
page = st.navigation(PAGES, position="sidebar", expanded=True)
ident = cache.identity()
if ident is None:
    st.error(f"There is no database at {resolve_db_path()} yet. Build it with `make build` "
             "(or `python -m lscsb_data build`), then reload this page.")
    st.stop()

areas = cache.areas(ident)
catalogue = cache.catalogue(ident)
options = view_state.Options(areas=areas, months=cache.months(ident), indicators=frozenset(catalogue.id),
                         default_area=pagedata.default_area(areas))
messages = view_state.adopt_url(options)
theme = PAGE_THEMES.get(page.url_path)
view_indicators = tuple(catalogue[catalogue.theme == theme].id) if theme else None
view = view_state.sidebar_filters(options, lambda area: cache.default_period(ident, area, view_indicators))

with st.sidebar:
    st.caption("**Data as at**")
    # why: a source label is whatever a loader typed, so it is shown as text, never read as markdown
    for line in cache.data_as_at(ident).text:
        st.caption(literal(line))
if view.present:
    st.html(PRESENTATION_CSS)
for message in messages:
    st.warning(message, icon=":material/link_off:")

view_state.frame_started()
try:
    if view.period is None:
        st.info("The database holds no figures yet: load some with `python -m lscsb_data load FILE` or `make build`.")
    else:
        page.run()
except Exception:
    logging.getLogger("lscsb").exception("page %s failed", page.url_path)
    st.error("Part of this page could not be shown because of an unexpected problem. It has been logged; "
             "try another area or period, or reload the page.")
finally:
    view_state.write_url()
    view_state.frame_finished()
