"""Where in a passage the asked fact stands: the sentence or clause that states a duration, an amount, the
competent body, the place of filing, the dossier … — verbatim, so the answer can open with it.

A legal passage states a fact of a kind in recognisable words: a duration is "… ngày làm việc", a body is
"Ủy ban nhân dân …", "Chủ tịch …", "Sở …", a place of filing is "nộp … tại / qua …", "Trung tâm Phục vụ
hành chính công", a dossier is "hồ sơ gồm …", "bản sao", "tờ khai". An exception is "trừ trường hợp …",
"không áp dụng đối với …", "không được …". These are rules of Vietnamese legal drafting, not of one text.

A passage that only refers the matter elsewhere ("theo quy định của pháp luật về …", "do Chính phủ quy
định") does not state the fact: ``referral`` finds what it refers to, so the answer can say which
document governs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.retrieval.asked import AnswerType, Asked, states

_BODY = (r"(?:Ủy ban nhân dân|UBND|Chủ tịch|Hội đồng nhân dân|HĐND|Thủ tướng|Chính phủ|Bộ trưởng|Bộ [A-ZĐ]|"
         r"Sở [A-ZĐ]|Trung tâm [A-ZĐa-zđ]|Ban [A-ZĐ]|Công an|Thanh tra|Kho bạc|Tòa án|Viện kiểm sát|"
         r"người đứng đầu|cơ quan (?:có thẩm quyền|quản lý|chuyên môn|tiếp nhận|giải quyết|đăng ký)|"
         r"Phòng [A-ZĐ]|Văn phòng|Cục [A-ZĐ]|Quốc hội|Ủy ban Thường vụ)")

# Evidence of each non-quantity kind of fact, read on the passage as written (diacritics kept).
_FACT: dict[AnswerType, re.Pattern[str]] = {
    AnswerType.AUTHORITY: re.compile(
        rf"{_BODY}[^.;\n]{{0,160}}?\b(?:có thẩm quyền|quyết định|cấp|giải quyết|phê duyệt|chịu trách nhiệm|chủ trì|"
        rf"ban hành|thực hiện|tiếp nhận|thẩm định|xem xét|ký)\b|\b(?:thẩm quyền|do|giao|ủy quyền cho|thuộc)\s+"
        rf"(?:của\s+)?{_BODY}|\bCơ quan (?:giải quyết|thực hiện|có thẩm quyền)\b"),
    AnswerType.PLACE: re.compile(
        r"\b(?:nộp|gửi|tiếp nhận|trả kết quả|nhận kết quả)\b[^.;\n]{0,160}?\b(?:tại|qua|trực tiếp|trực tuyến|"
        r"bưu chính|đến)\b|\bđịa chỉ\b|\bBộ phận (?:Một cửa|một cửa|tiếp nhận)|\bTrung tâm Phục vụ hành chính công"
        r"|\bCổng [Dd]ịch vụ công|https?://|\bdichvucong\b|\bCách thức thực hiện\b"),
    AnswerType.DOSSIER: re.compile(
        r"\bhồ sơ (?:gồm|bao gồm|đề nghị|đăng ký)\b|\bthành phần(?:,)? (?:số lượng )?hồ sơ\b|\bbản sao\b|\bbản chính\b"
        r"|\bđơn đề nghị\b|\btờ khai\b|\bgiấy tờ\b|\bvăn bản đề nghị\b"),
    AnswerType.STEPS: re.compile(r"\bBước \d|\bbước \d|\btrình tự\b|\bquy trình\b|\bTrình tự thực hiện\b"),
    AnswerType.CONDITION: re.compile(r"\bđiều kiện\b|\btiêu chuẩn\b|\bđối tượng\b|\bphải (?:có|đáp ứng|đủ|bảo đảm)\b"
                                     r"|\btrường hợp\b|\bkhi\b|\bnếu\b"),
    AnswerType.DEFINITION: re.compile(r"\blà\b"),
}
# Excluding and including clauses of a rule: a yes/no or exception question is decided by them.
_EXCLUDING = re.compile(r"\btrừ (?:trường hợp|các trường hợp|khi)\b|\bkhông áp dụng\b|\bkhông được\b|\bnghiêm cấm\b"
                        r"|\bbị cấm\b|\bngoại trừ\b|\bkhông thuộc\b|\bkhông phải\b|\bđược miễn\b|\bkhông bắt buộc\b")
_INCLUDING = re.compile(r"\bđược\b|\bphải\b|\báp dụng (?:đối với|cho)\b|\bcó quyền\b|\bbắt buộc\b")
_QUANTITY_OF: dict[AnswerType, tuple[Asked, ...]] = {
    AnswerType.DURATION: (Asked.DURATION, Asked.TIME_OF_DAY),
    AnswerType.AMOUNT: (Asked.MONEY, Asked.AMOUNT, Asked.PERCENT),
    AnswerType.DATE: (Asked.DATE,),
    AnswerType.COUNT: (Asked.NUMBER,),
}
# A passage that refers the matter to another text instead of stating it.
_REFERRAL = re.compile(
    r"\b(?:theo|thực hiện theo|áp dụng theo|căn cứ) quy định (?:của|tại) ((?:pháp luật|Luật|Bộ luật|Nghị định|"
    r"Nghị quyết|Quyết định|Thông tư|Chính phủ|Hội đồng nhân dân|Ủy ban nhân dân)[^.;,\n]{0,90})"
    r"|\bdo ((?:Chính phủ|Thủ tướng Chính phủ|Bộ trưởng[^.;,\n]{0,40}|Hội đồng nhân dân[^.;,\n]{0,30}|"
    r"Ủy ban nhân dân[^.;,\n]{0,30})) quy định\b")

# What ends a sentence or a clause of one; cutting there keeps every span verbatim.
_SENTENCE_END = re.compile(r"(?<=[.;:])\s+|\n")


@dataclass(frozen=True)
class FactSpan:
    """A verbatim piece of a passage that states the asked fact (start/end offsets in the passage)."""

    text: str
    start: int
    end: int
    excluding: bool = False  # an excluding clause ("trừ trường hợp …", "không áp dụng …")


@lru_cache(maxsize=8192)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    spans = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return tuple((a, b) for a, b in spans if text[a:b].strip())


def _matches(kind: AnswerType, sentence: str, quantity: Asked | None = None) -> bool:
    if quantity is not None:  # the precise quantity asked: money is not answered by a percentage
        return states(quantity, sentence)
    if kind in _QUANTITY_OF:
        return any(states(q, sentence) for q in _QUANTITY_OF[kind])
    pattern = _FACT.get(kind)
    return bool(pattern and pattern.search(sentence))


def states_fact(kind: AnswerType, text: str) -> bool:
    """Whether the passage states a fact of this kind (a yes/no or general question: any passage does)."""
    if kind in (AnswerType.YES_NO, AnswerType.EXCEPTION, AnswerType.GENERAL, AnswerType.ARTICLE):
        return True
    return _matches(kind, text)


def fact_spans(kind: AnswerType, text: str, limit: int = 260, quantity: Asked | None = None) -> list[FactSpan]:
    """The sentences of ``text`` that state the asked kind of fact, in order; for a yes/no or exception
    question, the excluding clauses first, then the including ones. Each span is a verbatim piece of
    ``text`` of at most ``limit`` characters (a long sentence is cut at a comma around the fact)."""
    out: list[FactSpan] = []
    for a, b in _sentences(text):
        sentence = text[a:b]
        if kind in (AnswerType.YES_NO, AnswerType.EXCEPTION):
            if _EXCLUDING.search(sentence):
                out.append(_clip(text, a, b, _EXCLUDING, limit, excluding=True))
            elif _INCLUDING.search(sentence):
                out.append(_clip(text, a, b, _INCLUDING, limit))
        elif kind in (AnswerType.GENERAL, AnswerType.ARTICLE):
            out.append(_clip(text, a, b, None, limit))
        elif _matches(kind, sentence, quantity):
            out.append(_clip(text, a, b, _pattern_for(kind), limit))
    if kind in (AnswerType.YES_NO, AnswerType.EXCEPTION):
        out.sort(key=lambda s: not s.excluding)
    return out


def _pattern_for(kind: AnswerType) -> re.Pattern[str] | None:
    if kind in _QUANTITY_OF:
        return None
    return _FACT.get(kind)


def _clip(text: str, a: int, b: int, pattern: re.Pattern[str] | None, limit: int,
          excluding: bool = False) -> FactSpan:
    """The sentence text[a:b], or when longer than ``limit`` the comma-bounded stretch around the fact."""
    a, b = _strip(text, a, b)
    if b - a <= limit:
        return FactSpan(text[a:b], a, b, excluding)
    sentence = text[a:b]
    where = 0
    if pattern is not None and (m := pattern.search(sentence)):
        where = m.start()
    else:
        digit = re.search(r"\d", sentence)
        where = digit.start() if digit else 0
    left = sentence.rfind(", ", 0, where)
    start = left + 2 if left >= 0 and where - left < limit // 2 else max(0, where - limit // 3)
    start = sentence.find(" ", start) + 1 if start and sentence[start - 1] != " " else start
    end = min(len(sentence), start + limit)
    cut = max(sentence.rfind(", ", start, end), sentence.rfind("; ", start, end))
    if end < len(sentence) and cut > where:
        end = cut
    elif end < len(sentence):
        end = sentence.rfind(" ", start, end)
    return FactSpan(sentence[start:end].strip(" ,;"), a + start, a + end, excluding)


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    # The khoản / điểm number is the citation's business, not the quote's.
    m = re.match(r"\s*(?:\d{1,3}\.|[a-zđ]\))\s+", text[a:b])
    if m:
        a += m.end()
    while b > a and text[b - 1] in " \t":
        b -= 1
    return a, b


def referral(text: str) -> str | None:
    """What a passage refers the matter to ("pháp luật về đất đai", "Chính phủ"), when it does."""
    m = _REFERRAL.search(text)
    if not m:
        return None
    return (m.group(1) or m.group(2) or "").strip()
