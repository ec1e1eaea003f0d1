"""Re-join hard-wrapped lines without ever gluing two legal units together.

A line is appended to the previous one when the previous line does not end a sentence or a
heading and the line continues it: it starts lower-case, or with a number that is not a khoản,
or — when the text is visibly wrapped, or is a Markdown paragraph — upper-case right after a
full-width line. A line that starts a structural unit (Điều, Chương, Mục, Phần, Tiểu mục, Phụ lục,
Mẫu số, khoản "1.", điểm "a)", "I.", "1.1.", bullets, Nơi nhận) or is an all-caps heading always
stays on its own line, and nothing is ever joined onto an all-caps line or one ending in . ! ?

Lines ending in ";" or ":" are only continued by a lower-case line in wrapped text (after a
full-width line) or inside a Markdown paragraph: "… triển khai đồng bộ;" + "nhiều văn bản …" is
one sentence cut by the wrap, while a new item after ";" starts with a marker or a capital.

Three modes: ``soft_wraps`` (Markdown: single newlines are wraps), hard-wrapped (detected from a
common line width, as in PDFs) and plain (one paragraph per line: only obvious continuations).
"""

from __future__ import annotations

import re

_NAMED_UNIT = re.compile(
    r"^(?:Chương|CHƯƠNG|Mục|MỤC|Tiểu mục|TIỂU MỤC|Phần|PHẦN|Mẫu số|MẪU SỐ)"
    r"\s+(?:thứ\s+\S+|THỨ\s+\S+|[IVXLC]+\b|\d+[a-zđ]?\b(?:/[\w\-]+)?)\.?\s*(?P<rest>.*)$"
)
# "Điều 7." / "Điều 7:" / a bare "Điều 7" line; "Điều 7 của Luật này" is a cross-reference.
_ARTICLE = re.compile(r"^(?:Điều|ĐIỀU)\s+\d+[a-zđ]?(?:\s*[.:]|$)")
_ANNEX = re.compile(r"^(?:PHỤ LỤC|Nơi nhận)\b")
# "Phụ lục", "Phụ lục II", "Phụ lục: …" open an annex; "Phụ lục kèm theo …" is a reference.
_ANNEX_TITLE = re.compile(r"^Phụ lục(?:\s+(?:[IVXLC]+|\d+[a-zđ]?|[A-ZĐ])\b)?\.?\s*(?P<rest>.*)$")
_NUMBERED = re.compile(
    r"^(?:\d{1,3}[.)](?:\s+\S|$)"  # khoản "1." / "12." / "1)"
    r"|\((?:\d{1,3}|[a-zđ])\)\s"  # "(1)" / "(a)"
    r"|[a-zđ]\)(?:\s|$)"  # điểm "a)" / "đ)"
    r"|[IVXLC]{1,6}\.(?:\s|$)"  # "I." / "II."
    r"|\d{1,2}(?:\.\d{1,2})+\.?(?:\s|$))"  # "1.1." / "2.3.4"
)
_BULLET = re.compile(r"^[-+•–*]\s+(?P<rest>\S)?")
_HEADING_PREFIX = re.compile(r"^(?:Điều|ĐIỀU|Chương|CHƯƠNG|Mục|MỤC|Tiểu mục|Phần|PHẦN|Phụ lục|Mẫu số)\s")

_SENTENCE_END = ".!?…"
# A clause end (";" ":") is only crossed by a wrapped line that starts lower-case.
_CLAUSE_END = ";:"
_CLOSERS = "”’\"')]»*"
_OPENERS = "“‘\"'([«*"
# A line ending with one of these words (or a comma) is cut mid-clause.
_CONNECTORS = frozenset(
    {
        *("và", "hoặc", "của", "tại", "theo", "với", "cho", "về", "từ", "đến", "tới", "trong", "ngoài"),
        *("trên", "dưới", "giữa", "các", "những", "mọi", "số", "ngày", "tháng", "năm", "là", "do", "để"),
        *("bởi", "mà", "thì", "nếu", "khi", "như", "gồm", "thuộc", "vào", "qua", "cùng", "đối", "khoản"),
        *("điểm",),
    }
)
_TABLE_CELL_SEPARATOR = " | "

# Wrap detection: a text is "visibly wrapped" when many lines reach a common width.
_MIN_LINES_FOR_WIDTH = 8
_MAX_WRAP_WIDTH = 160
_FULL_LINE = 0.85
_HALF_LINE = 0.6
_FITS = 1.0  # a break before a word that would have fitted is not a wrap
_MIN_FULL_SHARE = 0.35


def is_caps_heading(line: str) -> bool:
    """An all-caps line such as "QUY ĐỊNH CHUNG" (an acronym ending a sentence, "TTHC.", is not)."""
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 2 or any(c.islower() for c in letters):
        return False
    return not line.rstrip(_CLOSERS).endswith((".", ",", ";"))


def ends_sentence(line: str) -> bool:
    """Ends with . ! ? … ; or : (closing quotes and brackets aside)."""
    stripped = line.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _SENTENCE_END + _CLAUSE_END


def _first_letter(line: str) -> str:
    for ch in line.lstrip(_OPENERS):
        if ch.isalnum():
            return ch
        if not ch.isspace():
            return ch
    return ""


def starts_unit(line: str, prev: str = "", *, wrapped: bool = False) -> bool:
    """True when ``line`` opens a structural unit and must never be joined to ``prev``.

    In hard-wrapped text (``wrapped``) a dash followed by a lower-case word right after an
    unfinished line is the " - " of "kinh tế - xã hội" pushed to the next line, not a bullet.
    """
    if _ARTICLE.match(line) or _ANNEX.match(line) or _NUMBERED.match(line):
        return True
    named = _NAMED_UNIT.match(line) or _ANNEX_TITLE.match(line)
    if named:
        rest = named.group("rest")
        # "Mẫu số 01 ban hành kèm theo …" continues a sentence; "Mẫu số 01" / "Chương II" do not.
        return not (rest and rest[0].islower())
    bullet = _BULLET.match(line)
    if bullet:
        rest = bullet.group("rest") or ""
        return not (wrapped and rest.islower() and prev and not ends_sentence(prev) and not is_caps_heading(prev))
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


def _last_char(line: str) -> str:
    stripped = line.rstrip().rstrip(_CLOSERS)
    return stripped[-1] if stripped else ""


def _joins_soft(prev: str, prev_physical: str, line: str, first: str) -> bool:
    """Markdown paragraph: every line continues the paragraph unless it opens something new."""
    if _last_char(prev) in _CLAUSE_END:
        return first.islower()
    if first.isupper():
        return not (_HEADING_PREFIX.match(prev) and prev == prev_physical)
    return True


def _joins_plain(prev: str, line: str) -> bool:
    """Whole-paragraph lines: only an obvious continuation ("…ngày 29 tháng" + "4 năm 2025")."""
    if _last_char(prev) in _CLAUSE_END:
        return False
    return line[0].islower() or (line[0].isdigit() and _ends_with_connector(prev))


def _joins_wrapped(prev: str, prev_physical: str, line: str, first: str, width: int) -> bool:
    """Hard-wrapped text: a wrap only happens after a (nearly) full line."""
    length = len(prev_physical)
    full = length >= _FULL_LINE * width
    if _last_char(prev) in _CLAUSE_END:
        return full and first.islower()
    if first.islower():
        return True
    if first.isdigit():
        return full or _ends_with_connector(prev)
    if first.isupper():
        # Greedy wrapping moves a word down only when it does not fit: if the next line's first
        # word would have fit after the previous line, the break is real ("Điều 8. <title>" then
        # its body), however full the line looks.
        word = line.split()[0]
        fits = length + 1 + len(word) <= _FITS * width
        if _HEADING_PREFIX.match(prev) and prev == prev_physical:
            return not fits
        return not fits or (length >= _HALF_LINE * width and _ends_with_connector(prev))
    return full


def should_join(prev: str, prev_physical: str, line: str, *, width: int | None, soft_wraps: bool) -> bool:
    """Decide whether ``line`` continues ``prev`` (``prev_physical`` is its last physical line)."""
    if not prev or not line or not _has_word(prev) or not _has_word(line):
        return False
    if _is_table_row(prev) or _is_table_row(line):
        return False
    if _last_char(prev) in _SENTENCE_END or is_caps_heading(prev_physical) or is_caps_heading(line):
        return False
    if starts_unit(line, prev, wrapped=width is not None and not soft_wraps):
        return False
    first = _first_letter(line)
    if soft_wraps:
        return _joins_soft(prev, prev_physical, line, first)
    if width is None:
        return _joins_plain(prev, line)
    return _joins_wrapped(prev, prev_physical, line, first, width)


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
