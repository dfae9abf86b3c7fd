"""Coverage checks on the police.uk months held: what a load missed or got wrong, in words an analyst can act on.

Run on every police.uk load (the loader puts them in the load's report, dry runs included) and on the
Data page. Each check works on one row per force (police.uk's "Reported by") and month: the rows held,
those with no location and those that could not be placed in a district (``month_stats``).

- **Missing months**: a month with no figures between a force's first and last month held, or after its
  last while another force is held later (police.uk's users report forces missing for months, e.g.
  Greater Manchester from July 2019). A missing month reads as missing, never as zero.
- **Thin months**: a month whose rows are under half (``THIN_SHARE``) the median of its neighbours (up to
  ``NEIGHBOURS`` held months on each side, at least two in all). Real months move by a tenth or so (the
  first COVID-19 lockdown moved Leicestershire's by under 5%), so under half means a partial file.
- **Rows with no location**: the share per force and month; above ``NO_LOCATION_SHARE`` (10%) it is flagged,
  since those rows count in the force total only, and the district figures are understated by as much.
- **Far fewer rows on a reload** (``fewer_rows``): a reload of a month with under ``FEWER_ROWS`` (80%) of the
  rows held, or that takes a district holding at least ``DISTRICT_MINIMUM`` rows below ``DISTRICT_FEWER``
  (half) of them. police.uk's own revisions move a month by a few percent, so the loader refuses such a
  reload unless the analyst confirms it.

Crime IDs repeated within a month, and months before police.uk began or not yet ended, are refused by the
loader itself (``loaders.policeuk``), so they never reach the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

QUERY_DIR = Path(__file__).parent / "sql" / "queries"

THIN_SHARE = 0.5
NEIGHBOURS = 3
NO_LOCATION_SHARE = 0.10
FEWER_ROWS = 0.8
DISTRICT_FEWER = 0.5
DISTRICT_MINIMUM = 100

STATS_COLUMNS = ["reported_by", "period", "rows", "no_location", "unplaced"]
FINDING_COLUMNS = ["check", "reported_by", "first_period", "last_period", "text"]
CHECK_NAMES = {"missing": "Months missing", "thin": "Month far below its neighbours", "no_location": "Many rows with no location"}


def month_stats(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per force and month held: ``rows`` (every police.uk row: crimes and ASB), ``no_location``
    (rows with no LSOA; blank where only district counts are held) and ``unplaced`` (rows in no district:
    no location, or an LSOA no lookup places)."""
    frame = con.cursor().execute((QUERY_DIR / "coverage_months.sql").read_text()).df()
    return frame.assign(period=pd.to_datetime(frame.period))[STATS_COLUMNS] if len(frame) else _empty_stats()


def _empty_stats() -> pd.DataFrame:
    return pd.DataFrame({"reported_by": pd.Series(dtype=str), "period": pd.Series(dtype="datetime64[ns]"),
                         **{c: pd.Series(dtype="Int64") for c in ("rows", "no_location", "unplaced")}})


def with_months(held: pd.DataFrame, incoming: pd.DataFrame) -> pd.DataFrame:
    """The months held, with the incoming ones in place of those they replace (what a load would leave)."""
    incoming = incoming.assign(period=pd.to_datetime(incoming.period))
    key = held.reported_by.astype(str) + "|" + held.period.astype(str)
    replaced = key.isin(incoming.reported_by.astype(str) + "|" + incoming.period.astype(str))
    frames = [frame for frame in (held[~replaced], incoming[STATS_COLUMNS]) if len(frame)]
    combined = pd.concat(frames, ignore_index=True) if frames else _empty_stats()
    return combined.sort_values(["reported_by", "period"]).reset_index(drop=True)


def month_table(stats: pd.DataFrame) -> pd.DataFrame:
    """Per force and month: the rows, the no-location share, the neighbours' median and whether the month is thin."""
    parts = []
    for _, months in stats.sort_values("period").groupby("reported_by", sort=True):
        rows = months.rows.astype(float).to_numpy()
        medians = []
        for index in range(len(rows)):
            around = [*rows[max(0, index - NEIGHBOURS):index], *rows[index + 1:index + 1 + NEIGHBOURS]]
            medians.append(float(pd.Series(around).median()) if len(around) >= 2 else float("nan"))
        parts.append(months.assign(neighbour_median=medians))
    if not parts:
        return stats.assign(neighbour_median=pd.Series(dtype=float), no_location_share=pd.Series(dtype=float),
                            thin=pd.Series(dtype=bool), many_no_location=pd.Series(dtype=bool))
    table = pd.concat(parts, ignore_index=True)
    share = table.no_location.astype(float) / table.rows.astype(float)
    return table.assign(
        no_location_share=share,
        thin=table.rows.astype(float) < THIN_SHARE * table.neighbour_median,
        many_no_location=share > NO_LOCATION_SHARE,
    )


def findings(stats: pd.DataFrame, *, forces: list[str] | None = None) -> pd.DataFrame:
    """What the checks found (``FINDING_COLUMNS``), for every force or only ``forces``; no rows when all is well."""
    table = month_table(stats)
    latest = table.period.max() if len(table) else None
    found = []
    for force, months in table.groupby("reported_by", sort=True):
        if forces is not None and force not in forces:
            continue
        found += _missing(force, months, latest, table)
        for row in months[months.thin].itertuples():
            found.append(("thin", force, row.period, row.period,
                          f"{force}, {_month(row.period)}: {int(row.rows):,} rows, {row.rows / row.neighbour_median:.0%} of the "
                          f"median of its neighbouring months ({row.neighbour_median:,.0f}), far below them (under "
                          f"{THIN_SHARE:.0%}): the file is probably partial. Compare it with data.police.uk and load the "
                          "month again."))
        for row in months[months.many_no_location.fillna(False).astype(bool)].itertuples():
            found.append(("no_location", force, row.period, row.period,
                          f"{force}, {_month(row.period)}: {int(row.no_location):,} of {int(row.rows):,} rows "
                          f"({row.no_location_share:.1%}) have no location, above the {NO_LOCATION_SHARE:.0%} at which "
                          "district figures are noticeably understated: those rows count in the force total only, so "
                          "read that month's district figures as low by about as much."))
    return pd.DataFrame(found, columns=FINDING_COLUMNS)


def _missing(force: str, months: pd.DataFrame, latest, table: pd.DataFrame) -> list[tuple]:
    held = set(months.period)
    first, last = months.period.min(), months.period.max()
    expected = pd.date_range(first, last, freq="MS")
    found = []
    for start, end in _runs([m for m in expected if m not in held]):
        count = _months_between(start, end)
        found.append(("missing", force, start, end,
                      f"{force} has no figures for {_span(start, end)} ({count} month{'s' if count > 1 else ''}) inside "
                      f"its loaded range {_month(first)} to {_month(last)}: those months read as missing, not zero, and "
                      "any 12 months that spans them is incomplete. Load them from a police.uk download."))
    if latest is not None and last < latest:
        later = table[(table.reported_by != force) & (table.period == latest)].reported_by
        count = _months_between(last + pd.offsets.MonthBegin(1), latest)
        found.append(("missing", force, last + pd.offsets.MonthBegin(1), latest,
                      f"{force}'s figures stop at {_month(last)}, while {sorted(later)[0]} is loaded to {_month(latest)} "
                      f"({count} month{'s' if count > 1 else ''} missing): police.uk may not have published them (it has "
                      "missed whole forces for months) or they were not loaded. Its areas' later figures read as missing."))
    return found


def _runs(months: list) -> list[tuple]:
    runs = []
    for month in months:
        if runs and _months_between(runs[-1][1], month) == 2:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


def _months_between(start, end) -> int:
    """Months from ``start`` to ``end`` inclusive."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _month(period) -> str:
    return f"{period:%Y-%m}"


def _span(start, end) -> str:
    return _month(start) if start == end else f"{_month(start)} to {_month(end)}"


@dataclass(frozen=True)
class FewerRows:
    """A reload that would leave a force's month, or a district in it, with far fewer rows than held."""

    reported_by: str
    period: object
    held_rows: int
    new_rows: int
    districts: list[tuple[str, int, int]]

    def text(self) -> str:
        listing = "; ".join(f"{name} {held:,} -> {new:,}" for name, held, new in self.districts[:6])
        more = f" and {len(self.districts) - 6} more" if len(self.districts) > 6 else ""
        share = self.new_rows / self.held_rows if self.held_rows else 0
        return (f"would replace {self.reported_by}'s {_month(self.period)}, which holds {self.held_rows:,} rows, with "
                f"{self.new_rows:,} ({share:.0%} of them)" + (f"; by district: {listing}{more}" if listing else ""))


def fewer_rows(held: pd.DataFrame, incoming: pd.DataFrame, names: dict[str, str]) -> list[FewerRows]:
    """Force-months a reload would leave with far fewer rows (see the module's note).

    ``held`` and ``incoming`` have one row per force, month and area (``reported_by, period, area_code, rows``);
    ``names`` gives each area's name."""
    if held.empty:
        return []
    key = ["reported_by", "period", "area_code"]
    held = held.assign(period=pd.to_datetime(held.period))
    incoming = incoming.assign(period=pd.to_datetime(incoming.period))
    both = held.merge(incoming, on=key, how="outer", suffixes=("_held", "_new")).fillna({"rows_held": 0, "rows_new": 0})
    both = both[both.set_index(["reported_by", "period"]).index.isin(held.set_index(["reported_by", "period"]).index)
                & both.set_index(["reported_by", "period"]).index.isin(incoming.set_index(["reported_by", "period"]).index)]
    found = []
    for (force, period), month in both.groupby(["reported_by", "period"], sort=True):
        held_rows, new_rows = int(month.rows_held.sum()), int(month.rows_new.sum())
        falling = month[(month.rows_held >= DISTRICT_MINIMUM) & (month.rows_new < DISTRICT_FEWER * month.rows_held)
                        & ~month.area_code.str.endswith("-UNALLOCATED")]
        if held_rows and (new_rows < FEWER_ROWS * held_rows or len(falling)):
            changes = month[~month.area_code.str.endswith("-UNALLOCATED") & (month.rows_held > 0)].assign(
                drop=lambda f: f.rows_held - f.rows_new).sort_values(["drop", "area_code"], ascending=[False, True])
            districts = [(names.get(code, code), int(h), int(n)) for code, h, n in
                         zip(changes.area_code, changes.rows_held, changes.rows_new) if n < h]
            found.append(FewerRows(force, period, held_rows, new_rows, districts))
    return found


def confirmed_reloads(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Loads that replaced a month with far fewer rows because the analyst confirmed it: load, time, file, what."""
    return con.cursor().execute((QUERY_DIR / "coverage_confirmed.sql").read_text()).df()


def report(con: duckdb.DuckDBPyConnection) -> str:
    """The checks as plain text, for the command line."""
    stats = month_stats(con)
    found = findings(stats)
    lines = [f"police.uk months held: {len(stats):,} force-months, {int(stats.rows.sum()) if len(stats) else 0:,} rows"]
    for force, months in stats.groupby("reported_by"):
        lines.append(f"  {force}: {_month(months.period.min())} to {_month(months.period.max())}, {len(months)} months")
    for check, name in CHECK_NAMES.items():
        these = found[found.check == check]
        lines.append(f"{name}: {'none' if these.empty else len(these)}")
        lines += [f"  {text}" for text in these.text]
    confirmed = confirmed_reloads(con)
    lines.append(f"Reloads confirmed with far fewer rows: {'none' if confirmed.empty else len(confirmed)}")
    lines += [f"  load {r.load_id} ({r.file_name}, {r.loaded_at:%Y-%m-%d %H:%M} UTC): {r.note}" for r in confirmed.itertuples()]
    lines.append("Refused at load, so never held: Crime IDs repeated within a month, months before police.uk began "
                 "(2010-12) or not yet ended, and reloads with far fewer rows unless confirmed.")
    return "\n".join(lines)
