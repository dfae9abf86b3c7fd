"""The witness worlds of docs/disclosure.md: two other databases with different true counts publish exactly the
outputs the demo database publishes (tests/attack.py), so no attacker, however clever, can tell them apart.

Each world's outputs are computed here, then compared with the demo database's, which are computed once for the
run (``public_outputs`` in tests/conftest.py, shared with tests/test_attack_disclosure.py on another worker).
"""
from __future__ import annotations

from pathlib import Path

import lscsb_data as L
from tests import attack


def test_other_true_counts_publish_exactly_the_same_outputs(demo_db_path, public_outputs, tmp_path):
    """Every stored count replaced by its protected one (every count of 1-4 changes): every output is the same."""
    world = tmp_path / "witness.duckdb"
    attack.witness_world(demo_db_path, world)
    with L.connect(world, read_only=True) as con:
        again = attack.publish_everything(con, range_lengths=attack.SUITE_RANGE_LENGTHS)
    published = public_outputs()["texts"]
    assert set(again) == set(published)
    changed = [key for key in published if again[key] != published[key]]
    assert not changed, f"{len(changed)} outputs differ, first {changed[0]}"
    moved, small_moved, small = _differences(world, demo_db_path)
    assert moved > 1000 and small > 5000 and small_moved == small


def test_random_true_counts_within_the_windows_publish_the_same_outputs(demo_db_path, public_outputs, tmp_path):
    """Each running total moved at random among the 5 values its published one allows: a sample of outputs."""
    world = tmp_path / "random.duckdb"
    attack.witness_world(demo_db_path, world, seed=1)
    published = public_outputs()["texts"]
    starts = sorted({key[1] for key in published if key[0] == "range"})[::10]
    periods = [attack.month_date(m) for m in starts]
    with L.connect(world, read_only=True) as con:
        again = attack.publish_everything(con, periods=periods, range_lengths=(1,), range_starts=starts)
    assert len(again) > 20
    changed = [key for key in again if again[key] != published[key]]
    assert not changed, f"{len(changed)} outputs differ, first {changed[0]}"
    moved, small_moved, _small = _differences(world, demo_db_path)
    assert moved > 1000 and small_moved > 1000


def _differences(world: Path, original: Path) -> tuple[int, int, int]:
    """Stored counts of sensitive indicators that differ between the worlds: all, those of 1-4, and all of 1-4."""
    import duckdb

    with duckdb.connect(":memory:") as con:
        con.execute(f"ATTACH '{world}' AS w (READ_ONLY)")
        con.execute(f"ATTACH '{original}' AS o (READ_ONLY)")
        return con.execute("""
            SELECT count(*) FILTER (WHERE w.numerator <> o.numerator),
                   count(*) FILTER (WHERE o.numerator BETWEEN 1 AND 4 AND w.numerator <> o.numerator),
                   count(*) FILTER (WHERE o.numerator BETWEEN 1 AND 4)
            FROM w.observations AS w JOIN o.observations AS o USING (indicator_id, area_code, period)
            JOIN o.indicators AS i ON i.id = o.indicator_id
            WHERE i.sensitive
        """).fetchone()
