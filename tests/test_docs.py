"""The docs stay navigable: every page is in the index, and every relative link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_docs_page_is_listed_in_the_index() -> None:
    index = (DOCS / "index.md").read_text()
    missing = [p.name for p in sorted(DOCS.glob("*.md")) if p.name != "index.md"]
    missing = [name for name in missing if f"]({name})" not in index]
    assert missing == [], f"add these pages to docs/index.md: {missing}"


@pytest.mark.parametrize(
    "page", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name
)
def test_relative_links_resolve(page: Path) -> None:
    broken = [
        target
        for target in LINK.findall(page.read_text())
        if "://" not in target
        and not target.startswith("mailto:")
        and not (page.parent / target).exists()
    ]
    assert broken == [], f"{page.name} links to missing files: {broken}"
