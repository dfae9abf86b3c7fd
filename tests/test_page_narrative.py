"""The indicator detail's narrative panel (pages/narrative_panel.py) in AppTest, inside the real frame (app.py)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lscsb_data.figures import narrative
from tests.apptest_support import go

pytestmark = pytest.mark.apptest

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '<img src=x onerror=alert(1)> [link](javascript:alert(1)) **not bold** :red[not red]'




def open_detail(indicator="all_crime", area="D1", period="2020-03") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update({"area": area, "period": period, "indicator": indicator})
    go(at, "crime")
    return at.run()


def chart_specs(at: AppTest) -> list[str]:
    return [element.proto.spec for element in at.get("vega_lite_chart")]


def add_comment(path, text, *, subject="all_crime", area="D1", quarter="2019-20-Q4", monkeypatch):
    monkeypatch.setenv(narrative.EDIT_ENV_VAR, "1")
    narrative.add_comment(path, scope="indicator", subject=subject, area=area, quarter=quarter, text=text,
                          author="A Analyst", now=datetime(2020, 4, 14, 9, 30, tzinfo=timezone.utc))
    monkeypatch.delenv(narrative.EDIT_ENV_VAR)


def test_detail_shows_the_control_chart_beside_the_trend_and_the_commentary_literally(fixture_app_env, monkeypatch):
    add_comment(fixture_app_env / "commentary.csv", HOSTILE, monkeypatch=monkeypatch)
    at = open_detail()
    assert not at.exception and not at.error
    specs = chart_specs(at)
    assert any("Is the latest period unusual? Overall crime, Alpha" in spec for spec in specs)
    assert any('"upper"' in spec and '"centre"' in spec for spec in specs)
    spc_caption = next(caption for caption in at.caption if "24 periods to Mar 2020" in caption.value)
    assert "u-chart" not in spc_caption.value and "u-chart" in spc_caption.proto.help
    assert HOSTILE in [element.value for element in at.text]
    assert any("A Analyst, 14 Apr 2020 09:30 UTC" in caption.value.replace("\\", "") for caption in at.caption)
    assert all("onerror" not in element.value for element in at.markdown)
    # The detail for another quarter has no commentary: it says so rather than show the wrong quarter's.
    assert HOSTILE not in [element.value for element in open_detail(period="2019-12").text]


def test_each_indicator_gets_its_own_control_chart_or_says_why_there_is_none(fixture_app_env):
    specs = chart_specs(open_detail(indicator="business_burglary"))
    assert any("Is the latest period unusual? Business burglary, Alpha" in spec for spec in specs)
    assert not any("Is the latest period unusual? Overall crime" in spec for spec in specs)
    at = open_detail(indicator="vehicle_offences")
    assert not any("Is the latest period unusual?" in spec for spec in chart_specs(at))
    assert ("No control chart for Vehicle offences in Alpha: it has 0 whole periods and a control chart needs at "
            "least 12.") in [info.value for info in at.info]


def test_pack_download_from_the_detail(fixture_app_env):
    at = open_detail()
    at.button(key="prepare_pack_D1_2019-20-Q4").click().run()
    assert not at.exception
    labels = [element.proto.label for element in at.get("download_button")]
    assert "Download PowerPoint" in labels and "Download HTML (prints to PDF)" in labels


def test_editing_from_the_detail_only_when_enabled(fixture_app_env, monkeypatch):
    at = open_detail()
    assert not any(getattr(area, "key", "") == "text-detail-all_crime" for area in at.text_area)
    monkeypatch.setenv(narrative.EDIT_ENV_VAR, "1")
    at = open_detail()
    at.text_area(key="text-detail-all_crime").input("Rise driven by <b>one</b> estate.")
    at.text_input(key="author-detail-all_crime").input("B Analyst")
    next(b for b in at.button if b.label == "Save commentary").click().run()
    assert not at.exception
    assert "Rise driven by <b>one</b> estate." in [element.value for element in at.text]


def test_public_mode_draws_no_control_chart_over_withheld_figures(fixture_app_env, monkeypatch):
    at = open_detail(indicator="hate_incidents")
    go(at, "hate").run()
    assert any("Is the latest period unusual? Hate incidents, Alpha" in spec for spec in chart_specs(at))
    monkeypatch.setenv("LSCSB_PUBLIC", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update({"area": "D1", "period": "2020-03", "indicator": "hate_incidents"})
    go(at, "hate").run()
    assert not at.exception
    assert not any("Is the latest period unusual?" in spec for spec in chart_specs(at))
    assert any(info.value.startswith("No control chart for Hate incidents in Alpha: some of its figures are withheld")
               for info in at.info)


def test_the_authors_name_is_shown_as_typed_too(fixture_app_env, monkeypatch):
    monkeypatch.setenv(narrative.EDIT_ENV_VAR, "1")
    narrative.add_comment(fixture_app_env / "commentary.csv", scope="indicator", subject="all_crime", area="D1",
                          quarter="2019-20-Q4", text="Steady.", author="**A** [Analyst](javascript:x)",
                          now=datetime(2020, 4, 14, 9, 30, tzinfo=timezone.utc))
    monkeypatch.delenv(narrative.EDIT_ENV_VAR)
    at = open_detail()
    signature = next(c.value for c in at.caption if c.value.startswith("Commentary, "))
    assert signature.replace("\\", "") == "Commentary, **A** [Analyst](javascript:x), 14 Apr 2020 09:30 UTC"
    assert "**A**" not in signature and "](javascript" not in signature  # every mark escaped, so shown as typed


def test_an_area_outside_the_force_is_offered_no_pack(fixture_app_env):
    at = open_detail(area="R1")
    assert not at.exception
    assert not any(str(getattr(b, "key", "")).startswith("prepare_pack") for b in at.button)
    assert any("Performance packs are made for the force's areas; Fixture Region" in c.value for c in at.caption)
