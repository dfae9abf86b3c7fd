"""The national benchmark's synthetic data has the shape the engine expects (its timings are figures, not tests)."""
from __future__ import annotations

import pandas as pd

from lscsb_data.tools import bench_national


def test_every_local_authority_has_a_force_and_a_population():
    las = bench_national.local_authorities()
    assert len(las) >= 300
    assert las.la_code.is_unique
    assert (las.persons > 0).all() and las.police_force_code.str.match(r"^(E23|W15)\d{6}$").all()


def test_all_crime_is_the_sum_of_the_crime_types_and_asb_is_apart():
    las = pd.DataFrame({"la_code": ["E07000001", "W06000001"], "persons": [100_000.0, 50_000.0]})
    counts = bench_national.national_counts(las, seed=1)
    assert len(counts) == (len(bench_national.MONTHLY_RATE_PER_1000) + 1) * 2 * bench_national.MONTHS
    wide = counts.pivot_table(index=["area_code", "period"], columns="indicator_id", values="numerator")
    crime_types = [c for c in bench_national.MONTHLY_RATE_PER_1000 if c != "policeuk_anti_social_behaviour"]
    assert (wide[bench_national.ALL_CRIME] == wide[crime_types].sum(axis=1)).all()
    assert counts.period.max() == pd.Timestamp(bench_national.LAST_MONTH)
    # about 90 crimes per 1,000 people a year, the England and Wales figure
    monthly_rate = wide[bench_national.ALL_CRIME].groupby(level="area_code").mean() / las.set_index("la_code").persons * 1000
    assert monthly_rate.between(6.5, 8.5).all()
