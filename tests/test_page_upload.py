"""The Upload page (only with LSCSB_ALLOW_UPLOAD=1), the Data page's quality section, and that with
uploads off no page offers a control that writes."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import go
from tests.loading_support import POLICEUK_MONTHS, base_db_path, db_path  # noqa: F401 (fixtures)

pytestmark = pytest.mark.apptest

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "upload.py")
GOOD = Path(__file__).parent / "good_files" / "tidy_utf8_bom.csv"
BAD = Path(__file__).parent / "bad_files" / "negative_count.csv"
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("[a-z]*.py"))
# why: words a control that changes stored data would carry
WRITING_WORDS = ("load", "upload", "save", "delete", "import", "replace", "edit")


@pytest.fixture()
def upload_env(db_path, monkeypatch):
    monkeypatch.setenv("LSCSB_DB", str(db_path))
    monkeypatch.setenv("LSCSB_ALLOW_UPLOAD", "1")
    monkeypatch.delenv("LSCSB_PUBLIC", raising=False)
    return db_path


def open_upload() -> AppTest:
    """The frame (app.py) opened at the upload page, as a link to /upload opens it."""
    return go(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), "upload")


def _stored(db_path, sql: str) -> list[tuple]:
    """``sql``'s rows from the file as it now is, read by another process: in this one the frame holds the file it
    opened before the load replaced it, and DuckDB hands that back for the same path."""
    script = "import duckdb, sys; print(repr(duckdb.connect(sys.argv[1], read_only=True).execute(sys.argv[2]).fetchall()))"
    result = subprocess.run([sys.executable, "-c", script, str(db_path), sql], capture_output=True, text=True, check=True)
    return ast.literal_eval(result.stdout.strip())


def _loads(db_path) -> int:
    return _stored(db_path, "SELECT count(*) FROM loads")[0][0]


def test_upload_shows_the_dry_run_then_loads_on_confirmation(upload_env):
    before = upload_env.read_bytes()
    at = open_upload().run()
    assert not at.exception
    assert not at.button
    at.file_uploader(key="upload_files").upload(GOOD.name, GOOD.read_bytes(), "text/csv")
    at.text_input(key="upload_source").set_value("MARAC extract").run()
    assert "tidy_utf8_bom.csv (tidy observations): 2 rows read, 2 figures loaded" in at.code[0].value
    assert upload_env.read_bytes() == before
    at.button(key="upload_confirm").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Loaded: tidy_utf8_bom.csv (load 1)")
    assert _stored(upload_env, "SELECT file_name, source_label, rows_loaded FROM loads") == [
        ("tidy_utf8_bom.csv", "MARAC extract", 2)]


def test_a_bad_upload_lists_its_problems_and_offers_no_load(upload_env):
    before = upload_env.read_bytes()
    at = open_upload().run()
    at.file_uploader(key="upload_files").upload(BAD.name, BAD.read_bytes(), "text/csv").run()
    assert not at.exception
    assert at.error[0].value.startswith("Nothing can be loaded: 1 problem found")
    problems = at.dataframe[0].value
    assert problems.iloc[0].tolist() == ["negative_count.csv", 2, "numerator", "-4",
                                         "is negative: expected a whole number of 0 or more"]
    assert not at.button
    assert upload_env.read_bytes() == before


def test_a_police_uk_month_loaded_twice_is_recognised(upload_env):
    month = POLICEUK_MONTHS[0]
    at = open_upload().run()
    at.file_uploader(key="upload_files").upload(month.name, month.read_bytes(), "text/csv").run()
    at.button(key="upload_confirm").click().run()
    assert _loads(upload_env) == 1
    again = open_upload().run()
    again.file_uploader(key="upload_files").upload(month.name, month.read_bytes(), "text/csv").run()
    assert "identical to load 1" in again.code[0].value
    assert again.info[0].value.startswith("The database already holds exactly these figures")
    assert not again.button


def test_with_uploads_on_the_frame_lists_the_upload_page(upload_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    assert at.title[0].value == "Upload data"
    assert at.file_uploader(key="upload_files").accept_multiple_files


def test_the_page_refuses_in_public_mode_even_with_the_switch_on(db_path, monkeypatch):
    monkeypatch.setenv("LSCSB_DB", str(db_path))
    monkeypatch.setenv("LSCSB_ALLOW_UPLOAD", "1")
    monkeypatch.setenv("LSCSB_PUBLIC", "1")
    at = open_upload().run()
    # a public viewer is never offered the page: the link opens the Overview, which on this database (no figures yet,
    # where the upload page alone runs) says there is nothing to show, with nothing that loads
    assert not at.exception and "Upload data" not in [t.value for t in at.title]
    assert [i.value for i in at.info] == ["The database holds no figures yet: load some with "
                                          "`python -m lscsb_data load FILE` or `make build`."]
    assert not at.file_uploader and not [b for b in at.button if "load" in b.label.lower()]


def test_the_upload_file_run_on_its_own_with_uploads_off_runs_the_frame_not_the_upload(db_path, monkeypatch):
    # a just-started server runs the file a link names on its own; its first line runs the frame, which has no upload page
    monkeypatch.setenv("LSCSB_DB", str(db_path))
    for name in ("LSCSB_ALLOW_UPLOAD", "LSCSB_PUBLIC"):
        monkeypatch.delenv(name, raising=False)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.selectbox(key="area").options, "the frame's filters are missing"
    assert not at.file_uploader


def test_with_uploads_off_no_page_offers_a_control_that_writes(demo_db_path, tmp_path, monkeypatch):
    db_path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db_path, db_path)
    monkeypatch.setenv("LSCSB_DB", str(db_path))
    for name in ("LSCSB_ALLOW_UPLOAD", "LSCSB_ALLOW_EDIT", "LSCSB_PUBLIC"):
        monkeypatch.delenv(name, raising=False)
    before = db_path.read_bytes()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert "pages/upload.py" in PAGES
    # why: with uploads off the frame does not register the upload page at all, so nothing can navigate to it
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/upload.py")
    for page in (p for p in PAGES if p != "pages/upload.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        assert not at.file_uploader, page
        labels = [b.label.lower() for b in [*at.button, *at.get("form_submit_button")]]
        assert not [label for label in labels if any(word in label for word in WRITING_WORDS)], (page, labels)
        assert not at.text_area and not at.get("data_editor"), page
    assert db_path.read_bytes() == before


def test_the_data_page_shows_the_quality_checks(db_path, monkeypatch):
    from lscsb_data import loaders
    loaders.load_files(db_path, POLICEUK_MONTHS)
    monkeypatch.setenv("LSCSB_DB", str(db_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Loads", "Latest period per indicator and area",
                                               "Periods missing inside a series", "police.uk rows with no location"]
    loads = _table_with(at, "SHA-256")
    assert loads["File"].tolist() == [str(POLICEUK_MONTHS[1]), str(POLICEUK_MONTHS[0])]
    assert _table_with(at, "Share (%)")["Rows with no location"].tolist() == [6, 6]
    assert at.success[0].value.startswith("No series has a gap")
    chosen = at.selectbox(key="quality_indicator").options[1]
    at.selectbox(key="quality_indicator").select(chosen).run()
    latest = _table_with(at, "First period")
    assert set(latest["Indicator"]) == {chosen}
    assert set(latest["Latest period"]) == {"2020-04"}


def _table_with(at: AppTest, column: str):
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)
