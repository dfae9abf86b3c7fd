"""Overview: every indicator's current figure for the chosen area and period, grouped by theme."""
import streamlit as st

from pages.shared import cache, frame, ui, view_state

frame.enter()

CARDS_PER_ROW = 4
LEGEND = (
    "Arrows show which way a figure moved; the word says what that means for this indicator (blue improving, "
    "orange worsening, grey no judgement). *Stable* means the change is within normal variation (not significant at 95%). "
    "MARAC repeats are judged against the 20-40% band SafeLives recommends."
)


def grid(rows, view) -> None:
    for start in range(0, len(rows), CARDS_PER_ROW):
        for column, (_, row) in zip(st.columns(CARDS_PER_ROW), rows.iloc[start:start + CARDS_PER_ROW].iterrows()):
            with column:
                ui.card(row, view)


def step_theme(count: int, step: int) -> None:
    st.session_state["overview_theme"] = (st.session_state.get("overview_theme", 0) + step) % count


view = view_state.current()
ident = cache.identity()
cards = cache.overview_cards(ident, view.area, view.period, view.comparison, cache.public())
themes = cache.themes(ident)
st.title("Overview")
ui.demo_banner(bool(cards.is_demo.fillna(False).astype(bool).any()))
shown = list(themes.itertuples())
if view.present:
    at = st.session_state.get("overview_theme", 0) % len(shown)
    left, middle, right = st.columns([1, 3, 1], vertical_alignment="center")
    left.button("Previous", icon=":material/arrow_back:", shortcut="Left", on_click=step_theme, args=(len(shown), -1),
                width="stretch")
    middle.markdown(f"Theme {at + 1} of {len(shown)}", text_alignment="center")
    right.button("Next", icon=":material/arrow_forward:", shortcut="Right", on_click=step_theme, args=(len(shown), 1),
                 width="stretch")
    shown = [shown[at]]
else:
    ui.view_caption(view)
    st.caption(LEGEND)
    ui.summary_download(cards, view, what="every indicator's current and previous figures", key="overview")
for theme in shown:
    group = cards[cards.theme == theme.id]
    st.header(theme.name, divider="gray")
    grid(group[group.parent_id.isna()], view)
    parts = group[group.parent_id.notna()]
    if len(parts) and not view.present:
        with st.expander(f"Breakdowns: {len(parts)} more indicators that make up the ones above"):
            grid(parts, view)
