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


# Misspellings and chat shorthand of question words, on the folded question ("bao nhiu", "bn", "ko", "dc").
_TYPOS = (
    (re.compile(r"\bbao nh[ie]+u\b|\bbao nhieu\b|\bbn\b"), "bao nhieu"),
    (re.compile(r"\b(?:ko|k|hok|hong|khg|kh)\b(?=\s*\??\s*$)|\bko\b"), "khong"),
    (re.compile(r"\b(?:dc|dk)\b"), "duoc"),
)


def folded_question(question: str) -> str:
    """The question folded, its misspelt question words put right: what the folded patterns read."""
    q = re.sub(r"\s+", " ", fold(question)).strip()
    for pattern, fixed in _TYPOS:
        q = pattern.sub(fixed, q)
    return q


def asked_kind(question: str) -> Asked | None:
    """The quantity a question asks for. Read with diacritics when it has them; when nothing matches (a
    misspelt "bao nhiu"), or it has none, its folded form is read with the folded patterns."""
    q = nfc(question).lower()
    folded = folded_question(q)
    if not without_diacritics(q):
        for kind, pattern in _KINDS:
            if pattern.search(q):
                return kind
        if folded == re.sub(r"\s+", " ", fold(q)).strip():
            return None  # no misspelt question word: folding would only confuse "máy" with "mấy"
    for kind, pattern in _KINDS_FOLDED:
        if pattern.search(folded):
            return kind
    return None


class AnswerType(StrEnum):
    """What kind of fact answers a question (codes on the wire; labels in ``ANSWER_TYPE_LABELS``)."""

    DURATION = "duration"  # thời hạn, thời gian
    AMOUNT = "amount"  # mức, số tiền, tỷ lệ
    DATE = "date"  # ngày
    COUNT = "count"  # số lượng, số lần, tuổi, điểm
    AUTHORITY = "authority"  # cơ quan / người có thẩm quyền
    PLACE = "place"  # nơi nộp, địa chỉ, cách thức nộp
    DOSSIER = "dossier"  # hồ sơ, giấy tờ
    STEPS = "steps"  # trình tự, các bước
    CONDITION = "condition"  # điều kiện, đối tượng
    EXCEPTION = "exception"  # có áp dụng trong trường hợp … không
    YES_NO = "yes_no"  # có được … không
    DEFINITION = "definition"  # X là gì
    ARTICLE = "article"  # Điều N quy định gì
    GENERAL = "general"


# The answer line opens with this (Vietnamese, as users read it).
ANSWER_TYPE_LABELS: dict[AnswerType, str] = {
    AnswerType.DURATION: "Thời hạn",
    AnswerType.AMOUNT: "Mức",
    AnswerType.DATE: "Thời điểm",
    AnswerType.COUNT: "Số lượng",
    AnswerType.AUTHORITY: "Cơ quan có thẩm quyền",
    AnswerType.PLACE: "Nơi nộp",
    AnswerType.DOSSIER: "Hồ sơ",
    AnswerType.STEPS: "Trình tự",
    AnswerType.CONDITION: "Điều kiện",
    AnswerType.EXCEPTION: "Quy định áp dụng",
    AnswerType.YES_NO: "Quy định áp dụng",
    AnswerType.DEFINITION: "Định nghĩa",
    AnswerType.ARTICLE: "Nội dung",
    AnswerType.GENERAL: "Nội dung",
}

_QUANTITY_TYPES: dict[Asked, AnswerType] = {
    Asked.PERCENT: AnswerType.AMOUNT, Asked.MONEY: AnswerType.AMOUNT, Asked.AMOUNT: AnswerType.AMOUNT,
    Asked.TIME_OF_DAY: AnswerType.DURATION, Asked.DURATION: AnswerType.DURATION, Asked.DATE: AnswerType.DATE,
    Asked.SPEED: AnswerType.COUNT, Asked.POINTS: AnswerType.COUNT, Asked.AGE: AnswerType.COUNT,
    Asked.NUMBER: AnswerType.COUNT,
}

# Folded patterns on the folded question (misspellings put right), first match wins.
_TYPE_PATTERNS: list[tuple[AnswerType, re.Pattern[str]]] = [(t, re.compile(p)) for t, p in [
    (AnswerType.ARTICLE, r"\bdieu \d+\w?\b.*\b(?:noi gi|quy dinh gi|noi ve gi|quy dinh nhung gi|noi dung"
                         r"|ghi gi)\b"),
    (AnswerType.DEFINITION, r"\bla gi\s*\??$|\bnghia la gi\b|\bduoc hieu (?:la|nhu the nao)\b|\bkhai niem\b"
                            r"|\bdinh nghia\b"),
    (AnswerType.DOSSIER, r"\bho so\b.*\b(?:gom|bao gom|can|phai co|nhung gi|gi)\b|\b(?:can|phai|chuan bi|nop)\b.*"
                         r"\b(?:giay to|ho so)\b.*\b(?:gi|nao)\b|\bgiay to (?:gi|nao)\b|\bthanh phan ho so\b"),
    (AnswerType.PLACE, r"\bo dau\b|\bnoi nao\b|\bcho nao\b|\bdia chi\b|\bnoi (?:nop|tiep nhan|giai quyet|lam)\b"
                       r"|\bnop\b.*\b(?:qua|bang|theo) (?:cach|hinh thuc|phuong thuc) nao\b|\bcach thuc nop\b"
                       r"|\bnop (?:truc tuyen|qua mang|online)\b.*\b(?:khong|duoc)\b"),
    (AnswerType.AUTHORITY, r"\b(?:co quan|don vi|cap|nguoi|ben) nao\b|\bai (?:co tham quyen|quyet dinh|cap|ky"
                           r"|ban hanh|phe duyet|chiu trach nhiem|la nguoi|giai quyet|to chuc|chu tri|duoc giao)\b"
                           r"|\bthuoc tham quyen\b|\btham quyen\b.*\b(?:ai|nao|cua)\b|\bdo ai\b"
                           r"|\bai\b.*\b(?:quyet dinh|cap|ky|phe duyet)\b"),
    (AnswerType.STEPS, r"\btrinh tu\b|\bcac buoc\b|\bquy trinh\b|\bthu tuc\b.*\b(?:nhu the nao|ra sao|the nao)\b"
                       r"|\blam (?:the nao|nhu the nao|sao) de\b|\bbuoc nao\b|\bcach (?:lam|thuc hien)\b"),
    (AnswerType.EXCEPTION, r"\bco (?:ap dung|thuoc|bi|phai)\b.*\bkhong\b|\bngoai le\b|\btru truong hop\b"
                           r"|\btruong hop\b.*\b(?:co|thi) (?:duoc|phai|bi)\b.*\bkhong\b"),
    (AnswerType.CONDITION, r"\bdieu kien\b|\bdoi tuong\b|\btieu chuan\b|\bai (?:duoc|phai)\b|\btruong hop nao\b"
                           r"|\bkhi nao (?:thi|duoc|phai)\b|\b(?:duoc|phai)\b.*\bkhi nao\b"),
    (AnswerType.YES_NO, r"\b(?:co|duoc|phai|can|bat buoc)\b.*\b(?:khong|chua)\s*\??$|\bdung khong\b|\bphai khong\b"),
]]


def answer_type(question: str) -> AnswerType:
    """What kind of fact answers the question: a quantity first (its own patterns), then who, where, which
    documents, which steps, a definition, an exception, a condition, a yes/no — tolerant of missing diacritics
    and misspelt question words."""
    folded = folded_question(question)
    article = _TYPE_PATTERNS[0]
    if article[1].search(folded):
        return article[0]
    kind = asked_kind(question)
    if kind is not None:
        return _QUANTITY_TYPES[kind]
    for t, pattern in _TYPE_PATTERNS[1:]:
        if pattern.search(folded):
            return t
    return AnswerType.GENERAL


@lru_cache(maxsize=8192)
def _lower(text: str) -> str:
    return nfc(text).lower()


@lru_cache(maxsize=32768)
def states(kind: Asked, text: str) -> bool:
    """Whether the passage (legal text: always with diacritics) states a quantity of the asked kind. Cached:
    the ranker asks it of the same candidate articles question after question."""
    return bool(_EVIDENCE[kind].search(_lower(text)))


_MEASURED = re.compile(rf"(?:([^\W\d_]+)\s+)?\b({_MONEY_WORDS})(?:\s+([^\W\d_]+))?(?:\s+([^\W\d_]+))?")
# Compared with diacritics: "cơ" (of "lương cơ sở") is not "có".
_NOT_PART_OF_NAME = frozenset((
    "là", "bao", "mấy", "tối", "hiện", "được", "của", "cho", "khi", "thì", "có", "bị", "phải", "một", "mỗi", "hằng",
    "theo", "tại", "ở", "và", "hay", "hoặc", "này", "đó", "nay", "kèm", "mức", "các", "những", "về"))


def measured_phrase(question: str) -> tuple[str, ...] | None:
    """What an amount question measures, as folded syllables: a money word with the word that names which
    one ("lương cơ sở" → ("luong", "co"), "tiền thưởng kèm …" → ("tien", "thuong")). None when the question
    names no money word, only a bare one ("lệ phí là bao nhiêu"), or has no diacritics to read it by."""
    m = _MEASURED.search(nfc(question).lower())
    if not m:
        return None
    before, money, after, then = m.group(1), m.group(2), m.group(3), m.group(4)
    if after and after not in _NOT_PART_OF_NAME:
        # two words when the name goes on ("lương cơ sở" is not "lương cơ bản")
        words = f"{money} {after}" + (f" {then}" if then and then not in _NOT_PART_OF_NAME else "")
    elif before and before not in _NOT_PART_OF_NAME:
        words = f"{before} {money}"
    else:
        return None
    return tuple(fold(w) for w in words.split())
