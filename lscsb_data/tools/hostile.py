"""``python -m lscsb_data bench --hostile``: what the loader does with each hostile file, in time, memory and words.

Each file is made afresh in a temporary folder (the builders are shared with tests/test_load_hostile.py),
then loaded by ``python -m lscsb_data load`` in a child process of the checkout under test, so its peak
memory (maximum resident set) and time are its own; a load still running at ``--timeout`` is killed and
said so. ``--checkout DIR`` runs another checkout's loader on the same files (e.g. main before a change),
which is how the before and after figures in docs/loader-limits.md were made. Prints figures, never
passes or fails on time.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lscsb_data.config import PROJECT_ROOT

TIDY_HEADER = b"indicator,area_code,period,numerator,denominator\n"
POLICEUK_HEADER = (b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
                   b"Crime type,Last outcome category,Context\n")
POLICEUK_ROW = (b"0a1b2c,2020-03,Leicestershire Police,Leicestershire Police,-1.212224,52.623430,"
                b"On or near Willoughby Gardens,E01025631,Blaby 002A,Burglary,Under investigation,\n")
POLICEUK_MEMBER = "2020-03/2020-03-leicestershire-street.csv"


def wide_csv(folder: Path, columns: int) -> Path:
    """A tidy-looking CSV whose header has ``columns`` columns (the first five are the tidy ones)."""
    path = folder / f"columns-{columns}.csv"
    extra = b"".join(b",c%d" % number for number in range(6, columns + 1))
    path.write_bytes(TIDY_HEADER.rstrip(b"\n") + extra + b"\n" + b"all_crime,E07000129,2021-03,5," + b"," * (columns - 5) + b"\n")
    return path


def zip_bomb(folder: Path, unpacked_mb: int) -> Path:
    """A one-month police.uk archive whose one member inflates to about ``unpacked_mb`` MB of valid rows."""
    path = folder / f"bomb-{unpacked_mb}mb.zip"
    block = POLICEUK_ROW * ((1 << 20) // len(POLICEUK_ROW))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(POLICEUK_MEMBER, "w", force_zip64=True) as member:
            member.write(POLICEUK_HEADER)
            for _ in range(unpacked_mb):
                member.write(block)
    return path


def many_members(folder: Path, members: int) -> Path:
    """An archive of ``members`` one-row police.uk files (stored, so each is tiny)."""
    path = folder / f"members-{members}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for number in range(members):
            archive.writestr(f"2020-03/{number:07d}-street.csv", POLICEUK_HEADER + POLICEUK_ROW)
    return path


def tidy_file(folder: Path, name: str, rows: list[bytes]) -> Path:
    path = folder / name
    path.write_bytes(TIDY_HEADER + b"".join(row + b"\n" for row in rows))
    return path


def big_numerator(folder: Path) -> Path:
    return tidy_file(folder, "numerator-20-digits.csv", [b"all_crime,E07000129,2021-03,99999999999999999999,"])


def big_denominator(folder: Path) -> Path:
    return tidy_file(folder, "denominator-20-digits.csv", [b"youth_eet,E07000129,2021-04,12,99999999999999999999"])


def inexact_numerator(folder: Path) -> Path:
    return tidy_file(folder, "numerator-17-digits.csv", [b"all_crime,E07000129,2021-03,12345678901234567,"])


def long_field_tidy(folder: Path) -> Path:
    """A tidy file whose third row has a 300 KB area code."""
    return tidy_file(folder, "field-300kb.csv", [b"all_crime,E07000129,2021-03,5,", b"all_crime," + b"E" * 300_000 + b",2021-03,5,"])


def long_field_policeuk(folder: Path) -> Path:
    """A police.uk month whose third row has a 300 KB Location (a column the dashboard never reads)."""
    path = folder / "2020-03-leicestershire-street.csv"
    long_row = POLICEUK_ROW.replace(b"On or near", b"On or near " + b"x" * 300_000)
    path.write_bytes(POLICEUK_HEADER + POLICEUK_ROW + long_row + POLICEUK_ROW)
    return path


def corrupt_member(folder: Path) -> Path:
    """A police.uk archive whose member's compressed bytes are damaged part-way through."""
    path = folder / "corrupt.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        rows = b"".join(POLICEUK_ROW.replace(b"0a1b2c", b"%08x" % (number * 2_654_435_761 % 2**32)) for number in range(20_000))
        archive.writestr(POLICEUK_MEMBER, POLICEUK_HEADER + rows)
    damaged = bytearray(path.read_bytes())
    for offset in range(400, 460):
        damaged[offset] ^= 0x55
    path.write_bytes(bytes(damaged))
    return path


def month_twice(folder: Path) -> Path:
    """A police.uk archive holding one force's month in two members (the second under another folder)."""
    path = folder / "month-twice.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(POLICEUK_MEMBER, POLICEUK_HEADER + POLICEUK_ROW)
        archive.writestr("copy/2020-03-leicestershire-street.csv", POLICEUK_HEADER + POLICEUK_ROW * 2)
    return path


def long_field_in_zip(folder: Path) -> Path:
    path = folder / "tidy-in-zip.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(long_field_tidy(folder), "partner/field-300kb.csv")
    return path


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]
    dry_run: bool


def cases(bomb_mb: int, members: int) -> list[Case]:
    return [
        Case("1,000,000 columns", lambda f: wide_csv(f, 1_000_000), True),
        Case("20,000 columns", lambda f: wide_csv(f, 20_000), True),
        Case(f"zip bomb ({bomb_mb:,} MB unpacked)", lambda f: zip_bomb(f, bomb_mb), False),
        Case(f"zip of {members:,} members", lambda f: many_members(f, members), True),
        Case("corrupt zip member", corrupt_member, True),
        Case("one month in two zip members", month_twice, True),
        Case("numerator 99999999999999999999 (dry run)", big_numerator, True),
        Case("numerator 99999999999999999999 (load)", big_numerator, False),
        Case("denominator 99999999999999999999 (dry run)", big_denominator, True),
        Case("numerator 12345678901234567 (load)", inexact_numerator, False),
        Case("300 KB field, tidy file", long_field_tidy, True),
        Case("300 KB field, tidy file in a zip", long_field_in_zip, True),
        Case("300 KB field, police.uk file", long_field_policeuk, True),
    ]


@dataclass
class Run:
    seconds: float
    peak_mb: float
    exit: str
    output: str


def run_load(folder: Path, env: dict[str, str], arguments: list[str], timeout: float) -> Run:
    """``python -m lscsb_data load ARGUMENTS`` in ``folder`` (``env`` names the checkout) in a child process;
    its time, peak memory and words."""
    with tempfile.TemporaryFile() as log:
        started = time.monotonic()
        child = subprocess.Popen([sys.executable, "-m", "lscsb_data", "load", *arguments], cwd=folder,
                                 env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        exit_text = None
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                os.killpg(child.pid, signal.SIGKILL)
                _, status, usage = os.wait4(child.pid, 0)
                exit_text = f"killed at {timeout:.0f} s"
                break
            time.sleep(0.05)
        seconds = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().decode(errors="replace")
    return Run(seconds, usage.ru_maxrss / 1024, exit_text or f"exit {child.returncode}", output)


def _message(output: str, limit: int = 3) -> str:
    """The lines a user reads (progress lines dropped), each cut to 240 characters."""
    lines = [line for line in output.splitlines() if line.strip() and not line.startswith(("police.uk: read", "checked "))]
    if any(line.startswith("Traceback") for line in lines):
        lines = ["Traceback ... " + lines[-1]]
    shown = [line if len(line) <= 240 else line[:237] + "..." for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"... ({len(lines) - limit:,} more lines)")
    return "\n      ".join(shown)


def _stored_numerator(env: dict[str, str], db_path: Path) -> str:
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
         "print(con.execute(\"SELECT max(numerator) FROM observations WHERE indicator_id = 'all_crime' "
         "AND area_code = 'E07000129' AND period = DATE '2021-03-01'\").fetchone()[0])", str(db_path)],
        env=env, capture_output=True, text=True)
    return probe.stdout.strip() or probe.stderr.strip().splitlines()[-1]


def _scratch_folders(tmp: Path) -> list[Path]:
    return sorted(p for p in tmp.iterdir() if p.is_dir() and p.name.startswith("lscsb-"))


def _folder_mb(paths: list[Path]) -> float:
    return sum(f.stat().st_size for p in paths for f in p.rglob("*") if f.is_file()) / 1e6


def killed_load(env: dict[str, str], folder: Path, base_db: Path, timeout: float) -> list[str]:
    """Kill a load of the real 24-month archive while it unpacks, then load again: the folders left in TMPDIR each time."""
    archive = PROJECT_ROOT.parent / "shared" / "reference" / "policeuk" / "leicestershire-2019-12-to-2021-11.zip"
    shutil.copyfile(base_db, folder / "lscsb.duckdb")
    tmp = Path(env["TMPDIR"])
    child = subprocess.Popen([sys.executable, "-m", "lscsb_data", "load", "--db", "lscsb.duckdb", str(archive)],
                             cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not any(p.rglob("*.csv") for p in _scratch_folders(tmp)) and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    child.kill()
    child.wait()
    after_kill = _scratch_folders(tmp)
    lines = [f"after kill -9 while unpacking: {len(after_kill)} folder(s) left in TMPDIR, {_folder_mb(after_kill):.1f} MB"]
    run = run_load(folder, env, ["--dry-run", "--db", "lscsb.duckdb", big_numerator(folder).name], timeout)
    after_next = _scratch_folders(tmp)
    lines.append(f"after the next load ({run.seconds:.1f} s): {len(after_next)} folder(s) left, {_folder_mb(after_next):.1f} MB")
    return lines


def symlinked_db(env: dict[str, str], folder: Path, base_db: Path, timeout: float) -> list[str]:
    """Load through LSCSB_DB pointing at a symlink: is the link kept, and does the real file get the load?"""
    real = folder / "real" / "lscsb.duckdb"
    real.parent.mkdir()
    shutil.copyfile(base_db, real)
    link = folder / "link.duckdb"
    link.symlink_to(real)
    good = tidy_file(folder, "one-figure.csv", [b"all_crime,E07000129,2021-03,7,"])
    run = run_load(folder, {**env, "LSCSB_DB": str(link)}, [good.name], timeout)
    kept = link.is_symlink()
    return [f"{run.exit}, {run.seconds:.1f} s; the link is {'kept' if kept else 'replaced by a plain file'}; "
            f"the real database holds {_stored_numerator(env, real)} for the figure loaded (7 expected)"]


def main(args) -> int:
    checkout = Path(args.checkout or PROJECT_ROOT).resolve()
    print(f"hostile files against the loader of {checkout} (load average {os.getloadavg()[0]:.1f})")
    with tempfile.TemporaryDirectory(prefix="lscsb-bench-hostile-") as work:
        work = Path(work)
        # why: each load's own temporary folder is private to the run, so what a load leaves is seen and removed
        env = {**os.environ, "PYTHONPATH": str(checkout), "TMPDIR": str(work / "tmp")}
        env.pop("LSCSB_DB", None)
        (work / "tmp").mkdir()
        base_db = work / "base.duckdb"
        subprocess.run([sys.executable, "-m", "lscsb_data", "build", "--db", str(base_db)], cwd=work, env=env,
                       check=True, capture_output=True)
        for number, case in enumerate(cases(args.bomb_mb, args.members)):
            folder = work / f"case-{number}"
            folder.mkdir()
            path = case.build(folder)
            shutil.copyfile(base_db, folder / "lscsb.duckdb")
            arguments = (["--dry-run"] if case.dry_run else []) + ["--db", "lscsb.duckdb", path.name]
            run = run_load(folder, env, arguments, args.timeout)
            print(f"\n{case.name}: {path.stat().st_size / 1e6:,.1f} MB file")
            print(f"  {run.exit}, {run.seconds:.2f} s, peak {run.peak_mb:,.0f} MB")
            print(f"  says: {_message(run.output)}", flush=True)
            if path.name.startswith("numerator-17"):
                print(f"  stored numerator: {_stored_numerator(env, folder / 'lscsb.duckdb')}")
            shutil.rmtree(folder, ignore_errors=True)
            for left in _scratch_folders(work / "tmp"):
                shutil.rmtree(left, ignore_errors=True)
        for title, probe in (("killed load", killed_load), ("LSCSB_DB is a symlink", symlinked_db)):
            folder = work / title.replace(" ", "-")
            folder.mkdir()
            print(f"\n{title}:", flush=True)
            for line in probe(env, folder, base_db, args.timeout):
                print(f"  {line}", flush=True)
    return 0
