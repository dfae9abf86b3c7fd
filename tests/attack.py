"""The attacker of docs/disclosure.md: every figure a public deployment serves, combined to recover small counts.

The attacker holds the Data page's full extract, the summary at every period and comparison, custom-range
totals and what the catalogue says (which indicators are parts of which, which districts make the county).
Each published number becomes a *fact*: a sum of unknown stored counts lies in an interval. Rates and
percentages become facts on counts too (a rate times its population, a percentage times its denominator).
Facts are then combined the way differencing works - consecutive rolling windows, a county minus its
districts, a parent indicator minus its parts, two custom ranges - by propagating bounds to a fixed point
(sound interval reasoning on integers), and checked with linear programming on a sample of cells.

Two models of what a published count means:

- ``exact``: every published number is the true figure (the method before issue 11);
- ``rounded``: the published method (docs/disclosure.md): each stored series' running total is rounded down
  to a multiple of 5, so a published running total R means a true one in R..R+4, and any published figure
  over k stored series is within 4k of the truth.

Only the database's ``observations`` table (read directly) gives the true counts, to score the attack.
Run ``python -m tests.attack`` for the figures in docs/disclosure.md; it imports ``lscsb_data`` from
``PYTHONPATH`` first, so the same attack runs against any version of the code.
"""
from __future__ import annotations

import argparse
import functools
import io
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd

SMALL = range(1, 5)
ROUNDING_STEP = 5
MONTH_LENGTH = {"monthly": 1, "quarterly": 3, "annual": 12}


def month_number(value) -> int:
    stamp = pd.Timestamp(value)
    return stamp.year * 12 + stamp.month - 1


@functools.cache
def _month_of_text(month: str) -> int:
    """``month_number`` of a "YYYY-MM" cell (the same few hundred months recur in every output)."""
    return month_number(f"{month}-01")


def month_date(number: int) -> date:
    return date(number // 12, number % 12 + 1, 1)


@dataclass
class Universe:
    """The unknowns: each stored count of a sensitive indicator (and each stored denominator of one)."""

    keys: pd.DataFrame  # kind ("num"/"den"), indicator, area_code, start, end (month numbers), truth
    catalogue: pd.DataFrame
    children: dict[str, list[str]]
    series: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, rows in self.keys.groupby(["kind", "indicator", "area_code"], sort=True):
            rows = rows.sort_values("start")
            self.series[key] = (rows.start.to_numpy(), rows.end.to_numpy(), rows.index.to_numpy())
        self._by_indicator: dict[tuple[str, str], set[str]] = {}
        for kind, indicator, area in self.series:
            self._by_indicator.setdefault((kind, indicator), set()).add(area)
        self._leaves: dict[str, list[str]] = {}
        self._cells: dict[tuple, np.ndarray] = {}
        self.areas = self.keys.area_code.to_numpy()
        parts = self.catalogue.parent_id.dropna()
        self.parts_of = parts.groupby(parts).groups

    @property
    def truth(self) -> np.ndarray:
        return self.keys.truth.to_numpy(float)

    def leaves(self, area: str) -> list[str]:
        """The area and every area beneath it (the county's districts, LLR's county, city, Rutland, no-location bucket)."""
        if area not in self._leaves:
            found, todo = [], [area]
            while todo:
                code = todo.pop()
                found.append(code)
                todo.extend(self.children.get(code, []))
            self._leaves[area] = found
        return self._leaves[area]

    def cells(self, kind: str, indicator: str, area: str, first: int, last: int) -> np.ndarray:
        """The unknowns a figure of ``area`` over months ``first``..``last`` adds up (whole periods inside only)."""
        key = (kind, indicator, area, first, last)
        if key not in self._cells:
            held = self._by_indicator.get((kind, indicator), set())
            parts = []
            for leaf in self.leaves(area):
                if leaf in held:
                    starts, ends, index = self.series[(kind, indicator, leaf)]
                    low, high = np.searchsorted(starts, first), np.searchsorted(ends, last, side="right")
                    parts.append(index[low:high])
            self._cells[key] = np.concatenate(parts) if parts else np.array([], dtype=int)
        return self._cells[key]


def universe(con) -> Universe:
    """The sensitive indicators' stored counts, from the raw table (the attacker's target, and the score sheet)."""
    catalogue = con.execute("SELECT * FROM indicators").df().set_index("id")
    raw = con.execute(
        """
        SELECT o.indicator_id AS indicator, o.area_code, o.period, o.numerator, o.denominator, i.frequency
        FROM observations AS o JOIN indicators AS i ON i.id = o.indicator_id
        WHERE i.sensitive ORDER BY ALL
        """
    ).df()
    raw["start"] = [month_number(p) for p in raw.period]
    raw["end"] = raw.start + raw.frequency.map(MONTH_LENGTH) - 1
    keys = [raw.assign(kind="num", truth=raw.numerator)]
    with_denominator = raw[raw.denominator.notna()]
    if len(with_denominator):
        keys.append(with_denominator.assign(kind="den", truth=with_denominator.denominator))
    keys = pd.concat(keys, ignore_index=True)[["kind", "indicator", "area_code", "start", "end", "truth"]]
    areas = con.execute("SELECT code, parent_code FROM areas").df()
    children: dict[str, list[str]] = {}
    for code, parent in zip(areas.code, areas.parent_code):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(code)
    return Universe(keys, catalogue, children)


class Facts:
    """Linear facts ``lo <= sum(coef * x) <= hi`` on the unknowns, with the figure each came from."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.coefs: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.seen: set = set()

    def add(self, cols: np.ndarray, coefs: np.ndarray | float, lo: float, hi: float, key=None) -> None:
        if len(cols) == 0 or (key is not None and key in self.seen):
            return
        if key is not None:
            self.seen.add(key)
        self.rows.append(np.full(len(cols), len(self.lo)))
        self.cols.append(np.asarray(cols))
        self.coefs.append(np.broadcast_to(np.asarray(coefs, float), (len(cols),)).copy())
        self.lo.append(lo)
        self.hi.append(hi)

    def __len__(self) -> int:
        return len(self.lo)

    def arrays(self):
        return (np.concatenate(self.rows), np.concatenate(self.cols), np.concatenate(self.coefs),
                np.array(self.lo, float), np.array(self.hi, float))


@dataclass
class Published:
    """One published figure of a sensitive indicator: what it covers and what was shown (None when withheld)."""

    source: str
    kind: str
    indicator: str
    area: str
    first: int
    last: int
    shown: float | None


def _number(text) -> float | None:
    if text is None:
        return None
    if isinstance(text, str):
        text = text.strip()
        if not text or text == "[c]":
            return None
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(value) else value


def _count_from_value(value, denominator, multiplier) -> float | None:
    """A rate times its population (or a percentage times its denominator) over the multiplier: the count."""
    value, denominator = _number(value), _number(denominator)
    if value is None or denominator is None:
        return None
    return value * denominator / float(multiplier)


def figures_from_rows(rows: pd.DataFrame, *, source: str, catalogue: pd.DataFrame, windows: list[tuple]) -> list[Published]:
    """Published figures from frame rows: ``windows`` lists (numerator, denominator, value, first, last) column names."""
    out = []
    sensitive = set(catalogue.index[catalogue.sensitive.astype(bool)])
    rows = rows[rows.indicator.isin(sensitive)]
    # why: one look-up in a dict per row, not a catalogue row (a pandas row costs more than all the rest)
    multiplier = catalogue.multiplier.to_dict()
    explicit = set(catalogue.index[catalogue.denominator_basis == "explicit"])
    for row in rows.to_dict("records"):
        for numerator, denominator, value, first, last in windows:
            start, end = row[first], row[last]
            if start is None or end is None:
                continue
            shown = _number(row.get(numerator))
            if shown is None:
                shown = _count_from_value(row.get(value), row.get(denominator), multiplier[row["indicator"]])
            out.append(Published(source, "num", row["indicator"], row["area_code"], start, end, shown))
            if row["indicator"] in explicit:
                out.append(Published(source, "den", row["indicator"], row["area_code"], start, end,
                                     _number(row.get(denominator))))
    return out


def extract_figures(text: str, catalogue: pd.DataFrame) -> list[Published]:
    """Every figure in the full extract: each period's count and the rolling 12 months ending with it."""
    frame = _csv_rows(text)
    frame = frame[frame.indicator.isin(set(catalogue.index[catalogue.sensitive.astype(bool)]))].copy()
    months = frame.indicator.map(catalogue.frequency.map(MONTH_LENGTH))
    frame["first"] = [_month_of_text(p) for p in frame.period]
    frame["last"] = frame["first"] + months - 1
    frame["rolling_first"] = frame["last"] - 11
    return figures_from_rows(frame, source="extract", catalogue=catalogue, windows=[
        ("numerator", "denominator", "value", "first", "last"),
        ("rolling_numerator", "rolling_denominator", "rolling_value", "rolling_first", "last"),
    ])


def _csv_rows(text: str) -> pd.DataFrame:
    lines = [line for line in text.splitlines() if not line.startswith(("# ", '"# '))]
    # why: Python strings (object columns), which a row-by-row read takes far faster than pandas' own string type
    return pd.read_csv(io.StringIO("\n".join(lines)), dtype=object, keep_default_na=False)


def summary_figures(text: str, catalogue: pd.DataFrame, source: str) -> list[Published]:
    frame = _csv_rows(text)
    for column in ("current_start", "current_end", "previous_start", "previous_end"):
        frame[column] = [_month_of_text(v) if v else None for v in frame[column]]
    return figures_from_rows(frame, source=source, catalogue=catalogue, windows=[
        ("current_numerator", "current_denominator", "current_value", "current_start", "current_end"),
        ("previous_numerator", "previous_denominator", "previous_value", "previous_start", "previous_end"),
    ])


def range_figures(text: str, catalogue: pd.DataFrame, first: int, last: int) -> list[Published]:
    frame = _csv_rows(text).assign(first=first, last=last)
    return figures_from_rows(frame, source="range", catalogue=catalogue,
                             windows=[("numerator", "denominator", "value", "first", "last")])


OUTPUTS = ("extract", "summary", "ranges")
# The custom ranges the test suite's attacker holds: one and two months from every month.
SUITE_RANGE_LENGTHS = (1, 2)
MADE_AT = datetime(2000, 1, 1)


def publish_everything(con, *, periods: list[date] | None = None, range_lengths=(1, 2, 3), range_starts: list[int] | None = None,
                       outputs=OUTPUTS, progress=None, each_summary=None) -> dict[tuple, str]:
    """Every public output, as the CSV text a visitor downloads: the Data page's full extract, the summary of every
    indicator and area at every period (or ``periods``) in both comparisons, and the totals of custom ranges of
    ``range_lengths`` months from every month (or the month numbers ``range_starts``; the COVID-19 page's comparison).

    ``each_summary(period, comparison, frame_or_error)``, when given, sees every summary frame (or the ValueError a
    period's summary raised), so a test can check the summaries themselves without computing them again."""
    import lscsb_data as L
    from lscsb_data.figures import export
    from lscsb_data.presentation import downloads

    say = progress or (lambda message: None)
    held = con.execute("SELECT min(period), max(period) FROM observations").fetchone()
    first, last = month_number(held[0]), month_number(held[1])
    texts: dict[tuple, str] = {}
    if "extract" in outputs:
        say("the full extract, as the Data page serves it")
        texts[("extract",)] = downloads.full_extract_csv(con, public=True, generated_at=MADE_AT)
    chosen = [] if "summary" not in outputs else [month_date(m) for m in range(first, last + 1)] if periods is None else periods
    say(f"the summary at {len(chosen)} periods, both comparisons")
    failed = []
    for period in chosen:
        for comparison in ("rolling12", "quarter"):
            try:
                frame = L.summary(con, period=period, comparison=comparison, public=True)
            except ValueError as error:
                # why: a period whose summary fails in public mode publishes nothing (the page shows an error)
                failed.append(f"{period:%Y-%m} {comparison}")
                if each_summary:
                    each_summary(period, comparison, error)
                continue
            if each_summary:
                each_summary(period, comparison, frame)
            texts[("summary", comparison, month_number(period))] = downloads.summary_csv(
                frame, what="summary", area="every area", period=f"{period:%Y-%m}", generated_at=MADE_AT, public=True)
    if failed:
        say(f"the summary failed at {len(failed)} period and comparison pairs, first {failed[0]}")
    if "ranges" in outputs:
        say(f"custom ranges of {', '.join(map(str, range_lengths))} months from every month")
        for start in range(first, last + 1) if range_starts is None else range_starts:
            for length in range_lengths:
                end = start + length - 1
                if end <= last:
                    total = L.range_total(con, start=month_date(start), end=month_date(end), public=True)
                    marked = total.astype(object)
                    marked.loc[total.count_suppressed.astype(bool), "numerator"] = "[c]"
                    marked.loc[total.suppressed.astype(bool), "value"] = "[c]"
                    texts[("range", start, end)] = export.to_csv_text(
                        marked[["indicator", "area_code", "numerator", "denominator", "value", "complete"]])
    return texts


def figures_from_texts(texts: dict[tuple, str], catalogue: pd.DataFrame) -> list[Published]:
    found = []
    for key, text in texts.items():
        if key[0] == "extract":
            found += extract_figures(text, catalogue)
        elif key[0] == "summary":
            found += summary_figures(text, catalogue, f"summary {key[1]}")
        else:
            found += range_figures(text, catalogue, key[1], key[2])
    return found


def gather(con, **options) -> list[Published]:
    """Every published figure of a sensitive indicator (``publish_everything``'s options)."""
    catalogue = con.execute("SELECT * FROM indicators").df().set_index("id")
    return figures_from_texts(publish_everything(con, **options), catalogue)


@dataclass
class Result:
    model: str
    lower: np.ndarray
    upper: np.ndarray
    truth: np.ndarray
    small: np.ndarray
    withheld: list[tuple[Published, np.ndarray]]
    contradictions: int
    facts: int
    seconds: float
    indicators: np.ndarray
    # the unknowns, the facts and the bounds before propagation, for ``linear_programme_check`` to reuse
    system: tuple

    def determined(self) -> np.ndarray:
        """Unknowns pinned to one value that is the true one (a wrong pin means the model does not fit the outputs)."""
        return (self.lower == self.upper) & (self.lower == self.truth)

    def wrong(self) -> np.ndarray:
        return ((self.lower == self.upper) & (self.lower != self.truth)) | (self.truth < self.lower) | (self.truth > self.upper)

    def withheld_determined(self) -> list[tuple[Published, float]]:
        determined = self.determined()
        return [(figure, float(self.truth[cols].sum())) for figure, cols in self.withheld if determined[cols].all()]

    def summary(self) -> dict:
        width = self.upper - self.lower
        sound = ~self.wrong()
        small_width = width[self.small & sound]
        withheld_widths = [float(width[c].sum()) for _, c in self.withheld if sound[c].all()]
        exact = self.withheld_determined()
        fits = not self.wrong().any()
        # why: a model that pins some unknowns to wrong values cannot tell the attacker which pins are right
        determined = "determined exactly" if fits else "pinned to the true value by chance (the model does not fit)"
        return {
            "model": self.model,
            "facts": self.facts,
            "stored counts (unknowns)": int(len(self.truth)),
            "withheld figures": len(self.withheld),
            f"withheld figures {determined}": len(exact),
            "of them true counts of 1-4": sum(1 for _, v in exact if 1 <= v <= 4),
            "stored counts of 1-4": int(self.small.sum()),
            f"stored counts of 1-4 {determined}": int((self.determined() & self.small).sum()),
            "narrowest interval on a stored count of 1-4 (possible values)":
                int(small_width.min()) + 1 if len(small_width) else None,
            "narrowest interval on a withheld figure (possible values)":
                int(min(withheld_widths)) + 1 if withheld_widths else None,
            "unknowns pinned to a wrong value or bounded away from the truth (model does not fit)": int(self.wrong().sum()),
            "contradictions": self.contradictions,
            "seconds": round(self.seconds, 1),
        }


def error_budget(space: Universe, kind: str, indicator: str, area: str) -> int:
    """How far a published run of one stored series may sit from the truth under the rounded method: 4 per
    rounded series (a parent is its parts plus a remainder; a denominator its numerator plus a remainder)."""
    per_series = ROUNDING_STEP - 1
    if kind == "den":
        return 2 * per_series
    parts = space.parts_of.get(indicator, [])
    return per_series * (1 + sum(("num", part, area) in space.series for part in parts))


def published_facts(space: Universe, figures: list[Published], model: str, facts: Facts) -> list[tuple[Published, np.ndarray]]:
    """The facts each published figure gives under ``model``; returns the withheld figures with their unknowns.

    Under "rounded" a withheld count ([c]) is a rounded 0, as the method publishes it."""
    withheld = {}
    areas = space.areas
    for figure in figures:
        cols = space.cells(figure.kind, figure.indicator, figure.area, figure.first, figure.last)
        if len(cols) == 0:
            continue
        key = (figure.kind, figure.indicator, figure.area, figure.first, figure.last)
        if figure.shown is None:
            withheld.setdefault(key, (figure, cols))
            if model == "exact":
                continue
        value = 0.0 if figure.shown is None else float(figure.shown)
        if model == "exact":
            value = round(value) if abs(value - round(value)) < 1e-6 else value
            facts.add(cols, 1.0, value, value, key=key)
        else:
            spread = sum(error_budget(space, figure.kind, figure.indicator, area) for area in set(areas[cols]))
            facts.add(cols, 1.0, value - spread, value + spread, key=key)
    return list(withheld.values())


def relation_facts(space: Universe, facts: Facts) -> None:
    """What the catalogue says: a parent indicator is the sum of its parts, area by area and period by period."""
    parts = space.catalogue[space.catalogue.parent_id.notna()]
    keys = space.keys
    for parent, children in parts.groupby("parent_id"):
        mine = keys[(keys.kind == "num") & (keys.indicator == parent)]
        theirs = keys[(keys.kind == "num") & keys.indicator.isin(children.index)]
        grouped = theirs.groupby(["area_code", "start"]).groups
        for index, area, start in zip(mine.index, mine.area_code, mine.start):
            members = grouped.get((area, start))
            if members is not None and len(members):
                facts.add(np.concatenate([[index], np.asarray(members)]),
                          np.concatenate([[1.0], -np.ones(len(members))]), 0.0, 0.0)


@dataclass
class RunningTotals:
    """Extra unknowns the rounded model adds: the true running total of each rounded series at each period."""

    truth: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)


def rounding_facts(space: Universe, figures: list[Published], facts: Facts) -> RunningTotals:
    """The published method, known to the attacker: each stored series' running total is rounded down to a
    multiple of 5, so its published running total R says the true one is R..R+4.

    For each rounded series and period the attacker adds an unknown P(t), the true running total, bounded
    by R(t)..R(t)+4, with the fact P(t) - P(t-1) = the period's true count (so consecutive running totals
    are differenced, as the threat model says). Each series' published counts come from the extract
    (a withheld [c] is a rounded 0); a parent's stored counts are rounded as the sum of its parts' plus a
    remainder (parent minus parts), a percentage's denominator as its numerator plus a remainder.
    """
    shown = {}
    for figure in figures:
        if figure.source == "extract" and figure.last - figure.first + 1 == MONTH_LENGTH[
                space.catalogue.frequency[figure.indicator]]:
            shown[(figure.kind, figure.indicator, figure.area, figure.first)] = figure
    children_of: dict[str, list[str]] = {}
    for child, parent in space.catalogue.parent_id.dropna().items():
        children_of.setdefault(parent, []).append(child)
    extra = RunningTotals()
    n = len(space.keys)
    truth = space.truth
    for (kind, indicator, area), (starts, _ends, index) in space.series.items():
        terms = [(index, 1.0, kind, indicator)]
        if kind == "num":
            for child in children_of.get(indicator, []):
                child_series = space.series.get(("num", child, area))
                if child_series is not None and np.array_equal(child_series[0], starts):
                    terms.append((child_series[2], -1.0, "num", child))
        else:
            numerators = space.series.get(("num", indicator, area))
            if numerators is not None and np.array_equal(numerators[0], starts):
                terms.append((numerators[2], -1.0, "num", indicator))
        values = np.zeros(len(starts))
        for _cols, sign, term_kind, term_indicator in terms:
            got = [shown.get((term_kind, term_indicator, area, start)) for start in starts]
            if any(figure is None for figure in got):
                break
            values += sign * np.array([0.0 if figure.shown is None else float(figure.shown) for figure in got])
        else:
            rounded = np.cumsum(values)
            true_counts = sum(sign * truth[cols] for cols, sign, _k, _i in terms)
            first = n + len(extra.truth)
            extra.truth.extend(np.cumsum(true_counts))
            extra.lower.extend(rounded)
            extra.upper.extend(rounded + ROUNDING_STEP - 1)
            for t in range(len(starts)):
                cols = [first + t] + ([first + t - 1] if t else []) + [term[0][t] for term in terms]
                signs = [1.0] + ([-1.0] if t else []) + [-term[1] for term in terms]
                facts.add(np.array(cols), np.array(signs), 0.0, 0.0)
    return extra


def difference_facts(facts: Facts, space: Universe, figures: list[Published], model: str) -> None:
    """Consecutive rolling windows of one series differ by the month in and the month out."""
    rolling = {}
    for figure in figures:
        if figure.shown is not None and figure.last - figure.first == 11:
            rolling[(figure.kind, figure.indicator, figure.area, figure.last)] = figure
    for (kind, indicator, area, last), figure in rolling.items():
        before = rolling.get((kind, indicator, area, last - 1))
        if before is None:
            continue
        new = space.cells(kind, indicator, area, last, last)
        old = space.cells(kind, indicator, area, last - 12, last - 12)
        if len(new) == 0:
            continue
        difference = figure.shown - before.shown
        spread = 0.0 if model == "exact" else 2 * sum(
            error_budget(space, kind, indicator, leaf) for leaf in set(space.areas[new]))
        facts.add(np.concatenate([new, old]), np.concatenate([np.ones(len(new)), -np.ones(len(old))]),
                  difference - spread, difference + spread)


def propagate(facts: Facts, n: int, *, lower: np.ndarray, upper: np.ndarray, rounds: int = 200) -> tuple[np.ndarray, np.ndarray, int]:
    """Tighten integer bounds on every unknown from every fact until nothing changes (sound, not always tight)."""
    rows, cols, coefs, lo, hi = facts.arrays()
    lower, upper = lower.astype(float).copy(), upper.astype(float).copy()
    n_rows = len(lo)
    order = np.argsort(cols, kind="stable")
    sorted_cols = cols[order]
    group_starts = np.flatnonzero(np.r_[True, sorted_cols[1:] != sorted_cols[:-1]])
    group_cols = sorted_cols[group_starts]
    positive = coefs > 0
    for _ in range(rounds):
        low_term = np.where(positive, coefs * lower[cols], coefs * upper[cols])
        high_term = np.where(positive, coefs * upper[cols], coefs * lower[cols])
        low_inf = ~np.isfinite(low_term)
        high_inf = ~np.isfinite(high_term)
        low_finite = np.where(low_inf, 0.0, low_term)
        high_finite = np.where(high_inf, 0.0, high_term)
        # the other terms' least and greatest sums, for each term of each fact
        others_low = np.bincount(rows, low_finite, n_rows)[rows] - low_finite
        others_high = np.bincount(rows, high_finite, n_rows)[rows] - high_finite
        others_low_inf = (np.bincount(rows, low_inf, n_rows)[rows] - low_inf) > 0
        others_high_inf = (np.bincount(rows, high_inf, n_rows)[rows] - high_inf) > 0
        term_min = np.where(others_high_inf, -np.inf, lo[rows] - others_high)
        term_max = np.where(others_low_inf, np.inf, hi[rows] - others_low)
        new_low = np.where(positive, term_min / coefs, term_max / coefs)
        new_high = np.where(positive, term_max / coefs, term_min / coefs)
        cand_low, cand_high = lower.copy(), upper.copy()
        cand_low[group_cols] = np.maximum(lower[group_cols], np.maximum.reduceat(new_low[order], group_starts))
        cand_high[group_cols] = np.minimum(upper[group_cols], np.minimum.reduceat(new_high[order], group_starts))
        cand_low = np.ceil(cand_low - 1e-6)
        cand_high = np.floor(cand_high + 1e-6)
        if np.array_equal(cand_low, lower) and np.array_equal(cand_high, upper):
            break
        lower, upper = cand_low, cand_high
    contradictions = int((lower > upper).sum())
    return lower, upper, contradictions


def attack(con, *, model: str, figures: list[Published] | None = None, progress=None) -> Result:
    """Everything the attacker can work out under ``model`` ("exact" or "rounded")."""
    began = time.perf_counter()
    space = universe(con)
    figures = gather(con, progress=progress) if figures is None else figures
    facts = Facts()
    withheld = published_facts(space, figures, model, facts)
    relation_facts(space, facts)
    difference_facts(facts, space, figures, model)
    extra = rounding_facts(space, figures, facts) if model == "rounded" else RunningTotals()
    n = len(space.keys)
    lower = np.concatenate([np.zeros(n), extra.lower])
    upper = np.concatenate([np.full(n, np.inf), extra.upper])
    start_lower, start_upper = lower, upper
    lower, upper, contradictions = propagate(facts, len(lower), lower=lower, upper=upper)
    truth = space.truth
    small = (space.keys.kind.to_numpy() == "num") & np.isin(truth, list(SMALL))
    return Result(model, lower[:n], upper[:n], truth, small, withheld, contradictions, len(facts),
                  time.perf_counter() - began, space.keys.indicator.to_numpy(), (space, facts, start_lower, start_upper))


def linear_programme_check(result: Result, *, sample: int = 12, seed: int = 0) -> list[dict]:
    """Linear programmes (HiGHS) for some small counts - the narrowest first, then a random few: the least and
    greatest value that every fact on the stored series of the count's family at its area allows. Propagation is
    sound but can be looser than this; the linear programme is the tightest interval those facts give."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    # why: the same facts ``attack`` built from the same figures, not built again
    space, facts, lower, upper = result.system
    n = len(space.keys)
    rows, cols, coefs, lo, hi = facts.arrays()
    width = result.upper - result.lower
    candidates = np.flatnonzero(result.small)
    narrowest = candidates[np.argsort(width[candidates], kind="stable")][: max(sample // 2, 1)]
    rest = np.setdiff1d(candidates, narrowest)
    picked = list(narrowest) + list(np.random.default_rng(seed).choice(rest, size=min(sample - len(narrowest), len(rest)),
                                                                        replace=False))
    keys = space.keys
    family = space.catalogue.parent_id.where(space.catalogue.parent_id.notna(), space.catalogue.index.to_series())
    families = keys.indicator.map(family).to_numpy()
    checked = []
    for cell in picked:
        local = np.zeros(len(lower), bool)
        local[n:] = True
        local[np.flatnonzero((keys.area_code.to_numpy() == keys.area_code[cell]) & (families == families[cell]))] = True
        inside = np.bincount(rows, ~local[cols], len(lo)) == 0
        keep = inside[rows]
        variables = np.unique(cols[keep])
        position = np.full(len(lower), -1)
        position[variables] = np.arange(len(variables))
        fact_ids = np.unique(rows[keep])
        fact_position = np.full(len(lo), -1)
        fact_position[fact_ids] = np.arange(len(fact_ids))
        matrix = csr_matrix((coefs[keep], (fact_position[rows[keep]], position[cols[keep]])),
                            shape=(len(fact_ids), len(variables)))
        equal = lo[fact_ids] == hi[fact_ids]
        from scipy.sparse import vstack

        a_ub = vstack([matrix[~equal], -matrix[~equal]])
        b_ub = np.concatenate([hi[fact_ids][~equal], -lo[fact_ids][~equal]])
        finite = np.isfinite(b_ub)
        bounds = list(zip(lower[variables], np.where(np.isfinite(upper[variables]), upper[variables], None)))
        target = np.zeros(len(variables))
        target[position[cell]] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            solved = linprog(sign * target, A_ub=a_ub[np.flatnonzero(finite)], b_ub=b_ub[finite],
                             A_eq=matrix[equal], b_eq=lo[fact_ids][equal], bounds=bounds, method="highs")
            ends.append(round(sign * solved.fun, 6) if solved.status == 0 else None)
        checked.append({"indicator": keys.indicator[cell], "area": keys.area_code[cell],
                        "period": f"{month_date(int(keys.start[cell])):%Y-%m}", "truth": int(result.truth[cell]),
                        "propagated": (int(result.lower[cell]), int(result.upper[cell])), "linear programme": tuple(ends)})
    return checked


def accuracy(con) -> pd.DataFrame:
    """What protection costs: every sensitive indicator's rolling 12-month count at every period and area, public
    against partner, by kind of area: figures compared, how many changed, the mean and largest change, and the
    mean change relative to the true count. Rates move with their counts (the population is the same)."""
    import lscsb_data as L

    public = L.series(con, public=True)
    partner = L.series(con, public=False)
    key = ["indicator", "area_code", "period"]
    both = partner[partner.sensitive & partner.rolling_complete.fillna(False).astype(bool)][
        key + ["rolling_numerator"]].merge(public[key + ["rolling_numerator"]], on=key, suffixes=("_true", "_public"))
    types = con.execute("SELECT code AS area_code, type FROM areas").df()
    both = both.merge(types, on="area_code")
    # a withheld public count ([c]) is a rounded 0
    both["change"] = (both.rolling_numerator_public.fillna(0) - both.rolling_numerator_true).abs()
    both["relative"] = both.change / both.rolling_numerator_true.where(both.rolling_numerator_true > 0)
    rows = []
    for kind, group in both.groupby("type"):
        rows.append({"areas": kind, "figures": len(group), "changed": int((group.change > 0).sum()),
                     "mean change": round(group.change.mean(), 2), "largest change": int(group.change.max()),
                     "mean change / true count (%)": round(100 * group.relative.mean(), 1)})
    return pd.DataFrame(rows)


def accuracy_by_indicator(con, area_type: str = "county") -> pd.DataFrame:
    """``accuracy`` for one kind of area (the county by default), indicator by indicator."""
    import lscsb_data as L

    public = L.series(con, public=True)
    partner = L.series(con, public=False)
    codes = set(con.execute("SELECT code FROM areas WHERE type = $t", {"t": area_type}).df().code)
    key = ["indicator", "area_code", "period"]
    both = partner[partner.sensitive & partner.rolling_complete.fillna(False).astype(bool) & partner.area_code.isin(codes)][
        key + ["rolling_numerator"]].merge(public[key + ["rolling_numerator"]], on=key, suffixes=("_true", "_public"))
    both["change"] = (both.rolling_numerator_public.fillna(0) - both.rolling_numerator_true).abs()
    return both.groupby("indicator").agg(
        figures=("change", "size"), changed=("change", lambda c: int((c > 0).sum())),
        mean_true_count=("rolling_numerator_true", lambda c: round(c.mean(), 1)),
        mean_change=("change", lambda c: round(c.mean(), 2)), largest_change=("change", "max")).reset_index()


def witness_world(source, target, *, seed: int | None = None) -> None:
    """A copy of the database ``source`` at ``target`` holding other true counts that publish the same figures.

    With no ``seed``, every stored count of a protected indicator is replaced by its protected count (whose
    running totals are multiples of 5, so rounding them changes nothing). With a ``seed``, each stored series'
    running total is moved to a random value among the 5 its published running total allows, never falling,
    and parents keep their true remainder over their parts (so a parent is still the sum of its parts) and
    percentages their denominators' protected remainder. A count of 1-4 is never a multiple of 5, so the
    protected world already disagrees with the true one on every such count.
    """
    import shutil

    import duckdb

    from lscsb_data.figures import db

    shutil.copyfile(source, target)
    with duckdb.connect(str(target)) as con:
        shown = con.execute("SELECT indicator_id, area_code, period, numerator, denominator FROM mat_published_observations"
                            " ORDER BY ALL").df()
        if seed is not None:
            true = con.execute("SELECT indicator_id, area_code, period, numerator, denominator FROM observations").df()
            catalogue = con.execute("SELECT id, parent_id, unit FROM indicators").df()
            shown = _moved_within_windows(shown, true, catalogue, np.random.default_rng(seed))
        con.register("witness", shown)
        con.execute("""
            UPDATE observations AS o SET numerator = CAST(w.numerator AS BIGINT),
                                         denominator = CAST(w.denominator AS BIGINT)
            FROM witness AS w
            WHERE o.indicator_id = w.indicator_id AND o.area_code = w.area_code AND o.period = w.period
        """)
        db.refresh_materialized(con)
        con.execute("CHECKPOINT")


def _moved_within_windows(shown: pd.DataFrame, true: pd.DataFrame, catalogue: pd.DataFrame, rng) -> pd.DataFrame:
    key = ["indicator_id", "area_code", "period"]
    frame = shown.merge(true, on=key, suffixes=("", "_true")).sort_values(key).reset_index(drop=True)
    parents = set(catalogue.parent_id.dropna())
    parts_of = catalogue.dropna(subset=["parent_id"]).groupby("parent_id").id.apply(list).to_dict()
    percentage = set(catalogue.id[catalogue.unit == "percentage"])

    def moved(rounded: np.ndarray) -> np.ndarray:
        running = np.cumsum(rounded) + rng.integers(0, ROUNDING_STEP, len(rounded))
        return np.diff(np.maximum.accumulate(running), prepend=0.0)

    out = frame.copy()
    for (indicator, _area), rows in frame.groupby(["indicator_id", "area_code"], sort=False):
        if indicator not in parents:
            out.loc[rows.index, "numerator"] = moved(rows.numerator.to_numpy(float))
    for (indicator, area), rows in frame[frame.indicator_id.isin(parents)].groupby(["indicator_id", "area_code"]):
        parts = out[out.indicator_id.isin(parts_of[indicator]) & (out.area_code == area)]
        parts_true = frame[frame.indicator_id.isin(parts_of[indicator]) & (frame.area_code == area)]
        added = parts.groupby("period").numerator.sum()
        remainder = rows.numerator_true.to_numpy() - parts_true.groupby("period").numerator_true.sum().reindex(
            rows.period).fillna(0).to_numpy()
        out.loc[rows.index, "numerator"] = added.reindex(rows.period).fillna(0).to_numpy() + remainder
    for (indicator, _area), rows in out[out.indicator_id.isin(percentage)].groupby(["indicator_id", "area_code"]):
        rest = frame.loc[rows.index, "denominator"].to_numpy(float) - frame.loc[rows.index, "numerator"].to_numpy(float)
        out.loc[rows.index, "denominator"] = rows.numerator.to_numpy(float) + moved(rest)
    return out[key + ["numerator", "denominator"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.attack", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database (default: $LSCSB_DB, else data/lscsb.duckdb)")
    parser.add_argument("--model", choices=["exact", "rounded", "both"], default="both")
    parser.add_argument("--outputs", default=",".join(OUTPUTS), help=f"which outputs the attacker holds ({', '.join(OUTPUTS)})")
    parser.add_argument("--lp-sample", type=int, default=12, help="cells checked by linear programming (0: none)")
    parser.add_argument("--accuracy", action="store_true", help="print what protection costs in accuracy, and stop")
    args = parser.parse_args(argv)
    import lscsb_data as L

    def say(message: str) -> None:
        print(f"... {message}", file=sys.stderr, flush=True)

    with L.connect(L.resolve_db_path(args.db), read_only=True) as con:
        if args.accuracy:
            print("Rolling 12-month counts of sensitive indicators, public against partner, every period:")
            print(accuracy(con).to_string(index=False))
            print("\nThe county, indicator by indicator:")
            print(accuracy_by_indicator(con).to_string(index=False))
            return 0
        figures = gather(con, outputs=tuple(args.outputs.split(",")), progress=say)
        for model in (["exact", "rounded"] if args.model == "both" else [args.model]):
            result = attack(con, model=model, figures=figures)
            print(f"\nattack, model '{model}':")
            for name, value in result.summary().items():
                print(f"  {name}: {value}")
            if args.lp_sample and model == "rounded":
                for check in linear_programme_check(result, sample=args.lp_sample):
                    print(f"  linear programme {check}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
