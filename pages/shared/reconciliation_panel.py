"""An indicator's detail, beside its police.uk counterpart (or the board figure beside a police.uk one): the two
counts for the same area and months, and why they differ (``lscsb_data.presentation.reconciliation``)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lscsb_data.presentation import reconciliation
from pages.shared import cache, places_data, ui


def render(detail) -> None:
    """Draw the panel under the detail, if the indicator has a counterpart; nothing otherwise."""
    head = detail.headline
    if pd.isna(head.get("current_start")) or pd.isna(head.get("current_end")):
        return
    rec = places_data.reconciliation(cache.identity(), detail.indicator["id"], detail.area_code,
                                     pd.Timestamp(head["current_start"]).date(), pd.Timestamp(head["current_end"]).date(),
                                     cache.public())
    if rec is None:
        return
    st.subheader(f"Beside police.uk: {rec.board['short_name']} and {rec.policeuk['short_name']}", divider="gray")
    st.caption(f"{detail.area_name}, {head['window_text']}: the same months for both.")
    ui.figures_table(lambda: reconciliation.table(rec), reconciliation.TABLE_COLUMNS,
                     key=f"reconciliation_{detail.indicator['id']}")
    st.markdown("Why they differ:\n\n" + "\n".join(f"- {reason}" for reason in reconciliation.reasons(rec, area_name=detail.area_name)))
