"""A table model kept beside the text: the cells of each real table (DOCX, HTML), row by row.

The text the loaders produce for the rest of the pipeline is unchanged (a row is one line, cells
joined with " | "); readers that need the cell structure (procedure cards) ask for the blocks.
A cell merged vertically or horizontally appears once, in the first row it spans, as in the text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


# A paragraph line or a table, in document order.
Block = str | Table
