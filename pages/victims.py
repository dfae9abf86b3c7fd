"""Repeat victimisation and vulnerable victims: domestic abuse, MARAC, UAVA, sexual offences and hospital admissions."""
from pages import _theme

_theme.render("victims")
