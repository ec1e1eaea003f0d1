"""Indexing progress shared by the CLI and the service's status endpoint."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.index.store import Index
from assistant.settings import Settings
from ingest.pipeline import FileResult, collect_files, ingest_files

log = logging.getLogger(__name__)


@dataclass
class IndexingState:
    phase: str = "idle"  # idle | documents | embedding | ready | error
    files_total: int = 0
    files_done: int = 0
    files_failed: int = 0
    chunks_total: int = 0
    chunks_embedded: int = 0
    errors: list[str] = field(default_factory=list)
    started_at: float | None = None
    finished_at: float | None = None
    lexical_ready: bool = False
    vectors_ready: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


class IndexingJob:
    """Runs document ingestion then vector sync, recording progress as it goes."""

    def __init__(self, settings: Settings, index: Index) -> None:
        self.settings = settings
        self.index = index
        self.state = IndexingState()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def ingest_documents(self, paths: list[Path], on_file=None) -> list[FileResult]:  # noqa: ANN001
        files = collect_files(paths)
        st = self.state
        st.phase, st.files_total, st.files_done, st.started_at = "documents", len(files), 0, time.time()

        def _on_file(r: FileResult) -> None:
            st.files_done += 1
            if r.failed:
                st.files_failed += 1
                st.errors.append(r.message)
            if on_file:
                on_file(r)

        results = ingest_files(files, self.index, self.settings, on_file=_on_file)
        st.lexical_ready = True
        return results

    def embed(self, embedder=None, on_progress=None) -> None:  # noqa: ANN001
        from assistant.embeddings import make_embedder

        st = self.state
        st.phase = "embedding"
        try:
            embedder = embedder or make_embedder(self.settings)

            def _progress(done: int, total: int) -> None:
                st.chunks_embedded, st.chunks_total = done, total
                if on_progress:
                    on_progress(done, total)

            self.index.sync_vectors(embedder, _progress)
            st.vectors_ready = True
            st.phase = "ready"
        except Exception as exc:  # noqa: BLE001 - lexical search keeps working without vectors
            log.exception("embedding failed")
            st.phase = "error"
            st.errors.append(f"Embedding failed: {exc}")
        finally:
            st.finished_at = time.time()

    def embed_in_background(self) -> threading.Thread:
        last_log = [0.0]

        def _log(done: int, total: int) -> None:
            now = time.time()
            if now - last_log[0] > 10 or done == total:
                last_log[0] = now
                log.info("embedding chunks: %d/%d", done, total)

        self._thread = threading.Thread(target=self.embed, kwargs={"on_progress": _log}, daemon=True)
        self._thread.start()
        return self._thread


class DatabaseIndexingJob(IndexingJob):
    """A uvicorn worker of `assistant serve --workers N`: the parent process ingests and embeds,
    so this process reads progress from the database instead of keeping its own. Every worker
    then reports the same state, and ``vectors_ready`` means embedded == chunks in SQL."""

    def __init__(self, settings: Settings, index: Index, ttl_seconds: float = 2.0) -> None:
        self._ttl = ttl_seconds  # /api/search reads the state on every request: a few COUNTs at most every 2 s
        self._checked = float("-inf")
        super().__init__(settings, index)

    @property
    def state(self) -> IndexingState:
        now = time.monotonic()
        if now - self._checked >= self._ttl:
            self._checked = now
            try:
                self._state = self._read_state()
            except Exception as exc:  # noqa: BLE001 - keep the last known state; /readyz checks SQL itself
                log.warning("could not read indexing progress from the database: %s", type(exc).__name__)
        return self._state

    @state.setter
    def state(self, value: IndexingState) -> None:
        self._state = value

    def _read_state(self) -> IndexingState:
        stats = self.index.stats()
        done = stats["embedded"] >= stats["chunks"]
        # The parent commits the lexical index before it starts the workers.
        return IndexingState(phase="ready" if done else "embedding", chunks_total=stats["chunks"],
                             chunks_embedded=stats["embedded"], lexical_ready=True, vectors_ready=done)
