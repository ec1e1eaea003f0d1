"""Passage vectors kept on disk by model and text, so the same text is never embedded twice on a machine.

A passage's vector depends only on the model and the text (simonw/llm's content-only hashes). Rebuilding an
index of the same corpus — a fresh clone's test run, a second data directory, a move to other stores —
would otherwise embed every chunk again: about twenty minutes of CPU for the Hà Nội corpus on two cores.
With ``ASSISTANT_EMBEDDING_CACHE_DIR`` set, ``make_embedder`` wraps the model in ``CachingEmbedder``: texts
already seen are answered from ``<dir>/passages.sqlite3``, the others embedded and stored. Queries are never
cached here (``QueryCache`` keeps recent ones in memory). Off by default; ``make test`` turns it on.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PassageCache:
    """(model, sha256 of the text) → float32 vector, in one SQLite file shared by every index on the machine."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "passages.sqlite3"
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS passages (model TEXT NOT NULL, key TEXT NOT NULL,"
                           " vector BLOB NOT NULL, PRIMARY KEY (model, key))")
        self._conn.commit()

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                marks = ",".join("?" * len(part))
                rows = self._conn.execute(f"SELECT key, vector FROM passages WHERE model = ? AND key IN ({marks})",
                                          [model, *part])
                out.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return out

    def put_many(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [(model, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items]
        with self._lock:
            self._conn.executemany("INSERT OR REPLACE INTO passages (model, key, vector) VALUES (?, ?, ?)", rows)
            self._conn.commit()

    def count(self, model: str | None = None) -> int:
        with self._lock:
            if model is None:
                return int(self._conn.execute("SELECT count(*) FROM passages").fetchone()[0])
            return int(self._conn.execute("SELECT count(*) FROM passages WHERE model = ?", [model]).fetchone()[0])


class CachingEmbedder:
    """An embedder whose passage vectors come from ``PassageCache`` when the same model saw the same text."""

    def __init__(self, inner, cache: PassageCache) -> None:  # noqa: ANN001 - any Embedder
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.hits = 0
        self.misses = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        found = self.cache.get_many(self.name, list(dict.fromkeys(keys)))
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            todo = list(dict.fromkeys(keys[i] for i in missing))
            texts_of = {keys[i]: texts[i] for i in missing}
            vectors = self.inner.embed_passages([texts_of[k] for k in todo])
            fresh = dict(zip(todo, np.asarray(vectors, dtype=np.float32), strict=True))
            self.cache.put_many(self.name, fresh.items())
            found.update(fresh)
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        return np.stack([found[k] for k in keys]) if texts else np.zeros((0, 0), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def __getattr__(self, name: str):  # noqa: ANN204 - what else the wrapped embedder offers (threads…)
        return getattr(self.inner, name)
