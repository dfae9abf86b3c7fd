"""Exceptions: a table first (what is both worse than the comparator and worsening, then what moved notably), in
the Overview's own words and figures, then the drafted sentences theme by theme with commentary, and the pack."""
from __future__ import annotations

import streamlit as st

from lscsb_data.figures import exceptions, periods
from lscsb_data.presentation import profile as area_profile, vocabulary
from pages.shared import cache, frame, narrative_panel, ui, view_state
from pages.shared.links import detail_link

frame.enter()

# The frame (app.py) has checked the database and the filters: area, period end, comparison and comparator.
view = view_state.current()
ident = cache.identity()
area, period, comparison = view.area, view.period, view.comparison
profile = cache.profile(ident, area, period, comparison, cache.public(), view.comparator)
themes = cache.themes(ident)

ui.compact_page()
st.title(f"Exceptions: {view.area_name}")
ui.view_caption(view)
quarters = [periods.quarter_of(periods.add_months(period, -3 * back)) for back in range(8)]
quarters = [q for q in quarters if q.end <= period] or quarters[1:]
quarter_column, filter_column = st.columns([2, 1], vertical_alignment="bottom")
quarter = quarter_column.selectbox("Quarter (for commentary and the pack)", quarters,
                                   format_func=lambda q: q.long_label, key="exceptions_quarter")
concern_only = filter_column.toggle("Only what is of concern", key="exceptions_concern_only")

# why: each indicator at the period the Overview shows it, so the two pages never disagree about a figure
sections = cache.exception_report(ident, area, period, comparison, cache.public())
if concern_only:
    sections = [{**s, "rows": s["rows"][s["rows"].outlook == "concern"]} for s in sections]

st.subheader(f"Worse than {profile.comparator_name} and worsening (red-red)", divider="orange")


def red_red_html() -> str | None:
    red_red = profile.rows[profile.rows.red_red]
    if red_red.empty:
        return None
    return area_profile.profile_html(profile, themes=themes, link=detail_link(view), only=dict.fromkeys(red_red.id, "red-red"),
                                     caption=f"Worse than {profile.comparator_name} (or outside the target band) and "
                                             "worsening: a significant change on the previous 12 months or a significant "
                                             "five-year trend in the wrong direction.")


def notable_html() -> str | None:
    reasons = area_profile.exception_reasons(sections, exceptions.OUTLOOK_LABELS,
                                             {code: term.word for code, term in vocabulary.SIGNALS.items()})
    if not reasons:
        return None
    return area_profile.profile_html(profile, themes=themes, link=detail_link(view), only=reasons,
                                     caption="Significant changes on the previous 12 months (95%), control-chart "
                                             "signals at the latest period and figures outside their target band; "
                                             "most worrying first within each theme.")


# why: the two tables' HTML is made once per view (ui.once), not on every run
red_red = ui.once("exceptions_red_red", red_red_html)
if red_red is None:
    st.markdown(f"None: no figure for {view.area_name} is both worse than {profile.comparator_name} and worsening.")
else:
    st.html(red_red)

st.subheader("What moved notably", divider="blue")
notable = ui.once("exceptions_notable", notable_html, depends=(concern_only,))
if notable is None:
    st.markdown("Nothing moved notably.")
else:
    st.html(notable)

st.subheader("The drafted report", divider="blue")
st.caption("One sentence per exception for the board's report, each in one unit and one window; commentary beside it.")
if any(row for s in sections for row in s["rows"].is_demo.fillna(False)):
    st.warning("Some of these figures are demonstration data, not real data: each is marked [demo data].")
for section in sections:
    with st.expander(f"{section['name']}: {len(section['rows'])} exception{'' if len(section['rows']) == 1 else 's'}",
                     expanded=bool(len(section["rows"]))):
        narrative_panel.commentary(f"theme-{section['theme']}", scope="theme", subject=section["theme"], area=area,
                                   quarter=quarter.label)
        if section["message"] or section["rows"].empty:
            st.markdown(f"*{narrative_panel.literal(section['message'] or 'Nothing of concern to report')}*")
        for row in section["rows"].to_dict("records"):
            left, right = st.columns([3, 2])
            label = exceptions.OUTLOOK_LABELS[row["outlook"]]
            demo = " [demo data]" if row["is_demo"] else ""
            left.markdown(f"**{label}** ({narrative_panel.literal(row['reasons'])}): "
                          f"{narrative_panel.literal(row['sentence'] + demo)}")
            with right:
                narrative_panel.commentary(f"{row['indicator']}", scope="indicator", subject=row["indicator"], area=area,
                                           quarter=quarter.label)

st.header("Performance pack", divider="blue")
narrative_panel.pack_downloads(area, view.area_name, quarter)
