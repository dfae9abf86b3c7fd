"""lscsb_data: the Leicestershire Safer Communities dashboard's figures, loaders and presentation.

Sub-packages: ``figures`` (database, named query API, statistics, control charts, disclosure),
``loaders`` (building the database and loading files), ``presentation`` (words, number formats,
palette, charts, downloads, packs) and ``tools`` (benchmarks, the demonstration-data generator).
It never imports streamlit. The named query functions are re-exported here, imported on first use
so that importing the package (``python -m lscsb_data --help``) stays cheap.
"""
import importlib

from lscsb_data.config import resolve_db_path

_LAZY = {
    "connect": "lscsb_data.figures.db",
    **{name: "lscsb_data.figures.engine" for name in (
        "SUMMARY_COLUMNS", "annotations", "areas", "data_as_at", "indicators", "latest_period", "population",
        "range_total", "series", "summary", "themes",
    )},
}

__all__ = ["resolve_db_path", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lscsb_data' has no attribute {name!r}")
