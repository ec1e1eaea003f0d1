"""Plain-text and Markdown files: decode the bytes, strip Markdown markup.

Decoding order: a BOM (UTF-8/16/32) → strict UTF-8 → UTF-8 with a handful of bad bytes →
single-byte: Windows-1258, or TCVN3/VNI read as Windows-1252 (converted later by the shared
legacy step), and finally Windows-1252/Latin-1.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from ingest.loaders.base import Extracted
from ingest.loaders.encoding import convert_legacy, detect_legacy, unknown_characters
from ingest.loaders.markdown import markdown_to_text

MARKDOWN_SUFFIXES = frozenset({".md"})

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAX_BAD_UTF8_SHARE = 0.001
_SURROGATE = re.compile("[\udc80-\udcff]")
_VIETNAMESE_LETTER = re.compile("[ăđĩũơư\u1ea0-\u1ef9]", re.IGNORECASE)


def _bom_decode(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """Vietnamese/ASCII text saved as UTF-16 without BOM has a NUL in every other byte."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / len(sample[0::2])
    odd_nuls = sample[1::2].count(0) / len(sample[1::2])
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return data.decode("utf-16-le", errors="replace")
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return data.decode("utf-16-be", errors="replace")
    return None


def _windows_1252(data: bytes) -> str:
    """Windows-1252, keeping its five undefined bytes as the Latin-1 characters of the same code."""
    text = data.decode("cp1252", errors="surrogateescape")
    return _SURROGATE.sub(lambda m: chr(ord(m.group()) - 0xDC00), text)


def _windows_1258(data: bytes) -> str | None:
    try:
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        return None


def _looks_vietnamese(text: str) -> bool:
    words = text.split()
    if not words:
        return False
    hits = sum(1 for w in words if _VIETNAMESE_LETTER.search(w))
    return hits >= 3 and hits >= 0.1 * len(words)


def decode_bytes(data: bytes) -> tuple[str, list[str]]:
    """Decode a text file's bytes; returns (text, Vietnamese warnings)."""
    text = _bom_decode(data)
    if text is None:
        text = _utf16_without_bom(data)
    if text is not None:
        return text, []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    if bad <= _MAX_BAD_UTF8_SHARE * len(lenient) and _looks_vietnamese(lenient):
        return lenient, [f"tệp có {bad} byte không hợp lệ theo UTF-8, đã thay bằng ký tự �"]
    western = _windows_1252(data)
    legacy = detect_legacy(western)
    vietnamese = _windows_1258(data)
    # Windows-1258 and VNI share bytes: keep the reading that leaves fewer stray characters.
    if (
        vietnamese is not None
        and _looks_vietnamese(vietnamese)
        and (legacy is None or unknown_characters(vietnamese) < unknown_characters(convert_legacy(western, legacy)))
    ):
        return vietnamese, ["đã chuyển mã từ Windows-1258 (CP1258)"]
    if legacy:
        return western, []  # converted by the shared legacy step, which adds its own warning
    return western, ["tệp không phải UTF-8, đã đọc theo bảng mã Windows-1252"]


def read_text_file(path: Path) -> Extracted:
    """TXT or Markdown file → text; Markdown paragraphs keep their soft wraps for re-joining."""
    text, warnings = decode_bytes(path.read_bytes())
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        return Extracted(markdown_to_text(text), warnings, soft_wraps=True)
    return Extracted(text, warnings)
