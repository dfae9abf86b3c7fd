"""Links from a table row to an indicator's detail page, for the same view."""
from __future__ import annotations

from urllib.parse import urlencode

from pages.shared import view_state


def detail_link(view: view_state.View):
    """``link(row)``: the detail page of ``row``'s indicator (its theme's page), for the same area, period and
    comparator; a relative link, so it works under any base path."""
    def link(row: dict) -> str:
        return f"{row['theme']}?{urlencode(view_state.url_values(view, indicator=row['id']))}"
    return link
