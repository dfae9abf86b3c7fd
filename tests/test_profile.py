"""The Overview's area profile and compare-areas grid on the tiny fixture, figures worked out by hand
(tests/fixture_db.py): D1 Alpha and D2 Beta make county C1; C1 and U1 Gamma make force F1."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from lscsb_data.figures import engine
from lscsb_data.presentation import profile as area_profile
from tests.html_tables import row_named, table_rows

MARCH_2020 = date(2020, 3, 1)


@pytest.fixture()
def alpha(fixture_con):
    return area_profile.overview_profile(fixture_con, area="D1", period=MARCH_2020)


def rows_by_id(profile) -> pd.DataFrame:
    return profile.rows.set_index("id")


def test_each_row_words_the_engines_figure_its_interval_change_and_comparison(alpha):
    assert alpha.comparator_code == "C1" and alpha.comparator_name == "Fixture County"
    vwi = rows_by_id(alpha).loc["violence_with_injury"]
    # 144 offences on 11,000: 13.1 per 1,000 (Byars 11.04 to 15.41); the county's 384 / 33,000 = 11.6 lies inside.
    assert vwi.value_text == "13.1" and vwi.interval_text == "11.0 to 15.4"
    assert "95% confidence interval 11.0 to 15.4" in vwi.value_title and "144 offences" in vwi.value_title
    assert vwi.comparison_text == "similar" and vwi.comparator_text == "11.6"
    crime = rows_by_id(alpha).loc["all_crime"]  # 600 against 360: a significant rise; the county lacks Beta
    assert crime.direction_text == "\u2191 worsening" and crime.change_short == "+63.6%"
    assert crime.comparison_text == "not enough data" and crime.comparison_title == "not enough data: periods missing"


def test_the_headline_counts_the_top_level_rows(alpha):
    top = alpha.rows[alpha.rows.parent_id.isna() & alpha.rows.has_figure]
    assert alpha.headline == {
        "indicators": len(top),
        "improving": int((top.direction == "improving").sum()),
        "worsening": int((top.direction == "worsening").sum()),
        "worse": int(top.comparison.isin(["worse", "outside_band"]).sum()),
        "better": int(top.comparison.isin(["better", "within_band"]).sum()),
        "similar": int((top.comparison == "similar").sum()),
        "red_red": 1,  # MARAC repeats: 45%, outside the band and up significantly from 30%
    }
    assert alpha.headline["worsening"] >= 1 and "1 both worse and worsening" in area_profile.headline_text(alpha)


def test_a_force_wide_indicator_shows_the_forces_figure_saying_so(alpha):
    iom = rows_by_id(alpha).loc["iom_reoffending"]  # stored for F1 only: 30 of 100
    assert iom.from_area == "F1" and iom.value_text == "30%"
    assert iom.note == "Fixture Force-wide figure" and iom.comparison == ""


def test_the_spine_places_the_area_among_the_csp_areas_and_the_comparator(alpha):
    spine = rows_by_id(alpha).loc["violence_with_injury"].spine
    # Alpha 144 / 11,000, Beta 240 / 22,000, Gamma 60 / 5,000 (per 1,000).
    assert spine["low"] == pytest.approx(240 / 22) and spine["high"] == pytest.approx(144 / 11)
    assert spine["value"] == pytest.approx(144 / 11) and spine["comparator"] == pytest.approx(384 / 33)
    assert spine["areas"] == 3


def test_the_compare_areas_grid_marks_every_area_against_one_comparator(fixture_con, alpha):
    grid = alpha.grid.set_index(["indicator", "area_code"])
    expected = engine.summary(fixture_con, period=MARCH_2020, comparator="C1").set_index(["indicator", "area_code"])
    cell = grid.loc[("violence_with_injury", "D2")]
    assert cell.comparison == expected.loc[("violence_with_injury", "D2"), "comparison"] == "similar"
    assert cell.glyph == "\u25cf" and cell.text == "10.9"
    assert [code for code, _ in alpha.grid_areas] == ["D1", "D2", "U1", "C1", "F1"]


def test_the_html_tables_are_real_tables_that_escape_what_they_show(fixture_con, alpha):
    themes = engine.themes(fixture_con)
    html = area_profile.profile_html(alpha, themes=themes, link=lambda row: f"{row['theme']}?indicator={row['id']}")
    header = table_rows(html)[0]
    assert [c["text"] for c in header][:3] == ["Indicator", "Value", "Change on a year before"]
    cells = row_named(html, "Violence with injury")
    assert cells[0]["links"] == ["crime?indicator=violence_with_injury"]
    assert cells[4]["images"] and "Alpha 13.1" in cells[4]["images"][0]
    hostile = alpha.rows.assign(short_name=alpha.rows.short_name.where(alpha.rows.id != "all_crime",
                                                                      "<script>alert(1)</script>"))
    escaped = area_profile.profile_html(area_profile.Profile(**{**alpha.__dict__, "rows": hostile}), themes=themes)
    assert "<script>" not in escaped and "&lt;script&gt;" in escaped
    grid = area_profile.compare_html(alpha, themes=themes)
    assert [c["text"] for c in table_rows(grid)[0]] == ["Indicator", "Alpha", "Beta", "Gamma", "Fixture County",
                                                        "Fixture Force"]


def test_an_older_indicator_is_shown_at_its_latest_period_and_says_so(fixture_con):
    later = area_profile.overview_profile(fixture_con, area="D1", period=date(2020, 6, 1))
    vwi = rows_by_id(later).loc["violence_with_injury"]
    assert vwi.value_text == "13.1" and vwi.note == "latest: 12 months to Mar 2020"


def test_public_mode_rows_show_c_and_no_interval_where_withheld(fixture_con):
    public = area_profile.overview_profile(fixture_con, area="D1", period=MARCH_2020, public=True)
    incidents = rows_by_id(public).loc["domestic_abuse_incidents"]
    assert incidents.value_text == "[c]" and incidents.interval_text == "" and incidents.comparison == ""
