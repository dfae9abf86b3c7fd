"""``python -m tests.load.run [--sessions 25] [--changes 20] [--with-load]``: many users at once (on demand, not in CI).

Serves the app on loopback against a private copy of the demo database and drives ``--sessions``
concurrent users, each a Playwright context in one headless chromium, each making ``--changes``
filter and page changes through the UI (area in the sidebar, comparison, page links). Prints the
errors (exceptions drawn, the app's failure message, timeouts), p50/p95 seconds from a change to
the page settled, and the server's peak memory (RSS, psutil, sampled every 0.2 s).

``--with-load`` also runs ``python -m lscsb_data load`` of a tidy revision (Overall crime and
residential burglary doubled for every district over a year) into the served database once a quarter
of all changes have settled, while the users work; users then stay on the Overview at that year and
check, after every change, that the two revised cards show both old or both new figures, never a mix.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import psutil

import lscsb_data as L
from lscsb_data.loaders import build
from lscsb_data.presentation import formatting
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, VIEWPORT, serve

DISTRICTS = {"E07000129": "Blaby", "E07000130": "Charnwood", "E07000131": "Harborough",
             "E07000132": "Hinckley and Bosworth", "E07000133": "Melton", "E07000134": "North West Leicestershire",
             "E07000135": "Oadby and Wigston"}
PAGE_LINKS = {"": "Overview", "crime": "Crime", "victims": "Domestic abuse and victims", "asb": "ASB and satisfaction",
              "hate": "Hate and cohesion", "policeuk": "police.uk public data", "data": "Data and downloads"}
REVISED = ("all_crime", "residential_burglary")
LOAD_PERIOD = date(2021, 3, 1)
FAILURE_TEXT = "could not be shown because of an unexpected problem"
TIMEOUT_MS = 120_000
# why: users open the meeting's link over a few seconds, not in the same millisecond
RAMP_SECONDS = 0.4


@dataclass
class Tally:
    settle_seconds: list[float] = field(default_factory=list)
    app_errors: list[str] = field(default_factory=list)  # what a user saw: an exception or the app's failure message
    errors: list[str] = field(default_factory=list)  # the browser gave up waiting (a timeout) or an element was missing
    old_views: int = 0
    new_views: int = 0
    mixed: list[str] = field(default_factory=list)


class MemoryWatch(threading.Thread):
    """The peak resident memory of a process and its children, sampled until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                members = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(m.memory_info().rss for m in members))
            except psutil.Error:
                pass
            self.stopped.wait(0.2)


def server_pid(port: int) -> int:
    for connection in psutil.net_connections(kind="tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == psutil.CONN_LISTEN:
            return connection.pid
    raise RuntimeError(f"no process listens on port {port}")


def params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def settled(page, wanted: dict[str, str] | None = None, path: str | None = None) -> None:
    """Wait until the URL shows the change (the app rewrites it at the end of the run), then for the app to be idle."""
    if wanted or path is not None:
        await page.wait_for_url(
            lambda url: (path is None or urlsplit(url).path.strip("/") == path)
            and all(params(url).get(k) == v for k, v in (wanted or {}).items()), timeout=TIMEOUT_MS)
    await page.wait_for_selector('[data-testid="stMain"] h1', timeout=TIMEOUT_MS)
    await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=TIMEOUT_MS)


async def failures(page) -> list[str]:
    found = []
    if await page.locator('[data-testid="stException"]').count():
        found.append("exception drawn")
    if FAILURE_TEXT in await page.locator('[data-testid="stMain"]').inner_text():
        found.append("failure message drawn")
    return found


async def choose_area(page, name: str) -> None:
    box = page.get_by_role("combobox", name="Area")
    await box.click()
    await box.fill(name)
    await page.get_by_role("option", name=name).first.click()


async def card_values(page) -> dict[str, str]:
    values = {}
    for metric in await page.locator('[data-testid="stMetric"]').all():
        label = (await metric.locator('[data-testid="stMetricLabel"]').inner_text()).strip()
        values.setdefault(label, (await metric.locator('[data-testid="stMetricValue"]').inner_text()).strip())
    return values


async def user(number: int, browser, base: str, changes: int, tally: Tally, expected: dict | None) -> None:
    rng = random.Random(number)
    context = await browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    query = f"?period={LOAD_PERIOD:%Y-%m}" if expected else ""
    try:
        await asyncio.sleep(number * RAMP_SECONDS)
        if not await reopen(page, f"{base}/{query}", number, "opening", tally):
            return
        for step in range(changes):
            started = time.perf_counter()
            try:
                if expected:
                    area = rng.choice([c for c in DISTRICTS if c != params(page.url).get("area")])
                    await choose_area(page, DISTRICTS[area])
                    await settled(page, {"area": area})
                else:
                    kind = rng.choice(["area", "area", "page", "page", "comparison"])
                    if kind == "area":
                        area = rng.choice([c for c in DISTRICTS if c != params(page.url).get("area")])
                        await choose_area(page, DISTRICTS[area])
                        await settled(page, {"area": area})
                    elif kind == "page":
                        here = urlsplit(page.url).path.strip("/")
                        path = rng.choice([p for p in PAGE_LINKS if p != here])
                        await page.locator('.st-key-page_menu a', has_text=PAGE_LINKS[path]).first.click()
                        await settled(page, path=path)
                    else:
                        now = params(page.url).get("comparison", "rolling12")
                        wanted = "quarter" if now == "rolling12" else "rolling12"
                        label = ("Latest quarter against the same quarter a year earlier" if wanted == "quarter"
                                 else "Rolling 12 months against the previous 12")
                        await page.get_by_text(label).click()
                        await settled(page, {"comparison": wanted})
                tally.settle_seconds.append(time.perf_counter() - started)
                tally.app_errors.extend(f"user {number} step {step}: {f}" for f in await failures(page))
                if expected:
                    check_mix(number, step, params(page.url)["area"], await card_values(page), expected, tally)
            except Exception as error:  # a timeout or a missing element is an error for this user, who carries on
                tally.errors.append(f"user {number} step {step}: {describe(error)}")
                if not await reopen(page, f"{base}/{query}", number, f"reopening after step {step}", tally):
                    return
    finally:
        await context.close()
        print(f"  user {number} done: {len(tally.settle_seconds)} changes settled so far, "
              f"{len(tally.app_errors)} errors shown, {len(tally.errors)} timeouts",
              flush=True)


def describe(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"


async def reopen(page, url: str, number: int, what: str, tally: Tally) -> bool:
    """Open ``url`` and wait for it; False (with the error counted) when it does not come."""
    try:
        await page.goto(url, timeout=TIMEOUT_MS)
        await settled(page)
        return True
    except Exception as error:
        tally.errors.append(f"user {number} {what}: {describe(error)}")
        return False


def check_mix(number: int, step: int, area: str, cards: dict[str, str], expected: dict, tally: Tally) -> None:
    """Both revised cards old, or both new: anything else is a mix (or a wrong figure)."""
    states = []
    for indicator in REVISED:
        label, old, new = expected[(indicator, area)]
        shown = cards.get(label)
        states.append("old" if shown == old else "new" if shown == new else f"unexpected {shown!r}")
    if states == ["old", "old"]:
        tally.old_views += 1
    elif states == ["new", "new"]:
        tally.new_views += 1
    else:
        tally.mixed.append(f"user {number} step {step} {area}: {states}")


def revision(db_path: Path, folder: Path) -> tuple[Path, dict]:
    """A tidy file doubling the revised indicators for every district over the year to LOAD_PERIOD, and the
    cards' (label, old text, new text) for each district."""
    with L.connect(db_path, read_only=True) as con:
        rows = con.execute(
            "SELECT indicator_id AS indicator, area_code, strftime(period, '%Y-%m') AS period, numerator * 2 AS numerator, "
            "denominator FROM observations WHERE indicator_id IN $indicators AND area_code IN $areas "
            "AND period BETWEEN $start AND $end",
            {"indicators": list(REVISED), "areas": list(DISTRICTS), "start": date(2019, 4, 1), "end": LOAD_PERIOD},
        ).df()
        old = L.summary(con, period=LOAD_PERIOD)
        catalogue = L.indicators(con).set_index("id")
    path = folder / "revision.csv"
    rows.to_csv(path, index=False)
    # the new figures: the same summary on a copy with the revision loaded
    copy = folder / "preview.duckdb"
    shutil.copyfile(db_path, copy)
    subprocess.run([sys.executable, "-m", "lscsb_data", "load", str(path), "--db", str(copy)], cwd=ROOT, check=True,
                   capture_output=True)
    with L.connect(copy, read_only=True) as con:
        new = L.summary(con, period=LOAD_PERIOD)
    expected = {}
    for indicator in REVISED:
        meta = catalogue.loc[indicator]
        for area in DISTRICTS:
            def shown(frame: pd.DataFrame) -> str:
                row = frame[(frame.indicator == indicator) & (frame.area_code == area)].iloc[0]
                return formatting.format_value(row.current_value, {**meta.to_dict(), **row.to_dict()}, short=True)
            expected[(indicator, area)] = (meta.short_name, shown(old), shown(new))
    assert all(o != n for _, o, n in expected.values()), "the revision must change every card it checks"
    return path, expected


async def drive(base: str, sessions: int, changes: int, expected: dict | None, load: callable | None) -> Tally:
    from playwright.async_api import async_playwright

    tally = Tally()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            users = [asyncio.create_task(user(n, browser, base, changes, tally, expected)) for n in range(sessions)]
            if load:
                # why: the load must land while users are mid-way through their changes, so some see old figures, then new
                wanted = sessions * changes // 4
                while len(tally.settle_seconds) < wanted and not all(u.done() for u in users):
                    await asyncio.sleep(0.5)
                print(f"starting the load after {len(tally.settle_seconds)} changes settled", flush=True)
                await asyncio.to_thread(load)
            await asyncio.gather(*users)
        finally:
            await browser.close()
    return tally


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=25)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--with-load", action="store_true", help="load a revision into the served database meanwhile")
    args = parser.parse_args(argv)
    # why: a stopped run still stops its server (the finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with tempfile.TemporaryDirectory(prefix="lscsb-load-") as folder:
        db_path = Path(folder) / "lscsb.duckdb"
        build.build(db_path)
        expected, load = None, None
        if args.with_load:
            revision_file, expected = revision(db_path, Path(folder))
            load_result = {}

            def load() -> None:
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "lscsb_data", "load", str(revision_file), "--db", str(db_path)],
                                      cwd=ROOT, capture_output=True, text=True)
                load_result.update(code=done.returncode, seconds=time.perf_counter() - started, out=done.stdout.strip())
                print(f"load finished in {load_result['seconds']:.1f} s (exit {done.returncode}): {load_result['out']}",
                      flush=True)

        with serve(db_path) as base:
            watch = MemoryWatch(server_pid(int(base.rsplit(":", 1)[1])))
            watch.start()
            started = time.perf_counter()
            tally = asyncio.run(drive(base, args.sessions, args.changes, expected, load))
            elapsed = time.perf_counter() - started
            watch.stopped.set()
            watch.join()
    done = len(tally.settle_seconds)
    print(f"sessions {args.sessions}, changes each {args.changes}, changes settled {done}, in {elapsed:.0f} s "
          f"on {os.cpu_count()} CPUs (load average now {os.getloadavg()[0]:.1f})")
    print(f"errors shown by the app {len(tally.app_errors)}" + "".join(f"\n  {e}" for e in tally.app_errors[:20]))
    print(f"changes the browser gave up on (timeouts) {len(tally.errors)}" + "".join(f"\n  {e}" for e in tally.errors[:10]))
    if done:
        print(f"change to settled: p50 {percentile(tally.settle_seconds, 0.5):.2f} s, "
              f"p95 {percentile(tally.settle_seconds, 0.95):.2f} s, max {max(tally.settle_seconds):.2f} s")
    print(f"server peak memory {watch.peak / 2**20:,.0f} MiB")
    if args.with_load:
        print(f"during the load: views with old figures {tally.old_views}, with new figures {tally.new_views}, "
              f"mixed or wrong {len(tally.mixed)}" + "".join(f"\n  {m}" for m in tally.mixed[:20]))
        if load_result.get("code") != 0:
            print("the load itself failed", load_result)
            return 1
    return 1 if tally.errors or tally.app_errors or tally.mixed else 0


if __name__ == "__main__":
    sys.exit(main())
