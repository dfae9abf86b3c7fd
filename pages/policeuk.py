"""police.uk public data: real street-level crime and ASB counted by district and month."""
from pages.shared import theme_page

theme_page.render("policeuk")
