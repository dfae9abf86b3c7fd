"""The plain-pandas yardstick used by the benchmark computes the same figures as the engine."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

import lscsb_data as L
from lscsb_data.tools.bench_pandas import read_tables, summary_pandas


@pytest.mark.parametrize("period", [date(2020, 3, 1), date(2019, 12, 1), date(2020, 2, 1)])
def test_pandas_yardstick_agrees_with_the_engine(fixture_con, period):
    engine = L.summary(fixture_con, period=period).set_index(["indicator", "area_code"]).sort_index()
    yardstick = summary_pandas(read_tables(fixture_con), period).set_index(["indicator", "area_code"]).sort_index()
    assert list(engine.index) == list(yardstick.index)
    for column in ("current_numerator", "current_denominator", "current_value",
                   "previous_numerator", "previous_denominator", "previous_value", "change"):
        np.testing.assert_allclose(
            pd.to_numeric(engine[column]).to_numpy(float), yardstick[column].to_numpy(float), rtol=1e-12, err_msg=column
        )
    assert (engine.current_complete == yardstick.current_complete).all()
    assert (engine.previous_complete == yardstick.previous_complete).all()
