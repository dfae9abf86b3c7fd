"""Running the whole app (app.py's frame and one page) under AppTest, for the page tests and the page benchmark."""
from __future__ import annotations

from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = {
    "overview": None, "crime": "pages/crime.py", "offending": "pages/offending.py", "victims": "pages/victims.py",
    "asb": "pages/asb.py", "hate": "pages/hate.py", "policeuk": "pages/policeuk.py", "covid": "pages/covid.py",
    "data": "pages/data.py", "exceptions": "pages/exceptions.py", "maps": "pages/maps.py",
}


class NavigationPagesManager(PagesManager):
    """AppTest's pages manager as the server's is after app.py's first run: st.navigation, not the pages folder.

    AppTest resets the process-wide flag before every run, so it would otherwise run a page file
    without app.py's frame on every rerun (a real server does that only for its very first request).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


def use_navigation() -> None:
    """Make every AppTest run go through app.py's st.navigation (see ``NavigationPagesManager``)."""
    app_test.PagesManager = NavigationPagesManager


def app(page: str, **params) -> AppTest:
    """An AppTest of the whole app opened on ``page`` with ``params`` in the URL (not yet run)."""
    at = AppTest.from_file(APP, default_timeout=120)
    if PAGES[page]:
        at.switch_page(str(ROOT / PAGES[page]))
    for key, value in params.items():
        at.query_params[key] = value
    return at
