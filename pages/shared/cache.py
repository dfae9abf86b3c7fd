"""Cached access to the data layer for the app (the only module besides the pages that uses st.cache_*).

One read-only connection per process, reopened when the database file is replaced (every write
replaces it atomically, so a new inode or mtime means new data). Query results are cached by the
file's identity and the filters, so a reload of the data never serves stale figures.

Most views repeat (the same page, area and period for many users), so each view's figures and chart
specs are kept for every session of the process: up to 4,096 views per function, within the process's
budget for all cached data (``server.maxCacheDataSize`` in .streamlit/config.toml), least recently used
out first.
"""
from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import gc
import inspect
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime

import duckdb
import pandas as pd
import streamlit as st
from altair.utils.schemapi import debug_mode

from lscsb_data import connect, resolve_db_path
from lscsb_data.figures import access as figures_access
from lscsb_data.presentation import downloads, pagedata
from pages.shared import access, view_state, view_store

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


@st.cache_resource(show_spinner=False)
def _run_slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(max(1, int(os.environ.get("LSCSB_PAGE_RUNS", "2") or 2)))


_drawing = threading.Semaphore(0)  # why: released once per page being drawn, so the prerender can see a visitor waiting
_last_drawn = [0.0]  # when the last page finished drawing (time.monotonic), so the prerender can wait for a quiet moment


@contextlib.contextmanager
def page_slot() -> Iterator[None]:
    """Hold one of the process's few page-run slots (``$LSCSB_PAGE_RUNS``, default 2) while a page draws.

    One interpreter runs Python one thread at a time: 25 sessions drawing at once each take 25 times as
    long, and the server's event loop waits behind them to send messages and answer pings. Queued at the
    door instead, each page draws at full speed and the websocket stays answered.
    """
    slots = _run_slots()
    visitor = not _prerendering()
    slots.acquire()
    if visitor:
        _drawing.release()
    try:
        yield
    finally:
        if visitor:
            _drawing.acquire()
            _last_drawn[0] = time.monotonic()
        slots.release()


# why: a browser opening the app fetches its scripts for a second or so before it asks for a page, and a view being
# prerendered cannot be interrupted, so the prerender starts a few seconds after the first run and then draws only while
# the process has been quiet for a moment (under steady load the visitors fill the caches themselves)
WARM_START_SECONDS = 8.0
WARM_QUIET_SECONDS = 1.5
# why: the prerender's own runs say so with a secret only this process knows, so they never count as a visitor waiting
PRERENDER_HEADER = "X-Lscsb-Prerender"
_PRERENDER_TOKEN = secrets.token_urlsafe(24)


def _quiet() -> bool:
    if _drawing.acquire(blocking=False):
        _drawing.release()
        return False
    return time.monotonic() - _last_drawn[0] >= WARM_QUIET_SECONDS


def _prerendering() -> bool:
    return st.context.headers.get(PRERENDER_HEADER) == _PRERENDER_TOKEN


def warm_months() -> int:
    """How many of the latest months the prerender draws (``$LSCSB_WARM_MONTHS``, default 12; 0 draws none)."""
    try:
        return max(0, int(os.environ.get("LSCSB_WARM_MONTHS", "12")))
    except ValueError:
        return 12


def start_prerender(ident: Identity | None) -> None:
    """Start prerendering this database's recent views, where the launcher asks for it (``$LSCSB_WARM_VIEWS``, set by
    ``python -m lscsb_data serve``); once per database, then nothing."""
    if ident is not None and os.environ.get("LSCSB_WARM_VIEWS") == "1" and warm_months():
        prerender(ident)


@st.cache_resource(show_spinner=False, max_entries=4)
def prerender(ident: Identity) -> threading.Thread:
    """Once per database, in the background: draw every view a reader is likely to open, as a visitor who has not
    signed in asks for it, through this process's own server, so its figures, tables and charts are cached here and
    in the view cache every process reads. A data load (a new database) starts a new prerender and stops this one."""
    thread = threading.Thread(target=_prerender, args=(ident,), name="lscsb-prerender", daemon=True)
    thread.start()
    return thread


def prerender_plan(ident: Identity) -> list[tuple[str, date, list[str]]]:
    """The views to prerender, most likely first, in claimable steps: (area, period end, the pages' URL paths).

    Each CSP and the board's own area (the areas CSP managers and the board choose) at the month its pages open on,
    then every one of the latest ``warm_months()`` months; every page whose figures and charts are cached per view
    (Maps draws its maps afresh and Upload shows no figures)."""
    area_frame = areas(ident)
    wanted = list(area_frame[(area_frame.is_csp.astype(bool) | area_frame.is_board_area.astype(bool))
                             & (area_frame.role == "local")].code)
    pages = ["", "exceptions", *themes(ident).id, "covid", "data"]
    steps = [(area, default_period(ident, area)) for area in wanted]
    steps += [(area, month) for month in months(ident)[:warm_months()] for area in wanted]
    return [(area, period, pages) for area, period in dict.fromkeys(steps) if period is not None]


def own_address() -> str:
    """This process's own server as a client on this machine reaches it (not through a proxy)."""
    host = st.get_option("server.address") or "127.0.0.1"
    host = "127.0.0.1" if host in {"0.0.0.0", "::"} else f"[{host}]" if ":" in host else host
    scheme = "https" if st.get_option("server.sslCertFile") else "http"
    path = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{scheme}://{host}:{st.get_option('server.port')}" + (f"/{path}" if path else "")


def _prerender(ident: Identity) -> None:
    time.sleep(WARM_START_SECONDS)
    try:
        asyncio.run(_prerender_views(ident))
    except Exception:  # a view that fails here fails for its visitor too, and is logged there
        logging.getLogger("lscsb").info("prerendering stopped early", exc_info=True)


async def _prerender_views(ident: Identity) -> None:
    plan = prerender_plan(ident)
    started, drawn = time.monotonic(), 0
    session = await _prerender_session()
    try:
        for area, period, pages in plan:
            step = f"{area}-{period:%Y-%m}"
            if not view_store.claim(ident, step):
                continue
            for page in pages:
                while not _quiet():
                    await asyncio.sleep(0.1)
                if identity() != ident:
                    return
                try:
                    await session.view(page, f"area={area}&period={period:%Y-%m}")
                except Exception:  # a lost websocket or a view past its time: that view is drawn on demand instead
                    logging.getLogger("lscsb").info("prerendering %s %s failed", page or "overview", step, exc_info=True)
                    await session.close()
                    session = await _prerender_session()
                drawn += 1
            view_store.finished(ident, step, of=len(plan))
    finally:
        await session.close()
    logging.getLogger("lscsb").info("prerendered %d views in %.0f s", drawn, time.monotonic() - started)


async def _prerender_session(patience: float = 120):
    """A session on this process's own server, once it answers (a just-started one may still be opening its port)."""
    from pages.shared.ws_client import Session

    deadline = time.monotonic() + patience
    while True:
        session = Session(own_address(), headers={PRERENDER_HEADER: _PRERENDER_TOKEN})
        try:
            await session.open()
            return session
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)


def public() -> bool:
    """Whether this run's figures are the protected public ones: the viewer's role, checked on the server."""
    return access.viewer().public


def _protected(cached):
    """Refuse unprotected figures (``is_public`` false) to a public viewer before the cache is even consulted,
    so neither a page's mistake nor a cached partner's result can reach them."""
    parameters = list(inspect.signature(cached).parameters)

    @functools.wraps(cached)
    def call(*args, **kwargs):
        asked = dict(zip(parameters, args), **kwargs)
        if not asked.get("is_public", True):
            figures_access.require(access.viewer(), "protected")
        return cached(*args, **kwargs)

    call.clear = cached.clear
    return call


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


@st.cache_resource(show_spinner=False, max_entries=64)
def view_options(ident: Identity, preferred_area: str | None):
    """What a view may hold for this database (``view_state.Options``), its lookups made once per database and
    viewer's default area rather than on every run; the frame reads it and never changes it."""
    area_frame, catalogue_rows = areas(ident), catalogue(ident)
    return view_state.Options(areas=area_frame, months=months(ident), indicators=frozenset(catalogue_rows.id),
                              default_area=preferred_area if preferred_area in set(area_frame.code)
                              else pagedata.default_area(area_frame), comparators=comparators(ident))


@st.cache_data(show_spinner=False, max_entries=4096)
def default_period(ident: Identity, area: str) -> date | None:
    """The month every page opens on for ``area`` (``engine.default_period``)."""
    return _run(ident, pagedata.default_period, area=area)


@st.cache_data(show_spinner=False, max_entries=8)
def comparators(ident: Identity) -> pd.DataFrame:
    from lscsb_data.figures import engine

    return _run(ident, engine.comparators)


@st.cache_data(show_spinner=False, max_entries=8)
def comparator_groups(ident: Identity) -> pd.DataFrame:
    from lscsb_data.figures import engine

    return _run(ident, engine.comparator_groups)


@st.cache_data(show_spinner=False, max_entries=4096)
def comparator_choices(ident: Identity, area: str) -> tuple[str | None, list[str]]:
    """The area's default comparator and the others offered for it."""
    from lscsb_data.figures import benchmarks

    frame, groups = areas(ident), comparator_groups(ident)
    default = benchmarks.default_comparator(frame, groups, area)
    return default, [c for c in benchmarks.comparator_choices(frame, groups, area) if c != default]


@_protected
@st.cache_data(show_spinner=False, max_entries=64)
@view_store.shared()
def every_area_summary(ident: Identity, period: date, comparison: str, is_public: bool,
                       comparator: str | None = None) -> pd.DataFrame:
    """Every indicator's summary for every area at one period against one comparator (None: each area's default):
    one query serves every area's views of it, the spine, the compare-areas grid and the district charts."""
    from lscsb_data import summary as engine_summary

    return _run(ident, engine_summary, period=period, comparison=comparison, public=is_public, comparator=comparator)


@st.cache_data(show_spinner=False, max_entries=4096)
def shown_periods(ident: Identity, area: str, period: date) -> dict[str, date]:
    """The period each indicator is shown at for ``area`` at ``period`` (``engine.shown_periods``), asked once for the
    summary, the detail and the exception report of a view."""
    from lscsb_data.figures import engine

    return _run(ident, engine.shown_periods, area=area, period=period)


@_protected
@st.cache_data(show_spinner=False, max_entries=4096)
@view_store.shared()
def area_summary(ident: Identity, area: str, period: date, comparison: str, is_public: bool,
                 comparator: str | None = None) -> pd.DataFrame:
    """Every indicator's summary for one area, each at the view's period or its latest earlier one, shared by the
    Overview, a theme's list and a detail's breakdown (cut from ``everywhere``)."""
    from lscsb_data.figures import engine

    return _run(ident, engine.latest_summary, area=area, period=period, comparison=comparison, public=is_public,
                comparator=comparator, shown=shown_periods(ident, area, period),
                everywhere=lambda at: every_area_summary(ident, at, comparison, is_public, comparator))


@_protected
@st.cache_data(show_spinner=False, max_entries=64)
def area_series(ident: Identity, area: str, is_public: bool) -> pd.DataFrame:
    """Every indicator's series for one area over every period held (``engine.series``), queried once per area and
    cut by each view's figures: the Overview's sparklines, the exception report's control charts, a detail's trend."""
    from lscsb_data.figures import engine

    return _run(ident, engine.series, area=area, public=is_public)


@_protected
@st.cache_data(show_spinner=False, max_entries=1024)
@view_store.shared()
def profile(ident: Identity, area: str, period: date, comparison: str, is_public: bool, comparator: str | None):
    """The Overview's area profile and compare-areas grid (``presentation.profile.overview_profile``)."""
    from lscsb_data.presentation import profile as area_profile

    return _run(ident, area_profile.overview_profile, area=area, period=period, comparison=comparison, public=is_public,
                comparator=comparator, catalogue_rows=catalogue(ident), area_frame=areas(ident),
                summary_rows=area_summary(ident, area, period, comparison, is_public, comparator),
                everywhere=lambda at: every_area_summary(ident, at, comparison, is_public, comparator),
                area_series=lambda code: area_series(ident, code, is_public))


@_protected
@st.cache_data(show_spinner=False, max_entries=4096)
@view_store.shared()
def overview_cards(ident: Identity, area: str, period: date, comparison: str, is_public: bool,
                   sparklines: bool = True, theme: str | None = None, comparator: str | None = None) -> pd.DataFrame:
    return _run(ident, pagedata.overview_cards, area=area, period=period, comparison=comparison, public=is_public,
                sparklines=sparklines, catalogue_rows=catalogue(ident), area_frame=areas(ident),
                summary_rows=area_summary(ident, area, period, comparison, is_public, comparator), theme=theme)


@_protected
@st.cache_data(show_spinner=False, max_entries=4096)
@view_store.shared()
def indicator_detail(ident: Identity, indicator: str, area: str, period: date, comparison: str, is_public: bool,
                     comparator: str | None = None):
    return _run(ident, pagedata.indicator_detail, indicator=indicator, area=area, period=period,
                comparison=comparison, public=is_public, catalogue_rows=catalogue(ident), area_frame=areas(ident),
                summary_rows=area_summary(ident, area, period, comparison, is_public, comparator), comparator=comparator,
                everywhere=lambda at: every_area_summary(ident, at, comparison, is_public, comparator),
                area_series=lambda code: area_series(ident, code, is_public),
                shown=shown_periods(ident, area, period))


@_protected
@st.cache_data(show_spinner=False, max_entries=4096)
@view_store.shared()
def exception_report(ident: Identity, area: str, period: date, comparison: str, is_public: bool) -> list[dict]:
    """The Exceptions page's report, theme by theme, with each exception's sentence (each indicator at the period
    the Overview shows it)."""
    from lscsb_data.presentation import reporting

    return _run(ident, reporting.theme_report, period=period, area=area, comparison=comparison, latest=True,
                public=is_public, current=area_summary(ident, area, period, comparison, is_public),
                catalogue=catalogue(ident),
                everywhere=lambda at: every_area_summary(ident, at, comparison, is_public),
                area_series=lambda code: area_series(ident, code, is_public),
                shown=shown_periods(ident, area, period))


def _file_stamp(path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def comment_for(path, *, scope: str, subject: str, area: str, quarter: str) -> dict | None:
    """``narrative.comment_for``, read again only when the commentary file changes (every save replaces it)."""
    return _comment_for(str(path), _file_stamp(path), scope, subject, area, quarter)


@st.cache_data(show_spinner=False, max_entries=4096)
def _comment_for(path: str, stamp: tuple[int, int, int] | None, scope: str, subject: str, area: str, quarter: str) -> dict | None:
    from lscsb_data.figures import narrative

    return narrative.comment_for(path, scope=scope, subject=subject, area=area, quarter=quarter)


@st.cache_data(show_spinner=False, max_entries=8)
def covid_comparison(ident: Identity) -> pd.DataFrame:
    return _run(ident, pagedata.covid_comparison)


@_protected
@st.cache_data(show_spinner=False, max_entries=4096)
@view_store.shared()
def covid_series(ident: Identity, area: str, indicators: tuple[str, ...], is_public: bool) -> pd.DataFrame:
    return _run(ident, pagedata.covid_series, area=area, indicators=indicators, public=is_public,
                catalogue_rows=catalogue(ident))


@_protected
@st.cache_data(show_spinner=False, max_entries=4096)
@view_store.shared()
def range_comparison(ident: Identity, indicator: str, area: str, first: tuple[date, date], second: tuple[date, date],
                     is_public: bool):
    return _run(ident, pagedata.range_comparison, indicator=indicator, area=area, first=first, second=second, public=is_public,
                catalogue_rows=catalogue(ident))


@st.cache_data(show_spinner=False, max_entries=4096)
def default_ranges(ident: Identity, indicator: str, area: str):
    return _run(ident, pagedata.default_ranges, indicator=indicator, area=area, months=months(ident))


@_protected
@st.cache_data(show_spinner=False, max_entries=4)
def full_extract(ident: Identity, is_public: bool, generated_at: datetime) -> str:
    return _run(ident, downloads.full_extract_csv, public=is_public, generated_at=generated_at)


@st.cache_data(show_spinner=False, max_entries=8)
def annotations(ident: Identity) -> pd.DataFrame:
    from lscsb_data import annotations as engine_annotations

    return _run(ident, engine_annotations)


@st.cache_data(show_spinner=False, max_entries=8192)
@view_store.shared(ident_of=lambda arguments: arguments["cache_key"][1], skip=("_make",))
def rendered(cache_key: tuple, _make):
    """What ``_make()`` returns (an HTML string, a table made Arrow, a line of words) for a view, made once for every
    process (kept in the shared view cache too); ``cache_key`` names the database, the kind of viewer and everything
    the piece is drawn from (``ui.once``), and ``_make`` draws only on figures this run's viewer may see."""
    return _make()


@st.cache_data(show_spinner=False, max_entries=8)
def board_area_codes(ident: Identity) -> frozenset[str]:
    """The board's own areas (``area_types.csv``'s board_area)."""
    frame = areas(ident)
    return frozenset(frame[frame.is_board_area.astype(bool)].code)


@st.cache_data(show_spinner=False, max_entries=4096)
@view_store.shared(ident_of=lambda arguments: arguments["cache_key"][1], skip=("_make",))
def chart_specs(cache_key: tuple, _make) -> list[dict]:
    """The Vega-Lite specs the screen draws for ``_make("container")`` (``charts.screen_specs``), their tables
    already in Arrow; ``cache_key`` names everything the chart is drawn from."""
    from lscsb_data.presentation import charts

    # why: the builders' specs are validated by the chart tests; checking each part as it is built and the whole
    # spec again on every render would double the time to draw a chart (another session drawing meanwhile skips the checks too)
    with debug_mode(False):
        spec = _make("container").to_dict(validate=False)
    return [_arrow_datasets(part) for part in charts.screen_specs(spec)]


def _arrow_datasets(spec: dict) -> dict:
    """The spec with each named table as the Arrow bytes Streamlit would make of it on every render.

    st.vega_lite_chart converts a named dataset to Arrow each time it draws, unless it is bytes already;
    made once here, a cached chart costs a copy of bytes. Geographic datasets stay as they are (Vega-Lite reads them).
    """
    from streamlit import dataframe_util

    datasets = spec.get("datasets")
    if not isinstance(datasets, dict):
        return spec
    tables = {name: rows for name, rows in datasets.items()
              if isinstance(rows, list) and all(isinstance(row, dict) and "geometry" not in row for row in rows)}
    return {**spec, "datasets": {**datasets, **{name: dataframe_util.convert_anything_to_arrow_bytes(rows)
                                                for name, rows in tables.items()}}}
