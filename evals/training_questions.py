"""Training questions generated from the texts themselves, by rules that hold for any Vietnamese legal text.

The ranker must not learn from evaluation questions (the frozen and blind splits are never read here), and
hand-written questions are few. So questions are made from each article's structure:

* its title turned into questions ("Điều 12. Thời hạn giải quyết" → "thời hạn giải quyết là bao lâu",
  "quy định về thời hạn giải quyết như thế nào");
* definitions ("1. Hồ sơ điện tử là …" in a "Giải thích từ ngữ" article → "hồ sơ điện tử là gì");
* the opening words of each khoản rewritten into a question of the kind of fact it states (a duration →
  "… trong thời hạn bao lâu", an amount → "… mức bao nhiêu", a body → "cơ quan nào …", a dossier →
  "hồ sơ gồm những gì"), with some words dropped as people do;
* variants: without diacritics, with common abbreviations ("Ủy ban nhân dân" → "UBND"), with the
  document's short name added, and with the everyday words of the thesaurus in place of the legal terms.

Each question's gold is the article it was made from. A seeded random generator makes the set reproducible.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from assistant.retrieval.asked import Asked, states
from assistant.retrieval.thesaurus import BUILT_IN
from assistant.textproc import fold, nfc, syllables

_ABBREVIATIONS = (
    ("Ủy ban nhân dân", "UBND"), ("Hội đồng nhân dân", "HĐND"), ("thủ tục hành chính", "TTHC"),
    ("cán bộ, công chức", "CBCC"), ("Nghị định", "NĐ"), ("Quyết định", "QĐ"), ("Nghị quyết", "NQ"),
    ("thành phố", "TP"), ("Thành phố", "TP"),
)
_FUNCTION_WORDS = frozenset([
    "của", "các", "những", "được", "và", "trong", "theo", "đối", "với", "về", "cho", "tại", "là", "thì", "mà",
    "do", "bởi", "này", "đó",
])
_KHOAN_HEAD = re.compile(r"^(?:\d{1,3}\.|[a-zđ]\))\s+")
_DEFINITION = re.compile(r"^(?:\d{1,3}\.\s+)?([^.:;\n]{3,80}?)\s+là\s+", re.U)
_BODY = re.compile(r"\b(?:Ủy ban nhân dân|Chủ tịch|Sở|Bộ|Hội đồng|cơ quan|Trung tâm|Thủ tướng)\b")


@dataclass(frozen=True)
class TrainingQuestion:
    question: str
    doc_id: str
    article_number: str  # as the evals compare it: the Điều number, or the section's number
    source: str  # which rule made it: title, definition, clause, variant:<kind>


def _ask_for(text: str) -> str:
    """The question tail matching the kind of fact a passage states."""
    if states(Asked.MONEY, text):
        return "mức tiền là bao nhiêu"
    if states(Asked.PERCENT, text):
        return "tỷ lệ bao nhiêu phần trăm"
    if states(Asked.DURATION, text):
        return "trong thời hạn bao lâu"
    if states(Asked.DATE, text):
        return "từ ngày nào"
    if "hồ sơ" in text.lower():
        return "hồ sơ gồm những gì"
    if _BODY.search(text):
        return "cơ quan nào có trách nhiệm"
    return "được quy định như thế nào"


def _clip_words(text: str, rng: random.Random, lo: int = 6, hi: int = 16) -> str:
    """The opening words of a passage up to its first clause break, some words dropped."""
    text = _KHOAN_HEAD.sub("", text.strip().split("\n", 1)[0])
    text = re.split(r"[:;.]|, (?:trừ|trong đó|bao gồm)", text, maxsplit=1)[0]
    words = text.split()[: rng.randint(lo, hi)]
    # People leave out function words, never half of a compound ("cơ quan", "hồ sơ"): only those are dropped.
    words = [w for w in words if w.lower() not in _FUNCTION_WORDS or rng.random() < 0.5]
    return " ".join(words).strip(" ,")


def _variants(q: str, rng: random.Random, doc_short: str) -> Iterator[tuple[str, str]]:
    if rng.random() < 0.25:
        yield fold(q), "variant:no_diacritics"
    for long, short in _ABBREVIATIONS:
        if long in q and rng.random() < 0.5:
            yield q.replace(long, short), "variant:abbreviation"
            break
    if doc_short and rng.random() < 0.3:
        yield f"{q} theo {doc_short}", "variant:named"
    low = q.lower()
    for everyday, legal in BUILT_IN:
        if legal in low:
            yield low.replace(legal, everyday), "variant:everyday"
            break


def questions_for_article(doc_id: str, doc_short: str, number: str, title: str, text: str, clauses: list[dict],
                          rng: random.Random, per_article: int = 6) -> list[TrainingQuestion]:
    out: list[tuple[str, str]] = []
    title = nfc(title or "").strip().rstrip(".")
    if title and len(syllables(title)) >= 2:
        low = title[0].lower() + title[1:]
        out.append((rng.choice([f"{low} là gì", f"quy định về {low} như thế nào", f"{low} ra sao", low]), "title"))
        if title.lower().startswith(("thời hạn", "thời gian")):
            out.append((f"{low} là bao lâu", "title"))
    if "giải thích từ ngữ" in title.lower():
        for c in clauses:
            m = _DEFINITION.match(c.get("text", ""))
            if m:
                out.append((f"{m.group(1).strip()} là gì", "definition"))
    for c in clauses:
        body = c.get("text", "")
        if len(body) < 40:
            continue
        head = _clip_words(body, rng)
        if len(head.split()) >= 4:
            out.append((f"{head} {_ask_for(body)}", "clause"))
    rng.shuffle(out)
    out = out[:per_article]
    extra = [v for q, _ in out for v in _variants(q, rng, doc_short)]
    return [TrainingQuestion(q + "?", doc_id, number, src) for q, src in out + extra[: per_article // 2]]


def generate(articles: Iterable[tuple[str, str, str, str, str, list[dict]]], seed: int = 13,
             per_article: int = 6) -> list[TrainingQuestion]:
    """``articles``: (doc_id, document short name, article number, title, text, clauses) rows."""
    rng = random.Random(seed)
    out: list[TrainingQuestion] = []
    for doc_id, short, number, title, text, clauses in articles:
        out.extend(questions_for_article(doc_id, short, number, title, text, clauses, rng, per_article))
    return out
