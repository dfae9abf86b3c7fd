"""``python -m lscsb_data bench --load``: how fast police.uk files load, beside plain pandas.

Two inputs: the 24 real Leicestershire months (the zip data.police.uk serves), and a synthetic national
set shaped like police.uk files (one file per force and month, every LSOA in England and Wales from
``data/lsoa_lookup.csv``, three years, about 10 million rows by default). Each load runs in a fresh
process so its peak memory (maximum resident set) is its own. The loader does the whole job: checksum,
encoding, validation of every row, placing, counting and the atomic write into a copy of a database.
The pandas version only reads, checks the month, places and counts (no checksum, no database write),
so the ratio is, if anything, generous to pandas. Both must give the same counts; the run says so.
Prints figures, never passes or fails on time.
"""
from __future__ import annotations

import multiprocessing
import os
import re
import resource
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
import pandas as pd

from lscsb_data.figures import db
from lscsb_data import loaders
from lscsb_data.loaders.build import load_reference_tables
from lscsb_data.config import DATA_DIR, PROJECT_ROOT

DEFAULT_ZIP = PROJECT_ROOT.parent / "shared" / "reference" / "policeuk" / "leicestershire-2019-12-to-2021-11.zip"
MONTHS = 36
FIRST_MONTH = "2019-04-01"
CRIME_TYPES = [
    ("Anti-social behaviour", 30), ("Violence and sexual offences", 30), ("Criminal damage and arson", 8),
    ("Public order", 7), ("Shoplifting", 5), ("Other theft", 5), ("Burglary", 4), ("Vehicle crime", 4),
    ("Drugs", 2), ("Theft from the person", 1), ("Robbery", 1), ("Bicycle theft", 1), ("Possession of weapons", 1),
    ("Other crime", 1),
]
KEY = ["period", "area_code", "indicator_id"]


def _reset_peak() -> None:
    """Start this process's peak-memory count afresh (Linux keeps the parent's peak across fork and exec)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_mb() -> float:
    """The process's peak resident memory since ``_reset_peak`` (VmHWM), else its lifetime maximum."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthesise(folder: Path, rows: int, *, say=print) -> int:
    """Write police.uk-shaped street files (``YYYY-MM/YYYY-MM-<force>-street.csv``) for every LSOA in
    England and Wales over ``MONTHS`` months, about ``rows`` rows in all (1 in 100 with no location);
    returns the rows written."""
    per_lsoa_month = max(1, round(rows / MONTHS / 34_753))
    weights = " UNION ALL ".join(f"SELECT '{name}' AS crime_type, {weight} AS weight" for name, weight in CRIME_TYPES)
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        for table, name in (("lsoa", "lsoa_lookup.csv"), ("las", "local_authorities.csv"), ("forces", "police_forces.csv")):
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv($p, header = true, all_varchar = true)",
                        {"p": str(DATA_DIR / name)})
        con.execute(f"""
            CREATE TABLE types AS
            SELECT crime_type, sum(weight) OVER (ORDER BY crime_type) - weight AS low,
                   sum(weight) OVER (ORDER BY crime_type) AS high
            FROM ({weights})
        """)
        con.execute("""
            CREATE TABLE places AS
            SELECT l.lsoa_code, a.la_name || ' ' || lpad(((row_number() OVER w - 1) // 5 + 1)::VARCHAR, 3, '0')
                       || chr(65 + ((row_number() OVER w - 1) % 5)::INTEGER) AS lsoa_name,
                   f.police_uk_name AS force
            FROM lsoa AS l JOIN las AS a USING (la_code) JOIN forces AS f ON f.code = a.police_force_code
            WINDOW w AS (PARTITION BY l.la_code ORDER BY l.lsoa_code)
        """)
        total_weight = sum(weight for _, weight in CRIME_TYPES)
        con.execute(f"""
            CREATE TABLE street AS
            SELECT sha256(p.lsoa_code || m.i || r.j) AS "Crime ID",
                   strftime(DATE '{FIRST_MONTH}' + to_months(m.i::INTEGER), '%Y-%m') AS "Month",
                   p.force AS "Reported by", p.force AS "Falls within",
                   CASE WHEN h % 100 = 0 THEN NULL ELSE round(-1.5 + (h % 1000) / 1000.0, 6) END AS "Longitude",
                   CASE WHEN h % 100 = 0 THEN NULL ELSE round(52.5 + (h % 997) / 1000.0, 6) END AS "Latitude",
                   CASE WHEN h % 100 = 0 THEN 'No location' ELSE 'On or near High Street' END AS "Location",
                   CASE WHEN h % 100 = 0 THEN NULL ELSE p.lsoa_code END AS "LSOA code",
                   CASE WHEN h % 100 = 0 THEN NULL ELSE p.lsoa_name END AS "LSOA name",
                   t.crime_type AS "Crime type",
                   CASE WHEN t.crime_type = 'Anti-social behaviour' THEN NULL
                        ELSE 'Investigation complete; no suspect identified' END AS "Last outcome category",
                   NULL AS "Context"
            FROM places AS p
            CROSS JOIN range({MONTHS}) AS m(i)
            CROSS JOIN range({per_lsoa_month}) AS r(j)
            CROSS JOIN LATERAL (SELECT hash(p.lsoa_code, m.i, r.j) AS h)
            JOIN types AS t ON (h // 7) % {total_weight} >= t.low AND (h // 7) % {total_weight} < t.high
        """)
        written = con.execute("SELECT count(*) FROM street").fetchall()[0][0]
        say(f"synthetic national set: {written:,} rows, writing one file per force and month...")
        staging = folder / "partitioned"
        con.execute(f"""
            COPY (SELECT * FROM street) TO '{staging}'
            (FORMAT csv, HEADER, PARTITION_BY ("Month", "Falls within"), WRITE_PARTITION_COLUMNS true)
        """)
    for path in staging.rglob("*.csv"):
        month = path.parent.parent.name.split("=", 1)[1]
        force = re.sub(r"[^a-z0-9]+", "-", path.parent.name.split("=", 1)[1].replace("%20", " ").lower()).strip("-")
        (folder / month).mkdir(exist_ok=True)
        path.rename(folder / month / f"{month}-{force}-street.csv")
    shutil.rmtree(staging)
    return written


def _members(paths: list[Path]):
    """Each police.uk street CSV behind the paths (zip members are opened in place)."""
    for path in paths:
        if path.is_dir():
            for member in sorted(path.rglob("*-street.csv")):
                yield member.name, lambda member=member: open(member, "rb")
        else:
            archive = zipfile.ZipFile(path)
            for name in sorted(n for n in archive.namelist() if n.endswith("-street.csv")):
                yield name, lambda name=name: archive.open(name)


def pandas_counts(paths: list[Path]) -> pd.DataFrame:
    """The same load written plainly in pandas: read every file, check the month, place each row by LSOA
    code (else the LSOA name's local authority, else the force's no-location area) and count."""
    usecols = ["Month", "Falls within", "LSOA code", "LSOA name", "Crime type"]
    frames = []
    for name, opener in _members(paths):
        with opener() as handle:
            frames.append(pd.read_csv(handle, usecols=usecols, dtype=str, keep_default_na=False))
    rows = pd.concat(frames, ignore_index=True)
    bad = ~rows.Month.str.fullmatch(r"(19|20)\d{2}-(0[1-9]|1[0-2])")
    if bad.any():
        raise ValueError(f"{bad.sum()} rows with a month that is not YYYY-MM")
    lookup = pd.read_csv(DATA_DIR / "lsoa_lookup.csv", dtype=str).set_index("lsoa_code").la_code
    prefixes = pd.read_csv(DATA_DIR / "lsoa_name_prefixes.csv", dtype=str).set_index("prefix").la_code
    forces = pd.read_csv(DATA_DIR / "police_forces.csv", dtype=str).set_index("police_uk_name").code
    area = rows["LSOA code"].map(lookup)
    area = area.fillna(rows["LSOA name"].str.extract(r"^(.*) \d{3}[A-Z]$")[0].map(prefixes))
    area = area.fillna(rows["Falls within"].map(forces) + "-UNALLOCATED")
    counted = rows.assign(area_code=area).groupby(["Month", "area_code", "Crime type"]).size().rename("numerator").reset_index()
    return pd.DataFrame({
        "period": pd.to_datetime(counted.Month + "-01"),
        "area_code": counted.area_code,
        "indicator_id": "policeuk_" + counted["Crime type"].str.lower().str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_"),
        "numerator": counted.numerator.astype("int64"),
    })


def _ours(base: str, paths: list[str], queue) -> None:
    _reset_peak()
    folder = tempfile.mkdtemp(prefix="lscsb-bench-db-")
    target = Path(folder) / "lscsb.duckdb"
    shutil.copyfile(base, target)
    started = time.perf_counter()
    reports = loaders.load_files(target, paths)
    seconds = time.perf_counter() - started
    with db.connect(target, read_only=True) as con:
        counts = con.execute(
            """
            SELECT period, area_code, indicator_id, numerator FROM observations
            WHERE indicator_id LIKE 'policeuk_%' AND indicator_id <> 'policeuk_all_crime' AND numerator > 0
            """
        ).df()
    shutil.rmtree(folder)
    queue.put((seconds, _peak_mb(), sum(r.rows_read for r in reports), len(reports), counts))


def _pandas(base: str, paths: list[str], queue) -> None:
    _reset_peak()
    started = time.perf_counter()
    counts = pandas_counts([Path(p) for p in paths])
    seconds = time.perf_counter() - started
    queue.put((seconds, _peak_mb(), int(counts.numerator.sum()), None, counts))


def _measure(target, base: Path, paths: list[Path]):
    """Run one load in a fresh process; its time, peak memory, rows, files and counts."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(str(base), [str(p) for p in paths], queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def _same(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    def tidy(frame):
        frame = frame.assign(period=pd.to_datetime(frame.period), numerator=frame.numerator.astype("int64"))
        return frame.sort_values(KEY).reset_index(drop=True)[[*KEY, "numerator"]]
    return tidy(left).equals(tidy(right))


def compare(label: str, base: Path, paths: list[Path]) -> dict:
    ours = _measure(_ours, base, paths)
    theirs = _measure(_pandas, base, paths)
    seconds, peak, rows, files, counts = ours
    pandas_seconds, pandas_peak, pandas_rows, _, pandas_counted = theirs
    figures = {
        "label": label, "rows": rows, "files": files, "seconds": seconds, "rows_per_second": rows / seconds,
        "peak_mb": peak, "pandas_seconds": pandas_seconds, "pandas_rows_per_second": pandas_rows / pandas_seconds,
        "pandas_peak_mb": pandas_peak, "ratio": pandas_seconds / seconds, "same_counts": _same(counts, pandas_counted),
    }
    print(f"{label}: {rows:,} rows in {files:,} files")
    print(f"  lscsb loader: {seconds:6.2f} s  {figures['rows_per_second'] / 1e6:5.2f} M rows/s  peak {peak:,.0f} MB "
          "(checksum, validation, placing, counting, atomic write)")
    print(f"  plain pandas: {pandas_seconds:6.2f} s  {figures['pandas_rows_per_second'] / 1e6:5.2f} M rows/s  "
          f"peak {pandas_peak:,.0f} MB (read, month check, placing, counting)")
    print(f"  loader is {figures['ratio']:.1f}x pandas; same counts: {'yes' if figures['same_counts'] else 'NO'}")
    return figures


def main(args) -> int:
    zip_path = Path(args.policeuk_zip) if args.policeuk_zip else DEFAULT_ZIP
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"bench --load on {os.cpu_count()} cores, load average {load} (figures are slower on a busy machine); "
          "each load runs in a fresh process, peak = its maximum resident memory")
    with tempfile.TemporaryDirectory(prefix="lscsb-bench-load-") as work:
        work = Path(work)
        base = work / "base.duckdb"
        with db.writable_copy(base, start_empty=True) as con:
            db.create_schema(con)
            load_reference_tables(con)
            db.refresh_materialized(con)
        if zip_path.exists():
            compare(f"24 real months ({zip_path.name})", base, [zip_path])
        else:
            print(f"skipped the real months: {zip_path} not found (--policeuk-zip PATH)")
        if args.national_rows:
            national = work / "national"
            national.mkdir()
            started = time.perf_counter()
            written = synthesise(national, args.national_rows)
            print(f"  (written in {time.perf_counter() - started:.1f} s)")
            compare(f"synthetic national set ({MONTHS} months, every LSOA in England and Wales, {written:,} rows)",
                    base, [national])
    return 0
