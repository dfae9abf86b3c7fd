"""Exceptions: what moved notably, theme by theme, with commentary and the quarter's performance pack."""
from __future__ import annotations

import streamlit as st

from lscsb_data.figures import exceptions, periods
from pages.shared import cache, frame, narrative_panel, view_state

frame.enter()

# The frame (app.py) has checked the database and the filters: area, period end and comparison.
view = view_state.current()
ident = cache.identity()
area, period, comparison = view.area, view.period, view.comparison

st.title(f"Exceptions: {view.area_name}")
window = "rolling 12 months" if comparison == "rolling12" else "latest quarter against the same quarter a year earlier"
st.caption(f"What moved notably at {periods.month_name(period)} ({window}): significant changes, control-chart "
           "signals and figures outside their target range; most worrying first.")

quarters = [periods.quarter_of(periods.add_months(period, -3 * back)) for back in range(8)]
quarters = [q for q in quarters if q.end <= period] or quarters[1:]
quarter_column, filter_column = st.columns([2, 1], vertical_alignment="bottom")
quarter = quarter_column.selectbox("Quarter (for commentary and the pack)", quarters,
                                   format_func=lambda q: q.long_label, key="exceptions_quarter")
concern_only = filter_column.toggle("Only what is of concern", key="exceptions_concern_only")


sections = cache.exception_report(ident, area, period, comparison)
if any(row for s in sections for row in s["rows"].is_demo.fillna(False)):
    st.warning("Some of these figures are demonstration data, not real data: each is marked [demo data].")
for section in sections:
    st.header(section["name"], divider="blue")
    narrative_panel.commentary(f"theme-{section['theme']}", scope="theme", subject=section["theme"], area=area, quarter=quarter.label)
    rows = section["rows"]
    if concern_only:
        rows = rows[rows.outlook == "concern"]
    if section["message"] or rows.empty:
        st.markdown(f"*{narrative_panel.literal(section['message'] or 'Nothing of concern to report')}*")
    for row in rows.to_dict("records"):
        left, right = st.columns([3, 2])
        label = exceptions.OUTLOOK_LABELS[row["outlook"]]
        demo = " [demo data]" if row["is_demo"] else ""
        left.markdown(f"**{label}** ({narrative_panel.literal(row['reasons'])}): {narrative_panel.literal(row['sentence'] + demo)}")
        with right:
            narrative_panel.commentary(f"{row['indicator']}", scope="indicator", subject=row["indicator"], area=area,
                        quarter=quarter.label)

st.header("Performance pack", divider="blue")
narrative_panel.pack_downloads(area, view.area_name, quarter)
