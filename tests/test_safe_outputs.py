"""Safe outputs: CSV that Excel cannot run, nothing withheld leaks in public mode, hostile links give a
message or the default view, and no page offers a control that writes unless writing is switched on."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import lscsb_data as L
from tests.cli_support import run_cli
from tests.html_tables import table_rows
from lscsb_data.presentation import charts, downloads, pagedata
from lscsb_data.figures import disclosure, export
from tests.apptest_support import PAGES as FRAME_PAGES, go

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PERIOD = date(2021, 3, 1)
COUNTY, RUTLAND = "E10000018", "E06000017"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# every page the frame navigates to by default (a theme added to data/themes.csv is tested here too;
# the upload page is offered only with LSCSB_ALLOW_UPLOAD=1)
PAGES = list(FRAME_PAGES)
HOSTILE = [
    "' OR 1=1; DROP TABLE observations; --",
    "E07000129'; DELETE FROM areas WHERE '1'='1",
    "<script>alert(document.cookie)</script>",
    '"><img src=x onerror=alert(1)>',
    "=HYPERLINK(\"http://example.invalid\",\"x\")",
    "E99999999",
    "2021-13",
    "../../etc/passwd",
    "\u202e\u0000\ufeffnull",
    "A" * 5000,
    "1 OR 1=1",
    "=cmd|' /C calc'!A0",
    "E07000129'; DROP TABLE observations; --",
]
HOSTILE_IDS = ["sql-or", "sql-delete", "script", "attribute", "formula", "unknown-code", "bad-month", "path", "control",
               "5000-chars", "sql-bare-or", "dde", "sql-drop"]
FAILURE_TEXT = "could not be shown because of an unexpected problem"


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_excel_safe(text: str) -> None:
    """No cell Excel would run: a cell starting like a formula must be a plain number (e.g. -1.5)."""
    risky = [cell for cell in csv_cells(text) if cell.startswith(FORMULA_STARTS) and not is_number(cell)]
    assert not risky, f"cells Excel would run as formulas: {risky[:5]}"


# --- CSV injection -----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", FORMULA_STARTS)
def test_safe_cell_neutralises_every_formula_start(prefix):
    payload = f"{prefix}cmd|' /C calc'!A0"
    assert export.safe_cell(payload) == "'" + payload
    assert_excel_safe(export.to_csv_text(pd.DataFrame({"text": [payload], "n": [1]})))


@pytest.mark.parametrize("number", [0, 7, -3, 2.5, -0.25, 1e6])
def test_numbers_stay_numbers(number):
    assert export.safe_cell(number) == number
    cell = csv_cells(export.to_csv_text(pd.DataFrame({"n": [number]})))[1]
    assert float(cell) == number and not cell.startswith("'")


def hostile_summary(con) -> pd.DataFrame:
    """The engine's summary with formula payloads in every text column a download copies through."""
    frame = L.summary(con, period=PERIOD, area=RUTLAND).head(3).copy()
    for column, payload in zip(("area_name", "data_source", "indicator"), ("=1+2", "@SUM(A1)", "-2+3")):
        frame[column] = payload
    return frame


def test_every_csv_download_neutralises_formulas(demo_con):
    summary = hostile_summary(demo_con)
    series = L.series(demo_con, indicator="all_crime", area=RUTLAND).tail(3).assign(data_source="+cmd", indicator="=x")
    made = {
        "summary": downloads.summary_csv(summary, what="=what", area="+area", period="-period", generated_at=datetime.now()),
        "series": downloads.series_csv(series, what="=what", area="@area", period="\tperiod", generated_at=datetime.now()),
        "full extract": downloads.full_extract_csv(demo_con),
        "covid": export.to_csv_text(pagedata.covid_comparison(demo_con).assign(measure="=measure")),
    }
    for name, text in made.items():
        assert_excel_safe(text), name
    assert "'=1+2" in made["summary"] and "'+cmd" in made["series"]


def test_the_full_extracts_numbers_are_numbers(demo_con):
    table = [row for row in csv.reader(io.StringIO(downloads.full_extract_csv(demo_con))) if not row[0].startswith("# ")]
    numerators = [row[table[0].index("numerator")] for row in table[1:200]]
    assert all(cell.lstrip("-").isdigit() for cell in numerators)


# --- public mode: nothing withheld leaks -------------------------------------------------------------


@pytest.fixture(scope="module")
def public_summary(demo_db_path) -> pd.DataFrame:
    with L.connect(demo_db_path, read_only=True) as con:
        frame = L.summary(con, period=PERIOD, public=True)
    flags = frame.current_suppressed.astype(bool) | frame.current_count_suppressed.astype(bool)
    assert flags.sum() >= 10, "the demo data should give public mode something to withhold"
    return frame


def withheld_cells(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(indicator, area, column) for every cell the engine withheld in a summary."""
    cells = []
    for flag, columns in {"current_count_suppressed": ["current_numerator"], "current_suppressed": ["current_value"],
                          "previous_count_suppressed": ["previous_numerator"], "previous_suppressed": ["previous_value"]}.items():
        for row in frame[frame[flag].astype(bool)].itertuples():
            cells.extend((row.indicator, row.area_code, column) for column in columns)
    return cells


def assert_marked(table: pd.DataFrame, cells: list[tuple[str, str, str]]) -> None:
    keyed = table.set_index(["indicator", "area_code"])
    shown = {cell: keyed.loc[(cell[0], cell[1]), cell[2]] for cell in cells if (cell[0], cell[1]) in keyed.index}
    assert shown, "none of the withheld cells is in the output"
    leaked = {cell: value for cell, value in shown.items() if value != disclosure.SUPPRESSED}
    assert not leaked, f"withheld figures shown: {dict(list(leaked.items())[:5])}"


def test_summary_cli_in_public_mode_marks_every_withheld_cell(demo_db_path, public_summary):
    result = run_cli("summary", "--db", demo_db_path, "--period", "2021-03", env={"LSCSB_PUBLIC": "1"})
    assert result.returncode == 0, result.stderr
    assert_marked(pd.read_csv(io.StringIO(result.stdout), dtype=str), withheld_cells(public_summary))


def test_export_cli_refuses_in_public_mode(demo_db_path):
    """The tidy export writes stored counts as they are, so a public deployment must not offer it."""
    result = run_cli("export", "--db", demo_db_path, env={"LSCSB_PUBLIC": "1"})
    assert result.returncode == 2 and not result.stdout
    assert "LSCSB_PUBLIC" in result.stderr


def test_csv_downloads_in_public_mode_mark_every_withheld_cell(demo_con, public_summary):
    text = downloads.summary_csv(public_summary, what="x", area="y", period="z", generated_at=datetime.now(), public=True)
    rows = [row for row in csv.reader(io.StringIO(text)) if not row[0].startswith("# ")]
    assert_marked(pd.DataFrame(rows[1:], columns=rows[0]), withheld_cells(public_summary))
    # the full extract in public mode writes the engine's public series through the same marking (mark_series)
    hate = public_summary[public_summary.current_count_suppressed.astype(bool)].iloc[0]
    series = L.series(demo_con, indicator=hate.indicator, public=True)
    withheld = series[series.count_suppressed.astype(bool)]
    assert len(withheld)
    text = downloads.series_csv(series, what="x", area="y", period="z", generated_at=datetime.now(), public=True)
    rows = [row for row in csv.reader(io.StringIO(text)) if not row[0].startswith("# ")]
    keyed = pd.DataFrame(rows[1:], columns=rows[0]).set_index(["indicator", "area_code", "period"])
    for row in withheld.itertuples():
        assert keyed.loc[(row.indicator, row.area_code, f"{row.period:%Y-%m}"), "numerator"] == disclosure.SUPPRESSED


def test_chart_data_in_public_mode_holds_no_withheld_value(demo_con, public_summary):
    """The PNG is drawn from the chart's data: a withheld month must have no value in it."""
    with_gaps = public_summary[public_summary.current_suppressed.astype(bool)].iloc[0]
    cat = L.indicators(demo_con).set_index("id")
    meta = {**cat.loc[with_gaps.indicator].to_dict(), "id": with_gaps.indicator}
    series = L.series(demo_con, indicator=with_gaps.indicator, area=with_gaps.area_code, public=True)
    assert series.suppressed.astype(bool).any()
    detail = pagedata.indicator_detail(demo_con, indicator=with_gaps.indicator, area=with_gaps.area_code, period=PERIOD,
                                       comparison="rolling12", public=True)
    spec = charts.trend_chart(detail.trend, indicator=meta, area_name=detail.area_name,
                              annotations=detail.annotations).to_dict()
    raw = L.series(demo_con, indicator=with_gaps.indicator, area=with_gaps.area_code, public=False)
    secret = raw[series.suppressed.astype(bool).to_numpy()]
    values = json.dumps(spec["datasets"])
    hidden = {f"{v:.6g}" for v in secret.value.dropna() if v != 0}
    plotted = {f"{float(r.get(k)):.6g}" for rows in spec["datasets"].values() for r in rows for k in ("value", "rolling_value")
               if isinstance(r.get(k), (int, float))}
    assert not hidden & plotted, f"withheld values drawn: {sorted(hidden & plotted)[:5]}"
    assert disclosure.SUPPRESSED in values


# --- pages (AppTest over the whole frame) --------------------------------------------------------------


@pytest.fixture()
def demo_app(demo_db_path, monkeypatch):
    monkeypatch.setenv("LSCSB_DB", str(demo_db_path))
    for flag in ("LSCSB_PUBLIC", "LSCSB_ALLOW_UPLOAD", "LSCSB_ALLOW_EDIT"):
        monkeypatch.delenv(flag, raising=False)
    return monkeypatch


def run_page(page: str, **params: str) -> AppTest:
    """The frame (app.py) opened at ``page`` with ``params`` in the URL, as a link opens it."""
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    go(at, page)
    return at.run()


def assert_page_ok(at: AppTest, page: str) -> None:
    assert not at.exception, f"{page}: {at.exception}"
    errors = [e.value for e in at.error]
    assert not any(FAILURE_TEXT in e for e in errors), f"{page}: {errors}"
    assert at.title, f"{page} drew no title"


@pytest.mark.apptest
def test_cards_and_tables_in_public_mode_mark_withheld_figures(demo_app, demo_db_path, public_summary):
    demo_app.setenv("LSCSB_PUBLIC", "1")
    withheld = public_summary[(public_summary.area_code == RUTLAND) & public_summary.current_suppressed.astype(bool)]
    assert len(withheld)
    at = run_page("overview", area=RUTLAND, period="2021-03")
    assert_page_ok(at, "overview")
    with L.connect(demo_db_path, read_only=True) as con:
        short = L.indicators(con).set_index("id").short_name
    values = {}
    for element in at.html:
        for row in table_rows(element.value):
            if len(row) > 2:
                values.setdefault(row[0]["text"], []).append(row[1]["text"])
    for indicator in withheld.indicator:
        assert values.get(short[indicator]) == [disclosure.SUPPRESSED], (indicator, values.get(short[indicator]))
    at = run_page("hate", area=RUTLAND, period="2021-03", indicator=withheld.indicator.iloc[-1])
    assert_page_ok(at, "hate")
    cells = pd.concat([t.value.reset_index() for t in at.table]).astype(str)
    assert (cells == disclosure.SUPPRESSED).any().any()


@pytest.mark.apptest
@pytest.mark.parametrize("page", PAGES)
def test_hostile_links_give_a_message_or_the_default_view(demo_app, demo_db_path, page):
    default = run_page(page)
    assert_page_ok(default, page)
    default_view = (default.title[0].value, dict(default.query_params))
    assert default.query_params["area"] == COUNTY
    before = demo_db_path.read_bytes()
    for name, text in zip(HOSTILE_IDS, HOSTILE):
        at = run_page(page, **dict.fromkeys(("area", "period", "comparison", "indicator", "present"), text))
        assert_page_ok(at, f"{page} with {name}")
        warnings = "\n".join(w.value for w in at.warning)
        for key in ("area", "period", "comparison", "indicator", "present"):
            assert f"The link's {key} '" in warnings, f"{page} with {name}: no message about {key}"
        assert "is not an area this dashboard holds" in warnings, f"{page} with {name}"
        assert "<" not in warnings and len(warnings) < 3000, f"{page} quotes the hostile text back: {warnings[:200]}"
        assert (at.title[0].value, dict(at.query_params)) == default_view, f"{page} with {name} is not the default view"
        assert at.selectbox(key="area").value == COUNTY, f"{page} with {name}: the sidebar is not on the default area"
    # nothing in a link reaches the database except as a checked value: it is byte for byte as it was
    assert demo_db_path.read_bytes() == before


def test_a_carriage_return_inside_a_cell_does_not_split_the_row():
    text = export.to_csv_text(pd.DataFrame({"text": ["a\rb", "\r=1+1"], "n": [1, 2]}))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["text", "n"], ["a\rb", "1"], ["'\r=1+1", "2"]]
