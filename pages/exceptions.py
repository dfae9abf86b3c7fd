"""Exceptions: what moved notably, theme by theme, with commentary and the quarter's performance pack."""
from __future__ import annotations

import os
from datetime import date

import streamlit as st

from lscsb_data import connect, exceptions, narrative, pack, periods, resolve_db_path
from lscsb_data.engine import areas, latest_period

FILTER_KEYS = ("area", "period", "comparison")
DEFAULT_AREA = "E10000018"


@st.cache_resource(show_spinner=False)
def _connection(path: str, stamp: tuple[int, float]):
    """One read-only connection per database file version (``stamp``: inode and mtime, so a rebuild is seen)."""
    return connect(path, read_only=True)


def _shared(name: str) -> str | None:
    """A shared filter: the frame's session state if it set one, else the URL's query parameter."""
    value = st.session_state.get(name) or st.query_params.get(name)
    return value.strftime("%Y-%m") if isinstance(value, date) else value


def _literal(text: str) -> str:
    """Markdown that shows ``text`` exactly: every ASCII punctuation mark is backslash-escaped."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!|<>$~:&\"'=" else c for c in text)


def _editor(key: str, *, scope: str, subject: str, area: str, quarter: str, current: dict | None) -> None:
    with st.expander("Edit commentary", expanded=False), st.form(f"edit-{key}", clear_on_submit=False):
        text = st.text_area("Commentary (shown exactly as typed)", value=current["text"] if current else "",
                            max_chars=narrative.MAX_TEXT, key=f"text-{key}")
        author = st.text_input("Your name", max_chars=narrative.MAX_AUTHOR, key=f"author-{key}")
        if st.form_submit_button("Save commentary"):
            try:
                narrative.add_comment(COMMENTARY, scope=scope, subject=subject, area=area, quarter=quarter,
                                      text=text, author=author)
                st.success("Saved.")
                st.rerun()
            except ValueError as error:
                st.error(str(error))


def _commentary(key: str, *, scope: str, subject: str, area: str, quarter: str) -> None:
    current = narrative.comment_for(COMMENTARY, scope=scope, subject=subject, area=area, quarter=quarter)
    if current:
        st.caption(f"Commentary, {narrative.signature(current)}")
        st.text(current["text"])
    if narrative.editing_enabled():
        _editor(key, scope=scope, subject=subject, area=area, quarter=quarter, current=current)


db_path = resolve_db_path()
if not db_path.exists():
    st.error(f"No database at {db_path}: run `python -m lscsb_data build` first.")
    st.stop()
stat = os.stat(db_path)
con = _connection(str(db_path), (stat.st_ino, stat.st_mtime))
COMMENTARY = narrative.commentary_path(db_path)

known_areas = areas(con, with_data_only=True)
names = dict(zip(known_areas.code, known_areas.name))
area = _shared("area")
area = area if area in names else (DEFAULT_AREA if DEFAULT_AREA in names else next(iter(names)))
comparison = _shared("comparison") if _shared("comparison") in periods.COMPARISONS else "rolling12"
try:
    period = periods.parse_month(_shared("period"))
except ValueError:
    period = latest_period(con, area=area) or latest_period(con)

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


sections = exceptions.theme_report(con, period=period, area=area, comparison=comparison)
if any(row for s in sections for row in s["rows"].is_demo.fillna(False)):
    st.warning("Some of these figures are demonstration data, not real data: each is marked [demo data].")
for section in sections:
    st.header(section["name"], divider="blue")
    _commentary(f"theme-{section['theme']}", scope="theme", subject=section["theme"], area=area, quarter=quarter.label)
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
            _commentary(f"{row['indicator']}", scope="indicator", subject=row["indicator"], area=area,
                        quarter=quarter.label)

st.header("Performance pack", divider="blue")
st.caption(f"{names[area]}, {quarter.long_label}: title, summary, exceptions, a slide per theme with its charts and "
           "commentary, definitions. PowerPoint for the meeting; HTML prints to PDF.")
if st.button("Prepare the pack", key="prepare_pack"):
    with st.spinner("Drawing the charts and laying out the pack…"):
        built = pack.assemble(con, area=area, quarter=quarter, commentary_file=COMMENTARY)
        st.session_state["pack_files"] = {
            "pptx": (pack.file_name(built, "pptx"), pack.pptx_bytes(built)),
            "html": (pack.file_name(built, "html"), pack.html_text(built).encode("utf-8")),
            "for": (area, quarter.label),
        }
files = st.session_state.get("pack_files")
if files and files["for"] == (area, quarter.label):
    pptx_column, html_column = st.columns(2)
    pptx_column.download_button("Download PowerPoint", files["pptx"][1], file_name=files["pptx"][0],
                                mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
    html_column.download_button("Download HTML (prints to PDF)", files["html"][1], file_name=files["html"][0],
                                mime="text/html")
