"""``python -m lscsb_data bench --national``: the engine at national scale beside plain pandas (figures, never pass/fail).

Builds the demo database from data/, then a national-scale copy of it: every local authority in
England and Wales (``data/local_authorities.csv``, populations from ``data/population.csv``) as an
area summed into its police force, with police.uk-shaped monthly counts of every police.uk crime
type for ten years (synthetic: Poisson counts at a national-average rate per head), beside the
board's indicators for LLR. On each database it times the engine's ``summary`` for every indicator
and area at one period, one page's data (the Overview's cards and one indicator's detail with its
district comparison), and the same summary written plainly in pandas (``bench_pandas``), as a ratio.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from lscsb_data.config import DATA_DIR
from lscsb_data.loaders import build
from lscsb_data.figures import db, engine, periods
from lscsb_data.presentation import pagedata
from lscsb_data.tools.bench import describe, timed
from lscsb_data.tools.bench_pandas import read_tables, summary_pandas

DATA = DATA_DIR
MONTHS = 120
LAST_MONTH = date(2024, 3, 1)
SOURCE_LABEL = "synthetic national police.uk-shaped counts (benchmark only)"
# Monthly offences per 1,000 residents by police.uk type: rough England and Wales averages, for realistic magnitudes.
MONTHLY_RATE_PER_1000 = {
    "policeuk_anti_social_behaviour": 2.3, "policeuk_bicycle_theft": 0.12, "policeuk_burglary": 0.45,
    "policeuk_criminal_damage_and_arson": 0.85, "policeuk_drugs": 0.25, "policeuk_other_crime": 0.14,
    "policeuk_other_theft": 0.65, "policeuk_possession_of_weapons": 0.07, "policeuk_public_order": 0.6,
    "policeuk_robbery": 0.12, "policeuk_shoplifting": 0.5, "policeuk_theft_from_the_person": 0.15,
    "policeuk_vehicle_crime": 0.55, "policeuk_violence_and_sexual_offences": 3.0,
}
ALL_CRIME = "policeuk_all_crime"


def local_authorities() -> pd.DataFrame:
    """Every local authority with its force and a population (the latest known persons)."""
    las = pd.read_csv(DATA / "local_authorities.csv", dtype=str)
    population = pd.read_csv(DATA / "population.csv", dtype={"area_code": str})
    persons = population.dropna(subset=["persons"]).sort_values("year").groupby("area_code").persons.last()
    las["persons"] = las.la_code.map(persons)
    return las[las.police_force_code.notna() & las.persons.notna()].reset_index(drop=True)


def national_counts(las: pd.DataFrame, seed: int = 20240301) -> pd.DataFrame:
    """Tidy monthly counts for every local authority and police.uk type (plus all crime, the sum of the crime types)."""
    rng = np.random.default_rng(seed)
    months = [periods.add_months(LAST_MONTH, -offset) for offset in range(MONTHS - 1, -1, -1)]
    frames = []
    crime_total = np.zeros((len(las), len(months)), dtype=np.int64)
    for indicator, rate in MONTHLY_RATE_PER_1000.items():
        expected = np.outer(las.persons.to_numpy(float) / 1000 * rate, np.ones(len(months)))
        counts = rng.poisson(expected)
        if indicator != "policeuk_anti_social_behaviour":
            crime_total += counts
        frames.append(_tidy(indicator, las.la_code, months, counts))
    frames.append(_tidy(ALL_CRIME, las.la_code, months, crime_total))
    return pd.concat(frames, ignore_index=True)


def _tidy(indicator: str, codes: pd.Series, months: list[date], counts: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "indicator_id": indicator,
        "area_code": np.repeat(codes.to_numpy(), len(months)),
        "period": np.tile(np.array(months, dtype="datetime64[D]"), len(codes)),
        "numerator": counts.reshape(-1),
    })


def make_national(db_path: Path, progress=print) -> dict[str, int]:
    """Build the demo database at ``db_path`` and add every local authority, force and their police.uk months."""
    started = time.perf_counter()
    build.build(db_path)
    las = local_authorities()
    forces = pd.read_csv(DATA / "police_forces.csv", dtype=str)
    counts = national_counts(las)
    progress(f"  demo database built and {len(counts):,} national rows generated in {time.perf_counter() - started:.1f} s")
    with db.writable_copy(db_path) as con:
        con.execute("SET enable_progress_bar = false")
        known = set(con.execute("SELECT code FROM areas").df().code)
        new_forces = forces[forces.code.isin(set(las.police_force_code)) & ~forces.code.isin(known)]
        con.executemany("INSERT INTO areas VALUES (?, ?, 'force', NULL)", new_forces[["code", "name"]].values.tolist())
        la_type = np.where(las.la_code.str.startswith("E07"), "district", "unitary")
        new_las = las.assign(type=la_type)[~las.la_code.isin(known)]
        con.executemany("INSERT INTO areas VALUES (?, ?, ?, ?)",
                        new_las[["la_code", "la_name", "type", "police_force_code"]].values.tolist())
        # why: districts outside LLR already held (border police.uk rows) are summed into their own force too
        outside = las[las.la_code.isin(known) & (las.police_force_code != "E23000021")]
        con.executemany("UPDATE areas SET parent_code = ? WHERE code = ? AND parent_code IS NULL",
                        outside[["police_force_code", "la_code"]].values.tolist())
        load_id = con.execute(
            "INSERT INTO loads (file_name, sha256, kind, source_label, is_demo, rows_read, rows_loaded, loaded_at) "
            "VALUES ('bench_national', '', 'benchmark', $label, true, $rows, $rows, $at) RETURNING load_id",
            {"label": SOURCE_LABEL, "rows": len(counts), "at": datetime.now()},
        ).fetchone()[0]
        con.register("national_counts", counts.assign(load_id=load_id))
        # why: LLR's own police.uk months (real) are kept; the synthetic rows fill every other area
        con.execute("INSERT OR IGNORE INTO observations SELECT indicator_id, area_code, period, numerator, NULL, load_id "
                    "FROM national_counts")
        con.unregister("national_counts")
        db.refresh_materialized(con)
        sizes = {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in ("areas", "observations")}
    progress(f"  national database ready in {time.perf_counter() - started:.1f} s: {sizes['areas']:,} areas, "
             f"{sizes['observations']:,} observations")
    return sizes


def figures(db_path: Path, label: str, repeat: int, pandas_repeat: int) -> list[str]:
    """The engine's summary and one page's data on ``db_path``, and the pandas summary beside them."""
    with db.connect(db_path, read_only=True) as con:
        period = engine.latest_period(con, indicators=[ALL_CRIME]) or LAST_MONTH
        n_areas = con.execute("SELECT count(*) FROM areas").fetchone()[0]
        n_rows = con.execute("SELECT count(*) FROM observations").fetchone()[0]
        lines = [f"{label}: {db_path}, {n_areas:,} areas, {n_rows:,} observations, period {period:%Y-%m}"]
        engine_samples, frame = timed(lambda: engine.summary(con, period=period), repeat)
        lines.append(describe("engine summary: every indicator and area", engine_samples,
                              f"{len(frame):,} rows"))
        catalogue, area_frame = engine.indicators(con), engine.areas(con)
        samples, _ = timed(lambda: pagedata.overview_cards(con, area="E07000129", period=period, catalogue_rows=catalogue,
                                                           area_frame=area_frame), repeat)
        lines.append(describe("page data: Overview cards with sparklines (Blaby)", samples))
        samples, detail = timed(lambda: pagedata.indicator_detail(con, indicator=ALL_CRIME, area="E07000129", period=period,
                                                                  catalogue_rows=catalogue, area_frame=area_frame), repeat)
        lines.append(describe("page data: police.uk all crime detail (trend, areas)", samples,
                              f"{len(detail.districts):,} areas compared"))
        read_started = time.perf_counter()
        tables = read_tables(con)
        read_ms = (time.perf_counter() - read_started) * 1000
    pandas_samples, yardstick = timed(lambda: summary_pandas(tables, period), pandas_repeat)
    lines.append(describe("pandas summary: every indicator and area", pandas_samples,
                          f"{len(yardstick):,} rows; tables read beforehand in {read_ms:,.0f} ms, not counted"))
    ratio = statistics.median(pandas_samples) / statistics.median(engine_samples)
    lines.append(f"{'ratio pandas / engine (median summary times)':<58} {ratio:8.1f}x")
    return lines


def main(args) -> int:
    repeat = max(1, args.repeat)
    pandas_repeat = max(1, min(repeat, 3))
    with tempfile.TemporaryDirectory(prefix="lscsb-bench-") as folder:
        demo_path = Path(folder) / "demo.duckdb"
        national_path = Path(folder) / "national.duckdb"
        print(f"building the demo and national databases in {folder}", flush=True)
        build.build(demo_path)
        make_national(national_path, progress=lambda text: print(text, flush=True))
        print(f"{repeat} engine runs and {pandas_repeat} pandas runs each, after one warm-up", flush=True)
        for label, path in (("demo", demo_path), ("national", national_path)):
            for line in figures(path, label, repeat, pandas_repeat):
                print(line, flush=True)
    return 0
