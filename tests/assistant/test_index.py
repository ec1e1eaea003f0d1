from __future__ import annotations

import pytest

from assistant.index import lexical
from assistant.index.store import Index, SourceInfo
from ingest.chunking import chunk_document
from ingest.legal import parse_structure
from ingest.models import DocumentMetadata, ParsedDocument
from tests.conftest import read_nfc


def _doc(hanoi_dir, name, doc_id, title, number):
    text = read_nfc(hanoi_dir / name)
    s = parse_structure(text)
    md = DocumentMetadata(title=title, number=number)
    doc = ParsedDocument(doc_id=doc_id, metadata=md, articles=s.articles, text=text)
    chunks = chunk_document(doc_id, f"{title} ({number})", s.articles, 1800)
    src = SourceInfo(path=str(hanoi_dir / name), format="txt", content_hash="h-" + doc_id, size_bytes=len(text),
                     access="public")
    return doc, chunks, src


@pytest.fixture
def index(settings, hanoi_dir):
    idx = Index(settings)
    for name, doc_id, title, number in [
        ("luat-thu-do-02-2026-QH16.txt", "luat-thu-do", "Luật Thủ đô", "02/2026/QH16"),
        ("nghi-dinh-172-2025-ND-CP.txt", "nd-172", "Nghị định về xử lý kỷ luật cán bộ, công chức", "172/2025/NĐ-CP"),
    ]:
        idx.replace_document(*_doc(hanoi_dir, name, doc_id, title, number))
    yield idx
    idx.engine.dispose()


def test_documents_articles_chunks_and_lexical_rows_are_written_together(index):
    stats = index.stats()
    assert stats["documents"] == 2
    assert stats["articles"] == 36 + 30
    assert stats["chunks"] == stats["lexical"] > stats["articles"] - 1
    assert stats["embedded"] == 0
    arts = index.get_articles("luat-thu-do")
    assert [a.number for a in arts][:3] == ["1", "2", "3"]
    assert arts[6].clauses[0]["points"][:3] == ["a", "b", "c"]


def test_lexical_search_with_and_without_diacritics(index):
    with index.engine.connect() as conn:
        hits = lexical.search(conn, "biểu tượng của Thủ đô Khuê Văn Các", 5)
        assert hits[0][0] == "luat-thu-do:dieu-2:0"
        folded = lexical.search(conn, "bieu tuong cua thu do khue van cac", 5)
        assert folded[0][0] == "luat-thu-do:dieu-2:0"
        kyluat = lexical.search(conn, "hình thức kỷ luật buộc thôi việc", 5)
        assert kyluat and all(cid.startswith("nd-172:") for cid, _ in kyluat[:3])
        assert lexical.search(conn, "biểu tượng", 5, access=["internal"]) == []


def test_failed_replacement_leaves_the_old_document_whole(index, hanoi_dir, monkeypatch):
    before = index.stats()
    old_hash = index.stored_hash("luat-thu-do")
    doc, chunks, src = _doc(hanoi_dir, "luat-thu-do-02-2026-QH16.txt", "luat-thu-do", "Luật Thủ đô", "02/2026/QH16")
    src.content_hash = "changed"

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(lexical, "write", boom)
    with pytest.raises(RuntimeError):
        index.replace_document(doc, chunks[:5], src)
    assert index.stats() == before
    assert index.stored_hash("luat-thu-do") == old_hash


def test_remove_document(index):
    assert index.remove_document("nd-172")
    assert not index.remove_document("nd-172")
    stats = index.stats()
    assert stats["documents"] == 1 and stats["articles"] == 36
    with index.engine.connect() as conn:
        hits = lexical.search(conn, "kỷ luật buộc thôi việc", 20)
        assert hits and all(cid.startswith("luat-thu-do:") for cid, _ in hits)


def test_lexical_index_is_rebuilt_from_sql_when_its_layout_changed(index, settings):
    from sqlalchemy import text

    with index.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TABLE chunk_lexical"))
            conn.execute(text("CREATE TABLE chunk_lexical (chunk_id VARCHAR(320) PRIMARY KEY, doc_id VARCHAR(200),"
                              " tsv tsvector)"))
        else:
            conn.execute(text("DROP TABLE chunk_fts"))
            conn.execute(text("CREATE VIRTUAL TABLE chunk_fts USING fts5(chunk_id UNINDEXED, doc_id UNINDEXED,"
                              " syllables, words, folded)"))
    index.engine.dispose()
    reopened = Index(settings)
    stats = reopened.stats()
    assert stats["lexical"] == stats["chunks"] > 0
    with reopened.engine.connect() as conn:
        assert lexical.search(conn, "Khuê Văn Các", 3)[0][0] == "luat-thu-do:dieu-2:0"
    reopened.engine.dispose()
