"""The words and table of the reconciliation panel: a board indicator beside its police.uk counterpart
(``places.Reconciliation``), for the same area and months, and why the two counts differ."""
from __future__ import annotations

import pandas as pd

from lscsb_data.presentation import formatting

TABLE_COLUMNS = {"label": "Figure", "source_text": "Source", "count_text": "Count", "value_text": "Value",
                 "complete_text": "Months"}


def _figure(row: dict, label: str) -> dict:
    suppressed = bool(row.get("suppressed") or False)
    return {
        "label": label,
        "source_text": formatting.source_text(row.get("source"), row.get("data_source"), row.get("is_demo")),
        "count_text": formatting.format_count(row.get("numerator"), row.get("measure", ""),
                                              suppressed=bool(row.get("count_suppressed") or False)),
        "value_text": formatting.format_value(row.get("value"), row, suppressed=suppressed),
        "complete_text": "all held" if row.get("complete") else "some missing",
    }


def table(rec) -> pd.DataFrame:
    """The two figures side by side (as rows), and the difference between the counts."""
    board, policeuk = rec.board, rec.policeuk
    rows = [_figure(board, board["name"]), _figure(policeuk, policeuk["name"])]
    both = pd.notna(board.get("numerator")) and pd.notna(policeuk.get("numerator"))
    if both and board.get("numerator"):
        gap = policeuk["numerator"] - board["numerator"]
        rows.append({"label": "police.uk less the board's figure", "source_text": "",
                     "count_text": formatting.format_change(gap, gap / board["numerator"] * 100, {"unit": "count"}),
                     "value_text": "", "complete_text": ""})
    return pd.DataFrame(rows)


def reasons(rec, *, area_name: str) -> list[str]:
    """Why the counts differ, most concrete first, with the share of police.uk rows placed in no district."""
    policeuk = rec.policeuk
    found = []
    if rec.board.get("is_demo"):
        found.append(f"The board's figure here ({rec.board['short_name']}) is **demonstration data** until a real extract "
                     "is loaded, so the gap says nothing about the real one; police.uk's figure is real.")
    if rec.force and rec.force_rows:
        placed = ("none of them" if not rec.unplaced else
                  f"{rec.unplaced:,} of them ({rec.unplaced_share:.1%})")
        found.append(
            f"**Rows with no location.** Of the force's {rec.force_rows:,} police.uk rows ({policeuk['short_name']}) over "
            f"these months, {placed} could not be placed in a district (no location, or an LSOA no lookup places): such "
            f"rows count in the force total, never in {area_name}. The force's own figure places every crime it records.")
    found.append(
        "**Recording date against snapshot date.** The force's figure counts crimes by the date they were recorded, from "
        "its crime system as it stood when extracted, with later reclassifications and cancellations; police.uk publishes "
        "each month once, as it stood a few weeks after the month, and revises past months only in later downloads.")
    found.append(f"**Categories.** {rec.why_they_differ}")
    return found
