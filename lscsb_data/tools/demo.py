"""Deterministic, calibrated demonstration data for the board's indicators (``python -m lscsb_data demo``).

The model lives in ``data/`` (see README, "Demonstration data"): ``demo_parameters.csv`` (levels,
seasonality, trends, COVID effects per indicator), ``demo_areas.csv`` (relative rates per area),
``demo_covid_profile.csv`` (how strongly each month was locked down) and ``demo_targets.csv``
(published figures and other calibration windows). Catalogue facts come from ``indicators.csv``,
areas from ``areas.csv``, populations through the engine, definition-change dates from
``annotations.csv`` and the East Midlands crime levels from the real Home Office 2017/18 figures.

Each indicator's expected figure per area and month is exposure (population from the engine) x
base rate x area factor x seasonality x trend x COVID x definition change. A scale curve per
indicator (log-linear between calibration windows, flat outside them) moves the level so every
window's expected total equals its target; counts are then drawn with a fixed seed: Poisson (or
binomial) outside the windows and, inside them, multinomial or capped hypergeometric draws that
hit the target exactly, so the engine reproduces every published figure.
"""
from __future__ import annotations

import csv
import io
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from lscsb_data.loaders import build
from lscsb_data.figures import db, engine, periods
from lscsb_data.config import DATA_DIR
from lscsb_data.loaders import tidy
from lscsb_data.loaders.common import Problem

SEED = 20140401
FIRST_MONTH = date(2014, 4, 1)
LAST_MONTH = date(2024, 3, 1)
N_MONTHS = periods.months_between(FIRST_MONTH, LAST_MONTH) + 1
YEARS = np.arange(FIRST_MONTH.year, LAST_MONTH.year + 1)

PARAMETERS_FILE = "demo_parameters.csv"
AREAS_FILE = "demo_areas.csv"
COVID_FILE = "demo_covid_profile.csv"
TARGETS_FILE = "demo_targets.csv"
HOME_OFFICE_FILE = "prc_east_midlands_2017_18.csv"

PARAMETER_COLUMNS = [
    "indicator", "exposure", "base_rate", "denominator_rate", "area_spread", "season_amplitude",
    "season_peak_month", "trend_points", "covid_effect", "definition_change_factor", "share_of_parent",
    "stored_at", "extra_comparators", "home_office_subgroups", "calibration_shape",
]
# why: a breakdown's strands share their parent's volume, so only these may differ from the parent's row
CHILD_OVERRIDES = ["area_spread", "season_amplitude", "season_peak_month", "trend_points", "covid_effect"]
AREA_COLUMNS = ["area_code", "rate_factor", "exposure_area", "exposure_multiple"]
COVID_COLUMNS = ["month", "intensity"]
TARGET_COLUMNS = ["indicator", "area_code", "window_start", "window_end", "kind", "target", "published", "relative_to"]
TARGET_KINDS = ("value", "relative", "home_office")
EXPOSURES = ("persons", "households", "persons_10_17")
CALIBRATION_SHAPES = ("smooth", "steps")
ALL_SUBGROUPS = "*"


class DemoModelError(ValueError):
    """A model file is invalid, or the generated figures miss a published one; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Series:
    """The model of one generated indicator (a breakdown strand has its own)."""

    indicator: str
    exposure: str
    base_rate: float
    denominator_rate: float | None
    area_spread: float
    season_amplitude: float
    season_peak_month: float
    trend_points: tuple[tuple[int, float], ...]
    covid_effect: float
    definition_change_factor: float | None
    stored_at: str | None
    extra_comparators: tuple[str, ...]
    home_office_subgroups: tuple[str, ...]
    calibration_shape: str


@dataclass(frozen=True)
class Target:
    """A calibration window: the figure the engine must give for ``area`` over months ``start``..``end``."""

    row: int
    indicator: str
    area: str
    start: int
    end: int
    kind: str
    target: float | None
    decimals: int
    published: float  # NaN for a demonstration assumption, which has no published figure
    published_decimals: int
    relative_to: str | None


@dataclass
class Model:
    """Everything generation reads: catalogue and areas (from the build's reference tables), the model files, populations."""

    catalogue: pd.DataFrame
    areas: pd.DataFrame
    series: dict[str, Series]
    groups: dict[str, list[str]]
    area_factors: dict[str, tuple[float, str, float]]
    covid_intensity: np.ndarray
    targets: list[Target]
    home_office: pd.DataFrame
    population: dict[tuple[str, str], np.ndarray]
    definition_changes: dict[str, int]


# ---- reading the model files -------------------------------------------------------------------


def _month_index(day: date) -> int:
    return periods.months_between(FIRST_MONTH, day)


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


class _Cells:
    """Reads one model file's cells, collecting every problem (file, row, column) before raising."""

    def __init__(self, path: Path, columns: list[str]):
        self.file = f"data/{path.name}"
        self.problems: list[Problem] = []
        try:
            reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise DemoModelError([Problem(self.file, "is missing")]) from None
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise DemoModelError([Problem(self.file, f"has no column '{c}'", row=1) for c in missing])
        self.rows = [(i + 2, {k: (v or "").strip() for k, v in r.items() if k}) for i, r in enumerate(reader)]

    def flag(self, row: int, column: str, value: str, reason: str) -> None:
        self.problems.append(Problem(self.file, reason, row=row, column=column, value=value))

    def number(self, row: int, record: dict, column: str, *, default=None, low=-math.inf, high=math.inf):
        text = record[column]
        if text == "":
            if default is None:
                self.flag(row, column, text, "is blank: expected a number")
            return default
        try:
            value = float(text)
        except ValueError:
            self.flag(row, column, text, "is not a number")
            return default
        if not (math.isfinite(value) and low <= value <= high):
            self.flag(row, column, text, f"is out of range: expected a number from {low} to {high}")
        return value

    def month(self, row: int, record: dict, column: str) -> int | None:
        try:
            return _month_index(periods.parse_month(record[column]))
        except ValueError as error:
            self.flag(row, column, record[column], str(error).split(": ", 1)[-1])
            return None

    def trend_points(self, row: int, record: dict) -> tuple[tuple[int, float], ...]:
        text = record["trend_points"]
        points = []
        for part in filter(None, text.split(";")):
            month, _, factor = part.partition("=")
            try:
                points.append((_month_index(periods.parse_month(month)), float(factor)))
            except ValueError:
                self.flag(row, "trend_points", text, "expected YYYY-MM=factor;YYYY-MM=factor, e.g. 2014-04=0.8;2019-10=1")
                return ((0, 1.0),)
        if not points or any(f <= 0 for _, f in points) or sorted(m for m, _ in points) != [m for m, _ in points]:
            self.flag(row, "trend_points", text, "needs at least one YYYY-MM=factor, months in order, factors above 0")
            return ((0, 1.0),)
        return tuple(points)

    def raise_if_any(self) -> None:
        if self.problems:
            raise DemoModelError(self.problems)


def _read_series(data_dir: Path, catalogue: pd.DataFrame, area_codes: set[str]) -> dict[str, Series]:
    cells = _Cells(data_dir / PARAMETERS_FILE, PARAMETER_COLUMNS)
    records = {}
    for row, record in cells.rows:
        indicator = record["indicator"]
        if indicator not in catalogue.index or catalogue.family[indicator] != "board":
            cells.flag(row, "indicator", indicator, "is not a board indicator in data/indicators.csv")
        elif indicator in records:
            cells.flag(row, "indicator", indicator, f"repeats the row {records[indicator][0]}")
        else:
            records[indicator] = (row, record)
    for indicator in catalogue.index[catalogue.family == "board"]:
        if indicator not in records:
            cells.problems.append(Problem(cells.file, f"has no row for the board indicator '{indicator}'"))

    series: dict[str, Series] = {}
    for indicator, (row, record) in records.items():
        if pd.isna(catalogue.parent_id[indicator]):
            series[indicator] = _parse_series(cells, row, record, catalogue.loc[indicator], area_codes)
    shares: dict[str, float] = {}
    for indicator, (row, record) in records.items():
        parent = catalogue.parent_id[indicator]
        if pd.isna(parent) or parent not in series:
            continue
        for column in [c for c in PARAMETER_COLUMNS if c not in CHILD_OVERRIDES and c not in ("indicator", "share_of_parent")]:
            if record[column]:
                cells.flag(row, column, record[column], f"must be blank for a strand of '{parent}': it comes from the parent's row")
        share = cells.number(row, record, "share_of_parent", low=0, high=1)
        shares[parent] = shares.get(parent, 0.0) + (share or 0.0)
        base = series[parent]
        overrides = {
            "area_spread": cells.number(row, record, "area_spread", default=base.area_spread),
            "season_amplitude": cells.number(row, record, "season_amplitude", default=base.season_amplitude, low=0, high=0.9),
            "season_peak_month": cells.number(row, record, "season_peak_month", default=base.season_peak_month, low=1, high=12),
            "covid_effect": cells.number(row, record, "covid_effect", default=base.covid_effect, low=-0.95),
            "trend_points": cells.trend_points(row, record) if record["trend_points"] else base.trend_points,
        }
        series[indicator] = replace(base, indicator=indicator, base_rate=base.base_rate * (share or 0.0), **overrides)
    for parent, total in shares.items():
        if abs(total - 1) > 1e-9:
            cells.problems.append(Problem(cells.file, f"the shares of '{parent}''s strands add up to {total:g}, not 1"))
    cells.raise_if_any()
    return series


def _parse_series(cells: _Cells, row: int, record: dict, indicator: pd.Series, area_codes: set[str]) -> Series:
    if record["exposure"] not in EXPOSURES:
        cells.flag(row, "exposure", record["exposure"], f"expected one of {', '.join(EXPOSURES)}")
    explicit = indicator.denominator_basis == "explicit"
    if explicit != bool(record["denominator_rate"]):
        cells.flag(row, "denominator_rate", record["denominator_rate"],
                   "is needed exactly for percentages and ratios (explicit denominators)")
    if record["calibration_shape"] not in ("", *CALIBRATION_SHAPES):
        cells.flag(row, "calibration_shape", record["calibration_shape"], f"expected blank or one of {', '.join(CALIBRATION_SHAPES)}")
    high = 100 if indicator.unit == "percentage" else math.inf
    comparators = tuple(record["extra_comparators"].split())
    for code in [*comparators, *filter(None, [record["stored_at"]])]:
        if code not in area_codes:
            cells.flag(row, "extra_comparators" if code in comparators else "stored_at", code, "is not an area in data/areas.csv")
    return Series(
        indicator=indicator.name,
        exposure=record["exposure"],
        base_rate=cells.number(row, record, "base_rate", low=0, high=high) or 0.0,
        denominator_rate=cells.number(row, record, "denominator_rate", default=0.0, low=0) if explicit else None,
        area_spread=cells.number(row, record, "area_spread", default=0.0),
        season_amplitude=cells.number(row, record, "season_amplitude", default=0.0, low=0, high=0.9),
        season_peak_month=cells.number(row, record, "season_peak_month", default=7.0, low=1, high=12),
        trend_points=cells.trend_points(row, record),
        covid_effect=cells.number(row, record, "covid_effect", default=0.0, low=-0.95),
        definition_change_factor=cells.number(row, record, "definition_change_factor", default=0.0, low=0) or None,
        stored_at=record["stored_at"] or None,
        extra_comparators=comparators,
        home_office_subgroups=tuple(s.strip() for s in record["home_office_subgroups"].split(";") if s.strip()),
        calibration_shape=record["calibration_shape"] or "smooth",
    )


def _read_area_factors(data_dir: Path, area_codes: set[str]) -> dict[str, tuple[float, str, float]]:
    cells = _Cells(data_dir / AREAS_FILE, AREA_COLUMNS)
    factors = {}
    for row, record in cells.rows:
        code, source = record["area_code"], record["exposure_area"] or record["area_code"]
        for column, value in (("area_code", code), ("exposure_area", source)):
            if value not in area_codes:
                cells.flag(row, column, value, "is not an area in data/areas.csv")
        factors[code] = (
            cells.number(row, record, "rate_factor", low=0.01),
            source,
            cells.number(row, record, "exposure_multiple", default=1.0, low=0.001),
        )
    cells.raise_if_any()
    return factors


def _read_covid(data_dir: Path) -> np.ndarray:
    cells = _Cells(data_dir / COVID_FILE, COVID_COLUMNS)
    intensity = np.zeros(N_MONTHS)
    for row, record in cells.rows:
        month = cells.month(row, record, "month")
        value = cells.number(row, record, "intensity", low=0, high=1)
        if month is not None and 0 <= month < N_MONTHS and value is not None:
            intensity[month] = value
    cells.raise_if_any()
    return intensity


def _read_targets(data_dir: Path, catalogue: pd.DataFrame, area_codes: set[str]) -> list[Target]:
    cells = _Cells(data_dir / TARGETS_FILE, TARGET_COLUMNS)
    targets = []
    for row, record in cells.rows:
        indicator = record["indicator"]
        if indicator not in catalogue.index or catalogue.family[indicator] != "board":
            cells.flag(row, "indicator", indicator, "is not a board indicator in data/indicators.csv")
            continue
        if not pd.isna(catalogue.parent_id[indicator]):
            cells.flag(row, "indicator", indicator, f"is a strand: calibrate '{catalogue.parent_id[indicator]}' "
                       "(strands follow their share_of_parent)")
        for column in ("area_code", "relative_to"):
            if (record[column] or column == "area_code") and record[column] not in area_codes:
                cells.flag(row, column, record[column], "is not an area in data/areas.csv")
        kind = record["kind"]
        if kind not in TARGET_KINDS:
            cells.flag(row, "kind", kind, f"expected one of {', '.join(TARGET_KINDS)}")
        if (kind == "relative") != bool(record["relative_to"]):
            cells.flag(row, "relative_to", record["relative_to"], "is needed exactly for kind 'relative'")
        start, end = cells.month(row, record, "window_start"), cells.month(row, record, "window_end")
        months = int(catalogue.period_months[indicator])
        if start is not None and end is not None and not (
            0 <= start <= end < N_MONTHS and start % months == 0 and (end + 1) % months == 0
        ):
            cells.flag(row, "window_end", record["window_end"],
                       f"the window must lie in {periods.month_label(FIRST_MONTH)}..{periods.month_label(LAST_MONTH)} "
                       f"and cover whole {catalogue.frequency[indicator]} periods of '{indicator}'")
        targets.append(Target(
            row=row, indicator=indicator, area=record["area_code"], start=start or 0, end=end or 0, kind=kind,
            target=cells.number(row, record, "target") if kind != "home_office" else None,
            decimals=_decimals(record["target"]),
            published=cells.number(row, record, "published", default=math.nan),
            published_decimals=_decimals(record["published"]),
            relative_to=record["relative_to"] or None,
        ))
    cells.raise_if_any()
    return targets


def _engine_population(con, area_codes: list[str]) -> dict[tuple[str, str], np.ndarray]:
    """Each area's persons, households and persons aged 10-17 per calendar year, exactly as the engine uses them."""
    population: dict[tuple[str, str], np.ndarray] = {}
    for code in area_codes:
        for index, year in enumerate(YEARS):
            for measure, value in engine.population(con, area=code, year=int(year))[["measure", "value"]].itertuples(index=False):
                population.setdefault((code, measure), np.full(len(YEARS), np.nan))[index] = value
    return population


def load_model(data_dir: Path = DATA_DIR) -> Model:
    """Read and check every model file; raises ``DemoModelError`` naming each bad cell."""
    with db.connect(None) as con:
        db.create_schema(con)
        build.load_reference_tables(con, data_dir)
        db.refresh_materialized(con)
        catalogue = con.execute("SELECT * FROM stg_indicators").df().set_index("id")
        areas = con.execute("SELECT * FROM stg_areas").df().set_index("code")
        changes = con.execute(
            "SELECT indicator_id, start_date FROM annotations WHERE kind = 'definition_change' AND indicator_id IS NOT NULL"
        ).fetchall()
        population = _engine_population(con, list(areas.index))
    area_codes = set(areas.index)
    series = _read_series(data_dir, catalogue, area_codes)
    board = catalogue[catalogue.family == "board"]
    groups = {
        indicator: list(board.index[board.parent_id == indicator]) or [indicator]
        for indicator in board.index[board.parent_id.isna()]
    }
    home_office = pd.read_csv(data_dir / HOME_OFFICE_FILE)
    return Model(
        catalogue=catalogue,
        areas=areas,
        series=series,
        groups=groups,
        area_factors=_read_area_factors(data_dir, area_codes),
        covid_intensity=_read_covid(data_dir),
        targets=_read_targets(data_dir, catalogue, area_codes),
        home_office=home_office,
        population=population,
        definition_changes={indicator: _month_index(start) for indicator, start in changes},
    )


# ---- the model's expected figures ----------------------------------------------------------------


def leaves(areas: pd.DataFrame, code: str) -> list[str]:
    """The areas with no parts under ``code`` (``code`` itself when it has none), in code order.

    A force's no-location bucket is left out: it has no population, so partners' figures never fall in it.
    """
    children = sorted(areas.index[(areas.parent_code == code) & areas.has_residents])
    if not children:
        return [code]
    return [leaf for child in children for leaf in leaves(areas, child)]


def trend_curve(points: tuple[tuple[int, float], ...], n_months: int = N_MONTHS) -> np.ndarray:
    """The trend factor for each month: log-linear between the points, flat before the first and after the last."""
    months, factors = zip(*points)
    return np.exp(np.interp(np.arange(n_months), months, np.log(factors)))


def seasonality(amplitude: float, peak_month: float, n_months: int = N_MONTHS) -> np.ndarray:
    """1 + amplitude x cos(...), highest in ``peak_month`` (1-12); averages 1 over a year."""
    calendar_month = (np.arange(n_months) + FIRST_MONTH.month - 1) % 12 + 1
    return 1 + amplitude * np.cos(2 * np.pi * (calendar_month - peak_month) / 12)


def _exposure(model: Model, series: Series, area: str) -> np.ndarray:
    """Monthly exposure in thousands (persons, households or young people), from the engine's population."""
    _, source, multiple = model.area_factors[area]
    by_year = model.population.get((source, series.exposure))
    if by_year is None or np.isnan(by_year).any():
        raise DemoModelError([Problem(f"data/{AREAS_FILE}", f"no {series.exposure} population for '{source}' in every year "
                                      f"{YEARS[0]}-{YEARS[-1]}: set its exposure_area", column="exposure_area", value=area)])
    year_of_month = (np.arange(N_MONTHS) + FIRST_MONTH.month - 1) // 12
    return by_year[year_of_month] * multiple / 1000


def _monthly_model(model: Model, series: Series, areas: list[str], *, local: bool) -> tuple[np.ndarray, np.ndarray]:
    """Expected monthly volume (events, or denominators for explicit bases) and level multiplier, per area and month."""
    volume_shape = seasonality(series.season_amplitude, series.season_peak_month) * (
        1 + series.covid_effect * model.covid_intensity
    )
    level = np.tile(trend_curve(series.trend_points), (len(areas), 1))
    change = model.definition_changes.get(series.indicator) if series.definition_change_factor else None
    if change is not None and local:
        # why: a definition change is a local recording change, so comparators stored whole do not step
        level[:, change:] *= series.definition_change_factor
    factors = np.array([model.area_factors[a][0] for a in areas])[:, None] ** series.area_spread
    exposure = np.stack([_exposure(model, series, a) for a in areas])
    if series.denominator_rate is None:
        return exposure * series.base_rate / 12 * volume_shape * level * factors, np.ones_like(level)
    return exposure * series.denominator_rate / 12 * volume_shape, level * factors


def _by_period(monthly: np.ndarray, months: int, *, how: str) -> np.ndarray:
    shaped = monthly.reshape(monthly.shape[0], -1, months)
    return shaped.sum(axis=2) if how == "sum" else shaped.mean(axis=2)


# ---- calibration -------------------------------------------------------------------------------------


@dataclass
class _Anchor:
    target: Target
    mask: np.ndarray  # (areas, periods): the stored cells whose total the engine reports
    value: float  # what the window must give: an event count, or a proportion/ratio (value / multiplier)
    decimals: int


def scale_curve(anchors: list[_Anchor], months: int, n_periods: int, correction: Callable[[np.ndarray, _Anchor], float],
                shape: str = "smooth") -> np.ndarray:
    """A level multiplier per period so each anchor's expected figure equals its target.

    ``smooth``: log-linear between the windows' mid-months. ``steps``: constant inside each window
    (for figures that jump from one period to the next), log-linear across gaps. Flat before the
    first window and after the last; solved by fixed-point iteration, since windows share the curve.
    """
    if not anchors:
        return np.ones(n_periods)
    if shape == "smooth":
        knots = [((a.target.start + a.target.end) / 2,) for a in anchors]
    else:
        # why: knots just inside each window's edges keep the curve flat over the whole window
        knots = [(a.target.start - 0.49, a.target.end + 0.49) for a in anchors]
    x = np.array([point for points in knots for point in points])
    owner = np.array([index for index, points in enumerate(knots) for _ in points])
    order = np.argsort(x, kind="stable")
    windows = sorted((a.target.start, a.target.end) for a in anchors)
    overlapping = shape == "steps" and any(later[0] <= earlier[1] for earlier, later in zip(windows, windows[1:]))
    if overlapping or np.any(np.diff(x[order]) <= 0):
        raise DemoModelError([Problem(f"data/{TARGETS_FILE}", f"calibration windows of '{anchors[0].target.indicator}' overlap "
                                      f"or share a mid-month, which its '{shape}' calibration cannot meet", row=anchors[0].target.row)])
    period_mids = np.arange(n_periods) * months + (months - 1) / 2
    log_scale = np.zeros(len(anchors))

    def curve() -> np.ndarray:
        return np.exp(np.interp(period_mids, x[order], log_scale[owner][order]))

    for _ in range(1000):
        step = np.log([correction(curve(), anchor) for anchor in anchors])
        log_scale += step
        if np.abs(step).max() < 1e-13:
            break
    return curve()


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split a whole number in proportion to ``weights`` so the parts are whole and add up exactly."""
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    parts[np.argsort(-(exact - parts), kind="stable")[: total - parts.sum()]] += 1
    return parts


def feasible_totals(value: float, decimals: int, multiplier: float, denominator: int, *, free_cells: int = 1,
                    settled_numerator: int = 0, settled_denominator: int = 0, percentage: bool = False) -> tuple[int, int]:
    """Whole numerator and denominator totals whose ratio x multiplier rounds to ``value`` with a margin.

    Starts at ``denominator`` and moves it one at a time (up, then down) until some numerator
    gives a figure within 0.4 of the last decimal of ``value``. Cells already settled by an earlier
    window keep their figures; each free cell keeps a denominator of at least 1 and, for a
    percentage, no more numerator than denominator.
    """
    margin = 0.4 * 10.0 ** -decimals
    for step in range(0, 1000):
        for candidate in dict.fromkeys((denominator + step, denominator - step)):
            if candidate < settled_denominator + free_cells:
                continue
            numerator = round(value / multiplier * candidate)
            if numerator < settled_numerator or (
                percentage and numerator - settled_numerator > candidate - settled_denominator
            ):
                continue
            if abs(numerator / candidate * multiplier - value) <= margin:
                return numerator, candidate
    raise ValueError(f"no whole numerator and denominator near {denominator} give {value}")


def adjust_total(rng: np.random.Generator, values: np.ndarray, change: int, *,
                 weights: np.ndarray | None = None, room: np.ndarray | None = None, floor: int = 0) -> np.ndarray:
    """Add or remove ``change`` units at random: added in proportion to ``weights`` (or into ``room``), removed down to ``floor``."""
    values = values.copy()
    if change > 0:
        if room is not None:
            values += rng.multivariate_hypergeometric(room.astype(np.int64), change)
        else:
            values += rng.multinomial(change, weights / weights.sum())
    elif change < 0:
        values -= rng.multivariate_hypergeometric((values - floor).astype(np.int64), -change)
    return values


# ---- generation --------------------------------------------------------------------------------------


@dataclass
class _Drawn:
    """Generated figures per stored area: numerators and (explicit bases) denominators per period."""

    numerators: dict[tuple[str, str], np.ndarray]
    denominators: dict[tuple[str, str], np.ndarray]


def _stored_areas(areas: list[str], target_area: str, model: Model) -> list[str]:
    return [target_area] if target_area in areas else [a for a in leaves(model.areas, target_area) if a in areas]


def window_value(model: Model, drawn: _Drawn, indicator: str, area: str, start: int, end: int) -> float:
    """The figure the engine gives for ``area`` over months ``start``..``end`` (indexes from April 2014)."""
    row = model.catalogue.loc[indicator]
    months = int(row.period_months)
    stored = [area] if (indicator, area) in drawn.numerators else [
        a for a in leaves(model.areas, area) if (indicator, a) in drawn.numerators
    ]
    if not stored:
        raise DemoModelError([Problem(f"data/{TARGETS_FILE}", f"'{area}' has no generated figures of '{indicator}' to compare with",
                                      column="relative_to", value=area)])
    window = slice(start // months, (end + 1) // months)
    numerator = float(sum(drawn.numerators[(indicator, a)][window].sum() for a in stored))
    if row.denominator_basis == "explicit":
        denominator = float(sum(drawn.denominators[(indicator, a)][window].sum() for a in stored))
    elif row.denominator_basis in ("population", "households"):
        measure = "persons" if row.denominator_basis == "population" else "households"
        denominator = float(model.population[(area, measure)][periods.add_months(FIRST_MONTH, end).year - YEARS[0]])
    else:
        return numerator
    return numerator / denominator * row.multiplier


def _count_target(model: Model, drawn: _Drawn, group: str, target: Target) -> int:
    """The whole number of events a count or rate window must hold."""
    row = model.catalogue.loc[group]
    if target.kind == "home_office":
        subgroups = {s for member in model.groups[group] for s in model.series[member].home_office_subgroups}
        chosen = model.home_office if ALL_SUBGROUPS in subgroups else model.home_office[model.home_office.offence_subgroup.isin(subgroups)]
        first_year = int(str(model.home_office.financial_year.iloc[0])[:4])
        year_window = (_month_index(date(first_year, 4, 1)), _month_index(date(first_year + 1, 3, 1)))
        if not subgroups or (target.start, target.end) != year_window:
            raise DemoModelError([Problem(f"data/{TARGETS_FILE}", f"a home_office target needs the financial year of "
                                          f"data/{HOME_OFFICE_FILE} as its window and the indicator's home_office_subgroups",
                                          row=target.row, column="kind")])
        return int(chosen.number_of_offences.sum())
    value = target.target
    if target.kind == "relative":
        value *= window_value(model, drawn, group, target.relative_to, target.start, target.end)
    if row.unit == "count":
        return round(value)
    measure = "persons" if row.denominator_basis == "population" else "households"
    population = model.population[(target.area, measure)][periods.add_months(FIRST_MONTH, target.end).year - YEARS[0]]
    events = round(value * population / row.multiplier)
    if target.kind == "value" and abs(events / population * row.multiplier - value) > 0.4 * 10.0 ** -target.decimals:
        raise DemoModelError([Problem(f"data/{TARGETS_FILE}", "the population is too small for a figure this precise",
                                      row=target.row, column="target", value=str(value))])
    return events


def _rng(indicator: str) -> np.random.Generator:
    # why: one stream per indicator, so changing one indicator's model leaves every other's figures as they were
    return np.random.default_rng([SEED, zlib.crc32(indicator.encode())])


def _families(model: Model, group: str) -> list[tuple[list[str], bool]]:
    """The stored area sets of an indicator: each comparator stored whole first, then LLR's parts."""
    row, series = model.catalogue.loc[group], model.series[group]
    regions = list(model.areas.index[model.areas.type == "region"])
    comparators = (regions if row.regional_comparator else []) + list(series.extra_comparators)
    force = model.areas.index[model.areas.type == "force"][0]
    local = [series.stored_at] if series.stored_at else leaves(model.areas, force)
    return [([code], False) for code in comparators] + [(local, True)]


def _anchors(model: Model, drawn: _Drawn, group: str, areas: list[str], n_periods: int) -> list[_Anchor]:
    row = model.catalogue.loc[group]
    months = int(row.period_months)
    anchors = []
    for target in model.targets:
        stored = _stored_areas(areas, target.area, model) if target.indicator == group else []
        if not stored:
            continue
        mask = np.zeros((len(areas), n_periods), dtype=bool)
        mask[[areas.index(a) for a in stored], target.start // months: (target.end + 1) // months] = True
        if row.denominator_basis == "explicit":
            anchors.append(_Anchor(target, mask, target.target, target.decimals))
        else:
            anchors.append(_Anchor(target, mask, _count_target(model, drawn, group, target), 0))
    return anchors


def _generate_counts(model: Model, drawn: _Drawn, group: str, areas: list[str], local: bool) -> None:
    """Counts and rates: strands drawn separately, calibrated on their sum."""
    members = model.groups[group]
    months = int(model.catalogue.period_months[group])
    expected = np.stack([
        _by_period(np.prod(_monthly_model(model, model.series[m], areas, local=local), axis=0), months, how="sum")
        for m in members
    ])
    n_periods = expected.shape[2]
    anchors = _anchors(model, drawn, group, areas, n_periods)
    total = expected.sum(axis=0)
    curve = scale_curve(anchors, months, n_periods, lambda c, a: a.value / (total * c)[a.mask].sum(),
                        model.series[group].calibration_shape)
    expected = expected * curve
    counts = np.zeros(expected.shape, dtype=np.int64)
    fixed = np.zeros(total.shape, dtype=bool)
    rngs = [_rng(m) for m in members]
    for anchor in anchors:
        free = anchor.mask & ~fixed
        remaining = int(anchor.value) - int(counts[:, anchor.mask & fixed].sum())
        weights = expected[:, free].sum(axis=1)
        if remaining < 0 or (remaining > 0 and weights.sum() == 0):
            raise DemoModelError([Problem(f"data/{TARGETS_FILE}", "overlaps an earlier window whose figures already exceed this target",
                                          row=anchor.target.row)])
        for index, share in enumerate(largest_remainder(remaining, weights)):
            cell_weights = expected[index][free]
            counts[index][free] = rngs[index].multinomial(share, cell_weights / cell_weights.sum())
        fixed |= anchor.mask
    for index, rng in enumerate(rngs):
        counts[index][~fixed] = rng.poisson(expected[index][~fixed])
    for index, member in enumerate(members):
        for area_index, area in enumerate(areas):
            drawn.numerators[(member, area)] = counts[index, area_index]
    if members != [group]:
        for area_index, area in enumerate(areas):
            drawn.numerators[(group, area)] = counts[:, area_index].sum(axis=0)


def _generate_explicit(model: Model, drawn: _Drawn, group: str, areas: list[str], local: bool) -> None:
    """Percentages (numerator at most denominator) and ratios (re-offences over cohort)."""
    row = model.catalogue.loc[group]
    months = int(row.period_months)
    monthly_denominators, monthly_level = _monthly_model(model, model.series[group], areas, local=local)
    denominators_expected = _by_period(monthly_denominators, months, how="sum")
    level = _by_period(monthly_level, months, how="mean")
    base = model.series[group].base_rate / row.multiplier
    is_percentage = row.unit == "percentage"

    def rate(curve: np.ndarray) -> np.ndarray:
        if not is_percentage:
            return base * level * curve
        odds = base / (1 - base) * level * curve
        return odds / (1 + odds)

    def correction(curve: np.ndarray, anchor: _Anchor) -> float:
        weights = denominators_expected[anchor.mask]
        achieved = (weights * rate(curve)[anchor.mask]).sum() / weights.sum()
        wanted = anchor.value / row.multiplier
        return wanted * (1 - achieved) / (achieved * (1 - wanted)) if is_percentage else wanted / achieved

    n_periods = denominators_expected.shape[1]
    anchors = _anchors(model, drawn, group, areas, n_periods)
    expected_rate = rate(scale_curve(anchors, months, n_periods, correction, model.series[group].calibration_shape))
    rng = _rng(group)
    denominators = np.maximum(rng.poisson(denominators_expected), 1)
    numerators = np.zeros_like(denominators)
    fixed = np.zeros(denominators.shape, dtype=bool)

    def first_draw(cells: np.ndarray) -> np.ndarray:
        if is_percentage:
            return rng.binomial(denominators[cells], expected_rate[cells])
        return rng.poisson(denominators[cells] * expected_rate[cells])

    for anchor in anchors:
        free, settled = anchor.mask & ~fixed, anchor.mask & fixed
        try:
            numerator, denominator = feasible_totals(
                anchor.value, anchor.decimals, row.multiplier, int(denominators[anchor.mask].sum()),
                free_cells=int(free.sum()), settled_numerator=int(numerators[settled].sum()),
                settled_denominator=int(denominators[settled].sum()), percentage=is_percentage,
            )
        except ValueError as error:
            raise DemoModelError([Problem(f"data/{TARGETS_FILE}", str(error), row=anchor.target.row, column="target")]) from None
        denominators[free] = adjust_total(rng, denominators[free], denominator - int(denominators[anchor.mask].sum()),
                                          weights=denominators_expected[free], floor=1)
        first = first_draw(free)
        change = numerator - int(numerators[settled].sum()) - int(first.sum())
        numerators[free] = adjust_total(rng, first, change, weights=(denominators * expected_rate)[free],
                                        room=denominators[free] - first if is_percentage else None)
        fixed |= anchor.mask
    numerators[~fixed] = first_draw(~fixed)
    for area_index, area in enumerate(areas):
        drawn.numerators[(group, area)] = numerators[area_index]
        drawn.denominators[(group, area)] = denominators[area_index]


def generate(model: Model | None = None, progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Every demonstration figure as tidy rows (plus ``theme``), sorted by indicator, area and period."""
    model = model or load_model()
    say = progress or (lambda _message: None)
    _check_targets_are_generated(model)
    drawn = _Drawn({}, {})
    for group in model.groups:
        explicit = model.catalogue.denominator_basis[group] == "explicit"
        for areas, local in _families(model, group):
            (_generate_explicit if explicit else _generate_counts)(model, drawn, group, areas, local)
    _check_published(model, drawn)
    say(f"demo: {len(drawn.numerators):,} series generated; every published figure checked")
    frames = []
    for (indicator, area), numerators in drawn.numerators.items():
        months = int(model.catalogue.period_months[indicator])
        starts = [periods.add_months(FIRST_MONTH, p * months) for p in range(len(numerators))]
        denominators = drawn.denominators.get((indicator, area))
        frames.append(pd.DataFrame({
            "theme": model.catalogue.theme[indicator],
            "indicator": indicator,
            "area_code": area,
            "period": [periods.month_label(s) for s in starts],
            "numerator": numerators.astype(str),
            "denominator": denominators.astype(str) if denominators is not None else "",
        }))
    return pd.concat(frames).sort_values(["indicator", "area_code", "period"], ignore_index=True)


def _check_targets_are_generated(model: Model) -> None:
    unmet = [
        Problem(f"data/{TARGETS_FILE}", f"no generated figures of '{t.indicator}' make up this area",
                row=t.row, column="area_code", value=t.area)
        for t in model.targets
        if not any(_stored_areas(areas, t.area, model) for areas, _ in _families(model, t.indicator))
    ]
    if unmet:
        raise DemoModelError(unmet)


def _check_published(model: Model, drawn: _Drawn) -> None:
    """Every published figure must come out as published; a model change that breaks one fails here."""
    missed = []
    for target in model.targets:
        if math.isnan(target.published):
            continue
        value = window_value(model, drawn, target.indicator, target.area, target.start, target.end)
        if round(value, target.published_decimals) != target.published:
            missed.append(Problem(f"data/{TARGETS_FILE}", f"the generated figure {value:.4f} does not round to the published one",
                                  row=target.row, column="published", value=str(target.published)))
    if missed:
        raise DemoModelError(missed)


def to_csv_text(rows: pd.DataFrame) -> str:
    lines = [",".join(tidy.COLUMNS), *(",".join(r) for r in rows[tidy.COLUMNS].itertuples(index=False))]
    return "\n".join(lines) + "\n"


def write_demo_files(out_dir: Path = DATA_DIR / "demo", progress: Callable[[str], None] | None = None,
                     data_dir: Path = DATA_DIR) -> list[Path]:
    """Generate the demonstration data and write one tidy CSV per theme to ``out_dir``; returns the files written."""
    rows = generate(load_model(data_dir), progress=progress)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for theme, theme_rows in rows.groupby("theme", sort=True):
        path = out_dir / f"{theme}.csv"
        path.write_bytes(to_csv_text(theme_rows).encode())
        written.append(path)
        if progress:
            progress(f"demo: {path.name}: {len(theme_rows):,} rows")
    return written
