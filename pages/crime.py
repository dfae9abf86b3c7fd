"""Crime: ongoing reductions in crime (police recorded crime)."""
from pages.shared import theme_page

theme_page.render("crime")
