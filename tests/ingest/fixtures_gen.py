"""Builders of realistic PDF, DOCX and HTML fixtures from plain Vietnamese text.

Shared by the loader tests and any other test that needs a document in a given format.
"""

from __future__ import annotations

import html
import re
import textwrap
import unicodedata
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_NAME = "DejaVuSans"

_PAGE_WIDTH, _PAGE_HEIGHT = 595.27, 841.89  # A4 in points
_MARGIN_LEFT = 40
_BODY_TOP = _PAGE_HEIGHT - 80
_BODY_BOTTOM = 80
_LEADING = 13
_FONT_SIZE = 9

_ARTICLE = re.compile(r"^Điều\s+\d+[a-zđ]?\.")
_CHAPTER = re.compile(r"^(?:Chương|Mục|Phần)\s+\S+$")


def _source_lines(text: str) -> list[str]:
    """NFC lines with whitespace-only lines (NBSP included) made blank."""
    return [line.strip() for line in unicodedata.normalize("NFC", text).split("\n")]


def _register_font() -> None:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH)))


def wrap_lines(text: str, wrap: int) -> list[str]:
    """Hard-wrap every line at ``wrap`` characters on word boundaries (blank lines kept)."""
    out: list[str] = []
    for line in _source_lines(text):
        out.extend(textwrap.wrap(line, wrap, break_long_words=False, break_on_hyphens=False) or [""])
    return out


def make_pdf(
    text: str,
    path: Path,
    *,
    header: str,
    footer: str,
    wrap: int = 80,
    encrypt: str | None = None,
) -> int:
    """Write ``text`` as a multi-page A4 PDF with DejaVu Sans; returns the number of pages.

    Lines are hard-wrapped at ``wrap`` characters. Every page carries ``header`` at the top,
    ``footer`` at the bottom and a page number "Trang n/N" under the footer. ``encrypt`` sets a
    user password (the PDF then cannot be opened without it).
    """
    _register_font()
    lines = wrap_lines(text, wrap)
    per_page = int((_BODY_TOP - _BODY_BOTTOM) // _LEADING)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    pdf = canvas.Canvas(str(path), pagesize=(_PAGE_WIDTH, _PAGE_HEIGHT), encrypt=encrypt)
    for number, page in enumerate(pages, start=1):
        pdf.setFont(FONT_NAME, _FONT_SIZE)
        pdf.drawString(_MARGIN_LEFT, _PAGE_HEIGHT - 45, header)
        pdf.line(_MARGIN_LEFT, _PAGE_HEIGHT - 52, _PAGE_WIDTH - _MARGIN_LEFT, _PAGE_HEIGHT - 52)
        y = _BODY_TOP
        for line in page:
            if line:
                pdf.drawString(_MARGIN_LEFT, y, line)
            y -= _LEADING
        pdf.drawString(_MARGIN_LEFT, 50, footer)
        pdf.drawCentredString(_PAGE_WIDTH / 2, 32, f"Trang {number}/{len(pages)}")
        pdf.showPage()
    pdf.save()
    return len(pages)


def make_image_only_pdf(path: Path, *, pages: int = 2) -> None:
    """A PDF whose pages only hold drawings (as a scan would): no text layer at all."""
    pdf = canvas.Canvas(str(path), pagesize=(_PAGE_WIDTH, _PAGE_HEIGHT))
    for _ in range(pages):
        pdf.setFillGray(0.6)
        pdf.rect(60, 120, _PAGE_WIDTH - 120, _PAGE_HEIGHT - 240, stroke=1, fill=1)
        pdf.showPage()
    pdf.save()


def make_docx(text: str, path: Path, *, table_rows: list[list[str]] | None = None) -> None:
    """Write ``text`` as a .docx: one paragraph per non-blank line, "Điều N." headings in bold,
    "Chương …" lines as Heading 2. ``table_rows`` (first row = header) becomes a table placed
    after the first half of the lines, i.e. after ``lines[: len(lines) // 2]``.
    """
    document = docx.Document()
    lines = _source_lines(text)
    middle = len(lines) // 2
    for index, line in enumerate(lines):
        if index == middle and table_rows:
            _add_table(document, table_rows)
        if not line:
            continue
        article = _ARTICLE.match(line)
        if _CHAPTER.match(line):
            document.add_paragraph(line, style="Heading 2")
        elif article:
            paragraph = document.add_paragraph()
            paragraph.add_run(article.group()).bold = True
            paragraph.add_run(line[article.end() :])
        else:
            document.add_paragraph(line)
    if table_rows and middle >= len(lines):
        _add_table(document, table_rows)
    document.save(str(path))


def _add_table(document: DocxDocument, rows: list[list[str]]) -> None:
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value


def make_html(text: str, path: Path, *, table_rows: list[list[str]] | None = None) -> None:
    """Write ``text`` as an HTML page: one <p> per line (<h2> for Chương, <h3> for Điều) inside
    <main>, surrounded by a site header, navigation, scripts, an aside and a footer whose text
    must never reach the index. ``table_rows`` becomes a table after the first half of the lines.
    """
    lines = _source_lines(text)
    middle = len(lines) // 2
    body: list[str] = []
    for index, line in enumerate(lines):
        if index == middle and table_rows:
            body.append(_html_table(table_rows))
        if not line:
            continue
        tag = "h2" if _CHAPTER.match(line) else "h3" if _ARTICLE.match(line) else "p"
        body.append(f"<{tag}>{html.escape(line)}</{tag}>")
    page = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Cổng thông tin điện tử — văn bản</title>
<style>body {{ font-family: sans-serif; }} .menu {{ color: red; }}</style>
<script>window.dataLayer = ["theo dõi người dùng"];</script>
</head>
<body>
<header class="site"><a href="/">CỔNG THÔNG TIN ĐIỆN TỬ THÀNH PHỐ</a></header>
<nav class="menu"><ul><li><a href="/">Trang chủ</a></li><li><a href="/vb">Văn bản mới</a></li>
<li><a href="/hoi-dap">Hỏi đáp trực tuyến</a></li></ul></nav>
<main>
{chr(10).join(body)}
</main>
<aside><h4>Văn bản liên quan</h4><p>Danh mục văn bản cùng lĩnh vực</p></aside>
<footer><p>Bản quyền thuộc Cổng thông tin điện tử — Đường dây nóng 1022</p></footer>
<script>console.log("quảng cáo");</script>
<noscript>Trình duyệt không hỗ trợ JavaScript</noscript>
</body>
</html>
"""
    path.write_text(page, encoding="utf-8")


def _html_table(rows: list[list[str]]) -> str:
    head, *rest = rows
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr></thead>"]
    out.append("<tbody>")
    for row in rest:
        out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def scan_pages(pdf_path: Path, *, dpi: int = 250, seed: int = 0, rotate: float = 0.7,
               noise: float = 0.005) -> list:
    """Rasterise a PDF as a scanner would: grey pages at ``dpi``, turned by ``rotate`` degrees
    (alternating sides), with ``noise`` (share of pixels) of salt-and-pepper speckle. Returns PIL images."""
    import random

    import pypdfium2
    from PIL import Image

    rng = random.Random(seed)
    images = []
    document = pypdfium2.PdfDocument(str(pdf_path))
    for number, page in enumerate(document):
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        angle = rotate if number % 2 == 0 else -rotate
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
        pixels = image.load()
        width, height = image.size
        for _ in range(int(width * height * noise)):
            pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 60, 255))
        images.append(image)
    document.close()
    return images


def make_scanned_pdf(images: list, path: Path, *, dpi: int = 250) -> None:
    """Wrap page images into a PDF without any text layer (what a scanner writes)."""
    images[0].save(path, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)


def blank_scan(*, dpi: int = 250, seed: int = 0, noise: float = 0.002):
    """An A4 page of nothing but scanner speckle (an empty or unreadable scan)."""
    import random

    from PIL import Image

    rng = random.Random(seed)
    width, height = int(_PAGE_WIDTH / 72 * dpi), int(_PAGE_HEIGHT / 72 * dpi)
    image = Image.new("L", (width, height), 255)
    pixels = image.load()
    for _ in range(int(width * height * noise)):
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 60))
    return image
