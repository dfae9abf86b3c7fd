"""Cached access to the data layer for the app (the only module besides the pages that uses st.cache_*).

One read-only connection per process, reopened when the database file is replaced (every write
replaces it atomically, so a new inode or mtime means new data). Query results are cached by the
file's identity and the filters, so a reload of the data never serves stale figures.
"""
from __future__ import annotations

import atexit
import gc
import threading
from datetime import date, datetime

import duckdb
import pandas as pd
import streamlit as st
from altair.utils.schemapi import debug_mode

from lscsb_data import connect, resolve_db_path
from lscsb_data.figures import disclosure
from lscsb_data.presentation import downloads, pagedata

Identity = tuple[str, int, int, int]


def identity() -> Identity | None:
    """The database file's path, inode, mtime and size; None when there is no database yet."""
    path = resolve_db_path()
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)


class _LiveConnection:
    """The process's one connection, replaced (old one closed first) when the file's identity changes.

    DuckDB hands back the already-open database for a path, so the old connection must be closed
    before the replaced file can be opened.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._identity: Identity | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    def get(self, wanted: Identity) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if wanted != self._identity or self._con is None:
                if self._con is not None:
                    self._con.close()
                self._con = connect(wanted[0], read_only=True)
                self._identity = wanted
            return self._con


@st.cache_resource(show_spinner=False)
def _live() -> _LiveConnection:
    return _LiveConnection()


def _run(ident: Identity, function, **kwargs):
    """``function(con, **kwargs)`` on the live connection, retried once if the file was replaced meanwhile."""
    try:
        return function(_live().get(ident), **kwargs)
    except duckdb.ConnectionException:
        fresh = identity() or ident
        return function(_live().get(fresh), **kwargs)


@st.cache_resource(show_spinner=False)
def settle_heap() -> None:
    """Once per process, take the objects the libraries made on import out of the garbage collector's full sweeps.

    They live as long as the process, yet every few page views a full collection walked all of them, a pause of
    about 100 ms; frozen, a sweep walks only what the pages made since. Unfrozen at exit, so the interpreter's
    last collection still frees them.
    """
    gc.collect()
    gc.freeze()
    atexit.register(gc.unfreeze)


def public() -> bool:
    return disclosure.public_mode()


@st.cache_data(show_spinner=False, max_entries=8)
def catalogue(ident: Identity) -> pd.DataFrame:
    return _run(ident, pagedata.catalogue)


@st.cache_data(show_spinner=False, max_entries=8)
def areas(ident: Identity) -> pd.DataFrame:
    return _run(ident, pagedata.areas)


@st.cache_data(show_spinner=False, max_entries=8)
def months(ident: Identity) -> list[date]:
    return _run(ident, pagedata.month_choices)


@st.cache_data(show_spinner=False, max_entries=8)
def themes(ident: Identity) -> pd.DataFrame:
    from lscsb_data import themes as engine_themes

    return _run(ident, engine_themes)


@st.cache_data(show_spinner=False, max_entries=8)
def report_areas(ident: Identity) -> list[str]:
    from lscsb_data.figures import exceptions

    return _run(ident, exceptions.report_areas)


@st.cache_data(show_spinner=False, max_entries=8)
def data_as_at(ident: Identity) -> pd.DataFrame:
    return _run(ident, pagedata.data_as_at)


@st.cache_data(show_spinner=False, max_entries=256)
def default_period(ident: Identity, area: str, indicators: tuple[str, ...] | None) -> date | None:
    return _run(ident, pagedata.default_period, area=area, indicators=list(indicators) if indicators else None)


@st.cache_data(show_spinner=False, max_entries=256)
def area_summary(ident: Identity, area: str, period: date, comparison: str, is_public: bool) -> pd.DataFrame:
    """Every indicator's summary for one area, shared by the Overview, a theme's list and a detail's breakdown."""
    from lscsb_data import summary as engine_summary

    return _run(ident, engine_summary, area=area, period=period, comparison=comparison, public=is_public)


@st.cache_data(show_spinner=False, max_entries=256)
def overview_cards(ident: Identity, area: str, period: date, comparison: str, is_public: bool,
                   sparklines: bool = True, theme: str | None = None) -> pd.DataFrame:
    return _run(ident, pagedata.overview_cards, area=area, period=period, comparison=comparison, public=is_public,
                sparklines=sparklines, catalogue_rows=catalogue(ident), area_frame=areas(ident),
                summary_rows=area_summary(ident, area, period, comparison, is_public), theme=theme)


@st.cache_data(show_spinner=False, max_entries=512)
def indicator_detail(ident: Identity, indicator: str, area: str, period: date, comparison: str, is_public: bool):
    return _run(ident, pagedata.indicator_detail, indicator=indicator, area=area, period=period,
                comparison=comparison, public=is_public, catalogue_rows=catalogue(ident), area_frame=areas(ident),
                summary_rows=area_summary(ident, area, period, comparison, is_public))


@st.cache_data(show_spinner=False, max_entries=8)
def covid_comparison(ident: Identity) -> pd.DataFrame:
    return _run(ident, pagedata.covid_comparison)


@st.cache_data(show_spinner=False, max_entries=64)
def covid_series(ident: Identity, area: str, indicators: tuple[str, ...], is_public: bool) -> pd.DataFrame:
    return _run(ident, pagedata.covid_series, area=area, indicators=indicators, public=is_public,
                catalogue_rows=catalogue(ident))


@st.cache_data(show_spinner=False, max_entries=256)
def range_comparison(ident: Identity, indicator: str, area: str, first: tuple[date, date], second: tuple[date, date],
                     is_public: bool):
    return _run(ident, pagedata.range_comparison, indicator=indicator, area=area, first=first, second=second, public=is_public,
                catalogue_rows=catalogue(ident))


@st.cache_data(show_spinner=False, max_entries=256)
def default_ranges(ident: Identity, indicator: str, area: str):
    return _run(ident, pagedata.default_ranges, indicator=indicator, area=area, months=months(ident))


@st.cache_data(show_spinner=False, max_entries=4)
def full_extract(ident: Identity, is_public: bool, generated_at: datetime) -> str:
    return _run(ident, downloads.full_extract_csv, public=is_public, generated_at=generated_at)


@st.cache_data(show_spinner=False, max_entries=8)
def annotations(ident: Identity) -> pd.DataFrame:
    from lscsb_data import annotations as engine_annotations

    return _run(ident, engine_annotations)


@st.cache_data(show_spinner=False, max_entries=512)
def chart_spec(cache_key: tuple, _make) -> dict:
    """The Vega-Lite spec of ``_make("container")``; ``cache_key`` names everything the chart is drawn from."""
    # why: the builders' specs are validated by the chart tests; checking each part as it is built and the whole
    # spec again on every render would double the time to draw a chart (another session drawing meanwhile skips the checks too)
    with debug_mode(False):
        return _make("container").to_dict(validate=False)
