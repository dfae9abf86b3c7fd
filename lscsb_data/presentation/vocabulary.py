"""The one vocabulary: the words, arrows, tones and marker shapes for directions of travel, comparisons with a
benchmark, target bands, control-chart signals and exception outlooks.

Every surface (cards, tables, charts, sentences, CSV headers, the pack) takes its words from here, and its
colours through the tone (``palette.TONE_COLOURS``), so a direction reads the same everywhere and is never told
by colour alone.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lscsb_data.presentation import formatting, palette

UP, DOWN, LEVEL = "\u2191", "\u2193", "\u2192"


@dataclass(frozen=True)
class Term:
    """One word of the vocabulary with its tone (good, bad or neutral) and how charts mark it."""

    code: str
    word: str
    tone: str
    phrase: str = ""  # how a sentence says it ("a significant increase"); the word when blank
    shape: str = "circle"  # a Vega-Lite point shape, for charts that mark it

    @property
    def colour(self) -> str:
        return palette.TONE_COLOURS[self.tone]

    @property
    def colour_name(self) -> str:
        return palette.TONE_NAMES[self.tone]

    @property
    def in_sentence(self) -> str:
        return self.phrase or self.word

    @property
    def glyph(self) -> str:
        """The shape as a character, for tables and text that mark it the way the charts do."""
        return GLYPHS.get(self.shape, "")


# The marker shapes as characters (tables and cells mark a comparison as the charts do).
GLYPHS = {"circle": "●", "triangle-up": "▲", "triangle-down": "▼", "diamond": "◆", "square": "■"}

# Direction of travel: the current window against the previous one (see docs/methods.md).
DIRECTIONS = {
    "improving": Term("improving", "improving", "good"),
    "worsening": Term("worsening", "worsening", "bad"),
    "stable": Term("stable", "stable", "neutral", "stable (within normal variation)"),
    "increasing": Term("increasing", "increasing", "neutral", "a significant increase"),
    "decreasing": Term("decreasing", "decreasing", "neutral", "a significant decrease"),
    "below_band": Term("below_band", "below the band", "bad", "below the target range"),
    "within_band": Term("within_band", "within the band", "good", "within the target range"),
    "above_band": Term("above_band", "above the band", "bad", "above the target range"),
    "": Term("", "no comparison", "neutral", "no previous figure to compare"),
}

# Comparison with a benchmark (county, region, peer group): better / similar / worse by polarity, or
# higher / similar / lower where no direction is better.
COMPARISONS = {
    "better": Term("better", "better", "good", "better than", "triangle-up"),
    "similar": Term("similar", "similar", "neutral", "similar to", "circle"),
    "worse": Term("worse", "worse", "bad", "worse than", "triangle-down"),
    "higher": Term("higher", "higher", "neutral", "higher than", "triangle-up"),
    "lower": Term("lower", "lower", "neutral", "lower than", "triangle-down"),
    "within_band": Term("within_band", "within the band", "good", "within the target range", "circle"),
    "outside_band": Term("outside_band", "outside the band", "bad", "outside the target range", "diamond"),
    "not_comparable": Term("not_comparable", "a count: not compared", "neutral",
                           "a count, compared only with its own previous figure, not with", "square"),
    "not_enough_data": Term("not_enough_data", "not enough data", "neutral", "not enough data to compare with", "square"),
    "": Term("", "not compared", "neutral", "not compared with", "square"),
}

# The recent trend (Fingertips' test for linear trend over five years): which way, then its tone by polarity.
RECENT_TRENDS = {
    "increasing": Term("increasing", "increasing", "neutral", "a significant rise over five years", "triangle-up"),
    "decreasing": Term("decreasing", "decreasing", "neutral", "a significant fall over five years", "triangle-down"),
    "no_change": Term("no_change", "no significant change", "neutral", "no significant change over five years", "circle"),
    "": Term("", "not tested", "neutral", "not tested", "square"),
}
JUDGEMENT_TONES = {"improving": "good", "worsening": "bad", "neutral": "neutral", "": "neutral"}

# The trend over recent periods (a test for linear trend).
TRENDS = {
    "improving": DIRECTIONS["improving"],
    "worsening": DIRECTIONS["worsening"],
    "stable": Term("stable", "no significant change", "neutral"),
    "increasing": DIRECTIONS["increasing"],
    "decreasing": DIRECTIONS["decreasing"],
}

# The exception report's outlooks (their labels are the figures side's exceptions.OUTLOOK_LABELS).
OUTLOOK_TONES = {"concern": "bad", "note": "neutral", "improving": "good"}

# Control-chart signals, in the order the chart's legend lists them; words for people, not for statisticians.
SIGNALS = {
    "": Term("", "usual variation", "neutral", "within its usual range", "circle"),
    "above_limit": Term("above_limit", "unusually high", "bad", "above its usual range", "triangle-up"),
    "below_limit": Term("below_limit", "unusually low", "bad", "below its usual range", "triangle-down"),
    "run_above": Term("run_above", "a run above average", "neutral", "above its average for a run of periods", "square"),
    "run_below": Term("run_below", "a run below average", "neutral", "below its average for a run of periods", "diamond"),
}

POLARITY_WORDS = {
    "lower_better": "lower is better",
    "higher_better": "higher is better",
    "target_band": "best within the target band",
    "neutral": "no direction judged",
}
FREQUENCY_WORDS = {"monthly": "monthly", "quarterly": "quarterly (financial quarters)", "annual": "annual (financial years)"}
COMPARISON_WORDS = {
    "rolling12": "Rolling 12 months against the previous 12",
    "quarter": "Latest quarter against the same quarter a year earlier",
}


@dataclass(frozen=True)
class Direction:
    """How one direction of travel is shown: an arrow (which way the figure moved), a word (what that means for
    this indicator) and the word's tone as a colour."""

    arrow: str
    word: str
    tone: str
    phrase: str

    @property
    def colour(self) -> str:
        return palette.TONE_COLOURS[self.tone]

    @property
    def colour_name(self) -> str:
        return palette.TONE_NAMES[self.tone]

    @property
    def text(self) -> str:
        return f"{self.arrow} {self.word}".strip()


def comparison(code: str | None) -> Term:
    """The comparison with a benchmark as a term (word, tone, shape); an unknown code reads "not compared"."""
    return COMPARISONS.get("" if formatting.is_missing(code) else str(code), COMPARISONS[""])


def recent_trend(code: str | None, judgement: str | None) -> Direction:
    """The recent trend as an arrow, a word and the tone its polarity gives it (``'↑ increasing'``, bad when lower
    is better)."""
    code = "" if formatting.is_missing(code) else str(code)
    term = RECENT_TRENDS.get(code, RECENT_TRENDS[""])
    tone = JUDGEMENT_TONES.get("" if formatting.is_missing(judgement) else str(judgement), "neutral")
    shown_arrow = {"increasing": UP, "decreasing": DOWN, "no_change": LEVEL}.get(code, "")
    return Direction(shown_arrow, term.word, tone, term.in_sentence)


def arrow(change) -> str:
    """Which way a figure moved: up, down, or level when unchanged or unknown."""
    if formatting.is_missing(change) or float(change) == 0:
        return LEVEL
    return UP if float(change) > 0 else DOWN


def direction(direction_code: str | None, change, indicator: Mapping) -> Direction:
    """Arrow, word and tone of a direction of travel.

    A change that is not significant reads "stable" with a level arrow; a target-band indicator reads where it
    sits against its band (``'within the 20-40% band'``); no previous figure reads "no comparison" with no arrow.
    """
    code = "" if formatting.is_missing(direction_code) else str(direction_code)
    term = DIRECTIONS.get(code, Term(code, code.replace("_", " "), "neutral"))
    if code.endswith("_band"):
        band = formatting.band_text(indicator)
        word = term.word.replace("the band", f"the {band} band") if band else term.word
        return Direction(arrow(change), word, term.tone, term.in_sentence)
    if code == "stable":
        return Direction(LEVEL, term.word, term.tone, term.in_sentence)
    if code == "":
        return Direction("", term.word, term.tone, term.in_sentence)
    return Direction(arrow(change), term.word, term.tone, term.in_sentence)
