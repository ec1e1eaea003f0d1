"""What kind of answer a question asks for, and whether a passage contains one.

"Phạt bao nhiêu tiền?" can only be answered by a passage that states an amount of money; "trong bao
nhiêu ngày?" by one that states a duration; "từ ngày nào?" by a date. When the passages that cover
the question's subject state no such quantity, the honest answer is a decline, however similar the
passages look: this is the commonest near-miss in staff questions (amounts, dates and limits the
corpus only points at).

Patterns run on diacritic-folded text so questions typed without accents are read the same way.
"""

from __future__ import annotations

import re
from enum import StrEnum

from assistant.textproc import fold


class Asked(StrEnum):
    PERCENT = "percent"
    MONEY = "money"  # an amount in đồng: the question names the currency or a fine
    AMOUNT = "amount"  # a rate, allowance or cost: an amount, or a share or multiple of a reference one
    TIME_OF_DAY = "time_of_day"
    DURATION = "duration"
    DATE = "date"
    SPEED = "speed"
    POINTS = "points"
    AGE = "age"
    NUMBER = "number"


# Number words, folded. "tư", "sáu" fold to "tu", "sau" (= "từ", "sau": "từ ngày", "sau ngày") and are
# left out; legal texts write those numbers in digits anyway.
# "năm" (five) folds like "Nam" ("Việt Nam đồng thời") and is left out too.
_NUM_WORD = r"(?:mot|hai|ba|bon|lam|bay|tam|chin|muoi|tram|linh|nghin|ngan|ruoi)"
_NUM = rf"(?:\d[\d.,]*|{_NUM_WORD}(?:\s+{_NUM_WORD})*)"
_HOW_MANY = r"(?:bao nhieu|may|bao nhieu la)"

# Order matters: the first kind that matches wins ("bao nhiêu % chi phí" is a percentage).
_QUESTION_KINDS: list[tuple[Asked, re.Pattern[str]]] = [
    # A multiple or a comparison ("cao hơn tối đa mấy lần", "phạt nặng hơn bao nhiêu"): any number answers.
    (Asked.NUMBER, re.compile(
        rf"\b{_HOW_MANY} lan\b|\b(?:nang|cao|nhieu|it|thap|lon|nho|dai|ngan) hon\b.*\b{_HOW_MANY}\b")),
    (Asked.PERCENT, re.compile(rf"{_HOW_MANY}\s*(?:%|phan tram)|ty le\b.*\b{_HOW_MANY}\b")),
    (Asked.SPEED, re.compile(r"km\s*/\s*h|toc do\b.*\bbao nhieu")),
    (Asked.TIME_OF_DAY, re.compile(r"\bmay gio\b|\bkhung gio nao\b|\bgio nao\b")),
    (Asked.POINTS, re.compile(rf"\b{_HOW_MANY} diem\b")),
    (Asked.AGE, re.compile(rf"\b{_HOW_MANY} tuoi\b|\bdo tuoi nao\b")),
    (Asked.MONEY, re.compile(
        rf"\b{_HOW_MANY} (?:tien|dong|trieu|ty|nghin)\b|\b{_HOW_MANY}\b.*\b(?:tien|dong(?! y\b))\b"
        # a fine ("phạt" alone also starts "phát thải", "phát triển" once folded)
        rf"|\b(?:bi|muc|xu|nop) phat\b.*\b{_HOW_MANY}\b|\bphat {_HOW_MANY}\b")),
    (Asked.AMOUNT, re.compile(
        rf"\b(?:gia|luong|phi|thu nhap|kinh phi|ho tro|thuong|khoan|muc chi|muc thu)\b.*\b{_HOW_MANY}\b"
        rf"|\b{_HOW_MANY}\b.*\b(?:mot thang|mot nam|moi thang|/thang|m2)\b")),
    (Asked.DURATION, re.compile(
        rf"\b{_HOW_MANY} (?:ngay|thang|nam|tuan|gio|phut)\b|\bbao lau\b|\bthoi han\b.*\b{_HOW_MANY}\b")),
    # "khi nào" inside a sentence asks for a condition ("khi nào phải bồi hoàn"), not a date.
    (Asked.DATE, re.compile(
        r"\bngay nao\b|^khi nao\b|\btu khi nao\b|\bthoi diem nao\b|\bnam nao\b|\btu bao gio\b|\bluc nao\b")),
    (Asked.NUMBER, re.compile(rf"\b{_HOW_MANY}\b|\bmuc may\b|\bloai may\b|\bhang may\b")),
]

# Digits before the unit: "Việt Nam đồng thời…" must not read as an amount.
_CURRENCY = (rf"\d[\d.,]*\s*(?:dong|trieu|ty|nghin|ngan|vnd)\b|\b{_NUM_WORD} (?:trieu|ty|nghin|tram) dong\b"
             r"|\d{1,3}(?:\.\d{3}){2,}")
_EVIDENCE: dict[Asked, re.Pattern[str]] = {
    Asked.PERCENT: re.compile(r"\d\s*%|\bphan tram\b"),
    Asked.SPEED: re.compile(r"\d\s*km\s*/\s*h|\bkm/gio\b"),
    Asked.TIME_OF_DAY: re.compile(r"\b\d{1,2}\s*(?:gio|h)\b|\b\d{1,2}[:h]\d{2}\b"),
    Asked.POINTS: re.compile(rf"\b{_NUM}\s+diem\b"),
    Asked.AGE: re.compile(rf"\b{_NUM}\s+(?:thang\s+)?tuoi\b"),
    Asked.MONEY: re.compile(_CURRENCY),
    # an amount, or a share / multiple of a reference amount ("50% mức lương", "hệ số 0,5", "2 lần")
    Asked.AMOUNT: re.compile(rf"{_CURRENCY}|\bhe so\s+\d|\d\s*%|\b{_NUM}\s+lan\b"),
    # "36 tháng tuổi" is an age, not a duration
    Asked.DURATION: re.compile(rf"\b{_NUM}\s+(?:ngay|thang(?! tuoi)|nam|tuan|gio|phut)\b|\bngay lam viec\b"),
    Asked.DATE: re.compile(
        r"\bngay\s+\d{1,2}\s*(?:/|-|thang)\s*\d{1,2}|\b\d{1,2}/\d{1,2}/\d{4}\b|\bthang\s+\d{1,2}\s+nam\s+\d{4}\b"
        r"|\bnam\s+\d{4}\b|\bngay\s+\d{1,2}\s+hang\s+thang\b|\bquy\s+[ivx1-4]+\b|\bke tu ngay\b|\btu ngay\b"),
    Asked.NUMBER: re.compile(rf"\d|\b{_NUM_WORD}\b"),
}


# Folded words that name the quantity asked rather than the subject ("mấy", "phần trăm", "km/h").
QUANTITY_WORDS = frozenset({"may", "phan", "tram", "km", "bao", "nhieu"})


def needs_quantity(kind: Asked | None) -> bool:
    """Whether only a passage stating such a quantity can answer ("mấy lần" is answered by any number)."""
    return kind is not None and kind != Asked.NUMBER


def asked_kind(question: str) -> Asked | None:
    q = fold(question)
    for kind, pattern in _QUESTION_KINDS:
        if pattern.search(q):
            return kind
    return None


def states(kind: Asked, text: str) -> bool:
    """Whether the passage states a quantity of the asked kind."""
    return bool(_EVIDENCE[kind].search(fold(text)))
