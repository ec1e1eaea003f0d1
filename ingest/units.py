"""Answer units: the khoản, điểm and paragraph groups of an article, searchable on their own.

An answer usually sits in one khoản of a long article, or in a few lines of a procedure section or
an annex table. Units make those retrievable and quotable by themselves:

* an article with numbered khoản → one unit per khoản (its điểm included), and one per điểm of a
  khoản that has them;
* an article without khoản (a section of a procedure decision, an annex) longer than a unit → groups
  of consecutive lines cut at sub-headings ("Thời hạn giải quyết:", "a) …", "1. …") and packed up to
  ``max_chars`` (a table with one cell per line becomes groups of rows).

Every unit carries its heading path (document › Chương › Điều) like a chunk, so it stands alone when
embedded. Unit ids extend the article id (``<doc>:<article key>:k2``, ``…:k2b``, ``…:p3``): whatever
reads a chunk id as ``<article id>:<suffix>`` reads a unit id the same way.
"""

from __future__ import annotations

import re

from ingest.chunking import PATH_SEP, article_path
from ingest.models import Article, Chunk, UnitKind

_POINT_LINE = re.compile(r"^([a-zđ])\)\s")
# Lines that open a sub-part of a section: a heading ("Thời hạn giải quyết:", a line in capitals) always
# starts a new group; an item ("1. …", "a) …", "- …") does once the group has some substance.
_LOWER = "a-zđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_HEADING = re.compile(rf"^(?:[^\n]{{2,80}}:|[^{_LOWER}\n]{{6,80}})$")
_ITEM = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*[.)]\s|[a-zđ]\)\s|[-–+•]\s)")


def _points(clause_text: str, letters: list[str]) -> list[tuple[str, str]]:
    """(letter, text) of each điểm in a khoản, the khoản's lead line prefixed so the điểm reads whole."""
    lines = clause_text.split("\n")
    lead: list[str] = []
    out: list[tuple[str, list[str]]] = []
    for line in lines:
        m = _POINT_LINE.match(line)
        if m and m.group(1) in letters:
            out.append((m.group(1), [line]))
        elif out:
            out[-1][1].append(line)
        else:
            lead.append(line)
    head = " ".join(lead).strip()
    return [(p, (head + "\n" if head else "") + "\n".join(buf)) for p, buf in out]


def paragraph_groups(body: str, max_chars: int) -> list[str]:
    """Consecutive non-empty lines packed up to ``max_chars``, a new group at each sub-heading."""
    groups: list[str] = []
    cur: list[str] = []
    size = 0
    for line in (x for x in body.split("\n") if x.strip()):
        head = line.strip()
        opens = bool(_HEADING.match(head)) or (bool(_ITEM.match(head)) and size > max_chars // 3)
        if cur and (size + len(line) > max_chars or opens):
            groups.append("\n".join(cur))
            cur, size = [], 0
        cur.append(line)
        size += len(line) + 1
    if cur:
        groups.append("\n".join(cur))
    return groups


def article_units(doc_id: str, doc_label: str, article: Article, max_chars: int = 700,
                  embed_min_article_chars: int = 2000) -> list[Chunk]:
    """The answer units of one article (none when the article is a single short passage).

    Units are always searched lexically; khoản and paragraph units of a long article are embedded too
    (its one article vector is cut at the model's 512 tokens and blurs many khoản). Short articles are
    embedded whole already, and điểm are embedded with their khoản: that bounds the added embedding
    cost (about +0.5× on the Hà Nội corpus, ``evals/bench_ingest.py``)."""
    embed_units = len(article.text) >= embed_min_article_chars
    path = article_path(doc_label, article)
    prefix = PATH_SEP.join(p for p in path if p)
    base = f"{doc_id}:{article.key}"
    numbered = [c for c in article.clauses if c.number]
    pieces: list[tuple[str, UnitKind, list[str], str | None, str]] = []  # (suffix, kind, clauses, point, text)
    if len(numbered) >= 2 or (numbered and numbered[0].points):
        for c in numbered:
            pieces.append((f"k{c.number}", UnitKind.CLAUSE, [c.number], None, c.text))
            if c.points and len(c.text) > max_chars // 2:
                for letter, text in _points(c.text, c.points):
                    pieces.append((f"k{c.number}{letter}", UnitKind.POINT, [c.number], letter, text))
    elif not article.clauses or len(article.text) > max_chars:
        body = "\n".join(article.text.split("\n")[1:]) if article.kind != "annex" else article.text
        groups = paragraph_groups(body, max_chars) if len(article.text) > max_chars else []
        if len(groups) >= 2:
            pieces.extend((f"p{i + 1}", UnitKind.PARAGRAPH, [], None, g) for i, g in enumerate(groups))
    # A number repeated inside one article (a plan's "1." under two headings) keeps its ids apart.
    seen: dict[str, int] = {}
    unique = []
    for suffix, *rest in pieces:
        seen[suffix] = seen.get(suffix, 0) + 1
        unique.append((suffix if seen[suffix] == 1 else f"{suffix}-{seen[suffix]}", *rest))
    return [
        Chunk(
            chunk_id=f"{base}:{suffix}",
            doc_id=doc_id,
            article_key=article.key,
            ordinal=1000 + i,  # after the article's own chunks
            heading_path=path,
            clauses=clauses,
            text=text,
            embed_text=f"{prefix}\n{text}",
            unit=kind,
            point=point,
            embed=embed_units and kind != UnitKind.POINT,
        )
        for i, (suffix, kind, clauses, point, text) in enumerate(unique)
        if text.strip()
    ]


def document_units(doc_id: str, doc_label: str, articles: list[Article], max_chars: int = 700,
                   embed_min_article_chars: int = 2000) -> list[Chunk]:
    return [u for a in articles for u in article_units(doc_id, doc_label, a, max_chars, embed_min_article_chars)]


def split_unit_id(chunk_id: str) -> tuple[str, str]:
    """(article id, suffix) of a chunk or unit id: ``doc:dieu-7:0`` → (``doc:dieu-7``, ``0``)."""
    article_id, _, suffix = chunk_id.rpartition(":")
    return article_id, suffix


def is_unit_id(chunk_id: str) -> bool:
    """Article chunks are numbered (``…:0``); answer units are named (``…:k2``, ``…:k2a``, ``…:p3``)."""
    return not split_unit_id(chunk_id)[1].isdigit()
