"""The COVID-19 period comparison the force reported to the board in June 2020."""
from __future__ import annotations

import duckdb
import pandas as pd

from lscsb_data.figures.engine import QUERY_DIR

SOURCE = "Leicestershire Police COVID-19 update to the LSCSB (June 2020)"
PERIOD_TEXT = "8 March - 24 May, 2019 against 2020"


def covid_period(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per measure: both counts, the change, the % change from the counts, and all forces' % change.

    ``change_pct`` is missing where the 2019 count is 0 (a measure that did not exist before the pandemic).
    """
    frame = con.cursor().execute((QUERY_DIR / "covid_period.sql").read_text()).df()
    return frame.astype({"count_2019": "Int64", "count_2020": "Int64", "change": "Int64"})
