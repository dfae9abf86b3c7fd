"""Checks every command shares, so that a mistake stops the command with a message saying what is wrong.

An unknown area, indicator, theme or comparator names the closest matches; a month or quarter outside
what the database holds names the range it holds. Each check returns the checked value or raises
CommandError, which the command line prints after "error:" and turns into exit status 2. The heavy
libraries are imported inside the checks, so importing this module keeps ``--help`` fast.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import date

# How the command line was started, for messages that name another command ("lscsb areas").
PROG = "python -m lscsb_data"


class CommandError(ValueError):
    """A mistake in what was typed on the command line."""


def close_matches(value: str, choices: Mapping[str, str], limit: int = 3) -> list[str]:
    """The keys of ``choices`` (key -> name) whose key or name is closest to ``value``, best first."""
    typed = str(value).strip().lower()
    by_text: dict[str, str] = {}
    for key, name in choices.items():
        by_text.setdefault(key.lower(), key)
        if name:
            by_text.setdefault(str(name).lower(), key)
    found = []
    if len(typed) >= 3:
        # why: a word such as "burglary" or a code's start such as "E0700012" is far from every whole name by edit
        # distance but plainly meant
        word_start = re.compile(rf"(?:^|[\s_(-]){re.escape(typed)}")
        found += [key for text, key in by_text.items() if word_start.search(text)]
    found += [by_text[text] for text in difflib.get_close_matches(typed, list(by_text), n=limit * 2, cutoff=0.6)]
    return list(dict.fromkeys(found))[:limit]


def one_of(kind: str, value: str, choices: Mapping[str, str], *, listing: str | None = None) -> str:
    """``value`` if it is a key of ``choices`` (key -> name); otherwise CommandError naming the close matches.

    ``listing`` says where to see them all ("`lscsb areas` lists them all"); without it, up to 12
    choices are listed in the message.
    """
    if value in choices:
        return value
    sentences = []
    close = close_matches(value, choices)
    if close:
        named = [f"{key} ({choices[key]})" if choices[key] and choices[key] != key else key for key in close]
        sentences.append(f"did you mean {' or '.join(named)}?")
    if listing:
        sentences.append(listing)
    elif len(choices) <= 12:
        sentences.append(f"The choices are {', '.join(choices)}")
    message = f"unknown {kind} '{value}': " + " ".join(sentences) if sentences else f"unknown {kind} '{value}'"
    raise CommandError(message)


def area(con, code: str) -> str:
    """An area code the database holds."""
    from lscsb_data.figures import engine

    frame = engine.areas(con)
    return one_of("area", code, dict(zip(frame.code, frame.name)), listing=f"`{PROG} areas` lists them all")


def indicator(con, ident: str) -> str:
    """An indicator id in the catalogue."""
    from lscsb_data.figures import engine

    frame = engine.indicators(con)
    return one_of("indicator", ident, dict(zip(frame.id, frame.name)), listing=f"`{PROG} indicators` lists them all")


def theme(con, ident: str) -> str:
    """A theme id the database holds."""
    from lscsb_data.figures import engine

    frame = engine.themes(con)
    return one_of("theme", ident, dict(zip(frame.id, frame.name)))


def comparator(con, code: str) -> str:
    """An area code or a comparator group (data/comparator_groups.csv) to compare figures with."""
    from lscsb_data.figures import engine

    offered = engine.comparators(con)
    areas = engine.areas(con)
    # why: the engine accepts any area, but the close matches should come from the comparators it offers
    if code in set(areas.code):
        return code
    return one_of("comparator", code, dict(zip(offered.code, offered.name)),
                  listing=f"`{PROG} comparators` lists them all")


def comparison(value: str) -> str:
    """``rolling12`` or ``quarter``."""
    from lscsb_data.figures.periods import COMPARISONS

    return one_of("comparison", value, {choice: choice for choice in COMPARISONS})


def month(text: str) -> date:
    """A well-formed ``YYYY-MM``, whatever the database holds."""
    from lscsb_data.figures import periods

    try:
        return periods.parse_month(text)
    except ValueError as error:
        raise CommandError(str(error)) from None


def held_months(con, indicator: str | None = None) -> tuple[date, date] | None:
    """The first and last month the database holds figures for (for one indicator, or any); None if none."""
    from lscsb_data.figures import engine, periods

    frame = engine.indicators(con)
    if indicator is not None:
        frame = frame[frame.id == indicator]
    frame = frame.dropna(subset=["first_period", "latest_period"])
    if frame.empty:
        return None
    first = min(value.date() if hasattr(value, "date") else value for value in frame.first_period)
    last = max(periods.add_months(value.date() if hasattr(value, "date") else value, int(months) - 1)
               for value, months in zip(frame.latest_period, frame.period_months))
    return first, last


def _held_text(held: tuple[date, date] | None, indicator: str | None) -> str:
    from lscsb_data.figures import periods

    what = indicator or "figures"
    if held is None:
        return f"the database holds no {'figures for ' + indicator if indicator else 'figures'}"
    return f"the database holds {what} from {periods.month_label(held[0])} to {periods.month_label(held[1])}"


def period(con, day: date, *, indicator: str | None = None) -> date:
    """``day`` (from ``month``, checked before connecting) if it is inside the months the database holds
    (for ``indicator`` when given)."""
    from lscsb_data.figures import periods

    held = held_months(con, indicator)
    if held is None or not held[0] <= day <= held[1]:
        raise CommandError(f"no figures for {periods.month_label(day)}: {_held_text(held, indicator)}")
    return day


def quarter(text: str):
    """A well-formed financial quarter ``YYYY-YY-Qn`` (a ``periods.FinancialQuarter``)."""
    from lscsb_data.figures import periods

    try:
        return periods.parse_quarter(text)
    except ValueError as error:
        raise CommandError(str(error)) from None


def held_quarter(con, chosen):
    """``chosen`` (from ``quarter``) if it overlaps the months the database holds."""
    held = held_months(con)
    if held is None or chosen.end < held[0] or chosen.start > held[1]:
        raise CommandError(f"no figures for {chosen.label} ({chosen.long_label}): {_held_text(held, None)}")
    return chosen
