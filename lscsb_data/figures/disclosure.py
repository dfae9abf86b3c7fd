"""Statistical disclosure control for sensitive indicators in public deployments: the method.

Public mode never computes a figure from a stored count of a sensitive indicator. Each stored series
(one indicator, one area, period after period) is first replaced by a protected series whose running
total is the true running total rounded down to a multiple of 5:

    protected count of period t = 5 x floor(running total to t / 5) - 5 x floor(running total to t-1 / 5)

Every public figure - a period, a rolling 12 months, a quarter, any custom range, a county or force
total, a parent indicator, a rate or percentage, a change, a trend test, a control chart - is then
computed from the protected series by the same code as the partner view (``publication``). So:

- any run of periods of one stored series is within 4 of its true total (it is rounded to one of the
  two multiples of 5 either side), and a sum of k series is within 4k;
- what an attacker can learn by combining every public figure is at most each stored series' rounded
  running totals, and each of those leaves the true running total one of 5 values, so no stored count,
  and no total of counts, is ever pinned to one value: a count of 1-4 is one of at least 5 possible
  values (docs/disclosure.md proves it, and tests/attack.py checks it against every output).

What would otherwise add up exactly is rounded as a whole: a parent indicator (domestic abuse crimes,
hate incidents) is published as the sum of its protected parts plus the protected remainder (the parent
minus its parts, zero when the parts make up the parent), and a percentage's denominator as its
protected numerator plus the protected remainder, so a percentage never exceeds 100%. Indicators that
are not sensitive, and whole families none of whose members is, are published as stored.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lscsb_data.config import env_flag

SUPPRESSED = "[c]"
ROUNDING_BASE = 5
SMALLEST_RATE_BASE = 10
PUBLIC_ENV_VAR = "LSCSB_PUBLIC"
SERIES_KEY = ["indicator_id", "area_code"]


def public_mode(public: bool | None = None) -> bool:
    """Whether disclosure control applies: explicitly given, else from ``$LSCSB_PUBLIC``."""
    return env_flag(PUBLIC_ENV_VAR) if public is None else public


def round_running_totals(counts: np.ndarray, base: int = ROUNDING_BASE) -> np.ndarray:
    """Counts whose running total is the running total of ``counts`` rounded down to a multiple of ``base``."""
    running = np.floor(np.cumsum(np.asarray(counts, dtype=float)) / base) * base
    return np.diff(running, prepend=0.0)


def protected_indicators(catalogue: pd.DataFrame) -> set[str]:
    """The sensitive indicators and every member of a family (parent and parts) that holds one."""
    family = catalogue.parent_id.where(catalogue.parent_id.notna(), catalogue.id)
    sensitive_families = set(family[catalogue.sensitive.astype(bool)])
    return set(catalogue.id[family.isin(sensitive_families)])


def _round_each_series(frame: pd.DataFrame, column: str) -> pd.Series:
    """``column`` with each stored series' running total rounded down (``round_running_totals``), in period order."""
    ordered = frame.sort_values([*SERIES_KEY, "period"], kind="stable")
    rounded = ordered.groupby(SERIES_KEY, sort=False)[column].transform(
        lambda counts: round_running_totals(counts.to_numpy(float)))
    return rounded.reindex(frame.index)


def _parts_at(rows: pd.DataFrame, contributors: pd.DataFrame, parts: pd.DataFrame) -> pd.DataFrame:
    """Each parent's parts added up at each area and period (a part's figure at an area is the sum of its
    stored contributors there, as the engine adds it up)."""
    stored = rows[["indicator_id", "area_code", "period", "numerator"]].rename(columns={"area_code": "node_code"})
    figures = contributors[["indicator_id", "area_code", "node_code"]].merge(stored, on=["indicator_id", "node_code"])
    figures = figures.groupby(["indicator_id", "area_code", "period"], as_index=False).numerator.sum()
    summed = parts.merge(figures, left_on="id", right_on="indicator_id")
    return summed.groupby(["parent_id", "area_code", "period"], as_index=False).numerator.sum().rename(
        columns={"parent_id": "indicator_id", "numerator": "parts"})


def _heights(catalogue: pd.DataFrame) -> pd.Series:
    """0 for an indicator without parts, else one more than its tallest part."""
    parents = dict(zip(catalogue.id, catalogue.parent_id))
    height = dict.fromkeys(catalogue.id, 0)
    for child in catalogue.id:
        steps, node = 1, parents.get(child)
        while isinstance(node, str) and node in height and steps <= len(height):
            height[node] = max(height[node], steps)
            steps, node = steps + 1, parents.get(node)
    return pd.Series(height)


def protect(observations: pd.DataFrame, catalogue: pd.DataFrame, contributors: pd.DataFrame) -> pd.DataFrame:
    """The protected copy of the stored rows of ``protected_indicators``: the same rows with protected counts.

    ``observations`` has ``indicator_id, area_code, period, numerator, denominator`` (other columns are kept);
    ``catalogue`` the indicators' ``id, parent_id, unit, sensitive``; ``contributors`` the engine's
    ``indicator_id, area_code, node_code`` (the stored areas that make up each area's figure).
    """
    protected = protected_indicators(catalogue)
    true = observations[observations.indicator_id.isin(protected)].astype({"numerator": float, "denominator": float})
    if true.empty:
        return true
    shown = true.copy()
    parts = catalogue[catalogue.parent_id.notna() & catalogue.id.isin(protected)][["id", "parent_id"]]
    height = shown.indicator_id.map(_heights(catalogue))
    key = ["indicator_id", "area_code", "period"]
    # why: parts first, so a parent's remainder is its true count less its parts' and its protected count adds them back
    for level in sorted(height.unique()):
        rows = shown[height == level]
        if level == 0:
            shown.loc[rows.index, "numerator"] = _round_each_series(rows, "numerator")
            continue
        remainder = rows[key].merge(_parts_at(true, contributors, parts), on=key, how="left").parts.fillna(0.0)
        rounded_parts = rows[key].merge(_parts_at(shown, contributors, parts), on=key, how="left").parts.fillna(0.0)
        rows = rows.assign(remainder=rows.numerator.to_numpy() - remainder.to_numpy())
        shown.loc[rows.index, "numerator"] = rounded_parts.to_numpy() + _round_each_series(rows, "remainder").to_numpy()
    units = shown.indicator_id.map(catalogue.set_index("id").unit)
    has_denominator = true.denominator.notna()
    percentage = has_denominator & units.eq("percentage")
    # why: a percentage's denominator is its numerator plus the rest, so the protected percentage stays within 0-100%
    rest = true[percentage].assign(rest=true.denominator - true.numerator)
    shown.loc[percentage, "denominator"] = shown.numerator[percentage] + _round_each_series(rest, "rest")
    other = has_denominator & ~percentage
    shown.loc[other, "denominator"] = _round_each_series(true[other], "denominator")
    return shown


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
