"""Repeat victimisation and vulnerable victims: domestic abuse, MARAC, UAVA, sexual offences and hospital admissions."""
from pages.shared import theme_page

theme_page.render("victims")
