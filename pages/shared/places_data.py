"""Cached reads for the places views (the map page, the reconciliation panel): counts per LSOA and the
local authorities an area is made of, keyed by the database's identity like every other cached read."""
from __future__ import annotations

from datetime import date

import streamlit as st

from lscsb_data.figures import places
from pages.shared import cache


@st.cache_data(show_spinner=False, max_entries=256)
def lsoa_counts(ident: cache.Identity, area: str, period: date, indicator: str, is_public: bool) -> places.LsoaCounts:
    return cache._run(ident, places.lsoa_counts, area=area, period=period, indicator=indicator, public=is_public)


@st.cache_data(show_spinner=False, max_entries=64)
def local_authorities(ident: cache.Identity, area: str) -> list[str]:
    return cache._run(ident, places.local_authorities, area=area)


@st.cache_data(show_spinner=False, max_entries=8)
def policeuk_indicators(ident: cache.Identity):
    return cache._run(ident, places.policeuk_indicators)


@st.cache_data(show_spinner=False, max_entries=256)
def reconciliation(ident: cache.Identity, indicator: str, area: str, start: date, end: date, is_public: bool):
    return cache._run(ident, places.reconciliation, indicator=indicator, area=area, start=start, end=end, public=is_public)


@st.cache_data(show_spinner=False, max_entries=256)
def latest_month(ident: cache.Identity, area: str, period: date) -> date:
    return cache._run(ident, places.latest_month, area=area, period=period)
