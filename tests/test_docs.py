"""The README and docs/ stay a current guide: every page and command is in the README, every link resolves."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from lscsb_data.cli import parser

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def anchor(heading: str) -> str:
    """The anchor a Markdown heading gets on GitHub: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    return {anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def page_titles() -> list[str]:
    """Every page's title: the frame's own pages, and one page per row of data/themes.csv (its short name)."""
    import csv

    titles = re.findall(r'st\.Page\([^)]*title="([^"]+)"', (ROOT / "pages" / "shared" / "frame.py").read_text())
    with open(ROOT / "data" / "themes.csv", newline="", encoding="utf-8") as themes:
        return titles + [row["short_name"] for row in csv.DictReader(themes)]


def test_the_readme_names_every_page_of_the_app():
    titles = page_titles()
    assert {"Overview", "Upload data", "Crime", "police.uk public data"} <= set(titles)
    readme = (ROOT / "README.md").read_text()
    missing = [title for title in titles if f"**{title}**" not in readme]
    assert not missing, f"pages the README's page table does not describe: {missing}"


def test_the_readme_names_every_command():
    readme = (ROOT / "README.md").read_text()
    (commands,) = [a for a in parser("lscsb")._actions if isinstance(a, argparse._SubParsersAction)]
    missing = [name for name in commands.choices if f"`lscsb {name}" not in readme]
    assert not missing, f"commands the README's command table does not list: {missing}"


def test_the_readme_gives_the_summary_columns_exactly():
    from lscsb_data.figures.engine import SUMMARY_COLUMNS

    assert f"`{','.join(SUMMARY_COLUMNS)}`" in (ROOT / "README.md").read_text()


def test_every_link_between_the_documents_resolves():
    broken = []
    for path in DOCUMENTS:
        text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file_part, _, fragment = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            if not linked.exists():
                broken.append(f"{path.relative_to(ROOT)}: {target} (no such file)")
            elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
                broken.append(f"{path.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_every_document_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text()
    unlinked = [p.name for p in DOCUMENTS[1:] if f"(docs/{p.name}" not in readme]
    assert not unlinked, f"documents in docs/ the README does not point to: {unlinked}"
