"""The places views in AppTest on the demo database, with real interactions: the Maps page (area, crime type,
period, indicator), the reconciliation panel under a detail, the Data page's coverage section and the upload
page's confirmation of a reload with far fewer rows; and the map builders (every mapped area, attribution,
tooltips, PNG)."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lscsb_data import range_total
from lscsb_data.figures import places
from lscsb_data.presentation import charts, downloads, maps, pagedata, vocabulary
from tests.apptest_support import ROOT, app, go, use_navigation
from tests.loading_support import base_db_path, db_path  # noqa: F401 (fixtures)
from tests.test_page_upload import _stored

NOV_2021, DEC_2020, MAR_2024 = date(2021, 11, 1), date(2020, 12, 1), date(2024, 3, 1)
COUNTY = [f"E07000{code}" for code in range(129, 136)]
ATTRIBUTION = "Contains Ordnance Survey and ONS data"

pytestmark = pytest.mark.apptest


@pytest.fixture()
def demo_env(demo_db_path, monkeypatch):
    use_navigation()
    monkeypatch.setenv("LSCSB_DB", str(demo_db_path))
    monkeypatch.delenv("LSCSB_PUBLIC", raising=False)
    return demo_db_path


def _specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _shapes(spec: dict) -> set[str]:
    return {name.removeprefix("shapes-lsoa-") for name in spec["datasets"] if name.startswith("shapes-lsoa-")}


def _top(at) -> pd.DataFrame:
    return at.table[0].value.reset_index()


def test_the_maps_page_follows_area_crime_type_and_period(demo_env, demo_con):
    at = app("maps", area="E07000130").run()
    assert not at.exception
    lsoa_spec, district_spec = _specs(at)
    assert _shapes(lsoa_spec) == {"E07000130"}
    expected = places.lsoa_counts(demo_con, area="E07000130", period=NOV_2021)
    top = _top(at)
    assert list(top.LSOA) == list(expected.frame.lsoa_name[:10])
    assert [int(c.replace(",", "")) for c in top.Count] == [int(c) for c in expected.frame["count"][:10]]

    at.selectbox(key="map_crime_type").set_value("policeuk_burglary").run()
    burglary = places.lsoa_counts(demo_con, area="E07000130", period=NOV_2021, indicator="policeuk_burglary")
    assert list(_top(at).LSOA) == list(burglary.frame[burglary.frame["count"] > 0].lsoa_name[:10])
    assert "Burglary (police.uk): Charnwood, by LSOA" in json.dumps(_specs(at)[0])

    at.selectbox(key="area").set_value("E10000018").run()
    assert not at.exception
    assert _shapes(_specs(at)[0]) == set(COUNTY)
    county = places.lsoa_counts(demo_con, area="E10000018", period=NOV_2021, indicator="policeuk_burglary")
    assert list(_top(at).LSOA) == list(county.frame[county.frame["count"] > 0].lsoa_name[:10])

    at.selectbox(key="period").set_value("2020-12").run()
    assert not at.exception
    december = places.lsoa_counts(demo_con, area="E10000018", period=DEC_2020, indicator="policeuk_burglary")
    assert list(_top(at).LSOA) == list(december.frame[december.frame["count"] > 0].lsoa_name[:10])
    assert any("12 months to Dec 2020" in m.value for m in at.markdown)
    assert not any("latest police.uk" in m.value for m in at.markdown)


def test_the_lsoa_map_shows_police_uk_s_latest_12_months_without_moving_the_app_s_period(demo_env, demo_con):
    """The app opens on its one period (Mar 2024 here), after police.uk's last month (Nov 2021): the LSOA map and
    table count police.uk's latest 12 months and say so; the period stays the app's."""
    at = app("maps", area="E07000130").run()
    assert not at.exception and not at.info
    assert "period ending **Mar 2024**" in at.caption[0].value
    heading = next(m.value for m in at.markdown if "LSOAs with most" in m.value)
    assert "latest police.uk: 12 months to Nov 2021" in heading
    lsoa_spec = _specs(at)[0]
    assert lsoa_spec["title"]["subtitle"][0].startswith("Latest police.uk: 12 months to Nov 2021")
    at = app("maps", area="E07000130", period="2023-06").run()
    assert not at.exception
    assert at.query_params["period"] in ("2023-06", ["2023-06"])
    assert any("latest police.uk: 12 months to Nov 2021" in m.value for m in at.markdown)
    expected = places.lsoa_counts(demo_con, area="E07000130", period=NOV_2021)
    assert list(_top(at).LSOA) == list(expected.frame.lsoa_name[:10])


def test_the_district_map_shows_any_indicator_and_sets_the_view(demo_env, demo_con):
    at = app("maps", area="E07000131", indicator="violence_with_injury").run()
    assert not at.exception
    district = _specs(at)[1]
    title = json.dumps(district["title"])
    assert "Violence with injury: each district" in title and "demonstration data" in title
    summary = pagedata.indicator_detail(demo_con, indicator="violence_with_injury", area="E07000131", period=NOV_2021)
    shown = at.table[1].value
    bars = summary.districts[summary.districts.role == "bar"]
    assert set(shown.index) == set(bars.area_name)
    at.selectbox(key="map_indicator").set_value("youth_eet").run()
    assert not at.exception and at.query_params["indicator"] in ("youth_eet", ["youth_eet"])
    assert "Young offenders in education, training or employment: each district" in json.dumps(_specs(at)[1])


@pytest.mark.parametrize("area", [*maps.mapped_lsoa_areas(), "E10000018", "E23000021"])
def test_every_district_the_county_and_llr_get_both_maps_with_attribution(demo_env, area):
    at = app("maps", area=area).run()
    assert not at.exception and not at.error
    lsoa_spec, district_spec = _specs(at)
    expected = {area} if area.startswith(("E06", "E07")) else set(COUNTY if area == "E10000018" else maps.mapped_lsoa_areas())
    assert _shapes(lsoa_spec) == expected
    for spec in (lsoa_spec, district_spec):
        assert ATTRIBUTION in " ".join(maps.credit_lines(spec))
        credit = next(layer for layer in spec["layer"] if layer.get("name") == maps.CREDIT_LAYER)
        assert credit["encoding"]["y"]["value"] > spec["height"]  # written under the map, not on it
        assert spec["title"]["text"].startswith(("All crime (police.uk", "Overall crime"))


def test_an_area_without_lsoa_shapes_says_so(demo_env):
    at = app("maps", area="E12000004").run()
    assert not at.exception
    assert any("There is no LSOA map for East Midlands" in info.value for info in at.info)


def test_a_period_before_police_uk_figures_says_so(demo_env):
    at = app("maps", area="E07000130", period="2018-06").run()
    assert not at.exception
    assert any("There are no police.uk figures for Charnwood in the 12 months to Jun 2018 or before" in info.value
               for info in at.info)


def test_map_builders_carry_figures_source_and_attribution_into_the_png(demo_con):
    counts = places.lsoa_counts(demo_con, area="E07000131", period=DEC_2020)
    meta = pagedata.catalogue(demo_con).set_index("id").loc["policeuk_all_crime"].to_dict() | {"id": "policeuk_all_crime"}
    names = dict(zip(pagedata.areas(demo_con).code, pagedata.areas(demo_con).name))
    chart = maps.lsoa_map(counts, indicator=meta, area_name="Harborough", area_codes=["E07000131"], area_names=names)
    spec = chart.to_dict()
    rows = next(v for k, v in spec["datasets"].items() if k.startswith("data-") and v and "lsoa_name" in v[0])
    assert sum(r["value"] for r in rows) == 3882 and len(rows) == 47
    assert {r["source_text"] for r in rows} == {"data.police.uk street-level crime and ASB"}
    tooltips = json.dumps(spec)
    for field in ('"title": "LSOA"', '"title": "Period"', '"title": "Source"'):
        assert field in tooltips
    assert "licensed under the Open Government Licence v3.0 (data.police.uk, ONS)." in " ".join(maps.credit_lines(spec))
    png = charts.to_png(chart, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def test_count_classes_hold_every_lsoa_in_ranges_that_do_not_overlap():
    values = pd.Series([0, 0, 1, 2, 3, 5, 8, 13, 21, 34, 200])
    classes = maps.count_classes(values)
    labels = maps.classify(values, classes)
    assert [label for label, _ in classes] == ["0\u20131", "2\u20133", "4\u20138", "9\u201321", "22\u2013200"]
    assert labels[0] == "0\u20131" and labels[-1] == "22\u2013200"
    assert maps.classify(pd.Series([None]), classes) == ["withheld"]


def test_the_reconciliation_panel_shows_both_figures_for_the_same_months(demo_env, demo_con):
    at = app("crime", area="E07000131", period="2020-12", indicator="all_crime").run()
    assert not at.exception
    assert "Beside police.uk: Overall crime and All crime (police.uk)" in [s.value for s in at.subheader]
    board = range_total(demo_con, start=date(2020, 1, 1), end=DEC_2020, indicator="all_crime", area="E07000131")
    table = next(t.value for t in at.table if "police.uk less the board's figure" in t.value.index)
    assert table.loc["Overall crime", "Count"] == f"{int(board.numerator.iloc[0]):,} offences"
    assert table.loc["All crime (police.uk, excluding ASB)", "Count"] == "3,882 crimes"
    why = next(m.value for m in at.markdown if m.value.startswith("Why they differ"))
    assert "**demonstration data**" in why and "Recording date against snapshot date" in why
    assert "3,404 of them (4.0%) could not be placed in a district" in why and "4,324" in why
    at = app("policeuk", area="E10000018", period="2020-12", indicator="policeuk_vehicle_crime").run()
    assert "Beside police.uk: Vehicle offences and Vehicle crime" in [s.value for s in at.subheader]
    at = app("crime", area="E07000131", period="2020-12", indicator="violence_with_injury").run()
    assert not [s.value for s in at.subheader if s.value.startswith("Beside police.uk")]


def test_the_data_page_reports_the_coverage_checks_on_the_real_months(demo_env):
    at = app("data").run()
    assert not at.exception
    assert "police.uk coverage" in [h.value for h in at.header]
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("**Many rows with no location**: Leicestershire Police, 2020-03: 1,157 of 8,146 rows (14.2%)")
               for w in warnings)
    assert any(s.value.startswith("**Months missing**: none") for s in at.success)
    assert any(s.value.startswith("**Month far below its neighbours**: none") for s in at.success)


def test_the_upload_page_refuses_a_thin_reload_until_the_analyst_ticks_the_confirmation(db_path, monkeypatch):
    from lscsb_data import loaders

    monkeypatch.setenv("LSCSB_DB", str(db_path))
    monkeypatch.setenv("LSCSB_ALLOW_UPLOAD", "1")
    monkeypatch.delenv("LSCSB_PUBLIC", raising=False)
    held = Path(__file__).parent / "fixtures" / "policeuk" / "2020-03" / "2020-03-leicestershire-street.csv"
    thin = Path(__file__).parent / "coverage_files" / "fewer_rows" / "2020-03-leicestershire-street.csv"
    loaders.load_files(db_path, [held])
    # why: every page runs inside the frame, so the upload page opens as a link to it does, through app.py
    at = go(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), "upload").run()
    assert not at.exception
    at.file_uploader(key="upload_files").upload(thin.name, thin.read_bytes(), "text/csv").run()
    assert at.error[0].value.startswith("Nothing can be loaded: 1 problem found")
    assert "would replace Leicestershire Police's 2020-03, which holds 131 rows, with 40" in at.dataframe[0].value.Problem.iloc[0]
    at.checkbox(key="upload_confirm_fewer").check().run()
    assert not at.error
    assert "replaced, as confirmed (--confirm-fewer-rows)" in at.code[0].value
    at.button(key="upload_confirm").click().run()
    assert at.success[0].value.startswith("Loaded:")
    assert _stored(db_path, "SELECT sum(count) FROM policeuk_lsoa_counts") == [(40,)]
    assert "as confirmed" in _stored(db_path, "SELECT note FROM loads ORDER BY load_id DESC LIMIT 1")[0][0]


def test_public_mode_publishes_no_lsoa_counts_of_a_sensitive_indicator(demo_con, monkeypatch):
    """police.uk's categories are not sensitive, so every count is published; flagged sensitive, public mode
    publishes none of its LSOA counts, nor their total (they are not stored series the publication step protects)."""
    shown = places.lsoa_counts(demo_con, area="E07000133", period=NOV_2021, indicator="policeuk_robbery", public=True)
    assert not shown.withheld and not shown.frame.suppressed.any() and shown.rows > 0
    real = places.policeuk_indicators
    monkeypatch.setattr(places, "policeuk_indicators", lambda con: real(con).assign(sensitive=True))
    held = places.lsoa_counts(demo_con, area="E07000133", period=NOV_2021, indicator="policeuk_robbery", public=True)
    assert held.withheld and held.rows is None and held.rows_without_lsoa is None
    assert held.frame["count"].isna().all() and held.frame.suppressed.all()
    assert list(held.frame.lsoa_code) == list(shown.frame.lsoa_code)
    analyst = places.lsoa_counts(demo_con, area="E07000133", period=NOV_2021, indicator="policeuk_robbery", public=False)
    assert not analyst.withheld and analyst.rows == shown.rows
    csv = downloads.lsoa_csv(held, area_name="Melton", indicator={"name": "Robbery (police.uk)"},
                             generated_at=datetime(2024, 1, 1), public=True)
    assert "not published in public mode" in csv and all(line.endswith(",[c]") for line in csv.splitlines()[-5:])
    with pytest.raises(ValueError, match="withheld"):
        maps.lsoa_map(held, indicator={"name": "Robbery (police.uk)"}, area_name="Melton", area_codes=["E07000133"],
                      area_names={})


def test_the_public_maps_page_says_a_sensitive_indicator_s_lsoa_counts_are_not_published(demo_env, monkeypatch):
    import streamlit as st

    real = places.policeuk_indicators
    monkeypatch.setattr(places, "policeuk_indicators", lambda con: real(con).assign(sensitive=True))
    monkeypatch.setenv("LSCSB_PUBLIC", "1")
    st.cache_data.clear()
    try:
        at = app("maps", area="E07000133").run()
        assert not at.exception
        assert any("does not publish its counts by LSOA" in info.value for info in at.info)
        assert not any("LSOAs with most" in m.value for m in at.markdown)
        assert not [b for b in at.get("download_button") if "LSOA" in str(b.proto.label)]
        assert len(_specs(at)) == 1  # the district map only
    finally:
        st.cache_data.clear()


def test_the_district_map_shades_by_comparison_with_words_as_well_as_colours(demo_con):
    detail = pagedata.indicator_detail(demo_con, indicator="all_crime", area="E07000130", period=NOV_2021)
    rows = detail.districts.copy()
    bars = rows.role == "bar"
    rows.loc[bars, "comparison"] = ["worse", "similar", "better"] * 3 + ["similar"] * (int(bars.sum()) - 9)
    rows.loc[bars, "comparator_code"] = "E10000018"
    assert maps.has_comparison(rows)
    names = dict(zip(pagedata.areas(demo_con).code, pagedata.areas(demo_con).name))
    spec = maps.district_map(rows, indicator=detail.indicator, highlight_area="E07000130", shade="comparison",
                             area_names=names).to_dict()
    figures = next(v for k, v in spec["datasets"].items() if k.startswith("data-") and v and "comparison_text" in v[0])
    assert {r["comparison_text"] for r in figures} == {"worse", "similar", "better"}
    assert all(r["label_text"].endswith(("\u00b7 worse", "\u00b7 similar", "\u00b7 better")) for r in figures)
    assert {r["comparator_text"] for r in figures} == {"Leicestershire"}
    fill = spec["layer"][0]["encoding"]["color"]
    assert fill["field"] == "comparison_text" and fill["scale"]["domain"] == ["better", "similar", "worse"]


def test_the_district_map_shades_each_district_against_its_own_comparator(demo_env, demo_con):
    """With comparators, the demo districts carry real comparisons: the county's districts against the county,
    Leicester and Rutland against LLR; the page offers the shading and draws it with the summary's words."""
    detail = pagedata.indicator_detail(demo_con, indicator="all_crime", area="E07000130", period=MAR_2024)
    assert maps.has_comparison(detail.districts)
    bars = detail.districts[detail.districts.role == "bar"].set_index("area_code")
    assert set(bars.comparator_code[COUNTY]) == {"E10000018"}
    assert set(bars.comparator_code[["E06000016", "E06000017"]]) == {"E23000021"}
    at = app("maps", area="E07000130", indicator="all_crime").run()
    assert not at.exception
    at.radio(key="map_shade").set_value("comparison").run()
    assert not at.exception
    spec = _specs(at)[1]
    assert spec["layer"][0]["encoding"]["color"]["field"] == "comparison_text"
    assert "Compared with its comparator (in the tooltip)" in spec["layer"][0]["encoding"]["color"]["title"]
    table = at.table[1].value
    assert list(table.columns) == ["Value", "Compared", "Direction"]
    assert table.loc["Charnwood", "Compared"] == bars.comparison_text["E07000130"]
    assert any(caption.value.startswith("Compared with Leicestershire: Blaby, Charnwood")
               and caption.value.endswith("; with Leicester, Leicestershire and Rutland (LLR): Leicester, Rutland.")
               for caption in at.caption)
    words = {code: vocabulary.COMPARISONS[word].word for code, word in bars.comparison.items()}
    labels = maps.district_map(detail.districts, indicator=detail.indicator, highlight_area="E07000130",
                               shade="comparison", area_names=dict(zip(pagedata.areas(demo_con).code,
                                                                       pagedata.areas(demo_con).name))).to_dict()
    rows = next(v for k, v in labels["datasets"].items() if k.startswith("data-") and v and "comparison_text" in v[0])
    assert {r["area_code"]: r["comparison_text"] for r in rows} == words


def test_the_pack_s_where_slide_maps_police_uk_s_latest_12_months_and_is_left_out_when_withheld(demo_con, monkeypatch):
    from lscsb_data.presentation import pack_places

    found = pack_places.section(demo_con, area="E07000131", period=MAR_2024, png_scale=1)
    assert found is not None and "latest police.uk: 12 months to Nov 2021" in found.caption
    expected = places.lsoa_counts(demo_con, area="E07000131", period=NOV_2021)
    assert list(found.table.lsoa_name) == list(expected.frame.lsoa_name[:10])
    assert found.image[:8] == b"\x89PNG\r\n\x1a\n"
    real = places.policeuk_indicators
    monkeypatch.setattr(places, "policeuk_indicators", lambda con: real(con).assign(sensitive=True))
    monkeypatch.setenv("LSCSB_PUBLIC", "1")
    assert pack_places.section(demo_con, area="E07000131", period=MAR_2024, png_scale=1) is None
