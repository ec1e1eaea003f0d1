"""Chroma holds chunk vectors keyed by chunk id; we always pass our own embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.settings import Settings


class VectorStore:
    def __init__(self, settings: Settings) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if settings.chroma_url:
            from urllib.parse import urlparse

            u = urlparse(settings.chroma_url)
            self._client = chromadb.HttpClient(
                host=u.hostname or "127.0.0.1", port=u.port or 8000, ssl=u.scheme == "https", settings=chroma_settings
            )
        else:
            settings.chroma_path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
        # embedding_function=None: Chroma's default would download a model at run time.
        self._has_vectors = False
        self._col = self._client.get_or_create_collection(
            settings.chroma_collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    @property
    def client(self):  # noqa: ANN201 - chromadb client
        return self._client

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        if len(ids):
            self._col.upsert(ids=list(ids), embeddings=vectors.tolist(), metadatas=list(metadatas))

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), 5000):
            self._col.delete(ids=ids[i : i + 5000])

    def all_ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            got = self._col.get(include=[], limit=5000, offset=offset)
            if not got["ids"]:
                return out
            out.update(got["ids"])
            offset += len(got["ids"])

    def count(self) -> int:
        return self._col.count()

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        if not self._has_vectors:  # count() costs ~2 ms: asked until the collection has something
            self._has_vectors = self._col.count() > 0
            if not self._has_vectors:
                return []
        res = self._col.query(query_embeddings=[vector.tolist()], n_results=k, where=where, include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def heartbeat(self) -> int:
        return int(self._client.heartbeat())
