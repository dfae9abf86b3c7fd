"""The attacker of docs/disclosure.md against the real public outputs of the demo database (tests/attack.py).

Every public output is gathered once per session: the Data page's full extract, the summary of every indicator
and area at every period in both comparisons, and custom ranges of one and two months from every month (the
COVID-19 page's comparison). The attacker combines them all; it must pin no small count, and no withheld
figure, to one value. Two other databases with different true counts ("witness worlds") must publish exactly
the same outputs (tests/test_attack_witness.py): that is why no attacker, however clever, can tell them apart.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lscsb_data as L
from tests import attack

# The bound the method guarantees and the attack must not beat: a small count stays one of at least 5 values.
FEWEST_POSSIBLE_VALUES = 5


@pytest.fixture(scope="session")
def published(public_outputs) -> dict:
    return public_outputs()["texts"]


def test_the_summary_works_in_public_mode_at_every_period(demo_db_path, public_outputs):
    """Every month held, both comparisons: the summary is computed (no error) and flags its withheld figures."""
    summaries_seen = public_outputs()["summaries"]
    with L.connect(demo_db_path, read_only=True) as con:
        first, last = con.execute("SELECT min(period), max(period) FROM observations").fetchone()
    months = pd.date_range(first, last, freq="MS").date
    assert len(months) >= 120
    assert set(summaries_seen) == {(month, comparison) for month in months for comparison in ("rolling12", "quarter")}
    failed = {key: seen for key, seen in summaries_seen.items() if isinstance(seen, Exception)}
    assert not failed, failed
    assert set(summaries_seen.values()) == {np.dtype(bool)}


@pytest.fixture(scope="session")
def figures(demo_db_path, published) -> list[attack.Published]:
    with L.connect(demo_db_path, read_only=True) as con:
        catalogue = con.execute("SELECT * FROM indicators").df().set_index("id")
    return attack.figures_from_texts(published, catalogue)


@pytest.fixture(scope="session")
def rounded(demo_db_path, figures) -> attack.Result:
    with L.connect(demo_db_path, read_only=True) as con:
        return attack.attack(con, model="rounded", figures=figures)


def test_the_attacker_holds_every_kind_of_output(figures):
    sources = pd.Series([f.source for f in figures]).value_counts()
    assert {"extract", "summary rolling12", "summary quarter", "range"} <= set(sources.index)
    withheld = sum(f.shown is None for f in figures)
    assert withheld > 10_000, "the demo data should give the attacker many withheld figures to work on"


def test_the_attacker_recovers_small_counts_when_figures_are_published_as_they_are(demo_db_path):
    """The attack has teeth: hate incidents published exactly with counts of 1-4 withheld (the method before)
    give nearly every small count away, by rolling windows, running totals and parent minus parts."""
    with L.connect(demo_db_path, read_only=True) as con:
        series = L.series(con, indicator=None, public=False)
        catalogue = con.execute("SELECT * FROM indicators").df().set_index("id")
        hate = series[series.indicator.str.startswith("hate_incidents")].copy()
        for column in ("numerator", "rolling_numerator"):
            hate[column] = hate[column].astype(object).where(~hate[column].between(1, 4), "[c]")
        hate = hate.assign(first=[attack.month_number(p) for p in hate.period])
        hate = hate.assign(last=hate["first"], rolling_first=hate["first"] - 11, value=None, rolling_value=None)
        found = attack.figures_from_rows(hate, source="extract", catalogue=catalogue, windows=[
            ("numerator", "denominator", "value", "first", "last"),
            ("rolling_numerator", "rolling_denominator", "rolling_value", "rolling_first", "last")])
        result = attack.attack(con, model="exact", figures=found)
    small_hate = result.small & np.char.startswith(result.indicators.astype(str), "hate_incidents")
    determined = result.determined() & small_hate
    assert result.wrong().sum() == 0 and small_hate.sum() > 1000
    assert determined.sum() > 0.9 * small_hate.sum()


def test_no_small_count_and_no_withheld_figure_is_determined(rounded):
    found = rounded.summary()
    assert found["unknowns pinned to a wrong value or bounded away from the truth (model does not fit)"] == 0
    assert found["contradictions"] == 0
    assert found["stored counts of 1-4"] > 5000
    assert found["stored counts of 1-4 determined exactly"] == 0
    assert found["withheld figures determined exactly"] == 0
    assert found["narrowest interval on a stored count of 1-4 (possible values)"] >= FEWEST_POSSIBLE_VALUES
    assert found["narrowest interval on a withheld figure (possible values)"] >= FEWEST_POSSIBLE_VALUES


def test_linear_programmes_find_no_narrower_interval(rounded):
    checks = attack.linear_programme_check(rounded, sample=2)
    assert len(checks) == 2
    for check in checks:
        least, greatest = check["linear programme"]
        assert least is not None and greatest is not None, check
        assert least - 1e-6 <= check["truth"] <= greatest + 1e-6, check
        assert greatest - least >= FEWEST_POSSIBLE_VALUES - 1 - 1e-6, check


def test_reading_published_figures_as_exact_gets_no_small_count_right(demo_db_path, figures):
    with L.connect(demo_db_path, read_only=True) as con:
        naive = attack.attack(con, model="exact", figures=figures)
    assert (naive.determined() & naive.small).sum() == 0
    assert naive.wrong().sum() > 1000, "published counts are rounded, so reading them as exact must be wrong"
