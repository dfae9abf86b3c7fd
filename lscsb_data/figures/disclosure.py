"""Statistical disclosure control for sensitive indicators in public deployments (``LSCSB_PUBLIC=1``).

The rule, applied by the engine to every figure before any page, chart, CSV, PNG or pack sees it:

1. Primary suppression: a count of 1-4 events is withheld and shown as ``[c]``; a rate, percentage
   or ratio on fewer than 10 events is withheld (too few events to be reliable or safe).
2. Secondary suppression: where an area is the sum of parts that are also shown (the county is its
   seven districts; LLR is the county, Leicester, Rutland and the no-location bucket), a sum with
   exactly one withheld member would give that member away by subtraction. So, while any such sum
   has exactly one withheld member, the smallest other member is withheld too (preferring an area
   that is not itself a sum, so the fix does not spread down a level).
3. A change, percentage change, significance and direction are withheld when either figure they
   compare is withheld.

Only indicators flagged ``sensitive`` in the catalogue are touched; zero counts are shown.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lscsb_data.config import env_flag

SUPPRESSED = "[c]"
SMALLEST_SHOWN_COUNT = 5
SMALLEST_RATE_BASE = 10
PUBLIC_ENV_VAR = "LSCSB_PUBLIC"


def public_mode(public: bool | None = None) -> bool:
    """Whether disclosure control applies: explicitly given, else from ``$LSCSB_PUBLIC``."""
    return env_flag(PUBLIC_ENV_VAR) if public is None else public


def primary(numerator: pd.Series, unit: pd.Series, sensitive: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(count withheld, value withheld) masks from the primary rule."""
    small_count = sensitive & numerator.between(1, SMALLEST_SHOWN_COUNT - 1)
    small_base = sensitive & (unit != "count") & numerator.between(1, SMALLEST_RATE_BASE - 1)
    return small_count, small_count | small_base


def secondary(
    frame: pd.DataFrame, withheld: pd.Series, *, group_by: list[str], numerator: str, parts: pd.DataFrame
) -> pd.Series:
    """Extend ``withheld`` until no shown sum has exactly one withheld member.

    ``parts`` lists (area_code, part_code, part_is_aggregate) for each aggregate area and its
    direct parts (see ``engine.area_parts``); ``group_by`` names the columns that make one set of comparable figures (indicator
    and period). Rows are matched on ``area_code``.
    """
    hidden = withheld.to_numpy(dtype=bool, copy=True)
    if not hidden.any():
        return pd.Series(hidden, index=withheld.index)
    families = [(parent, list(members.part_code), list(members.part_is_aggregate))
                for parent, members in parts.groupby("area_code", sort=True)]
    counts = pd.to_numeric(frame[numerator], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    areas = frame.area_code.to_numpy()
    for positions in frame.groupby(group_by, sort=False).indices.values():
        if not hidden[positions].any():
            continue
        row_of = {areas[p]: p for p in positions}
        changed = True
        while changed:
            changed = False
            for parent, members, aggregate in families:
                # why: a part with no figure for this indicator is not in the sum
                present = [(order, code, is_aggregate) for order, (code, is_aggregate) in enumerate(zip(members, aggregate))
                           if code in row_of]
                if parent not in row_of or not present:
                    continue
                if int(hidden[row_of[parent]]) + sum(int(hidden[row_of[code]]) for _, code, _ in present) != 1:
                    continue
                # why: withhold the smallest shown part (districts before aggregates) so the least is lost
                candidates = [(bool(is_aggregate), counts[row_of[code]], order, row_of[code])
                              for order, code, is_aggregate in present
                              if not hidden[row_of[code]] and counts[row_of[code]] > 0]
                hidden[min(candidates)[3] if candidates else row_of[parent]] = True
                changed = True
    return pd.Series(hidden, index=withheld.index)


def suppress_summary(frame: pd.DataFrame, sensitive: pd.Series, parts: pd.DataFrame) -> pd.DataFrame:
    """Apply the rule to a ``summary`` frame holding every area of each indicator."""
    frame = frame.copy()
    for window in ("current", "previous"):
        count_hidden, value_hidden = primary(frame[f"{window}_numerator"], frame.unit, sensitive)
        count_hidden = secondary(frame, count_hidden, group_by=["indicator"], numerator=f"{window}_numerator", parts=parts)
        value_hidden = value_hidden | count_hidden
        frame[f"{window}_suppressed"] = value_hidden
        frame[f"{window}_count_suppressed"] = count_hidden
        frame.loc[count_hidden, f"{window}_numerator"] = np.nan
        frame.loc[value_hidden, f"{window}_value"] = np.nan
        if window == "current":
            for column in ("current_denominator",):
                frame.loc[count_hidden & (frame.unit == "percentage"), column] = np.nan
    either = frame.current_suppressed | frame.previous_suppressed
    frame.loc[either, ["change", "change_pct", "p_value"]] = np.nan
    frame.loc[either, "significant"] = False
    frame.loc[either & (frame.polarity != "target_band"), "direction"] = ""
    frame.loc[frame.current_suppressed & (frame.polarity == "target_band"), "direction"] = ""
    return frame


def suppress_periods(frame: pd.DataFrame, sensitive: pd.Series, parts: pd.DataFrame, *, period_column: str) -> pd.DataFrame:
    """Apply the rule to per-period figures (``series`` or ``range_total``) holding every area."""
    frame = frame.copy()
    count_hidden, value_hidden = primary(frame.numerator, frame.unit, sensitive)
    count_hidden = secondary(frame, count_hidden, group_by=["indicator", period_column], numerator="numerator", parts=parts)
    frame["suppressed"] = value_hidden | count_hidden
    frame["count_suppressed"] = count_hidden
    frame.loc[count_hidden, "numerator"] = np.nan
    frame.loc[frame.suppressed, "value"] = np.nan
    if "rolling_numerator" in frame:
        rolling_count, rolling_value = primary(frame.rolling_numerator, frame.unit, sensitive)
        rolling_count = secondary(frame, rolling_count, group_by=["indicator", period_column],
                                  numerator="rolling_numerator", parts=parts)
        frame["rolling_suppressed"] = rolling_value | rolling_count
        frame.loc[rolling_count, "rolling_numerator"] = np.nan
        frame.loc[frame.rolling_suppressed, "rolling_value"] = np.nan
    return frame


def mark_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for text output (CSV, tables) with ``[c]`` in every withheld cell of a summary."""
    marked = frame.astype(object)
    for window in ("current", "previous"):
        if f"{window}_suppressed" not in frame:
            continue
        counts = frame.get(f"{window}_count_suppressed", frame[f"{window}_suppressed"])
        marked.loc[counts.astype(bool), f"{window}_numerator"] = SUPPRESSED
        marked.loc[frame[f"{window}_suppressed"].astype(bool), f"{window}_value"] = SUPPRESSED
        limits = [c for c in frame.columns if c.startswith((f"{window}_lower_", f"{window}_upper_"))]
        marked.loc[frame[f"{window}_suppressed"].astype(bool), limits] = SUPPRESSED
    if "current_suppressed" in frame:
        either = (frame.current_suppressed | frame.previous_suppressed).astype(bool)
        marked.loc[either, ["change", "change_pct"]] = SUPPRESSED
    return marked
