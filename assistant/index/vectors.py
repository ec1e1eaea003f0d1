"""Chroma holds chunk vectors keyed by chunk id; we always pass our own embeddings.

With a Chroma server (``ASSISTANT_CHROMA_URL``) the connection is made on demand: a server that is
down, or does not answer within ``chroma_timeout_seconds``, raises ``VectorStoreUnavailable`` (search
then answers from the lexical index), and the next call after ``chroma_retry_seconds`` tries again,
so a restarted server is used again without restarting the service.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import httpx
import numpy as np

from assistant.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")


class VectorStoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached now (down, restarting, not answering in time)."""


def _is_outage(exc: BaseException | None) -> bool:
    """Errors that mean "the server is not there", as opposed to a bad request. chromadb re-raises
    some transport errors as ValueError ("Could not connect…"): the chain is searched too."""
    from chromadb.errors import InternalError

    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, httpx.TransportError | InternalError | ConnectionError | TimeoutError):
            return True
        if isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code >= 500:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


class VectorStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._col: Any = None
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic time before which a down server is not asked again
        self._down = False
        self._down_cause = ""  # the last outage's error, repeated while the server is not asked
        self._has_vectors = False
        # Chroma down at start: logged; the service starts and searches lexically until it is back.
        with contextlib.suppress(VectorStoreUnavailable):
            self._collection()

    # -- connection --------------------------------------------------------------------------
    def _connect_client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if not self.settings.chroma_url:
            self.settings.chroma_path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(self.settings.chroma_path), settings=chroma_settings)
        from urllib.parse import urlparse

        u = urlparse(self.settings.chroma_url)
        # chromadb's HttpClient talks to the server while it is built, without a timeout: ask first.
        timeout = self._timeout()
        httpx.get(f"{self.settings.chroma_url.rstrip('/')}/api/v2/heartbeat", timeout=timeout).raise_for_status()
        client = chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000, ssl=u.scheme == "https",
                                     settings=chroma_settings)
        # chromadb has no timeout setting (its httpx client waits forever): set one on its session.
        session = getattr(getattr(client, "_server", None), "_session", None)
        if isinstance(session, httpx.Client):
            session.timeout = timeout
        else:  # pragma: no cover - a chromadb release that changed its internals
            log.warning("cannot set a timeout on the Chroma client; a hung server may delay searches")
        return client

    def _timeout(self) -> httpx.Timeout:
        t = self.settings.chroma_timeout_seconds
        return httpx.Timeout(t, connect=min(t, 2.0))

    def _collection(self) -> Any:
        col = self._col
        if col is not None:
            return col
        with self._lock:
            if self._col is not None:
                return self._col
            if time.monotonic() < self._down_until:
                raise VectorStoreUnavailable(f"Chroma server unavailable (waiting before the next try): "
                                             f"{self._down_cause}")
            try:
                if self._client is None:
                    self._client = self._connect_client()
                # embedding_function=None: Chroma's default would download a model at run time.
                self._col = self._client.get_or_create_collection(
                    self.settings.chroma_collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
                )
            except Exception as exc:
                if not self.settings.chroma_url or not _is_outage(exc):
                    raise
                self._mark_down(exc)
                raise VectorStoreUnavailable(f"Chroma server unavailable: {exc!r}") from exc
            if self._down:
                self._down = False
                log.warning("Chroma server at %s is reachable again; hybrid search resumes", self.settings.chroma_url)
            return self._col

    def _mark_down(self, exc: BaseException) -> None:
        """Called with the lock held or from one failing call; the next call reconnects after the pause."""
        self._col = None
        self._down_cause = f"{type(exc).__name__}: {exc}"
        self._down_until = time.monotonic() + self.settings.chroma_retry_seconds
        if not self._down:
            self._down = True
            log.warning("Chroma server at %s unavailable (%s: %s); searching the lexical index only, next try "
                        "in %.0f s", self.settings.chroma_url, type(exc).__name__, exc,
                        self.settings.chroma_retry_seconds)

    def _call(self, fn: Callable[[Any], T]) -> T:
        col = self._collection()
        try:
            return fn(col)
        except Exception as exc:
            if not self.settings.chroma_url or not _is_outage(exc):
                raise
            with self._lock:
                self._mark_down(exc)
            raise VectorStoreUnavailable(f"Chroma server unavailable: {exc!r}") from exc

    @property
    def client(self):  # noqa: ANN201 - chromadb client
        self._collection()
        return self._client

    # -- operations ----------------------------------------------------------------------------
    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        if len(ids):
            self._call(lambda col: col.upsert(ids=list(ids), embeddings=vectors.tolist(), metadatas=list(metadatas)))

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), 5000):
            part = ids[i : i + 5000]
            self._call(lambda col, part=part: col.delete(ids=part))

    def all_ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            got = self._call(lambda col, offset=offset: col.get(include=[], limit=5000, offset=offset))
            if not got["ids"]:
                return out
            out.update(got["ids"])
            offset += len(got["ids"])

    def count(self) -> int:
        return self._call(lambda col: col.count())

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        if not self._has_vectors:  # count() costs ~2 ms: asked until the collection has something
            self._has_vectors = self.count() > 0
            if not self._has_vectors:
                return []
        # HNSW searches with max(ef_search, n_results) candidates: asking for more than k widens the search
        # the same way on any collection and server, whatever ef_search it was created with.
        n = max(k, self.settings.chroma_search_ef)
        res = self._call(lambda col: col.query(query_embeddings=[vector.tolist()], n_results=n, where=where,
                                               include=["distances"]))
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0][:k], res["distances"][0][:k], strict=True)]

    def heartbeat(self) -> int:
        return int(self._call(lambda _col: self._client.heartbeat()))
