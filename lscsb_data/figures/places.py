"""The places behind the police.uk numbers: counts per LSOA for an area and a window of months.

The counts come from ``policeuk_lsoa_counts`` (kept by the police.uk loader beside the district counts, and
adding up to them). An area's LSOAs are every 2011 LSOA of its local authorities, listed with zero when they
had no rows, plus any other code with rows in them: police.uk's 2021 LSOAs (since 2023), each with the 2011
LSOA it lies within where the lookup gives one (``lsoa11_code``), and codes in neither lookup.

The app keeps one period (docs/methods.md), and police.uk's months may end before it: ``latest_month`` is the last
month at or before the chosen one with police.uk figures for the area, which the Maps page and the pack count to
(saying so) without moving the period.

In public mode the counts per LSOA of an indicator flagged sensitive are not published at all (``withheld``):
they are not stored series, so the publication step's rounded running totals do not cover them, and an LSOA's
count beside the area's protected total could give a small count away (docs/disclosure.md, "Other public-mode
safeguards"). police.uk's own categories are not sensitive, so nothing of them is withheld today.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from lscsb_data.figures import disclosure, periods

QUERY_DIR = Path(__file__).parent / "sql" / "queries"
ALL_CRIME = "policeuk_all_crime"
WINDOW_MONTHS = 12
COLUMNS = ["lsoa_code", "lsoa_name", "indicator", "count"]


@dataclass(frozen=True)
class LsoaCounts:
    """Counts per LSOA of one indicator and area over ``window_start``..``window_end`` (first days of months).

    ``frame``: lsoa_code, lsoa_name, area_code, lsoa11_code, census, indicator, count (NA where withheld),
    suppressed; largest first. ``months_held`` of the window's ``months`` have police.uk figures for the area;
    ``rows`` is the area's count over them, of which ``rows_without_lsoa`` had no LSOA code (so are in no LSOA).
    ``withheld``: public mode and a sensitive indicator, so every count is NA and ``rows`` and
    ``rows_without_lsoa`` are None (nothing of the LSOA counts is published).
    """

    indicator: str
    area: str
    window_start: date
    window_end: date
    months: int
    months_held: int
    months_with_places: int
    rows: int | None
    rows_without_lsoa: int | None
    frame: pd.DataFrame
    withheld: bool = False

    @property
    def complete(self) -> bool:
        return self.months_held == self.months and self.months_with_places == self.months

    @property
    def not_on_2011_map(self) -> pd.DataFrame:
        """LSOAs with rows but no single 2011 LSOA (merged 2021 LSOAs, codes in no lookup)."""
        return self.frame[self.frame.lsoa11_code.isna() & (self.frame["count"].fillna(1) > 0)]


def policeuk_indicators(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The police.uk indicators (id, name, short_name, sensitive), all crime first, in catalogue order."""
    return con.cursor().execute(
        "SELECT id, name, short_name, sensitive FROM indicators WHERE theme = 'policeuk' ORDER BY sort_order"
    ).df()


def lsoa_counts(
    con: duckdb.DuckDBPyConnection,
    *,
    area: str,
    period: date,
    indicator: str = ALL_CRIME,
    months: int = WINDOW_MONTHS,
    public: bool | None = None,
) -> LsoaCounts:
    """Counts per LSOA of ``area`` over the ``months`` months ending at ``period``.

    Raises ``ValueError`` for an indicator that is not a police.uk one or an area the database does not hold.
    """
    catalogue = policeuk_indicators(con).set_index("id")
    if indicator not in catalogue.index:
        raise ValueError(f"'{indicator}' is not a police.uk indicator: LSOA counts exist for "
                         f"{', '.join(catalogue.index)}")
    if not con.cursor().execute("SELECT count(*) FROM areas WHERE code = $area", {"area": area}).fetchone()[0]:
        raise ValueError(f"'{area}' is not an area the database holds (see data/areas.csv)")
    end = period.replace(day=1)
    start = periods.add_months(end, 1 - months)
    params = {"area": area, "start": start, "end": end, "indicator": indicator}
    frame = con.cursor().execute((QUERY_DIR / "places_lsoa_counts.sql").read_text(), params).df()
    months_held, months_with_places, rows, without = con.cursor().execute(
        (QUERY_DIR / "places_window.sql").read_text(), params).fetchone()
    frame = frame.assign(indicator=indicator, count=frame["count"].astype("Int64"), suppressed=False)
    if disclosure.public_mode(public) and bool(catalogue.sensitive[indicator]):
        frame = frame.assign(count=pd.array([pd.NA] * len(frame), dtype="Int64"), suppressed=True)
        return LsoaCounts(indicator, area, start, end, months, int(months_held), int(months_with_places), None, None,
                          frame, withheld=True)
    return LsoaCounts(indicator, area, start, end, months, int(months_held), int(months_with_places), int(rows),
                      int(without), frame)


def latest_month(con: duckdb.DuckDBPyConnection, *, area: str, period: date) -> date:
    """The last month of the window to count at ``period``: the latest month at or before it with police.uk figures
    for ``area``'s local authorities, or ``period`` itself when none is held that early."""
    (latest,) = con.cursor().execute((QUERY_DIR / "places_latest_month.sql").read_text(),
                                     {"area": area, "period": period.replace(day=1)}).fetchone()
    return latest if latest is not None else period.replace(day=1)


def local_authorities(con: duckdb.DuckDBPyConnection, area: str) -> list[str]:
    """The local authorities ``area`` is made of (itself for a district or unitary; the county's seven districts)."""
    rows = con.cursor().execute((QUERY_DIR / "places_leaves.sql").read_text(), {"area": area}).fetchall()
    return [code for (code,) in rows]


@dataclass(frozen=True)
class Reconciliation:
    """A board indicator and its police.uk counterpart for one area over the same months.

    ``board`` and ``policeuk``: each one's ``engine.range_total`` row (numerator, denominator, value, complete,
    is_demo, data_source, suppressed) with its catalogue ``name``, ``unit``, ``measure``, ``source``.
    ``unplaced`` of the force's ``force_rows`` police.uk rows of the counterpart over the months were placed in
    no district (no location, or an LSOA no lookup places); ``force`` is None for an area outside a force.
    """

    area: str
    start: date
    end: date
    board: dict
    policeuk: dict
    why_they_differ: str
    force: str | None
    force_rows: int
    unplaced: int

    @property
    def unplaced_share(self) -> float:
        return self.unplaced / self.force_rows if self.force_rows else float("nan")


def reconciliation(
    con: duckdb.DuckDBPyConnection,
    *,
    indicator: str,
    area: str,
    start: date,
    end: date,
    public: bool | None = None,
) -> Reconciliation | None:
    """The board figure and its police.uk counterpart over ``start``..``end`` for ``area``, or None when
    ``indicator`` has no counterpart (``data/indicator_counterparts.csv``)."""
    from lscsb_data.figures import engine

    pair = con.cursor().execute((QUERY_DIR / "places_counterparts.sql").read_text(), {"indicator": indicator}).fetchone()
    if pair is None:
        return None
    board_id, counterpart, why = pair
    catalogue = engine.indicators(con).set_index("id")
    figures = {}
    for key, ident in (("board", board_id), ("policeuk", counterpart)):
        total = engine.range_total(con, start=start, end=end, indicator=ident, area=area, public=public)
        row = total.iloc[0].to_dict() if len(total) else {"numerator": float("nan"), "value": float("nan"), "complete": False}
        meta = catalogue.loc[ident]
        figures[key] = {**row, "indicator": ident, "name": meta["name"], "short_name": meta["short_name"], "unit": meta["unit"],
                        "multiplier": meta["multiplier"], "measure": meta["measure"], "source": meta["source"],
                        "denominator_basis": meta["denominator_basis"]}
    found = con.cursor().execute((QUERY_DIR / "places_force.sql").read_text(), {"area": area}).fetchone()
    force = found[0] if found else None
    force_rows = unplaced = 0
    if force:
        for code in (force, f"{force}-UNALLOCATED"):
            total = engine.range_total(con, start=start, end=end, indicator=counterpart, area=code, public=public)
            count = int(total.numerator.fillna(0).iloc[0]) if len(total) else 0
            if code == force:
                force_rows = count
            else:
                unplaced = count
    return Reconciliation(area, start, end, figures["board"], figures["policeuk"], why, force, force_rows, unplaced)
