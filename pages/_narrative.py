"""The narrative tools beside the figures: editing commentary, and the quarter's performance pack.

The indicator detail (pages/_theme.py) shows the control chart and the commentary itself and calls
``detail_tools`` for the editor (only where ``LSCSB_ALLOW_EDIT=1``) and the pack download; the
Exceptions page uses ``commentary`` and ``pack_downloads``. Commentary and its author are always shown
as typed (``st.text``, or markdown with every mark escaped), never read as markdown or HTML. Database
work goes through ``_cache`` so every page shares its one connection.
"""
from __future__ import annotations

import streamlit as st

from lscsb_data import exceptions, narrative, pack, pagedata, periods
from pages import _cache

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
_PACK_FILES = "narrative_pack_files"
_PACK_REQUEST = "narrative_pack_request"


def literal(text: str) -> str:
    """Markdown that shows ``text`` exactly: every ASCII punctuation mark is backslash-escaped."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!|<>$~:&\"'=" else c for c in text)


@st.cache_data(show_spinner=False, max_entries=8)
def report_areas(ident: _cache.Identity) -> list[str]:
    return _cache._run(ident, exceptions.report_areas)


def detail_tools(detail) -> None:
    """Under an indicator's figures: the commentary editor (where enabled) and the pack for its area and quarter."""
    quarter = pagedata.commentary_quarter(detail.period)
    if narrative.editing_enabled():
        path = narrative.commentary_path()
        current = narrative.comment_for(path, scope="indicator", subject=detail.indicator["id"], area=detail.area_code,
                                        quarter=quarter.label)
        _editor(f"detail-{detail.indicator['id']}", path, scope="indicator", subject=detail.indicator["id"],
                area=detail.area_code, quarter=quarter.label, current=current)
    with st.expander(f"Performance pack: {detail.area_name}, {quarter.long_label}"):
        pack_downloads(detail.area_code, detail.area_name, quarter)


def commentary(key: str, *, scope: str, subject: str, area: str, quarter: str) -> None:
    """The current commentary as plain text with who wrote it and when; an editor where editing is enabled."""
    path = narrative.commentary_path()
    current = narrative.comment_for(path, scope=scope, subject=subject, area=area, quarter=quarter)
    if current:
        st.caption(f"Commentary, {literal(narrative.signature(current))}")
        st.text(current["text"])
    if narrative.editing_enabled():
        _editor(key, path, scope=scope, subject=subject, area=area, quarter=quarter, current=current)


def _editor(key: str, path, *, scope: str, subject: str, area: str, quarter: str, current: dict | None) -> None:
    # why: saving in a callback (before the script reruns) survives the rerun a page may make to fetch its frame
    outcome = st.session_state.pop(f"saved-{key}", None)
    with st.expander("Edit commentary", expanded=outcome is not None), st.form(f"edit-{key}", clear_on_submit=False):
        st.text_area("Commentary (shown exactly as typed)", value=current["text"] if current else "",
                     max_chars=narrative.MAX_TEXT, key=f"text-{key}")
        st.text_input("Your name", max_chars=narrative.MAX_AUTHOR, key=f"author-{key}")
        st.form_submit_button("Save commentary", on_click=_save, args=(key, path),
                              kwargs={"scope": scope, "subject": subject, "area": area, "quarter": quarter})
    if outcome == "":
        st.success("Saved.")
    elif outcome:
        st.error(outcome)


def _save(key: str, path, **where) -> None:
    try:
        narrative.add_comment(path, text=st.session_state[f"text-{key}"], author=st.session_state[f"author-{key}"],
                              **where)
        st.session_state[f"saved-{key}"] = ""
    except ValueError as error:
        st.session_state[f"saved-{key}"] = str(error)


def pack_downloads(area: str, area_name: str, quarter: periods.FinancialQuarter) -> None:
    """'Prepare the pack' for ``area`` and ``quarter``, then its PowerPoint and HTML downloads."""
    ident = _cache.identity()
    if area not in report_areas(ident):
        st.caption(f"Performance packs are made for the force's areas; {area_name} is not one of them.")
        return
    area_types = _cache.areas(ident).set_index("code").type
    kind = "board report" if area_types.get(area) in pack.BOARD_AREA_TYPES else "performance pack"
    st.caption(f"The {kind} for {area_name}, {quarter.long_label}: title, summary, exceptions, a slide per theme "
               "with its charts and commentary, definitions. PowerPoint for the meeting; HTML prints to PDF.")
    wanted = (area, quarter.label, _cache.public(), ident)
    # why: the request is kept in a callback, so it survives the rerun a page may make to fetch its frame
    st.button(f"Prepare the {kind}", key=f"prepare_pack_{area}_{quarter.label}", icon=":material/slideshow:",
              on_click=st.session_state.__setitem__, args=(_PACK_REQUEST, wanted))
    if st.session_state.get(_PACK_REQUEST) == wanted:
        with st.spinner("Drawing the charts and laying out the pack…"):
            del st.session_state[_PACK_REQUEST]
            try:
                built = _cache._run(ident, pack.assemble, area=area, quarter=quarter,
                                    commentary_file=narrative.commentary_path())
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
