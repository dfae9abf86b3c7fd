"""Hate and cohesion: hate incidents, racially or religiously aggravated crime and community cohesion."""
from pages.shared import theme_page

theme_page.render("hate")
