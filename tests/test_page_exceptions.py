"""The Exceptions page in AppTest: real interactions against the fixture database."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lscsb_data.figures import narrative

pytestmark = pytest.mark.apptest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
HOSTILE = '<script>alert("x")</script> [click me](javascript:alert(1)) **bold?** :red[red] $x^2$'




def open_page(area="D1", period="2020-03") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["area"] = area
    at.query_params["period"] = period
    at.switch_page("pages/exceptions.py")
    return at.run()


def shown_markdown(at: AppTest) -> str:
    return "\n".join(element.value for element in at.markdown)


def test_lists_the_engines_exceptions_by_theme_and_filters_to_concerns(fixture_app_env):
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Exceptions: Alpha"
    assert [e.label for e in at.expander][:2] == ["Ongoing reductions in crime: 2 exceptions",
                                                  "Reducing offending and re-offending: 1 exception"]
    text = shown_markdown(at).replace("\\", "")
    assert "In Alpha, overall crime has increased significantly compared with the previous rolling 12 months" in text
    assert "business and community burglary" not in text
    assert "the percentage of young offenders in education" in text  # improving, shown until filtered out
    at.toggle(key="exceptions_concern_only").set_value(True).run()
    filtered = shown_markdown(at).replace("\\", "")
    assert "overall crime has increased significantly" in filtered
    assert "young offenders in education" not in filtered
    assert "Nothing of concern to report" in filtered


def test_another_area_shows_its_own_figures_and_nothing_exceptional_where_so(fixture_app_env):
    at = open_page(area="U1")
    assert at.title[0].value == "Exceptions: Gamma"
    assert "Nothing exceptional to report" in shown_markdown(at)


def test_no_control_writes_unless_editing_is_enabled(fixture_app_env):
    at = open_page()
    assert len(at.text_area) == 0 and len(at.text_input) == 0
    assert not any("Save" in button.label for button in at.button)


def test_saved_commentary_is_shown_literally_beside_its_exception(fixture_app_env, monkeypatch):
    monkeypatch.setenv(narrative.EDIT_ENV_VAR, "1")
    at = open_page()
    at.text_area(key="text-all_crime").input(HOSTILE)
    at.text_input(key="author-all_crime").input("A Analyst")
    save = next(b for b in at.button if b.label == "Save commentary" and "all_crime" in str(b.key))
    save.click().run()
    assert not at.exception
    assert HOSTILE in [element.value for element in at.text]
    assert all(HOSTILE not in element.value and "<script" not in element.value for element in at.markdown)
    stored = narrative.comment_for(fixture_app_env / "commentary.csv", scope="indicator", subject="all_crime", area="D1",
                                   quarter="2019-20-Q4")
    assert stored["text"] == HOSTILE and stored["author"] == "A Analyst"


def test_prepare_pack_offers_both_downloads(fixture_app_env):
    at = open_page()
    at.button(key="prepare_pack_D1_2019-20-Q4").click().run()
    assert not at.exception
    labels = [element.proto.label for element in at.get("download_button")]
    assert labels == ["Download PowerPoint", "Download HTML (prints to PDF)"]


def test_every_kind_of_area_from_the_sidebar_renders_and_only_the_forces_areas_offer_a_pack(fixture_app_env):
    at = open_page()
    for code in ["D2", "C1", "U1", "F1", "R1", "F1-UNALLOCATED"]:
        at.selectbox(key="area").set_value(code).run()
        assert not at.exception and not at.error, code
        offered = any(str(getattr(b, "key", "")).startswith("prepare_pack") for b in at.button)
        assert offered == (code in {"D2", "C1", "U1", "F1"}), code
    at.selectbox(key="area").set_value("C1").run()
    assert any("board report for Fixture County" in caption.value for caption in at.caption)


def test_the_table_comes_first_red_red_at_the_top_in_the_overviews_own_words(fixture_app_env):
    from tests.apptest_support import use_navigation
    from tests.html_tables import table_rows

    use_navigation()
    at = open_page()
    assert [s.value for s in at.subheader][:3] == ["Worse than Fixture County and worsening (red-red)", "What moved notably",
                                                   "The drafted report"]
    red_red, moved = at.html[0].value, at.html[1].value
    red_rows = [r for r in table_rows(red_red) if len(r) > 2]
    assert [r[1]["text"] for r in red_rows if r[0]["text"] == "red-red"] == ["MARAC repeats red-red"]
    moved_rows = {r[1]["text"]: r for r in table_rows(moved) if len(r) > 2 and r[0]["text"] != "Why listed"}
    assert moved_rows["Overall crime"][0]["text"].startswith("Of concern: significant change")
    overview = AppTest.from_file(APP, default_timeout=90)
    overview.query_params["area"], overview.query_params["period"] = "D1", "2020-03"
    overview.run()
    profile = {r[0]["text"]: r for r in table_rows(overview.html[0].value) if len(r) > 2}
    for name, row in moved_rows.items():
        # value, change and comparison: the same cells, word for word, as the Overview shows for the same figure
        assert [c["text"] for c in row[2:5]] == [c["text"] for c in profile[name][1:4]], name
