"""One procedure section written three ways: crawl text (one cell per line), DOCX and HTML tables.

A table is a list of rows; a row is a list of cells ``(text, rowspan, colspan)`` holding only the
cells that start in that row (a merged cell is given once, where it starts), as HTML writes them.
"""

from __future__ import annotations

import html
from pathlib import Path

Cell = tuple[str, int, int]
Table = list[list[Cell]]
Block = str | Table


def c(text: str, rowspan: int = 1, colspan: int = 1) -> Cell:
    return (text, rowspan, colspan)


def to_text(blocks: list[Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, str):
            lines.append(b)
        else:
            lines.extend(cell[0] for row in b for cell in row)
    return "\n".join(lines) + "\n"


def to_html(blocks: list[Block]) -> str:
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>t</title></head><body><main>"]
    for b in blocks:
        if isinstance(b, str):
            parts.append(f"<p>{html.escape(b)}</p>")
            continue
        parts.append("<table>")
        for row in b:
            cells = "".join(f"<td rowspan='{rs}' colspan='{cs}'>{html.escape(t)}</td>" for t, rs, cs in row)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _grid(table: Table) -> tuple[int, list[tuple[int, int, Cell]]]:
    """Width of the table and the (row, column) where every cell starts."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(table):
        col = 0
        for cell in row:
            while (r, col) in taken:
                col += 1
            placed.append((r, col, cell))
            for dr in range(cell[1]):
                for dc in range(cell[2]):
                    taken.add((r + dr, col + dc))
            col += cell[2]
    width = max(col for _, col in taken) + 1
    return width, placed


def to_docx(blocks: list[Block], path: Path) -> None:
    import docx

    d = docx.Document()
    for b in blocks:
        if isinstance(b, str):
            d.add_paragraph(b)
            continue
        width, placed = _grid(b)
        t = d.add_table(rows=len(b), cols=width)
        for r, col, (text, rs, cs) in placed:
            top = t.cell(r, col)
            if rs > 1 or cs > 1:
                top = top.merge(t.cell(r + rs - 1, col + cs - 1))
            top.text = text
    d.save(str(path))
