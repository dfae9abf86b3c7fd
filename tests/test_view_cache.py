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


@pytest.mark.parametrize("public", [False, True])
def test_the_exception_report_from_cached_summaries_is_the_report_computed_afresh(demo_con, public):
    from lscsb_data.figures import engine
    from lscsb_data.presentation import reporting

    period = pagedata.month_choices(demo_con)[0]
    for area in ("E07000129", "E10000018"):
        afresh = reporting.theme_report(demo_con, period=period, area=area, latest=True, public=public)
        shared = reporting.theme_report(
            demo_con, period=period, area=area, latest=True, public=public,
            current=engine.latest_summary(demo_con, period=period, area=area, public=public),
            everywhere=lambda at: L.summary(demo_con, period=at, public=public))
        assert [s["theme"] for s in shared] == [s["theme"] for s in afresh]
        assert any(len(s["rows"]) for s in afresh)
        for one, other in zip(shared, afresh):
            assert one["message"] == other["message"]
            pd.testing.assert_frame_equal(one["rows"].reset_index(drop=True), other["rows"].reset_index(drop=True))
