"""Questions about a document's force: "NĐ 112/2020 còn áp dụng không?", "NQ 77/2025 áp dụng từ ngày nào?".

In Vietnamese legal texts the answer always sits in an effect article ("Hiệu lực thi hành",
"Điều khoản thi hành", "Điều khoản chuyển tiếp"): the named document's own, for when it takes
effect; and the one of the text that repealed it, which names the old document by its số hiệu,
for whether it is still in force. Content words rarely find those articles ("vùng phát thải thấp"
matches the whole resolution), so the retriever looks them up by structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.textproc import fold

# Folded: "còn hiệu lực", "hết hiệu lực", "có hiệu lực từ", "còn áp dụng", "còn dùng được",
# "áp dụng từ ngày nào", "bắt đầu áp dụng", "thay thế nghị quyết nào", "bị bãi bỏ chưa".
_ASKS_EFFECT = re.compile(
    r"\b(?:con|het) hieu luc\b|\bhieu luc thi hanh\b|\b(?:bat dau|phat sinh) (?:co )?hieu luc\b"
    # "có hiệu lực từ ngày nào / chưa / không", not "(quyết định kỷ luật) có hiệu lực trong bao lâu"
    r"|\bco hieu luc (?:tu|ke tu|khi nao|ngay nao|chua|khong)\b|\bhieu luc (?:tu|ke tu) (?:ngay|khi)\b"
    r"|\bcon (?:duoc )?(?:ap dung|dung duoc|su dung duoc|gia tri)\b|\bap dung tu (?:ngay|khi|thoi diem|nam)\b"
    r"|\bbat dau (?:duoc )?ap dung\b|\bthay the (?:cho )?(?:luat|nghi dinh|nghi quyet|quyet dinh|thong tu|van ban)\b"
    r"|\b(?:bi|da) (?:bai bo|thay the)\b|\bluat (?:cu|moi) hay (?:luat )?(?:cu|moi)\b"
)

_EFFECT_TITLE = re.compile(
    r"^(?:hieu luc(?: thi hanh)?|dieu khoan thi hanh|(?:dieu khoan|quy dinh) chuyen tiep)\b"
)
# Untitled articles of a decision: "Điều 2. Quyết định này có hiệu lực kể từ ngày ký."
_EFFECT_TEXT = re.compile(r"\bco hieu luc(?: thi hanh)?(?: ke)? tu\b")


def asks_effect(question: str) -> bool:
    return bool(_ASKS_EFFECT.search(re.sub(r"\s+", " ", fold(question))))


# The question is about old cases under a new text: "gửi trước 1/9/2026 … luật cũ hay luật mới?".
_ASKS_TRANSITION = re.compile(r"\bchuyen tiep\b|\b(?:cu|moi) hay (?:luat |quy dinh )?(?:cu|moi)\b"
                              r"|\bdang (?:lam|thuc hien|giai quyet|trien khai)\b|\bchua giai quyet\b")


def asks_transition(question: str) -> bool:
    return bool(_ASKS_TRANSITION.search(fold(question)))


def is_transitional(title: str | None) -> bool:
    return "chuyen tiep" in fold(title or "")


@lru_cache(maxsize=32768)
def is_effect_article(title: str | None, text: str) -> bool:
    """An article that says when a text takes effect, what it repeals, or how the old rules carry over."""
    if title:
        return bool(_EFFECT_TITLE.match(fold(title).strip()))
    return bool(_EFFECT_TEXT.search(fold(text[:400])))


# How a số hiệu's suffix starts for each type ("112/2020/NĐ-CP", "39/2024/QH15"; a Nghị quyết is of a
# council, "…/NQ-HĐND", or of the Quốc hội, "…/QH15").
_TYPE_SUFFIXES = {"Nghị định": ("nd",), "Nghị quyết": ("nq", "qh"), "Quyết định": ("qd",), "Luật": ("qh",),
                  "Bộ luật": ("qh",), "Thông tư": ("tt",), "Chỉ thị": ("ct",), "Kế hoạch": ("kh",)}


@dataclass(frozen=True)
class NumberForm:
    """How texts cite one số hiệu: ``needle`` as printed (the SQL prefilter), ``pattern`` on folded text."""

    needle: str
    pattern: re.Pattern[str]


def number_form(number: int | None, year: int | None, suffix: str | None = None,
                doc_type: str | None = None) -> NumberForm | None:
    """"Nghị định số 112/2020/NĐ-CP" for NĐ 112/2020. The suffix tells "NQ 47/2024/NQ-HĐND" from
    "Nghị quyết 47/2024/QH15"; a number with neither year nor suffix ("NQ 47") would match any
    "47/", so there is nothing to look up."""
    if not number or not (year or suffix):
        return None
    head = f"{number}/{year}" if year else str(number)
    tails = (suffix,) if suffix else _TYPE_SUFFIXES.get(doc_type or "", ())
    tail = rf"/(?:{'|'.join(re.escape(t) for t in tails)})" if tails else r"(?!\d)"
    return NumberForm(f"{head}/" if not year else head, re.compile(rf"(?<![\d/]){re.escape(head)}{tail}"))


_REPEALED = re.compile(r"\bhet hieu luc\b|\bbai bo\b|\bthay the\b")


def says_repealed(text: str) -> bool:
    """"… hết hiệu lực kể từ ngày …", "Bãi bỏ …", "… thay thế …": the article ends another text."""
    return _REPEALED.search(fold(text)) is not None


def mentions(text: str, form: NumberForm) -> bool:
    """The số hiệu cited in ``text``: "12/2020" is not in "112/2020"."""
    return form.pattern.search(fold(text)) is not None
