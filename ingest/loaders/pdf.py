"""PDF files (pypdf): text layer per page, without page numbers and running headers/footers.

A page without a usable text layer (a scan) is read by OCR (``ingest.loaders.ocr``) when Tesseract
is installed; its text then goes through the same furniture removal and clean-up as any other page.
"""

from __future__ import annotations

import io
import subprocess
import unicodedata
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from ingest.loaders.base import Extracted, LoaderError
from ingest.loaders.furniture import strip_furniture
from ingest.loaders.ocr import OcrOptions, OcrPage, OcrReport, OcrUnavailable, engine_version, read_image

# A page with fewer letters than this is treated as an image (scan) without a text layer.
MIN_LETTERS_PER_PAGE = 20
# A text layer where more than this share of the visible characters is U+FFFD, private-use or control
# characters (a font without a Unicode map) is garbage: the page is read by OCR instead.
MAX_GARBAGE_SHARE = 0.1

_NO_TEXT = (
    "không có lớp văn bản (ảnh quét) và máy chủ chưa cài Tesseract OCR (gói Debian tesseract-ocr, "
    "tesseract-ocr-vie) — hãy cài rồi nạp lại, hoặc nạp bản có lớp văn bản"
)
_OCR_EMPTY = "ảnh quét không nhận dạng được chữ nào (OCR trả về rỗng) — hãy kiểm tra bản quét"
_ENCRYPTED = "tệp PDF được đặt mật khẩu (mã hóa), không mở được — hãy gỡ mật khẩu rồi nạp lại"
_CORRUPT = "tệp PDF bị hỏng hoặc không đúng định dạng, không đọc được"
_NEEDS_CRYPTO = (
    "tệp PDF được mã hóa AES, máy chủ thiếu thư viện giải mã (gói cryptography) — hãy gỡ bảo vệ tệp rồi nạp lại"
)
_TRUNCATED = "tệp PDF không hoàn chỉnh (bị cắt cụt) — hãy tải lại bản đầy đủ"
_NOT_PDF = "không phải tệp PDF (thiếu phần đầu %PDF)"


def _check_envelope(path: Path, data: bytes) -> None:
    if b"%PDF-" not in data[:1024]:
        raise LoaderError(path, _NOT_PDF)
    if b"%%EOF" not in data[-4096:]:
        raise LoaderError(path, _TRUNCATED)


def _open(path: Path, data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except FileNotDecryptedError as exc:
        raise LoaderError(path, _ENCRYPTED) from exc
    except Exception as exc:  # pypdf raises many types on damaged input
        raise LoaderError(path, _CORRUPT) from exc
    if reader.is_encrypted:
        try:
            decrypted = reader.decrypt("")
        except DependencyError as exc:
            raise LoaderError(path, _NEEDS_CRYPTO) from exc
        except (NotImplementedError, PdfReadError) as exc:
            raise LoaderError(path, _ENCRYPTED) from exc
        if not decrypted:
            raise LoaderError(path, _ENCRYPTED)
    return reader


def _page_texts(path: Path, reader: PdfReader) -> list[str]:
    try:
        return [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError as exc:
        raise LoaderError(path, _ENCRYPTED) from exc
    except DependencyError as exc:
        raise LoaderError(path, _NEEDS_CRYPTO) from exc
    except Exception as exc:  # broken content streams, fonts, xref …
        raise LoaderError(path, _CORRUPT) from exc


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


def _garbage(text: str) -> int:
    return sum(1 for c in text if c == "\ufffd" or (unicodedata.category(c) in ("Co", "Cc") and c not in "\n\t\r"))


def usable_text_layer(text: str) -> bool:
    """Enough letters, and not the mojibake of a font without a Unicode map."""
    visible = sum(1 for c in text if not c.isspace())
    return _letters(text) >= MIN_LETTERS_PER_PAGE and _garbage(text) <= MAX_GARBAGE_SHARE * visible


def _shown(pages: list[int]) -> str:
    return ", ".join(map(str, pages[:10])) + (" …" if len(pages) > 10 else "")


def _ocr_pages(path: Path, data: bytes, numbers: list[int], options: OcrOptions) -> tuple[dict[int, str], OcrReport]:
    """OCR the given 1-based pages; raises ``OcrUnavailable`` when Tesseract is not installed."""
    import pypdfium2  # rasterising is only needed for scans

    engine = engine_version(options.command, options.languages)
    report = OcrReport(engine=engine, min_confidence=options.min_confidence)
    texts: dict[int, str] = {}
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise LoaderError(path, _CORRUPT) from exc
    try:
        for number in numbers:
            if options.before_page:
                options.before_page()
            image = document[number - 1].render(scale=options.dpi / 72, grayscale=True).to_pil()
            try:
                read = read_image(image, options)
            except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
                raise LoaderError(path, f"OCR trang {number} thất bại ({exc})") from exc
            if not read.holds_text(MIN_LETTERS_PER_PAGE):
                texts[number] = ""  # an empty page or speckle: what was "read" there is noise
                continue
            texts[number] = read.text
            low = read.confidence < options.min_confidence
            report.pages.append(OcrPage(number, read.confidence, read.words, low))
    finally:
        document.close()
    return texts, report


def read_pdf(path: Path, ocr: OcrOptions | None = None) -> Extracted:
    ocr = ocr or OcrOptions()
    data = path.read_bytes()
    _check_envelope(path, data)
    texts = _page_texts(path, _open(path, data))
    if not texts:
        raise LoaderError(path, _CORRUPT)
    unusable = [n for n, text in enumerate(texts, start=1) if not usable_text_layer(text)]
    warnings: list[str] = []
    report: OcrReport | None = None
    ocr_ran = False
    if unusable and ocr.enabled:
        try:
            read, report = _ocr_pages(path, data, unusable, ocr)
        except OcrUnavailable:
            pass
        else:
            ocr_ran = True
            for number, text in read.items():
                texts[number - 1] = text
            if all(_letters(t) < MIN_LETTERS_PER_PAGE for t in texts):
                raise LoaderError(path, _OCR_EMPTY)
            unusable = [n for n in unusable if _letters(texts[n - 1]) < MIN_LETTERS_PER_PAGE]
            if report.pages:
                done = [p.page for p in report.pages]
                warnings.append(f"đã nhận dạng chữ (OCR) {len(done)} trang ảnh quét (trang {_shown(done)}), "
                                f"độ tin cậy trung bình {report.mean_confidence:.0f} %")
            if low := report.low_confidence_pages:
                warnings.append(f"OCR kém tin cậy (dưới {ocr.min_confidence:.0f} %) ở trang {_shown(low)} "
                                "— cần đối chiếu với bản gốc")
            if unusable:
                warnings.append(f"{len(unusable)} trang không có chữ, kể cả sau OCR (trang {_shown(unusable)})")
    if not ocr_ran:
        if len(unusable) == len(texts) or sum(map(_letters, texts)) < MIN_LETTERS_PER_PAGE * len(texts) / 2:
            raise LoaderError(path, _NO_TEXT)
        if unusable:
            warnings.append(f"{len(unusable)} trang không có lớp văn bản (trang {_shown(unusable)}), có thể là ảnh "
                            "quét — máy chủ chưa cài Tesseract OCR nên các trang này bị bỏ qua")
    pages = strip_furniture([text.split("\n") for text in texts])
    return Extracted("\n".join("\n".join(lines) for lines in pages), warnings,
                     ocr=report if report and report.pages else None)
