"""Exceptions: what moved notably, theme by theme, with commentary and the quarter's performance pack."""
from __future__ import annotations

from datetime import date

import streamlit as st

from lscsb_data import exceptions, periods, resolve_db_path
from lscsb_data.engine import latest_period
from pages import _cache, _narrative

DEFAULT_AREA = "E10000018"


def _shared(name: str) -> str | None:
    """A shared filter: the frame's session state if it set one, else the URL's query parameter."""
    value = st.session_state.get(name) or st.query_params.get(name)
    return value.strftime("%Y-%m") if isinstance(value, date) else value


def _literal(text: str) -> str:
    """Markdown that shows ``text`` exactly: every ASCII punctuation mark is backslash-escaped."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!|<>$~:&\"'=" else c for c in text)


ident = _cache.identity()
if ident is None:
    st.error(f"No database at {resolve_db_path()}: run `python -m lscsb_data build` first.")
    st.stop()
known_areas = _cache.areas(ident)
known_areas = known_areas[known_areas.has_data]
names = dict(zip(known_areas.code, known_areas.name))
area = _shared("area")
area = area if area in names else (DEFAULT_AREA if DEFAULT_AREA in names else next(iter(names)))
comparison = _shared("comparison") if _shared("comparison") in periods.COMPARISONS else "rolling12"
try:
    period = periods.parse_month(_shared("period"))
except ValueError:
    period = _cache._run(ident, latest_period, area=area) or _cache._run(ident, latest_period)

st.title(f"Exceptions: {names[area]}")
window = "rolling 12 months" if comparison == "rolling12" else "latest quarter against the same quarter a year earlier"
st.caption(f"What moved notably at {periods.month_name(period)} ({window}): significant changes, control-chart "
           "signals and figures outside their target range; most worrying first. Figures from the lscsb engine.")

quarters = [periods.quarter_of(periods.add_months(period, -3 * back)) for back in range(8)]
quarters = [q for q in quarters if q.end <= period] or quarters[1:]
quarter_column, filter_column = st.columns([2, 1], vertical_alignment="bottom")
quarter = quarter_column.selectbox("Quarter (for commentary and the pack)", quarters,
                                   format_func=lambda q: q.long_label, key="exceptions_quarter")
concern_only = filter_column.toggle("Only what is of concern", key="exceptions_concern_only")


sections = _cache._run(ident, exceptions.theme_report, period=period, area=area, comparison=comparison)
if any(row for s in sections for row in s["rows"].is_demo.fillna(False)):
    st.warning("Some of these figures are demonstration data, not real data: each is marked [demo data].")
for section in sections:
    st.header(section["name"], divider="blue")
    _narrative.commentary(f"theme-{section['theme']}", scope="theme", subject=section["theme"], area=area, quarter=quarter.label)
    rows = section["rows"]
    if concern_only:
        rows = rows[rows.outlook == "concern"]
    if section["message"] or rows.empty:
        st.markdown(f"*{_literal(section['message'] or 'Nothing of concern to report')}*")
    for row in rows.to_dict("records"):
        left, right = st.columns([3, 2])
        label = exceptions.OUTLOOK_LABELS[row["outlook"]]
        demo = " [demo data]" if row["is_demo"] else ""
        left.markdown(f"**{label}** ({_literal(row['reasons'])}): {_literal(row['sentence'] + demo)}")
        with right:
            _narrative.commentary(f"{row['indicator']}", scope="indicator", subject=row["indicator"], area=area,
                        quarter=quarter.label)

st.header("Performance pack", divider="blue")
st.caption("Title, summary, exceptions, a slide per theme with its charts and commentary, definitions.")
_narrative.pack_downloads(area, names[area], quarter)
