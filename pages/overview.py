"""Overview: how the chosen area is doing, in one screen: a headline count, then one row per indicator (value and
its interval, change and its significance, comparison with the comparator, five-year trend, where it sits among
LLR's areas, a small trend), theme by theme; or every area side by side (compare areas)."""
from __future__ import annotations

import streamlit as st

from lscsb_data.presentation import downloads, profile as area_profile
from pages.shared import cache, frame, presentation, ui, view_state
from pages.shared.links import detail_link

frame.enter()

VIEWS = {"profile": "Area profile", "compare": "Compare areas"}


def step_theme(count: int, step: int) -> None:
    st.session_state["overview_theme"] = (st.session_state.get("overview_theme", 0) + step) % count


def headline(profile: area_profile.Profile) -> tuple[str, str]:
    """The headline's badges and their explanation."""
    counts = profile.headline
    return (
        f":blue-badge[:material/trending_up: {counts['improving']} improving] "
        f":orange-badge[:material/trending_down: {counts['worsening']} worsening] "
        f":orange-badge[▼ {counts['worse']} worse than {profile.comparator_name}] "
        f":blue-badge[▲ {counts['better']} better] :gray-badge[● {counts['similar']} similar] "
        f":orange-badge[:material/warning: {counts['red_red']} red-red: worse and worsening]",
        area_profile.headline_text(profile) + " Improving and worsening: a significant change on the previous "
        "12 months (95%). Worse, similar, better: where the comparator lies against the area's 95% interval.")


view = view_state.current()
ident = cache.identity()
profile = cache.profile(ident, view.area, view.period, view.comparison, cache.public(), view.comparator)
themes = cache.themes(ident)
demo = bool(profile.rows.is_demo.fillna(False).astype(bool).any())
shown = themes
if view.present:
    at = st.session_state.get("overview_theme", 0) % len(themes)
    presentation.controls(f"Overview \u00b7 theme {at + 1} of {len(themes)}", on_previous=step_theme,
                          args_previous=(len(themes), -1), on_next=step_theme, args_next=(len(themes), 1))
    shown = themes.iloc[[at]]
    group = profile.rows[(profile.rows.theme == shown.id.iloc[0]) & profile.rows.parent_id.isna()]
    st.title(f"{shown.name.iloc[0]}: {view.area_name}")
    presentation.context_line(view, window=next((w for w in group.window_text if w), ""),
                              source="; ".join(dict.fromkeys(group.source.dropna())), demo=demo)
    chosen = "profile"
else:
    ui.compact_page()
    st.title(f"How is {view.area_name} doing?")
    ui.demo_banner(demo)
    ui.view_caption(view)
    controls, counts = st.columns([3, 7], vertical_alignment="center")
    with controls:
        chosen = st.segmented_control("Show", list(VIEWS), format_func=VIEWS.get, default="profile", required=True,
                                      key="overview_view", label_visibility="collapsed")
    with counts:
        badges, explained = ui.once("overview_headline", lambda: headline(profile))
        st.markdown(badges, help=explained)
# why: the profile's HTML and table are made once per view and theme shown (ui.once), not on every run
on_show = tuple(shown.id)
if chosen == "compare":
    st.html(ui.once("overview_compare", lambda: area_profile.compare_html(profile, themes=shown, large=view.present),
                    depends=on_show))
else:
    st.html(ui.once("overview_profile", lambda: area_profile.profile_html(profile, themes=shown, link=detail_link(view),
                                                                          large=view.present), depends=on_show))
    parts = ui.once("overview_parts", lambda: int(profile.rows.parent_id.notna().sum()))
    if parts and not view.present:
        with st.expander(f"Breakdowns: {parts} more indicators that make up the ones above"):
            st.html(ui.once("overview_breakdowns", lambda: area_profile.profile_html(profile, themes=themes,
                                                                                     link=detail_link(view), parts=True)))
if not view.present:
    with st.expander("These figures as a table", icon=":material/table:"):
        ui.table(lambda: area_profile.profile_table(profile).set_index("indicator"), key="overview_profile")
    ui.csv_download(lambda: downloads.summary_csv(
        profile.rows[profile.rows.indicator.notna()], what="every indicator's figures, intervals and comparison", area=f"{view.area_name} ({view.area})",
        period=f"{view.period:%b %Y}; {view.comparison_text.lower()}; compared with {profile.comparator_name}",
        generated_at=ui.generated_at(), public=cache.public()),
        label="Download these figures (CSV)", file_stem=ui.file_stem("lscsb", "overview", view.area, view.period),
        key="overview")
