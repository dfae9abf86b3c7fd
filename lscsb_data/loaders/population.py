"""ONS mid-year population estimates: ``area_code,area_name,year,persons[,persons_10_17][,source]``.

One row per area and year (the layout of ``../shared/reference/ons_mye_districts_2019_2020.csv``).
A row replaces the persons (and persons aged 10-17, when the file has the column) of that area and
year in the ``population`` table; households from the Census are kept. ``source`` defaults to
"ONS mid-year estimate <year>". Estimates for areas the dashboard does not show yet are kept too,
ready for when a load creates the area.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from lscsb_data.loaders.common import (
    FileReport, Inspected, LoadError, Problem, check_columns, count_problems, long_fields, read_csv_records, whole_numbers,
)

COLUMNS = ["area_code", "area_name", "year", "persons"]
OPTIONAL = ("persons_10_17", "source")
KEY = ["area_code", "year"]


@dataclass
class ParsedPopulation:
    report: FileReport
    rows: pd.DataFrame
    has_10_17: bool


def parse(con: duckdb.DuckDBPyConnection, item: Inspected, report: FileReport) -> ParsedPopulation:
    """Validate a whole population file; raise ``LoadError`` listing every bad cell, else return its rows."""
    file = item.name
    header, records = read_csv_records(item.text(), file)
    problems = check_columns(header, COLUMNS, file, OPTIONAL)
    width = len(header)
    problems += [Problem(file, f"has {len(record)} fields, expected {width}", row=index + 2)
                 for index, record in enumerate(records) if len(record) != width]
    if problems:
        raise LoadError(problems)
    frame = pd.DataFrame(records, columns=[h.lower() for h in header], dtype=str)
    has_10_17 = "persons_10_17" in frame
    for column in OPTIONAL:
        if column not in frame:
            frame[column] = ""
    frame = frame[COLUMNS + list(OPTIONAL)]
    # why: codes and numbers are compared trimmed; names and sources are text and kept as written
    for column in ("area_code", "year", "persons", "persons_10_17"):
        frame[column] = frame[column].str.strip()
    rows = pd.Series(np.arange(len(frame)) + 2, index=frame.index)
    problems = long_fields(frame, rows, file)
    if problems:
        raise LoadError(problems)
    frame["row"] = rows
    report.rows_read = len(frame)
    problems = _validate(frame, file)
    if problems:
        raise LoadError(sorted(problems, key=lambda p: (p.row or 0, header.index(p.column) if p.column in header else 9)))
    year = frame.year.astype(int)
    rows = pd.DataFrame({
        "area_code": frame.area_code,
        "year": year,
        "persons": whole_numbers(frame.persons).astype("int64"),
        "persons_10_17": whole_numbers(frame.persons_10_17),
        "source": frame.source.where(frame.source.str.strip() != "", "ONS mid-year estimate " + year.astype(str)),
    })
    report.rows_loaded = report.figures = len(rows)
    unknown = sorted(set(rows.area_code) - set(con.execute("SELECT code FROM areas").df().code))
    if unknown:
        report.notes.append(
            f"{len(unknown)} of its areas are not shown on the dashboard yet (e.g. {', '.join(unknown[:3])}): "
            "their estimates are kept for when a load adds them"
        )
    return ParsedPopulation(report, rows, has_10_17)


def _validate(frame: pd.DataFrame, file: str) -> list[Problem]:
    problems: list[Problem] = []

    def flag(mask: pd.Series, column: str, reason: str) -> None:
        problems.extend(Problem(file, reason, row=int(row), column=column, value=value)
                        for row, value in zip(frame.row[mask], frame[column][mask]))

    flag(frame.area_code == "", "area_code", "is blank: expected an ONS area code such as E07000129")
    flag((frame.area_code != "") & ~frame.area_code.str.fullmatch(r"[EWSNK]\d{8}"), "area_code",
         "is not an ONS area code: expected a letter and eight digits such as E07000129")
    flag(frame.area_name.str.strip() == "", "area_name", "is blank: expected the area's name")
    year = pd.to_numeric(frame.year.where(frame.year.str.fullmatch(r"\d{4}")), errors="coerce")
    flag(~year.between(1971, 2100), "year", "is not a year: expected a four-digit year such as 2020")
    problems += count_problems(frame.persons, frame.row, "persons", file, minimum=1)
    given = frame.persons_10_17 != ""
    problems += count_problems(frame.persons_10_17[given], frame.row[given], "persons_10_17", file)
    counted = {p.row for p in problems if p.column in ("persons", "persons_10_17")}
    too_many = given & (frame.persons != "") & ~frame.row.isin(counted)
    too_many[too_many] = whole_numbers(frame.persons_10_17[too_many]) > whole_numbers(frame.persons[too_many])
    flag(too_many, "persons_10_17", "is larger than persons: the population aged 10-17 is part of the whole population")
    duplicated = frame.duplicated(KEY, keep="first") & (frame.area_code != "")
    first_row = frame.groupby(KEY).row.transform("min")
    problems += [
        Problem(file, f"repeats area '{code}', year '{year_text}' already given in row {int(first)}",
                row=int(row), column="year", value=year_text)
        for code, year_text, row, first in zip(frame.area_code[duplicated], frame.year[duplicated],
                                               frame.row[duplicated], first_row[duplicated])
    ]
    return problems


def write(con: duckdb.DuckDBPyConnection, parsed: ParsedPopulation) -> None:
    """Insert or replace the persons of each area and year; households (Census) are kept."""
    rows = parsed.rows.assign(load_id=parsed.report.load_id)
    con.register("incoming_population", rows)
    try:
        parsed.report.rows_replaced = con.execute(
            "SELECT count(*) FROM population JOIN incoming_population USING (area_code, year)"
        ).fetchall()[0][0]
        # why: a file without the 10-17 column says nothing about that age group, so what is held stays
        set_10_17 = "persons_10_17 = excluded.persons_10_17," if parsed.has_10_17 else ""
        con.execute(
            f"""
            INSERT INTO population (area_code, year, persons, persons_10_17, source, load_id)
            SELECT area_code, year, persons, persons_10_17, source, load_id FROM incoming_population
            ON CONFLICT (area_code, year) DO UPDATE SET
                persons = excluded.persons, {set_10_17}
                source = excluded.source,
                load_id = excluded.load_id
            """
        )
    finally:
        con.unregister("incoming_population")


def unchanged(con: duckdb.DuckDBPyConnection, parsed: ParsedPopulation) -> bool:
    con.register("incoming_population", parsed.rows)
    try:
        held = con.execute(
            """
            SELECT count(*) FROM incoming_population AS n JOIN population AS p USING (area_code, year)
            WHERE p.persons = n.persons AND p.source = n.source
              AND (p.persons_10_17 IS NOT DISTINCT FROM n.persons_10_17 OR NOT $has_10_17)
            """,
            {"has_10_17": parsed.has_10_17},
        ).fetchall()[0][0]
    finally:
        con.unregister("incoming_population")
    return held == len(parsed.rows)
