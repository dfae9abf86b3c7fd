"""The one publication step: where every figure of a public deployment (``LSCSB_PUBLIC=1``) comes from.

Two halves, and nothing else reads stored counts in public mode:

1. ``materialize`` (run by every write, in the same transaction): the protected copy of the stored rows
   of sensitive indicators, ``mat_published_observations`` (``disclosure.protect``).
2. The engine's queries read observations through the table macro ``observations_for($public)``
   (``sql/marts.sql``), which in public mode swaps those stored rows for their protected copy. So
   every figure - summary, series, rolling windows, custom ranges, extract, pack, chart, CLI - and
   everything computed from one (rates, percentages, changes, p-values, intervals, direction, control
   limits) is computed from protected counts. ``publish`` then marks what is shown as ``[c]``:

   - a protected count of 0 (a true count of 0 to 4, so a reader never takes it for none);
   - a rate, percentage or ratio on fewer than 10 protected events (too few to be reliable);
   - a change, % change, p-value, significance or direction that compares a withheld figure.

Adding a column to the engine's output in public mode needs nothing here as long as it is computed from
the frame's own numerators and denominators; a column derived from a window's value (an interval, a
comparison with a benchmark) must be named ``<window>_value_*``, ``<window>_lower*`` or ``<window>_upper*``
(or be listed in ``COMPARISON_COLUMNS``) so that it is withheld with the value.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from lscsb_data.figures import disclosure

PUBLISHED_TABLE = "mat_published_observations"
COMPARISON_COLUMNS = ["change", "change_pct", "p_value"]
WINDOWS = {"summary": ("current", "previous"), "series": ("", "rolling"), "totals": ("",)}


def materialize(con: duckdb.DuckDBPyConnection) -> None:
    """Write the protected copy of the sensitive indicators' stored rows (the engine's public input)."""
    observations = con.execute("SELECT * FROM stg_observations").df()
    catalogue = con.execute("SELECT id, parent_id, unit, sensitive FROM stg_indicators").df()
    contributors = con.execute("SELECT indicator_id, area_code, node_code FROM mat_contributors").df()
    shown = disclosure.protect(observations, catalogue, contributors)
    con.execute(f"DELETE FROM {PUBLISHED_TABLE}")
    if len(shown):
        shown = shown.astype({"numerator": "int64", "denominator": "Int64"})
        con.register("protected_rows", shown)
        try:
            con.execute(f"INSERT INTO {PUBLISHED_TABLE} BY NAME SELECT * FROM protected_rows")
        finally:
            con.unregister("protected_rows")


def _prefix(window: str) -> str:
    return f"{window}_" if window else ""


def _withhold(frame: pd.DataFrame, window: str) -> tuple[pd.Series, pd.Series]:
    """(count withheld, value withheld) for one window, from the protected figures already in ``frame``."""
    prefix = _prefix(window)
    sensitive = frame.sensitive.fillna(False).astype(bool)
    counts = pd.to_numeric(frame[f"{prefix}numerator"], errors="coerce").astype(float)
    count_hidden = sensitive & (counts < disclosure.ROUNDING_BASE).fillna(False)
    few = sensitive & (frame.unit != "count") & (counts < disclosure.SMALLEST_RATE_BASE).fillna(False)
    return count_hidden, count_hidden | few


def _value_columns(frame: pd.DataFrame, window: str) -> list[str]:
    prefix = _prefix(window)
    return [c for c in frame.columns
            if c == f"{prefix}value" or c.startswith((f"{prefix}value_", f"{prefix}lower", f"{prefix}upper"))]


def publish(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``frame`` (an engine result computed in public mode from protected counts) with withheld cells blanked
    and flagged: ``kind`` is "summary" (``current_``/``previous_suppressed`` and ``..._count_suppressed``),
    "series" (``suppressed``, ``count_suppressed``, ``rolling_suppressed``, ``rolling_count_suppressed``) or
    "totals" (``range_total``). A ``..._suppressed`` flag says the value is withheld, a ``..._count_suppressed``
    flag that the count is too."""
    frame = frame.copy()
    flags = {}
    for window in WINDOWS[kind]:
        prefix = _prefix(window)
        count_hidden, value_hidden = _withhold(frame, window)
        frame.loc[count_hidden, f"{prefix}numerator"] = np.nan
        frame.loc[value_hidden, _value_columns(frame, window)] = np.nan
        flags[window] = value_hidden
        if kind == "summary":
            frame[f"{window}_suppressed"] = value_hidden.to_numpy()
            frame[f"{window}_count_suppressed"] = count_hidden.to_numpy()
        elif window == "rolling":
            frame["rolling_suppressed"] = value_hidden.to_numpy()
            frame["rolling_count_suppressed"] = count_hidden.to_numpy()
        else:
            frame["suppressed"] = value_hidden.to_numpy()
            frame["count_suppressed"] = count_hidden.to_numpy()
    if kind == "summary":
        either = flags["current"] | flags["previous"]
        frame.loc[either, [c for c in COMPARISON_COLUMNS if c in frame]] = np.nan
        frame.loc[either, "significant"] = False
        # why: a target-band indicator is judged on where the current figure sits, so only its own withholding hides it
        frame.loc[(either & (frame.polarity != "target_band")) | (flags["current"] & (frame.polarity == "target_band")),
                  "direction"] = ""
    return frame


def unprotected(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The partner view's frame with every withheld flag false, so both views have the same columns."""
    names = {"summary": ["current_suppressed", "previous_suppressed", "current_count_suppressed", "previous_count_suppressed"],
             "series": ["suppressed", "count_suppressed", "rolling_suppressed", "rolling_count_suppressed"],
             "totals": ["suppressed", "count_suppressed"]}[kind]
    return frame.assign(**dict.fromkeys(names, False))
