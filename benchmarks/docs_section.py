"""Replace one "## ..." section of docs/benchmarks.md with a benchmark's fresh result."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(section: str, doc: Path = DOCS) -> None:
    """``section`` starts with its "## Title" line; it replaces the section of that title
    (up to the next "## "), or is appended when the page has none yet."""
    head = section.split("\n", 1)[0]
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    start = text.find(f"\n{head}\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    else:
        nxt = text.find("\n## ", start + 1)
        rest = text[nxt + 1 :] if nxt >= 0 else ""
        text = text[: start + 1] + section.rstrip("\n") + "\n" + ("\n" + rest if rest else "")
    doc.write_text(text)
