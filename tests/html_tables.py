"""Reading the HTML tables the Overview and the Exceptions page draw (st.html), as a person reads them."""
from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[dict]] = []
        self._cell: dict | None = None
        self._row: list[dict] | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"text": "", "title": attributes.get("title", ""), "class": attributes.get("class", ""),
                          "titles": [], "links": [], "images": []}
        elif self._cell is not None:
            if attributes.get("title"):
                self._cell["titles"].append(attributes["title"])
            if tag == "a":
                self._cell["links"].append(attributes.get("href", ""))
            if tag == "img":
                self._cell["images"].append(attributes.get("alt", ""))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._cell["text"] = " ".join(self._cell["text"].split())
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def table_rows(html: str) -> list[list[dict]]:
    """Every row of every table in ``html``: each cell's text, its own title, the titles, links and image
    alternatives inside it, and its class."""
    parser = _Tables()
    parser.feed(html)
    return parser.rows


def row_named(html: str, name: str) -> list[dict]:
    """The row whose header cell starts with ``name`` (an indicator's row of the profile)."""
    for row in table_rows(html):
        if row and row[0]["text"].startswith(name):
            return row
    raise AssertionError(f"no row named {name!r}")
