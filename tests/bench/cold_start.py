"""``python -m tests.bench.cold_start [--runs N] [--db DB]``: how long a fresh server takes to show its first page.

Each run starts the app twice on a free loopback port as ``make run`` starts it (``streamlit run app.py``
with the app's modules loaded before it listens; nothing cached), and prints:
seconds until the server answers its health check and serves the first page's HTML, and the first
page's render time in headless chromium (navigation to the Overview's profile table drawn and the app idle),
once for a server the browser reaches first ("unwarmed") and once for a server warmed as ``make run``
warms it (one request to the script health check, which runs the Overview once and fills the
caches) before the browser arrives. Figures, never pass/fail.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from lscsb_data import resolve_db_path
from lscsb_data.tools import serving
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, VIEWPORT, free_port, settle


def _wait(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.05)
    raise TimeoutError(url)


def one_run(db_path, playwright, *, warm_up: bool) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    # why: each run starts with nothing cached, not with the views an earlier run left in the shared view cache
    views = tempfile.mkdtemp(prefix="lscsb-views-")
    process = subprocess.Popen(serving.streamlit_command(port), cwd=ROOT,
                               env={**os.environ, "LSCSB_DB": str(db_path), "LSCSB_VIEW_CACHE": views,
                                    "LSCSB_WARM_VIEWS": "1"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"{base}/_stcore/health", process)
        healthy = time.perf_counter() - started
        _wait(f"{base}/", process)
        served = time.perf_counter() - started
        if warm_up:
            _wait(f"{base}/_stcore/script-health-check", process)
        ready = time.perf_counter() - started
        with tempfile.TemporaryDirectory():
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport=VIEWPORT)
                opened = time.perf_counter()
                page.goto(base)
                settle(page, content="table.lscsb-profile", timeout=120_000)
                rendered = time.perf_counter() - opened - 0.6  # settle() waits 2 x 300 ms to be sure: not render time
                opened = time.perf_counter()
                page.reload()
                settle(page, content="table.lscsb-profile", timeout=120_000)
                warm = time.perf_counter() - opened - 0.6
            finally:
                browser.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(views, ignore_errors=True)
    return {"health": healthy, "served": served, "ready": ready, "first_render": rendered, "warm_render": warm}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default=None)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    db_path = resolve_db_path(args.db)
    results: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    with sync_playwright() as playwright:
        for run in range(args.runs):
            for warm_up in (False, True):
                result = one_run(db_path, playwright, warm_up=warm_up)
                results[warm_up].append(result)
                print(f"run {run + 1}, {'warmed' if warm_up else 'unwarmed'}: server healthy {result['health']:.2f} s, "
                      f"first page HTML served {result['served']:.2f} s, ready {result['ready']:.2f} s after `streamlit run`; "
                      f"first page rendered in chromium {result['first_render']:.2f} s, {result['warm_render']:.2f} s on reload",
                      flush=True)
    for warm_up, label in ((False, "unwarmed server"), (True, "server warmed as `make run` does")):
        runs = results[warm_up]
        for key, what in (("ready", "streamlit run to ready"), ("first_render", "first page render in chromium"),
                          ("warm_render", "reload render in chromium")):
            print(f"{label}: median {what}: {statistics.median(r[key] for r in runs):.2f} s over {len(runs)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
