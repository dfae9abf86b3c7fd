"""Sentences and figures in the board's register, on hand-made rows."""
from __future__ import annotations

import math

import pandas as pd

from lscsb_data.presentation import wording

RATE = {"indicator": "vehicle_offences", "indicator_name": "Vehicle offences", "area_name": "Blaby", "unit": "rate",
        "multiplier": 1000, "measure": "offences", "denominator_basis": "population"}


def test_changes_are_percent_for_rates_and_points_for_percentages():
    assert wording.change_phrase({**RATE, "current_value": 5.3, "previous_value": 4.9, "change_pct": 8.16}) == "+8.2%"
    assert wording.change_phrase({**RATE, "current_value": 5.0, "previous_value": 5.02, "change_pct": -0.4}) == "\u22120.4%"
    share = {"unit": "percentage", "current_value": 49.0, "previous_value": 48.0, "change_pct": 2.1}
    assert wording.change_phrase(share) == "+1 percentage point"
    assert wording.change_phrase({**share, "previous_value": 49.03}) == "0 percentage points"
    assert wording.change_phrase({**RATE, "current_value": 5.0, "previous_value": math.nan, "change_pct": math.nan}) == ""


def test_plural_subjects_take_plural_verbs_and_unknown_indicators_use_their_name():
    row = {**RATE, "change": 0.4, "change_pct": 8.0, "current_value": 5.3, "previous_value": 4.9,
           "current_start": pd.Timestamp("2019-04-01"), "current_end": pd.Timestamp("2020-03-01")}
    assert wording.significant_change(row).startswith("In Blaby, vehicle offences have increased significantly")
    unknown = {**row, "indicator": "new_thing", "indicator_name": "New thing"}
    assert wording.significant_change(unknown).startswith("In Blaby, new thing has increased significantly")


def test_a_second_sentence_about_a_limit_breach_names_the_period():
    row = {"indicator": "marac_repeat_rate", "indicator_name": "MARAC repeat referrals", "area_name": "Blaby",
           "unit": "percentage", "multiplier": 100, "measure": "repeat referrals", "spc_signal": "above_limit",
           "spc_period": pd.Timestamp("2020-01-01"), "spc_value": 60.5, "spc_upper": 55.42, "spc_lower": 30.0,
           "spc_centre": 42.0, "spc_run_length": 2}
    assert wording.spc_signal(row, "quarterly", continued=True) == (
        "The latest quarter, January to March 2020 (60.5%), was above the upper control limit of 55.4%: "
        "an unusual quarter, outside normal variation."
    )
    assert wording.spc_signal(row, "quarterly").startswith(
        "In Blaby, the MARAC repeat referral rate in January to March 2020 (60.5%) was above the upper control limit"
    )
