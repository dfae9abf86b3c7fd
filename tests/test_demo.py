"""The demonstration data generator: deterministic bytes, its building blocks, and clear errors in its model files."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lscsb_data.tools import demo
from lscsb_data.config import DATA_DIR
from lscsb_data.loaders import tidy


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo_out")
    demo.write_demo_files(out)
    return out


def test_generation_gives_the_committed_files_byte_for_byte(regenerated):
    committed = sorted(p.name for p in (DATA_DIR / "demo").glob("*.csv"))
    assert committed == ["asb.csv", "crime.csv", "hate.csv", "offending.csv", "victims.csv"]
    assert sorted(p.name for p in regenerated.glob("*.csv")) == committed
    for name in committed:
        assert (regenerated / name).read_bytes() == (DATA_DIR / "demo" / name).read_bytes(), f"{name} differs: run `python -m lscsb_data demo`"


def test_files_are_tidy_sorted_and_hold_their_theme_only(regenerated):
    import pandas as pd

    catalogue = pd.read_csv(DATA_DIR / "indicators.csv").set_index("id")
    for path in regenerated.glob("*.csv"):
        lines = path.read_text().splitlines()
        assert lines[0] == ",".join(tidy.COLUMNS)
        rows = [line.split(",") for line in lines[1:]]
        keys = [(r[0], r[1], r[2]) for r in rows]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        assert {catalogue.theme[r[0]] for r in rows} == {path.stem}
        assert not any(r[0].startswith("policeuk_") or r[1] in ("E10000018",) for r in rows)


def test_largest_remainder_splits_exactly_in_proportion():
    parts = demo.largest_remainder(670, np.array([0.65, 0.16, 0.08, 0.05, 0.03, 0.03]))
    assert parts.sum() == 670
    assert list(parts) == [436, 107, 54, 33, 20, 20]
    assert list(demo.largest_remainder(0, np.array([1.0, 2.0]))) == [0, 0]


def test_feasible_totals_round_to_the_value_and_move_the_denominator_only_when_needed():
    assert demo.feasible_totals(49, 0, 100, 897, percentage=True) == (440, 897)
    numerator, denominator = demo.feasible_totals(0.18, 2, 1, 59)
    assert round(numerator / denominator, 2) == 0.18 and abs(denominator - 59) <= 3
    assert abs(numerator / denominator - 0.18) <= 0.004
    numerator, denominator = demo.feasible_totals(100, 0, 100, 10, percentage=True)
    assert numerator == denominator == 10
    with pytest.raises(ValueError):
        demo.feasible_totals(120, 0, 100, 10, percentage=True)


def test_adjust_total_adds_within_room_and_removes_down_to_the_floor():
    rng = np.random.default_rng(1)
    denominators = np.array([5, 1, 7])
    grown = demo.adjust_total(rng, np.array([2, 1, 3]), 6, room=denominators - np.array([2, 1, 3]))
    assert grown.sum() == 12 and (grown <= denominators).all()
    shrunk = demo.adjust_total(rng, np.array([3, 1, 4]), -4, floor=1)
    assert shrunk.sum() == 4 and (shrunk >= 1).all()
    weighted = demo.adjust_total(rng, np.array([0, 0]), 50, weights=np.array([0.0, 1.0]))
    assert list(weighted) == [0, 50]


def test_trend_curve_is_log_linear_between_points_and_flat_outside():
    curve = demo.trend_curve(((2, 1.0), (4, 4.0)), n_months=7)
    assert curve == pytest.approx([1, 1, 1, 2, 4, 4, 4])


def test_seasonality_averages_one_and_peaks_in_its_month():
    season = demo.seasonality(0.2, 7, n_months=12)
    assert season.mean() == pytest.approx(1)
    months = (np.arange(12) + demo.FIRST_MONTH.month - 1) % 12 + 1
    assert months[season.argmax()] == 7 and season.max() == pytest.approx(1.2)


def _anchor(start: int, end: int, value: float, n_periods: int) -> demo._Anchor:
    mask = np.zeros((1, n_periods), dtype=bool)
    mask[0, start: end + 1] = True
    target = demo.Target(row=2, indicator="x", area="A", start=start, end=end, kind="value", target=value, decimals=0,
                         published=float("nan"), published_decimals=0, relative_to=None)
    return demo._Anchor(target, mask, value, 0)


@pytest.mark.parametrize("shape", ["smooth", "steps"])
def test_scale_curve_meets_every_window_and_is_flat_outside(shape):
    expected = np.full((1, 48), 10.0)
    anchors = [_anchor(12, 23, 150.0, 48), _anchor(24, 35, 90.0, 48)]
    curve = demo.scale_curve(anchors, 1, 48, lambda c, a: a.value / (expected * c)[a.mask].sum(), shape)
    for anchor in anchors:
        assert (expected * curve)[anchor.mask].sum() == pytest.approx(anchor.value)
    assert curve[:12] == pytest.approx(curve[0]) and curve[36:] == pytest.approx(curve[-1])
    if shape == "steps":
        assert curve[12:24] == pytest.approx(1.25) and curve[24:36] == pytest.approx(0.75)


def test_overlapping_windows_cannot_be_met_by_steps():
    anchors = [_anchor(0, 11, 120.0, 24), _anchor(6, 17, 120.0, 24)]
    with pytest.raises(demo.DemoModelError, match="overlap"):
        demo.scale_curve(anchors, 1, 24, lambda c, a: 1.0, "steps")


# ---- the model files: bad input names file, row and column ----------------------------------------


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    for path in DATA_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_bad_parameter_cell_is_named_by_file_row_and_column(data_copy):
    _edit(data_copy / demo.PARAMETERS_FILE, "all_crime,persons,70,", "all_crime,persons,seventy,")
    _edit(data_copy / demo.PARAMETERS_FILE, "\nsentinel_asb,", "\nsentinel_asbo,")
    with pytest.raises(demo.DemoModelError) as raised:
        demo.load_model(data_copy)
    message = str(raised.value)
    assert "data/demo_parameters.csv, row 2, column 'base_rate': is not a number (got 'seventy')" in message
    assert "column 'indicator': is not a board indicator" in message and "'sentinel_asbo'" in message
    assert "has no row for the board indicator 'sentinel_asb'" in message


def test_strand_shares_must_add_up_to_one(data_copy):
    _edit(data_copy / demo.PARAMETERS_FILE, "hate_incidents_other,,,,,,,,,,0.03,", "hate_incidents_other,,,,,,,,,,0.04,")
    with pytest.raises(demo.DemoModelError, match="the shares of 'hate_incidents''s strands add up to 1.01, not 1"):
        demo.load_model(data_copy)


def test_a_target_window_off_the_indicator_calendar_is_rejected(data_copy):
    _edit(data_copy / demo.TARGETS_FILE, "fte_youth,E10000018,2019-04,2019-09", "fte_youth,E10000018,2019-04,2019-08")
    with pytest.raises(demo.DemoModelError, match=r"demo_targets.csv, row \d+, column 'window_end'.*whole quarterly periods"):
        demo.load_model(data_copy)


def test_a_target_must_address_generated_figures(data_copy):
    with (data_copy / demo.TARGETS_FILE).open("a") as targets:
        targets.write("business_burglary,E92000001,2019-04,2020-03,value,2,,,nowhere\n")
        targets.write("hate_incidents_race,E10000018,2019-04,2020-03,value,0.6,,,a strand\n")
    with pytest.raises(demo.DemoModelError, match="column 'indicator': is a strand: calibrate 'hate_incidents'"):
        demo.load_model(data_copy)
    _edit(data_copy / demo.TARGETS_FILE, "hate_incidents_race,E10000018,2019-04,2020-03,value,0.6,,,a strand\n", "")
    with pytest.raises(demo.DemoModelError, match="column 'area_code': no generated figures of 'business_burglary'"):
        demo.generate(demo.load_model(data_copy))


def test_a_published_figure_the_model_cannot_give_stops_generation(data_copy, tmp_path):
    _edit(data_copy / demo.TARGETS_FILE, "police_asb,E10000018,2019-04,2020-03,value,8.5,8.5",
          "police_asb,E10000018,2019-04,2020-03,value,8.5,8.6")
    out = tmp_path / "out"
    with pytest.raises(demo.DemoModelError, match="column 'published': the generated figure 8.4997 does not round"):
        demo.write_demo_files(out, data_dir=data_copy)
    assert not out.exists(), "nothing is written when a published figure is missed"
