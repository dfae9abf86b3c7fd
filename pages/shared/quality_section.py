"""The Data page's "Data quality" section: loads, latest periods, missing periods and unallocated rows
(the checks in ``lscsb_data.figures.quality``)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lscsb_data.figures import quality
from pages.shared import cache

LOAD_COLUMNS = {
    "load_id": "Load", "loaded_at": "Loaded (UTC)", "file_name": "File", "source_label": "Source", "kind": "Format",
    "rows_read": "Rows read", "rows_loaded": "Rows loaded", "rows_unallocated": "Rows with no location",
    "figures_held": "Figures held", "sha256": "SHA-256",
}
LATEST_COLUMNS = {
    "indicator_name": "Indicator", "area_name": "Area", "frequency": "Frequency", "first_period": "First period",
    "latest_period": "Latest period", "figures": "Figures", "source": "Source", "is_demo": "Demonstration",
}
MISSING_COLUMNS = {"indicator": "Indicator", "area_name": "Area", "frequency": "Frequency", "period": "Missing period"}
UNALLOCATED_COLUMNS = {
    "period": "Month", "force_name": "Force", "unallocated": "Rows with no location", "force_rows": "All rows",
    "unallocated_pct": "Share (%)",
}


@st.cache_data(show_spinner=False, max_entries=8)
def _checks(ident: cache.Identity) -> dict[str, pd.DataFrame]:
    def run(con):
        return {"loads": quality.loads(con), "latest": quality.latest_periods(con),
                "missing": quality.missing_periods(con), "unallocated": quality.unallocated_by_month(con)}
    return cache._run(ident, run)


def _month(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.assign(**{c: pd.to_datetime(frame[c]).dt.strftime("%Y-%m") for c in columns})


def render(ident: cache.Identity) -> None:
    """Draw the section (under the page's own "Data quality" heading)."""
    checks = _checks(ident)
    loads, latest, missing, unallocated = (checks[k] for k in ("loads", "latest", "missing", "unallocated"))
    st.subheader("Loads")
    st.caption(f"The latest {len(loads):,} loads, newest first: the file, its SHA-256 checksum (a file loaded again with "
               "the same checksum is recognised and skipped), the rows read and loaded, and how many stored figures "
               "still come from it (a later load of the same months takes them over).")
    st.dataframe(loads[list(LOAD_COLUMNS)].rename(columns=LOAD_COLUMNS), hide_index=True, width="stretch")

    st.subheader("Latest period per indicator and area")
    indicators = sorted(latest.indicator_name.unique())
    chosen = st.selectbox("Indicator", ["All indicators", *indicators], key="quality_indicator")
    shown = latest if chosen == "All indicators" else latest[latest.indicator_name == chosen]
    st.dataframe(_month(shown, "first_period", "latest_period")[list(LATEST_COLUMNS)].rename(columns=LATEST_COLUMNS),
                 hide_index=True, width="stretch")

    st.subheader("Periods missing inside a series")
    if missing.empty:
        st.success("No series has a gap: every indicator and area has a figure for every period between its first "
                   "and latest.", icon=":material/check_circle:")
    else:
        st.warning(f"{len(missing):,} periods are missing inside {missing.groupby(['indicator', 'area_code']).ngroups:,} "
                   "series (between the series' first and latest period).", icon=":material/warning:")
        st.dataframe(_month(missing, "period")[list(MISSING_COLUMNS)].rename(columns=MISSING_COLUMNS),
                     hide_index=True, width="stretch")

    st.subheader("police.uk rows with no location")
    st.caption("Rows police.uk publishes without a location count towards the force total only (as the force's "
               "'no location' area), never towards a district.")
    if unallocated.empty:
        st.info("No police.uk rows without a location are held.")
    else:
        st.dataframe(_month(unallocated, "period")[list(UNALLOCATED_COLUMNS)].rename(columns=UNALLOCATED_COLUMNS),
                     hide_index=True, width="stretch")
