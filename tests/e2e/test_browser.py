"""The dashboard in real headless chromium against the app served on loopback (one server, one browser).

Each test is one user, a new session of the app in the session's tab (tests/e2e/conftest.py): choose a district
and read a card; switch pages; reload and share a link (and open it in another user's browser); download a CSV;
present. Figures are compared with the engine (and the command line), formatted as the page formats them. Every page
opening and drawing its own content is checked with its accessibility audit (test_accessibility.py), and the arrow
keys in presentation mode in test_presentation.py.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

import lscsb_data as L
from lscsb_data.presentation import formatting
from lscsb_data.figures import periods
from tests.cli_support import run_cli
from tests.e2e.browser import assert_no_failure, screenshot, settle

CHARNWOOD, NWL = "E07000130", "E07000134"


def url_params(page) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}


def path_of(page) -> str:
    return urlsplit(page.url).path.strip("/")


def wait_for_params(page, **wanted: str) -> None:
    """Wait until the URL holds ``wanted`` (the app rewrites it at the end of the run a change starts), then settle."""
    page.wait_for_url(lambda url: all(parse_qs(urlsplit(url).query).get(k, [None])[0] == v for k, v in wanted.items()))
    settle(page)


def open_view(page, base: str, path: str = "", query: str = "", *, content: str = '[data-testid="stMain"] h1') -> None:
    page.goto(f"{base}/{path}{'?' + query if query else ''}")
    settle(page, content=content)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the sidebar select box labelled ``label`` as a user does: click, type, click the option."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
    page.wait_for_function("() => !document.querySelector('[role=listbox]')")
    settle(page)


def card_value(page, label: str) -> str:
    """The value the Overview's profile shows for the indicator whose row is named exactly ``label``."""
    row = page.locator("table.lscsb-profile tr").filter(
        has=page.locator("th", has_text=re.compile(f"^{re.escape(label)}")))
    assert row.count() >= 1, f"no profile row named {label!r}"
    return row.first.locator("td.num").first.inner_text().strip()


def engine_row(db_path, *, indicator: str, area: str, period: date, comparison: str = "rolling12") -> pd.Series:
    with L.connect(db_path, read_only=True) as con:
        frame = L.summary(con, period=period, indicator=indicator, area=area, comparison=comparison)
        meta = L.indicators(con).set_index("id").loc[indicator]
    assert len(frame) == 1
    return pd.concat([frame.iloc[0], meta.drop(labels=[c for c in meta.index if c in frame.columns])])


def cli_summary(db_path, *, indicator: str, area: str, period: date) -> dict[str, str]:
    """The row ``python -m lscsb_data summary --format csv`` prints for one indicator and area."""
    result = run_cli("summary", "--db", db_path, "--period", f"{period:%Y-%m}", "--indicator", indicator, "--area", area,
                     "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1, result.stdout
    return rows[0]


def test_a_chosen_districts_card_shows_the_engines_figure(page, app_url, demo_db_path):
    open_view(page, app_url, content="table.lscsb-profile")
    choose(page, "Area", "Charnwood")
    wait_for_params(page, area=CHARNWOOD)
    params = url_params(page)
    assert params["area"] == CHARNWOOD
    period = periods.parse_month(params["period"])
    engine = engine_row(demo_db_path, indicator="all_crime", area=CHARNWOOD, period=period)
    printed = cli_summary(demo_db_path, indicator="all_crime", area=CHARNWOOD, period=period)
    assert float(printed["current_value"]) == pytest.approx(float(engine.current_value), rel=1e-12)
    expected = formatting.format_value(float(printed["current_value"]), engine, short=True)
    assert card_value(page, engine["short_name"]) == expected
    screenshot(page, "district-charnwood-overview", full_page=False)


def test_filters_and_url_survive_a_page_switch(page, app_url):
    open_view(page, app_url, content="table.lscsb-profile")
    choose(page, "Area", "North West Leicestershire")
    wait_for_params(page, area=NWL)
    page.get_by_text("Latest quarter against the same quarter a year earlier").click()
    wait_for_params(page, comparison="quarter")
    before = url_params(page)
    assert before["area"] == NWL and before["comparison"] == "quarter"
    page.locator('.st-key-page_menu a', has_text="Crime").click()
    settle(page, content='[data-testid="stMain"] .vega-embed')
    assert path_of(page) == "crime"
    wait_for_params(page, area=NWL, comparison="quarter")
    after = url_params(page)
    assert {k: after.get(k) for k in ("area", "comparison")} == {"area": NWL, "comparison": "quarter"}
    assert page.get_by_role("combobox", name="Area").input_value().startswith("North West Leicestershire")
    assert "North West Leicestershire" in page.locator('[data-testid="stMain"] h2').first.inner_text()
    assert_no_failure(page)


def test_a_shared_link_opens_the_same_view_and_survives_a_reload(page, app_url, chromium):
    query = f"area={CHARNWOOD}&period=2021-06&comparison=quarter&indicator=residential_burglary"
    open_view(page, app_url, "crime", query, content='[data-testid="stMain"] .vega-embed')

    def seen(view) -> tuple:
        main = view.locator('[data-testid="stMain"]')
        return (main.locator("h2").first.inner_text(), main.locator('[data-testid="stMetricValue"]').first.inner_text(),
                {k: v for k, v in url_params(view).items()})

    first = seen(page)
    assert first[0].startswith("Residential burglary") and "Charnwood" in first[0]
    assert first[2] == {"area": CHARNWOOD, "period": "2021-06", "comparison": "quarter", "indicator": "residential_burglary"}
    page.reload()
    settle(page, content='[data-testid="stMain"] .vega-embed')
    assert seen(page) == first
    other = chromium.new_context()
    try:
        colleague = other.new_page()
        open_view(colleague, app_url, "crime", query, content='[data-testid="stMain"] .vega-embed')
        assert seen(colleague) == first
    finally:
        other.close()


def read_download(page, button_text: str) -> str:
    with page.expect_download() as caught:
        page.get_by_role("button", name=button_text).first.click()
    return open(caught.value.path(), encoding="utf-8").read()


def test_the_downloaded_csv_holds_the_engines_figures(page, app_url, demo_db_path):
    open_view(page, app_url, "data", f"area={NWL}&period=2021-03", content='[data-testid="stDataFrame"]')
    text = read_download(page, "Download these figures (CSV)")
    rows = list(csv.reader(io.StringIO(text)))
    header = [row[0] for row in rows if row and row[0].startswith("# ")]
    assert any("North West Leicestershire" in line for line in header), header
    body = [row for row in rows if row and not row[0].startswith("# ")]
    table = pd.DataFrame(body[1:], columns=body[0])
    with L.connect(demo_db_path, read_only=True) as con:
        engine = L.summary(con, period=date(2021, 3, 1), area=NWL)
    assert set(table.area_code) == {NWL}
    merged = engine.merge(table, on=["indicator", "area_code"], suffixes=("", "_csv"))
    assert len(merged) == len(engine) == len(table)
    for column in ("current_numerator", "current_value", "previous_value", "change"):
        pd.testing.assert_series_equal(pd.to_numeric(merged[f"{column}_csv"]).astype(float),
                                       pd.to_numeric(merged[column]).astype(float), check_names=False, rtol=1e-9)


def test_presentation_mode_toggles_from_the_sidebar_and_next_shows_the_next_theme(page, app_url):
    open_view(page, app_url, content="table.lscsb-profile")
    page.get_by_text("Presentation mode").click()
    wait_for_params(page, present="1")
    assert url_params(page).get("present") == "1"
    assert page.get_by_text(re.compile(r"theme 1 of \d+$")).is_visible()
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    page.get_by_role("button", name="Next").click()
    page.get_by_text(re.compile(r"theme 2 of \d+$")).wait_for(timeout=60_000)
    settle(page)
    screenshot(page, "present-overview", full_page=False)
