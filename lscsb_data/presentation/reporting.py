"""The exception report in words: each exception the figures side finds, with its drafted sentence(s)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from lscsb_data.config import DATA_DIR
from lscsb_data.figures import exceptions as found_exceptions
from lscsb_data.presentation import wording

INCOMPLETE_CAVEAT = "Some figures in these windows are missing, so treat the comparison with caution."
_FLAGS = ("changed", "outside_band", "signalled")
REPORT_COLUMNS = [c for c in found_exceptions.EXCEPTION_COLUMNS if c not in _FLAGS[1:]]
REPORT_COLUMNS[REPORT_COLUMNS.index("changed")] = "sentence"


def draft(row, *, comparison: str, data_dir: Path = DATA_DIR) -> str:
    """The exception's sentence(s): the band first, then the change, then the control chart's signal."""
    changed, outside, signalled = bool(row["changed"]), bool(row["outside_band"]), bool(row["signalled"])
    sentences = []
    if outside:
        sentences.append(wording.band_breach(row, comparison, data_dir=data_dir))
    elif changed:
        sentences.append(wording.significant_change(row, comparison, data_dir=data_dir))
    if signalled:
        sentences.append(wording.spc_signal(row, row["frequency"], continued=bool(sentences), data_dir=data_dir))
    if (outside or changed) and not bool(row["complete"]):
        sentences.append(INCOMPLETE_CAVEAT)
    return " ".join(sentences)


def with_sentences(found: pd.DataFrame, *, comparison: str = "rolling12", data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """``found`` (from ``figures.exceptions``) as the report's rows: ``REPORT_COLUMNS``, each with its sentence."""
    sentences = [draft(row, comparison=comparison, data_dir=data_dir) for _, row in found.iterrows()]
    return found.assign(sentence=pd.Series(sentences, index=found.index, dtype=object))[REPORT_COLUMNS]


def exceptions(con, *, period: date, area: str | None = None, comparison: str = "rolling12",
               data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Every exception at ``period`` (see ``figures.exceptions``), most worrying first, each with its sentence."""
    found = found_exceptions.exceptions(con, period=period, area=area, comparison=comparison)
    return with_sentences(found, comparison=comparison, data_dir=data_dir)


def theme_report(con, *, period: date, area: str | None = None, comparison: str = "rolling12",
                 latest: bool = False, public: bool | None = None, everywhere=None,
                 current: pd.DataFrame | None = None, catalogue: pd.DataFrame | None = None,
                 area_series=None, shown: dict[str, date] | None = None) -> list[dict]:
    """The exception report theme by theme (``figures.exceptions.theme_report``, with its ``everywhere``, ``current``,
    ``catalogue``, ``area_series`` and ``shown``), each exception with its sentence."""
    sections = found_exceptions.theme_report(con, period=period, area=area, comparison=comparison, latest=latest,
                                             public=public, everywhere=everywhere, current=current, catalogue=catalogue,
                                             area_series=area_series, shown=shown)
    return [{**section, "rows": with_sentences(section["rows"], comparison=comparison)} for section in sections]
