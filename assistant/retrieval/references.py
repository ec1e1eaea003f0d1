"""Explicit references in a question: "khoản 2 Điều 15 Nghị định 172/2025/NĐ-CP", "Điều 7 Luật Thủ đô",
"NQ 83", "nghị quyết số 83 năm 2025", "dieu 7 luat thu do".

Parsing works on the diacritic-folded, lowercased question so that text typed without accents
resolves the same way. Resolution against the catalogue of indexed documents happens in
``resolve``; an unresolvable reference simply yields nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from assistant.retrieval.naming import plain_title
from assistant.textproc import fold

# Common abbreviations in questions, expanded before matching and lexical search.
ABBREVIATIONS: dict[str, str] = {
    "cbccvc": "cán bộ, công chức, viên chức",
    "cbcc": "cán bộ, công chức",
    "ttpvhcc": "Trung tâm Phục vụ hành chính công",
    "tthc": "thủ tục hành chính",
    "hđnd": "Hội đồng nhân dân",
    "hdnd": "Hội đồng nhân dân",
    "ubnd": "Ủy ban nhân dân",
    "ubtvqh": "Ủy ban Thường vụ Quốc hội",
    "nđ": "Nghị định",
    "nd": "Nghị định",
    "nq": "Nghị quyết",
    "qđ": "Quyết định",
    "qd": "Quyết định",
    "tt": "Thông tư",
    "ct": "Chỉ thị",
    "kh": "Kế hoạch",
    "vbqppl": "văn bản quy phạm pháp luật",
    "tctt": "tiếp cận thông tin",
    "xlvphc": "xử lý vi phạm hành chính",
    "bhxh": "bảo hiểm xã hội",
    "pccc": "phòng cháy, chữa cháy",
    "cntt": "công nghệ thông tin",
    "cđs": "chuyển đổi số",
    "dvc": "dịch vụ công",
    "csdl": "cơ sở dữ liệu",
}

# Folded type words → canonical document type.
TYPE_WORDS: list[tuple[str, str]] = [
    ("bo luat", "Bộ luật"),
    ("hien phap", "Hiến pháp"),
    ("nghi dinh", "Nghị định"),
    ("nghi quyet", "Nghị quyết"),
    ("quyet dinh", "Quyết định"),
    ("thong tu", "Thông tư"),
    ("chi thi", "Chỉ thị"),
    ("ke hoach", "Kế hoạch"),
    ("cong van", "Công văn"),
    ("luat", "Luật"),
    ("nd", "Nghị định"),
    ("nq", "Nghị quyết"),
    ("qd", "Quyết định"),
    ("tt", "Thông tư"),
    ("ct", "Chỉ thị"),
    ("kh", "Kế hoạch"),
]
_TYPE_ALT = "|".join(re.escape(w) for w, _ in TYPE_WORDS)
_TYPE_MAP = dict(TYPE_WORDS)

_ARTICLE = re.compile(r"\b(?:dieu|d\.)\s*(\d+[a-z]?)\b")
_CLAUSE = re.compile(r"\b(?:khoan|k\.)\s*(\d+)\b")
_POINT = re.compile(r"\bdiem\s+([a-z])\)?(?=[\s,.;]|$)")
# "172/2025/nd-cp", "1656/nq-ubtvqh15", "308/kh-ubnd"
_FULL_NUMBER = re.compile(r"\b(\d{1,4})\s*/\s*(?:(\d{4})\s*/\s*)?([a-z]{1,6}(?:\s*-\s*[a-z0-9]{1,10}){0,2})\b")
# "nghi dinh 61", "nq 83", "nghi quyet so 83 nam 2025", "qd 74/2025", "luat so 02/2026"
_TYPED_NUMBER = re.compile(rf"\b({_TYPE_ALT})\s*(?:so\s*)?(\d{{1,4}})(?:\s*(?:/|nam)\s*(\d{{4}}))?\b")
_YEAR = re.compile(r"\b(?:nam\s*)?((?:19|20)\d{2})\b")


@dataclass
class DocRef:
    number: int | None = None
    year: int | None = None
    suffix: str | None = None  # folded "nd-cp", "nq-hdnd"
    doc_type: str | None = None


@dataclass
class ParsedReference:
    articles: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    points: list[str] = field(default_factory=list)
    docs: list[DocRef] = field(default_factory=list)
    years: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.articles or self.docs)


def expand_abbreviations(query: str) -> str:
    """"Luật CBCC" → "Luật cán bộ, công chức"; only whole words, never inside a number like NĐ-CP."""

    def sub(m: re.Match[str]) -> str:
        word = m.group(0)
        return ABBREVIATIONS.get(word.lower(), word)

    return re.sub(r"(?<![\w/\-])[A-Za-zĐđ]{2,7}(?![\w/\-])", sub, query)


_PROVISIONS = re.compile(
    r"(?i)\b(?:điều|dieu|khoản|khoan)\s+\d+[a-zđ]?\b|\b(?:điểm|diem)\s+[a-zđ]\)?(?=[\s,.;]|$)"
)
_DOC_NUMBER = re.compile(
    r"\b\d{1,4}\s*/\s*(?:\d{4}\s*/\s*)?[A-Za-zĐđ]{1,6}(?:\s*-\s*[A-Za-zĐđ0-9]{1,10}){0,2}\b"
    r"|(?i:\b(?:số|so)\s+\d{1,4}\b)"
)
_TYPE_BEFORE_NUMBER = re.compile(
    r"(?i)\b(?:bộ luật|luật|nghị định|nghị quyết|quyết định|thông tư|chỉ thị|kế hoạch|nđ|nq|qđ|tt|ct|kh)"
    r"(?=\s*(?:số\s*)?\d)"
)


def strip_references(query: str, *, documents: bool = False, numbers: bool = True) -> str:
    """The question without its explicit references, for matching by content: "Điều 7", "khoản 2"
    (and with ``numbers`` "172/2025/NĐ-CP") are resolved separately; as words they would match every
    article that cites them. ``documents`` also drops the type word of a document reference nothing in
    the index matches ("Nghị định 999/…"), so it cannot steer the search towards that type's texts."""
    text = _PROVISIONS.sub(" ", query)
    if documents:
        text = _TYPE_BEFORE_NUMBER.sub(" ", text)
    if numbers:
        text = _DOC_NUMBER.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip() or query


def parse_reference(query: str) -> ParsedReference:
    q = re.sub(r"\s+", " ", fold(query))
    ref = ParsedReference()
    ref.articles = list(dict.fromkeys(m.group(1) for m in _ARTICLE.finditer(q)))
    ref.clauses = list(dict.fromkeys(m.group(1) for m in _CLAUSE.finditer(q)))
    ref.points = list(dict.fromkeys(m.group(1) for m in _POINT.finditer(q)))
    spans: list[tuple[int, int]] = []
    for m in _FULL_NUMBER.finditer(q):
        suffix = re.sub(r"\s+", "", m.group(3))
        if not re.search(r"[a-z]", suffix) or suffix in {"nam", "thang", "ngay"}:
            continue
        ref.docs.append(DocRef(int(m.group(1)), int(m.group(2)) if m.group(2) else None, suffix, _suffix_type(suffix)))
        spans.append(m.span())
    for m in _TYPED_NUMBER.finditer(q):
        if any(a <= m.start(2) < b for a, b in spans):
            continue
        # "Điều 7 Luật 39" is fine, but "luat 2024" is a year, not a number.
        num = int(m.group(2))
        year = int(m.group(3)) if m.group(3) else None
        if year is None and 1945 <= num <= 2100:
            ref.years.append(num)
            continue
        ref.docs.append(DocRef(num, year, None, _TYPE_MAP[m.group(1)]))
    ref.years.extend(int(y) for y in _YEAR.findall(q) if int(y) not in {d.year for d in ref.docs})
    ref.years = list(dict.fromkeys(ref.years))
    return ref


def _suffix_type(suffix: str) -> str | None:
    head = suffix.split("-")[0]
    if head.startswith("qh") and "-" not in suffix:
        return "Luật"
    return _TYPE_MAP.get(head)


@dataclass
class CatalogueEntry:
    doc_id: str
    number: str | None
    doc_type: str | None
    title: str | None
    issued: date | None


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def number_parts(number: str | None) -> tuple[int | None, int | None, str]:
    if not number:
        return None, None, ""
    f = fold(number).replace(" ", "")
    m = re.match(r"(\d+)/(?:(\d{4})/)?(.*)$", f)
    if not m:
        return None, None, f
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None, m.group(3)


def resolve(query: str, ref: ParsedReference, catalogue: list[CatalogueEntry]) -> list[str]:
    """Document ids the question names, best first; empty when it names none we hold."""
    hits: list[str] = []
    for d in ref.docs:
        for e in catalogue:
            num, year, suffix = number_parts(e.number)
            if num is None or num != d.number:
                continue
            if d.year and year and d.year != year:
                continue
            if d.year and not year and e.issued and e.issued.year != d.year:
                continue
            if d.suffix and suffix and not (suffix.startswith(d.suffix) or d.suffix.startswith(suffix)):
                continue
            if d.doc_type and e.doc_type and d.doc_type != e.doc_type:
                continue
            hits.append(e.doc_id)
    # Short names: "Luật Thủ đô", "Luật Cán bộ, công chức" found by their title words.
    q = _words(expand_abbreviations(query))
    named = []
    for e in catalogue:
        if not e.title or not e.doc_type:
            continue
        # "Luật Thủ đô (2026)": the bracketed year only disambiguates; it is matched as a year.
        t = _words(plain_title(e.title))
        # "kỷ luật cán bộ, công chức" and "pháp luật về …" are not "Luật Cán bộ, công chức".
        if len(t) >= 6 and re.search(rf"(?<!\bky )(?<!\bphap )\b{re.escape(t)}\b", q) and t.startswith(
                _words(e.doc_type)):
            named.append(e)
    if named:
        named = _prefer_year(named, ref.years)
        # A longer title is the more specific match ("Luật Tiếp cận thông tin" over "Luật …").
        named.sort(key=lambda e: -len(e.title or ""))
        hits.extend(e.doc_id for e in named)
    return list(dict.fromkeys(hits))


def _prefer_year(entries: list[CatalogueEntry], years: list[int]) -> list[CatalogueEntry]:
    if not years:
        return entries
    same = [e for e in entries if e.issued and e.issued.year in years]
    return same or entries
