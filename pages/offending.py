"""Reducing offending and re-offending (youth offending service and probation)."""
from pages.shared import theme_page

theme_page.render("offending")
