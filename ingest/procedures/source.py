"""The cell stream a procedure is read from, each cell with its offsets in the normalised text.

Crawled pages give one table cell per line; DOCX and HTML give real tables. Both become the same
stream of cells in reading order (a merged cell once, where it starts), so one reader serves all
formats; real tables add what the plain text cannot say: where a row starts. Cells are read from
the text *before* wrapped lines are re-joined (re-joining glues a cell that starts lower-case to
the one before), then located in the normalised text for citation offsets.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

from ingest.loaders.cleanup import normalize_chars
from ingest.loaders.encoding import LegacyEncodingError, repair_legacy
from ingest.loaders.tables import Block, Table
from ingest.models import Article


@dataclass(frozen=True)
class Cell:
    text: str
    start: int  # offsets in the normalised document text (start == end when not located)
    end: int
    row_start: bool | None = None  # True: first cell of a real table row; None: unknown (plain text)
    table: int | None = None  # ordinal of the real table the cell belongs to; None for paragraphs/plain text
    located: bool = True


def blocks_for(path: Path, fmt: str) -> list[Block] | None:
    """Lines and tables of a file, or None when the format has no better source than its text."""
    from ingest.loaders.docx import read_docx_blocks
    from ingest.loaders.html import read_html_blocks
    from ingest.loaders.text import read_text_file

    if fmt == "docx":
        return read_docx_blocks(path)
    if fmt == "html":
        return read_html_blocks(path)
    if fmt == "txt":
        raw = read_text_file(path).text
        try:
            raw, _ = repair_legacy(raw)
        except LegacyEncodingError:
            return None
        return list(raw.split("\n"))
    return None


class _Locator:
    """Finds cell texts in the normalised text, left to right."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.cursor = 0

    def locate(self, cell: str) -> tuple[int, int, bool]:
        for origin in (self.cursor, 0):
            i = self.text.find(cell, origin)
            if i >= 0:
                self.cursor = i + len(cell)
                return i, i + len(cell), True
        return self.cursor, self.cursor, False


def cell_stream(blocks: list[Block], text: str) -> list[Cell]:
    locator = _Locator(text)
    out: list[Cell] = []
    tables = 0
    for block in blocks:
        if isinstance(block, Table):
            for row in block.rows:
                for i, raw in enumerate(row):
                    cell = normalize_chars(raw).replace("\n", " ").strip()
                    if cell:
                        s, e, ok = locator.locate(cell)
                        out.append(Cell(cell, s, e, row_start=i == 0, table=tables, located=ok))
            tables += 1
            continue
        for line in normalize_chars(block).split("\n"):
            line = line.strip()
            if line:
                s, e, ok = locator.locate(line)
                out.append(Cell(line, s, e, located=ok))
    return out


class SectionMap:
    """Offset → the key of the article/section that holds it."""

    def __init__(self, articles: list[Article], text: str) -> None:
        spans: list[tuple[int, int, str]] = []
        cursor = 0
        for a in articles:
            i = text.find(a.text, cursor)
            if i < 0:
                i = text.find(a.text[:80], cursor)
            if i < 0:
                continue
            spans.append((i, i + len(a.text), a.key))
            cursor = i + 1
        self._starts = [s for s, _, _ in spans]
        self._spans = spans

    def key_at(self, offset: int) -> str | None:
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return None
        s, e, key = self._spans[i]
        return key if s <= offset < max(e, s + 1) else None
