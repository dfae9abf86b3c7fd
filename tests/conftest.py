"""Shared test fixtures: a tiny hand-made database, and the built demo database."""
from __future__ import annotations

import functools
import os
import pickle
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fixture_db import make_fixture_db  # noqa: E402
from tests.once import built_once  # noqa: E402


@pytest.fixture(scope="session")
def fixture_db_path(tmp_path_factory) -> Path:
    """The tiny hand-computed fixture (tests/fixtures/) saved to a file once for the run (read-only: copy it)."""
    return built_once(tmp_path_factory, "fixture.duckdb", lambda path: make_fixture_db(str(path)).close())


@pytest.fixture()
def fixture_con(fixture_db_path):
    """A fresh in-memory database holding the tiny hand-computed fixture: a copy of the one built for the run."""
    con = duckdb.connect(":memory:")
    con.execute("ATTACH $path AS fixture (READ_ONLY)", {"path": str(fixture_db_path)})
    con.execute("COPY FROM DATABASE fixture TO memory")
    con.execute("DETACH fixture")
    yield con
    con.close()


@pytest.fixture()
def fixture_app_env(fixture_db_path, tmp_path, monkeypatch) -> Path:
    """The app's environment over the tiny fixture database built once for the run (read-only, so every page test
    shares its cached views; copy it to ``$LSCSB_DB`` yourself to write), an empty commentary file of the test's
    own, editing and public mode off. Returns the test's folder holding the commentary file."""
    from lscsb_data.figures import narrative

    monkeypatch.setenv("LSCSB_DB", str(fixture_db_path))
    monkeypatch.setenv(narrative.COMMENTARY_ENV_VAR, str(tmp_path / "commentary.csv"))
    monkeypatch.delenv(narrative.EDIT_ENV_VAR, raising=False)
    monkeypatch.delenv("LSCSB_PUBLIC", raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory) -> Path:
    """The database built from data/, as `make run` builds it, once for the run (read-only: copy it to write)."""
    from lscsb_data.loaders.build import build

    return built_once(tmp_path_factory, "lscsb.duckdb", build)


@pytest.fixture(scope="session")
def public_outputs(tmp_path_factory, demo_db_path):
    """A function giving every public output of the demo database (``tests.attack.publish_everything`` with
    ``attack.SUITE_RANGE_LENGTHS``) and what each summary was (``summaries``: (period, comparison) -> the withheld
    flag's dtype, or the error the summary raised), computed once for the run whichever worker asks first. Call it
    when the outputs are needed, so a worker does its own work while another computes them."""
    from tests import attack

    def make(path: Path) -> None:
        summaries = {}

        def seen(period, comparison, frame) -> None:
            summaries[(period, comparison)] = frame if isinstance(frame, Exception) else frame.current_suppressed.dtype

        from lscsb_data import connect

        with connect(demo_db_path, read_only=True) as con:
            texts = attack.publish_everything(con, range_lengths=attack.SUITE_RANGE_LENGTHS, each_summary=seen)
        part = path.with_suffix(".part")
        part.write_bytes(pickle.dumps({"texts": texts, "summaries": summaries}))
        os.replace(part, path)

    @functools.cache
    def load() -> dict:
        return pickle.loads(built_once(tmp_path_factory, "public-outputs.pickle", make).read_bytes())

    return load


@pytest.fixture()
def demo_con(demo_db_path):
    from lscsb_data import connect

    con = connect(demo_db_path, read_only=True)
    yield con
    con.close()


# why: loadscope hands out modules by their number of tests, so a module of a few slow tests (the attack suite, a
# browser module) started last and one worker ran it alone while the other sat idle; the slowest modules (by
# `--durations`, docs/testing.md) go first and the many quick ones fill in around them
SLOWEST_MODULES_FIRST = (
    "tests/test_attack_disclosure.py",
    "tests/test_app_pages.py",
    "tests/test_attack_witness.py",
    "tests/e2e/test_sign_in.py",
    "tests/e2e/test_accessibility.py",
    "tests/e2e/test_browser.py",
    "tests/e2e/test_fresh_server.py",
    "tests/e2e/test_presentation.py",
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class SlowestModulesFirst(LoadScopeScheduling):
        def _assign_work_unit(self, node) -> None:
            first = next((scope for scope in SLOWEST_MODULES_FIRST if scope in self.workqueue), None)
            if first is not None:
                self.workqueue.move_to_end(first, last=False)
            super()._assign_work_unit(node)

    return SlowestModulesFirst(config, log) if config.getvalue("dist") == "loadscope" else None


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: runs against a served app, in chromium (tests/e2e/) or over its websocket "
                                       "(tests/load/); left out by make test-fast")
    config.addinivalue_line("markers", "apptest: runs the app in Streamlit's AppTest (left out by make test-fast)")


@pytest.fixture(autouse=True)
def _app_runs_only_in_tests_marked_apptest(request, monkeypatch):
    """`make test-fast` leaves out tests marked apptest, so a test that runs the app must say so."""
    if request.node.get_closest_marker("apptest") or request.node.get_closest_marker("e2e"):
        return
    if "streamlit.testing.v1" not in sys.modules:
        return
    from streamlit.testing.v1 import AppTest

    def refuse(*_args, **_kwargs):
        raise RuntimeError(f"{request.node.nodeid} runs the app in AppTest: mark it @pytest.mark.apptest")

    monkeypatch.setattr(AppTest, "run", refuse)
