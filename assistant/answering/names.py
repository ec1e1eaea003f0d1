"""Proper names in a question ("Đà Nẵng", "cầu Trần Hưng Đạo"), and whether a source mentions them.

A question about a place, a work or an event that none of the retrieved articles mentions cannot be
answered from them, however close the rest of its wording is ("Đà Nẵng có chính sách thu hút nhân
tài…" finds Hà Nội's talent policy).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from assistant.textproc import fold, nfc, without_diacritics

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _capitalised(word: str) -> bool:
    # Abbreviations ("UBND", "TP", "KH") are references, resolved elsewhere; a name is "Đà", "Nẵng".
    return word[0].isupper() and not word.isupper()


# Capitalised words that open a sentence or a document / office name rather than a proper name.
_LEADING = frozenset((
    "theo", "nếu", "khi", "tại", "ở", "trong", "luật", "sở", "bộ", "ủy", "ban", "nghị", "quyết", "định", "thông", "tư"))


# A person's name ("Tôi là Nguyễn Văn A", "ông Trần Văn B") is about the asker, not the sources.
_PERSON = frozenset(("là", "tên", "ông", "bà", "anh", "chị", "em", "cháu", "cô", "chú", "bác"))


def _among(word: str, words: frozenset[str]) -> bool:
    """Compared with diacritics ("chủ" is not "chú"); a word typed without any, by its folded form."""
    w = word.lower()
    return w in words or (without_diacritics(w) and w in _folded(words))


@cache
def _folded(words: frozenset[str]) -> frozenset[str]:
    return frozenset(fold(x) for x in words)


def proper_names(question: str) -> list[str]:
    """Runs of two or more capitalised words, leading sentence and office words left out
    ("Tết Nguyên đán…" → "Tết Nguyên"; "Đà Nẵng có…" → "Đà Nẵng"; "Theo Luật Thủ đô…" → nothing)."""
    words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(nfc(question))]
    names: list[str] = []
    run: list[str] = []
    before = ""  # the word before the current run
    prev_end = -1
    for i, (word, start, end) in enumerate([*words, ("", -1, -1)]):
        gap = question[prev_end:start] if prev_end >= 0 else ""
        if word and _capitalised(word) and (not run or gap.strip() == ""):
            if not run:
                before = words[i - 1][0] if i else ""
            run.append(word)
        else:
            person = _among(before, _PERSON)
            while run and (_among(run[0], _LEADING) or _among(run[0], _PERSON)):
                person = person or _among(run[0], _PERSON)
                run = run[1:]
            if len(run) >= 2 and not person:
                names.append(" ".join(run))
            run = [word] if word and _capitalised(word) else []
            before = words[i - 1][0] if run and i else ""
        prev_end = end
    return names


def mentioned(name: str, texts: Iterable[str]) -> bool:
    """Whether one of the texts names it, or two adjacent words of it ("Sở Công Thương Hà Nội" is
    named by "Sở Công Thương thành phố Hà Nội"); diacritics and case ignored, as questions come both
    ways."""
    words = fold(name).split()
    patterns = [re.compile(rf"\b{re.escape(a)} {re.escape(b)}\b") for a, b in zip(words, words[1:], strict=False)]
    return any(p.search(fold(text)) for text in texts for p in patterns)
