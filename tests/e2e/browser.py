"""Serve the app on loopback and drive Debian's chromium with Playwright: the end-to-end toolkit.

``serve(db_path)`` starts ``streamlit run app.py`` on a free port and yields its base URL;
``open_browser()`` yields a Playwright page in headless chromium; ``settle(page)`` waits until the
app has finished running; ``screenshot(page, name)`` writes ``tests/screenshots/<name>.png``.
``launch()`` gives one browser for many contexts (the tests and the load test). ``assert_no_failure(page)`` and
``accessibility_violations(page)`` are the checks every view the tests open can take.
Used by the pytest fixtures in ``tests/e2e/conftest.py``, by ``tests/load/run.py`` and by ``python -m tests.e2e.screenshots``.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = os.environ.get("LSCSB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 1000}
FAILURE_TEXT = ("Traceback", "could not be shown because of an unexpected problem", "Error:")
# why: axe still checks every rule, but details only what fails (every passing node's details took two thirds of its time)
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
        "resultTypes": ["violations"]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


@contextlib.contextmanager
def serve(db_path: str | os.PathLike, *, env: dict[str, str] | None = None, timeout: float = 60,
          warm: bool = True, port: int | None = None, options: tuple[str, ...] = ()) -> Iterator[str]:
    """Run the app against ``db_path`` on a loopback port (free unless given), with extra ``streamlit run``
    ``options``; yield ``http://127.0.0.1:PORT``.

    ``warm`` runs the app once headless (the script health check) before anyone is served, as `make run` does;
    unwarmed, the first visitor meets the process as it started.
    """
    from lscsb_data.tools import serving

    port = port or free_port()
    # the same command `make run` serves with (serving.streamlit_command), so a cold server is the one users meet
    command = [*serving.streamlit_command(port), *options]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "LSCSB_DB": str(db_path), **(env or {})},
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process, log, timeout)
        if warm:
            with urllib.request.urlopen(f"{base}/_stcore/script-health-check", timeout=timeout) as response:
                response.read()
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_healthy(base: str, process: subprocess.Popen, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read().decode(errors='replace')}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.25)
    raise TimeoutError(f"streamlit did not answer at {base} within {timeout} s")


@contextlib.contextmanager
def launch() -> Iterator:
    """A headless Debian chromium (a Playwright ``Browser``); open a context per user with ``new_context()``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@contextlib.contextmanager
def open_browser(*, viewport: dict | None = None) -> Iterator:
    """A Playwright page in headless Debian chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, viewport=viewport or VIEWPORT,
            accept_downloads=True,
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def settle(page, *, content: str = '[data-testid="stMain"] h1', timeout: float = 60_000) -> None:
    """Wait for the page's own content, then for the app to stop running (the script state Streamlit's frontend
    keeps on its root element, and no status widget) and for every element to be drawn (no placeholder left)."""
    page.wait_for_selector(content, timeout=timeout)
    # why: a run that a click or key press asked for may not have started yet
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached", timeout=timeout)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)
    # why: the first page a browser opens draws grey placeholders where widgets' code is still loading (the menu's
    # links, the filters) for most of a second after the run ends, longer on a busy machine
    page.wait_for_selector('[data-testid="stSkeleton"]', state="detached", timeout=timeout)
    # why: a run can end and the next one (a page the frontend was redirected to) not yet have started
    page.wait_for_timeout(300)


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Write ``tests/screenshots/<name>.png``; ``full_page`` grows the window to the app's whole height first
    (Streamlit scrolls inside its main area, so the browser's own full-page capture would stop at the fold)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    viewport = page.viewport_size
    if full_page:
        height = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], [data-testid=\"stMainBlockContainer\"]')]"
            ".map(e => e.scrollHeight), document.body.scrollHeight)"
        )
        page.set_viewport_size({"width": viewport["width"], "height": min(int(height) + 40, 12_000)})
        page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size(viewport)
    return path


def assert_no_failure(page) -> None:
    """The page shows no exception and no error text in its main area."""
    assert page.locator('[data-testid="stException"]').count() == 0, "the page shows an exception"
    main_text = page.locator('[data-testid="stMain"]').inner_text()
    for text in FAILURE_TEXT:
        assert text not in main_text, f"the page shows {text!r}"


def accessibility_violations(page) -> list[str]:
    """axe-core's serious or critical violations of WCAG 2.2 A/AA on the settled page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    # why: the audit judges the page as a reader sees it, in the app's own fonts, not a layout drawn before they arrived
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_timeout(500)
    results = Axe().run(page, options=WCAG).response
    return [f"{v['id']} ({v['impact']}): {len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']} "
            f"{v['nodes'][0]['html'][:300]}" for v in results["violations"] if v["impact"] in ("serious", "critical")]
