"""Writing figures out: the tidy format that ``load`` reads, and CSV that is safe to open in Excel."""
from __future__ import annotations

import csv
import io
from datetime import date

import duckdb
import pandas as pd

from lscsb_data.loaders.tidy import COLUMNS

# why: a cell starting with one of these is run as a formula by spreadsheet software (OWASP CSV injection)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def tidy_observations(
    con: duckdb.DuckDBPyConnection,
    *,
    indicator: str | None = None,
    area: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """Stored observations in the tidy load format, sorted by indicator, area and period."""
    return con.cursor().execute(
        """
        SELECT indicator_id AS indicator, area_code, strftime(period, '%Y-%m') AS period, numerator, denominator
        FROM observations
        WHERE ($indicator IS NULL OR indicator_id = $indicator)
          AND ($area IS NULL OR area_code = $area)
          AND ($start IS NULL OR period >= $start)
          AND ($end IS NULL OR period <= $end)
        ORDER BY indicator_id, area_code, period
        """,
        {"indicator": indicator, "area": area, "start": start, "end": end},
    ).df()[COLUMNS]


def safe_cell(value):
    """A value Excel will show as text, never run: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv_text(frame: pd.DataFrame, *, header_lines: list[str] | None = None) -> str:
    """CSV text of ``frame`` with formula-like text neutralised; numbers stay numbers.

    ``header_lines`` are written first, each as a one-cell row starting with '#', to name source,
    period, area and generation time above the figures.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # why: with "\n" line ends the csv module leaves a carriage return unquoted, and Excel would split the row there
    quoting_writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def write(cells: list) -> None:
        has_return = any(isinstance(cell, str) and "\r" in cell for cell in cells)
        (quoting_writer if has_return else writer).writerow(cells)

    for line in header_lines or []:
        write([safe_cell(f"# {line}")])
    write([safe_cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        write([_format(safe_cell(v)) for v in row])
    return buffer.getvalue()


def _format(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (pd.Timestamp, date)):
        return value.strftime("%Y-%m-%d")
    return str(value)
