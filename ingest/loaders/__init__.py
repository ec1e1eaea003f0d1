"""Document loaders: PDF, DOCX, HTML, TXT/MD → normalised Unicode text.

``load_file`` checks the file, lets the format reader extract raw text, repairs legacy
TCVN3/VNI encodings and applies the shared clean-up (NFC, page furniture already gone,
wrapped lines re-joined). Every failure is a ``LoaderError`` with a Vietnamese message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.loaders.base import Extracted, LoadedText, LoaderError
from ingest.loaders.cleanup import clean_text
from ingest.loaders.docx import read_docx
from ingest.loaders.encoding import TCVN3, LegacyEncodingError, repair_legacy
from ingest.loaders.html import read_html
from ingest.loaders.ocr import OcrOptions, OcrReport
from ingest.loaders.pdf import read_pdf
from ingest.loaders.text import read_text_file

__all__ = ["SUPPORTED_SUFFIXES", "LoadedText", "LoaderError", "OcrOptions", "OcrReport", "load_file"]

SUPPORTED_SUFFIXES: set[str] = {".pdf", ".docx", ".html", ".htm", ".txt", ".md"}

_FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".txt": "txt",
    ".md": "txt",
}
_READERS: dict[str, Callable[[Path], Extracted]] = {
    "pdf": read_pdf,
    "docx": read_docx,
    "html": read_html,
    "txt": read_text_file,
}
_SUFFIX_HINTS = {
    ".doc": " — hãy mở bằng Word và lưu lại dưới dạng .docx",
    ".rtf": " — hãy lưu lại dưới dạng .docx",
    ".odt": " — hãy lưu lại dưới dạng .docx",
}
_MB = 1_000_000


def _check_file(path: Path, max_bytes: int) -> str:
    """Return the format of a readable, non-empty file of a supported type."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(không có đuôi)"
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        hint = _SUFFIX_HINTS.get(suffix, "")
        raise LoaderError(path, f"định dạng {shown} không được hỗ trợ (chỉ nhận {supported}){hint}")
    try:
        if not path.is_file():
            raise LoaderError(path, "không tìm thấy tệp" if not path.exists() else "không phải là tệp")
        size = path.stat().st_size
    except OSError as exc:
        raise LoaderError(path, f"không đọc được tệp ({exc.strerror or exc})") from exc
    if size == 0:
        raise LoaderError(path, "tệp rỗng (0 byte)")
    if size > max_bytes:
        raise LoaderError(path, f"tệp quá lớn ({size / _MB:.1f} MB, giới hạn {max_bytes / _MB:.1f} MB)")
    return _FORMATS[suffix]


def _read(path: Path, fmt: str, ocr: OcrOptions | None) -> Extracted:
    try:
        return read_pdf(path, ocr) if fmt == "pdf" else _READERS[fmt](path)
    except LoaderError:
        raise
    except PermissionError as exc:
        raise LoaderError(path, "không đọc được tệp (không có quyền truy cập)") from exc
    except OSError as exc:
        raise LoaderError(path, f"không đọc được tệp ({exc.strerror or exc})") from exc


def load_file(path: Path, *, max_bytes: int = 50_000_000, ocr: OcrOptions | None = None) -> LoadedText:
    """Load one document as normalised text; raises ``LoaderError`` (Vietnamese message).
    ``ocr`` says how scanned PDF pages are read (default: Tesseract, Vietnamese, when installed)."""
    path = Path(path)
    fmt = _check_file(path, max_bytes)
    extracted = _read(path, fmt, ocr)
    warnings = list(extracted.warnings)
    try:
        text, legacy = repair_legacy(extracted.text)
    except LegacyEncodingError as exc:
        raise LoaderError(path, "mã ký tự cũ (TCVN3/VNI) không chuyển được, hãy lưu lại dưới dạng Unicode") from exc
    if legacy:
        warnings.append("đã chuyển mã từ TCVN3" if legacy == TCVN3 else "đã chuyển mã từ VNI")
    text = clean_text(text, soft_wraps=extracted.soft_wraps)
    if not any(c.isalnum() for c in text):
        raise LoaderError(path, "không có nội dung văn bản")
    return LoadedText(path=path, format=fmt, text=text, warnings=warnings, ocr=extracted.ocr)
