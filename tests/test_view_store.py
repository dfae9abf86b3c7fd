"""The view cache the app's processes share (pages/shared/view_store.py): one process's view is another's, and
never outlives the database or code it was made from."""
from __future__ import annotations

import stat

import pytest

from pages.shared import view_store


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("LSCSB_VIEW_CACHE", str(tmp_path / "views"))
    monkeypatch.setattr(view_store, "_folders", {})
    calls = []

    @view_store.shared(skip=("_make",))
    def figures(ident, area, period=None, _make=None):
        calls.append((area, period))
        return {"area": area, "period": period, "n": len(calls)}

    return tmp_path / "views", figures, calls


def another_process(monkeypatch):
    monkeypatch.setattr(view_store, "_folders", {})


def test_a_view_made_by_one_process_is_read_by_another_whole(store, monkeypatch):
    root, figures, calls = store
    ident = ("/db/lscsb.duckdb", 1, 100, 2000)
    first = figures(ident, "E07000129", period="2021-03", _make=lambda: None)
    another_process(monkeypatch)
    assert figures(ident, "E07000129", "2021-03", _make=object()) == first, "positional or keyword, unhashed callables"
    assert len(calls) == 1
    assert figures(ident, "E10000018", "2021-03") != first and len(calls) == 2
    files = list(root.rglob("*.pickle"))
    assert len(files) == 2 and not list(root.rglob("*.tmp")), "written to a temporary name, then renamed"
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), "the figures are readable by this user only"


def test_a_new_database_starts_empty_and_the_old_views_go(store, monkeypatch):
    root, figures, calls = store
    figures(("/db/lscsb.duckdb", 1, 100, 2000), "E07000129")
    another_process(monkeypatch)
    figures(("/db/lscsb.duckdb", 2, 101, 2100), "E07000129")
    assert len(calls) == 2, "a load replaces the file: a new identity is never served the old figures"
    assert len([p for p in root.iterdir() if p.is_dir()]) == 1


def test_a_broken_file_is_computed_again_and_off_means_no_files(store, monkeypatch):
    root, figures, calls = store
    ident = ("/db/lscsb.duckdb", 1, 100, 2000)
    figures(ident, "E07000129")
    (file,) = root.rglob("*.pickle")
    file.write_bytes(b"not a pickle")
    another_process(monkeypatch)
    assert figures(ident, "E07000129")["n"] == 2
    monkeypatch.setenv("LSCSB_VIEW_CACHE", "off")
    another_process(monkeypatch)
    figures(ident, "E07000129")
    figures(ident, "E07000129")
    assert len(calls) == 4


def test_the_prerender_steps_are_shared_out_and_the_last_one_marks_the_folder_done(store, monkeypatch):
    root, figures, calls = store
    ident = ("/db/lscsb.duckdb", 1, 100, 2000)
    assert view_store.claim(ident, "D1-2020-03")
    another_process(monkeypatch)
    assert not view_store.claim(ident, "D1-2020-03"), "another process leaves a claimed step alone"
    assert view_store.claim(ident, "D2-2020-03")
    view_store.finished(ident, "D1-2020-03", of=2)
    assert view_store.prerender_progress(root) == (1, None), "one step of two drawn: not done"
    view_store.finished(ident, "D2-2020-03", of=2)
    assert view_store.prerender_progress(root) == (2, 2)
    monkeypatch.setenv("LSCSB_VIEW_CACHE", "off")
    another_process(monkeypatch)
    assert view_store.claim(ident, "D1-2020-03"), "with no shared folder each process draws every step itself"
