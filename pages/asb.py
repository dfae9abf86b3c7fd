"""Anti-social behaviour and satisfaction: police ASB incidents, Sentinel cases and the community survey."""
from pages import _theme

_theme.render("asb")
