"""lscsb_data: the Leicestershire Safer Communities dashboard's data layer.

Pure Python over DuckDB; it never imports streamlit. The app, the command line and the tests all
read figures through the named functions re-exported here.
"""
from .config import resolve_db_path
from .db import connect
from .engine import (
    SUMMARY_COLUMNS,
    annotations,
    areas,
    data_as_at,
    indicators,
    latest_period,
    population,
    range_total,
    series,
    summary,
    themes,
)

__all__ = [
    "SUMMARY_COLUMNS", "annotations", "areas", "connect", "data_as_at", "indicators", "latest_period",
    "population", "range_total", "resolve_db_path", "series", "summary", "themes",
]
