"""Anti-social behaviour and satisfaction: police ASB incidents, Sentinel cases and the community survey."""
from pages.shared import theme_page

theme_page.render("asb")
