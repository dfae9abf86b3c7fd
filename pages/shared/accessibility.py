"""The accessibility statement on the Data page (Public Sector Bodies Accessibility Regulations 2018)."""
from __future__ import annotations

import streamlit as st

STATEMENT = """
This dashboard is meant for everyone who uses the board's figures, and aims to meet the Web Content
Accessibility Guidelines (WCAG) 2.2 at level AA.

- **Every chart has its figures as a table** next to it or under it ("The chart's figures as a table"), which a
  keyboard and a screen reader reach; each chart also carries a short description of what it shows.
- **Colour never carries meaning alone.** Directions of travel are always written out (improving, stable,
  worsening, within or outside the target band) beside their arrow; colours are chosen to be told apart with
  the common kinds of colour blindness, and every text colour has a contrast of at least 4.5 to 1.
- **Presentation mode** (in the sidebar) shows one theme or one indicator per screen in larger type, with
  Previous and Next on the left and right arrow keys and an *Exit presentation* button.
- **Downloads**: every table can be downloaded as CSV, which opens in a spreadsheet or a screen reader's
  table view.

**How we test it.** Every release runs the axe-core accessibility checks on every page, in the default view, for
a district, in presentation mode and in the public deployment, and fails on any serious or critical problem;
presentation screens are measured at 1280x720 and 1920x1080 for anything cut off.

**Known limits.** Hovering over a chart shows its figures for each point, which a keyboard cannot do: the table
beside each chart holds the same figures. Charts downloaded as PNG images carry no text alternative of their own;
use the CSV download alongside them.

**Feedback.** If you find part of the dashboard hard to use, or need the figures in another format, contact the
community safety team at Leicestershire County Council, who run it for the Leicestershire Safer Communities
Strategy Board. If you are not happy with the reply, contact the Equality Advisory and Support Service (EASS).
"""


def render() -> None:
    """The statement as its own section of the Data page."""
    st.header("Accessibility statement", divider="gray")
    st.markdown(STATEMENT)
