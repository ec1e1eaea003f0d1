"""Document metadata: extraction from the text, and overrides from a manifest or sidecar file.

``extract_metadata`` reads what a Vietnamese legal text says about itself: the header block
(cơ quan ban hành, số hiệu, place and date, loại văn bản, trích yếu), the preamble (căn cứ …,
"Chính phủ ban hành Nghị định …"), the effective-date article ("Điều N. Hiệu lực thi hành") and the
adoption line ("Luật này được Quốc hội … thông qua ngày …"). Crawled headers are often flattened onto
one line or lose cells, so every field has fallbacks: the number's suffix (NĐ-CP → Nghị định, Chính
phủ), the annex self-reference ("Kèm theo Nghị định số … ngày …") and the filename's "-HN" suffix.

``load_overrides`` and ``merge_metadata`` let curated facts (``<file>.meta.json`` or the corpus
``manifest.json``) win over extraction, field by field.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from ingest.models import DocumentMetadata

# --------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------

# Cyrillic letters that crawls sometimes slip into Latin codes ("NĐ-CР" with a Cyrillic Er).
_CONFUSABLES = str.maketrans(
    {
        "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "К": "K", "М": "M",
        "О": "O", "Р": "P", "Т": "T", "Х": "X", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c",
        "\u00a0": " ", "\u200b": "", "\ufeff": "",
    }
)  # fmt: skip


def normalize_text(text: str) -> str:
    """NFC, Cyrillic look-alikes mapped to Latin, the old "uỷ/oà" tone placement unified."""
    text = unicodedata.normalize("NFC", text).translate(_CONFUSABLES)
    return text.replace("Uỷ", "Ủy").replace("UỶ", "ỦY").replace("uỷ", "ủy")


def _clean_line(line: str) -> str:
    """Drop markdown/table decoration (``**``, ``|``, leading ``_``) and collapse spaces."""
    line = re.sub(r"[*|]+", " ", line)
    line = re.sub(r"(?<!\w)_+|_+(?!\w)", " ", line)
    return re.sub(r"\s+", " ", line).strip()


def _is_rule(line: str) -> bool:
    return bool(re.fullmatch(r"[-_=.–—\s]*", line))


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_DATE_VN = r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})"
_DATE_NUM = r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})"
_DATE_NUM_LEAD = rf"(?:ngày\s+)?{_DATE_NUM}"
_DATE_ANY_RE = re.compile(rf"{_DATE_VN}|(?:ngày\s+)?{_DATE_NUM}", re.IGNORECASE)


def _mkdate(d: str, m: str, y: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _date_from_match(m: re.Match[str]) -> date | None:
    groups = [g for g in m.groups() if g is not None]
    return _mkdate(*groups[:3]) if len(groups) >= 3 else None


def parse_date(value: Any) -> date | None:
    """A leading date: ``date``, ISO "2025-06-30", "30/06/2025 (…)", "ngày 30 tháng 6 năm 2025"."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    s = normalize_text(value).strip()
    if m := re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})\b", s):
        return _mkdate(m.group(3), m.group(2), m.group(1))
    if m := re.match(rf"(?:(?:kể\s+)?từ\s+)?(?:{_DATE_VN}|(?:ngày\s+)?{_DATE_NUM})", s, re.IGNORECASE):
        return _date_from_match(m)
    return None


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


# --------------------------------------------------------------------------------------------
# Numbers (số hiệu)
# --------------------------------------------------------------------------------------------

_NUM_TOKEN = r"[A-ZĐ][A-Za-zĐđ0-9]*"
_NUM_CORE = rf"\d{{1,5}}(?:/\d{{4}})?/{_NUM_TOKEN}(?:\s?-\s?{_NUM_TOKEN})*"
NUMBER_RE = re.compile(rf"(?<![\w/]){_NUM_CORE}(?![\w/])")
_ASCII_CODES = {"ND": "NĐ", "QD": "QĐ", "HDND": "HĐND", "DA": "ĐA", "CD": "CĐ"}


def canonical_number(raw: str) -> str:
    """Canonical spelling: "171/2025/ND-CP" → "171/2025/NĐ-CP"; "07/2022/QĐ- UBND" → "07/2022/QĐ-UBND"."""
    s = re.sub(r"\s*-\s*", "-", normalize_text(raw).strip())
    parts = s.split("/")
    suffix = "-".join(_ASCII_CODES.get(tok, tok) for tok in parts[-1].split("-"))
    return "/".join([*parts[:-1], suffix])


def parse_number(value: Any) -> str | None:
    """A whole số hiệu, canonicalised, or None ("số chưa xác định (…)" is not a number)."""
    if not isinstance(value, str):
        return None
    s = normalize_text(value).strip()
    return canonical_number(s) if re.fullmatch(_NUM_CORE, s) else None


def _suffix_tokens(number_or_suffix: str) -> list[str]:
    return [t for t in number_or_suffix.split("/")[-1].split("-") if t]


# --------------------------------------------------------------------------------------------
# Document types
# --------------------------------------------------------------------------------------------

DOC_TYPES = [
    "Hiến pháp", "Bộ luật", "Luật", "Pháp lệnh", "Nghị quyết liên tịch", "Nghị quyết", "Nghị định",
    "Quyết định", "Chỉ thị", "Thông tư liên tịch", "Thông tư", "Kế hoạch", "Thông báo", "Công văn",
    "Công điện", "Hướng dẫn", "Báo cáo", "Tờ trình",
]  # fmt: skip
_TYPE_BY_UPPER = {t.upper(): t for t in DOC_TYPES}
_TYPE_UPPER_RE = re.compile("|".join(re.escape(t) for t in sorted(_TYPE_BY_UPPER, key=len, reverse=True)))
_TYPE_WORDS = "|".join(re.escape(t) for t in sorted(DOC_TYPES, key=len, reverse=True))

_TYPE_BY_CODE = {
    "NĐ": "Nghị định", "NQ": "Nghị quyết", "QĐ": "Quyết định", "KH": "Kế hoạch", "CT": "Chỉ thị",
    "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "NQLT": "Nghị quyết liên tịch", "TB": "Thông báo",
    "CĐ": "Công điện", "HD": "Hướng dẫn", "BC": "Báo cáo", "TTr": "Tờ trình", "PL": "Pháp lệnh",
}  # fmt: skip


def normalize_doc_type(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    s = normalize_text(value).strip()
    for t in DOC_TYPES:
        if s.casefold() == t.casefold():
            return t
    return s


def doc_type_from_number(number: str) -> str | None:
    """Loại văn bản from the suffix: NĐ-CP → Nghị định, …/QH15 → Luật, 12/UBND-KSTTHC → Công văn."""
    tokens = _suffix_tokens(number)
    if not tokens:
        return None
    first = tokens[0]
    if first in _TYPE_BY_CODE:
        return _TYPE_BY_CODE[first]
    if re.fullmatch(r"QH\d*", first):
        return "Luật"
    if re.fullmatch(r"UBTVQH\d*", first):
        return "Nghị quyết"
    if len(tokens) >= 2:  # "1234/UBND-KSTTHC": issuer code first, no type code → công văn
        return "Công văn"
    return None


# --------------------------------------------------------------------------------------------
# Issuers
# --------------------------------------------------------------------------------------------

# Words that end a place name ("… HÀ NỘI TRUNG TÂM …", "… ĐẮK LẮK KHÓA X …").
_LOC_STOP = "|".join(
    [
        "TRUNG",
        "SỞ",
        "BAN",
        "VĂN",
        "PHÒNG",
        "CỘNG",
        "SỐ",
        "GIÁM",
        "CHỦ",
        "CHI",
        "CỤC",
        "ĐỘC",
        "LUẬT",
        "NGHỊ",
        "QUYẾT",
        "KẾ",
        "CHỈ",
        "THÔNG",
        "KHÓA",
        "KHOÁ",
        "KỲ",
        "NHIỆM",
        "NƯỚC",
    ]  # fmt: skip
)
_LOC = rf"(?:HÀ\s+NỘI|HỒ\s+CHÍ\s+MINH|(?:(?!(?:{_LOC_STOP})\b)[^\W\d_]+\s*){{1,3}})"
_UNIT = r"THÀNH\s+PHỐ|TP\.?|TỈNH"
_MINISTRIES = {
    "NỘI VỤ": "Bộ Nội vụ", "TƯ PHÁP": "Bộ Tư pháp", "TÀI CHÍNH": "Bộ Tài chính", "CÔNG AN": "Bộ Công an",
    "CÔNG THƯƠNG": "Bộ Công Thương", "XÂY DỰNG": "Bộ Xây dựng", "Y TẾ": "Bộ Y tế",
    "KHOA HỌC VÀ CÔNG NGHỆ": "Bộ Khoa học và Công nghệ", "GIÁO DỤC VÀ ĐÀO TẠO": "Bộ Giáo dục và Đào tạo",
    "NÔNG NGHIỆP VÀ MÔI TRƯỜNG": "Bộ Nông nghiệp và Môi trường", "QUỐC PHÒNG": "Bộ Quốc phòng",
    "NGOẠI GIAO": "Bộ Ngoại giao", "VĂN HÓA, THỂ THAO VÀ DU LỊCH": "Bộ Văn hóa, Thể thao và Du lịch",
    "DÂN TỘC VÀ TÔN GIÁO": "Bộ Dân tộc và Tôn giáo",
}  # fmt: skip
_MINISTRY_RE = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(_MINISTRIES, key=len, reverse=True))

# Order matters: longer names before the names they contain.
_AUTHORITY_ALTS: list[tuple[str, str]] = [
    ("ubtvqh", r"ỦY\s+BAN\s+THƯỜNG\s+VỤ\s+QUỐC\s+HỘI"),
    ("ttg", r"THỦ\s+TƯỚNG\s+CHÍNH\s+PHỦ"),
    ("vpcp", r"VĂN\s+PHÒNG\s+CHÍNH\s+PHỦ"),
    ("cp", r"CHÍNH\s+PHỦ"),
    ("qh", r"QUỐC\s+HỘI"),
    ("ctn", r"CHỦ\s+TỊCH\s+NƯỚC"),
    ("hdnd", rf"(?:HỘI\s+ĐỒNG\s+NHÂN\s+DÂN|HĐND)(?:\s+(?P<u1>{_UNIT})(?:\s+(?P<l1>{_LOC}))?)?"),
    ("ubnd", rf"(?:ỦY\s+BAN\s+NHÂN\s+DÂN|UBND)(?:\s+(?P<u2>{_UNIT})(?:\s+(?P<l2>{_LOC}))?)?"),
    (
        "ttpvhcc",
        rf"TRUNG\s+TÂM\s+PHỤC\s+VỤ\s+HÀNH\s+CHÍNH\s+CÔNG(?:\s+(?P<u3>{_UNIT})(?:\s+(?P<l3>{_LOC}))?)?",
    ),
    ("bo", rf"BỘ\s+(?P<min>{_MINISTRY_RE})"),
]
_AUTHORITY_RE = re.compile("|".join(f"(?P<{k}>{p})" for k, p in _AUTHORITY_ALTS))
_ROLE = r"(?:GIÁM\s+ĐỐC|CHỦ\s+TỊCH|BỘ\s+TRƯỞNG|THỦ\s+TRƯỞNG|TM\.|KT\.)"
_PROMULGATOR_RE = re.compile(rf"(?:{_ROLE}\s+)?(?:{_AUTHORITY_RE.pattern})\s*[:.]?\s*$")


def _title_place(loc: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in loc.split())


def _unit_name(unit: str | None) -> str:
    return "tỉnh" if unit and unit.startswith("TỈNH") else "thành phố"


def _authority_name(m: re.Match[str], loc_hint: str | None) -> str:
    """Canonical issuer name for an ``_AUTHORITY_RE`` match (on upper-cased text)."""
    kind = m.lastgroup if m.lastgroup in dict(_AUTHORITY_ALTS) else next(k for k, _ in _AUTHORITY_ALTS if m.group(k))
    fixed = {
        "ubtvqh": "Ủy ban Thường vụ Quốc hội", "ttg": "Thủ tướng Chính phủ", "vpcp": "Văn phòng Chính phủ",
        "cp": "Chính phủ", "qh": "Quốc hội", "ctn": "Chủ tịch nước",
    }  # fmt: skip
    if kind in fixed:
        return fixed[kind]
    if kind == "bo":
        key = re.sub(r"\s+", " ", m.group("min"))
        return _MINISTRIES.get(key, "Bộ " + key.capitalize())
    idx = {"hdnd": "1", "ubnd": "2", "ttpvhcc": "3"}[kind]
    unit, loc = m.group("u" + idx), m.group("l" + idx)
    place = _title_place(loc) if loc and loc.strip() else loc_hint
    if kind == "ttpvhcc":
        prefix = "Trung tâm Phục vụ hành chính công"
        if not place:
            return prefix
        return f"{prefix} tỉnh {place}" if _unit_name(unit) == "tỉnh" else f"{prefix} TP {place}"
    short = "HĐND" if kind == "hdnd" else "UBND"
    return f"{short} {_unit_name(unit)} {place}" if place else short


def normalize_issuer(value: Any, loc_hint: str | None = None) -> str | None:
    """Canonical issuer: "Quốc hội khóa XVI (kỳ họp thứ Nhất)" → "Quốc hội"; unknown names trimmed."""
    if not isinstance(value, str) or not value.strip():
        return None
    s = re.sub(r"\([^)]*\)", " ", normalize_text(value))
    s = re.sub(r"[\s,]+kh[oó]a\s+[IVXLC\d]+\b.*$", "", s, flags=re.IGNORECASE)
    s = re.sub(r"\s+", " ", s).strip(" ,;")
    m = _AUTHORITY_RE.fullmatch(s.upper())
    return _authority_name(m, loc_hint) if m else s


def issuer_from_number(number: str, loc_hint: str | None = None) -> str | None:
    """Cơ quan ban hành from the suffix: QH → Quốc hội, NĐ-CP → Chính phủ, QĐ-TTg → Thủ tướng…"""
    tokens = _suffix_tokens(number)
    if not tokens:
        return None
    last = tokens[-1]
    codes = {"CP": "Chính phủ", "TTg": "Thủ tướng Chính phủ", "VPCP": "Văn phòng Chính phủ"}
    ministries = {
        "BNV": "Bộ Nội vụ", "BTP": "Bộ Tư pháp", "BTC": "Bộ Tài chính", "BCA": "Bộ Công an",
        "BCT": "Bộ Công Thương", "BXD": "Bộ Xây dựng", "BYT": "Bộ Y tế", "BKHCN": "Bộ Khoa học và Công nghệ",
        "BGDĐT": "Bộ Giáo dục và Đào tạo", "BQP": "Bộ Quốc phòng", "BNNMT": "Bộ Nông nghiệp và Môi trường",
    }  # fmt: skip
    for tok in (last, tokens[0]):
        if re.fullmatch(r"UBTVQH\d*", tok):
            return "Ủy ban Thường vụ Quốc hội"
        if re.fullmatch(r"QH\d*", tok):
            return "Quốc hội"
    if last in codes:
        return codes[last]
    if last in ministries:
        return ministries[last]
    local = {"HĐND": "HĐND", "UBND": "UBND", "TTPVHCC": "TTPVHCC"}
    for tok in tokens:
        if tok in local:
            if local[tok] == "TTPVHCC":
                base = "Trung tâm Phục vụ hành chính công"
                return f"{base} TP {loc_hint}" if loc_hint else base
            return f"{local[tok]} thành phố {loc_hint}" if loc_hint else local[tok]
    return None


def _location_hint(filename: str | None, header_upper: str) -> str | None:
    if filename:
        stem = Path(filename).stem
        if re.search(r"(?:^|[-_.])HN(?:$|[-_.])", stem) or "ha-noi" in stem.lower():
            return "Hà Nội"
    found = Counter(
        _title_place(m.group(1))
        for m in re.finditer(rf"(?:THÀNH\s+PHỐ|TỈNH)\s+({_LOC})(?=\W|$)", header_upper)
        if m.group(1).strip() and not m.group(1).startswith("TRỰC")
    )
    return found.most_common(1)[0][0] if found else None


# --------------------------------------------------------------------------------------------
# Document layout: header, preamble, articles
# --------------------------------------------------------------------------------------------

_HEADER_END_RE = re.compile(
    r"Căn\s+cứ|(?m:^\s*(?:Thực\s+hiện|Xét|Theo\s+đề\s+nghị|Trên\s+cơ\s+sở)\b)"
    r"|(?m:^\s*(?:Điều\s+1\b|Chương\s+I\b|Phần\s+thứ\b|I\.\s))"
)
_BODY_START_RE = re.compile(r"(?m)^\s*(?:Điều\s+1\s*\.|Chương\s+I\b|I\.\s)|QUYẾT\s+(?:ĐỊNH|NGHỊ)\s*:")
_ARTICLE_RE = re.compile(r"(?m)^[ \t]*Điều\s+(\d+[a-zđ]?)\s*\.[ \t]*([^\n]*)")
_ARTICLE_END_RE = re.compile(
    r"(?m)^[ \t]*(?:Điều\s+\d+[a-zđ]?\s*\.|Chương\s+[IVXLC\d]+\b|Nơi\s+nhận|TM\.|KT\.|PHỤ\s+LỤC|Phụ\s+lục\b)"
    r"|(?m:^[^\n]*?thông\s+qua\s+ngày)"
)
_HEADER_DATE_RE = re.compile(
    rf"(?<![\w])[A-ZĐÀ-Ỹ][^\W\d_]*(?:\s+[A-ZĐÀ-Ỹ][^\W\d_]*){{0,3}}\s*,\s*(?:{_DATE_VN}|ngày\s+{_DATE_NUM})"
)
_HEADER_NUMBER_RE = re.compile(
    rf"(?:\b(?:Luật|Bộ\s+luật|Pháp\s+lệnh)\s+số|(?<![\w])Số)\s*:\s*(?:(?P<num>{_NUM_CORE})|[.…\s]*/\s*(?P<suf>{_NUM_TOKEN}(?:\s?-\s?{_NUM_TOKEN})*))"
)
_SELF_REF_RE = re.compile(
    rf"\(\s*(?:Ban\s+hành\s+)?[Kk]èm\s+theo\s+(?P<type>{_TYPE_WORDS})\s+số\s*:?\s*"
    rf"(?:(?P<num>{_NUM_CORE})|[.…\s]*/\s*(?P<suf>{_NUM_TOKEN}(?:\s?-\s?{_NUM_TOKEN})*))"
    rf"(?:\s+ngày\s+(?:(?P<d1>\d{{1,2}})\s+tháng\s+(?P<m1>\d{{1,2}})\s+năm\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})\s*/\s*(?P<m2>\d{{1,2}})\s*/\s*(?P<y2>\d{{4}})))?"
    rf"(?:\s+của\s+(?P<auth>[^)\n]{{3,80}}))?"
)
_ADOPTION_RE = re.compile(
    rf"(?:Luật|Bộ\s+luật|Pháp\s+lệnh|Nghị\s+quyết|Hiến\s+pháp)(?:\s+này)?\s+(?:đã\s+)?được\s+(?P<auth>[^\n]{{3,160}}?)"
    rf"\s+thông\s+qua\s+{_DATE_VN}"
)
_PROMULGATION_RE = re.compile(
    rf"(?m)^[ \t]*(?P<auth>[^\n.;:]{{3,90}}?)\s+ban\s+hành\s+"
    rf"(?P<what>(?:{_TYPE_WORDS}|Quy\s+chế|Quy\s+định)\b[^\n]*?)\s*\.?[ \t]*$"
)
_EFFECTIVE_RE = re.compile(
    rf"(?<!của )(?<!tại )(?<![\w])(?P<subj>{_TYPE_WORDS})(?:\s+này(?:\s+[^.;\n]{{0,60}}?)?)?"
    rf"\s+(?:chính\s+thức\s+)?có\s+hiệu\s+lực(?:\s+thi\s+hành|\s+pháp\s+luật)?\s*,?\s+"
    rf"(?:kể\s+)?từ\s+(?P<when>(?:ngày|thời\s+điểm)[^.;\n]{{0,80}})"
)


def _header_region(text: str) -> str:
    limit = text[:3000]
    m = _HEADER_END_RE.search(limit)
    return limit[: m.start()] if m else limit[:1500]


def _preamble_region(text: str, header_end: int) -> str:
    m = _BODY_START_RE.search(text, header_end)
    return text[header_end : m.start() if m else min(len(text), header_end + 6000)]


def _articles(text: str) -> list[tuple[str, str, int, int]]:
    """(number, title, start, end) for every "Điều N." line."""
    out: list[tuple[str, str, int, int]] = []
    for m in _ARTICLE_RE.finditer(text):
        end_m = _ARTICLE_END_RE.search(text, m.end())
        out.append((m.group(1), m.group(2).strip(), m.start(), end_m.start() if end_m else len(text)))
    return out


# --------------------------------------------------------------------------------------------
# Title (trích yếu)
# --------------------------------------------------------------------------------------------

_ACRONYMS = {"UBND", "HĐND", "TTHC", "CNTT", "PCCC", "VPHC", "CBCCVC", "TP", "UBTVQH", "MTTQ", "THPT", "AI"}
_PROPER_NOUNS = [
    ("hà nội", "Hà Nội"), ("việt nam", "Việt Nam"), ("thủ đô", "Thủ đô"), ("chính phủ", "Chính phủ"),
    ("quốc hội", "Quốc hội"), ("ủy ban nhân dân", "Ủy ban nhân dân"),
    ("hội đồng nhân dân", "Hội đồng nhân dân"),
    ("thủ tướng", "Thủ tướng"), ("trung tâm phục vụ hành chính công", "Trung tâm Phục vụ hành chính công"),
    ("hồ chí minh", "Hồ Chí Minh"), ("mặt trận tổ quốc", "Mặt trận Tổ quốc"), ("đảng", "Đảng"),
]  # fmt: skip


def _is_shouted(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def sentence_case(s: str, *, capitalize_first: bool = True, places: Iterable[str] = ()) -> str:
    """Lower a shouted (all-caps) line, keeping codes, acronyms and common proper nouns (and ``places``)."""
    if not _is_shouted(s):
        return s
    words = []
    for w in s.split():
        core = w.strip("“”\"'(),.;:")
        keep = any(c.isdigit() for c in core) or "/" in core or core in _ACRONYMS
        words.append(w if keep else w.lower())
    out = " ".join(words)
    for low, proper in [*_PROPER_NOUNS, *((p.lower(), p) for p in places if p)]:
        out = re.sub(rf"(?<!\w){re.escape(low)}(?!\w)", proper, out)
    out = re.sub(r"(?<!\w)(luật|nghị quyết|nghị định|quyết định|thông tư|chỉ thị)(?= (?:số\b|\d))",
                 lambda m: m.group(1).capitalize(), out)  # fmt: skip
    out = re.sub(r"(?<!\w)luật(?= [A-ZĐÀ-Ỹ])", "Luật", out)
    out = re.sub(r"(?<!\w)sở (\w)", lambda m: "Sở " + m.group(1).upper(), out)
    out = re.sub(r"([“\"])(\w)", lambda m: m.group(1) + m.group(2).upper(), out)
    if capitalize_first:
        out = re.sub(r"^([^\w]*)(\w)", lambda m: m.group(1) + m.group(2).upper(), out)
    return out


def _strip_promulgator(s: str) -> str:
    """Remove a trailing "GIÁM ĐỐC TRUNG TÂM …" / "THỦ TƯỚNG CHÍNH PHỦ" glued to a flattened title."""
    if not _is_shouted(s):
        return s
    m = _PROMULGATOR_RE.search(s.upper())
    if not m or m.start() == 0:
        return s
    before = s[: m.start()].rstrip()
    if re.search(r"(?i)\b(?:của|thuộc|cho|với|và|tại)$", before):
        return s
    return before


def _is_authority_line(line: str) -> bool:
    m = _PROMULGATOR_RE.match(line.upper())
    return bool(m) and m.end() >= len(line.rstrip()) - 1


_TITLE_STOP_RE = re.compile(
    r"^(?:Căn\s+cứ|Xét|Theo\s+đề\s+nghị|Thực\s+hiện|Trên\s+cơ\s+sở|Điều\s+\d|Chương\s|Phần\s|Mục\s|Số\s*:|\[)"
)


def _title_after(lines: list[str], idx: int, rest: str, places: Iterable[str] = ()) -> str | None:
    """Collect the trích yếu from ``rest`` (after the type word) and the following header lines."""
    segments: list[str] = []
    first = rest.strip(" .:-_")
    if first:
        segments.append(first)
    for line in lines[idx + 1 : idx + 6]:
        if _is_rule(line):
            if segments:
                break
            continue
        if _TITLE_STOP_RE.match(line) or _is_authority_line(line):
            break
        if segments and line.casefold() == segments[-1].casefold():
            continue  # crawls repeat the title ("NGHỊ ĐỊNHVề hợp đồng …" then "Về hợp đồng …")
        if segments and not (_is_shouted(line) and _is_shouted(segments[-1])) and not line.startswith("("):
            break
        segments.append(line)
        if not _is_shouted(line) and not line.startswith("("):
            break
    if not segments:
        return None
    segments = [_strip_promulgator(s) for s in segments]
    # Join consecutive shouted lines, then sentence-case each run.
    runs: list[str] = []
    for s in segments:
        if runs and _is_shouted(s) and _is_shouted(runs[-1]):
            runs[-1] += " " + s
        else:
            runs.append(s)
    parts = [sentence_case(r, capitalize_first=(i == 0), places=places) for i, r in enumerate(runs)]
    title = re.sub(r"\s+", " ", " ".join(parts)).strip(" .;,-")
    return title or None


# --------------------------------------------------------------------------------------------
# Replaced / amended documents
# --------------------------------------------------------------------------------------------

_PARTIAL_RE = re.compile(
    r"\b(?:Điều\s+\d|điều\s+\d|khoản\s+\d|điểm\s+[a-zđ]\b|các\s+quy\s+định|quy\s+định\s+tại|Danh\s+mục|"
    r"kèm\s+theo|thủ\s+tục\s+hành\s+chính\s+tại|phụ\s+lục)",
    re.IGNORECASE,
)
_PASSIVE_SPAN_RE = re.compile(
    r"(?:đã\s+)?được\s+sửa\s+đổi,?\s+bổ\s+sung[^;]*?(?=hết\s+hiệu\s+lực|\(sau\s+đây|;|$)", re.DOTALL
)
_VERB_RE = re.compile(
    r"hết\s+hiệu\s+lực|thay\s+thế|bãi\s+bỏ|hủy\s+bỏ|sửa\s+đổi(?:,?\s+bổ\s+sung)?|bổ\s+sung", re.IGNORECASE
)
# "sửa đổi, bổ sung" acts only at the start of a clause ("a) Sửa đổi, bổ sung: …", "… này sửa đổi …");
# elsewhere it describes a cited document ("Nghị định số 09/2010 … sửa đổi, bổ sung một số điều của …").
_CLAUSE_START_RE = re.compile(r"(?:^(?:[a-zđ]\)|\d+[a-z]?\.|Điều\s+\d+[a-zđ]?\.)?\s*|\bnày\s+)$")


def _split_sentences(block: str) -> list[str]:
    out: list[str] = []
    for line in block.splitlines():
        parts = re.split(r"(?<=\.)\s+(?=[A-ZĐ])|\s+(?=[a-zđ]\)\s)", line.strip())
        out.extend(p.strip() for p in parts if p.strip())
    return out


def _refs_in(span: str) -> list[tuple[int, str]]:
    """Document numbers in ``span`` that name the affected document, not its amenders."""
    blocked = [(m.start(), m.end()) for m in _PASSIVE_SPAN_RE.finditer(span)]
    refs = []
    for m in NUMBER_RE.finditer(span):
        if any(a <= m.start() < b for a, b in blocked):
            continue
        before = span[max(0, m.start() - 60) : m.start()]
        if re.search(rf"(?<!kèm)\s(?:theo|bởi)\s+(?:{_TYPE_WORDS})?(?:\s+số)?\s*$", " " + before):
            continue
        refs.append((m.start(), canonical_number(m.group(0))))
    return refs


def _collect_from_span(span: str, replaces: list[str], amends: list[str], force_partial: bool) -> None:
    """Refs of ``span``; partial (→ amends) when the text before a segment's first ref says so."""
    for segment in span.split(";"):
        refs = _refs_in(segment)
        if refs:
            head = segment[: refs[0][0]]
            target = amends if force_partial or _PARTIAL_RE.search(head) else replaces
            for _, num in refs:
                if num not in target:
                    target.append(num)


def _replaces_amends(article: str, force_partial: bool = False) -> tuple[list[str], list[str]]:
    replaces: list[str] = []
    amends: list[str] = []
    list_partial: bool | None = None  # set after "… sau đây hết hiệu lực …:" (items follow)
    for sent in _split_sentences(article):
        if list_partial is not None:
            if re.match(r"^[a-zđ]\)\s", sent):
                _collect_from_span(sent, replaces, amends, force_partial or list_partial)
                continue
            list_partial = None
        if sent.startswith("Trường hợp"):
            continue
        verbs = list(_VERB_RE.finditer(sent))
        verbs = [v for v in verbs if v.group(0).startswith("hết")] or verbs
        for vm in verbs:
            before = sent[: vm.start()]
            if re.search(r"\b(?:được|bị)\s+(?:[^\s.;]+[\s,]+){0,5}$", before[-60:]):
                continue  # passive ("được sửa đổi, bổ sung hoặc thay thế") describes, not acts
            verb = vm.group(0).lower()
            if (verb.startswith("sửa") or verb.startswith("bổ")) and not _CLAUSE_START_RE.search(before):
                continue
            if verb.startswith("hết"):
                start = max(0, before.rfind(";") + 1)
                refs_span = sent[start : vm.start()]
                if not NUMBER_RE.search(refs_span) and sent.rstrip().endswith(":"):
                    list_partial = bool(_PARTIAL_RE.search(refs_span))
                _collect_from_span(refs_span, replaces, amends, force_partial)
            else:
                after = sent[vm.end() :]
                first = NUMBER_RE.search(after)
                if not first or first.start() > 120:
                    continue
                lead = after[: first.start()]
                partial = (
                    force_partial
                    or verb.startswith(("sửa", "bổ"))
                    or ("toàn bộ" not in lead and bool(_PARTIAL_RE.search(lead)))
                )
                _collect_from_span(after, replaces, amends, partial)
            break
    amends = [n for n in amends if n not in replaces]
    return replaces, amends


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------


def _first(*candidates: Callable[[], Any]) -> Any:
    for candidate in candidates:
        value = candidate()
        if value:
            return value
    return None


def _cited_dates(preamble: str) -> list[date]:
    """Dates of documents cited in căn cứ / xét lines (a text cannot predate what it cites)."""
    out = []
    for m in re.finditer(rf"{_DATE_VN}|ngày\s+{_DATE_NUM}", preamble):
        if re.search(r"hiệu\s+lực[^.;]{0,30}$", preamble[max(0, m.start() - 40) : m.start()]):
            continue
        if d := _date_from_match(m):
            out.append(d)
    return out


def extract_metadata(text: str, filename: str | None = None) -> DocumentMetadata:
    """Best-effort metadata of one legal text; every field may stay None."""
    text = normalize_text(text)
    header = _header_region(text)
    header_end = len(header)
    preamble = _preamble_region(text, header_end)
    lines = [ln for ln in (_clean_line(raw) for raw in header.splitlines()) if ln]
    header_flat = " ".join(lines)
    header_upper = header_flat.upper()
    loc_hint = _location_hint(filename, header_upper)
    places = [loc_hint] if loc_hint else []
    self_refs = list(_SELF_REF_RE.finditer(text))
    self_ref = self_refs[0] if self_refs else None

    # --- number ---------------------------------------------------------------------------
    number: str | None = None
    suffix: str | None = None  # suffix of a blank number ("Số: /QĐ-UBND")
    if m := _HEADER_NUMBER_RE.search(header_flat):
        number = canonical_number(m.group("num")) if m.group("num") else None
        suffix = canonical_number(m.group("suf")) if m.group("suf") else None
    if not number and not suffix and self_ref:
        number = canonical_number(self_ref.group("num")) if self_ref.group("num") else None
        suffix = canonical_number(self_ref.group("suf")) if self_ref.group("suf") else None
    code = number or suffix or ""
    if number and (own := [m for m in self_refs if m.group("num") and canonical_number(m.group("num")) == number]):
        self_ref = own[0]

    # --- document type and title -------------------------------------------------------------
    doc_type: str | None = None
    title: str | None = None
    type_line_idx: int | None = None
    for i, line in enumerate(lines):
        for tm in _TYPE_UPPER_RE.finditer(line):
            prev = line[tm.start() - 1] if tm.start() else " "
            if prev.isalpha() or line[tm.end() : tm.end() + 1].islower():
                continue
            doc_type = _TYPE_BY_UPPER[tm.group(0)]
            type_line_idx = i
            rest = line[tm.end() :]
            rest = re.split(r"Căn\s+cứ", rest)[0]
            title = _title_after(lines, i, rest, places)
            break
        if doc_type:
            break
    if not doc_type:
        doc_type = _first(
            lambda: doc_type_from_number(code) if code else None,
            lambda: normalize_doc_type(self_ref.group("type")) if self_ref else None,
            lambda: _most_common_self_mention(text),
        )
    if title is None and type_line_idx is None:
        # No type word in the header (công văn, damaged crawls): the "V/v …" / "VỀ VIỆC …" line.
        vv = next((i for i, ln in enumerate(lines) if re.match(r"(?i)^(?:về\s+việc|v/v)\b", ln)), None)
        if vv is not None:
            title = _title_after(lines, vv - 1, "", places)
    prom_issuer, prom_what = _promulgation(preamble, loc_hint)
    if doc_type in {"Luật", "Bộ luật", "Pháp lệnh", "Hiến pháp"}:
        if prom_what and prom_what.startswith(doc_type):
            title = prom_what
        elif title:
            title = f"{doc_type} {title[:1].upper()}{title[1:]}"

    # --- issuer ------------------------------------------------------------------------------
    issuer = _first(
        lambda: _issuer_from_header_block(lines, loc_hint),
        lambda: _issuer_from_promulgator(header, loc_hint),
        lambda: prom_issuer,
        lambda: _issuer_from_adoption(text, loc_hint),
        lambda: issuer_from_number(code, loc_hint) if code else None,
        lambda: _issuer_from_phrase(self_ref.group("auth"), loc_hint) if self_ref and self_ref.group("auth") else None,
    )

    # --- issued ------------------------------------------------------------------------------
    def header_date() -> date | None:
        m = _HEADER_DATE_RE.search(header_flat)
        return _date_from_match(m) if m else None

    def adoption_date() -> date | None:
        m = _ADOPTION_RE.search(text)
        return _mkdate(m.group(2), m.group(3), m.group(4)) if m else None

    def self_ref_date() -> date | None:
        if not self_ref or (number and self_ref.group("num") and canonical_number(self_ref.group("num")) != number):
            return None
        if self_ref.group("y1"):
            return _mkdate(self_ref.group("d1"), self_ref.group("m1"), self_ref.group("y1"))
        if self_ref.group("y2"):
            return _mkdate(self_ref.group("d2"), self_ref.group("m2"), self_ref.group("y2"))
        return None

    issued = _first(header_date, adoption_date, self_ref_date)
    cited = _cited_dates(preamble)
    if issued and cited and max(cited) > issued:
        issued = None  # printed date precedes a document it cites: a misprint, leave it unknown

    # --- effective, replaces, amends ---------------------------------------------------------
    effective, effective_note, replaces, amends = _effective_clause(text, header_end, issued, doc_type)

    return DocumentMetadata(
        number=number,
        doc_type=doc_type,
        issuer=issuer,
        issued=issued,
        effective=effective,
        title=title,
        replaces=[n for n in replaces if n != number],
        amends=[n for n in amends if n != number],
        effective_note=effective_note,
    )


def _promulgation(preamble: str, loc_hint: str | None) -> tuple[str | None, str | None]:
    """("Chính phủ", "Nghị định quy định …") from "Chính phủ ban hành Nghị định quy định …"."""
    for m in _PROMULGATION_RE.finditer(preamble):
        if auth := _issuer_from_phrase(m.group("auth"), loc_hint):
            return auth, m.group("what").strip()
    return None, None


def _most_common_self_mention(text: str) -> str | None:
    counts = Counter(m.group(1) for m in re.finditer(rf"\b({_TYPE_WORDS})\s+này\b", text))
    return counts.most_common(1)[0][0] if counts else None


def _issuer_from_header_block(lines: list[str], loc_hint: str | None) -> str | None:
    """Issuer named at the top, before the national motto; the last of a chain wins
    ("UBND THÀNH PHỐ HÀ NỘI TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" → the Trung tâm)."""
    block: list[str] = []
    for line in lines[:6]:
        if _is_rule(line):
            continue
        cut = re.search(r"CỘNG\s+HÒA|Độc\s+lập|(?<![\w])Số\s*:|\b(?:Luật|Bộ\s+luật)\s+số\s*:|,\s*ngày\s", line)
        block.append(line[: cut.start()] if cut else line)
        if cut:
            break
    upper = re.sub(r"[-_–—]+", " ", " ".join(block).upper())
    upper = re.sub(r"\s+", " ", upper).strip()
    pos, found, loc = 0, None, loc_hint
    while m := _AUTHORITY_RE.match(upper, pos):
        found = _authority_name(m, loc)
        for idx in ("1", "2", "3"):
            if m.groupdict().get("l" + idx):
                loc = _title_place(m.group("l" + idx))
        if loc and found.endswith("hành chính công"):
            found = f"{found} TP {loc}"
        pos = m.end()
        while pos < len(upper) and upper[pos] == " ":
            pos += 1
    return found


def _issuer_from_promulgator(header: str, loc_hint: str | None) -> str | None:
    """The authority line right before "Căn cứ" ("ỦY BAN THƯỜNG VỤ QUỐC HỘI", "GIÁM ĐỐC …")."""
    tail = [ln for ln in (_clean_line(x) for x in header.splitlines()) if ln and not _is_rule(ln)]
    if not tail:
        return None
    last = tail[-1].upper()
    m = _PROMULGATOR_RE.search(last)
    if not m:
        return None
    if re.search(r"\b(?:CỦA|THUỘC|CHO|VỚI|VÀ|TẠI)$", last[: m.start()].rstrip()):
        return None
    inner = _AUTHORITY_RE.search(last, m.start())
    return _authority_name(inner, loc_hint) if inner else None


def _issuer_from_phrase(phrase: str, loc_hint: str | None) -> str | None:
    upper = re.sub(r"\s+", " ", normalize_text(phrase).upper()).strip()
    m = _AUTHORITY_RE.match(upper)
    return _authority_name(m, loc_hint) if m else None


def _issuer_from_adoption(text: str, loc_hint: str | None) -> str | None:
    m = _ADOPTION_RE.search(text)
    return _issuer_from_phrase(m.group("auth"), loc_hint) if m else None


_AMENDING_ARTICLE_RE = re.compile(
    r"(?i)(?:sửa\s+đổi|bổ\s+sung|bãi\s+bỏ)[^\n]*(?:luật|văn\s+bản|nghị\s+định)[^\n]*liên\s+quan"
)
_RELATIVE_SIGNED = re.compile(r"^(?:ngày|thời\s+điểm)\s+(?:được\s+)?ký(?:\s+ban\s+hành)?\b")
_RELATIVE_ADOPTED = re.compile(r"^(?:ngày|thời\s+điểm)\s+(?:[^\s]+\s+này\s+)?(?:được\s+)?thông\s+qua\b")


def _effective_clause(
    text: str, body_start: int, issued: date | None, doc_type: str | None
) -> tuple[date | None, str | None, list[str], list[str]]:
    articles = _articles(text)
    eff = _EFFECTIVE_RE.search(text, body_start)
    effective: date | None = None
    note: str | None = None
    replaces: list[str] = []
    amends: list[str] = []
    if eff:
        when = eff.group("when").strip()
        tail = text[eff.end("when") : eff.end("when") + 200].split("\n")[0]
        if _RELATIVE_SIGNED.match(when):
            effective, note = issued, "từ ngày ký"
        elif _RELATIVE_ADOPTED.match(when):
            effective, note = issued, "từ ngày thông qua"
        elif dm := _DATE_ANY_RE.match(when):
            effective = _date_from_match(dm)
        extra = []
        applies = re.search(rf"áp\s+dụng\s+(?:kể\s+)?từ\s+(?:{_DATE_VN}|ngày\s+{_DATE_NUM})", when + tail)
        if applies and (d := _date_from_match(applies)):
            extra.append(f"áp dụng từ {_fmt(d)}")
        if tm := re.search(r",\s*(trừ\s+(?:trường\s+hợp\s+)?[^.;\n]{3,120})", when):
            exception = tm.group(1).strip()
            art = next((a for a in articles if a[2] <= eff.start() < a[3]), None)
            if art:
                exception = exception.replace("Điều này", f"Điều {art[0]}")
            extra.append(exception)
        if extra:
            note = "; ".join([note, *extra] if note else extra)
        art = next((a for a in articles if a[2] <= eff.start() < a[3]), None)
        block = text[art[2] : art[3]] if art else text[text.rfind("\n", 0, eff.start()) + 1 : eff.end() + 1500]
        replaces, amends = _replaces_amends(block)
    for _num, title, start, end in articles:
        if _AMENDING_ARTICLE_RE.match(title):
            _, more = _replaces_amends(text[start:end], force_partial=True)
            amends.extend(n for n in more if n not in amends and n not in replaces)
    return effective, note, replaces, amends


# --------------------------------------------------------------------------------------------
# Overrides
# --------------------------------------------------------------------------------------------

_EMPTY_VALUES = {"", "—", "-", "–", "n/a", "na", "none", "null", "?", "không rõ", "chưa rõ"}
_LIST_KEYS = ("replaces", "amends")


def _as_list(value: Any) -> list[str]:
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            for m in NUMBER_RE.finditer(normalize_text(item)):
                num = canonical_number(m.group(0))
                if num not in out:
                    out.append(num)
    return out


def _parse_effective(value: Any, issued: date | None) -> dict[str, Any]:
    """Manifest effective: "01/07/2026 (khoản 4 …)" → date + note; "từ ngày ký…" → issued; "—" → none."""
    if isinstance(value, date):
        return {"effective": value}
    if not isinstance(value, str) or value.strip().casefold() in _EMPTY_VALUES:
        return {}
    s = normalize_text(value).strip()
    out: dict[str, Any] = {}
    if d := parse_date(s):
        out["effective"] = d
        rest = re.sub(rf"^(?:(?:kể\s+)?từ\s+)?(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|{_DATE_VN}|{_DATE_NUM_LEAD})", "", s)
        rest = rest.strip().strip("()").strip(" ;,")
        if rest:
            out["effective_note"] = rest
    elif re.match(r"(?i)(?:(?:có\s+hiệu\s+lực\s+)?(?:kể\s+)?từ\s+)?ngày\s+(?:được\s+)?(?:ký|thông\s+qua)", s):
        out["effective_note"] = s
        if issued:
            out["effective"] = issued
    if m := re.search(rf"hết\s+hiệu\s+lực\s+(?:(?:kể\s+)?từ\s+)?(?:{_DATE_VN}|(?:ngày\s+)?{_DATE_NUM})", s):
        out["expires"] = _date_from_match(m)
    if (m := re.search(r"thay\s+thế\s+(.*)", s)) and (refs := _as_list(m.group(1))):
        out["replaces"] = refs
    return out


def normalize_overrides(
    raw: dict[str, Any], loc_hint: str | None = None, issued_fallback: date | None = None
) -> dict[str, Any]:
    """Parse a manifest/sidecar record into DocumentMetadata-typed values; drop what doesn't parse."""
    out: dict[str, Any] = {}
    for key in ("id", "access"):
        if isinstance(raw.get(key), str) and raw[key].strip():
            out[key] = raw[key].strip()
    if (number := parse_number(raw.get("number"))) is not None:
        out["number"] = number
    if doc_type := normalize_doc_type(raw.get("doc_type") or raw.get("type")):
        out["doc_type"] = doc_type
    if issuer := normalize_issuer(raw.get("issuer"), loc_hint):
        out["issuer"] = issuer
    if issued := parse_date(raw.get("issued")):
        out["issued"] = issued
    for key, val in _parse_effective(raw.get("effective"), out.get("issued") or issued_fallback).items():
        out[key] = val
    if expires := parse_date(raw.get("expires")):
        out["expires"] = expires
    if isinstance(raw.get("effective_note"), str) and raw["effective_note"].strip():
        out["effective_note"] = raw["effective_note"].strip()
    if isinstance(raw.get("title"), str) and raw["title"].strip():
        out["title"] = normalize_text(raw["title"]).strip()
    for key in _LIST_KEYS:
        if key in raw and (refs := _as_list(raw[key])):
            out[key] = sorted(set(out.get(key, [])) | set(refs), key=(out.get(key, []) + refs).index)
    return out


def _manifest_entry(manifest_path: Path, file_path: Path) -> dict[str, Any] | None:
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        if isinstance(data.get("documents"), list):
            data = data["documents"]
        elif file_path.name in data and isinstance(data[file_path.name], dict):
            return data[file_path.name]
        else:
            return None
    if not isinstance(data, list):
        return None
    names = {file_path.name, unicodedata.normalize("NFC", file_path.name)}
    for entry in data:
        if isinstance(entry, dict) and isinstance(entry.get("file"), str):
            entry_name = unicodedata.normalize("NFC", Path(entry["file"]).name)
            if entry_name in names or Path(entry_name).stem == file_path.stem:
                return entry
    return None


def _sidecar_paths(file_path: Path) -> list[Path]:
    return [file_path.with_name(file_path.name + ".meta.json"), file_path.with_suffix(".meta.json")]


def load_overrides(manifest_path: Path | None, file_path: Path) -> dict[str, Any]:
    """Curated metadata for ``file_path``: its manifest entry, then its sidecar on top (sidecar wins)."""
    file_path = Path(file_path)
    loc_hint = _location_hint(file_path.name, "")
    raw: dict[str, Any] = {}
    if manifest_path is not None and Path(manifest_path).is_file():
        entry = _manifest_entry(Path(manifest_path), file_path)
        if entry:
            raw.update(normalize_overrides(entry, loc_hint))
    for sidecar in _sidecar_paths(file_path):
        if sidecar.is_file():
            data = json.loads(sidecar.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                raw.update(normalize_overrides(data, loc_hint, raw.get("issued")))
            break
    return raw


def merge_metadata(extracted: DocumentMetadata, overrides: dict[str, Any]) -> DocumentMetadata:
    """Fields present and parseable in ``overrides`` win; everything else keeps the extracted value."""
    parsed = normalize_overrides(overrides)
    data = extracted.model_dump()
    for field in DocumentMetadata.model_fields:
        value = parsed.get(field)
        if value is None or (field in _LIST_KEYS and not value):
            continue
        data[field] = list(value) if field in _LIST_KEYS else value
    note = (data.get("effective_note") or "").casefold()
    if data.get("effective") is None and data.get("issued") and ("ký" in note or "thông qua" in note):
        data["effective"] = data["issued"]
    return DocumentMetadata(**data)


def doc_id_for(path: Path, overrides: dict[str, Any]) -> str:
    """Document id: the curated ``id`` when given, otherwise the file stem."""
    doc_id = overrides.get("id") if overrides else None
    return doc_id.strip() if isinstance(doc_id, str) and doc_id.strip() else Path(path).stem
