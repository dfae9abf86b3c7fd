"""Hate and cohesion: hate incidents, racially or religiously aggravated crime and community cohesion."""
from pages import _theme

_theme.render("hate")
