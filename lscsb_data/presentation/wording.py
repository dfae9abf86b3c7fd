"""Plain-English sentences in the register of the board's reports, with the engine's figures filled in.

Each sentence names its area, its window and both figures, so it can be read aloud on its own.
How an indicator is named mid-sentence ("violence with injury", "vehicle offences have") is data:
``data/indicator_wording.csv`` (id, subject, plural); an indicator missing from it falls back to its
catalogue name.
"""
from __future__ import annotations

import csv
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from lscsb_data.config import DATA_DIR
from lscsb_data.figures import periods
from lscsb_data.presentation import formatting, vocabulary

WORDING_FILE = "indicator_wording.csv"


@cache
def _wording(path: Path) -> dict[str, tuple[str, bool]]:
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["id"]: (row["subject"], row["plural"].strip().lower() == "true") for row in csv.DictReader(handle)}


def subject(indicator: str, name: str, data_dir: Path = DATA_DIR) -> tuple[str, bool]:
    """How to name ``indicator`` mid-sentence, and whether it takes a plural verb."""
    return _wording(data_dir / WORDING_FILE).get(indicator, (name[:1].lower() + name[1:] if name[1:2].islower() else name, False))


def sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def _missing(value) -> bool:
    return formatting.is_missing(value)


def figure(value, row, *, precise: bool = False) -> str:
    """A figure with its unit: "5.3 offences per 1,000 population", "45%", "12 first-time entrants"."""
    text = formatting.figure(value, row["unit"], precise=precise)
    phrase = formatting.unit_phrase(row)
    return f"{text} {phrase}" if phrase and not _missing(value) else text


def change_phrase(row) -> str:
    """"+8.2%" for counts, rates and ratios; "+15 percentage points" for percentages; "" when there is no change to state."""
    if _missing(row.get("previous_value")) or _missing(row.get("current_value")):
        return ""
    if row["unit"] == "percentage":
        points = float(row["current_value"]) - float(row["previous_value"])
        return formatting.format_change(points, None, row, long=True, of=row["current_value"])
    return formatting.format_percent_change(row.get("change_pct"))


def window_phrase(start, end) -> str:
    """"in the 12 months to March 2020" for a 12-month window, "in January to March 2020" for a quarter."""
    start, end = pd.Timestamp(start).date(), pd.Timestamp(end).date()
    months = periods.months_between(start, end) + 1
    if months == 12:
        return f"in the 12 months to {end:%B %Y}"
    if months == 1:
        return f"in {end:%B %Y}"
    if start.year == end.year:
        return f"in {start:%B} to {end:%B %Y}"
    return f"in {start:%B %Y} to {end:%B %Y}"


def comparison_phrase(comparison: str) -> str:
    return "the previous rolling 12 months" if comparison == "rolling12" else "the same quarter a year earlier"


def _verb(plural: bool, singular_form: str, plural_form: str) -> str:
    return plural_form if plural else singular_form


def _opening(row, data_dir: Path, continued: bool = False) -> tuple[str, bool]:
    """"In Blaby, violence with injury", or "It"/"They" for a second sentence about the same figure."""
    text, plural = subject(row["indicator"], row.get("indicator_name") or row["indicator"], data_dir)
    if continued:
        return ("They" if plural else "It"), plural
    return f"In {row['area_name']}, {text}", plural


def significant_change(row, comparison: str = "rolling12", *, continued: bool = False, data_dir: Path = DATA_DIR) -> str:
    """"In Blaby, violence with injury has increased significantly compared with the previous rolling 12 months: ...". """
    opening, plural = _opening(row, data_dir, continued)
    moved = "increased" if row["change"] > 0 else "decreased"
    change = change_phrase(row)
    return (
        f"{opening} {_verb(plural, 'has', 'have')} {moved} significantly compared with {comparison_phrase(comparison)}: "
        f"{figure(row['current_value'], row)} {window_phrase(row['current_start'], row['current_end'])} "
        f"against {formatting.figure(row['previous_value'], row['unit'])}" + (f" ({change})." if change else ".")
    )


def band_breach(row, comparison: str = "rolling12", data_dir: Path = DATA_DIR) -> str:
    """"In Blaby, the MARAC repeat referral rate is above the recommended range of 20-40%: 45% in the 12 months to ..."."""
    opening, plural = _opening(row, data_dir)
    side = "above" if row["direction"] == "above_band" else "below"
    band = formatting.band_text(row)
    previous = "" if _missing(row.get("previous_value")) else (
        f" ({formatting.figure(row['previous_value'], row['unit'])} in {comparison_phrase(comparison).replace('rolling ', '')})"
    )
    significant = ""
    if bool(row.get("significant", False)):
        significant = f" The {'rise' if row['change'] > 0 else 'fall'} is statistically significant ({change_phrase(row)})."
    return (
        f"{opening} {_verb(plural, 'is', 'are')} {side} the recommended range of {band}: "
        f"{figure(row['current_value'], row)} {window_phrase(row['current_start'], row['current_end'])}{previous}."
        f"{significant}"
    )


def spc_signal(row, frequency: str, *, continued: bool = False, data_dir: Path = DATA_DIR) -> str:
    """A control-chart signal at the latest period, a limit breach or a run, in the chart's own window and unit:
    each period's figure ("0.52 offences per 1,000 population a month"), never beside a 12-month figure unlabelled."""
    opening, plural = _opening(row, data_dir, continued)
    latest = pd.Timestamp(row["spc_period"]).date()
    span = periods.MONTHS_PER_PERIOD.get(frequency, 1)
    when = window_phrase(latest, periods.add_months(latest, span - 1))
    unit_name = {1: "month", 3: "quarter", 12: "year"}[span]
    signal = row["spc_signal"]
    value = _per_period(row["spc_value"], row, unit_name)
    lead = {1: "Month by month", 3: "Quarter by quarter", 12: "Year by year"}[span]
    if signal in ("above_limit", "below_limit"):
        limit = _per_period(row["spc_upper"] if signal == "above_limit" else row["spc_lower"], row, unit_name)
        side = "above the upper" if signal == "above_limit" else "below the lower"
        if continued:
            return (f"The latest {unit_name}, {when.removeprefix('in ')} ({value}), was {side} control limit of "
                    f"{limit}: an unusual {unit_name}, outside normal variation.")
        return (
            f"{opening} {when} ({value}) {_verb(plural, 'was', 'were')} {side} control limit of "
            f"{limit}: an unusual {unit_name}, outside normal variation."
        )
    side = "above" if signal == "run_above" else "below"
    run = abs(int(row["spc_run_length"]))
    start = f"{lead}, {'they' if plural else 'it'}" if continued else opening
    return (
        f"{start} {_verb(plural, 'has', 'have')} been {side} {_possessive(plural)} average of "
        f"{_per_period(row['spc_centre'], row, unit_name)} for {run} {unit_name}s in a row to "
        f"{_period_end_name(latest, span)}: a sustained shift rather than normal variation (the latest {unit_name}: {value})."
    )


def _per_period(value, row, unit_name: str) -> str:
    """A control chart's figure for one period: a rate or count says "a month" (or quarter, year) after its unit."""
    text = figure(value, row, precise=True)
    return f"{text} a {unit_name}" if row["unit"] in ("rate", "count") and not _missing(value) else text


def _possessive(plural: bool) -> str:
    return "their" if plural else "its"


def _period_end_name(start: date, span: int) -> str:
    return f"{periods.add_months(start, span - 1):%B %Y}"


def headline(row, comparison: str = "rolling12", data_dir: Path = DATA_DIR) -> str:
    """One sentence per indicator for speaker notes: both figures, the change and the direction of travel."""
    text, _plural = subject(row["indicator"], row.get("indicator_name") or row["indicator"], data_dir)
    if bool(row.get("current_suppressed")) or bool(row.get("previous_suppressed")):
        return (f"{sentence_start(text)} in {row['area_name']}: figures withheld "
                f"{window_phrase(row['current_start'], row['current_end'])} (small numbers).")
    current = f"{figure(row['current_value'], row)} {window_phrase(row['current_start'], row['current_end'])}"
    if _missing(row.get("previous_value")):
        return f"{sentence_start(text)} in {row['area_name']}: {current}; no previous figure to compare."
    change = change_phrase(row)
    previous = f"against {formatting.figure(row['previous_value'], row['unit'])} in {comparison_phrase(comparison)}"
    direction = vocabulary.DIRECTIONS.get(row.get("direction") or "", vocabulary.DIRECTIONS[""]).in_sentence
    return f"{sentence_start(text)} in {row['area_name']}: {current}, {previous}" + (
        f" ({change}); {direction}." if change else f"; {direction}."
    )
