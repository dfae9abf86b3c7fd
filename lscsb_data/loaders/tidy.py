"""Tidy observation CSVs: ``indicator,area_code,period,numerator,denominator``, one figure a row.

``period`` is ``YYYY-MM``, the first month of the figure's period (a quarter starts in Apr/Jul/Oct/Jan,
a financial year in April). ``denominator`` is given only where the indicator's basis is explicit
(percentages and ratios); rates on population or households and plain counts leave it blank.

An optional sixth column ``reported_by`` marks police.uk counts by the force whose files they came
from (the aggregate in ``data/policeuk/`` has it): such a row is that force's part of the figure, and
the figure is the sum of the forces' parts (see ``policeuk``). Without it a row is the whole figure.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from lscsb_data.loaders import policeuk
from lscsb_data.loaders.common import (
    FileReport, Inspected, LoadError, Problem, check_columns, count_problems, long_fields, read_csv_records, whole_numbers,
)

COLUMNS = ["indicator", "area_code", "period", "numerator", "denominator"]
OPTIONAL = ("reported_by",)
KEY = ["indicator", "area_code", "period"]

_MONTH = r"^(\d{4})-(\d{2})$"


@dataclass
class ParsedTidy:
    """Validated rows of one tidy file, ready to write."""

    report: FileReport
    rows: pd.DataFrame

    @property
    def whole(self) -> pd.DataFrame:
        return self.rows[self.rows.reported_by == ""]

    @property
    def parts(self) -> pd.DataFrame:
        return self.rows[self.rows.reported_by != ""]


def parse(con: duckdb.DuckDBPyConnection, item: Inspected, report: FileReport) -> ParsedTidy:
    """Validate a whole tidy file; raise ``LoadError`` listing every bad cell, else return its rows."""
    file = item.name
    header, records = read_csv_records(item.text(), file)
    problems = check_columns(header, COLUMNS, file, OPTIONAL)
    if problems:
        raise LoadError(problems)
    width = len(header)
    for index, record in enumerate(records):
        if len(record) != width:
            problems.append(Problem(file, f"has {len(record)} fields, expected {width}", row=index + 2))
    if problems:
        raise LoadError(problems)
    frame = pd.DataFrame(records, columns=[h.lower() for h in header], dtype=str)
    if "reported_by" not in frame:
        frame["reported_by"] = ""
    frame = frame[COLUMNS + ["reported_by"]].apply(lambda column: column.str.strip())
    rows = pd.Series(np.arange(len(frame)) + 2, index=frame.index)
    problems = long_fields(frame, rows, file)
    if problems:
        raise LoadError(problems)
    frame["row"] = rows
    report.rows_read = len(frame)
    problems = _validate(con, frame, file)
    if problems:
        order = COLUMNS + ["reported_by"]
        raise LoadError(sorted(problems, key=lambda p: (p.row or 0, order.index(p.column) if p.column in order else 9)))
    rows = pd.DataFrame(
        {
            "indicator_id": frame.indicator,
            "area_code": frame.area_code,
            "period": pd.to_datetime(frame.period + "-01").dt.date,
            "numerator": whole_numbers(frame.numerator).astype("int64"),
            "denominator": whole_numbers(frame.denominator),
            "reported_by": frame.reported_by,
        }
    )
    report.rows_loaded = report.figures = len(rows)
    report.rows_unallocated = _unallocated_rows(con, rows)
    return ParsedTidy(report, rows)


def _unallocated_rows(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> int:
    """police.uk rows with no location that a police.uk aggregate counts (every type but the all-crime total)."""
    parts = rows[(rows.reported_by != "") & (rows.indicator_id != policeuk.ALL_CRIME)]
    unallocated = set(con.execute("SELECT code FROM areas WHERE type = 'unallocated'").df().code)
    return int(parts.numerator[parts.area_code.isin(unallocated)].sum())


def _validate(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, file: str) -> list[Problem]:
    catalogue = con.execute("SELECT id, frequency, denominator_basis, unit, theme FROM indicators").df().set_index("id")
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

    problems += count_problems(frame.numerator, frame.row, "numerator", file)

    basis = frame.indicator.map(catalogue.denominator_basis)
    explicit = basis == "explicit"
    has_denominator = frame.denominator != ""
    flag(known_indicator & explicit & ~has_denominator, "denominator",
         lambda row: f"is blank: '{row.indicator}' is a {catalogue.unit[row.indicator]} and needs its denominator")
    flag(known_indicator & ~explicit & has_denominator, "denominator",
         lambda row: f"must be blank for '{row.indicator}': its {catalogue.unit[row.indicator]} uses "
                     f"{'no denominator' if catalogue.denominator_basis[row.indicator] == 'none' else 'the ' + catalogue.denominator_basis[row.indicator] + ' table'}")
    with_denominator = explicit & has_denominator
    problems += count_problems(frame.denominator[with_denominator], frame.row[with_denominator], "denominator", file, minimum=1)

    counted = {p.row for p in problems if p.column in ("numerator", "denominator")}
    both = with_denominator & ~frame.row.isin(counted) & (frame.numerator != "")
    is_percentage = frame.indicator.map(catalogue.unit) == "percentage"
    too_big = both & is_percentage
    too_big[too_big] = whole_numbers(frame.numerator[too_big]) > whole_numbers(frame.denominator[too_big])
    flag(too_big, "numerator", lambda row: f"is larger than the denominator {row.denominator}: a percentage cannot exceed 100%")

    policeuk_indicator = frame.indicator.map(catalogue.theme) == policeuk.THEME
    # why: a police.uk count for a month police.uk cannot have published would become every page's latest month
    flag(policeuk_indicator & real_month & (frame.period < policeuk.FIRST_MONTH), "period",
         f"is before police.uk began: its street-level data starts with {policeuk.FIRST_MONTH}")
    flag(policeuk_indicator & real_month & (frame.period > policeuk.latest_month()), "period",
         "is a month that has not ended yet: police.uk publishes each month after it ends")
    flag((frame.reported_by != "") & known_indicator & ~policeuk_indicator, "reported_by",
         lambda row: f"must be blank for '{row.indicator}': reported_by names the force whose police.uk files "
                     "a police.uk count came from")

    key = KEY + ["reported_by"]
    duplicated = frame.duplicated(key, keep=False) & (frame.indicator != "")
    if duplicated.any():
        first_rows = frame[duplicated].groupby(key).row.transform("min")
        for index, row in frame[duplicated & (frame.row != first_rows.reindex(frame.index))].iterrows():
            by = f", reported by '{row.reported_by}'" if row.reported_by else ""
            problems.append(Problem(
                file,
                f"repeats indicator '{row.indicator}', area '{row.area_code}', period '{row.period}'{by} "
                f"already given in row {int(first_rows[index])}",
                row=int(row.row), column="period", value=row.period,
            ))
    return problems


def write(con: duckdb.DuckDBPyConnection, parsed: ParsedTidy) -> None:
    """Replace any stored figures with the same key, then insert the file's rows under its load."""
    load_id = parsed.report.load_id
    whole = parsed.whole.drop(columns="reported_by").assign(load_id=load_id)
    replaced = 0
    if len(whole):
        con.register("incoming_tidy", whole)
        try:
            replaced = con.execute(
                """
                DELETE FROM observations AS o
                USING incoming_tidy AS n
                WHERE o.indicator_id = n.indicator_id AND o.area_code = n.area_code AND o.period = n.period
                """
            ).fetchall()[0][0]
            # why: a whole figure supersedes the forces' parts it was summed from
            con.execute(
                """
                DELETE FROM policeuk_counts AS c
                USING incoming_tidy AS n
                WHERE c.indicator_id = n.indicator_id AND c.area_code = n.area_code AND c.period = n.period
                """
            )
            con.execute(
                """
                INSERT INTO observations (indicator_id, area_code, period, numerator, denominator, load_id)
                SELECT indicator_id, area_code, period, numerator, denominator, load_id FROM incoming_tidy
                """
            )
        finally:
            con.unregister("incoming_tidy")
    parts = parsed.parts
    if len(parts):
        replaced += policeuk.write_parts(con, _as_parts(parts, load_id)).get(load_id, 0)
    parsed.report.rows_replaced = replaced


def _as_parts(parts: pd.DataFrame, load_id: int) -> pd.DataFrame:
    return pd.DataFrame({
        "reported_by": parts.reported_by, "period": parts.period, "area_code": parts.area_code,
        "indicator_id": parts.indicator_id, "count": parts.numerator, "load_id": load_id,
    })


def unchanged(con: duckdb.DuckDBPyConnection, parsed: ParsedTidy) -> bool:
    """Whether the database already holds exactly these figures (so loading the file again changes nothing)."""
    whole = parsed.whole.drop(columns="reported_by")
    con.register("incoming_tidy", whole)
    try:
        held = con.execute(
            """
            SELECT count(*) FROM incoming_tidy AS n
            JOIN observations AS o USING (indicator_id, area_code, period)
            WHERE o.numerator = n.numerator AND o.denominator IS NOT DISTINCT FROM n.denominator
              AND NOT EXISTS (SELECT 1 FROM policeuk_counts AS c
                              WHERE c.indicator_id = n.indicator_id AND c.area_code = n.area_code AND c.period = n.period)
            """
        ).fetchall()[0][0]
    finally:
        con.unregister("incoming_tidy")
    return held == len(whole) and policeuk.parts_unchanged(con, _as_parts(parsed.parts, 0))
