"""What kind of answer a question asks for, and whether a passage contains one.

"Phạt bao nhiêu tiền?" can only be answered by a passage that states an amount of money; "trong bao
nhiêu ngày?" by one that states a duration; "từ ngày nào?" by a date. When the passages that cover
the question's subject state no such quantity, the honest answer is a decline, however similar the
passages look: this is the commonest near-miss in staff questions (amounts, dates and limits the
corpus only points at).

Patterns are written in Vietnamese with diacritics and read the text as it is: folding would confuse
"khoản" with "khoán", "lượng" with "lương", "kết hôn" with "hơn", "phát thải" with "phạt", "Việt Nam"
with "năm". A question typed without diacritics is read with the folded form of the same patterns.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from assistant.textproc import fold, nfc, without_diacritics


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


# Question words ("là gì", "bao nhiêu", "đúng hay sai") say nothing about the corpus.
_QUESTION_WORDS_TEXT = """
là gì nào những các thì có không được bao nhiêu lâu đâu ai sao thế như hay đúng sai theo quy định của về và
hoặc với cho trong tại khi nếu này đó đã sẽ đang phải cần hỏi xin biết tôi em anh chị ạ nhé vậy ra trường hợp
sau đây chọn câu trả lời nhất
"""
QUESTION_WORDS = frozenset(fold(w) for w in _QUESTION_WORDS_TEXT.split())


_NUM_WORD = r"(?:một|hai|ba|bốn|tư|năm|lăm|sáu|bảy|tám|chín|mười|mươi|trăm|linh|nghìn|ngàn|rưỡi)"
_NUM = rf"(?:\d[\d.,]*|{_NUM_WORD}(?:\s+{_NUM_WORD})*)"
_HOW_MANY = r"(?:bao nhiêu|mấy)"
_MONEY_WORDS = r"(?:giá|lương|phí|lệ phí|học phí|thu nhập|kinh phí|hỗ trợ|thưởng|khoán|mức chi|mức thu|trợ cấp|phụ cấp)"

# First match wins. An explicit unit after "bao nhiêu / mấy" says most; the context words after it.
_QUESTION_KINDS: list[tuple[Asked, str]] = [
    (Asked.NUMBER, rf"\b{_HOW_MANY} lần\b"),  # a multiple ("cao hơn tối đa mấy lần"): any number answers
    (Asked.PERCENT, rf"\b{_HOW_MANY}\s*(?:%|phần trăm)|\d\s*%\s+hay\s+\d"),  # "8% hay 10%?"
    (Asked.SPEED, r"km\s*/\s*h"),
    (Asked.TIME_OF_DAY, r"\bmấy giờ\b|\bkhung giờ nào\b|\bgiờ nào\b"),
    (Asked.POINTS, rf"\b{_HOW_MANY} điểm\b"),
    (Asked.AGE, rf"\b{_HOW_MANY} tuổi\b|\bđộ tuổi nào\b"),
    (Asked.MONEY, rf"\b{_HOW_MANY} (?:tiền|đồng|triệu|tỷ|nghìn)\b"),
    (Asked.DURATION, rf"\b{_HOW_MANY} (?:ngày|tháng|năm|tuần|giờ|phút)\b|\bbao lâu\b"
                     r"|\d+ (?:ngày|tháng|năm) hay \d+"),  # "15 ngày hay 30 ngày?"
    # a comparison ("phạt nặng hơn bao nhiêu"): any number answers
    (Asked.NUMBER, rf"\b(?:nặng|cao|nhiều|ít|thấp|lớn|nhỏ|dài|ngắn) hơn\b.*\b{_HOW_MANY}\b"),
    (Asked.PERCENT, rf"\btỷ lệ\b.*\b{_HOW_MANY}\b"),
    (Asked.SPEED, r"\btốc độ\b.*\bbao nhiêu\b"),
    (Asked.MONEY, rf"\b{_HOW_MANY}\b.*\b(?:tiền|đồng)\b(?! ý)|\b(?:bị|mức|xử|nộp) phạt\b.*\b{_HOW_MANY}\b"
                  rf"|\bphạt {_HOW_MANY}\b"),
    (Asked.AMOUNT, rf"\b{_MONEY_WORDS}\b.*\b{_HOW_MANY}\b|\b{_HOW_MANY}\b.*\b(?:một tháng|một năm|mỗi tháng|m2)\b"),
    (Asked.DURATION, rf"\bthời hạn\b.*\b{_HOW_MANY}\b"),
    # "khi nào" inside a sentence asks for a condition ("khi nào phải bồi hoàn"), not a date.
    (Asked.DATE, r"\bngày nào\b|^khi nào\b|\btừ khi nào\b|\bthời điểm nào\b|\bnăm nào\b|\btừ bao giờ\b"
                 r"|\blúc nào\b"),
    (Asked.NUMBER, rf"\b{_HOW_MANY}\b|\bmức mấy\b|\bloại mấy\b|\bhạng mấy\b"),
]
_KINDS = [(kind, re.compile(p)) for kind, p in _QUESTION_KINDS]
_KINDS_FOLDED = [(kind, re.compile(fold(p))) for kind, p in _QUESTION_KINDS]

_CURRENCY = (rf"\d[\d.,]*\s*(?:đồng|triệu|tỷ|nghìn|ngàn|vnđ)\b|\b{_NUM_WORD} (?:triệu|tỷ|nghìn|trăm) đồng\b"
             r"|\d{1,3}(?:\.\d{3}){2,}")
_EVIDENCE: dict[Asked, re.Pattern[str]] = {
    Asked.PERCENT: re.compile(r"\d\s*%|\bphần trăm\b"),
    Asked.SPEED: re.compile(r"\d\s*km\s*/\s*h|\bkm/giờ\b"),
    Asked.TIME_OF_DAY: re.compile(r"\b\d{1,2}\s*(?:giờ|h)\b|\b\d{1,2}[:h]\d{2}\b"),
    Asked.POINTS: re.compile(rf"\b{_NUM}\s+điểm\b"),
    Asked.AGE: re.compile(rf"\b{_NUM}\s+(?:tháng\s+)?tuổi\b"),
    Asked.MONEY: re.compile(_CURRENCY),
    # an amount, or a share / multiple of a reference amount ("50% mức lương", "hệ số 0,5", "2 lần")
    Asked.AMOUNT: re.compile(rf"{_CURRENCY}|\bhệ số\s+\d|\d\s*%|\b{_NUM}\s+lần\b"),
    # "36 tháng tuổi" is an age, and "ngày 15 tháng 7 năm 2026" a date: neither is a duration
    Asked.DURATION: re.compile(rf"(?<!tháng\s)(?<!ngày\s)\b{_NUM}\s+(?:ngày|tháng(?! tuổi)|năm|tuần|giờ|phút)\b"
                               r"|\bngày làm việc\b"),
    Asked.DATE: re.compile(
        r"\bngày\s+\d{1,2}\s*(?:/|-|tháng)\s*\d{1,2}|\b\d{1,2}/\d{1,2}/\d{4}\b|\btháng\s+\d{1,2}\s+năm\s+\d{4}\b"
        r"|\bnăm\s+\d{4}\b|\bngày\s+\d{1,2}\s+hằng\s+tháng\b|\bquý\s+[ivx1-4]+\b|\bkể từ ngày\b|\btừ ngày\b"),
    Asked.NUMBER: re.compile(rf"\d|\b{_NUM_WORD}\b"),
}

# Folded words that name the quantity asked rather than the subject ("mấy", "phần trăm", "km/h").
QUANTITY_WORDS = frozenset({"may", "phan", "tram", "km", "bao", "nhieu"})


def needs_quantity(kind: Asked | None) -> bool:
    """Whether only a passage stating such a quantity can answer ("mấy lần" is answered by any number)."""
    return kind is not None and kind != Asked.NUMBER


def asked_kind(question: str) -> Asked | None:
    q = nfc(question).lower()
    for kind, pattern in _KINDS_FOLDED if without_diacritics(q) else _KINDS:
        if pattern.search(q):
            return kind
    return None


@lru_cache(maxsize=8192)
def _lower(text: str) -> str:
    return nfc(text).lower()


def states(kind: Asked, text: str) -> bool:
    """Whether the passage (legal text: always with diacritics) states a quantity of the asked kind."""
    return bool(_EVIDENCE[kind].search(_lower(text)))
