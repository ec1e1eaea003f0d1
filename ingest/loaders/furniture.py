"""Remove page furniture from per-page text: page numbers and repeated headers/footers.

A line is a repeated header/footer when, with its digits normalised, it is among the first or last
``EDGE`` lines of at least half of the pages. Each page is then peeled from the top and from the
bottom, removing up to ``MAX_PEEL`` lines per edge until the first line of body text: repeated
lines, labelled page numbers ("Trang 3", "Trang 3/12", "Page 3 of 12") and bare ones ("3",
"- 3 -", "3/12") whose values follow the page sequence — so a table cell "4" that happens to end
a page is kept.
"""

from __future__ import annotations

import re
from collections import Counter

EDGE = 2  # lines at the top and at the bottom of a page that may be furniture
MAX_PEEL = 3  # furniture lines removed at most from each edge (header + page number …)
_MIN_SHARE = 0.5

# "Trang 3", "Trang 3/12", "Page 3 of 12": explicit, always furniture at a page edge.
_LABELLED_NUMBER = re.compile(r"^(?:Trang|trang|TRANG|Page|page)\s*(\d{1,4})(?:\s*(?:/|của|of|trên)\s*\d{1,4})?$")
# "3", "- 3 -", "3/12": furniture only when the numbers follow the page sequence.
_BARE_NUMBER = re.compile(r"^(?:[-–—]\s*)?(\d{1,4})(?:\s*[-–—]|\s*/\s*\d{1,4})?$")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def is_page_number(line: str) -> bool:
    """A line that looks like a page number ("3", "- 3 -", "3/12", "Trang 3")."""
    line = line.strip()
    return bool(_LABELLED_NUMBER.match(line) or _BARE_NUMBER.match(line))


def _bare_value(line: str) -> int | None:
    match = _BARE_NUMBER.match(line.strip())
    return int(match.group(1)) if match else None


def _page_offset(pages: list[list[str]]) -> int | None:
    """The usual difference between printed page numbers and page positions, if any."""
    offsets: Counter[int] = Counter()
    for index, lines in enumerate(pages):
        values = {v for line in _edge_lines(lines) if (v := _bare_value(line)) is not None}
        offsets.update({value - index for value in values})
    if not offsets:
        return None
    offset, count = offsets.most_common(1)[0]
    if len(pages) == 1:
        return offset if offset == 1 else None  # a lone page can only be numbered "1"
    return offset if count >= max(2, _MIN_SHARE * len(pages)) else None


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


def _peel(lines: list[str], index: int, repeated: set[str], offset: int | None) -> list[str]:
    """Drop furniture lines from the very top and bottom of one page."""

    def furniture(line: str) -> bool:
        if _LABELLED_NUMBER.match(line.strip()) or _key(line) in repeated:
            return True
        value = _bare_value(line)
        return value is not None and offset is not None and value - index == offset

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
    offset = _page_offset(pages)
    return [_peel(lines, index, repeated, offset) for index, lines in enumerate(pages)]
