"""Tidy observation CSVs: ``indicator,area_code,period,numerator,denominator``, one figure a row.

``period`` is ``YYYY-MM``, the first month of the figure's period (a quarter starts in Apr/Jul/Oct/Jan,
a financial year in April). ``denominator`` is given only where the indicator's basis is explicit
(percentages and ratios); rates on population or households and plain counts leave it blank.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from .common import FileReport, LoadError, Problem, check_columns, read_csv_records

COLUMNS = ["indicator", "area_code", "period", "numerator", "denominator"]
KEY = ["indicator", "area_code", "period"]

_MONTH = r"^(\d{4})-(\d{2})$"
_WHOLE_NUMBER = r"^\d+(?:\.0*)?$"
_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


@dataclass
class ParsedTidy:
    """Validated rows of one tidy file, ready to write."""

    report: FileReport
    rows: pd.DataFrame


def parse(con: duckdb.DuckDBPyConnection, text: str, file: str, report: FileReport) -> ParsedTidy:
    """Validate a whole tidy file; raise ``LoadError`` listing every bad cell, else return its rows."""
    header, records = read_csv_records(text, file)
    problems = check_columns(header, COLUMNS, file)
    if problems:
        raise LoadError(problems)
    width = len(header)
    for index, record in enumerate(records):
        if len(record) != width:
            problems.append(Problem(file, f"has {len(record)} fields, expected {width}", row=index + 2))
    if problems:
        raise LoadError(problems)
    frame = pd.DataFrame(records, columns=[h.lower() for h in header], dtype=str)[COLUMNS]
    frame = frame.apply(lambda column: column.str.strip())
    frame["row"] = np.arange(len(frame)) + 2
    report.rows_read = len(frame)
    problems = _validate(con, frame, file)
    if problems:
        raise LoadError(sorted(problems, key=lambda p: (p.row or 0, COLUMNS.index(p.column) if p.column in COLUMNS else 9)))
    rows = pd.DataFrame(
        {
            "indicator_id": frame.indicator,
            "area_code": frame.area_code,
            "period": pd.to_datetime(frame.period + "-01").dt.date,
            "numerator": frame.numerator.astype(float).astype("int64"),
            "denominator": pd.to_numeric(frame.denominator.replace("", np.nan)).astype("Int64"),
        }
    )
    return ParsedTidy(report, rows)


def _validate(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, file: str) -> list[Problem]:
    catalogue = con.execute("SELECT id, frequency, denominator_basis, unit FROM indicators").df().set_index("id")
    area_codes = set(con.execute("SELECT code FROM areas").df().code)
    problems: list[Problem] = []

    def flag(mask: pd.Series, column: str, reason) -> None:
        for _, row in frame[mask].iterrows():
            text = reason(row) if callable(reason) else reason
            problems.append(Problem(file, text, row=int(row.row), column=column, value=row[column]))

    known_indicator = frame.indicator.isin(catalogue.index)
    flag(frame.indicator == "", "indicator", "is blank: expected an indicator id from the catalogue")
    flag(~known_indicator & (frame.indicator != ""), "indicator",
         "is not an indicator id in the catalogue (see `python -m lscsb_data indicators`)")
    flag(frame.area_code == "", "area_code", "is blank: expected an area code such as E07000129")
    flag(~frame.area_code.isin(area_codes) & (frame.area_code != ""), "area_code",
         "is not an area code the database knows (see data/areas.csv)")

    month = frame.period.str.extract(_MONTH)
    year_num = pd.to_numeric(month[0], errors="coerce")
    month_num = pd.to_numeric(month[1], errors="coerce")
    real_month = month_num.between(1, 12) & year_num.between(1900, 2100)
    flag(~real_month, "period", "is not a real month: expected YYYY-MM, e.g. 2020-03")

    frequency = frame.indicator.map(catalogue.frequency)
    off_grid = real_month & known_indicator & (
        ((frequency == "quarterly") & (month_num % 3 != 1)) | ((frequency == "annual") & (month_num != 4))
    )
    flag(off_grid, "period", lambda row: (
        f"does not start a {catalogue.frequency[row.indicator].replace('ly', '')} period of '{row.indicator}': "
        + ("quarters start in 01, 04, 07 or 10" if catalogue.frequency[row.indicator] == "quarterly"
           else "financial years start in April (YYYY-04)")))

    problems += _count_problems(frame, "numerator", file, required=True)

    basis = frame.indicator.map(catalogue.denominator_basis)
    explicit = basis == "explicit"
    has_denominator = frame.denominator != ""
    flag(known_indicator & explicit & ~has_denominator, "denominator",
         lambda row: f"is blank: '{row.indicator}' is a {catalogue.unit[row.indicator]} and needs its denominator")
    flag(known_indicator & ~explicit & has_denominator, "denominator",
         lambda row: f"must be blank for '{row.indicator}': its {catalogue.unit[row.indicator]} uses "
                     f"{'no denominator' if catalogue.denominator_basis[row.indicator] == 'none' else 'the ' + catalogue.denominator_basis[row.indicator] + ' table'}")
    denominator_problems = _count_problems(frame[explicit & has_denominator], "denominator", file, required=True, positive=True)
    problems += denominator_problems

    numerator_ok = frame.numerator.str.match(_WHOLE_NUMBER)
    denominator_ok = frame.denominator.str.match(_WHOLE_NUMBER) & explicit & has_denominator
    both = numerator_ok & denominator_ok
    is_percentage = frame.indicator.map(catalogue.unit) == "percentage"
    too_big = both & is_percentage & (
        pd.to_numeric(frame.numerator.where(both), errors="coerce") > pd.to_numeric(frame.denominator.where(both), errors="coerce")
    )
    flag(too_big, "numerator", lambda row: f"is larger than the denominator {row.denominator}: a percentage cannot exceed 100%")

    duplicated = frame.duplicated(KEY, keep=False) & (frame.indicator != "")
    if duplicated.any():
        first_rows = frame[duplicated].groupby(KEY).row.transform("min")
        for _, row in frame[duplicated & (frame.row != first_rows.reindex(frame.index))].iterrows():
            problems.append(Problem(
                file,
                f"repeats indicator '{row.indicator}', area '{row.area_code}', period '{row.period}' "
                f"already given in row {int(first_rows[_])}",
                row=int(row.row), column="period", value=row.period,
            ))
    return problems


def _count_problems(frame: pd.DataFrame, column: str, file: str, *, required: bool, positive: bool = False) -> list[Problem]:
    """Cells that are not whole, non-negative numbers (or not positive, for denominators)."""
    values = frame[column]
    blank = values == ""
    numeric = values.str.match(_NUMBER)
    as_number = pd.to_numeric(values.where(numeric), errors="coerce")
    whole = values.str.match(_WHOLE_NUMBER)
    checks = [
        (blank & required, "is blank: expected a whole number"),
        (~blank & ~numeric, "is not a number: expected a whole number such as 12"),
        (numeric & (as_number < 0), "is negative: expected a whole number of 0 or more"),
        (numeric & (as_number >= 0) & ~whole, "is fractional: expected a whole number (a count, not a rate)"),
        (whole & (as_number == 0) & positive, "is 0: a denominator must be 1 or more"),
    ]
    return [
        Problem(file, reason, row=int(row), column=column, value=value)
        for mask, reason in checks
        for row, value in zip(frame.row[mask], values[mask])
    ]


def write(con: duckdb.DuckDBPyConnection, parsed: ParsedTidy, load_id: int) -> None:
    """Replace any stored figures with the same key, then insert the file's rows under ``load_id``."""
    rows = parsed.rows.assign(load_id=load_id)
    con.register("incoming_tidy", rows)
    try:
        parsed.report.rows_replaced = con.execute(
            """
            DELETE FROM observations AS o
            USING incoming_tidy AS n
            WHERE o.indicator_id = n.indicator_id AND o.area_code = n.area_code AND o.period = n.period
            """
        ).fetchone()[0]
        con.execute(
            """
            INSERT INTO observations (indicator_id, area_code, period, numerator, denominator, load_id)
            SELECT indicator_id, area_code, period, numerator, denominator, load_id FROM incoming_tidy
            """
        )
    finally:
        con.unregister("incoming_tidy")
    parsed.report.rows_loaded = len(rows)
