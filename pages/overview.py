"""Overview: every indicator's current figure for the chosen area and period, grouped by theme."""
import streamlit as st

from pages.shared import cache, frame, presentation, ui, view_state

frame.enter()

CARDS_PER_ROW = 4
# A theme's headline cards on one presentation screen: at most two rows.
PRESENT_CARDS_PER_ROW = 3
LEGEND = (
    "Arrows show which way a figure moved; the word says what that means for this indicator (blue improving, "
    "orange worsening, grey no judgement). *Stable* means the change is within normal variation (not significant at 95%). "
    "MARAC repeats are judged against the 20-40% band SafeLives recommends."
)


def grid(rows, view, *, per_row: int = CARDS_PER_ROW, present: bool = False) -> None:
    for start in range(0, len(rows), per_row):
        for column, (_, row) in zip(st.columns(per_row), rows.iloc[start:start + per_row].iterrows()):
            with column:
                ui.card(row, view, present=present)


def step_theme(count: int, step: int) -> None:
    st.session_state["overview_theme"] = (st.session_state.get("overview_theme", 0) + step) % count


view = view_state.current()
ident = cache.identity()
cards = cache.overview_cards(ident, view.area, view.period, view.comparison, cache.public())
themes = cache.themes(ident)
shown = list(themes.itertuples())
demo = bool(cards.is_demo.fillna(False).astype(bool).any())
if view.present:
    at = st.session_state.get("overview_theme", 0) % len(shown)
    presentation.controls(f"Overview \u00b7 theme {at + 1} of {len(shown)}", on_previous=step_theme,
                          args_previous=(len(shown), -1), on_next=step_theme, args_next=(len(shown), 1))
    theme = shown[at]
    group = cards[(cards.theme == theme.id) & cards.parent_id.isna()]
    st.title(f"{theme.name}: {view.area_name}")
    presentation.context_line(view, window=next((w for w in group.window_text if w), ""),
                              source="; ".join(dict.fromkeys(group.source_text.dropna())), demo=demo)
    grid(group, view, per_row=min(len(group), PRESENT_CARDS_PER_ROW), present=True)
else:
    st.title("Overview")
    ui.demo_banner(demo)
    ui.view_caption(view)
    st.caption(LEGEND)
    ui.summary_download(cards, view, what="every indicator's current and previous figures", key="overview")
    for theme in shown:
        group = cards[cards.theme == theme.id]
        st.header(theme.name, divider="gray")
        grid(group[group.parent_id.isna()], view)
        parts = group[group.parent_id.notna()]
        if len(parts):
            with st.expander(f"Breakdowns: {len(parts)} more indicators that make up the ones above"):
                grid(parts, view)
