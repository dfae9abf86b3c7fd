"""One formatter and one vocabulary: a figure reads the same on screen, in CSV headers, in PNGs and in the pack."""
from __future__ import annotations

import math

import pytest

from lscsb_data.presentation import formatting, palette, vocabulary, wording

RATE = {"unit": "rate", "multiplier": 1000, "measure": "offences", "denominator_basis": "population"}
MINUS = "\u2212"


@pytest.mark.parametrize("value, unit, expected", [
    (1829, "count", "1,829"), (49.0, "percentage", "49%"), (95.63, "percentage", "95.6%"), (0.714, "ratio", "0.71"),
    (5.27, "rate", "5.3"), (0.94, "rate", "0.94"), (150.3, "rate", "150.3"), (534.2, "rate", "534.2"),
    (0.0, "rate", "0.0"), (-2.25, "rate", f"{MINUS}2.2"), (math.nan, "rate", "no figure"),
])
def test_one_rounding_rule_for_every_output(value, unit, expected):
    assert formatting.figure(value, unit) == expected
    if not math.isnan(value):
        assert formatting.format_value(value, {**RATE, "unit": unit}, short=True) == expected


def test_a_sentence_and_a_card_show_the_same_figure():
    row = {**RATE, "indicator": "all_crime", "indicator_name": "Overall crime", "area_name": "Blaby",
           "current_value": 150.3, "previous_value": 140.04, "change": 10.26, "change_pct": 7.33, "direction": "worsening",
           "current_start": "2019-04-01", "current_end": "2020-03-01"}
    card = formatting.format_value(row["current_value"], row, short=True)
    assert card == "150.3" and f" {card} offences per 1,000 population " in wording.headline(row) + " "
    assert formatting.format_value(row["previous_value"], row, short=True) in wording.headline(row)


def test_precise_figures_keep_a_second_place_for_small_rates():
    assert formatting.figure(4.546, "rate", precise=True) == "4.55" and formatting.figure(4.546, "rate") == "4.5"


@pytest.mark.parametrize("change, change_pct, unit, of, expected", [
    (0.4, 8.16, "rate", 5.3, "+0.4 (+8.2%)"),
    (-0.4, -7.5, "rate", 4.9, f"{MINUS}0.4 ({MINUS}7.5%)"),
    (3.14, None, "percentage", 49.0, "+3.1 points"),
    (1.0, None, "percentage", 49.0, "+1 point"),
    (-0.04, None, "percentage", 49.0, "0 points"),
    (-0.001, -0.02, "rate", 5.0, "0.0 (0.0%)"),
    (0.0, 0.0, "rate", 5.0, "no change"),
    (None, None, "rate", 5.0, ""),
])
def test_changes_are_signed_only_when_they_do_not_round_to_zero(change, change_pct, unit, of, expected):
    text = formatting.format_change(change, change_pct, {**RATE, "unit": unit}, of=of)
    assert text == expected
    assert f"{MINUS}0 " not in text + " " and "-0" not in text and "+0 " not in text + " "


def test_every_direction_has_a_word_and_a_tone_and_band_words_name_the_band():
    marac = {"unit": "percentage", "band_low": 20.0, "band_high": 40.0}
    for code in vocabulary.DIRECTIONS:
        shown = vocabulary.direction(code, 1.0, marac)
        assert shown.word and shown.tone in palette.TONE_COLOURS and shown.colour_name in {"blue", "orange", "gray"}
    assert vocabulary.direction("above_band", 2.0, marac).text == "\u2191 above the 20-40% band"
    assert vocabulary.direction("stable", 2.0, RATE).text == "\u2192 stable"
    assert vocabulary.direction("worsening", -1.0, RATE).colour == palette.BAD


def test_every_text_colour_reads_on_white_and_every_mark_stands_out():
    for colour in (palette.INK, palette.TEXT, palette.MUTED, palette.GOOD, palette.BAD, palette.NEUTRAL, palette.BAND_TEXT):
        assert palette.contrast(colour) >= 4.5, colour
    for colour in (*palette.SERIES_COLOURS[:4], palette.OTHER, palette.BAR, palette.AXIS, *palette.REFERENCE_COLOURS,
                   *palette.SIGNAL_COLOURS):
        assert palette.contrast(colour) >= 3, colour
    assert palette.contrast(palette.BAD, palette.NOTICE_FILL) >= 4.5


def test_the_streamlit_theme_uses_the_palettes_colours():
    import tomllib
    from pathlib import Path

    theme = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())["theme"]
    assert theme["blueColor"] == theme["blueTextColor"] == theme["primaryColor"] == palette.GOOD
    assert theme["orangeColor"] == theme["orangeTextColor"] == palette.BAD
    assert theme["grayColor"] == theme["grayTextColor"] == palette.NEUTRAL
    assert theme["chartCategoricalColors"] == palette.SERIES_COLOURS
