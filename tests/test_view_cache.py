"""What the app's caches rely on to serve a view from work done for another view (pages/shared/cache.py)."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

import lscsb_data as L
from lscsb_data.presentation import pagedata


@pytest.mark.parametrize("public", [False, True])
@pytest.mark.parametrize("comparison", ["rolling12", "quarter"])
def test_one_areas_summary_is_its_rows_of_every_areas_summary(demo_con, public, comparison):
    for period in pagedata.month_choices(demo_con)[:2]:
        every = L.summary(demo_con, period=period, comparison=comparison, public=public)
        for area in ("E07000129", "E10000018", "E06000016", "E12000004"):
            one = L.summary(demo_con, period=period, area=area, comparison=comparison, public=public)
            assert len(one)
            pd.testing.assert_frame_equal(one.reset_index(drop=True), every[every.area_code == area].reset_index(drop=True))


def test_chart_tables_become_the_arrow_streamlit_would_send_and_geography_stays():
    from streamlit import dataframe_util

    from pages.shared.cache import _arrow_datasets

    rows = [{"period": "2024-03", "value": 1.5}, {"period": "2024-04", "value": None}]
    shapes = {"type": "Topology", "arcs": [], "objects": {"districts": {}}}
    spec = {"mark": "line", "datasets": {"trend": rows, "map": shapes}}
    made = _arrow_datasets(spec)
    assert made["datasets"]["trend"] == dataframe_util.convert_anything_to_arrow_bytes(rows)
    assert pa.ipc.open_stream(made["datasets"]["trend"]).read_all().column("value").to_pylist() == [1.5, None]
    assert made["datasets"]["map"] is shapes
    assert spec["datasets"]["trend"] is rows, "the builder's own spec is left as it was"
    assert _arrow_datasets({"mark": "bar"}) == {"mark": "bar"}
