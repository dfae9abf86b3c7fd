"""``python -m lscsb_data bench --pack``: how long performance packs take, printed as figures (never pass/fail)."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from lscsb_data.figures import db, engine, periods
from lscsb_data.presentation import pack
from lscsb_data.tools.bench import describe, timed
from lscsb_data.config import resolve_db_path

PACK_REPEAT = 3


def latest_whole_quarter(con) -> periods.FinancialQuarter:
    """The latest financial quarter whose last month the monthly figures reach."""
    latest = engine.latest_period(con)
    if latest is None:
        raise ValueError("the database holds no monthly figures to make a pack from")
    quarter = periods.quarter_of(latest)
    return quarter if quarter.end == latest else periods.quarter_of(periods.add_months(quarter.start, -1))


def pack_figures(db_path, quarter: str | None, repeat: int = PACK_REPEAT) -> list[str]:
    with db.connect(db_path, read_only=True) as con, tempfile.TemporaryDirectory() as folder:
        chosen = periods.parse_quarter(quarter) if quarter else latest_whole_quarter(con)
        codes = pack.csp_areas(con)
        if not codes:
            raise ValueError("the database holds no CSP areas (districts or unitaries within a force)")
        catalogue = engine.indicators(con)
        first = codes[0]
        lines = [f"database {db_path}, quarter {chosen.label}, {repeat} runs each after one warm-up"]

        samples, built = timed(lambda: pack.assemble(con, area=first, quarter=chosen, catalogue=catalogue), repeat)
        charts = sum(len(panel.images) for section in built.themes for panel in section.panels)
        lines.append(describe(f"pack: gather figures and render charts ({built.area_name})", samples,
                              f"{charts} charts, {built.exception_count} exceptions"))
        samples, data = timed(lambda: pack.pptx_bytes(built), repeat)
        lines.append(describe("pack: lay out the PowerPoint deck", samples, f"{len(data) / 1e6:.1f} MB"))
        samples, text = timed(lambda: pack.html_text(built), repeat)
        lines.append(describe("pack: lay out the HTML file", samples, f"{len(text.encode()) / 1e6:.1f} MB"))

        def one_pptx():
            pack.write(pack.assemble(con, area=first, quarter=chosen, catalogue=catalogue),
                       Path(folder) / "one.pptx", "pptx")

        samples, _ = timed(one_pptx, repeat)
        lines.append(describe(f"pack: one CSP end to end, PowerPoint ({built.area_name})", samples))

        def every_csp():
            for code in codes:
                pack.write(pack.assemble(con, area=code, quarter=chosen, catalogue=catalogue),
                           Path(folder) / f"{code}.pptx", "pptx")

        start = time.perf_counter()
        every_csp()
        lines.append(f"{'pack: all ' + str(len(codes)) + ' CSPs in one command, PowerPoint':<58} "
                     f"total  {(time.perf_counter() - start):8.1f} s    (one run)")
    return lines


def main(args) -> int:
    for line in pack_figures(resolve_db_path(args.db), args.quarter, repeat=min(args.repeat, PACK_REPEAT)):
        print(line, flush=True)
    return 0
