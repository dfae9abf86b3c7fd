"""police.uk public data: real street-level crime and ASB counted by district and month."""
from pages import _theme

_theme.render("policeuk")
