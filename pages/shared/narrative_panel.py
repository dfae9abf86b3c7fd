"""The narrative beside the figures: an indicator's control chart and commentary, and the quarter's pack.

The indicator detail calls ``indicator_panel``; the Exceptions page uses ``commentary`` and
``pack_downloads``. Commentary is always shown with ``st.text``: exactly as typed, never read as
markdown or HTML, and its author's name with every markdown mark escaped. Database work goes
through ``_cache`` so every page shares its one connection.
"""
from __future__ import annotations

from datetime import date

import streamlit as st

from lscsb_data.figures import access as figures_access, narrative, periods
from lscsb_data.presentation import charts, pack, vocabulary
from lscsb_data import resolve_db_path
from pages.shared import access, cache, ui
from pages.shared.text import literal

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
_PACK_FILES = "narrative_pack_files"
_PACK_WANTED = "narrative_pack_wanted"


def quarter_for(period: date) -> periods.FinancialQuarter:
    """The latest whole financial quarter ending at or before ``period``'s month (commentary and packs are per quarter)."""
    quarter = periods.quarter_of(period)
    return quarter if quarter.end <= period else periods.quarter_of(periods.add_months(period, -3))


def commentary_file():
    return narrative.commentary_path(resolve_db_path())


def _call(function, **kwargs):
    return cache._run(cache.identity(), function, **kwargs)


def indicator_panel(detail) -> None:
    """The control chart of ``detail``'s indicator and area beside its commentary for the quarter, and the pack."""
    meta, quarter = detail.indicator, quarter_for(detail.period)
    chart_area, words_area = st.columns([3, 2])
    with chart_area:
        _control_chart(detail)
    with words_area:
        st.markdown(f"**Commentary, {quarter.long_label}**")
        commentary(f"detail-{meta['id']}", scope="indicator", subject=meta["id"], area=detail.area_code,
                   quarter=quarter.label, empty=f"No commentary on this indicator for {quarter.long_label}.")
        pack_downloads(detail.area_code, detail.area_name, quarter)


def _control_chart(detail) -> None:
    meta = detail.indicator
    frame = detail.control
    if frame.empty:
        st.info(f"No control chart for {meta['name']} in {detail.area_name}: {detail.control_reason}.")
        return
    latest = frame.iloc[-1]
    title = f"Is the latest period unusual? {meta['short_name']}, {detail.area_name}"
    value_title = detail.headline.get("unit_text") or "value"
    source = detail.headline.get("source_text") or meta["source"]
    ui.chart(lambda width: charts.spc_chart(frame, title=title, value_title=value_title, source=f"Source: {source}",
                                          width=width),
              key=f"spc_{meta['id']}", file_stem=ui.file_stem(meta["id"], detail.area_code, detail.period, "control"),
              table=ui.spc_table(frame))
    signal = vocabulary.SIGNALS.get(latest.signal, vocabulary.SIGNALS[""])
    st.caption(f"{len(frame)} periods to {periods.month_name(latest.period_end.date())}: the latest is "
               f"{signal.in_sentence}.", help=ui.SPC_METHOD.format(chart=latest.chart, periods=len(frame)))


def commentary(key: str, *, scope: str, subject: str, area: str, quarter: str, empty: str = "") -> None:
    """The current commentary as plain text with who wrote it and when; an editor where editing is enabled."""
    path = commentary_file()
    current = cache.comment_for(path, scope=scope, subject=subject, area=area, quarter=quarter)
    if current:
        st.caption(f"Commentary, {literal(narrative.signature(current))}")
        st.text(current["text"])
    elif empty:
        st.caption(empty)
    viewer = access.viewer()
    if viewer.can_edit:
        _editor(key, path, scope=scope, subject=subject, area=area, quarter=quarter, current=current, viewer=viewer)


def _editor(key: str, path, *, scope: str, subject: str, area: str, quarter: str, current: dict | None,
            viewer: figures_access.Viewer) -> None:
    with st.expander("Edit commentary", expanded=False), st.form(f"edit-{key}", clear_on_submit=False):
        st.text_area("Commentary (shown exactly as typed)", value=current["text"] if current else "",
                     max_chars=narrative.MAX_TEXT, key=f"text-{key}")
        if viewer.signed_in:
            st.caption(f"Signed {literal(_author(viewer))}, as you are signed in.")
        else:
            st.text_input("Your name", max_chars=narrative.MAX_AUTHOR, key=f"author-{key}")
        # why: a callback runs before the rerun, so the save survives the frame's own rerun of the page.
        st.form_submit_button("Save commentary", on_click=_save, args=(key, path),
                              kwargs={"scope": scope, "subject": subject, "area": area, "quarter": quarter})
    outcome = st.session_state.pop(f"saved-{key}", None)
    if outcome:
        (st.success if outcome[0] else st.error)(outcome[1])


def _author(viewer: figures_access.Viewer) -> str:
    return (viewer.name or viewer.login or "")[:narrative.MAX_AUTHOR]


def _save(key: str, path, *, scope: str, subject: str, area: str, quarter: str) -> None:
    # why: the role is checked again here, on the server, at the moment of writing
    viewer = access.viewer()
    author = _author(viewer) if viewer.signed_in else st.session_state.get(f"author-{key}", "")
    try:
        saved = narrative.add_comment(path, scope=scope, subject=subject, area=area, quarter=quarter,
                                      text=st.session_state[f"text-{key}"], author=author, allowed=viewer.can_edit)
        figures_access.record_commentary(resolve_db_path(), saved, who=viewer.who if viewer.signed_in else f"{viewer.who}, signed {author}")
        st.session_state[f"saved-{key}"] = (True, "Saved.")
    except (ValueError, narrative.EditingDisabled) as error:
        st.session_state[f"saved-{key}"] = (False, str(error))


def pack_downloads(area: str, area_name: str, quarter: periods.FinancialQuarter) -> None:
    """'Prepare the pack' for ``area`` and ``quarter``, then its PowerPoint and HTML downloads."""
    if area not in cache.report_areas(cache.identity()):
        st.caption(f"Performance packs are made for the force's areas; {area_name} is not one of them.")
        return
    kind = "board report" if area in cache.board_area_codes(cache.identity()) else "performance pack"
    wanted = (area, quarter.label, cache.public(), cache.identity())
    st.caption(f"The {kind} for {area_name}, {quarter.long_label}: PowerPoint for the meeting; HTML prints to PDF.")
    # why: the click is kept in session state by a callback, so it survives the frame's own rerun of the page.
    st.button(f"Prepare the {kind}", key=f"prepare_pack_{area}_{quarter.label}", icon=":material/slideshow:",
              on_click=st.session_state.__setitem__, args=(_PACK_WANTED, wanted))
    files = st.session_state.get(_PACK_FILES)
    if st.session_state.get(_PACK_WANTED) == wanted and not (files and files["for"] == wanted):
        with st.spinner("Drawing the charts and laying out the pack…"):
            try:
                built = _call(pack.assemble, area=area, quarter=quarter, commentary_file=commentary_file(),
                              public=cache.public())
            except ValueError as error:
                st.info(f"No pack: {error}.")
                return
            st.session_state[_PACK_FILES] = {
                "for": wanted,
                "pptx": (pack.file_name(built, "pptx"), pack.pptx_bytes(built)),
                "html": (pack.file_name(built, "html"), pack.html_text(built).encode("utf-8")),
            }
    files = st.session_state.get(_PACK_FILES)
    if files and files["for"] == wanted:
        pptx_column, html_column = st.columns(2)
        pptx_column.download_button("Download PowerPoint", files["pptx"][1], file_name=files["pptx"][0], mime=PPTX_MIME,
                                    icon=":material/download:", key=f"pack_pptx_{area}")
        html_column.download_button("Download HTML (prints to PDF)", files["html"][1], file_name=files["html"][0],
                                    mime="text/html", icon=":material/download:", key=f"pack_html_{area}")
