from __future__ import annotations

from ingest.chunking import PATH_SEP, chunk_document
from ingest.legal import parse_structure
from tests.conftest import read_nfc


def _chunks(hanoi_dir, name, max_chars=1800):
    s = parse_structure(read_nfc(hanoi_dir / name))
    return s, chunk_document("doc", "Luật Thủ đô (02/2026/QH16)", s.articles, max_chars)


def test_short_article_is_one_chunk_with_its_path(hanoi_dir):
    s, chunks = _chunks(hanoi_dir, "luat-thu-do-02-2026-QH16.txt")
    d2 = [c for c in chunks if c.article_key == "dieu-2"]
    assert len(d2) == 1
    c = d2[0]
    assert c.chunk_id == "doc:dieu-2:0"
    assert c.clauses == ["1", "2", "3"]
    assert c.heading_path == [
        "Luật Thủ đô (02/2026/QH16)",
        "Chương I. QUY ĐỊNH CHUNG",
        "Điều 2. Vị trí, vai trò, biểu tượng của Thủ đô",
    ]
    assert c.embed_text.startswith(PATH_SEP.join(c.heading_path) + "\n")
    assert c.text.startswith("Điều 2. Vị trí")


def test_long_article_is_cut_between_clauses_and_loses_nothing(hanoi_dir):
    s, chunks = _chunks(hanoi_dir, "luat-thu-do-02-2026-QH16.txt", max_chars=1200)
    d7 = next(a for a in s.articles if a.key == "dieu-7")
    parts = [c for c in chunks if c.article_key == "dieu-7"]
    assert len(parts) > 1
    assert all(len(c.text) <= 1200 for c in parts)
    covered = [n for c in parts for n in c.clauses]
    assert sorted(set(covered), key=int) == ["1", "2", "3"]
    joined = "\n".join(c.text for c in parts)
    for clause in d7.clauses:
        for line in clause.text.split("\n"):
            assert line in joined
    assert all(c.embed_text.startswith("Luật Thủ đô (02/2026/QH16) › Chương II.") for c in parts)


def test_every_article_is_chunked_within_size(hanoi_dir):
    for f in sorted(hanoi_dir.glob("*.txt")):
        s, chunks = _chunks(hanoi_dir, f.name)
        assert {c.article_key for c in chunks} == {a.key for a in s.articles}, f.name
        assert max(len(c.text) for c in chunks) <= 1800 + 300, f.name  # whole short article + heading
        assert len({c.chunk_id for c in chunks}) == len(chunks)
