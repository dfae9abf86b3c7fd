"""The Data page's "police.uk coverage" section: what the coverage checks (``lscsb_data.figures.coverage``)
find in the police.uk months held, each in words an analyst can act on, and the months behind them."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lscsb_data.figures import coverage
from pages.shared import cache

MONTH_COLUMNS = {
    "month": "Month", "reported_by": "Force (reported by)", "rows": "Rows", "no_location": "No location",
    "no_location_pct": "No location (%)", "unplaced": "Not placed in a district", "neighbour_median": "Neighbours' median",
    "thin_text": "Far below its neighbours",
}


@st.cache_data(show_spinner=False, max_entries=8)
def _checks(ident: cache.Identity) -> dict[str, pd.DataFrame]:
    def run(con):
        stats = coverage.month_stats(con)
        return {"table": coverage.month_table(stats), "findings": coverage.findings(stats),
                "confirmed": coverage.confirmed_reloads(con)}
    return cache._run(ident, run)


def render(ident: cache.Identity) -> None:
    """Draw the section under its own heading."""
    st.header("police.uk coverage", divider="gray")
    checks = _checks(ident)
    table, found, confirmed = checks["table"], checks["findings"], checks["confirmed"]
    if table.empty:
        st.info("No police.uk months are held yet: load a download with `python -m lscsb_data load ZIP`.")
        return
    spans = [f"{force} {months.period.min():%b %Y} to {months.period.max():%b %Y} ({len(months)} months)"
             for force, months in table.groupby("reported_by")]
    st.write(f"Held: {'; '.join(spans)}. Each load is checked before it is written, and again here:")
    rules = {
        "missing": "a month with no figures inside a force's loaded range, or after its last while another force goes on",
        "thin": f"a month with under {coverage.THIN_SHARE:.0%} of the median rows of its neighbours "
                f"(up to {coverage.NEIGHBOURS} held months on each side)",
        "no_location": f"more than {coverage.NO_LOCATION_SHARE:.0%} of a month's rows with no location",
    }
    for check, name in coverage.CHECK_NAMES.items():
        these = found[found.check == check]
        if these.empty:
            st.success(f"**{name}**: none ({rules[check]}).", icon=":material/check_circle:")
        for text in these.text:
            st.warning(f"**{name}**: {text}", icon=":material/warning:")
    st.caption(
        "Refused at load, so never held: a Crime ID given twice in one month (the crime would be counted twice), a month "
        "before police.uk began (December 2010) or not yet ended, and a reload that would leave a month with under "
        f"{coverage.FEWER_ROWS:.0%} of its rows (or a district holding {coverage.DISTRICT_MINIMUM}+ rows with under "
        f"{coverage.DISTRICT_FEWER:.0%}) unless the analyst confirms it.")
    if len(confirmed):
        st.warning(f"**Reloads confirmed with far fewer rows**: {len(confirmed)}", icon=":material/warning:")
        st.dataframe(confirmed.rename(columns={"load_id": "Load", "loaded_at": "Loaded (UTC)", "file_name": "File",
                                               "note": "What it replaced"}), hide_index=True, width="stretch")
    with st.expander("Rows per force and month"):
        shown = table.assign(
            month=table.period.dt.strftime("%Y-%m"), no_location_pct=(100 * table.no_location_share).round(1),
            neighbour_median=table.neighbour_median.round(0), thin_text=table.thin.map({True: "yes", False: ""}))
        st.dataframe(shown.sort_values(["reported_by", "period"], ascending=[True, False])[list(MONTH_COLUMNS)]
                     .rename(columns=MONTH_COLUMNS), hide_index=True, width="stretch")
