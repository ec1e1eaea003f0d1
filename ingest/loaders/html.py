"""HTML pages (BeautifulSoup + lxml): the main text, headings and tables, without page chrome.

Navigation, headers, footers, side bars, scripts, styles and forms are dropped; ``<main>`` (or
the largest ``<article>``) is preferred to the whole ``<body>``. Block elements become lines,
``<br>`` breaks a line, a data-table row becomes one line with cells joined by " | ".
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.dammit import EncodingDetector
from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

from ingest.loaders.base import Extracted, LoaderError
from ingest.loaders.tables import Block, Table
from ingest.loaders.text import decode_bytes

CELL_SEPARATOR = " | "

_DROP = [
    *("script", "style", "noscript", "form", "nav", "aside", "footer", "template", "svg", "iframe"),
    *("object", "embed", "canvas", "button", "select", "textarea", "input", "head", "title", "meta"),
    *("link", "map"),
]
_HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
_BLOCK = frozenset(
    {
        *("address", "article", "blockquote", "body", "caption", "center", "dd", "details", "dialog"),
        *("div", "dl", "dt", "fieldset", "figcaption", "figure", "header", "hgroup", "hr", "html"),
        *("li", "main", "ol", "p", "section", "summary", "ul", *_HEADINGS),
    }
)
_LAYOUT_BLOCKS = ["p", "div", "li", *_HEADINGS]
_NON_TEXT = (Comment, Declaration, Doctype, CData, ProcessingInstruction)
_HAS_MARKER = re.compile(r"^(?:\d{1,3}[.)]|[a-zđ]\)|[-+•–])")
_MIN_MAIN_CHARS = 50


class _Lines:
    """Collects inline text into lines; ``flush`` ends the current line."""

    def __init__(self, *, keep_tables: bool = False) -> None:
        self.lines: list[str] = []
        self._buffer: list[str] = []
        # (index of the first line of the table, its rows) for the table model
        self.tables: list[tuple[int, tuple[tuple[str, ...], ...]]] | None = [] if keep_tables else None

    def write(self, text: str) -> None:
        self._buffer.append(text)

    def flush(self) -> None:
        line = " ".join("".join(self._buffer).split())
        self._buffer.clear()
        if line:
            self.lines.append(line)

    def add_line(self, line: str) -> None:
        self.flush()
        if line.strip():
            self.lines.append(line.strip())


def _own_rows(table: Tag) -> list[Tag]:
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _row_cells(tr: Tag) -> list[Tag]:
    return tr.find_all(["td", "th"], recursive=False)


def _is_layout_table(table: Tag) -> bool:
    if table.get("role") == "presentation":
        return True
    for tr in _own_rows(table):
        for cell in _row_cells(tr):
            if cell.find("table") is not None or len(cell.find_all(_LAYOUT_BLOCKS)) > 3:
                return True
    return False


def _render_table(table: Tag, out: _Lines) -> None:
    out.flush()
    caption = table.find("caption", recursive=False)
    if caption is not None:
        out.add_line(caption.get_text(" ", strip=True))
    if out.tables is not None and not _is_layout_table(table):
        out.tables.append((len(out.lines), _table_rows(table)))
    layout = _is_layout_table(table)
    for tr in _own_rows(table):
        cells = _row_cells(tr)
        if layout:
            for cell in cells:
                _render(cell, out)
                out.flush()
            continue
        texts = []
        for cell in cells:
            inner = _Lines()
            _render(cell, inner)
            inner.flush()
            texts.append(" ".join(inner.lines))
        out.add_line(CELL_SEPARATOR.join(text for text in texts if text))


def _table_rows(table: Tag) -> tuple[tuple[str, ...], ...]:
    rows = []
    for tr in _own_rows(table):
        texts = []
        for cell in _row_cells(tr):
            inner = _Lines()
            _render(cell, inner)
            inner.flush()
            texts.append(" ".join(inner.lines))
        cells = tuple(t for t in texts if t)
        if cells:
            rows.append(cells)
    return tuple(rows)


def _list_prefix(item: Tag) -> str:
    parent = item.parent
    if parent is None or parent.name not in ("ol", "ul") or _HAS_MARKER.match(item.get_text(" ", strip=True)):
        return ""
    if parent.name == "ul":
        return "- "
    start = int(parent["start"]) if str(parent.get("start", "")).isdigit() else 1
    siblings = parent.find_all("li", recursive=False)
    return f"{start + siblings.index(item)}. "


def _render(node: Tag, out: _Lines) -> None:
    for child in node.children:
        if isinstance(child, _NON_TEXT):
            continue
        if isinstance(child, NavigableString):
            out.write(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name == "br":
            out.flush()
        elif name == "table":
            _render_table(child, out)
        elif name == "pre":
            out.flush()
            for line in child.get_text().split("\n"):
                out.add_line(line)
        elif name in _BLOCK:
            out.flush()
            if name == "li":
                out.write(_list_prefix(child))
            _render(child, out)
            out.flush()
        else:
            _render(child, out)


def _main_content(soup: BeautifulSoup) -> Tag:
    main = soup.find("main")
    if isinstance(main, Tag) and len(main.get_text(strip=True)) >= _MIN_MAIN_CHARS:
        return main
    articles = [a for a in soup.find_all("article") if isinstance(a, Tag)]
    if articles:
        best = max(articles, key=lambda a: len(a.get_text(strip=True)))
        if len(best.get_text(strip=True)) >= _MIN_MAIN_CHARS:
            return best
    return soup.body if isinstance(soup.body, Tag) else soup


def _strip_chrome(soup: BeautifulSoup) -> None:
    for tag in [*soup.find_all(_DROP), *soup.find_all(attrs={"hidden": True})]:
        if not tag.decomposed:
            tag.decompose()
    # A <header> is page chrome unless it carries the title of the main content.
    for tag in soup.find_all("header"):
        if not tag.decomposed and (tag.find(_HEADINGS) is None or tag.find_parent(["main", "article"]) is None):
            tag.decompose()


def _markup(data: bytes) -> tuple[str | bytes, list[str]]:
    """UTF-8 as is; a declared charset is left to BeautifulSoup; otherwise the text-file decoder
    (Windows-1258, or TCVN3/VNI bytes kept intact for the legacy step) instead of a guess."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    if EncodingDetector.find_declared_encoding(data, is_html=True):
        return data, []
    return decode_bytes(data)


def _soup(path: Path) -> tuple[BeautifulSoup, list[str]]:
    markup, warnings = _markup(path.read_bytes())
    try:
        soup = BeautifulSoup(markup, "lxml")
    except Exception as exc:  # lxml gives up only on pathological input
        raise LoaderError(path, "tệp HTML không đọc được") from exc
    _strip_chrome(soup)
    return soup, warnings


def read_html(path: Path) -> Extracted:
    soup, warnings = _soup(path)
    out = _Lines()
    _render(_main_content(soup), out)
    out.flush()
    return Extracted("\n".join(out.lines), warnings)


def read_html_blocks(path: Path) -> list[Block]:
    """Paragraph lines and data tables (cell structure kept) in document order."""
    soup, _ = _soup(path)
    out = _Lines(keep_tables=True)
    _render(_main_content(soup), out)
    out.flush()
    assert out.tables is not None
    blocks: list[Block] = []
    line = 0
    for first, rows in out.tables:
        blocks.extend(out.lines[line:first])
        blocks.append(Table(rows))
        line = first + sum(1 for r in rows if r)
    blocks.extend(out.lines[line:])
    return blocks
