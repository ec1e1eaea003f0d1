"""What the indexed texts say about the force of the documents we hold.

Four kinds of statement (``Claim``), each tied to the document whose text makes it — the evidence,
and what decides who may see it (``assistant/retrieval/validity.py``):

* ``REPLACED``: a held text repeals or replaces it in its own effect clause (``documents.replaces``,
  parsed at ingestion); the successor is that text, in force from its effective date.
  A sentence elsewhere in a text that ends it ("… hết hiệu lực kể từ ngày Luật này có hiệu lực", "Quyết
  định này bãi bỏ / thay thế <it>") counts the same.
* ``STATED``: a sentence says it "được thay thế bởi <số hiệu>" or "hết hiệu lực" without naming what
  ends it — the successor may be a document we do not hold.
* ``AMENDED``: "<it> được sửa đổi, bổ sung bởi <số hiệu>", or its own codification notes ("[Ghi chú
  (Bộ pháp điển): có nội dung được sửa đổi bởi … Nghị định số 92/2017/NĐ-CP …]"). Amended is still in force.
* ``LIKELY``: a later text of ours cites, as its legal basis (căn cứ), a newer document of the same
  type and số hiệu series on the same matter (most of our title's words), and does not cite ours:
  "Căn cứ Nghị định số 118/2025/NĐ-CP … về thực hiện thủ tục hành chính theo cơ chế một cửa, một cửa
  liên thông" for the Nghị định 61/2018/NĐ-CP "về thực hiện cơ chế một cửa, một cửa liên thông …".
  Shown as "có thể đã được thay thế", never as certain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from assistant.retrieval.references import expand_abbreviations, number_parts
from assistant.retrieval.validity import number_key
from assistant.textproc import syllables
from ingest.metadata import NUMBER_RE, canonical_number


class ClaimKind(StrEnum):
    REPLACED = "replaced"
    STATED = "stated"
    AMENDED = "amended"
    LIKELY = "likely"


@dataclass(frozen=True)
class Claim:
    target: str  # the document whose force the text speaks of
    kind: ClaimKind
    source: str  # the document whose text says so: the evidence
    article: str | None  # the article id; None = its căn cứ lines
    by_number: str | None = None  # the successor or amender as cited ("118/2025/NĐ-CP")
    by_label: str | None = None  # "Nghị định 118/2025/NĐ-CP"
    when: date | None = None  # from when (REPLACED: the successor's effective date)
    quote: str = ""


@dataclass(frozen=True)
class HeldDoc:
    id: str
    number: str | None
    doc_type: str | None
    title: str | None
    issued: date | None
    effective: date | None
    replaces: tuple[str, ...] = ()


# Normative texts, for which "a newer one on the same matter" means the old one was replaced; a
# decision or plan on a similar subject is just another decision.
NORMATIVE = frozenset({"Luật", "Bộ luật", "Pháp lệnh", "Nghị định", "Thông tư", "Thông tư liên tịch"})
LIKELY_MIN_OVERLAP = 0.7  # share of our title's content syllables the citing line must contain
_STOP = frozenset(["về", "việc", "của", "trong", "tại", "theo", "và", "các", "cho", "với", "đối", "những", "này", "số"])
_TYPE_BEFORE = re.compile(r"(Bộ luật|Luật|Pháp lệnh|Nghị định|Nghị quyết|Quyết định|Thông tư liên tịch|Thông tư|"
                          r"Chỉ thị|Kế hoạch)\s+(?:[^\s\d]+\s+){0,6}?(?:số\s+)?$", re.IGNORECASE)
_NO_OTHER_NUMBER = r"(?:(?!\d+/\d)[^;])"
_REPLACED_BY = re.compile(rf"^{_NO_OTHER_NUMBER}{{0,160}}?\b(?:đã\s+)?(?:được|bị)\s+thay\s+thế\s+(?:bởi|bằng)\s+",
                          re.IGNORECASE)
_AMENDED_BY = re.compile(rf"^{_NO_OTHER_NUMBER}{{0,200}}?\b(?:đã\s+)?được\s+sửa\s+đổi(?:,?\s+bổ\s+sung)?"
                         r"(?:\s+một\s+số\s+điều)?\s+(?:bởi|theo)\s+", re.IGNORECASE)
_EXPIRES = re.compile(rf"^{_NO_OTHER_NUMBER}{{0,160}}?\bhết\s+hiệu\s+lực\b", re.IGNORECASE)
_THIS_TAKES_EFFECT = re.compile(r"\bnày\s+có\s+hiệu\s+lực", re.IGNORECASE)
# "… này bãi bỏ (toàn bộ) Quyết định số …", "2. Thay thế Quyết định số …": the verb right after "này" or at
# the start of a clause, so that its subject is this text ("Nghị định số 61/2018 thay thế …" is not).
_REPEALS_BEFORE = re.compile(r"(?:^\s*(?:\d+\.|[a-zđ]\))?\s*|[;:]\s*|\bnày\s+)(?:bãi\s+bỏ|thay\s+thế)"
                             r"(?:\s+toàn\s+bộ)?(?:\s+cho)?\s+(?:[^\s\d]+\s+){0,3}?(?:số\s+)?$", re.IGNORECASE)
_PARTIAL = re.compile(r"\b(?:Điều|khoản|điểm|quy\s+định|Danh\s+mục|Phụ\s+lục)\b", re.IGNORECASE)
_SELF_NOTE = re.compile(r"^\[Ghi chú[^\]]*?được\s+sửa\s+đổi\s+bởi(?P<rest>[^\]]*)\]", re.IGNORECASE | re.MULTILINE)
_SENTENCE = re.compile(r"(?<=[.;:])\s+|\n+")


def _label(text_before: str, number: str, fallback_type: str | None = None) -> str:
    m = _TYPE_BEFORE.search(text_before[-80:])
    kind = m.group(1) if m else fallback_type
    kind = kind[0].upper() + kind[1:] if kind else None
    return f"{kind} {number}" if kind else number


def _numbers(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), canonical_number(m.group(0))) for m in NUMBER_RE.finditer(text)]


@lru_cache(maxsize=4096)
def _content(text: str | None, doc_type: str | None = None) -> frozenset[str]:
    """Content syllables, abbreviations spelled out ("TTHC"), without the document type's own words."""
    skip = _STOP | set(syllables(doc_type or ""))
    return frozenset(s for s in syllables(expand_abbreviations(text or "")) if s not in skip and not s.isdigit())


_parts = lru_cache(maxsize=4096)(number_parts)


@lru_cache(maxsize=4096)
def _series(number: str | None) -> str:
    """The số hiệu's suffix ("nd-cp", "qh15" → "qh"): documents of one series replace each other."""
    _, _, suffix = _parts(number)
    return re.sub(r"\d+$", "", suffix)


def statements(doc: HeldDoc, articles: Iterable[tuple[str, str]], held: dict[str, HeldDoc]) -> list[Claim]:
    """STATED and AMENDED claims in one document's articles ``(article id, text)`` about held documents
    (``held`` by ``number_key``), and AMENDED claims of its own codification notes."""
    out: list[Claim] = []
    own = {number_key(n) for n in doc.replaces}
    for article_id, text in articles:
        for m in _SELF_NOTE.finditer(text):
            rest = m.group("rest")
            for start, _, num in _numbers(rest):
                out.append(Claim(doc.id, ClaimKind.AMENDED, doc.id, article_id, num, _label(rest[:start], num),
                                 quote=m.group(0)[:300]))
        for sentence in _SENTENCE.split(text):
            nums = _numbers(sentence)
            for start, end, num in nums:
                target = held.get(number_key(num))
                if target is None or target.id == doc.id:
                    continue
                after, before = sentence[end:end + 300], sentence[:start]
                quote = sentence.strip()[:300]
                claim: Claim | None = None
                if (m := _REPLACED_BY.match(after)) and (succ := _numbers(after[m.end():m.end() + 80])):
                    by = succ[0][2]
                    claim = Claim(target.id, ClaimKind.STATED, doc.id, article_id, by,
                                  _label(after[: m.end() + succ[0][0]], by, target.doc_type), quote=quote)
                elif (m := _AMENDED_BY.match(after)) and (succ := _numbers(after[m.end():m.end() + 80])):
                    by = succ[0][2]
                    claim = Claim(target.id, ClaimKind.AMENDED, doc.id, article_id, by,
                                  _label(after[: m.end() + succ[0][0]], by), quote=quote)
                elif number_key(num) in own:
                    continue  # its own effect clause: a REPLACED claim from documents.replaces
                elif _EXPIRES.match(after) and not _THIS_TAKES_EFFECT.search(after):
                    claim = Claim(target.id, ClaimKind.STATED, doc.id, article_id, quote=quote)
                elif _EXPIRES.match(after) or (_REPEALS_BEFORE.search(before) and not _PARTIAL.search(before[-60:])):
                    # "… hết hiệu lực kể từ ngày Luật này có hiệu lực", "Quyết định này bãi bỏ …": this text
                    # is the successor, in force from its own effective date.
                    claim = Claim(target.id, ClaimKind.REPLACED, doc.id, article_id, doc.number, None, doc.effective,
                                  quote=quote)
                if claim is not None:
                    out.append(claim)
    return out


def likely_successors(doc: HeldDoc, preamble: str, docs: Iterable[HeldDoc]) -> list[Claim]:
    """LIKELY claims from one document's căn cứ lines about the (older, normative) documents we hold."""
    if not preamble:
        return []
    segments = [s.strip() for s in re.split(r";|\n|(?=Căn cứ )", preamble) if s.strip()]
    cited = {number_key(n) for _, _, n in _numbers(preamble)}
    out = []
    for seg in segments:
        nums = _numbers(seg)
        if not nums or re.search(r"sửa\s+đổi|bổ\s+sung|bãi\s+bỏ", seg, re.IGNORECASE):
            continue
        start, end, num = nums[0]
        subject = _content(seg[end:])
        _, n_year, _ = _parts(num)
        for old in docs:
            if old.id == doc.id or old.doc_type not in NORMATIVE or not old.number:
                continue
            if number_key(old.number) in cited or number_key(num) == number_key(old.number):
                continue
            _, o_year, _ = _parts(old.number)
            if not (o_year and n_year and n_year > o_year) or _series(num) != _series(old.number):
                continue
            if old.issued and doc.issued and doc.issued <= old.issued:
                continue
            label = _label(seg[:start], num)
            if not label.lower().startswith(old.doc_type.lower()):
                continue
            title = _content(old.title, old.doc_type)
            if title and len(title & subject) / len(title) >= LIKELY_MIN_OVERLAP:
                out.append(Claim(old.id, ClaimKind.LIKELY, doc.id, None, num, label, quote=seg[:300]))
    return out


def replaced_claims(docs: Iterable[HeldDoc]) -> list[Claim]:
    """REPLACED claims: each held text's own ``replaces`` list, matched to the documents we hold."""
    docs = list(docs)
    by_number = {number_key(d.number): d for d in docs if d.number}
    out = []
    for d in docs:
        for old in d.replaces:
            target = by_number.get(number_key(old))
            if target and target.id != d.id:
                out.append(Claim(target.id, ClaimKind.REPLACED, d.id, None, d.number, None, d.effective))
    return out
