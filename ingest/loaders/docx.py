"""Word .docx files (python-docx): paragraphs and tables in document order.

The body XML is walked directly so that a table appears exactly where it sits between
paragraphs. A table row becomes one line, its cells joined with " | "; a cell merged
horizontally or vertically is written once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from lxml import etree

from ingest.loaders.base import Extracted, LoaderError
from ingest.loaders.tables import Block, Table

CELL_SEPARATOR = " | "

_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_SDT, _SDT_CONTENT, _CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
_TEXT_TAGS = {qn("w:t"): None, qn("w:tab"): " ", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}
# Subtrees whose text is not part of the visible paragraph (deleted text, duplicate fallbacks, props).
_SKIP = {
    qn("w:del"),
    qn("w:moveFrom"),
    qn("w:pPr"),
    qn("w:rPr"),
    qn("w:instrText"),
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
}
_V_MERGE, _NUM_PR = qn("w:vMerge"), qn("w:numPr")
_VAL = qn("w:val")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLD_DOC = "đây là tệp Word cũ (.doc) bị đổi đuôi — hãy mở bằng Word và lưu lại dưới dạng .docx"
_CORRUPT = "tệp DOCX bị hỏng hoặc không phải định dạng Word .docx, không đọc được"
_AUTO_NUMBERING = "tài liệu dùng đánh số tự động của Word; số thứ tự (Điều, khoản…) có thể bị thiếu"


def _paragraph_text(p: etree._Element) -> str:
    parts: list[str] = []

    def walk(el: etree._Element) -> None:
        for child in el:
            tag = child.tag
            if tag in _SKIP or tag == _TBL:
                continue
            if tag in _TEXT_TAGS:
                fixed = _TEXT_TAGS[tag]
                parts.append((child.text or "") if fixed is None else fixed)
                continue
            walk(child)

    walk(p)
    return "".join(parts)


def _is_merge_continuation(tc: etree._Element) -> bool:
    tc_pr = tc.find(qn("w:tcPr"))
    merge = tc_pr.find(_V_MERGE) if tc_pr is not None else None
    return merge is not None and merge.get(_VAL, "continue") == "continue"


def _cells(tr: etree._Element) -> Iterator[etree._Element]:
    for child in tr:
        if child.tag == _TC:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if content is not None:
                yield from _cells(content)


def _cell_text(tc: etree._Element) -> str:
    lines = list(_blocks(tc))
    return " ".join(" ".join(line.split()) for line in lines if line.strip())


def _table_lines(tbl: etree._Element) -> Iterator[str]:
    for tr in tbl.iter(_TR):
        if next(tr.iterancestors(_TBL), None) is not tbl:
            continue  # a row of a nested table: rendered inside its cell
        cells = [_cell_text(tc) for tc in _cells(tr) if not _is_merge_continuation(tc)]
        row = CELL_SEPARATOR.join(cell for cell in cells if cell)
        if row:
            yield row


def _blocks(container: etree._Element) -> Iterator[str]:
    """Text lines of a body, cell or content control, in document order."""
    for child in container:
        if child.tag == _P:
            yield _paragraph_text(child)
        elif child.tag == _TBL:
            yield from _table_lines(child)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _blocks(content)
        elif child.tag == _CUSTOM_XML:
            yield from _blocks(child)


_MAX_UNZIPPED = 200_000_000  # bytes of XML a legal text never needs
_MAX_RATIO = 200  # compression ratio beyond which a file is a zip bomb, not a document


def _check_zip(path: Path) -> None:
    """Refuse zip bombs before python-docx inflates them."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            unzipped = sum(i.file_size for i in z.infolist())
            packed = sum(i.compress_size for i in z.infolist()) or 1
    except (zipfile.BadZipFile, OSError):
        return  # the parser reports it as a corrupt file
    if unzipped > _MAX_UNZIPPED or (unzipped > 10_000_000 and unzipped / packed > _MAX_RATIO):
        size = unzipped // 1_000_000
        raise LoaderError(path, f"tệp DOCX giải nén ra quá lớn ({size} MB) — nghi là tệp độc hại, đã bỏ qua")


def _open(path: Path) -> DocxDocument:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _OLE_MAGIC:
        raise LoaderError(path, _OLD_DOC)
    _check_zip(path)
    try:
        return docx.Document(str(path))
    except Exception as exc:  # not a zip, missing parts, broken XML …
        raise LoaderError(path, _CORRUPT) from exc


def read_docx(path: Path) -> Extracted:
    body = _open(path).element.body
    text = "\n".join(_blocks(body))
    warnings: list[str] = []
    if any(True for _ in body.iter(_NUM_PR)):
        warnings.append(_AUTO_NUMBERING)
    return Extracted(text, warnings)


def _table_model(tbl: etree._Element) -> Table:
    rows = []
    for tr in tbl.iter(_TR):
        if next(tr.iterancestors(_TBL), None) is not tbl:
            continue
        cells = tuple(c for c in (_cell_text(tc) for tc in _cells(tr) if not _is_merge_continuation(tc)) if c)
        if cells:
            rows.append(cells)
    return Table(tuple(rows))


def _model_blocks(container: etree._Element) -> Iterator[Block]:
    for child in container:
        if child.tag == _P:
            yield _paragraph_text(child)
        elif child.tag == _TBL:
            yield _table_model(child)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _model_blocks(content)
        elif child.tag == _CUSTOM_XML:
            yield from _model_blocks(child)


def read_docx_blocks(path: Path) -> list[Block]:
    """Paragraph lines and tables (cell structure kept) in document order."""
    return list(_model_blocks(_open(path).element.body))
