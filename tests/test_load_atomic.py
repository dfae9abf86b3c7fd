"""Never lose data: a rejected, failed or killed load leaves the database byte-for-byte as it was, and a
reader during loads sees the old totals or the new ones, never a mix, and no error."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lscsb_data import connect, loaders
from lscsb_data.figures import db
from tests.loading_support import POLICEUK_MONTHS, base_db_path, db_path  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent

# A loader process that kills itself with SIGKILL when its progress says it has reached a given stage.
KILLED_LOADER = textwrap.dedent("""
    import os, signal, sys
    from lscsb_data import loaders
    db_path, stage, *paths = sys.argv[1:]
    def progress(message):
        if message.startswith(stage):
            os.kill(os.getpid(), signal.SIGKILL)
    loaders.load_files(db_path, paths, progress=progress)
""")

# A reader process: reopens the database (as the app does when the file changes) and sums the police.uk
# figures until told to stop, printing every total it saw and every error.
READER = textwrap.dedent("""
    import json, os, sys, time
    from lscsb_data import connect
    db_path, stop_file = sys.argv[1:]
    seen, errors, reads = set(), [], 0
    while not os.path.exists(stop_file) or reads < 5:
        try:
            with connect(db_path, read_only=True) as con:
                total = con.execute(
                    "SELECT coalesce(sum(numerator), 0), count(*) FROM observations WHERE indicator_id LIKE 'policeuk_%'"
                ).fetchall()[0]
            seen.add(tuple(int(v) for v in total))
            reads += 1
        except Exception as error:
            errors.append(repr(error))
    print(json.dumps({"seen": sorted(seen), "errors": errors, "reads": reads}))
""")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".wal")))


def _run_killed(db_path: Path, stage: str, paths) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILLED_LOADER, str(db_path), stage, *map(str, paths)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("stage", ["checked", "police.uk: read", "wrote"])
def test_a_loader_killed_mid_load_leaves_the_database_byte_for_byte(db_path, stage):
    loaders.load_files(db_path, POLICEUK_MONTHS[:1])
    before = db_path.read_bytes()
    killed = _run_killed(db_path, stage, POLICEUK_MONTHS)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert db_path.read_bytes() == before
    with connect(db_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM loads").fetchall() == [(1,)]
    # why: the next load must work after a killed one, and clears the private copy the killed one left
    assert len(loaders.load_files(db_path, POLICEUK_MONTHS)) == 2
    assert _leftovers(db_path.parent) == []


def test_a_load_killed_at_a_random_moment_leaves_old_or_new_never_broken(db_path):
    before = db_path.read_bytes()
    process = subprocess.Popen([sys.executable, "-m", "lscsb_data", "load", "--db", str(db_path), *map(str, POLICEUK_MONTHS)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with connect(db_path, read_only=True) as con:
        loads = con.execute("SELECT count(*) FROM loads").fetchall()[0][0]
    assert loads in (0, 2)
    if loads == 0:
        assert db_path.read_bytes() == before


def test_a_failure_while_writing_rolls_back_everything(db_path, monkeypatch):
    before = db_path.read_bytes()

    def broken(con):
        raise RuntimeError("disk full")

    monkeypatch.setattr(db, "refresh_materialized", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        loaders.load_files(db_path, POLICEUK_MONTHS)
    assert db_path.read_bytes() == before
    assert _leftovers(db_path.parent) == []


def test_a_reader_during_loads_sees_old_or_new_totals_never_a_mix(db_path, tmp_path):
    revised = tmp_path / "2020-03-leicestershire-street.csv"
    revised.write_text("".join(POLICEUK_MONTHS[0].read_text().splitlines(keepends=True)[:-40]))
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db_path), str(stop)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    states = []
    try:
        with connect(db_path, read_only=True) as con:
            states.append(_total(con))
        for paths in ([POLICEUK_MONTHS[0]], [POLICEUK_MONTHS[1]], [revised]):
            # why: the revised month is 40 rows short, which a load refuses unless the analyst confirms it
            loaders.load_files(db_path, paths, confirm_fewer_rows=paths == [revised])
            with connect(db_path, read_only=True) as con:
                states.append(_total(con))
    finally:
        # why: a failed load must still stop the reader, or it reads (and grows) until the machine runs out of memory
        stop.touch()
    out, err = reader.communicate(timeout=60)
    result = json.loads(out)
    assert result["errors"] == []
    assert result["reads"] >= 5
    assert {tuple(s) for s in result["seen"]} <= set(states), (result["seen"], states)
    assert len(set(states)) == 4


def test_a_reader_thread_holding_a_connection_keeps_the_old_data_until_it_reopens(db_path):
    with connect(db_path, read_only=True) as held:
        old = _total(held)
        loaders.load_files(db_path, POLICEUK_MONTHS)
        assert _total(held) == old
    with connect(db_path, read_only=True) as fresh:
        assert _total(fresh) != old


def _total(con) -> tuple[int, int]:
    row = con.execute(
        "SELECT coalesce(sum(numerator), 0), count(*) FROM observations WHERE indicator_id LIKE 'policeuk_%'"
    ).fetchall()[0]
    return tuple(int(v) for v in row)


def test_no_temporary_files_are_left_after_loads(db_path):
    loaders.load_files(db_path, POLICEUK_MONTHS)
    with pytest.raises(loaders.LoadError):
        loaders.load_files(db_path, [loaders.InputFile("empty.csv", b"")])
    assert _leftovers(db_path.parent) == []
    # the access file beside the database holds the audit trail of the load
    assert sorted(os.listdir(db_path.parent)) == sorted([db_path.name, f".{db_path.name}.lock", "lscsb.access.sqlite"])


def test_two_loads_at_once_both_land(db_path):
    """Writers take turns (a lock beside the database), so neither replaces the other's copy."""
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda month: loaders.load_files(db_path, [month]), POLICEUK_MONTHS[:2]))
    with connect(db_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM loads").fetchall() == [(2,)]
        months = con.execute("SELECT count(DISTINCT period) FROM observations WHERE indicator_id LIKE 'policeuk_%'")
        assert months.fetchall() == [(2,)]
