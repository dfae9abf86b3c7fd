"""A tiny database whose every figure can be worked out by hand (see the comments per series).

Areas: districts D1 (Alpha) and D2 (Beta) make county C1; C1 and unitary U1 make force F1, which also
has a "no location" bucket F1-UNALLOCATED. R1 is a region comparator stored whole (for vehicle offences only)
whose members are F1 and a force F2 the fixture does not hold; peer group P1 is D1 and U1.
Population: D1 10,000 (2011), 10,800 (2019), 11,000 (2020); D2 exactly double; U1 5,000 in 2020 only.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from lscsb_data.figures import db
from lscsb_data import loaders
from lscsb_data.loaders.build import load_reference_tables

FIXTURES = Path(__file__).parent / "fixtures"
DATA = Path(__file__).resolve().parent.parent / "data"


def _months(start_year: int, start_month: int, count: int, step: int = 1) -> list[str]:
    out = []
    index = start_year * 12 + start_month - 1
    for _ in range(count):
        out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
        index += step
    return out


def fixture_rows() -> list[tuple]:
    """(indicator, area, period, numerator, denominator) rows of the fixture."""
    rows: list[tuple] = []
    two_years = _months(2018, 4, 24)  # Apr 2018 .. Mar 2020
    # violence_with_injury: D1 10 a month to Mar 2019 then 12 a month; D2 20 a month throughout; U1 5 a month.
    for i, month in enumerate(two_years):
        rows.append(("violence_with_injury", "D1", month, 10 if i < 12 else 12, None))
        rows.append(("violence_with_injury", "D2", month, 20, None))
        rows.append(("violence_with_injury", "U1", month, 5, None))
    # all_crime: D1 a clearly significant rise, 30 a month then 50 a month.
    for i, month in enumerate(two_years):
        rows.append(("all_crime", "D1", month, 30 if i < 12 else 50, None))
    # police_asb: D1 complete at 8 a month; D2 8 a month but January 2020 is missing.
    for month in two_years:
        rows.append(("police_asb", "D1", month, 8, None))
        if month != "2020-01":
            rows.append(("police_asb", "D2", month, 8, None))
    # residential_burglary (per 1,000 households): D1 4 a month throughout.
    for month in two_years:
        rows.append(("residential_burglary", "D1", month, 4, None))
    # youth_eet (quarterly %): D1 previous year 12/24 each quarter split 6/12; current quarters 1/2, 9/10, 3/4, 5/8.
    for quarter in _months(2018, 4, 4, step=3):
        rows.append(("youth_eet", "D1", quarter, 6, 12))
    for quarter, (num, den) in zip(_months(2019, 4, 4, step=3), [(1, 2), (9, 10), (3, 4), (5, 8)]):
        rows.append(("youth_eet", "D1", quarter, num, den))
    # youth_reoffending_rate (quarterly ratio): D1 re-offences 3, 5, 2, 4 by cohorts of 10.
    for quarter, num in zip(_months(2019, 4, 4, step=3), [3, 5, 2, 4]):
        rows.append(("youth_reoffending_rate", "D1", quarter, num, 10))
    # marac_repeat_rate (quarterly %, band 20-40): D1 45 of 100 in each current quarter, 30 of 100 before.
    for i, quarter in enumerate(_months(2018, 4, 8, step=3)):
        rows.append(("marac_repeat_rate", "D1", quarter, 30 if i < 4 else 45, 100))
    # hate_incidents (neutral): D1 1 a month then 4 a month.
    for i, month in enumerate(two_years):
        rows.append(("hate_incidents", "D1", month, 1 if i < 12 else 4, None))
    # fte_youth (quarterly count): D1 5 a quarter in 2018/19, 3 a quarter in 2019/20.
    for i, quarter in enumerate(_months(2018, 4, 8, step=3)):
        rows.append(("fte_youth", "D1", quarter, 5 if i < 4 else 3, None))
    # iom_reoffending (annual %, LLR-wide): stored at the force only: 40/100 in 2018/19, 30/100 in 2019/20.
    rows.append(("iom_reoffending", "F1", "2018-04", 40, 100))
    rows.append(("iom_reoffending", "F1", "2019-04", 30, 100))
    # policeuk_all_crime: D1 10, D2 20, U1 5 a month and 3 a month with no location (F1-UNALLOCATED).
    for month in two_years:
        for area, count in (("D1", 10), ("D2", 20), ("U1", 5), ("F1-UNALLOCATED", 3)):
            rows.append(("policeuk_all_crime", area, month, count, None))
    # Sensitive series for disclosure control, all in the year to March 2020 (zero every other month):
    # domestic_abuse_incidents: D1 1 in Jun 2019 and 1 in Nov 2019; D2 30 and U1 10 in Jun 2019.
    # racially_religiously_aggravated: D1 20, D2 40 and U1 3 in Apr 2019.
    # domestic_violence_with_injury: U1 7 in Apr 2019 (a rate on fewer than 10 events).
    sensitive = {
        ("domestic_abuse_incidents", "D1"): {"2019-06": 1, "2019-11": 1},
        ("domestic_abuse_incidents", "D2"): {"2019-06": 30},
        ("domestic_abuse_incidents", "U1"): {"2019-06": 10},
        ("racially_religiously_aggravated", "D1"): {"2019-04": 20},
        ("racially_religiously_aggravated", "D2"): {"2019-04": 40},
        ("racially_religiously_aggravated", "U1"): {"2019-04": 3},
        ("domestic_violence_with_injury", "U1"): {"2019-04": 7},
    }
    for (indicator, area), counts in sensitive.items():
        for month in two_years:
            rows.append((indicator, area, month, counts.get(month, 0), None))
    # business_burglary: D1 a wobble, 68 in 2018/19 and 73 in 2019/20: a non-significant rise with no SPC signal.
    wobble = [5, 7, 4, 6, 8, 5, 6, 4, 7, 5, 6, 5, 6, 5, 8, 4, 7, 6, 5, 7, 6, 8, 5, 6]
    for month, count in zip(two_years, wobble):
        rows.append(("business_burglary", "D1", month, count, None))
    # vehicle_offences for the region comparator: 100 a month.
    for month in two_years:
        rows.append(("vehicle_offences", "R1", month, 100, None))
    return rows


def fixture_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["indicator", "area_code", "period", "numerator", "denominator"])
    for indicator, area, period, numerator, denominator in fixture_rows():
        writer.writerow([indicator, area, period, numerator, "" if denominator is None else denominator])
    return buffer.getvalue()


def make_fixture_db(path: str | None = None) -> duckdb.DuckDBPyConnection:
    """Schema, the real catalogue, the fixture areas and population, and the fixture observations."""
    con = db.connect(path)
    db.create_schema(con)
    load_reference_tables(con, DATA)
    for table in ("population", "areas", "comparator_groups"):
        con.execute(f"DELETE FROM {table}")
    for table in ("areas", "population", "comparator_groups"):
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT * FROM read_csv($path, header = true, all_varchar = true)",
            {"path": str(FIXTURES / f"{table}.csv")},
        )
    db.refresh_materialized(con)
    loaders.load_into(
        con,
        [loaders.InputFile("fixture_observations.csv", fixture_csv().encode())],
        source_label="fixture",
        is_demo=True,
    )
    return con
