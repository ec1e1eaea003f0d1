"""The pieces of evals/bench_load.py: the vector copy that spares re-embedding, and the load loop.

The full benchmark (two services, a Chroma server, PostgreSQL, Redis) takes well over a minute even
in its short form, so it is run by hand; these tests keep its parts honest."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from itertools import count
from pathlib import Path

import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI, Response

from assistant.index.reuse import CachedEmbedder
from assistant.index.store import Index
from assistant.settings import Settings
from evals.bench_load import chroma_server, copy_index, run_load
from tests.conftest import free_port

DOC = "nghi-quyet-81-2025-NQ-HDND-HN.txt"


class _Fake:
    def __init__(self, name: str) -> None:
        self.name = name
        self.calls = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return np.ones((len(texts), 4), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.ones(4, dtype=np.float32)


def test_cached_embedder_uses_known_vectors_and_asks_the_model_only_for_new_texts() -> None:
    known = {"a": np.zeros(4, dtype=np.float32)}
    model = _Fake("m")
    emb = CachedEmbedder("m", dict(known), fallback=lambda: model)
    assert emb.embed_passages(["a", "a"]).tolist() == [[0.0] * 4] * 2 and model.calls == 0
    out = emb.embed_passages(["b", "a"])
    assert out.tolist() == [[1.0] * 4, [0.0] * 4] and model.calls == 1
    assert (emb.hits, emb.misses) == (3, 1)
    with pytest.raises(KeyError):
        CachedEmbedder("m", dict(known)).embed_passages(["new"])
    # Another model's vectors in the same collection would make scores meaningless.
    with pytest.raises(ValueError, match="differs"):
        CachedEmbedder("m", dict(known), fallback=lambda: _Fake("other")).embed_passages(["new"])


def test_copy_index_moves_vectors_to_postgresql_and_a_chroma_server_without_embedding(
        tmp_path: Path, hanoi_dir: Path, pg_url: str) -> None:
    from assistant.embeddings import make_embedder
    from ingest.pipeline import collect_files, ingest_files

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(hanoi_dir / DOC, corpus)
    source = Settings(data_dir=tmp_path / "source")
    src = Index(source)
    ingest_files(collect_files([corpus]), src, source)
    embedder = make_embedder(source)
    src.sync_vectors(embedder)
    model = embedder.name

    with chroma_server(tmp_path / "chroma", tmp_path / "chroma.log") as chroma_url:
        target = source.model_copy(update={"data_dir": tmp_path / "target", "database_url": pg_url,
                                           "chroma_url": chroma_url})
        build = copy_index(source, target, corpus)
        assert build["chunks"] > 0
        assert build["vectors_reused"] == build["chunks"] and build["vectors_embedded"] == 0
        dst = Index(target)
        try:
            # The copied vectors count as current for the real model: nothing left to embed.
            assert dst.pending_chunks(model) == []
            stats = dst.stats()
            assert stats["embedded"] == stats["chunks"] == build["chunks"]
            ids = sorted(dst.vectors.all_ids())
            assert len(ids) == build["chunks"]
            want = src.vectors.client.get_collection("chunks", embedding_function=None).get(
                ids=ids, include=["embeddings", "metadatas"])
            got = dst.vectors.client.get_collection("chunks", embedding_function=None).get(
                ids=ids, include=["embeddings", "metadatas"])
            w = dict(zip(want["ids"], zip(want["embeddings"], want["metadatas"], strict=True), strict=True))
            for cid, emb, meta in zip(got["ids"], got["embeddings"], got["metadatas"], strict=True):
                assert np.allclose(emb, w[cid][0], atol=1e-6) and meta == w[cid][1]
        finally:
            dst.engine.dispose()
            src.engine.dispose()


def _status_app() -> FastAPI:
    app = FastAPI()
    n = count()

    @app.post("/api/chat")
    async def chat() -> Response:
        await asyncio.sleep(0.01)
        return Response(status_code=429 if next(n) % 3 == 2 else 200)

    return app


def test_run_load_counts_every_status_and_stops_on_time() -> None:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(_status_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.05)
    try:
        t0 = time.monotonic()
        res = asyncio.run(run_load(f"http://127.0.0.1:{port}/api/chat", ["q1", "q2"], clients=4, seconds=1.0,
                                   timeout=5))
        assert time.monotonic() - t0 < 4
    finally:
        server.should_exit = True
        thread.join(10)
    s = res.summary()
    assert s["requests"] > 20 and s["ok"] == len(res.latencies_ms) == res.statuses["200"]
    assert s["errors"] == s["errors_by_status"]["429"] > 0
    assert s["requests"] == s["ok"] + s["errors"]
    assert s["latency_ms"]["p50"] >= 10 and s["latency_ms"]["p50"] <= s["latency_ms"]["p99"] <= s["latency_ms"]["max"]


def test_run_load_counts_refused_connections_and_does_not_spin() -> None:
    t0 = time.monotonic()
    res = asyncio.run(run_load(f"http://127.0.0.1:{free_port()}/api/chat", ["q"], clients=2, seconds=0.5, timeout=2))
    assert time.monotonic() - t0 < 4
    s = res.summary()
    assert s["ok"] == 0 and s["errors"] == s["errors_by_status"]["ConnectError"] > 0
    assert s["requests"] < 100  # backs off instead of hammering a dead port
    assert s["latency_ms"]["p50"] is None and s["throughput_rps"] == 0
