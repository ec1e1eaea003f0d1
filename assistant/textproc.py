"""Vietnamese text forms used by the lexical index and by queries.

Three views of the same text: syllables (lowercase, diacritics kept), pyvi words (compound words
joined, e.g. "thủ_đô" → "thủđô"), and a diacritic-folded form so "luat thu do" finds "Luật Thủ đô".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TOKEN = re.compile(r"[0-9a-zđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# Cached: answers read the same khoản again and again, and folding is most of their CPU.
@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Strip Vietnamese diacritics: "Luật Thủ đô" → "luat thu do"."""
    text = nfc(text).lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def syllables(text: str) -> list[str]:
    return _TOKEN.findall(nfc(text).lower())


def without_diacritics(text: str) -> bool:
    """Typed without diacritics (nor "đ"): such a question is compared on folded forms ("phuong" is
    "phường"), a question with them on the text as it is ("khoản" is not "khoán")."""
    return fold(text) == nfc(text).lower()


@lru_cache(maxsize=4096)
def folded_syllables(text: str) -> tuple[str, ...]:
    return tuple(fold(s) for s in syllables(text))


@lru_cache(maxsize=1)
def _pyvi():  # noqa: ANN202 - third-party tokenizer object
    from pyvi import ViTokenizer

    return ViTokenizer


def words(text: str) -> list[str]:
    """Multi-syllable words found by pyvi, syllables joined ("thủ_đô" → "thủđô")."""
    tokenized = _pyvi().tokenize(nfc(text).lower())
    out = []
    for tok in tokenized.split():
        if "_" in tok:
            parts = _TOKEN.findall(tok)
            if len(parts) > 1:
                out.append("".join(parts))
    return out


def lexical_fields(text: str) -> tuple[str, str, str]:
    """(syllables, words, folded) strings for the full-text index."""
    syl = syllables(text)
    return " ".join(syl), " ".join(words(text)), " ".join(fold(s) for s in syl)
