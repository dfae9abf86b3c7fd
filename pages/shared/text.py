"""Text that the app shows exactly as it was typed (source labels, commentary, authors' names)."""


def literal(text: str) -> str:
    """Markdown that shows ``text`` exactly: every ASCII punctuation mark is backslash-escaped."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-.!|<>$~:&\"'=" else c for c in text)
