"""Property-based: random and mutated CSV input never ends in a traceback, only a clear ``LoadError``
(naming the file) or a clean load, and the database is unchanged when the load is refused."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lscsb_data import connect, loaders
from tests.loading_support import POLICEUK_MONTHS, make_base_db

GOOD = Path(__file__).parent / "good_files"
VALID = {
    "tidy": b"indicator,area_code,period,numerator,denominator\n"
            b"all_crime,E07000129,2021-03,120,\nyouth_eet,E07000130,2021-04,12,40\nuava_referrals,E06000016,2021-03,7,\n",
    "population": b"area_code,area_name,year,persons,persons_10_17\nE07000129,Blaby,2021,102000,9800\n"
                  b"E06000016,Leicester,2021,355000,35000\n",
    "policeuk": b"".join(POLICEUK_MONTHS[0].read_bytes().splitlines(keepends=True)[:12]),
}
CELLS = st.sampled_from(["", "-1", "1.5", "12", "=1+1", "@x", "+3", "\u00e9", '"', '""', ",", "\n", "\r\n", "2021-13",
                         "E07000129", "all_crime", "Leicestershire Police", "Burglary", "\x00", "9" * 30, " "])
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return make_base_db(tmp_path_factory.mktemp("properties") / "base.duckdb")


def _attempt(base: Path, data: bytes, *, dry_run: bool) -> None:
    """Load ``data`` into a copy of ``base``; only a clean load or a LoadError naming the file may happen."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "lscsb.duckdb"
        shutil.copyfile(base, target)
        before = target.read_bytes()
        try:
            reports = loaders.load_files(target, [loaders.InputFile("input.csv", data)], dry_run=dry_run)
        except loaders.LoadError as error:
            assert error.problems and all(p.file.startswith("input.csv") for p in error.problems)
            assert str(error).startswith("input.csv")
            assert target.read_bytes() == before
            return
        assert reports
        if dry_run:
            assert target.read_bytes() == before
        else:
            with connect(target, read_only=True) as con:
                assert con.execute("SELECT count(*) FROM loads").fetchall()[0][0] == sum(not r.skipped for r in reports)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_bytes_never_end_in_a_traceback(base, data):
    _attempt(base, data, dry_run=True)


@SETTINGS
@given(header=st.sampled_from([VALID[k].split(b"\n", 1)[0] for k in VALID]),
       rows=st.lists(st.lists(CELLS, min_size=0, max_size=13), min_size=0, max_size=5))
def test_random_rows_under_a_known_header_never_end_in_a_traceback(base, header, rows):
    body = "\n".join(",".join(row) for row in rows).encode("utf-8")
    _attempt(base, header + b"\n" + body, dry_run=True)


@st.composite
def mutated(draw):
    """A valid file with a few cells replaced, characters deleted, lines repeated or the end cut off."""
    kind = draw(st.sampled_from(sorted(VALID)))
    lines = VALID[kind].decode("utf-8").split("\n")
    for _ in range(draw(st.integers(1, 3))):
        line = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["cell", "delete", "repeat", "cut"]))
        cells = lines[line].split(",")
        if action == "cell":
            cells[draw(st.integers(0, len(cells) - 1))] = draw(CELLS)
            lines[line] = ",".join(cells)
        elif action == "delete" and lines[line]:
            at = draw(st.integers(0, len(lines[line]) - 1))
            lines[line] = lines[line][:at] + lines[line][at + 1:]
        elif action == "repeat":
            lines.insert(line, lines[line])
        else:
            lines = lines[: line + 1]
    return "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])), errors="replace")


@settings(max_examples=30, deadline=None)
@given(data=mutated())
def test_mutated_files_load_cleanly_or_are_refused_leaving_the_database_unchanged(base, data):
    _attempt(base, data, dry_run=False)


def test_the_valid_seeds_load(base):
    for data in VALID.values():
        _attempt(base, data, dry_run=False)
