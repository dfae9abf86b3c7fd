"""Commentary: stored apart from the figures, kept through build and load, written only where enabled, kept literal."""
from __future__ import annotations

import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lscsb_data import loaders
from lscsb_data.figures import narrative
from lscsb_data.loaders.build import build
from tests.cli_support import run_cli

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = (
    '<script>alert("x")</script> <b>bold</b> [click me](javascript:alert(1)) **not bold** '
    "=HYPERLINK(\"http://evil\") & \"quotes\", commas\nsecond line\twith a tab"
)


@pytest.fixture()
def editing(monkeypatch):
    monkeypatch.setenv(narrative.EDIT_ENV_VAR, "1")


def save(path, text="Rise driven by the town centre night-time economy.", **overrides):
    fields = dict(scope="indicator", subject="all_crime", area="D1", quarter="2019-20-Q4", text=text, author="A Analyst")
    fields.update(overrides)
    return narrative.add_comment(path, **fields)


def test_writing_needs_the_deployment_switch(tmp_path, monkeypatch):
    monkeypatch.delenv(narrative.EDIT_ENV_VAR, raising=False)
    with pytest.raises(narrative.EditingDisabled):
        save(tmp_path / "c.csv")
    assert not (tmp_path / "c.csv").exists()


def test_hostile_text_round_trips_byte_for_byte(tmp_path, editing):
    path = tmp_path / "c.csv"
    save(path, HOSTILE)
    assert narrative.comment_for(path, scope="indicator", subject="all_crime", area="D1", quarter="2019-20-Q4")["text"] == HOSTILE


def test_newest_version_wins_empty_text_withdraws_and_history_keeps_all(tmp_path, editing):
    path = tmp_path / "c.csv"
    save(path, "first", now=datetime(2020, 4, 1, 9, 0, tzinfo=timezone.utc))
    save(path, "second", author="B Analyst", now=datetime(2020, 4, 2, 9, 30, tzinfo=timezone.utc))
    save(path, "theme view", scope="theme", subject="crime")
    current = narrative.comment_for(path, scope="indicator", subject="all_crime", area="D1", quarter="2019-20-Q4")
    assert current["text"] == "second" and narrative.signature(current) == "B Analyst, 02 Apr 2020 09:30 UTC"
    save(path, "")
    assert narrative.comment_for(path, scope="indicator", subject="all_crime", area="D1", quarter="2019-20-Q4") is None
    assert list(narrative.comments(path, scope="theme").text) == ["theme view"]
    assert list(narrative.comments(path, scope="indicator", history=True).text) == ["", "second", "first"]


def test_bad_commentary_is_refused_with_a_clear_reason(tmp_path, editing):
    path = tmp_path / "c.csv"
    with pytest.raises(ValueError, match="not a financial quarter"):
        save(path, quarter="2020-Q4")
    with pytest.raises(ValueError, match="needs an author"):
        save(path, author="  ")
    with pytest.raises(ValueError, match="limit is 4,000"):
        save(path, "x" * 4001)
    with pytest.raises(ValueError, match="unknown scope"):
        save(path, scope="page")
    assert not path.exists()


def test_concurrent_saves_lose_nothing(tmp_path, editing):
    path = tmp_path / "c.csv"
    threads = [threading.Thread(target=save, args=(path, f"note {i}"), kwargs={"area": f"A{i}"}) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(narrative.comments(path).text) == sorted(f"note {i}" for i in range(12))


def test_path_comes_from_the_environment_else_sits_beside_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv(narrative.COMMENTARY_ENV_VAR, raising=False)
    assert narrative.commentary_path(tmp_path / "lscsb.duckdb") == tmp_path / "lscsb.commentary.csv"
    monkeypatch.setenv(narrative.COMMENTARY_ENV_VAR, str(tmp_path / "elsewhere.csv"))
    assert narrative.commentary_path(tmp_path / "lscsb.duckdb") == tmp_path / "elsewhere.csv"


def small_data_dir(tmp_path: Path) -> Path:
    """data/'s reference tables with one tiny observation folder, so a build takes a moment."""
    data = tmp_path / "data"
    data.mkdir()
    for path in (ROOT / "data").glob("*.csv"):
        shutil.copy(path, data / path.name)
    (data / "observation_sources.csv").write_text("folder,source_label,is_demo,description\nmini,mini,true,tiny\n")
    (data / "mini").mkdir()
    (data / "mini" / "obs.csv").write_text(
        "indicator,area_code,period,numerator,denominator\nall_crime,E07000129,2020-03,100,\n"
    )
    return data


def test_commentary_survives_build_and_load_and_never_enters_the_database(tmp_path, monkeypatch, editing):
    monkeypatch.delenv(narrative.COMMENTARY_ENV_VAR, raising=False)
    data = small_data_dir(tmp_path)
    db_path = tmp_path / "lscsb.duckdb"
    build(db_path, data_dir=data)
    path = narrative.commentary_path(db_path)
    save(path, HOSTILE, area="E07000129")
    build(db_path, data_dir=data)
    extra = tmp_path / "more.csv"
    extra.write_text("indicator,area_code,period,numerator,denominator\nall_crime,E07000129,2020-02,90,\n")
    loaders.load_files(db_path, [extra])
    kept = narrative.comments(path)
    assert list(kept.text) == [HOSTILE] and kept.area_code[0] == "E07000129"
    assert b"A Analyst" not in db_path.read_bytes()


def test_cli_adds_and_lists_commentary_only_when_enabled(tmp_path):
    from tests.fixture_db import make_fixture_db

    make_fixture_db(str(tmp_path / "f.duckdb")).close()
    add = ["comment", "add", "--db", str(tmp_path / "f.duckdb"), "--area", "D1", "--quarter", "2019-20-Q4",
           "--indicator", "all_crime", "--author", "A Analyst", "--text", "<i>literal</i>"]
    unset = (narrative.EDIT_ENV_VAR, narrative.COMMENTARY_ENV_VAR)
    refused = run_cli(*add, unset=unset)
    assert refused.returncode == 2 and "LSCSB_ALLOW_EDIT=1" in refused.stderr
    allowed = run_cli(*add, unset=unset, env={narrative.EDIT_ENV_VAR: "1"})
    assert allowed.returncode == 0, allowed.stderr
    assert (tmp_path / "f.commentary.csv").exists()
    listed = run_cli("comment", "list", "--db", tmp_path / "f.duckdb", unset=unset)
    assert "  <i>literal</i>" in listed.stdout.splitlines()
    unknown = run_cli(*add[:-6], "--indicator", "nope", "--author", "A", "--text", "x", unset=unset,
                      env={narrative.EDIT_ENV_VAR: "1"})
    assert unknown.returncode == 2 and "unknown indicator 'nope'" in unknown.stderr
