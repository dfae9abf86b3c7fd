"""The dashboard in AppTest: every page, real interactions, figures checked against the engine.

Runs the whole app (app.py's frame and a page) against the session-built demo database, so the
sidebar filters, the URL and the navigation are the real ones.
"""
from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest, app_test

from lscsb_data import connect
from lscsb_data.figures import disclosure, engine, narrative
from lscsb_data.presentation import formatting, pagedata, vocabulary
from tests.apptest_support import PAGES, NavigationPagesManager, app, go, record_downloads
from tests.html_tables import row_named, table_rows

pytestmark = pytest.mark.apptest

COUNTY, BLABY, CHARNWOOD, RUTLAND = "E10000018", "E07000129", "E07000130", "E06000017"
PROBLEM = "unexpected problem"


@pytest.fixture()
def app_env(demo_db_path, tmp_path, monkeypatch):
    """The app's environment: the demo database, an empty commentary file, every switch at its default."""
    monkeypatch.setattr(app_test, "PagesManager", NavigationPagesManager)
    monkeypatch.setenv("LSCSB_DB", str(demo_db_path))
    monkeypatch.setenv(narrative.COMMENTARY_ENV_VAR, str(tmp_path / "commentary.csv"))
    for name in ("LSCSB_PUBLIC", "LSCSB_ALLOW_UPLOAD", narrative.EDIT_ENV_VAR):
        monkeypatch.delenv(name, raising=False)
    return demo_db_path


@pytest.fixture()
def con(app_env, demo_con):
    return demo_con


@pytest.fixture()
def downloads(monkeypatch) -> dict[str, object]:
    """Every download button the pages draw, by label: the data exactly as the button would serve it."""
    return record_downloads(monkeypatch)


def served(data) -> str:
    """What a download button serves: its data, or what its deferred callable returns."""
    value = data() if callable(data) else data
    return value.decode("utf-8") if isinstance(value, bytes) else value


def open_page(page: str, **params) -> AppTest:
    at = app(page, **params)
    at.run()
    assert_healthy(at)
    return at


def assert_healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if PROBLEM in e.value]


def metric(at: AppTest, label: str):
    found = [m for m in at.metric if m.label == label]
    assert found, f"no metric {label!r} among {[m.label for m in at.metric]}"
    return found[0]


def engine_row(con, *, indicator: str, area: str, period: date, comparison: str = "rolling12", public=False) -> dict:
    rows = engine.summary(con, period=period, indicator=indicator, area=area, comparison=comparison, public=public)
    return rows.iloc[0].to_dict()


def short(row: dict) -> str:
    """The figure as a card shows it, from the engine's row (one decimal for rates over 1)."""
    return formatting.format_value(row["current_value"], row, short=True)


def csv_body(text: str) -> pd.DataFrame:
    lines = [line for line in text.splitlines() if not line.startswith("#") and not line.startswith('"#')]
    return pd.read_csv(io.StringIO("\n".join(lines)), dtype=str, keep_default_na=False)


def default_period(con, area: str) -> date:
    return pagedata.default_period(con, area=area)


# --- Overview ---------------------------------------------------------------------------------


def profile_html(at: AppTest) -> str:
    return "\n".join(element.value for element in at.html)


def profile_row(at: AppTest, name: str) -> list[dict]:
    """The Overview's row for an indicator: name, value (its title holds the intervals), change, comparison, spine,
    trend and sparkline cells."""
    return row_named(profile_html(at), name)


def latest(con, area: str, period: date, comparator: str | None = None) -> pd.DataFrame:
    return engine.latest_summary(con, period=period, area=area, comparator=comparator).set_index("indicator")


def test_overview_changing_the_area_shows_the_engines_figures_with_intervals_and_comparison(con):
    at = open_page("overview")
    county = profile_row(at, "Overall crime")[1]["text"]
    at.selectbox(key="area").set_value(CHARNWOOD).run()
    assert_healthy(at)
    assert at.title[0].value == "How is Charnwood doing?"
    period = default_period(con, CHARNWOOD)
    row = latest(con, CHARNWOOD, period).loc["all_crime"].to_dict()
    name, value, change, compared = profile_row(at, "Overall crime")[:4]
    assert value["text"] == short(row) == f"{row['current_value']:.1f}" != county
    interval = formatting.interval_text(row["current_lower_95"], row["current_upper_95"], row, of=row["current_value"])
    assert f"95% confidence interval {interval}" in value["title"]
    assert vocabulary.comparison(row["comparison"]).word in compared["text"]
    assert vocabulary.direction(row["direction"], row["change"], row).word in change["text"]
    assert name["links"][0].startswith("crime?") and "indicator=all_crime" in name["links"][0]
    assert at.query_params["area"] == CHARNWOOD


def test_overview_headline_counts_the_profiles_words(con):
    at = open_page("overview", area=CHARNWOOD, period="2024-03")
    rows = latest(con, CHARNWOOD, date(2024, 3, 1)).join(engine.indicators(con).set_index("id")[["parent_id"]])
    top = rows[rows.parent_id.isna() & rows.current_value.notna()]
    badges = " ".join(m.value for m in at.markdown)
    assert f"{(top.direction == 'improving').sum()} improving" in badges
    assert f"{(top.direction == 'worsening').sum()} worsening" in badges
    assert f"{top.comparison.isin(['worse', 'outside_band']).sum()} worse than Leicestershire" in badges
    assert f"{top.red_red.sum()} red-red" in badges


def test_overview_marac_against_its_band_and_the_five_year_trend(con):
    at = open_page("overview", area=COUNTY, period="2024-03")
    row = latest(con, COUNTY, date(2024, 3, 1)).loc["marac_repeat_rate"].to_dict()
    cells = profile_row(at, "MARAC repeats")
    assert cells[1]["text"] == f"{row['current_value']:.1f}".removesuffix(".0") + "%"
    band = {"below_band": "below the 20-40% band", "within_band": "within the 20-40% band", "above_band": "above the 20-40% band"}
    assert band[row["direction"]] in cells[2]["text"]
    assert cells[0]["links"][0].startswith("victims?")
    crime = latest(con, COUNTY, date(2024, 3, 1)).loc["all_crime"]
    assert vocabulary.recent_trend(crime.recent_trend, crime.recent_trend_judgement).word in profile_row(at, "Overall crime")[5]["text"]


def test_one_period_on_every_page_and_older_figures_say_so(con):
    periods_seen = set()
    for page in ("overview", "crime", "policeuk", "exceptions", "covid", "data"):
        at = open_page(page, area=CHARNWOOD)
        periods_seen.add(at.query_params["period"])
    assert periods_seen == {"2024-03"}
    at = open_page("overview", area=CHARNWOOD)
    assert "latest: 12 months to Nov 2021" in profile_row(at, "All crime (police.uk)")[0]["text"]
    row = engine.summary(con, period=date(2021, 11, 1), area=CHARNWOOD, indicator="policeuk_all_crime").iloc[0].to_dict()
    assert profile_row(at, "All crime (police.uk)")[1]["text"] == short(row)


def test_overview_period_change_moves_every_row_to_that_month(con):
    at = open_page("overview", area=CHARNWOOD)
    at.selectbox(key="period").set_value("2021-03").run()
    assert_healthy(at)
    row = engine_row(con, indicator="policeuk_all_crime", area=CHARNWOOD, period=date(2021, 3, 1))
    assert profile_row(at, "All crime (police.uk)")[1]["text"] == short(row)
    assert "latest" not in profile_row(at, "All crime (police.uk)")[0]["text"]
    assert at.query_params["period"] == "2021-03"


def test_choosing_a_comparator_compares_every_row_with_it_and_keeps_it_in_the_url(con):
    at = open_page("overview", area=BLABY, period="2024-03")
    at.selectbox(key="comparator").set_value("PG-LEICESTER-URBAN").run()
    assert_healthy(at)
    assert at.query_params["comparator"] == "PG-LEICESTER-URBAN"
    assert "Against Districts of the Leicester urban area" in profile_html(at)
    row = latest(con, BLABY, date(2024, 3, 1), comparator="PG-LEICESTER-URBAN").loc["all_crime"]
    assert vocabulary.comparison(row.comparison).word in profile_row(at, "Overall crime")[3]["text"]
    go(at, "crime").run()
    assert_healthy(at)
    assert at.selectbox(key="comparator").value == "PG-LEICESTER-URBAN"


def test_compare_areas_colours_each_cell_by_its_comparison_and_marks_it(con):
    at = open_page("overview", area=BLABY, period="2024-03")
    at.get("button_group")[0].set_value("compare").run()
    assert_healthy(at)
    every = engine.summary(con, period=date(2024, 3, 1), comparator=COUNTY).set_index(["indicator", "area_code"])
    header = next(r for r in table_rows(profile_html(at)) if r and r[0]["text"] == "Indicator")
    names = [c["text"] for c in header[1:]]
    cells = row_named(profile_html(at), "Overall crime")
    charnwood = cells[1 + names.index("Charnwood")]
    expected = vocabulary.comparison(every.loc[("all_crime", CHARNWOOD), "comparison"])
    assert expected.glyph in charnwood["text"] and expected.word in charnwood["title"]
    assert expected.tone in charnwood["class"]
    assert "LLR" in names and "Leicestershire" in names


def test_overview_download_serves_the_engines_summary_with_intervals(con, downloads):
    at = open_page("overview", area=RUTLAND, period="2023-12")
    text = served(downloads["Download these figures (CSV)"])
    assert "# Area: Rutland (E06000017)" in text and "# Generated:" in text and "Demonstration data" in text
    body = csv_body(text).set_index("indicator")
    expected = engine.summary(con, period=date(2023, 12, 1), area=RUTLAND).set_index("indicator")
    for indicator, row in expected.iterrows():
        if pd.notna(row.current_value):
            assert float(body.loc[indicator, "current_value"]) == pytest.approx(float(row.current_value))
            assert body.loc[indicator, "current_numerator"] == str(int(row.current_numerator))
            assert float(body.loc[indicator, "current_lower_95"]) == pytest.approx(float(row.current_lower_95))
            assert body.loc[indicator, "comparison"] == row.comparison
    assert set(body.index) >= set(expected.dropna(subset=["current_value"]).index)
    assert_healthy(at)


def test_presentation_mode_shows_one_theme_and_steps_with_next(con):
    at = open_page("overview", present="1")
    first = [h.value for h in at.title]
    assert len(first) == 1 and first[0].endswith(": Leicestershire")
    themes = [r[0]["text"] for r in table_rows(profile_html(at)) if len(r) == 1]
    assert len(themes) == 1 and first[0] == f"{themes[0]}: Leicestershire"
    at.button(key="present_next").click().run()
    assert_healthy(at)
    assert [h.value for h in at.title] != first and len(at.title) == 1
    after = [r[0]["text"] for r in table_rows(profile_html(at)) if len(r) == 1]
    assert after != themes and len(after) == 1
    assert at.query_params["present"] == "1"
    at.button(key="present_exit").click().run()
    assert "present" not in at.query_params and [h.value for h in at.title] == ["How is Leicestershire doing?"]


# --- Theme pages ------------------------------------------------------------------------------


def test_theme_page_changing_the_period_and_comparison_gives_the_engines_headline(con):
    at = open_page("crime", area=COUNTY, indicator="all_crime")
    at.selectbox(key="period").set_value("2023-03").run()
    assert_healthy(at)
    row = engine_row(con, indicator="all_crime", area=COUNTY, period=date(2023, 3, 1))
    assert metric(at, "12 months to Mar 2023").value == short(row)
    at.radio(key="comparison").set_value("quarter").run()
    assert_healthy(at)
    quarter = engine_row(con, indicator="all_crime", area=COUNTY, period=date(2023, 3, 1), comparison="quarter")
    assert metric(at, "2022/23 Q4 (Jan-Mar 2023)").value == short(quarter)
    assert at.query_params["comparison"] == "quarter"


def test_theme_page_url_restores_area_period_and_indicator(con):
    at = open_page("crime", area=CHARNWOOD, period="2022-06", indicator="violence_with_injury")
    assert at.selectbox(key="area").value == CHARNWOOD
    assert at.selectbox(key="period").value == "2022-06"
    assert any(h.value == "Violence with injury: Charnwood" for h in at.header)
    row = engine_row(con, indicator="violence_with_injury", area=CHARNWOOD, period=date(2022, 6, 1))
    assert metric(at, "12 months to Jun 2022").value == short(row)
    assert dict(at.query_params) == {"area": CHARNWOOD, "period": "2022-06", "comparison": "rolling12",
                                     "indicator": "violence_with_injury"}


def test_theme_page_indicator_selector_changes_the_detail_and_the_url(con):
    at = open_page("hate", area=COUNTY, period="2024-03")
    assert any(s.value.startswith("What hate incidents are made of") for s in at.subheader)
    at.selectbox(key="indicator_hate").set_value("racially_religiously_aggravated").run()
    assert_healthy(at)
    assert any(h.value == "Racially or religiously aggravated crime: Leicestershire" for h in at.header), [h.value for h in at.header]
    assert at.query_params["indicator"] == "racially_religiously_aggravated"
    row = engine_row(con, indicator="racially_religiously_aggravated", area=COUNTY, period=date(2024, 3, 1))
    assert metric(at, "12 months to Mar 2024").value == short(row)


def test_filters_survive_a_page_switch(con):
    at = open_page("overview")
    at.selectbox(key="area").set_value(CHARNWOOD).run()
    go(at, "asb").run()
    assert_healthy(at)
    assert at.selectbox(key="area").value == CHARNWOOD
    assert any(h.value.endswith(": Charnwood") for h in at.header)


def test_district_comparison_table_and_download_equal_the_engine(con, downloads):
    at = open_page("crime", area=BLABY, period="2024-03", indicator="vehicle_offences")
    text = served(downloads["Download every area (CSV)"])
    body = csv_body(text).set_index("area_code")
    expected = engine.summary(con, period=date(2024, 3, 1), indicator="vehicle_offences").set_index("area_code")
    assert BLABY in body.index and "E12000004" in body.index
    for code in body.index:
        assert float(body.loc[code, "current_value"]) == pytest.approx(float(expected.loc[code, "current_value"]))
    table = next(t.value for t in at.table if "Previous" in t.value.columns and "Blaby" in t.value.index)
    assert table.loc["Blaby", "Value"] == short(expected.loc[BLABY].to_dict() | {"unit": "rate"})


def test_trend_download_serves_the_engines_series(con, downloads):
    open_page("victims", area=COUNTY, period="2024-03", indicator="domestic_abuse_crimes")
    body = csv_body(served(downloads["Download the trend (CSV)"]))
    expected = engine.series(con, indicator="domestic_abuse_crimes", area=COUNTY, end=date(2024, 3, 1))
    expected = expected.assign(month=expected.period.dt.strftime("%Y-%m")).set_index("month")
    assert len(body) >= 24
    for row in body.itertuples():
        assert float(row.rolling_value or "nan") == pytest.approx(float(expected.loc[row.period, "rolling_value"]), nan_ok=True)
        assert int(row.numerator) == int(expected.loc[row.period, "numerator"])


def test_detail_shows_the_control_chart_and_commentary_as_literal_text(con, monkeypatch, tmp_path):
    hostile = '<script>alert("x")</script> **not bold** [link](javascript:alert(1))'
    monkeypatch.setenv(narrative.EDIT_ENV_VAR, "1")
    narrative.add_comment(narrative.commentary_path(), scope="indicator", subject="all_crime", area=COUNTY,
                          quarter="2023-24-Q4", text=hostile, author="A. Analyst")
    monkeypatch.delenv(narrative.EDIT_ENV_VAR)
    at = open_page("crime", area=COUNTY, period="2024-03", indicator="all_crime")
    assert [t.value for t in at.text] == [hostile]
    assert all("<script" not in m.value for m in at.markdown)
    titles = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    assert any("Is the latest period unusual? Overall crime, Leicestershire" in spec for spec in titles)


def test_breakdown_of_police_asb_says_never_add_sentinel(con):
    at = open_page("asb", area=COUNTY, period="2024-03", indicator="police_asb")
    words = " ".join(c.value for c in at.caption) + " ".join(i.value for i in at.info)
    assert "Sentinel" in words and ("never" in words.lower() or "not be added" in words.lower())


def test_theme_presentation_mode_steps_through_indicators_without_downloads(con, downloads):
    at = open_page("crime", present="1", indicator="all_crime", area=COUNTY)
    assert not downloads
    at.button(key="present_next").click().run()
    assert_healthy(at)
    assert at.query_params["indicator"] == "residential_burglary"
    assert any(h.value.startswith("Residential burglary") for h in at.title)


def test_public_mode_withholds_small_counts_on_cards_tables_and_csv(con, monkeypatch, downloads):
    monkeypatch.setenv("LSCSB_PUBLIC", "1")
    at = open_page("hate", area=RUTLAND, period="2024-03", indicator="hate_incidents")
    expected = engine.summary(con, period=date(2024, 3, 1), area=RUTLAND, public=True)
    withheld = expected[expected.current_suppressed.astype(bool)]
    assert len(withheld), "the demo data should withhold some of Rutland's hate figures"
    tables = "\n".join(t.value.to_string() for t in at.table)
    assert disclosure.SUPPRESSED in tables
    body = csv_body(served(downloads["Download these figures (CSV)"])).set_index("indicator")
    for indicator in withheld.indicator:
        if indicator in body.index:
            assert body.loc[indicator, "current_value"] == disclosure.SUPPRESSED
    assert "Disclosure control" in served(downloads["Download these figures (CSV)"])


def test_public_overview_rows_show_c_where_the_engine_withholds(con, monkeypatch):
    monkeypatch.setenv("LSCSB_PUBLIC", "1")
    at = open_page("overview", area=RUTLAND, period="2021-11")
    expected = engine.latest_summary(con, period=date(2021, 11, 1), area=RUTLAND, public=True)
    catalogue = engine.indicators(con).set_index("id")
    withheld = expected[expected.current_suppressed.astype(bool)]
    assert len(withheld)
    html = profile_html(at)
    for row in withheld.itertuples():
        cells = row_named(html, catalogue.loc[row.indicator, "short_name"])
        assert cells[1]["text"] == disclosure.SUPPRESSED and "interval" not in cells[1]["title"]


# --- COVID-19 and data pages ------------------------------------------------------------------


def test_covid_page_period_comparison_counts_are_the_engines(con):
    at = open_page("covid", area=CHARNWOOD)
    at.selectbox(key="covid_indicator").set_value("policeuk_burglary").run()
    assert_healthy(at)
    first = engine.range_total(con, start=date(2020, 3, 1), end=date(2020, 5, 1), indicator="policeuk_burglary", area=CHARNWOOD)
    second = engine.range_total(con, start=date(2021, 3, 1), end=date(2021, 5, 1), indicator="policeuk_burglary", area=CHARNWOOD)
    assert metric(at, "Mar-May 2020").value == formatting.format_count(first.numerator.iloc[0], "crimes")
    assert metric(at, "Mar-May 2021").value == formatting.format_count(second.numerator.iloc[0], "crimes")
    force = next(t.value for t in at.table if "2019" in t.value.columns)
    assert len(force) >= 20


def test_covid_table_download_computes_the_change_from_the_counts(con, downloads):
    open_page("covid")
    body = csv_body(served(downloads["Download this table (CSV)"]))
    row = body[body.measure == "999 calls"].iloc[0]
    assert float(row.change_pct) == pytest.approx((int(row.count_2020) - int(row.count_2019)) / int(row.count_2019) * 100)


def test_data_page_catalogue_full_extract_and_disclosure_rule(con, downloads):
    at = open_page("data", area=BLABY)
    assert len(at.dataframe[0].value) == len(engine.indicators(con))
    extract = csv_body(served(downloads["Download the full extract (CSV)"]))
    assert len(extract) == con.execute("SELECT count(*) FROM observations").fetchone()[0]
    view = csv_body(served(downloads["Download these figures (CSV)"])).set_index("indicator")
    row = engine_row(con, indicator="all_crime", area=BLABY, period=default_period(con, BLABY))
    assert float(view.loc["all_crime", "current_value"]) == pytest.approx(float(row["current_value"]))
    assert any("running total is rounded down to a multiple of 5" in m.value for m in at.markdown)


# --- Every page, every area, hostile links, nothing that writes -------------------------------


# The theme pages share one renderer (pages/theme_page.py), so they go through one area of each kind. The pages
# that draw every area their own way go through every area of the force (its CSPs, county, force area and no-location
# bucket) and one area of each kind and shape of data among the rest: the other forces' districts all hold the same
# police.uk months of the same crime types, so one of them draws what each of them would.
EVERY_AREA_PAGES = ("overview", "policeuk", "covid", "data")


def areas_for(con, page: str) -> list[str]:
    held = pagedata.areas(con)
    if page not in EVERY_AREA_PAGES:
        return list(held.drop_duplicates(["type", "role"]).code)
    shapes = con.execute("""
        SELECT area_code AS code, string_agg(DISTINCT indicator_id, ',' ORDER BY indicator_id) AS indicators,
               min(period) AS first_period, max(period) AS last_period, count(*) AS rows
        FROM observations GROUP BY area_code
    """).df()
    held = held.merge(shapes, on="code", how="left")
    local = held.role == "local"
    others = held[~local].astype(str).drop_duplicates(["type", "role", "indicators", "first_period", "last_period", "rows"])
    return list(held[local].code) + list(others.code)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_for_every_area(con, page):
    at = open_page(page)
    for code in areas_for(con, page):
        at.selectbox(key="area").set_value(code).run()
        assert_healthy(at)
        assert at.selectbox(key="area").value == code
    assert not at.text_area and not at.text_input and not at.get("file_uploader"), "a page offers a control that writes"


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_on_a_database_with_a_few_months(fixture_app_env, fixture_db_path, monkeypatch, page):
    """The tiny fixture (a handful of months) has no 2019-2020 COVID runs and gaps: pages still draw."""
    monkeypatch.setattr(app_test, "PagesManager", NavigationPagesManager)
    with connect(fixture_db_path, read_only=True) as fixture:
        codes = list(pagedata.areas(fixture).code)
    at = open_page(page)
    for code in codes:
        at.selectbox(key="area").set_value(code).run()
        assert_healthy(at)
