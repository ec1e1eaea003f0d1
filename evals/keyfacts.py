"""Key facts of a gold answer, and whether an answer text states them.

The asked fact of most questions is a number or a date: "không quá 02 lần", "từ 01/7/2026", "30 ngày".
The key facts of a gold ``answer`` are therefore:

1. its numbers and dates, normalised so that the text's spelling does not matter: "02 lần" = "2 lần",
   "01/7/2026" = "1/7/2026" = "ngày 01 tháng 7 năm 2026", "1.500.000 đồng" = "1,5 triệu đồng", "7,5 điểm";
   a number keeps the unit written after it (ngày, tháng, năm, lần, điểm, %, đồng, giờ, tuổi, …) and must
   be found with it. A full số hiệu ("106/2025/NĐ-CP") is a fact; references are not: "Điều 4", "khoản 2, 3",
   "điểm c", "mục 66", "Phụ lục II", "Mẫu B12", a shortened document reference ("NĐ 170", "NQ 76/2025"), nor
   a single digit without a unit ("Vành đai 1", "mức 4": a name, not a quantity);
2. when it has none, its rarest content words: the multi-syllable words of the gold answer (pyvi's word
   segmentation) that are not stop words, ranked by inverse document frequency over the corpus articles
   (rarest first, ties in reading order), keeping the ``WORD_FACTS`` (3) rarest that occur in the corpus at
   all (a fact must be quotable: "UBND", "CBCCVC" never are).

An answer states a fact when the same normalised number (with its unit) or the same word appears in its
text (citation markers "[1]" and unit references left out): anywhere, and within its first ``HEAD_CHARS``
(300) characters. A declined answer states none.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.textproc import nfc

HEAD_CHARS = 300
WORD_FACTS = 3

_UNITS = ("ngày làm việc", "phần trăm", "ngày", "tháng", "năm", "lần", "điểm", "%", "đồng", "giờ", "phút", "tuổi",
          "tuần", "người", "thành viên", "bản", "bộ", "ha", "m2", "km", "xã", "phường")
_UNIT_NAMES = {"ngày làm việc": "ngày", "phần trăm": "%"}
_MULTIPLIERS = {"nghìn": 1_000, "ngàn": 1_000, "triệu": 1_000_000, "tỷ": 1_000_000_000}
_DATE_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_MONTH_WORDS = re.compile(r"tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_NUMBER = re.compile(
    r"(?P<date>(?<![\d/])\d{1,2}/\d{1,2}/\d{4}(?![\d/]))"
    r"|(?P<so_hieu>(?<![\d/])\d+(?:/\d{4})?/[^\W\d_][\w\-]*)"
    r"|(?P<month>(?<![\d/])\d{1,2}/\d{4}(?![\d/]))"
    r"|(?P<num>(?<![\w.,])\d+(?:[.,]\d+)*)(?P<pct>\s*%)?"
)
_SYLLABLE = re.compile(r"[^\W\d_]+")

# Function syllables, and words every legal text uses: never a key fact on their own.
_STOP_SYLLABLES = """
và của các những là được có cho theo trong về với để này đó khi thì không người một hai ba bởi do từ đến
tại trên dưới như hoặc hay nếu mà nhưng cũng đã sẽ đang phải cần nào gì ai đâu sao vậy thế ra vào lên
bị bằng giữa sau trước hơn nhất rất đều mỗi việc nhau lại nên chỉ còn vẫn chưa qua cùng đối số năm tháng
ngày điều khoản điểm luật
"""
_STOP_WORDS = (
    "quy định", "văn bản", "thành phố", "hà nội", "cơ quan", "trường hợp", "thực hiện", "nghị định", "nghị quyết",
    "quyết định", "tổ chức", "cá nhân", "nhà nước", "pháp luật", "ủy ban", "nhân dân", "trách nhiệm", "liên quan",
    "có thể", "bao gồm", "đối với", "theo quy định", "được quy định", "cán bộ", "công chức",
)
STOPWORDS = frozenset(_STOP_SYLLABLES.split()) | frozenset(_STOP_WORDS)


@dataclass(frozen=True)
class KeyFacts:
    facts: tuple[str, ...]
    kind: str  # "numbers" | "words" | "none"


@dataclass(frozen=True)
class FactScore:
    total: int
    found: int  # anywhere in the answer
    in_head: int  # within its first HEAD_CHARS characters

    @property
    def fully(self) -> bool:
        return self.total > 0 and self.found == self.total


_ITEM = r"(?:\d+[a-zđ]?|[ivxlc]+|[a-zđ]\d*)"
_REFERENCES = re.compile(
    rf"\[\d+\]"  # citation markers
    rf"|\b(?:điều|khoản|mục|chương|phụ lục|mẫu số|mẫu|vòng|bước|phần|stt)\s+{_ITEM}\b"
    rf"(?:\s*(?:,|và|hoặc|đến|-)\s*{_ITEM}\b)*"
    r"|\bđiểm\s+[a-zđ]\b(?:\s*(?:,|và|hoặc)\s*[a-zđ]\b)*"
    # a shortened document reference: type + number (+ year) without the full số hiệu
    r"|\b(?:nđ|nq|qđ|tt|kh|qcvn|luật|nghị định|nghị quyết|quyết định)\s+(?:số\s+)?\d+(?:[/:]\d+)?(?:/[^\W\d_][\w\-]*)?"
)


def _normalise_text(text: str) -> str:
    text = nfc(text).lower().replace("–", "-").replace("—", "-")
    text = _DATE_WORDS.sub(lambda m: f"{m.group(1)}/{m.group(2)}/{m.group(3)}", text)
    text = _MONTH_WORDS.sub(lambda m: f"{m.group(1)}/{m.group(2)}", text)
    # a full số hiệu stays ("104/2016/qh13"); a reference to a place in a text, or a shortened one, goes
    return _REFERENCES.sub(lambda m: m.group() if re.search(r"\d+/\d{4}/\S", m.group()) else " ", text)


def _number_value(raw: str) -> str:
    """"02" → "2"; "1.500.000" → "1500000"; "7,5" → "7.5"."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", raw):
        raw = raw.replace(".", "")
    raw = raw.replace(",", ".")
    whole, _, frac = raw.partition(".")
    whole = whole.lstrip("0") or "0"
    frac = frac.rstrip("0")
    return f"{whole}.{frac}" if frac else whole


def _date(raw: str) -> str:
    return "/".join(str(int(x)) for x in raw.split("/"))


def numbers(text: str) -> list[str]:
    """The normalised numbers and dates of a text, each with its unit when one follows ("2 lần", "1/7/2026")."""
    text = _normalise_text(text)
    out: list[str] = []
    for m in _NUMBER.finditer(text):
        if m.group("date"):
            out.append(_date(m.group("date")))
        elif m.group("month"):
            out.append(_date(m.group("month")))
        elif m.group("so_hieu"):
            out.append(m.group("so_hieu"))
        else:
            value = _number_value(m.group("num"))
            rest = text[m.end() :].lstrip()
            if m.group("pct"):
                out.append(f"{value} %")
                continue
            mult = next((w for w in _MULTIPLIERS if re.match(rf"{w}\b", rest)), None)
            if mult:
                value = _number_value(str(round(float(value) * _MULTIPLIERS[mult])))
                rest = rest[len(mult) :].lstrip()
            unit = next((u for u in _UNITS if re.match(rf"{re.escape(u)}(?!\w)", rest)), None)
            unit = _UNIT_NAMES.get(unit, unit) if unit else ("đồng" if mult else None)
            out.append(f"{value} {unit}" if unit else value)
    return out


def _gold_numbers(text: str) -> list[str]:
    """A single digit without a unit ("Vành đai 3", "mức 4") names a thing, it is not a quantity asked."""
    return [f for f in dict.fromkeys(numbers(text)) if " " in f or "/" in f or len(f) > 1]


def _syllables(text: str) -> list[list[str]]:
    """Syllables of each clause (pairs never cross punctuation)."""
    return [_SYLLABLE.findall(part) for part in re.split(r"[,;:.!?()\"“”\n]", nfc(text).lower())]


def _pairs(text: str) -> list[str]:
    return [f"{a} {b}" for clause in _syllables(text) for a, b in zip(clause, clause[1:], strict=False)]


class CorpusStats:
    """How many corpus articles contain a word (as a phrase), for the rarest-words rule."""

    def __init__(self, articles: Iterable[str]) -> None:
        self.articles = [" " + " ".join(" ".join(c) for c in _syllables(t)) + " " for t in articles]
        self._df: dict[str, int] = {}

    def df(self, word: str) -> int:
        if word not in self._df:
            needle = f" {word} "
            self._df[word] = sum(needle in a for a in self.articles)
        return self._df[word]

    def idf(self, word: str) -> float:
        return math.log((1 + len(self.articles)) / (1 + self.df(word)))


def content_words(text: str) -> list[str]:
    """Multi-syllable words of a text (pyvi), stop words left out: "quốc hiệu", "tiêu ngữ"."""
    from pyvi import ViTokenizer

    out = []
    for tok in ViTokenizer.tokenize(nfc(text).lower()).split():
        parts = _SYLLABLE.findall(tok.replace("_", " "))
        word = " ".join(parts)
        if len(parts) > 1 and word not in STOPWORDS and not all(p in STOPWORDS for p in parts):
            out.append(word)
    return list(dict.fromkeys(out))


def key_facts(answer: str, stats: CorpusStats | None) -> KeyFacts:
    """The key facts of a gold answer (module docstring)."""
    nums = _gold_numbers(answer or "")
    if nums:
        return KeyFacts(tuple(nums), "numbers")
    if not stats or not (answer or "").strip():
        return KeyFacts((), "none")
    words = [w for w in content_words(answer) if stats.df(w) > 0]
    ranked = sorted(enumerate(words), key=lambda x: (-stats.idf(x[1]), x[0]))
    facts = tuple(w for _, w in ranked[:WORD_FACTS])
    return KeyFacts(facts, "words" if facts else "none")


def _states(fact: str, kind: str, text: str) -> bool:
    if kind == "numbers":
        found = numbers(text)
        if " " in fact:  # with its unit
            return fact in found
        # a bare number: with any unit, or as the year of a date ("2028" in "ngày 01 tháng 01 năm 2028")
        return fact in found or any(f.split(" ")[0] == fact or f.endswith(f"/{fact}") for f in found)
    return f" {fact} " in " " + " ".join(" ".join(c) for c in _syllables(text)) + " "  # the same word


def score(facts: KeyFacts, text: str, declined: bool = False) -> FactScore:
    """How many of the facts the answer text states, anywhere and in its first HEAD_CHARS characters."""
    if declined or not facts.facts:
        return FactScore(len(facts.facts), 0, 0)
    head = text[:HEAD_CHARS]
    return FactScore(len(facts.facts), sum(_states(f, facts.kind, text) for f in facts.facts),
                     sum(_states(f, facts.kind, head) for f in facts.facts))
