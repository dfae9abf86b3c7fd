"""Data quality checks on what the database holds: the loads, the latest period per indicator and area,
periods missing inside a series, and police.uk rows with no location per month.

Each is a named query (``sql/queries/quality_*.sql``) returning a DataFrame; the Data page shows them
(``pages/_quality.py``) and ``python -m lscsb_data quality`` prints them.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

QUERY_DIR = Path(__file__).parent / "sql" / "queries"


def _query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    return con.cursor().execute((QUERY_DIR / f"quality_{name}.sql").read_text(), params).df()


def loads(con: duckdb.DuckDBPyConnection, *, limit: int = 200) -> pd.DataFrame:
    """The latest ``limit`` loads, newest first: file, sha256, rows read, loaded and unallocated, source,
    time, and ``figures_held`` (stored figures that still come from the load)."""
    return _query(con, "loads", limit=limit)


def latest_periods(con: duckdb.DuckDBPyConnection, *, indicator: str | None = None) -> pd.DataFrame:
    """Per indicator and area: first and latest period held, figures held, source and whether demonstration."""
    return _query(con, "latest", indicator=indicator)


def missing_periods(con: duckdb.DuckDBPyConnection, *, indicator: str | None = None) -> pd.DataFrame:
    """Each period with no figure between a series' first and latest period (on its monthly, quarterly
    or annual grid): one row per indicator, area and missing period."""
    return _query(con, "missing", indicator=indicator)


def unallocated_by_month(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """police.uk rows with no location per force and month, with the force's rows and the share."""
    return _query(con, "unallocated")


def report(con: duckdb.DuckDBPyConnection) -> str:
    """The checks as plain text, for the command line."""
    held = loads(con, limit=20)
    latest = latest_periods(con)
    missing = missing_periods(con)
    unallocated = unallocated_by_month(con)
    lines = [f"Loads (latest {len(held)}):"]
    lines += [f"  {r.load_id:>4} {r.loaded_at:%Y-%m-%d %H:%M} {r.file_name} ({r.source_label}): {r.rows_read:,} rows read, "
              f"{r.rows_loaded:,} loaded, {r.rows_unallocated:,} unallocated, {r.figures_held:,} figures held, "
              f"sha256 {r.sha256[:12]}" for r in held.itertuples()]
    lines.append(f"Series held: {len(latest):,} (indicator and area); latest period by indicator:")
    by_indicator = latest.groupby("indicator").latest_period.max()
    lines += [f"  {indicator}: {period:%Y-%m}" for indicator, period in by_indicator.items()]
    gaps = missing.groupby(["indicator", "area_code"]).period.agg(["count", "min"]).reset_index()
    lines.append(f"Periods missing inside a series: {len(missing):,} in {len(gaps):,} series")
    lines += [f"  {g.indicator} {g.area_code}: {g['count']} missing, first {g['min']:%Y-%m}" for _, g in gaps.head(20).iterrows()]
    lines.append("police.uk rows with no location (unallocated) per month:")
    lines += [f"  {r.period:%Y-%m} {r.force_name}: {int(r.unallocated):,} of {int(r.force_rows):,} ({r.unallocated_pct:.2f}%)"
              for r in unallocated.itertuples()]
    return "\n".join(lines)
