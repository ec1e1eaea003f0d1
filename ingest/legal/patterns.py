"""Line patterns of Vietnamese legal drafting (Nghị định 30/2020/NĐ-CP, Luật Ban hành VBQPPL).

Every pattern matches a whole line start; whether a match is really a heading is decided by the
parser from context (sequence, quotes, zone), never by the pattern alone.
"""

from __future__ import annotations

import re

ROMAN = r"[IVXLC]+"
# "Điều 7." / "Điều 35a." / "Điều 12:" — a cross-reference ("Điều 7 của Luật này") has no
# punctuation right after the number, so it never matches.
ARTICLE = re.compile(r"^Điều\s+(\d+[a-zđ]?)\s*[\.:]\s*(.*)$")
PART = re.compile(r"^(?:Phần|PHẦN)\s+(thứ\s+\S+|THỨ\s+\S+|" + ROMAN + r"|\d+)\b\.?\s*(.*)$")
CHAPTER = re.compile(r"^(?:Chương|CHƯƠNG)\s+(" + ROMAN + r"|\d+)\.?(?=\s|$|[A-ZĐ])\s*(.*)$")
SECTION = re.compile(r"^(?:Mục|MỤC)\s+(\d+)\b\.?\s*(.*)$")
SUBSECTION = re.compile(r"^(?:Tiểu mục|TIỂU MỤC)\s+(\d+)\b\.?\s*(.*)$")
CLAUSE = re.compile(r"^(\d{1,3})\.\s+(\S.*)$")
POINT = re.compile(r"^([a-zđ])\)\s+(\S.*)$")
POINT_LETTERS = "abcdđeghiklmnopqrstuvxy"

# Non-Điều documents (kế hoạch, chỉ thị, danh mục, annexes).
ROMAN_HEADING = re.compile(r"^(" + ROMAN + r")\.\s*(.*)$")
LETTER_HEADING = re.compile(r"^([A-ZĐ])\.\s+(\S.*)$")
NUMBERED_HEADING = re.compile(r"^(\d{1,3})\.\s*(.*)$")

# Zone markers.
SIGNATURE = re.compile(
    r"^(?:Nơi nhận\s*:?|(?:TM|KT|TL|TUQ|Q)\.\s*[A-ZĐÂƯƠÊÔ]|[-–]\s*Như Điều \d+|[-–]\s*Lưu\s*:"
    r"|(?:Luật|Bộ luật|Nghị quyết|Pháp lệnh) này (?:đã )?được .{0,120}thông qua"
    r"|(?:PHÓ )?(?:CHỦ TỊCH|THỦ TƯỚNG|BỘ TRƯỞNG|GIÁM ĐỐC|CHÁNH VĂN PHÒNG)(?: [A-ZĐÂƯƠÊÔ ]{0,40})?$)",
)
ANNEX = re.compile(r"^(?:PHỤ LỤC|Phụ lục|PHỤ BIỂU|Phụ biểu)\b\s*(" + ROMAN + r"|\d+|[A-ZĐ])?\b\.?\s*(.*)$")
FORM = re.compile(r"^(?:Mẫu số|MẪU SỐ|Mẫu|MẪU)\s*(\d+[a-zđ]?(?:/[\w\-]+)?)\b\.?\s*(.*)$")
ATTACHED_TITLE = re.compile(r"^(?:QUY ĐỊNH|QUY CHẾ|ĐIỀU LỆ|QUY TRÌNH|HƯỚNG DẪN|CHƯƠNG TRÌNH)\b(.*)$")
ATTACHED_NOTE = re.compile(r"^\((?:Ban hành )?[Kk]èm theo\b")
PROMULGATES = re.compile(r"\bban hành kèm theo\b", re.IGNORECASE)

OPEN_QUOTES = "“\"«‘"
CLOSE_QUOTES = "”\"»’"


def is_upper_heading(line: str) -> bool:
    """An all-caps title line such as "QUY ĐỊNH CHUNG"."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def caps_run(lines: list[str], start: int, limit: int = 4) -> list[str]:
    """The all-caps title lines from ``start`` on (a title wrapped over several lines)."""
    out = []
    for line in lines[start : start + limit]:
        if not is_upper_heading(line) or ARTICLE.match(line) or CHAPTER.match(line) or SECTION.match(line):
            break
        out.append(line)
    return out
