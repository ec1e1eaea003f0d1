"""Pick the khoản / điểm of an article that answer a question.

An article is cut into units (lead text, each khoản, and the điểm of a long khoản); each unit is
scored by how much of the question's informative vocabulary (IDF-weighted syllables and their
two-syllable sequences) it covers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from assistant.retrieval.asked import QUESTION_WORDS
from assistant.textproc import fold, folded_syllables, syllables
from ingest.units import paragraph_groups

# Question words carry no content: they must not make a span look relevant.
STOPWORDS = QUESTION_WORDS
_POINT_LINE = re.compile(r"^([a-zđ])\)\s")


@dataclass
class Unit:
    clause: str | None
    point: str | None
    text: str
    order: int


def article_units(article_text: str, clauses: list[dict], long_clause: int = 500) -> list[Unit]:
    """Lead text, khoản, and the điểm of long khoản, in document order; an article without parsed
    clauses is read from its body (line groups when long)."""
    head, _, body = article_text.partition("\n")
    if not clauses and body.strip():
        clauses = [{"number": None, "text": body, "points": []}]
    units: list[Unit] = []
    order = 0
    for c in clauses:
        text = c.get("text", "")
        number = c.get("number")
        lines = text.split("\n")
        if not number and not c.get("points") and len(text) > 2 * long_clause:
            # A section or annex without khoản (a procedure's cells one per line): its line groups.
            for group in paragraph_groups(text, long_clause + 200):
                units.append(Unit(None, None, group, order))
                order += 1
        elif c.get("points") and len(text) > long_clause:
            pieces: list[tuple[str | None, list[str]]] = [(None, [])]
            for line in lines:
                m = _POINT_LINE.match(line)
                if m and m.group(1) in c["points"]:
                    pieces.append((m.group(1), [line]))
                else:
                    pieces[-1][1].append(line)
            for point, buf in pieces:
                units.append(Unit(number, point, "\n".join(buf), order))
                order += 1
        else:
            units.append(Unit(number, None, text, order))
            order += 1
    if not units and head:
        units.append(Unit(None, None, head, 0))
    return [u for u in units if u.text.strip()]


class TermStats:
    """Document frequencies of folded syllables over all chunks, for IDF weights."""

    def __init__(self, texts: list[str]) -> None:
        self.n = max(len(texts), 1)
        df: Counter[str] = Counter()
        for t in texts:
            df.update(set(fold(s) for s in syllables(t)))
        self.df = df

    def idf(self, term: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(term, 0)))


def query_terms(question: str) -> list[str]:
    return [t for t in (fold(s) for s in syllables(question)) if t not in STOPWORDS and len(t) > 1 or t.isdigit()]


def coverage(question_terms: list[str], text: str, stats: TermStats) -> float:
    """IDF-weighted share of the question's terms (and adjacent pairs) found in the text."""
    if not question_terms:
        return 0.0
    toks = folded_syllables(text)
    present = set(toks)
    pairs = set(zip(toks, toks[1:], strict=False))
    total = hit = 0.0
    for t in set(question_terms):
        w = stats.idf(t)
        total += w
        hit += w if t in present else 0.0
    q_pairs = set(zip(question_terms, question_terms[1:], strict=False))
    for a, b in q_pairs:
        w = (stats.idf(a) + stats.idf(b)) / 2
        total += w
        hit += w if (a, b) in pairs else 0.0
    return hit / total if total else 0.0


# Abbreviated document types name a text, not the subject ("NQ 77", "NĐ 170").
_DOCUMENT_ABBREVIATIONS = frozenset({"nq", "nd", "qd", "tt", "ct", "kh", "ubnd", "hdnd", "tp", "luat"})


def key_pairs(question: str, subject: list[str], stats: TermStats, n: int = 2) -> list[tuple[str, str]]:
    """The question's most specific pairs of adjacent content words ("nồng độ" of "nồng độ cồn", "xã hội" of
    "nhà ở xã hội"), the pair whose rarer word is rarest first. Pairs are adjacent in the question as asked
    (not across a dropped word), and both words are of its subject."""
    words = set(subject) - _DOCUMENT_ABBREVIATIONS
    toks = [fold(t) for t in syllables(question)]
    pairs = list(dict.fromkeys((a, b) for a, b in zip(toks, toks[1:], strict=False) if a in words and b in words))
    pairs.sort(key=lambda p: (min(stats.idf(p[0]), stats.idf(p[1])), stats.idf(p[0]) + stats.idf(p[1])), reverse=True)
    return pairs[:n]


def has_sequence(words: tuple[str, ...], text: str) -> bool:
    """Whether the folded syllables ``words`` stand one after another in the text."""
    toks = folded_syllables(text)
    n = len(words)
    return any(toks[i : i + n] == words for i in range(len(toks) - n + 1))
