"""Presentation mode: one theme (Overview) or one indicator (a theme's page) per screen, for a projector.

Each screen starts with one row of controls (a visible exit, Previous / Next, also on the left and right arrow
keys, and where in the deck it is), then a heading and one line naming the area, the period and the source, so a
photo of any slide still says what it shows. The CSS fits a screen of 1280x720 without scrolling; the e2e test
``tests/e2e/test_presentation.py`` measures it at 1280x720 and 1920x1080.
"""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from lscsb_data.presentation import formatting
from pages.shared.text import literal

CSS = """
<style>
html { font-size: 18px; }
@media (min-width: 1800px) { html { font-size: 24px; } }
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] { display: none; }
[data-testid="stMain"] .block-container { padding: 0.75rem 2rem 0.5rem; max-width: 100%; }
[data-testid="stMain"] h1 { font-size: 1.9rem; padding: 0.25rem 0 0; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.6rem; }
[data-testid="stMetricValue"] { font-size: 2.6rem; }
</style>
"""


def _exit() -> None:
    st.session_state["present"] = False


def controls(position: str, *, on_previous: Callable, on_next: Callable, args_previous=(), args_next=()) -> None:
    """Exit, Previous, where we are, Next: one row at the top of every presentation screen."""
    st.html(CSS)
    leave, back, where, forward = st.columns([1.3, 1, 3, 1], vertical_alignment="center")
    leave.button("Exit presentation", icon=":material/close:", key="present_exit", on_click=_exit, width="stretch",
                 help="Back to the full dashboard (or switch Presentation mode off in the sidebar).")
    # why: the shortcut's own arrow is drawn beside the label, so the buttons carry no arrow icon of their own
    back.button("Previous", shortcut="Left", key="present_previous", on_click=on_previous, args=args_previous,
                width="stretch")
    where.markdown(position, text_alignment="center")
    forward.button("Next", shortcut="Right", key="present_next", on_click=on_next, args=args_next, width="stretch")


def context_line(view, *, window: str = "", source: str = "", demo: bool = False) -> None:
    """The area, the period and the source, in one line under the slide's heading."""
    period = window or f"period ending {formatting.month_name(view.period)}"
    parts = [f"**{view.area_name}**", period]
    if source:
        parts.append(f"Source: {literal(source)}")
    if demo and "demonstration" not in source:
        parts.append("includes demonstration data")
    st.caption(" · ".join(parts))
