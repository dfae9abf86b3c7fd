"""The engine's ``summary`` written plainly in pandas, as the yardstick the benchmark compares with.

It starts from the raw tables already in memory (generous to pandas) and follows the same rules as
the SQL marts: an area's figure is its own rows, else the sum of its parts (for a type that sums its
parts, data/area_types.csv); population is interpolated between known years and taken from the
nearest outside them; a window is complete when every part has every period. A test checks it
agrees with the engine.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from lscsb_data.figures import periods

@dataclass
class Tables:
    indicators: pd.DataFrame
    areas: pd.DataFrame
    population: pd.DataFrame
    observations: pd.DataFrame


def read_tables(con: duckdb.DuckDBPyConnection) -> Tables:
    def table(name: str) -> pd.DataFrame:
        return con.execute(f"SELECT * FROM {name}").df()

    observations = table("observations")
    observations["period"] = pd.to_datetime(observations.period)
    areas = con.execute("SELECT a.*, t.sums_parts, t.has_residents FROM areas AS a JOIN area_types AS t USING (type)").df()
    return Tables(table("indicators"), areas, table("population"), observations)


def _children(areas: pd.DataFrame) -> dict[str, list[str]]:
    aggregates = set(areas.code[areas.sums_parts])
    children: dict[str, list[str]] = {}
    for code, parent in zip(areas.code, areas.parent_code):
        if parent in aggregates:
            children.setdefault(parent, []).append(code)
    return children


def _contributors(tables: Tables) -> pd.DataFrame:
    """(indicator, area, node, is_stored) as the SQL view ``int_contributors`` defines them."""
    children = _children(tables.areas)
    residents = dict(zip(tables.areas.code, tables.areas.has_residents))
    stored = set(zip(tables.observations.indicator_id, tables.observations.area_code))
    rows = []
    for indicator in tables.indicators.id:
        for root in tables.areas.code:
            found = []
            stack = [root]
            while stack:
                node = stack.pop()
                if (indicator, node) in stored:
                    found.append((node, True))
                elif node in children:
                    stack.extend(children[node])
                elif residents[node]:
                    found.append((node, False))
            if any(is_stored for _, is_stored in found):
                rows.extend((indicator, root, node, is_stored) for node, is_stored in found)
    return pd.DataFrame(rows, columns=["indicator_id", "area_code", "node_code", "is_stored"])


def _leaves(tables: Tables) -> pd.DataFrame:
    children = _children(tables.areas)
    residents = dict(zip(tables.areas.code, tables.areas.has_residents))
    rows = []
    for root in tables.areas.code:
        stack = [root]
        while stack:
            node = stack.pop()
            if node in children:
                stack.extend(children[node])
            elif residents[node]:
                rows.append((root, node))
    return pd.DataFrame(rows, columns=["area_code", "leaf_code"])


def _population(tables: Tables, measure: str, year: int) -> pd.Series:
    """Population by area in ``year``: interpolated or nearest for areas holding it, else summed over leaves."""
    known = tables.population.dropna(subset=[measure])
    direct = {
        code: float(np.interp(year, group.year.to_numpy(), group[measure].to_numpy(float)))
        for code, group in known.sort_values("year").groupby("area_code")
    }
    leaves = _leaves(tables)
    leaves["value"] = leaves.leaf_code.map(direct)
    summed = leaves.groupby("area_code").value.agg(lambda v: v.sum() if v.notna().all() else np.nan)
    return pd.Series({code: direct.get(code, summed.get(code, np.nan)) for code in tables.areas.code})


def summary_pandas(tables: Tables, period: date) -> pd.DataFrame:
    """Current and previous rolling 12-month numerators, denominators and values for every indicator and area."""
    contributors = _contributors(tables)
    stored_parts = contributors[contributors.is_stored]
    n_parts = contributors.groupby(["indicator_id", "area_code"]).size().rename("n_parts")
    results = []
    for indicator in tables.indicators.itertuples():
        end = periods.window_end(period, indicator.frequency)
        windows = {
            "current": (periods.add_months(end, -11), end),
            "previous": (periods.add_months(end, -23), periods.add_months(end, -12)),
        }
        expected_periods = 12 // periods.MONTHS_PER_PERIOD[indicator.frequency]
        rows = tables.observations[tables.observations.indicator_id == indicator.id]
        parts = stored_parts[stored_parts.indicator_id == indicator.id]
        joined = parts.merge(rows, left_on=["indicator_id", "node_code"], right_on=["indicator_id", "area_code"],
                             suffixes=("", "_node"))
        frame = None
        for window, (start, stop) in windows.items():
            inside = joined[(joined.period >= pd.Timestamp(start)) & (joined.period <= pd.Timestamp(stop))]
            sums = inside.groupby("area_code").agg(
                **{f"{window}_numerator": ("numerator", "sum"), f"{window}_explicit": ("denominator", "sum"),
                   f"{window}_rows": ("numerator", "size")}
            )
            frame = sums if frame is None else frame.join(sums, how="outer")
            if indicator.denominator_basis in ("population", "households"):
                measure = "persons" if indicator.denominator_basis == "population" else "households"
                frame[f"{window}_denominator"] = _population(tables, measure, stop.year).reindex(frame.index)
            else:
                explicit = indicator.denominator_basis == "explicit"
                frame[f"{window}_denominator"] = frame[f"{window}_explicit"] if explicit else np.nan
        if frame is None or frame.empty:
            continue
        frame = frame.reset_index().assign(indicator=indicator.id, unit=indicator.unit, multiplier=indicator.multiplier)
        frame = frame.join(n_parts.loc[indicator.id], on="area_code")
        for window in windows:
            numerator = frame[f"{window}_numerator"]
            value = numerator / frame[f"{window}_denominator"] * indicator.multiplier
            frame[f"{window}_value"] = numerator if indicator.unit == "count" else value
            frame[f"{window}_complete"] = frame[f"{window}_rows"].fillna(0) == frame.n_parts * expected_periods
        results.append(frame)
    out = pd.concat(results, ignore_index=True)
    out["change"] = out.current_value - out.previous_value
    return out[["indicator", "area_code", "current_numerator", "current_denominator", "current_value",
                "previous_numerator", "previous_denominator", "previous_value", "change",
                "current_complete", "previous_complete"]]
