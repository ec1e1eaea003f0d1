"""Small text rules of Vietnamese administrative writing shared by the procedure readers."""

from __future__ import annotations

import re
import unicodedata

from ingest.procedures.models import Channel, CopyKind

CODE = re.compile(r"^\d\.\d{3}\.?\d{3}$")  # mã TTHC: "1.012644"; the SCT annex writes "1.003.390"
CODE_IN_TEXT = re.compile(r"Mã\s+(?:TTHC|thủ tục)\s*:?\s*(\d\.\d{3}\.?\d{3})", re.I)
SYMBOL_IN_TEXT = re.compile(r"ký hiệu\s*:?\s*([A-ZĐ]{2,}[\w.]*-\d+[\w.-]*)", re.I)
SYMBOL = re.compile(r"^[A-ZĐ]{2,}[\w.]*-\d+[\w.-]*$")
ROW_NUMBER = re.compile(r"^\d{1,4}\.?$")
GROUP_MARK = re.compile(r"^(?:[IVXLC]{1,6}|[A-ZĐ])\.?$")
STEP_LABEL = re.compile(r"^Bước\s+\d+[a-z]?\.?$", re.I)
# A numbered sub-heading of a procedure section ("2. Thành phần hồ sơ"), never a bare row number.
SUBHEADING = re.compile(r"^(\d{1,2})\.\s+(\S.{3,})$")
# A section that opens one procedure: "I. Thủ tục … (Mã TTHC 1.012644, ký hiệu: QTTP-20)".
PROCEDURE_HEADING = re.compile(
    r"^(?:[IVXLC]{1,6}|\d{1,3})\.\s+(?P<name>.+?)\s*\((?P<ref>[^()]*Mã\s+(?:TTHC|thủ tục)[^()]*)\)\.?$", re.I)
NUMBER = re.compile(r"\b\d{1,5}/(?:\d{4}\s*/\s*)?[A-ZĐ][A-ZĐa-zđ0-9]*(?:\s*-\s*[A-ZĐ][A-ZĐa-zđ0-9]*)*")
URL = re.compile(r"https?://[^\s,;)\]]+")
_DAYS = re.compile(r"(\d+/\d+|\d+(?:[.,]\d+)?)\s*(?:\([^)]{0,30}\)\s*)?ngày(\s+làm\s+việc)?", re.I)
_HOURS = re.compile(r"(\d+(?:[.,]\d+)?)\s*giờ", re.I)
_FREE = re.compile(r"^(?:-\s*)?(?:không(?:\s+quy\s+định|\s+thu|\s+có)?|miễn(?:\s+phí)?|0\s*đồng)\.?$", re.I)


def fold(s: str) -> str:
    """Lower-case without diacritics and punctuation runs, for matching headers."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn").lower()
    return " ".join(re.sub(r"[^a-z0-9/]+", " ", s).split())


def number_of_days(text: str) -> tuple[float | None, bool | None]:
    m = _DAYS.search(text)
    if not m:
        return None, None
    raw = m.group(1)
    if "/" in raw:
        a, b = raw.split("/")
        value = int(a) / int(b) if int(b) else None
    else:
        value = float(raw.replace(",", "."))
    return value, bool(m.group(2))


def number_of_hours(text: str) -> float | None:
    m = _HOURS.search(text)
    return float(m.group(1).replace(",", ".")) if m else None


def is_duration(text: str) -> bool:
    t = text.strip()
    return len(t) <= 40 and (bool(_DAYS.search(t)) or bool(_HOURS.search(t)) or fold(t) == "gio hanh chinh")


def is_free(text: str) -> bool:
    return bool(_FREE.match(text.strip()))


def copy_kind(text: str) -> CopyKind | None:
    f = fold(text)
    original, copy = "ban chinh" in f, "ban sao" in f
    if original and copy:
        return CopyKind.ORIGINAL_OR_COPY
    return CopyKind.ORIGINAL if original else CopyKind.COPY if copy else None


def channel_of(text: str) -> Channel | None:
    f = fold(text)
    if "buu chinh" in f:
        return Channel.POST
    if "truc tuyen" in f or "dich vu cong" in f or "qua mang" in f or URL.search(text):
        return Channel.ONLINE
    if "truc tiep" in f:
        return Channel.IN_PERSON
    return None


def legal_numbers(text: str) -> list[str]:
    out: list[str] = []
    for m in NUMBER.finditer(text):
        n = re.sub(r"\s+", "", m.group(0))
        if n not in out:
            out.append(n)
    return out


def looks_like_citation(text: str) -> bool:
    f = fold(text)
    kinds = ("luat ", "nghi dinh", "thong tu", "quyet dinh", "nghi quyet")
    return bool(NUMBER.search(text)) or any(w in f for w in kinds)


def bullets(text: str) -> list[str]:
    """Split "- a; - b" / "- a. - b" cell text into items; a text without bullets is one item."""
    parts = re.split(r"(?:^|(?<=[\s;.,]))[-–+•]\s+(?=\S)", text)
    items = [p.strip(" ;") for p in parts if p.strip(" ;-")]
    return items or [text.strip()]


def sentence_case(text: str) -> str:
    """An ALL-CAPS phrase in ordinary case ("DU LỊCH" → "Du lịch"); mixed case is kept."""
    if text != text.upper():
        return text
    low = text.lower()
    return low[:1].upper() + low[1:]


def canonical_code(code: str) -> str:
    """"1.003.390" → "1.003390": the national database writes one dot."""
    return re.sub(r"^(\d)\.(\d{3})\.?(\d{3})$", r"\1.\2\3", code.strip())
