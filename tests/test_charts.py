"""The chart builders hand their rows to Vega-Lite once, as named datasets, exactly as Altair would write them."""
from __future__ import annotations

import json
import re
from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import pytest

from lscsb_data.presentation import charts, pagedata
from lscsb_data.figures import spc


def test_records_write_every_column_type_as_altairs_own_transformer_does():
    frame = pd.DataFrame({
        "float": [1.5, np.nan, np.inf],
        "nullable_int": pd.array([1, None, 3], dtype="Int64"),
        "nullable_float": pd.array([1.25, None, 2.0], dtype="Float64"),
        "nullable_bool": pd.array([True, None, False], dtype="boolean"),
        "int": [1, 2, 3],
        "bool": [True, False, True],
        "object": ["x", None, np.nan],
        "string": pd.Series(["a", None, "c"], dtype="str"),
        "when": pd.to_datetime(["2020-01-01 00:00", None, "2021-03-04 12:30"]),
    })
    assert charts.records(frame) == alt.utils.data.to_values(frame)["values"]
    assert [type(v) for v in charts.records(frame)[0].values()] == [float, int, float, bool, int, bool, str, str, str]


def referenced_names(node) -> set[str]:
    if isinstance(node, dict):
        own = {node["data"]["name"]} if isinstance(node.get("data"), dict) and "name" in node["data"] else set()
        return own.union(*(referenced_names(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(referenced_names(v) for v in node))
    return set()


@pytest.fixture()
def detail(fixture_con):
    return pagedata.indicator_detail(fixture_con, indicator="all_crime", area="D1", period=date(2020, 3, 1))


def built_charts(fixture_con, detail):
    meta = detail.indicator
    yield charts.trend_chart(detail.trend, indicator=meta, area_name=detail.area_name, annotations=detail.annotations)
    yield charts.trend_chart(detail.trend, indicator=meta, area_name=detail.area_name, annotations=detail.annotations,
                             width="container", large=True)
    yield charts.comparison_chart(detail.districts, indicator=meta, highlight_area=detail.area_code)
    yield charts.spc_chart(spc.spc(fixture_con, indicator="all_crime", area="D1"), title="Overall crime, Alpha")


def test_every_dataset_a_chart_refers_to_is_in_its_spec_and_holds_the_rows(fixture_con, detail):
    for chart in built_charts(fixture_con, detail):
        spec = chart.to_dict()
        assert referenced_names(spec) == set(spec["datasets"])
        assert all(spec["datasets"].values())


def test_the_trend_chart_plots_the_trend_rows_with_their_tooltip_texts(fixture_con, detail):
    spec = next(built_charts(fixture_con, detail)).to_dict()
    rows = max(spec["datasets"].values(), key=len)
    assert len(rows) == len(detail.trend)
    assert [r["value"] for r in rows] == [None if pd.isna(v) else v for v in detail.trend.value]
    assert [r["value_text"] for r in rows] == list(detail.trend.value_text)


def fields_by_dataset(node, inherited=None, found=None) -> dict[str, set[str]]:
    """The fields each dataset's marks name (encodings, sorts and ``datum.`` tests), by dataset name."""
    found = {} if found is None else found
    data = node.get("data", {}).get("name", inherited) if isinstance(node.get("data"), dict) else inherited
    if "mark" in node:
        text = json.dumps(node.get("encoding", {}))
        found.setdefault(data, set()).update(re.findall(r'"field": "([^"]+)"', text), re.findall(r"datum\.(\w+)", text))
    for key in ("layer", "vconcat", "hconcat"):
        for child in node.get(key, []):
            fields_by_dataset(child, data, found)
    return found


def test_every_field_a_mark_names_is_a_column_of_its_rows(fixture_con, detail):
    for chart in built_charts(fixture_con, detail):
        spec = chart.to_dict()
        for name, fields in fields_by_dataset(spec).items():
            columns = set().union(*(row.keys() for row in spec["datasets"][name]))
            assert fields <= columns, f"{name} lacks {fields - columns}"
