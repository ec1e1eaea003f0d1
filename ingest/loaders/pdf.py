"""PDF files (pypdf): text layer per page, without page numbers and running headers/footers."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from ingest.loaders.base import Extracted, LoaderError
from ingest.loaders.furniture import strip_furniture

# A page with fewer letters than this is treated as an image (scan) without a text layer.
MIN_LETTERS_PER_PAGE = 20

_NO_TEXT = "không có lớp văn bản — cần OCR trước khi nạp"
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


def read_pdf(path: Path) -> Extracted:
    data = path.read_bytes()
    _check_envelope(path, data)
    texts = _page_texts(path, _open(path, data))
    if not texts:
        raise LoaderError(path, _CORRUPT)
    blank = [n for n, text in enumerate(texts, start=1) if _letters(text) < MIN_LETTERS_PER_PAGE]
    if len(blank) == len(texts) or sum(map(_letters, texts)) < MIN_LETTERS_PER_PAGE * len(texts) / 2:
        raise LoaderError(path, _NO_TEXT)
    warnings: list[str] = []
    if blank:
        shown = ", ".join(map(str, blank[:10])) + (" …" if len(blank) > 10 else "")
        warnings.append(f"{len(blank)} trang không có lớp văn bản (trang {shown}), có thể là ảnh quét — cần OCR")
    pages = strip_furniture([text.split("\n") for text in texts])
    return Extracted("\n".join("\n".join(lines) for lines in pages), warnings)
