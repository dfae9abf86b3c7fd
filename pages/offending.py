"""Reducing offending and re-offending (youth offending service and probation)."""
from pages import _theme

_theme.render("offending")
