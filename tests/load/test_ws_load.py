"""The websocket load generator works against a served app (one process, and two behind nginx), so it cannot rot.

Not a benchmark: a few views each, checked for what the generator reports, never for time.
"""
from __future__ import annotations

import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lscsb_data.config import PROJECT_ROOT as ROOT
from lscsb_data.tools import serving


def run(*args: str) -> tuple[int, str]:
    """``python -m tests.load.ws ARGS`` as someone would run it (its own process: no event loop of another test in the way)."""
    done = subprocess.run([sys.executable, "-m", "tests.load.ws", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.e2e
def test_two_sessions_of_three_views_against_one_process(demo_db_path):
    code, out = run("--sessions", "2", "--views", "3", "--ramp", "0", "--db", str(demo_db_path))
    assert "views finished 6 of 6; errors 0" in out, out
    assert code == 0
    assert "view to script_finished: p50 " in out, out
    assert re.search(r"server peak memory [\d,]+ MiB", out), out
    assert re.search(r"received per view: median \d+ KiB", out), out


@pytest.mark.e2e
def test_sessions_through_nginx_to_two_processes(demo_db_path):
    try:
        serving.nginx_path()
    except serving.ServingError as error:
        pytest.fail(f"{error} (make test installs it)", pytrace=False)
    # why: a second pass reuses nothing of the first, so every session opens, views and closes through the proxy twice
    code, out = run("--sessions", "2", "--views", "3", "--replicas", "2", "--passes", "2", "--ramp", "0",
                    "--db", str(demo_db_path))
    assert out.count("views finished 6 of 6; errors 0") == 2, out
    assert "2 app processes behind nginx" in out
    assert code == 0


@pytest.mark.e2e
def test_a_served_app_prerenders_its_recent_views_once_for_every_process(fixture_db_path, tmp_path):
    import asyncio

    from pages.shared import view_store
    from pages.shared.ws_client import Session

    views = tmp_path / "views"
    with serving.served(replicas=1, port=serving.free_port(), db=fixture_db_path, quiet=True,
                        env={"LSCSB_VIEW_CACHE": str(views), "LSCSB_WARM_MONTHS": "1"}) as server:
        deadline = time.monotonic() + 240
        while view_store.prerender_progress(views)[1] is None:
            assert time.monotonic() < deadline, f"not prerendered: {view_store.prerender_progress(views)}"
            time.sleep(0.5)
        steps = view_store.prerender_progress(views)[1]
        made = {folder.name: len(list(folder.glob("*.pickle"))) for folder in views.glob("*/*") if folder.is_dir()}
        # the fixture's three CSPs and its board area at the latest month (their pages open on it too)
        assert steps == 4, made
        assert made["profile"] == 4 and made["exception_report"] == 4 and made["chart_specs"] >= 4 * 6, made

        async def visit(query: str) -> tuple[int, list[str]]:
            before = len(list(views.rglob("*.pickle")))
            session = Session(server.url)
            await session.open()
            result = await session.view("crime", query)
            await session.close()
            return len(list(views.rglob("*.pickle"))) - before, result.problems

        # why: in its own thread, since a browser test on the same worker may have left an event loop running in this one
        with ThreadPoolExecutor(1) as thread:
            assert thread.submit(asyncio.run, visit("area=D2&period=2020-03")).result() == (0, []), \
                "a prerendered view is read, not drawn again"
            new, problems = thread.submit(asyncio.run, visit("area=D2&period=2019-06")).result()
        assert new > 0 and not problems, "an older month is drawn on demand (and cached then)"


def test_nginx_routes_by_a_cookie_it_sets_and_upgrades_websockets(tmp_path):
    conf = serving.nginx_config(tmp_path, "127.0.0.1", 8600, [8601, 8602])
    assert "hash $lscsb_route consistent;" in conf
    assert f"map $cookie_{serving.STICKY_COOKIE} $lscsb_route" in conf
    assert "add_header Set-Cookie $lscsb_set_cookie;" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert conf.count("server 127.0.0.1:860") == 2 and "listen 127.0.0.1:8600;" in conf


def test_a_broken_page_is_counted_as_an_error():
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from pages.shared.ws_client import FAILURE_TEXT, _problems

    drawn = ForwardMsg()
    drawn.delta.new_element.alert.body = f"Part of this page {FAILURE_TEXT}; it has been logged."
    exception = ForwardMsg()
    exception.delta.new_element.exception.type = "KeyError"
    fine = ForwardMsg()
    fine.delta.new_element.markdown.body = "All well"
    assert _problems(drawn) == ["the app's failure message drawn"]
    assert _problems(exception)[0].startswith("exception drawn: KeyError")
    assert _problems(fine) == []
