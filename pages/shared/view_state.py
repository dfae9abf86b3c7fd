"""The shared view (area, period end, comparison, indicator, presentation mode), kept in the URL.

The sidebar widgets hold the view for the session; the URL holds the same values, so any view is a
link that opens exactly that view. Each run: when the URL differs from what this session last
wrote (a shared link, a card's link, a reload), its valid values are taken and any invalid value
is named in a message and replaced by the default; at the end of the run the URL is rewritten from
the view. Nothing read from the URL reaches a query except as a value checked against a list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st

from lscsb_data.presentation import formatting, vocabulary
from lscsb_data.figures import periods

PARAMS = ("area", "period", "comparison", "comparator", "indicator", "present")
LATEST = "latest"
DEFAULT_COMPARATOR = "default"
DEFAULT_COMPARISON = "rolling12"
_LAST_WRITTEN = "_url_last_written"
_VIEW = "_view"
FRAME_RUNNING = "_frame_running"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Options:
    """What the view may hold: the areas, months and indicators this database has.

    The lookups every run makes (names, the sidebar's labels, the months as the URL and the menu write them) are
    made once here, so the frame keeps one Options per database (``cache.view_options``) instead of filtering the
    area tables on every run.
    """

    areas: pd.DataFrame
    months: list[date]
    indicators: frozenset[str]
    default_area: str
    comparators: pd.DataFrame | None = None  # engine.comparators: code, name, kind
    area_codes: list[str] = field(init=False)
    area_labels: dict[str, str] = field(init=False)
    month_names: dict[str, str] = field(init=False)
    _area_names: dict[str, str] = field(init=False, repr=False)
    _comparator_names: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rows = list(self.areas.itertuples())
        labels = {month: formatting.month_name(day) for month, day in ((periods.month_label(m), m) for m in self.months)}
        comparators = [] if self.comparators is None else list(zip(self.comparators.code, self.comparators.name))
        for name, value in (
            ("area_codes", [row.code for row in rows]),
            ("_area_names", {row.code: str(row.name) for row in reversed(rows)}),
            ("area_labels", {row.code: f"{row.name} ({row.type_word}"
                                       f"{', outside the force: border crimes only' if getattr(row, 'role', '') == 'outside' else ''})"
                             for row in rows}),
            ("month_names", labels),
            ("_comparator_names", {code: formatting.short_area_name(name) for code, name in reversed(comparators)}),
        ):
            object.__setattr__(self, name, value)

    def area_name(self, code: str) -> str:
        return self._area_names.get(code, code)

    @property
    def comparator_codes(self) -> list[str]:
        return list(self._comparator_names)

    def comparator_name(self, code: str | None) -> str:
        if self.comparators is None or code is None:
            return "no comparator"
        return self._comparator_names.get(code, code)


@dataclass(frozen=True)
class View:
    area: str
    area_name: str
    period: date | None
    period_is_latest: bool
    comparison: str
    present: bool
    indicator: str | None
    comparator: str | None = None  # the comparator every figure is compared with (resolved: never "default")
    comparator_name: str = "no comparator"
    comparator_is_default: bool = True
    theme: str | None = None  # the theme whose page this is, if it is a theme's page

    @property
    def comparison_text(self) -> str:
        return vocabulary.COMPARISON_WORDS[self.comparison]


def _shown(text: str) -> str:
    """A value from the URL made safe to quote in a message: plain characters only, and short."""
    cleaned = re.sub(r"[^A-Za-z0-9 _.-]", "", str(text))[:40]
    return cleaned or "(unreadable)"


def _parse(key: str, value: str, options: Options):
    """The URL's ``value`` for ``key`` as a state value, or None when it is not a value this view can hold."""
    if key == "area":
        return value if value in options.area_codes else None
    if key == "period":
        if value == LATEST:
            return LATEST
        try:
            month = periods.parse_month(value)
        except ValueError:
            return None
        return periods.month_label(month) if month in options.months else None
    if key == "comparison":
        return value if value in periods.COMPARISONS else None
    if key == "comparator":
        return value if value == DEFAULT_COMPARATOR or value in options.comparator_codes else None
    if key == "indicator":
        return value if value in options.indicators else None
    if key == "present":
        lowered = value.strip().lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    return None


REFUSED = {
    "area": "is not an area this dashboard holds",
    "period": "is not a month this dashboard holds (expected YYYY-MM)",
    "comparison": "is not a comparison (expected rolling12 or quarter)",
    "comparator": "is not a comparator this dashboard knows (`python -m lscsb_data comparators` lists them)",
    "indicator": "is not an indicator in the catalogue",
    "present": "is not on or off (expected 1 or 0)",
}


def adopt_url(options: Options) -> list[str]:
    """Take the URL's values into the session when the URL changed; return a message per refused value."""
    url = st.query_params.to_dict()
    if url == st.session_state.get(_LAST_WRITTEN):
        return []
    messages = []
    for key in PARAMS:
        if key not in url:
            continue
        value = _parse(key, url[key], options)
        if value is None:
            messages.append(f"The link's {key} '{_shown(url[key])}' {REFUSED[key]}, so the default is shown instead.")
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value
    return messages


def _ensure_valid(options: Options) -> None:
    """Fill in defaults, and drop values a replaced database no longer holds."""
    state = st.session_state
    if state.get("area") not in options.area_codes:
        state["area"] = options.default_area
    if state.get("period") != LATEST and state.get("period") not in options.month_names:
        state["period"] = LATEST
    if state.get("comparison") not in periods.COMPARISONS:
        state["comparison"] = DEFAULT_COMPARISON
    if state.get("comparator") != DEFAULT_COMPARATOR and state.get("comparator") not in options.comparator_codes:
        state["comparator"] = DEFAULT_COMPARATOR
    if not isinstance(state.get("present"), bool):
        state["present"] = False
    if state.get("indicator") not in options.indicators:
        state["indicator"] = None


def sidebar_filters(options: Options, default_period, comparators=None, *, theme: str | None = None) -> View:
    """The shared filters in the sidebar; ``default_period(area)`` gives the month every page opens on for the area,
    ``comparators(area)`` the area's default comparator (or None) and the others offered for it; ``theme`` is the
    theme whose page this is, if it is one."""
    _ensure_valid(options)
    with st.sidebar:
        area = st.selectbox("Area", options.area_codes, format_func=options.area_labels.get, key="area",
                            help="Your district, the county, LLR or a comparator. Kept when you change page.")
        default_comparator, others = comparators(area) if comparators is not None else (None, [])
        if st.session_state.get("comparator") not in (DEFAULT_COMPARATOR, *others):
            st.session_state["comparator"] = DEFAULT_COMPARATOR
        chosen_comparator = st.selectbox(
            "Compare with", [DEFAULT_COMPARATOR, *others], key="comparator",
            format_func=lambda c: (f"{options.comparator_name(default_comparator)} (default)" if default_comparator
                                   else "Nothing (no comparator for this area)") if c == DEFAULT_COMPARATOR
            else options.comparator_name(c),
            help="Every figure is compared with this area or group: better, similar or worse, where the comparator's "
                 "value lies outside or inside the area's 95% confidence interval.")
        latest = default_period(area)
        latest_text = formatting.month_name(latest) if latest else "none held"
        choices = [LATEST, *options.month_names]
        choice = st.selectbox(
            "Period end", choices, key="period",
            format_func=lambda c: f"Latest complete ({latest_text})" if c == LATEST else options.month_names[c],
            help="The last month of the figures shown. Quarterly and annual figures use the latest whole quarter or year ending by then.",
        )
        comparison = st.radio("Comparison", list(periods.COMPARISONS), key="comparison",
                              format_func=vocabulary.COMPARISON_WORDS.get)
        present = st.toggle("Presentation mode", key="present",
                            help="Larger type, one indicator per screen; next and previous with the arrow keys.")
    period = latest if choice == LATEST else periods.parse_month(choice)
    resolved = default_comparator if chosen_comparator == DEFAULT_COMPARATOR else chosen_comparator
    view = View(area=area, area_name=options.area_name(area), period=period,
                period_is_latest=choice == LATEST, comparison=comparison, present=present,
                indicator=st.session_state.get("indicator"), comparator=resolved,
                comparator_name=options.comparator_name(resolved),
                comparator_is_default=chosen_comparator == DEFAULT_COMPARATOR, theme=theme)
    st.session_state[_VIEW] = view
    return view


def current() -> View:
    """The view the frame set up for this run (every page file runs the frame first: ``frame.enter``)."""
    return st.session_state[_VIEW]


def frame_started() -> None:
    """Mark that app.py's frame is running, so a page run without it (see ``current``) can tell."""
    st.session_state[FRAME_RUNNING] = True


def frame_finished() -> None:
    st.session_state[FRAME_RUNNING] = False


def choose_indicator(indicator: str) -> None:
    """Make ``indicator`` the view's indicator (a page's own selector calls this)."""
    st.session_state["indicator"] = indicator


def url_values(view: View, indicator: str | None = None) -> dict[str, str]:
    """The query parameters that open ``view`` (with ``indicator`` if given, else the view's)."""
    values = {"area": view.area, "comparison": view.comparison}
    if view.period is not None:
        values["period"] = periods.month_label(view.period)
    if not view.comparator_is_default and view.comparator:
        values["comparator"] = view.comparator
    chosen = indicator if indicator is not None else st.session_state.get("indicator")
    if chosen:
        values["indicator"] = chosen
    if view.present:
        values["present"] = "1"
    return values


def write_url() -> None:
    """Rewrite the URL from the view at the end of a run (only when it differs, so nothing is sent otherwise)."""
    view = st.session_state.get(_VIEW)
    if view is None:
        return
    wanted = url_values(view)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[_LAST_WRITTEN] = wanted
