"""Articles → chunks that stand alone when embedded.

An article that fits is one chunk; a long one is cut between khoản (then between điểm, then
between sentences), never mid-clause when avoidable. Every chunk is prefixed with its heading
path so "Điều 7" of Luật Thủ đô cannot be confused with "Điều 7" of another text.
"""

from __future__ import annotations

import re

from ingest.models import Article, Chunk

PATH_SEP = " › "


def article_path(doc_label: str, article: Article) -> list[str]:
    head = article.label + (f". {article.title}" if article.title else "")
    if article.kind == "annex":
        head = article.title or article.label
    return [doc_label, *article.heading_path, head]


def _split_long(text: str, max_chars: int) -> list[str]:
    """Split text at line, then sentence boundaries into pieces of at most max_chars."""
    if len(text) <= max_chars:
        return [text]
    units: list[str] = []
    for line in text.split("\n"):
        if len(line) <= max_chars:
            units.append(line)
            continue
        sentences = re.split(r"(?<=[\.;:])\s+(?=[A-ZĐÀ-Ỹ0-9a-zđ\-–(])", line)
        for s in sentences:
            while len(s) > max_chars:
                cut = s.rfind(" ", 0, max_chars)
                cut = cut if cut > max_chars // 2 else max_chars
                units.append(s[:cut])
                s = s[cut:].lstrip()
            units.append(s)
    return _pack(units, max_chars, sep="\n")


def _pack(units: list[str], max_chars: int, sep: str) -> list[str]:
    out: list[str] = []
    cur = ""
    for u in units:
        if cur and len(cur) + len(sep) + len(u) > max_chars:
            out.append(cur)
            cur = u
        else:
            cur = f"{cur}{sep}{u}" if cur else u
    if cur:
        out.append(cur)
    return out


def chunk_article(doc_id: str, doc_label: str, article: Article, max_chars: int) -> list[Chunk]:
    path = article_path(doc_label, article)
    prefix = PATH_SEP.join(p for p in path if p)
    body_lines = article.text.split("\n")[1:]
    body = "\n".join(body_lines) if body_lines else article.text
    groups: list[tuple[list[str], str]] = []
    if len(article.text) <= max_chars or not article.clauses:
        for piece in _split_long(body if body_lines else article.text, max_chars):
            groups.append(([c.number for c in article.clauses if c.number], piece))
    else:
        cur_nums: list[str] = []
        cur = ""
        for clause in article.clauses:
            nums = [clause.number] if clause.number else []
            if len(clause.text) > max_chars:
                if cur:
                    groups.append((cur_nums, cur))
                    cur_nums, cur = [], ""
                for piece in _split_long(clause.text, max_chars):
                    groups.append((nums, piece))
                continue
            if cur and len(cur) + 1 + len(clause.text) > max_chars:
                groups.append((cur_nums, cur))
                cur_nums, cur = [], ""
            cur = f"{cur}\n{clause.text}" if cur else clause.text
            cur_nums = [*cur_nums, *nums]
        if cur:
            groups.append((cur_nums, cur))
    if len(groups) == 1 and body_lines:
        # A whole article keeps its heading line, as it is cited.
        groups = [(groups[0][0], article.text)]
    chunks = []
    for i, (nums, text) in enumerate(groups):
        chunks.append(
            Chunk(
                chunk_id=f"{doc_id}:{article.key}:{i}",
                doc_id=doc_id,
                article_key=article.key,
                ordinal=i,
                heading_path=path,
                clauses=nums,
                text=text,
                embed_text=f"{prefix}\n{text}",
            )
        )
    return chunks


def chunk_document(doc_id: str, doc_label: str, articles: list[Article], max_chars: int) -> list[Chunk]:
    return [c for a in articles for c in chunk_article(doc_id, doc_label, a, max_chars)]
