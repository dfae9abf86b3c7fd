"""Running the whole app (app.py's frame and one page) under AppTest, for the page tests and the page benchmark."""
from __future__ import annotations

import csv
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test
from streamlit.util import calc_hash

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
with open(ROOT / "data" / "themes.csv", newline="", encoding="utf-8") as _themes:
    THEMES = [row["id"] for row in csv.DictReader(_themes)]
# Every page the frame lists with uploads off: its url name and its file.
PAGES = {"overview": None, **{theme: "pages/theme.py" for theme in THEMES}, "covid": "pages/covid.py",
         "data": "pages/data.py", "exceptions": "pages/exceptions.py", "maps": "pages/maps.py"}


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
        go(at, page)
    for key, value in params.items():
        at.query_params[key] = value
    return at


def go(at: AppTest, page: str) -> AppTest:
    """Switch ``at`` to ``page``, a url name ("crime", "covid") or a file under pages/ ("pages/covid.py")."""
    name = Path(page).stem if page.endswith(".py") else page
    if name in THEMES:
        # why: every theme's page is pages/theme.py at its own url path, and AppTest switches pages by file
        at._page_hash = calc_hash(name)
    else:
        at.switch_page(str(ROOT / "pages" / f"{name}.py"))
    return at


def record_downloads(monkeypatch) -> dict[str, object]:
    """Every download button the pages draw from now on, by label: the data exactly as the button would serve it."""
    import streamlit

    seen: dict[str, object] = {}
    original = streamlit.download_button

    def recording(label, data=None, *args, **kwargs):
        seen[label] = data
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording)
    return seen
