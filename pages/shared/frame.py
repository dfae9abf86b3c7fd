"""The dashboard's frame around every page: page config, the page list and its menu, the shared sidebar filters
(kept in the URL) and the "data as at" lines, then the page.

``app.py`` runs it. So does the first line of every page file (``frame.enter()``): a just-started server may run
the file a link names on its own, without app.py (Streamlit's pages-folder mode, which lasts until the first
``st.navigation`` call in the process); the page then runs the frame, which runs the page inside it. Streamlit's
own menu is switched off (``client.showSidebarNavigation`` in .streamlit/config.toml), so that mode's list of
files is never shown: the frame draws the menu from its own page list. Theme pages come from data/themes.csv.
"""
from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from lscsb_data import resolve_db_path
from pages.shared import access, cache, view_state
from pages.shared.text import literal

PAGES_DIR = Path(__file__).resolve().parents[1]
# why: a file the app serves itself, as a Material icon name would have every visitor's browser fetch it from Google
ICON = Path(__file__).with_name("icon.svg")
THEME_PAGE = PAGES_DIR / "theme.py"
# Pages that work on a database holding no figures yet (the first load is made there).
PAGES_WITHOUT_FIGURES = {"upload"}


def page_list(themes, viewer) -> dict[str, list]:
    """The pages ``viewer`` may open, grouped as the menu shows them; one theme page per row of data/themes.csv,
    at its id."""
    pages = {
        "Performance": [
            st.Page(PAGES_DIR / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page(PAGES_DIR / "exceptions.py", title="Exceptions and the pack", icon=":material/priority_high:"),
        ],
        "Themes": [st.Page(THEME_PAGE, title=row.short_name, icon=f":material/{row.icon}:", url_path=row.id)
                   for row in themes.itertuples()]
                  + [st.Page(PAGES_DIR / "maps.py", title="Maps", icon=":material/map:")],
        "Context and data": [
            st.Page(PAGES_DIR / "covid.py", title="COVID-19 impact", icon=":material/coronavirus:"),
            st.Page(PAGES_DIR / "data.py", title="Data and downloads", icon=":material/download:"),
        ],
    }
    if viewer.can_upload:
        pages["Context and data"].append(st.Page(PAGES_DIR / "upload.py", title="Upload data", icon=":material/upload:"))
    return pages


_BY_URL: dict[str, object] = {}


def page(url_path: str):
    """The page at ``url_path`` (a theme's id, "covid" ...), for ``st.page_link``."""
    return _BY_URL[url_path]


def menu(pages: dict[str, list]) -> None:
    """The page menu in the sidebar: each group's name over links to its pages (the current one marked)."""
    with st.sidebar.container(key="page_menu"):
        # why: the links close together, so the sidebar (menu, filters, "data as at") fits a 1000-pixel window unscrolled;
        # a group's name keeps clear of the links, whose boxes reach 6 px beyond their rows
        # each link a 24-pixel target that no neighbour overlaps (WCAG 2.2 2.5.8; Streamlit's own negative margins
        # overlap them by 6 px), which beats Streamlit's styles only with !important
        st.html("<style>.st-key-page_menu { gap: 0 !important; } "
                ".st-key-page_menu [data-testid='stElementContainer']:has([data-testid='stMarkdown']) "
                "{ margin: 0.5rem 0 6px; } .st-key-page_menu [data-testid='stMarkdown'] p { margin: 0; } "
                ".st-key-page_menu [data-testid='stElementContainer']:has([data-testid='stPageLink']) { margin: 0 !important; } "
                ".st-key-page_menu [data-testid='stPageLink-NavLink'] { margin: 0 !important; height: 24px !important; } "
                ".st-key-page_menu [data-testid='stPageLink-NavLink'] * { line-height: 24px !important; }</style>")
        for section, items in pages.items():
            st.markdown(f"**{section}**")
            for page in items:
                st.page_link(page, label=page.title, icon=page.icon)


def enter() -> None:
    """Run the frame (and this page inside it) unless the frame is already running this page: the first line of
    every page file."""
    if not st.session_state.get(view_state.FRAME_RUNNING):
        run()
        st.stop()


def run() -> None:
    """Everything app.py does: set up the page, resolve which page the URL names, draw the sidebar, run the page."""
    st.set_page_config(
        page_title="Safer Communities performance", page_icon=ICON, layout="wide",
        # why: a presentation link opens with the sidebar out of the way
        initial_sidebar_state="collapsed" if st.query_params.get("present") in {"1", "true"} else "expanded",
        menu_items={"About": "Leicestershire Safer Communities Strategy Board performance dashboard."},
    )
    viewer = access.frame_started()
    cache.settle_heap()
    ident = cache.identity()
    if ident is None:
        st.navigation([st.Page(PAGES_DIR / "overview.py", title="Overview", default=True)], position="hidden")
        st.error(f"There is no database at {resolve_db_path()} yet. Build it with `make build` "
                 "(or `python -m lscsb_data build`), then reload this page.")
        st.stop()
    themes = cache.themes(ident)
    pages = page_list(themes, viewer)
    page = st.navigation(pages, position="hidden")
    _BY_URL.update({item.url_path: item for items in pages.values() for item in items})
    menu(pages)
    options = cache.view_options(ident, viewer.default_area)
    messages = view_state.adopt_url(options)
    access.sidebar(viewer, options.areas)
    theme = page.url_path if page.url_path in set(themes.id) else None
    # why: one period for the whole app: every page opens on the same month for an area (docs/methods.md)
    view = view_state.sidebar_filters(options, lambda area: cache.default_period(ident, area),
                                      lambda area: cache.comparator_choices(ident, area), theme=theme)
    with st.sidebar:
        st.caption("**Data as at**")
        # why: a source label is whatever a loader typed, so it is shown as text, never read as markdown
        for line in cache.data_as_at(ident).text:
            st.caption(literal(line))
    for message in messages:
        st.warning(message, icon=":material/link_off:")
    view_state.frame_started()
    try:
        if view.period is None and page.url_path not in PAGES_WITHOUT_FIGURES:
            st.info("The database holds no figures yet: load some with `python -m lscsb_data load FILE` or `make build`.")
        else:
            with cache.page_slot():
                page.run()
    except Exception:
        logging.getLogger("lscsb").exception("page %s failed", page.url_path)
        st.error("Part of this page could not be shown because of an unexpected problem. It has been logged; "
                 "try another area or period, or reload the page.")
    finally:
        view_state.write_url()
        view_state.frame_finished()
    cache.start_prerender(ident)
