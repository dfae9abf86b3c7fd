"""``python -m lscsb_data bench``: how long the engine takes, printed as figures (never pass/fail)."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date

from lscsb_data.figures import db, engine
from lscsb_data.config import resolve_db_path


def timed(function: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    """Milliseconds of ``repeat`` calls after one warm-up call, and the warm-up's result."""
    result = function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, result


def describe(label: str, samples: list[float], detail: str = "") -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{label:<58} median {statistics.median(samples):8.1f} ms   p95 {p95:8.1f} ms   {detail}"


def engine_figures(db_path, repeat: int) -> list[str]:
    with db.connect(db_path, read_only=True) as con:
        period = engine.latest_period(con) or date(2020, 3, 1)
        lines = [f"database {db_path}, period {period:%Y-%m}, {repeat} runs each after one warm-up"]
        samples, frame = timed(lambda: engine.summary(con, period=period), repeat)
        lines.append(describe("summary: every indicator and area (rolling 12)", samples,
                              f"{len(frame):,} rows, {frame.indicator.nunique()} indicators, {frame.area_code.nunique()} areas"))
        samples, frame = timed(lambda: engine.summary(con, period=period, comparison="quarter"), repeat)
        lines.append(describe("summary: every indicator and area (quarter)", samples, f"{len(frame):,} rows"))
        samples, frame = timed(lambda: engine.series(con, area="E10000018"), repeat)
        lines.append(describe("series: every indicator for the county", samples, f"{len(frame):,} rows"))
    return lines


def main(args) -> int:
    for line in engine_figures(resolve_db_path(args.db), args.repeat):
        print(line, flush=True)
    return 0
