"""A theme's page: one per row of data/themes.csv, at the theme's id (/crime, /victims ...): its indicators'
figures, then one indicator's trend, district comparison and breakdown."""
from pages.shared import frame, theme_page, view_state

frame.enter()
theme_page.render(view_state.current().theme)
