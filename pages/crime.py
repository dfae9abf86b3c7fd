"""Crime: ongoing reductions in crime (police recorded crime)."""
from pages import _theme

_theme.render("crime")
