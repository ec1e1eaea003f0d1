"""Re-join hard-wrapped lines without ever gluing two legal units together.

A line is appended to the previous one when the previous line does not end a sentence or a
heading and the line continues it (starts lower-case, with a number that is not a khoản, or —
when the text is visibly wrapped — upper-case right after a full-width line). A line that starts
a structural unit (Điều, Chương, Mục, Phần, khoản "1.", điểm "a)", bullets, Nơi nhận …) or is an
all-caps heading always stays on its own line.
"""

from __future__ import annotations

import re

_NAMED_UNIT = re.compile(
    r"^(?:Chương|CHƯƠNG|Mục|MỤC|Tiểu mục|TIỂU MỤC|Phần|PHẦN|Mẫu số|MẪU SỐ|Phụ lục|PHỤ LỤC)"
    r"\s+(?:thứ\s+\S+|THỨ\s+\S+|[IVXLC]+\b|\d+[a-zđ]?\b(?:/[\w\-]+)?)\.?\s*(?P<rest>.*)$"
)
# "Điều 7." / "Điều 7:" / a bare "Điều 7" line; "Điều 7 của Luật này" is a cross-reference.
_ARTICLE = re.compile(r"^(?:Điều|ĐIỀU)\s+\d+[a-zđ]?(?:\s*[.:]|$)")
_ANNEX = re.compile(r"^(?:PHỤ LỤC|Phụ lục|Nơi nhận)\b")
_NUMBERED = re.compile(
    r"^(?:\d{1,3}[.)](?:\s+\S|$)"  # khoản "1." / "12." / "1)"
    r"|[a-zđ]\)(?:\s|$)"  # điểm "a)" / "đ)"
    r"|[IVXLC]{1,6}\.(?:\s|$)"  # "I." / "II."
    r"|\d{1,2}(?:\.\d{1,2})+\.?(?:\s|$))"  # "1.1." / "2.3.4"
)
_BULLET = re.compile(r"^[-+•–*]\s+(?P<rest>\S)?")
_HEADING_PREFIX = re.compile(r"^(?:Điều|ĐIỀU|Chương|CHƯƠNG|Mục|MỤC|Tiểu mục|Phần|PHẦN|Phụ lục|Mẫu số)\s")

_SENTENCE_END = ".:;!?…"
_CLOSERS = "”’\"')]»*"
_OPENERS = "“‘\"'([«*"
_CONNECTORS = frozenset(
    ["và", "hoặc", "của", "tại", "theo", "với", "cho", "về", "từ", "đến", "tới", "trong", "ngoài", "trên", "dưới", "giữa", "các", "những", "mọi", "số", "ngày", "tháng", "năm", "là", "do", "để", "bởi", "mà", "thì", "nếu", "khi", "như", "gồm", "thuộc", "vào", "qua", "cùng", "đối", "khoản", "điểm"]
)
_TABLE_CELL_SEPARATOR = " | "

# Wrap detection: a text is "visibly wrapped" when many lines reach a common width.
_MIN_LINES_FOR_WIDTH = 8
_MAX_WRAP_WIDTH = 160
_FULL_LINE = 0.8
_MIN_FULL_SHARE = 0.35


def is_caps_heading(line: str) -> bool:
    """An all-caps line such as "QUY ĐỊNH CHUNG" (an acronym ending a sentence, "TTHC.", is not)."""
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 2 or any(c.islower() for c in letters):
        return False
    return not line.rstrip(_CLOSERS).endswith((".", ",", ";"))


def ends_sentence(line: str) -> bool:
    stripped = line.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def _first_letter(line: str) -> str:
    for ch in line.lstrip(_OPENERS):
        if ch.isalnum():
            return ch
        if not ch.isspace():
            return ch
    return ""


def starts_unit(line: str, prev: str = "") -> bool:
    """True when ``line`` opens a structural unit and must never be joined to ``prev``."""
    if _ARTICLE.match(line) or _ANNEX.match(line) or _NUMBERED.match(line):
        return True
    named = _NAMED_UNIT.match(line)
    if named:
        rest = named.group("rest")
        # "Mẫu số 01 ban hành kèm theo …" continues a sentence; "Mẫu số 01" / "Chương II" do not.
        return not (rest and rest[0].islower())
    bullet = _BULLET.match(line)
    if bullet:
        rest = bullet.group("rest") or ""
        # "kinh tế - xã hội" wrapped before the dash is not a bullet.
        return not (rest.islower() and prev and not ends_sentence(prev) and not is_caps_heading(prev))
    return False


def _is_table_row(line: str) -> bool:
    return _TABLE_CELL_SEPARATOR in line


def _has_word(line: str) -> bool:
    return any(c.isalnum() for c in line)


def _ends_with_connector(line: str) -> bool:
    if line.rstrip().endswith((",", "-", "–")):
        return True
    words = line.split()
    return bool(words) and words[-1].lower() in _CONNECTORS


def wrap_width(lines: list[str]) -> int | None:
    """The common width of a hard-wrapped text, or None when lines are whole paragraphs."""
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < _MIN_LINES_FOR_WIDTH:
        return None
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if width > _MAX_WRAP_WIDTH:
        return None
    full = sum(1 for n in lengths if n >= _FULL_LINE * width)
    return width if full >= _MIN_FULL_SHARE * len(lengths) else None


def should_join(prev: str, prev_physical: str, line: str, *, width: int | None, soft_wraps: bool) -> bool:
    """Decide whether ``line`` continues ``prev`` (``prev_physical`` is its last physical line)."""
    if not prev or not line or not _has_word(prev) or not _has_word(line):
        return False
    if _is_table_row(prev) or _is_table_row(line):
        return False
    if ends_sentence(prev) or is_caps_heading(prev_physical) or is_caps_heading(line):
        return False
    if starts_unit(line, prev):
        return False
    first = _first_letter(line)
    if first.islower() or first.isdigit():
        return True
    if not first.isupper():
        return soft_wraps
    if _HEADING_PREFIX.match(prev) and len(prev) == len(prev_physical):
        return False  # "Điều 1. Phạm vi điều chỉnh" is followed by its body, not a wrap
    if soft_wraps or _ends_with_connector(prev):
        return True
    return width is not None and len(prev_physical) >= _FULL_LINE * width


def rejoin_lines(lines: list[str], *, soft_wraps: bool = False) -> list[str]:
    """Join wrapped lines back into paragraphs. Blank lines always separate paragraphs."""
    width = None if soft_wraps else wrap_width(lines)
    out: list[str] = []
    last_physical = ""
    for line in lines:
        if out and should_join(out[-1], last_physical, line, width=width, soft_wraps=soft_wraps):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        last_physical = line
    return out
