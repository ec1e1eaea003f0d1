"""Markdown → plain text: drop emphasis markers, heading marks, links and table pipes."""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s+|$)")
_HEADING_TAIL = re.compile(r"\s+#+\s*$")
_STRONG = re.compile(r"(?<![*_])(\*\*|__)(?![*_])")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])|(?<=[^\s*])\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])|(?<=[^\s_])_(?![\w_])")
_TABLE_SEPARATOR = re.compile(r"^(?=.*\|)(?=.*-)[|:\-\s]+$")  # |---|:---:|
_PROTECTED = re.compile("[\U000f0000-\U000f007f]")
_BLOCKQUOTE = re.compile(r"^\s{0,3}>\s?")
_FENCE = re.compile(r"^\s{0,3}(?:```|~~~)")


def _table_row(line: str) -> str:
    """``| a | b |`` → ``a | b``; a bare ``|`` (a cell boundary in crawled text) → blank."""
    stripped = line.strip()
    if not stripped.startswith("|") and not (stripped.endswith("|") and " | " in stripped):
        return line
    cells = [cell.strip() for cell in stripped.strip("|").split("|")]
    return " | ".join(cell for cell in cells if cell)


def _protect_escapes(line: str) -> str:
    return _ESCAPE.sub(lambda m: chr(0xF0000 + ord(m.group(1))), line)


def _restore_escapes(line: str) -> str:
    return _PROTECTED.sub(lambda m: chr(ord(m.group()) - 0xF0000), line)


def _inline(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _STRONG.sub("", line)
    line = _EM_STAR.sub("", line)
    return _EM_UNDERSCORE.sub("", line)


def markdown_to_text(source: str) -> str:
    """Plain text line by line: blank where only markup was, table rules dropped, headings set apart."""
    out: list[str] = []
    for raw in _HTML_BREAK.sub("\n", source).split("\n"):
        if _FENCE.match(raw):
            out.append("")
            continue
        if _TABLE_SEPARATOR.match(raw.strip()):
            continue  # |---|:---:| carries no text
        line = _protect_escapes(_BLOCKQUOTE.sub("", raw))
        # A heading or a one-cell table row is a block of its own: keep it off its neighbours.
        alone = bool(_HEADING.match(line))
        if alone:
            line = _HEADING_TAIL.sub("", _HEADING.sub("", line))
        row = _table_row(line)
        alone = alone or (row != line and " | " not in row)
        text = _restore_escapes(_inline(row)).strip()
        out.extend(["", text, ""] if alone else [text])
    return "\n".join(out)
