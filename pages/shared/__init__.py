"""What the pages share: cached reads, the view kept in the URL, and rendering pieces. Not pages themselves,
so they live in this sub-package, never listed or run as a page."""
