"""Public mode as a user meets it: the extract command, every page and the summary at early periods, commentary
that cannot be written, and source labels shown as typed (AppTest over the whole frame, and the command line)."""
from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest
from pptx import Presentation
from streamlit.testing.v1 import app_test

from lscsb_data import connect, loaders
from lscsb_data.figures import narrative
from lscsb_data.presentation import downloads, pack
from tests.apptest_support import PAGES, NavigationPagesManager, app, record_downloads
from tests.cli_support import run_cli

PROBLEM = "unexpected problem"
HOSTILE_SOURCE = "![t](http://host/pixel.png) [notice](http://host/x)"
EARLY = ["2014-04", "2015-05"]


@pytest.fixture()
def public_app(demo_db_path, tmp_path, monkeypatch):
    """The app over the demo database in public mode, with every download recorded by its label."""
    monkeypatch.setattr(app_test, "PagesManager", NavigationPagesManager)
    monkeypatch.setenv("LSCSB_DB", str(demo_db_path))
    monkeypatch.setenv(narrative.COMMENTARY_ENV_VAR, str(tmp_path / "commentary.csv"))
    monkeypatch.setenv("LSCSB_PUBLIC", "1")
    for name in ("LSCSB_ALLOW_UPLOAD", narrative.EDIT_ENV_VAR):
        monkeypatch.delenv(name, raising=False)
    return record_downloads(monkeypatch)


def healthy(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if PROBLEM in e.value]


def without_generated(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("# Generated:"))


@pytest.mark.apptest
def test_extract_command_writes_exactly_the_data_pages_public_extract(public_app, demo_db_path, tmp_path):
    at = app("data").run()
    healthy(at)
    data = public_app["Download the full extract (CSV)"]
    page = data() if callable(data) else data
    out = tmp_path / "extract.csv"
    written = run_cli("extract", "--db", demo_db_path, "--out", out, env={"LSCSB_PUBLIC": "1"})
    assert written.returncode == 0, written.stderr
    assert without_generated(out.read_text()) == without_generated(page)
    printed = run_cli("extract", "--db", demo_db_path, env={"LSCSB_PUBLIC": "1"})
    assert printed.returncode == 0, printed.stderr
    assert without_generated(printed.stdout) == without_generated(page)
    rows = [line for line in page.splitlines() if not line.startswith(("# ", '"# '))]
    body = pd.read_csv(io.StringIO("\n".join(rows)), dtype=str, keep_default_na=False)
    assert {"indicator", "area_code", "period", "numerator", "rolling_numerator", "value"} <= set(body.columns)
    assert "[c]" in set(body.numerator) and "Disclosure control" in page


def test_extract_command_in_partner_mode_writes_the_stored_figures(demo_con, demo_db_path):
    printed = run_cli("extract", "--db", demo_db_path, unset=("LSCSB_PUBLIC",))
    assert printed.returncode == 0, printed.stderr
    assert without_generated(printed.stdout) == without_generated(downloads.full_extract_csv(demo_con, public=False))


@pytest.mark.apptest
@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("period", EARLY)
def test_every_page_works_in_public_mode_at_early_periods(public_app, page, period):
    at = app(page, period=period, area="E06000017").run()
    healthy(at)
    assert at.title


def test_summary_command_works_in_public_mode(demo_db_path):
    """The command in public mode (the summary at every period in public mode: tests/test_attack_disclosure.py)."""
    result = run_cli("summary", "--db", demo_db_path, "--period", "2015-03", env={"LSCSB_PUBLIC": "1"})
    assert result.returncode == 0, result.stderr
    assert "[c]" in result.stdout


@pytest.mark.apptest
def test_commentary_cannot_be_written_in_public_mode(public_app, monkeypatch, tmp_path):
    monkeypatch.setenv(narrative.EDIT_ENV_VAR, "1")
    assert narrative.editing_enabled(public=False) and not narrative.editing_enabled(public=True)
    assert not narrative.editing_enabled()
    at = app("hate", area="E07000133", period="2021-03").run()
    healthy(at)
    assert not at.text_area and not [b for b in at.button if "save" in b.label.lower()]
    with pytest.raises(narrative.EditingDisabled, match="public"):
        narrative.add_comment(tmp_path / "c.csv", scope="theme", subject="hate", area="E07000133",
                              quarter="2020-21-Q4", text="x", author="y")
    result = run_cli("comment", "add", "--theme", "hate", "--area", "E07000133", "--quarter", "2020-21-Q4", "--text", "x",
                     "--author", "y")
    assert result.returncode == 2 and "public" in result.stderr
    assert not (tmp_path / "commentary.csv").exists()


@pytest.fixture()
def hostile_source(fixture_app_env, fixture_db_path, monkeypatch):
    """A copy of the fixture database with one more load whose source label is markdown with an image and a link."""
    database = fixture_app_env / "f.duckdb"
    shutil.copyfile(fixture_db_path, database)
    monkeypatch.setenv("LSCSB_DB", str(database))
    extra = fixture_app_env / "extra.csv"
    extra.write_text("indicator,area_code,period,numerator,denominator\nall_crime,D2,2020-03,31,\n")
    loaders.load_files(database, [extra], source_label=HOSTILE_SOURCE)
    return fixture_app_env


@pytest.mark.apptest
def test_a_source_label_is_shown_as_typed_in_the_sidebar_and_the_pack(hostile_source, monkeypatch):
    monkeypatch.setattr(app_test, "PagesManager", NavigationPagesManager)
    at = app("crime", area="D2", period="2020-03", indicator="all_crime").run()
    healthy(at)
    captions = [c.value for c in at.sidebar.caption]
    shown = [c for c in captions if "pixel" in c]
    assert shown, captions
    for markdown in shown + [m.value for m in at.markdown if "pixel" in m.value] + [c.value for c in at.caption if "pixel" in c.value]:
        # every mark escaped, so the browser shows the text and fetches no image
        assert "![" not in markdown and "](" not in markdown, markdown
        assert HOSTILE_SOURCE in markdown.replace("\\", "")
    with connect(hostile_source / "f.duckdb", read_only=True) as con:
        built = pack.assemble(con, area="D2", quarter="2019-20-Q4")
        extract = downloads.full_extract_csv(con)
    deck = Presentation(io.BytesIO(pack.pptx_bytes(built)))
    text = "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)
    assert HOSTILE_SOURCE in text
    html = pack.html_text(built)
    assert "http://host/pixel.png" in html and "<img" not in html.split("http://host/pixel.png")[0][-200:]
    assert 'src="http://host' not in html and "href=\"http://host" not in html
    assert HOSTILE_SOURCE in extract
