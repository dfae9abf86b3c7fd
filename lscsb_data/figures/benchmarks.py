"""How each figure compares: its confidence intervals, its comparator, its recent trend and "red-red".

Everything here works on figures already published (in public mode the protected ones), so nothing it adds can
reveal more than they do: an interval is a function of the shown count and denominator, a comparator built from
members is the sum of shown figures, and a member withheld leaves the comparator unshown.

- **Intervals** (``stats.value_limits``): 95% and 99.8% for every figure, by the methods of PHEindicatormethods.
- **Comparators**: the area tree's parent (a district's county, a unitary's force), the region, the nation, or a
  peer group (``data/comparator_groups.csv``: regions and nations list police forces, peer groups list CSPs).
  A comparator's figure is its own (stored, or summed by the area tree) where that is complete, else the sum of
  its members where every member has a complete figure, else none: "not enough data" rather than a figure from
  one force of five.
- **Comparison** (as Fingertips): "similar" when the comparator's value lies inside the area's 95% interval,
  otherwise better or worse by polarity (higher or lower where no direction is judged); a target-band indicator
  reads within or outside its band; a count is never compared with a bigger area's total ("not_comparable").
- **Recent trend**: Fingertips' chi-squared test for linear trend over the five 12-month windows ending 0, 12,
  24, 36 and 48 months before the current one (non-overlapping whole years, as Fingertips requires), at 99.8%.
- **Red-red**: worse than the comparator (or outside the band) and worsening, by the significant change against
  the previous window or by the recent trend.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lscsb_data.figures import stats

COMPARISONS = ("better", "similar", "worse", "higher", "lower", "within_band", "outside_band",
               "not_comparable", "not_enough_data")
INTERVAL_COLUMNS = ["current_lower_95", "current_upper_95", "current_lower_998", "current_upper_998"]
COMPARATOR_COLUMNS = ["comparator_code", "comparator_value", "comparison"]
TREND_COLUMNS = ["recent_trend", "recent_trend_judgement", "recent_trend_start", "recent_trend_end",
                 "recent_trend_chi2", "recent_trend_note"]
MEMBER_WORDS = {"region": "forces", "national": "forces", "peer": "areas"}


def with_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (summary rows) with each current figure's 95% and 99.8% limits in its own unit."""
    out = frame.copy()
    for confidence, suffix in ((95, "95"), (99.8, "998")):
        for window in ("current", "previous"):
            lower, upper = stats.value_limits(out.unit.to_numpy(object), out[f"{window}_numerator"].astype(float),
                                              out[f"{window}_denominator"].astype(float),
                                              out.multiplier.astype(float), confidence)
            hidden = out[f"{window}_value"].isna().to_numpy()
            out[f"{window}_lower_{suffix}"] = np.where(hidden, np.nan, lower)
            out[f"{window}_upper_{suffix}"] = np.where(hidden, np.nan, upper)
    return out


def comparator_options(area_frame: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Every comparator: the county and force areas, the stored-whole comparators (region, national, group areas)
    and every group of ``groups`` (``comparator_groups`` rows), with ``code``, ``name``, ``kind``, ``n_members``."""
    # why: a group's name and type are on each of its member rows, so its first row gives them (a grouped aggregation
    # cost as much as the rest of this together, and the profile, the detail and every summary ask for the options)
    first = groups.drop_duplicates("group_code")
    group_rows = pd.DataFrame({"code": first.group_code, "name": first.group_name, "kind": first.group_type,
                               "n_members": first.group_code.map(groups.group_code.value_counts()).astype("int64")}
                             ).reset_index(drop=True)
    tree = area_frame[area_frame.is_comparator][["code", "name", "type", "type_order"]]
    tree = tree.rename(columns={"type": "kind", "type_order": "kind_order"}).assign(n_members=0)
    tree = tree[~tree.code.isin(group_rows.code)]
    # why: a group of members is listed where its kind of stored area is (area_types.csv's order), peer groups last
    kind_orders = dict(zip(area_frame.type, area_frame.type_order))
    group_rows["kind_order"] = group_rows.kind.map(kind_orders).fillna(area_frame.type_order.max() + 1)
    frame = pd.concat([tree, group_rows], ignore_index=True)
    return frame.sort_values(["kind_order", "name"], kind="stable").drop(columns="kind_order").reset_index(drop=True)


def ancestors(parents: dict, code: str) -> list[str]:
    """The areas above ``code``, nearest first, from the area tree's ``code`` to ``parent_code``."""
    chain, seen = [], {code}
    parent = parents.get(code)
    while isinstance(parent, str) and parent not in seen:
        chain.append(parent)
        seen.add(parent)
        parent = parents.get(parent)
    return chain


def _group_rows(groups: pd.DataFrame) -> list[tuple[str, str, str]]:
    return list(zip(groups.group_code, groups.group_type, groups.member_code))


def _groups_holding(rows: list[tuple[str, str, str]], codes: list[str], kind: str) -> list[str]:
    """The groups of ``kind`` holding any of ``codes``, in the groups' order (``rows`` from ``_group_rows``)."""
    held = set(codes)
    return list(dict.fromkeys(group for group, group_kind, member in rows if group_kind == kind and member in held))


def default_comparator(area_frame: pd.DataFrame, groups: pd.DataFrame, code: str) -> str | None:
    """The area's default comparator: a district's county, a unitary's force; the county's and the force's region;
    a region's nation; none for the nation, a comparator group or an area outside the tree."""
    return default_comparators(area_frame, groups, [code])[code]


def default_comparators(area_frame: pd.DataFrame, groups: pd.DataFrame, codes) -> dict[str, str | None]:
    """``default_comparator`` of each of ``codes``, with the area tree and the groups read once for all of them
    (a summary of every area asks for each area's)."""
    types = dict(zip(area_frame.code, area_frame.type))
    sums = dict(zip(area_frame.code, area_frame.is_aggregate))
    parents = dict(zip(area_frame.code, area_frame.parent_code))
    rows = _group_rows(groups)
    members_of: dict[str, list[str]] = {}
    for group, _kind, member in rows:
        members_of.setdefault(group, []).append(member)

    def default(code: str) -> str | None:
        chain = ancestors(parents, code)
        if chain and not sums.get(code):
            return chain[0]
        if sums.get(code):
            regions = _groups_holding(rows, [code, *chain], "region")
            return regions[0] if regions else None
        if types.get(code) == "region":
            members = members_of.get(code, [])
            nations = [g for g in _groups_holding(rows, members, "national")
                       if set(members) <= set(members_of.get(g, []))]
            return nations[0] if nations else None
        return None

    return {code: default(code) for code in codes}


def comparator_names(area_frame: pd.DataFrame, groups: pd.DataFrame) -> dict[str, str]:
    """Each comparator's name (``comparator_options``' ``code`` to ``name``), without building the options' table."""
    # why: a group's name is on each of its member rows, and a group overrides a stored area of the same code
    names = {code: name for code, name, comparator in zip(area_frame.code, area_frame.name, area_frame.is_comparator)
             if comparator}
    names.update(zip(groups.group_code[::-1], groups.group_name[::-1]))
    return names


def comparator_choices(area_frame: pd.DataFrame, groups: pd.DataFrame, code: str) -> list[str]:
    """The comparators offered for an area, its default first: its county and force, the region and nations that
    hold its force, the stored-whole comparator groups, and the peer groups it (or an area above it) belongs to."""
    chain = ancestors(dict(zip(area_frame.code, area_frame.parent_code)), code)
    holders, rows = [code, *chain], _group_rows(groups)
    stored_groups = list(area_frame[area_frame.type == "group"].code)
    choices = [*chain, *_groups_holding(rows, holders, "region"), *_groups_holding(rows, holders, "national"),
               *[c for c in area_frame[area_frame.type == "national"].code], *stored_groups,
               *_groups_holding(rows, holders, "peer")]
    default = default_comparator(area_frame, groups, code)
    ordered = list(dict.fromkeys([default, *choices] if default else choices))
    return [c for c in ordered if c != code]


def needed_areas(groups: pd.DataFrame, area: str, comparator: str | None) -> list[str]:
    """The areas whose figures a comparison of ``area`` with ``comparator`` reads."""
    if comparator is None:
        return [area]
    return list(dict.fromkeys([area, comparator, *groups[groups.group_code == comparator].member_code]))


def comparator_figures(frame: pd.DataFrame, groups: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Each comparator's figure per indicator, with how it was found.

    One row per indicator of ``frame`` and code of ``codes``: ``comparator_numerator``, ``comparator_denominator``,
    ``comparator_value`` (missing when not covered), ``comparator_source`` ("own" figure or "members"), and
    ``comparator_note`` (why there is no figure, e.g. "not enough data: figures for 1 of 5 forces").
    """
    # why: every figure is looked up by its row's position (indicator and area to row), not by merges and a grouped
    # sum, which were most of an every-area summary's comparator step
    indicators = list(dict.fromkeys(frame.indicator))
    row_of = {key: row for row, key in enumerate(zip(frame.indicator, frame.area_code))}
    shown = (frame.current_value.notna() & frame.current_complete.fillna(False).astype(bool)).to_numpy()
    numerators = frame.current_numerator.to_numpy(float, na_value=np.nan)
    denominators = frame.current_denominator.to_numpy(float, na_value=np.nan)
    values = frame.current_value.to_numpy(float, na_value=np.nan)
    suppressed = frame.current_suppressed.fillna(False).astype(bool).to_numpy()
    listed = groups[groups.group_code.isin(codes)]
    members_of: dict[str, list[str]] = {}
    for group, member in zip(listed.group_code, listed.member_code):
        members_of.setdefault(group, []).append(member)
    kind_of = dict(zip(groups.group_code, groups.group_type))
    grid = [(i, c) for i in indicators for c in codes]
    own = np.array([row_of.get(key, -1) for key in grid], dtype=int)
    n_members = np.array([len(members_of.get(c, [])) for _i, c in grid], dtype=int)
    present = np.zeros(len(grid), dtype=int)
    member_numerator = np.full(len(grid), np.nan)
    member_denominator = np.full(len(grid), np.nan)
    for position, (indicator, code) in enumerate(grid):
        rows = [row_of[(indicator, m)] for m in members_of.get(code, []) if (indicator, m) in row_of]
        rows = [row for row in rows if shown[row]]
        if rows:
            present[position] = len(rows)
            member_numerator[position] = _sum_skipping_missing(numerators[rows])
            held = denominators[rows]
            if (~np.isnan(held)).any():
                member_denominator[position] = _sum_skipping_missing(held)
    meta = frame.drop_duplicates("indicator")
    unit_of, multiplier_of = dict(zip(meta.indicator, meta.unit)), dict(zip(meta.indicator, meta.multiplier))
    unit = np.array([unit_of[i] for i, _c in grid], dtype=object)
    multiplier = np.array([multiplier_of[i] for i, _c in grid], dtype=float)
    found = own >= 0
    # why: a row to index with where the comparator has no row of its own (every use is masked by ``found``)
    own_row = np.where(found, own, 0)
    has_own = found & shown[own_row]

    def own_or_nan(column: np.ndarray) -> np.ndarray:
        return np.where(found, column[own_row], np.nan)

    by_members = ~has_own & (n_members > 0) & (present == n_members)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = member_numerator / np.where(member_denominator > 0, member_denominator, np.nan) * multiplier
    member_value = np.where(unit == "count", member_numerator, ratio)
    out = pd.DataFrame(grid, columns=["indicator", "comparator_code"])
    out["comparator_numerator"] = np.where(has_own, own_or_nan(numerators), np.where(by_members, member_numerator, np.nan))
    out["comparator_denominator"] = np.where(has_own, own_or_nan(denominators),
                                             np.where(by_members, member_denominator, np.nan))
    out["comparator_value"] = np.where(has_own, own_or_nan(values), np.where(by_members, member_value, np.nan))
    out["comparator_source"] = np.select([has_own, by_members], ["own", "members"], "")
    words = [MEMBER_WORDS.get(kind_of.get(c), "members") for _i, c in grid]
    counted = [f"not enough data: figures for {p} of {n} {w}" for p, n, w in zip(present, n_members, words)]
    withheld = found & suppressed[own_row]
    out["comparator_note"] = np.select(
        [has_own | by_members, n_members > 0, withheld, found],
        ["", pd.Series(counted, index=out.index), "withheld", "not enough data: periods missing"],
        "not enough data: no figures held")
    return out


def _sum_skipping_missing(values: np.ndarray) -> float:
    """The sum a grouped ``sum`` gives: missing values skipped, compensated (Kahan) in row order as pandas adds."""
    total = compensation = 0.0
    for value in values.tolist():
        if value == value:
            y = value - compensation
            t = total + y
            compensation = t - total - y
            if compensation != compensation:
                compensation = 0.0
            total = t
    return total


def compare(frame: pd.DataFrame) -> pd.Series:
    """The comparison word of each row (see ``COMPARISONS``), from its value, 95% limits and ``comparator_value``."""
    value, comparator = frame.current_value.astype(float), frame.comparator_value.astype(float)
    inside = (comparator >= frame.current_lower_95) & (comparator <= frame.current_upper_95)
    higher = value > comparator
    judged = np.select(
        [frame.polarity == "lower_better", frame.polarity == "higher_better"],
        [np.where(higher, "worse", "better"), np.where(higher, "better", "worse")],
        np.where(higher, "higher", "lower"),
    )
    words = pd.Series(np.where(inside, "similar", judged), index=frame.index, dtype=object)
    words = words.where(comparator.notna(), "not_enough_data")
    words = words.where(frame.unit != "count", "not_comparable")
    band = np.where((value >= frame.band_low) & (value <= frame.band_high), "within_band", "outside_band")
    words = words.where(frame.polarity != "target_band", pd.Series(band, index=frame.index))
    # why: a figure withheld or missing cannot be compared, and an area is no comparator for itself
    return words.where(value.notna() & (frame.comparator_code.fillna("") != frame.area_code), "")


def with_comparators(frame: pd.DataFrame, groups: pd.DataFrame, comparator_of: dict[str, str | None]) -> pd.DataFrame:
    """``frame`` with each row's comparator (``comparator_of[area_code]``), its figure and the comparison."""
    out = frame.copy()
    out["comparator_code"] = out.area_code.map(comparator_of).astype(object)
    codes = [c for c in dict.fromkeys(out.comparator_code) if isinstance(c, str)]
    figures = comparator_figures(frame, groups, codes)
    # why: each row takes its comparator's figures by position (one per indicator and code), as a left merge would
    position = {key: row for row, key in enumerate(zip(figures.indicator, figures.comparator_code))}
    rows = np.array([position.get(key, -1) for key in zip(out.indicator, out.comparator_code)], dtype=int)
    for column in figures.columns.drop(["indicator", "comparator_code"]):
        out[column] = pd.api.extensions.take(figures[column].array, rows, allow_fill=True)
    # why: a count is compared only with the area's own history, never with a bigger area's total
    out.loc[out.unit == "count", ["comparator_value", "comparator_numerator", "comparator_denominator"]] = np.nan
    out["comparator_note"] = out.comparator_note.fillna("")
    out.loc[out.unit == "count", "comparator_note"] = "a count: compared only with its own previous figure"
    out.loc[out.comparator_code.isna(), "comparator_note"] = "no comparator"
    out["comparison"] = compare(out)
    return out


def trend_points(windows: pd.DataFrame) -> pd.DataFrame:
    """The recent trend of each indicator and area from its ``windows`` rows (``engine.windows``).

    Tested only with five complete, shown windows; ``recent_trend_note`` says why not otherwise.
    """
    frame = windows.sort_values(["indicator", "area_code", "window_end"]).reset_index(drop=True)
    usable = frame.complete.fillna(False).astype(bool) & frame.numerator.notna()
    usable &= (frame.unit == "count") | frame.denominator.notna()
    withheld = frame.suppressed.fillna(False).astype(bool) if "suppressed" in frame else pd.Series(False, index=frame.index)
    keys = ["indicator", "area_code"]
    # why: the rows are sorted by indicator and area, so each one's windows are a run of rows, cut by position
    # (a grouped aggregation and a merge back cost more than the rest of the trends together)
    starts = _run_starts(frame, keys)
    ends = np.append(starts[1:], len(frame)) if len(starts) else starts
    first, last = frame.iloc[starts], frame.iloc[ends - 1]
    per = pd.DataFrame({
        "indicator": first.indicator.array, "area_code": first.area_code.array,
        "points": (ends - starts).astype("int64"),
        "usable": np.logical_and.reduceat(usable.to_numpy(), starts) if len(starts) else np.array([], dtype=bool),
        "withheld": np.logical_or.reduceat(withheld.to_numpy(), starts) if len(starts) else np.array([], dtype=bool),
        # why: a window's start rises with its end, so the first row of a run holds the earliest start
        "recent_trend_start": first.window_start.array, "recent_trend_end": last.window_end.array,
        "unit": first.unit.array, "multiplier": first.multiplier.array})
    testable = per.usable & ~per.withheld & (per.points == stats.TREND_POINTS)
    per["recent_trend"] = ""
    per["recent_trend_chi2"] = np.nan
    per["recent_trend_note"] = np.where(per.withheld, "not tested: a window is withheld",
                                        f"not tested: needs {stats.TREND_POINTS} complete 12-month windows")
    if testable.any():
        rows = (starts[testable.to_numpy()].reshape(-1, 1) + np.arange(stats.TREND_POINTS)).ravel()
        shape = (int(testable.sum()), stats.TREND_POINTS)
        words, chi2 = stats.recent_trends(per.unit[testable], frame.numerator.to_numpy(float)[rows].reshape(shape),
                                          frame.denominator.to_numpy(float)[rows].reshape(shape), per.multiplier[testable])
        per.loc[testable, "recent_trend"] = words
        per.loc[testable, "recent_trend_chi2"] = chi2
        per.loc[testable, "recent_trend_note"] = ""
    return per[["indicator", "area_code", "recent_trend", "recent_trend_chi2", "recent_trend_start", "recent_trend_end",
                "recent_trend_note"]]


def _run_starts(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """The first row of each run of equal ``keys`` in ``frame`` (rows sorted by them)."""
    if frame.empty:
        return np.array([], dtype=int)
    changed = np.zeros(len(frame) - 1, dtype=bool)
    for key in keys:
        values = frame[key].to_numpy(object)
        changed |= values[1:] != values[:-1]
    return np.flatnonzero(np.r_[True, changed])


def with_trends(frame: pd.DataFrame, windows: pd.DataFrame, definition_changes: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each row's recent trend, its judgement by polarity and why it was not tested.

    A definition change inside the five windows stops the test: the series is not like for like.
    """
    points = trend_points(windows)
    out = frame.merge(points, on=["indicator", "area_code"], how="left")
    out["recent_trend"] = out.recent_trend.fillna("")
    out["recent_trend_note"] = out.recent_trend_note.fillna(f"not tested: needs {stats.TREND_POINTS} complete 12-month windows")
    for change in definition_changes.itertuples():
        hit = ((out.indicator == change.indicator_id) & (out.recent_trend_start < pd.Timestamp(change.start_date))
               & (pd.Timestamp(change.start_date) <= out.recent_trend_end))
        out.loc[hit, "recent_trend"] = ""
        out.loc[hit, "recent_trend_note"] = f"not tested: {change.label} within the five years"
    out.loc[out.recent_trend != "", "recent_trend_note"] = ""
    up, down = out.recent_trend == "increasing", out.recent_trend == "decreasing"
    out["recent_trend_judgement"] = np.select(
        [out.polarity.eq("lower_better") & up, out.polarity.eq("lower_better") & down,
         out.polarity.eq("higher_better") & up, out.polarity.eq("higher_better") & down,
         up | down],
        ["worsening", "improving", "improving", "worsening", "neutral"], "")
    return out


def with_red_red(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``worsening`` (significantly, by the change or the recent trend) and ``red_red``."""
    out = frame.copy()
    rising = out.change.astype(float) > 0
    significant = out.significant.fillna(False).astype(bool)
    up, down = out.recent_trend == "increasing", out.recent_trend == "decreasing"
    above = out.current_value.astype(float) > out.band_high
    below = out.current_value.astype(float) < out.band_low
    bad_up = (out.polarity == "lower_better") | ((out.polarity == "target_band") & above)
    bad_down = (out.polarity == "higher_better") | ((out.polarity == "target_band") & below)
    out["worsening"] = (bad_up & ((significant & rising) | up)) | (bad_down & ((significant & ~rising) | down))
    out["red_red"] = out.comparison.isin(["worse", "outside_band"]) & out.worsening
    return out
