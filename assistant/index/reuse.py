"""Vectors already computed for the same texts, reused instead of re-embedding.

Moving an index to other stores (embedded Chroma → Chroma server, SQLite → PostgreSQL) or building a
benchmark copy means embedding every chunk again (minutes to hours on CPU). A vector depends only
on the chunk's embed text and the model, so ``CachedEmbedder`` answers ``sync_vectors`` from the
source index's vectors, keyed by embed text, and asks the real model only for texts it has not seen:

    target.sync_vectors(CachedEmbedder.from_index(source, fallback=lambda: make_embedder(settings)))

It carries the source model's name, so the target records the same model on every vector and a
later ``sync_vectors`` with the real embedder finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sqlalchemy import select

from assistant.embeddings import Embedder
from assistant.index.schema import ChunkRow, ChunkVectorRow
from assistant.index.store import Index


class CachedEmbedder:
    def __init__(self, name: str, vectors: dict[str, np.ndarray],
                 fallback: Callable[[], Embedder] | None = None) -> None:
        self.name = name
        self._vectors = vectors
        self._make_fallback = fallback
        self._fallback: Embedder | None = None
        self.hits = 0
        self.misses = 0

    @classmethod
    def from_index(cls, source: Index, fallback: Callable[[], Embedder] | None = None,
                   batch: int = 1000) -> CachedEmbedder:
        """The current vectors of ``source`` (those whose chunk text and metadata are unchanged)."""
        with source.sessions() as s:
            rows = s.execute(
                select(ChunkRow.id, ChunkRow.embed_text, ChunkVectorRow.model)
                .join(ChunkVectorRow, ChunkVectorRow.chunk_id == ChunkRow.id)
                .where(ChunkVectorRow.content_hash == ChunkRow.content_hash)
            ).all()
        models = {r.model for r in rows}
        if len(models) > 1:
            raise ValueError(f"source index mixes embedding models: {sorted(models)}")
        if not models:
            raise ValueError("source index has no vectors")
        text_of = {r.id: r.embed_text for r in rows}
        col = source.vectors.client.get_collection(source.settings.chroma_collection, embedding_function=None)
        ids = list(text_of)
        vectors: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), batch):
            got = col.get(ids=ids[i : i + batch], include=["embeddings"])
            for cid, emb in zip(got["ids"], got["embeddings"], strict=True):
                vectors[text_of[cid]] = np.asarray(emb, dtype=np.float32)
        return cls(models.pop(), vectors, fallback)

    def __len__(self) -> int:
        return len(self._vectors)

    def _model(self) -> Embedder:
        if self._fallback is None:
            if self._make_fallback is None:
                raise KeyError("text without a cached vector and no fallback embedder")
            self._fallback = self._make_fallback()
            if self._fallback.name != self.name:
                # Mixing models in one collection would make scores meaningless.
                raise ValueError(f"fallback embedder {self._fallback.name!r} differs from cached {self.name!r}")
        return self._fallback

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vec in zip(missing, self._model().embed_passages(missing), strict=True):
                self._vectors[text] = vec
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        return np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 0), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._model().embed_query(text)
