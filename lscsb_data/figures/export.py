"""Writing figures out: the tidy format that ``load`` reads, and CSV that is safe to open in Excel."""
from __future__ import annotations

import csv
import io
from datetime import date

import duckdb
import numpy as np
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
    columns = [_column_cells(frame.iloc[:, k]) for k in range(frame.shape[1])]
    numeric = [isinstance(dtype, np.dtype) and dtype.kind in NUMERIC_KINDS for dtype in frame.dtypes]
    if any("\r" in cell for cells, plain in zip(columns, numeric) if not plain for cell in cells):
        for row in zip(*columns):
            write(list(row))
    else:
        writer.writerows(zip(*columns))
    return buffer.getvalue()


NUMERIC_KINDS = "fiub"


def _column_cells(column: pd.Series) -> list[str]:
    """``_format(safe_cell(v))`` of every value; a numeric or boolean column is formatted without the checks each
    cell of an object column needs (the attack suite's CSVs of every summary format millions of cells)."""
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else None
    if isinstance(column.dtype, pd.StringDtype):
        return [safe_cell(value) if isinstance(value, str) else "" for value in column]
    if kind == "M":
        return column.dt.strftime("%Y-%m-%d").fillna("").tolist()
    if kind == "O":
        return _object_cells(column.tolist())
    if kind is None or kind not in NUMERIC_KINDS:
        return [_format(safe_cell(value)) for value in column]
    values = column.to_numpy().tolist()
    if kind == "f":
        return ["" if value != value else str(value) for value in values]
    if kind == "b":
        return ["true" if value else "false" for value in values]
    return list(map(str, values))


def _object_cells(values: list) -> list[str]:
    """``_format(safe_cell(v))`` of each value, the common types (text, float, int, bool) told apart by exact type
    first (a summary's CSV, every column an object after its withheld cells are marked, is about 90,000 cells)."""
    cells = []
    for value in values:
        kind = type(value)
        if kind is str:
            cells.append(safe_cell(value))
        elif kind is float:
            cells.append("" if value != value else str(value))
        elif kind is int:
            cells.append(str(value))
        elif kind is bool:
            cells.append("true" if value else "false")
        else:
            cells.append(_format(safe_cell(value)))
    return cells


def _format(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (pd.Timestamp, date)):
        return value.strftime("%Y-%m-%d")
    return str(value)
