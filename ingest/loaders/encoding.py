"""Legacy Vietnamese 8-bit encodings: TCVN3 (ABC, ``.VnTime`` fonts) and VNI (``VNI-Times`` fonts).

Old documents typed with these fonts reach us as text whose bytes were read as Windows-1252 /
Latin-1, e.g. "§iÒu 1. Ph¹m vi" (TCVN3) or "Ñieàu 1. Phaïm vi" (VNI) for "Điều 1. Phạm vi".

* TCVN3 maps one byte to one precomposed letter. The ABC table (TCVN 5712:1993 VN3) holds every
  lower-case letter and the seven upper-case base letters Ă Â Ê Ô Ơ Ư Đ; the upper-case toned
  letters of VN1 that sit in free Latin-1 slots (Ằ Ẳ Ẵ Ắ Ầ Ẩ Ẫ Ấ Ề Ể Ễ Ế Ồ Ổ Ỗ Ố) are decoded too.
  Other upper-case toned letters only exist in the "H" fonts (``.VnTimeH``), which draw the
  lower-case codes as capitals; ``convert_legacy`` restores their case when the surrounding word
  or line is written in capitals, or when the letter opens a sentence ("Ủy ban …" after a full
  stop or a heading). Inside a sentence the case of such a letter cannot be known.
* VNI writes a base letter followed by one mark byte ("a" + "ù" = "á", "a" + "á" = "ấ").

``detect_legacy`` only answers for text that is not already Vietnamese Unicode, so ordinary
documents are never touched.
"""

from __future__ import annotations

import re
import unicodedata

TCVN3 = "tcvn3"
VNI = "vni"

# --- TCVN3 -------------------------------------------------------------------------------------

# Byte 0xA0 + index → letter; "\0" marks a byte that is not a letter in TCVN3.
_TCVN3_HIGH = (
    "\0ĂÂÊÔƠƯĐăâêôơưđẰ"  # 0xA0–0xAF
    "\0\0\0\0\0àảãáạẲằẳẵắẴ"  # 0xB0–0xBF (0xB0–0xB4: combining marks, see below)
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽ"  # 0xC0–0xCF
    "éẹềểễếệìỉỄẾỒĩíịò"  # 0xD0–0xDF
    "Ổỏõóọồổỗốộờởỡớợù"  # 0xE0–0xEF
    "ỖủũúụừửữứựỳỷỹýỵỐ"  # 0xF0–0xFF
)
if len(_TCVN3_HIGH) != 96:  # pragma: no cover - guards against an edit that shifts the table
    raise RuntimeError("TCVN3 table must cover bytes 0xA0–0xFF")

TCVN3_TABLE: dict[str, str] = {chr(0xA0 + i): letter for i, letter in enumerate(_TCVN3_HIGH) if letter != "\0"}
# TCVN 5712 also has combining tone marks; they only make sense right after a vowel.
_TCVN3_COMBINING = {"°": "\u0300", "±": "\u0309", "²": "\u0303", "³": "\u0301", "´": "\u0323"}

# TCVN3 letters in 0xA1–0xBF (à á ả ã ạ ă â ê ô ơ ư đ …): symbols in Windows-1252/1258, never
# used for letters by VNI or Windows-1258, so they tell TCVN3 apart from both.
_TCVN3_MARKERS = frozenset(c for c in TCVN3_TABLE if 0xA1 <= ord(c) <= 0xBF)

# --- VNI ---------------------------------------------------------------------------------------

_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"

# Tone mark bytes that follow any vowel: ù ø û õ ï (upper-case fonts use Ù Ø Û Õ Ï).
_VNI_TONES = {"ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT}
# Circumflex (+ tone) bytes after a, e, o: â á à å ã ä.
_VNI_CIRCUMFLEX = {
    "â": _CIRCUMFLEX,
    "á": _CIRCUMFLEX + _ACUTE,
    "à": _CIRCUMFLEX + _GRAVE,
    "å": _CIRCUMFLEX + _HOOK,
    "ã": _CIRCUMFLEX + _TILDE,
    "ä": _CIRCUMFLEX + _DOT,
}
# Breve (+ tone) bytes after a: ê é è ú ü ë.
_VNI_BREVE = {
    "ê": _BREVE,
    "é": _BREVE + _ACUTE,
    "è": _BREVE + _GRAVE,
    "ú": _BREVE + _HOOK,
    "ü": _BREVE + _TILDE,
    "ë": _BREVE + _DOT,
}
# Single bytes that are whole letters: ô = ơ, ö = ư, ñ = đ and the toned i / ỵ.
_VNI_SINGLE = {
    "ô": "ơ",
    "ö": "ư",
    "ñ": "đ",
    "í": "í",
    "ì": "ì",
    "æ": "ỉ",
    "ó": "ĩ",
    "ò": "ị",
    "î": "ỵ",
}
# VNI base vowels that take marks; "ô"/"ö" stand for ơ/ư.
_VNI_BASES = {"a": "a", "e": "e", "o": "o", "u": "u", "y": "y", "ô": "o" + _HORN, "ö": "u" + _HORN}


def _build_vni() -> tuple[dict[str, str], dict[str, str]]:
    pairs: dict[str, str] = {}
    for base, letter in _VNI_BASES.items():
        families = [_VNI_TONES]
        if base in "aeo":
            families.append(_VNI_CIRCUMFLEX)
        if base == "a":
            families.append(_VNI_BREVE)
        for family in families:
            for mark, combining in family.items():
                composed = unicodedata.normalize("NFC", letter + combining)
                for b, m in ((base, mark), (base.upper(), mark.upper()), (base.upper(), mark), (base, mark.upper())):
                    out = composed.upper() if b.isupper() else composed
                    pairs.setdefault(b + m, out)
    singles = dict(_VNI_SINGLE)
    singles.update({k.upper(): v.upper() for k, v in _VNI_SINGLE.items()})
    return pairs, singles


VNI_PAIRS, VNI_SINGLES = _build_vni()
_VNI_STRONG_SINGLES = frozenset("ñÑöÖæÆîÎ")

# --- detection ---------------------------------------------------------------------------------

# Letters that only Vietnamese Unicode text has (never produced by reading bytes as Latin-1).
_VIET_UNICODE = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9\u0300\u0301\u0303\u0309\u0323]")
_WORD = re.compile(r"\S+")
_MIN_WORDS = 3
_MIN_SHARE = 0.1  # share of words that must carry legacy evidence


def _has_vietnamese_unicode(text: str) -> bool:
    return _VIET_UNICODE.search(text) is not None


def _tcvn3_word(word: str) -> bool:
    return len(word) > 1 and any(c in _TCVN3_MARKERS for c in word)


def _vni_word(word: str) -> bool:
    if any(c in _VNI_STRONG_SINGLES for c in word) and len(word) > 1:
        return True
    return any(word[i : i + 2] in VNI_PAIRS for i in range(len(word) - 1))


def detect_legacy(text: str) -> str | None:
    """Return ``"tcvn3"``, ``"vni"`` or None for text that is (or is not) in a legacy encoding."""
    words = [w for w in _WORD.findall(text) if any(c.isalpha() for c in w)]
    if len(words) < _MIN_WORDS:
        return None
    unicode_words = sum(1 for w in words if _has_vietnamese_unicode(w))
    tcvn3 = sum(1 for w in words if not _has_vietnamese_unicode(w) and _tcvn3_word(w))
    vni = sum(1 for w in words if not _has_vietnamese_unicode(w) and _vni_word(w))
    for name, hits in ((TCVN3, tcvn3), (VNI, vni)):
        if hits >= _MIN_WORDS and hits >= _MIN_SHARE * len(words) and hits > 3 * unicode_words:
            return name
    return None


# --- conversion --------------------------------------------------------------------------------

_VOWELS = frozenset("aeiouyăâêôơư")


def _is_vowel(ch: str) -> bool:
    base = unicodedata.normalize("NFD", ch.lower())[:1]
    return base in _VOWELS or ch.lower() in _VOWELS


def _convert_tcvn3_line(line: str) -> str:
    out: list[str] = []
    for ch in line:
        if ch in _TCVN3_COMBINING and out and _is_vowel(out[-1]):
            out.append(_TCVN3_COMBINING[ch])
        else:
            out.append(TCVN3_TABLE.get(ch, ch))
    return _restore_capitals(unicodedata.normalize("NFC", "".join(out)))


def _ascii_case(text: str) -> tuple[int, int]:
    upper = sum(1 for c in text if "A" <= c <= "Z")
    lower = sum(1 for c in text if "a" <= c <= "z")
    return upper, lower


def _restore_capitals(line: str) -> str:
    """Capitalise words typed in an "H" font: their ASCII letters are capitals, their toned ones not."""
    upper, lower = _ascii_case(line)
    if upper >= 2 and lower == 0:
        return line.upper()

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        up, low = _ascii_case(word)
        return word.upper() if up >= 2 and low == 0 else word

    return _WORD.sub(fix, line)


def _convert_vni_line(line: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(line):
        pair = line[i : i + 2]
        if pair in VNI_PAIRS:
            out.append(VNI_PAIRS[pair])
            i += 2
            continue
        out.append(VNI_SINGLES.get(line[i], line[i]))
        i += 1
    return "".join(out)


_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
# A toned lower-case letter after a sentence end was a capital typed in an "H" font.
_SENTENCE_START = re.compile(r"(^|(?<!\.)[.!?]\s+|^[^\w\n]*)([“\"(]?)(\w)")
# A heading line ("Điều 13. Thẩm quyền …", "CHƯƠNG I") is followed by a new sentence.
_HEADING = re.compile(r"^(?:Điều|Chương|Mục|Phần|Phụ lục|Mẫu số)\s+\S+")


def _is_toned_lower(ch: str) -> bool:
    return ch.islower() and any(m in _TONES for m in unicodedata.normalize("NFD", ch))


def _restore_sentence_capitals(line: str, after_break: bool) -> str:
    def fix(match: re.Match[str]) -> str:
        lead, quote, letter = match.groups()
        at_line_start = match.start() == 0
        if _is_toned_lower(letter) and (after_break or not at_line_start):
            letter = letter.upper()
        return f"{lead}{quote}{letter}"

    return _SENTENCE_START.sub(fix, line)


def _ends_sentence_or_heading(line: str) -> bool:
    line = line.strip()
    if not line or line[-1] in ".!?:" or _HEADING.match(line):
        return True
    return not any(c.islower() for c in line)


def _convert_tcvn3_text(lines: list[str]) -> list[str]:
    out: list[str] = []
    previous = ""
    for line in lines:
        if _has_vietnamese_unicode(line):
            out.append(line)
        else:
            after_break = _ends_sentence_or_heading(previous)
            out.append(_restore_sentence_capitals(_convert_tcvn3_line(line), after_break))
        previous = out[-1]
    return out


def convert_legacy(text: str, encoding: str) -> str:
    """Convert TCVN3/VNI text to Unicode (NFC). Lines already in Vietnamese Unicode are kept."""
    lines = text.split("\n")
    if encoding == TCVN3:
        converted = _convert_tcvn3_text(lines)
    elif encoding == VNI:
        converted = [line if _has_vietnamese_unicode(line) else _convert_vni_line(line) for line in lines]
    else:
        raise ValueError(f"unknown legacy encoding: {encoding!r}")
    return unicodedata.normalize("NFC", "\n".join(converted))


# --- sanity check after conversion -------------------------------------------------------------

# Latin-1 letters that Vietnamese Unicode legitimately uses, and harmless symbols.
_LATIN1_OK = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ\xa0°«»·§©®±×")
_MAX_UNKNOWN_SHARE = 0.02


def unknown_characters(text: str) -> int:
    """Count characters a correct conversion would not leave behind (stray Latin-1 and controls)."""
    count = 0
    for ch in text:
        code = ord(ch)
        if (0x80 <= code <= 0xFF and ch not in _LATIN1_OK) or ch == "\ufffd" or code < 0x20 and ch not in "\n\r\t":
            count += 1
    return count


class LegacyEncodingError(ValueError):
    """Legacy text was recognised but could not be converted cleanly."""

    def __init__(self, encoding: str, unknown: int) -> None:
        super().__init__(f"{encoding}: {unknown} unconvertible characters")
        self.encoding = encoding
        self.unknown = unknown


def repair_legacy(text: str) -> tuple[str, str | None]:
    """Detect and convert legacy text. Returns (text, encoding or None); raises LegacyEncodingError."""
    encoding = detect_legacy(text)
    if encoding is None:
        return text, None
    converted = convert_legacy(text, encoding)
    letters = sum(1 for c in converted if c.isalpha())
    unknown = unknown_characters(converted)
    if unknown > max(3, _MAX_UNKNOWN_SHARE * letters):
        raise LegacyEncodingError(encoding, unknown)
    return converted, encoding
