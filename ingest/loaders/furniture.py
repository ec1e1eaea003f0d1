"""Remove page furniture from per-page text: page numbers and repeated headers/footers.

A line is a repeated header/footer when, with its digits normalised, it is among the first or last
``EDGE`` lines of at least half of the pages. Each page is then peeled from the top and from the
bottom: page numbers ("3", "Trang 3", "3/12", "- 3 -", "Page 3 of 12") and repeated lines are
removed until the first line of body text.
"""

from __future__ import annotations

import re
from collections import Counter

EDGE = 2  # lines at the top and at the bottom of a page that may be furniture
MAX_PEEL = 3  # furniture lines removed at most from each edge (header + page number …)
_MIN_SHARE = 0.5

_PAGE_NUMBER = re.compile(
    r"^(?:"
    r"\d{1,4}"
    r"|[-–—]\s*\d{1,4}\s*[-–—]"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:Trang|trang|TRANG|Page|page)\s*\d{1,4}(?:\s*(?:/|của|of|trên)\s*\d{1,4})?"
    r")$"
)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def is_page_number(line: str) -> bool:
    return _PAGE_NUMBER.match(line.strip()) is not None


def _key(line: str) -> str:
    return _SPACES.sub(" ", _DIGITS.sub("#", line)).strip().casefold()


def _edge_lines(lines: list[str]) -> list[str]:
    filled = [line for line in lines if line.strip()]
    return filled[:EDGE] + filled[-EDGE:] if len(filled) > EDGE else filled


def _repeated_keys(pages: list[list[str]]) -> set[str]:
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_key(line) for line in _edge_lines(lines)})
    needed = max(2, _MIN_SHARE * len(pages))
    return {key for key, n in counts.items() if n >= needed and key}


def _peel(lines: list[str], repeated: set[str]) -> list[str]:
    """Drop furniture lines from the very top and bottom of one page."""

    def furniture(line: str) -> bool:
        return is_page_number(line) or _key(line) in repeated

    start, end = 0, len(lines)
    for _ in range(MAX_PEEL):
        while start < end and not lines[start].strip():
            start += 1
        if start < end and furniture(lines[start]):
            start += 1
    for _ in range(MAX_PEEL):
        while end > start and not lines[end - 1].strip():
            end -= 1
        if end > start and furniture(lines[end - 1]):
            end -= 1
    return lines[start:end]


def strip_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Pages (lists of lines) without page numbers and repeated headers/footers."""
    repeated = _repeated_keys(pages)
    return [_peel(lines, repeated) for lines in pages]
