"""The narrative tools on the indicator detail (pages/_narrative.py) in AppTest, inside the real frame (app.py)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lscsb_data import narrative
from tests.fixture_db import make_fixture_db

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '<img src=x onerror=alert(1)> [link](javascript:alert(1)) **not bold** :red[not red]'


@pytest.fixture()
def app_env(tmp_path, monkeypatch):
    db_path = tmp_path / "f.duckdb"
    make_fixture_db(str(db_path)).close()
    monkeypatch.setenv("LSCSB_DB", str(db_path))
    monkeypatch.setenv(narrative.COMMENTARY_ENV_VAR, str(tmp_path / "commentary.csv"))
    monkeypatch.delenv(narrative.EDIT_ENV_VAR, raising=False)
    monkeypatch.delenv("LSCSB_PUBLIC", raising=False)
    return tmp_path


def open_detail(indicator="all_crime", area="D1", period="2020-03", page="pages/crime.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update({"area": area, "period": period, "indicator": indicator})
    at.switch_page(page)
    return at.run()


def chart_specs(at: AppTest) -> list[str]:
    return [element.proto.spec for element in at.get("vega_lite_chart")]


def test_detail_shows_the_control_chart_and_the_quarters_commentary_literally(app_env, monkeypatch):
    monkeypatch.setenv(narrative.EDIT_ENV_VAR, "1")
    narrative.add_comment(app_env / "commentary.csv", scope="indicator", subject="all_crime", area="D1",
                          quarter="2019-20-Q4", text=HOSTILE, author="A Analyst",
                          now=datetime(2020, 4, 14, 9, 30, tzinfo=timezone.utc))
    monkeypatch.delenv(narrative.EDIT_ENV_VAR)
    at = open_detail()
    assert not at.exception and not at.error
    assert any("Control chart: Overall crime, Alpha" in spec for spec in chart_specs(at))
    assert HOSTILE in [element.value for element in at.text]
    assert all("onerror" not in element.value for element in at.markdown)
    # Another quarter's detail has no commentary: it never shows the wrong quarter's.
    assert HOSTILE not in [element.value for element in open_detail(period="2019-12").text]


def test_pack_download_from_the_detail_for_its_area_and_quarter(app_env):
    at = open_detail()
    assert not at.get("download_button") or all("PowerPoint" not in b.proto.label for b in at.get("download_button"))
    at.button(key="prepare_pack_D1_2019-20-Q4").click().run()
    assert not at.exception
    labels = [element.proto.label for element in at.get("download_button")]
    assert "Download PowerPoint" in labels and "Download HTML (prints to PDF)" in labels
    names = [element.proto.url for element in at.get("download_button")]
    assert names  # the files are served; their content is tested in test_pack.py


def test_an_area_outside_the_force_is_offered_no_pack(app_env):
    at = open_detail(area="R1")
    assert not at.exception
    assert not any(str(getattr(b, "key", "")).startswith("prepare_pack") for b in at.button)
    assert any("Performance packs are made for the force's areas; Fixture Region" in c.value for c in at.caption)


def test_commentary_is_edited_from_the_detail_only_where_enabled(app_env, monkeypatch):
    at = open_detail()
    assert not at.text_area and not at.text_input
    monkeypatch.setenv(narrative.EDIT_ENV_VAR, "1")
    at = open_detail()
    at.text_area(key="text-detail-all_crime").input("Rise driven by <b>one</b> estate. **Really**")
    at.text_input(key="author-detail-all_crime").input("B Analyst")
    next(b for b in at.button if b.label == "Save commentary").click().run()
    assert not at.exception
    assert "Rise driven by <b>one</b> estate. **Really**" in [element.value for element in at.text]
    stored = narrative.comment_for(app_env / "commentary.csv", scope="indicator", subject="all_crime", area="D1",
                                   quarter="2019-20-Q4")
    assert stored["author"] == "B Analyst"


def test_public_mode_draws_no_control_chart_over_withheld_figures(app_env, monkeypatch):
    assert any("Control chart: Hate incidents, Alpha" in spec
               for spec in chart_specs(open_detail(indicator="hate_incidents", page="pages/hate.py")))
    monkeypatch.setenv("LSCSB_PUBLIC", "1")
    at = open_detail(indicator="hate_incidents", page="pages/hate.py")
    assert not at.exception
    assert not any("Control chart:" in spec for spec in chart_specs(at))
