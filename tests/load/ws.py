"""``python -m tests.load.ws [--sessions 25] [--views 20] [--think 5-15] [--replicas N | --url URL]``: the server's capacity, no browsers.

Each session is one user's tab speaking Streamlit's websocket protocol (pages/shared/ws_client.py); each
view is a page, an area and a period end chosen at random (seeded), asked for with
``BackMsg.rerun_script`` (query string and page name) and timed until ``ForwardMsg.script_finished``.
``--think`` waits a random time between a session's views, as a reader does.

Unless ``--url`` names a running server, the dashboard is served for the run against ``--db`` as
``make serve`` serves it (``--replicas`` processes, nginx in front when more than one), warmed, with
nothing else cached. Prints the load average before and after, errors (a view that failed, drew an
exception or the app's failure message, timed out, or lost its websocket), p50/p95/p99 seconds,
views a second, bytes received per view, the server's peak memory (every process, psutil, every
0.2 s) and how fast an idle websocket's pings were answered meanwhile. Figures, never pass/fail on time.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from lscsb_data import resolve_db_path
from pages.shared.ws_client import Session

PAGES = ("", "exceptions", "crime", "offending", "victims", "asb", "hate", "policeuk", "covid", "data")
# the board's seven districts and the county: the areas CSP managers and the board choose
AREAS = ("E07000129", "E07000130", "E07000131", "E07000132", "E07000133", "E07000134", "E07000135", "E10000018")


@dataclass
class Tally:
    seconds: list[float] = field(default_factory=list)
    received: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pings: list[float] = field(default_factory=list)
    ping_failures: int = 0
    first_sent: float | None = None
    last_finished: float | None = None


class MemoryWatch(threading.Thread):
    """The peak resident memory of some processes and all their children, sampled until stopped, and the CPU
    seconds they used meanwhile (a figure that a busy machine slows far less than it slows the wall clock)."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.processes = [psutil.Process(pid) for pid in pids]
        self.peak = 0
        self.stopped = threading.Event()
        self.cpu_at_start = self.cpu_seconds()
        self.cpu_used = 0.0

    def members(self) -> list[psutil.Process]:
        found = []
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                found.extend((process, *process.children(recursive=True)))
        return found

    def cpu_seconds(self) -> float:
        total = 0.0
        for member in self.members():
            with contextlib.suppress(psutil.Error):
                times = member.cpu_times()
                total += times.user + times.system
        return total

    def run(self) -> None:
        while not self.stopped.is_set():
            total = 0
            for member in self.members():
                with contextlib.suppress(psutil.Error):
                    total += member.memory_info().rss
            self.peak = max(self.peak, total)
            self.stopped.wait(0.2)
        self.cpu_used = self.cpu_seconds() - self.cpu_at_start


def months_held(db_path, latest: int) -> list[str]:
    from lscsb_data import connect
    from lscsb_data.presentation import pagedata

    with connect(db_path, read_only=True) as con:
        return [f"{m:%Y-%m}" for m in pagedata.month_choices(con)[:latest]]


def choose(rng: random.Random, areas: tuple[str, ...], periods: list[str]) -> tuple[str, str]:
    page = rng.choice(PAGES)
    return page, f"area={rng.choice(areas)}&period={rng.choice(periods)}&comparison=rolling12"


def describe(error: BaseException) -> str:
    text = str(error).splitlines()[0][:120] if str(error) else ""
    return f"{type(error).__name__}{': ' + text if text else ''}"


async def user(number: int, base: str, args, periods: list[str], tally: Tally) -> None:
    rng = random.Random(args.seed * 100_003 + number)
    await asyncio.sleep(args.ramp * number / max(1, args.sessions))
    session = Session(base, ping_interval=args.keepalive or None, ping_timeout=args.keepalive or None)
    try:
        try:
            await session.open()
        except Exception as error:
            tally.errors.append(f"session {number} opening: {describe(error)}")
            return
        for step in range(args.views):
            page, query = choose(rng, AREAS[:args.areas], periods)
            now = time.perf_counter()
            tally.first_sent = now if tally.first_sent is None else min(tally.first_sent, now)
            try:
                result = await session.view(page, query, timeout=args.timeout)
            except Exception as error:  # a timeout or a lost websocket: this user's view failed; they reload and carry on
                tally.errors.append(f"session {number} view {step} ({page or 'overview'}): {describe(error)}")
                await session.close()
                session = Session(base, ping_interval=args.keepalive or None, ping_timeout=args.keepalive or None)
                try:
                    await session.open()
                except Exception as again:
                    tally.errors.append(f"session {number} reopening: {describe(again)}")
                    return
                continue
            tally.last_finished = time.perf_counter()
            tally.seconds.append(result.seconds)
            tally.received.append(result.received_bytes)
            tally.errors.extend(f"session {number} view {step} ({page or 'overview'}?{query}): {p}" for p in result.problems)
            if args.think[1] > 0 and step < args.views - 1:
                await asyncio.sleep(rng.uniform(*args.think))
    finally:
        with contextlib.suppress(Exception):
            await session.close()


async def probe(base: str, tally: Tally, done: asyncio.Event) -> None:
    """An idle tab's websocket, pinged every second: how long the server takes to answer it under the load."""
    session = Session(base, ping_interval=None, ping_timeout=None)
    await session.open()
    try:
        while not done.is_set():
            started = time.perf_counter()
            try:
                waiter = await session.websocket.ping()
                await asyncio.wait_for(waiter, timeout=20)
                tally.pings.append(time.perf_counter() - started)
            except Exception:
                tally.ping_failures += 1
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=1)
    finally:
        await session.close()


async def drive(base: str, args, periods: list[str]) -> Tally:
    tally = Tally()
    done = asyncio.Event()
    prober = asyncio.create_task(probe(base, tally, done))
    await asyncio.gather(*(user(n, base, args, periods, tally) for n in range(args.sessions)))
    done.set()
    with contextlib.suppress(Exception):
        await prober
    return tally


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def seconds_text(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def think_range(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    low_value, high_value = float(low), float(high or low)
    if low_value < 0 or high_value < low_value:
        raise argparse.ArgumentTypeError("think time is MIN-MAX seconds, e.g. 5-15, or 0")
    return low_value, high_value


def report(args, tally: Tally, watch: MemoryWatch | None, load_before: tuple, served_by: str) -> None:
    peak = watch.peak if watch else None
    done = len(tally.seconds)
    span = (tally.last_finished - tally.first_sent) if done and tally.first_sent else 0
    think = "none" if args.think[1] == 0 else f"{args.think[0]:g}-{args.think[1]:g} s"
    print(f"\n{served_by}; {args.sessions} sessions x {args.views} views, think time {think}, keepalive "
          f"{'off' if not args.keepalive else f'{args.keepalive:g} s'}, seed {args.seed}; {os.cpu_count()} CPUs")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
          f"after {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"views finished {done} of {args.sessions * args.views}; errors {len(tally.errors)}")
    for error in tally.errors[:15]:
        print(f"  {error}")
    if len(tally.errors) > 15:
        print(f"  ... and {len(tally.errors) - 15} more")
    if done:
        print(f"view to script_finished: p50 {seconds_text(percentile(tally.seconds, 0.5))}, "
              f"p95 {seconds_text(percentile(tally.seconds, 0.95))}, p99 {seconds_text(percentile(tally.seconds, 0.99))}, "
              f"max {seconds_text(max(tally.seconds))}; throughput {done / span if span else 0:.1f} views/s over {span:.0f} s")
        print(f"received per view: median {statistics.median(tally.received) / 1024:.0f} KiB")
    if tally.pings:
        print(f"idle websocket ping answered: p50 {seconds_text(percentile(tally.pings, 0.5))}, "
              f"max {seconds_text(max(tally.pings))}; unanswered within 20 s: {tally.ping_failures}")
    if watch is not None:
        print(f"server peak memory {peak / 2**20:,.0f} MiB (every process); server CPU {watch.cpu_used:.1f} s, "
              f"{1000 * watch.cpu_used / max(1, done):.0f} ms a view")
    if done:
        print(f"| {args.sessions} | {think} | {done} | {len(tally.errors)} | {seconds_text(percentile(tally.seconds, 0.5))} | "
              f"{seconds_text(percentile(tally.seconds, 0.95))} | {seconds_text(percentile(tally.seconds, 0.99))} | "
              f"{done / span if span else 0:.1f} views/s | {1000 * watch.cpu_used / done if watch else 0:.0f} ms | "
              f"{peak / 2**20 if peak else 0:,.0f} MiB | {load_before[0]:.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=25, help="users at once (default 25)")
    parser.add_argument("--views", type=int, default=20, help="views each user asks for (default 20)")
    parser.add_argument("--think", type=think_range, default=(0.0, 0.0), metavar="MIN-MAX",
                        help="seconds a user waits between views, chosen at random in the range (default 0: none)")
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which the users arrive (default 2)")
    parser.add_argument("--areas", type=int, default=len(AREAS), choices=range(1, len(AREAS) + 1), metavar="N",
                        help=f"areas to choose from: the first N of the board's {len(AREAS)} (default all)")
    parser.add_argument("--periods", type=int, default=12, help="period ends to choose from: the latest N months held (default 12)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random choices (default 1)")
    parser.add_argument("--keepalive", type=float, default=20,
                        help="the client's websocket ping interval and timeout in seconds, as websockets' default (0: off)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a view may take before it counts as an error")
    parser.add_argument("--passes", type=int, default=1,
                        help="run the whole load this many times on the same server, each reported (2: the second pass "
                             "asks for views every one of which some session asked for before)")
    parser.add_argument("--prerendered", action="store_true",
                        help="wait until the served app has prerendered every view the load can ask for (the latest "
                             "--periods months of every page and area), then drive it; the wait is reported")
    parser.add_argument("--replicas", type=int, default=1, help="app processes to serve, behind nginx when more than one (default 1)")
    parser.add_argument("--url", help="drive a server already running here instead of serving one")
    parser.add_argument("--db", help="database (default: $LSCSB_DB, else data/lscsb.duckdb)")
    args = parser.parse_args(argv)
    db_path = resolve_db_path(args.db)
    if not db_path.exists():
        parser.error(f"there is no database at {db_path}: run `make build` first")
    periods = months_held(db_path, args.periods)
    load_before = os.getloadavg()
    with contextlib.ExitStack() as stack:
        if args.url:
            base, pids, served_by = args.url.rstrip("/"), [], f"server at {args.url}"
        else:
            from lscsb_data.tools.serving import served

            # why: a run starts with nothing cached, not with the views an earlier run left in the shared view cache
            views = stack.enter_context(tempfile.TemporaryDirectory(prefix="lscsb-views-"))
            server = stack.enter_context(served(replicas=args.replicas, port=_free_port(), db=db_path, quiet=True,
                                                env={"LSCSB_VIEW_CACHE": views,
                                                     "LSCSB_WARM_MONTHS": str(args.periods if args.prerendered else 0)}))
            base, pids = server.url, server.pids
            served_by = "1 app process" if args.replicas == 1 else f"{args.replicas} app processes behind nginx"
            if args.prerendered:
                served_by += f", every view prerendered first ({wait_for_prerender(Path(views), pids)})"
            load_before = os.getloadavg()
        errors = 0
        for number in range(1, args.passes + 1):
            watch = MemoryWatch(pids) if pids else None
            if watch:
                watch.start()
            tally = asyncio.run(drive(base, args, periods))
            if watch:
                watch.stopped.set()
                watch.join()
            what = "" if args.passes == 1 else f"pass {number} of {args.passes}: "
            report(args, tally, watch, load_before, what + served_by)
            errors += len(tally.errors)
            load_before = os.getloadavg()
    return 1 if errors else 0


def wait_for_prerender(views: Path, pids: list[int], timeout: float = 1800) -> str:
    """Wait until the served app says every view is prerendered (pages/shared/view_store.py); how long it took."""
    from pages.shared.view_store import prerender_progress

    watch = MemoryWatch(pids)
    started = time.monotonic()
    while (progress := prerender_progress(views))[1] is None:
        if time.monotonic() - started > timeout:
            raise SystemExit(f"the app had not prerendered its views within {timeout:.0f} s ({progress[0]} steps drawn)")
        time.sleep(1)
    return (f"{progress[1]} steps of an area and month in {time.monotonic() - started:.0f} s, "
            f"{watch.cpu_seconds() - watch.cpu_at_start:.0f} s of CPU")


def _free_port() -> int:
    from lscsb_data.tools.serving import free_port

    return free_port()


if __name__ == "__main__":
    sys.exit(main())
