"""Indexing progress shared by the CLI and the service's status endpoint."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.index.store import Index
from assistant.index.vectors import VectorStoreUnavailable
from assistant.settings import Settings
from ingest.pipeline import FileResult, collect_files, ingest_files

log = logging.getLogger(__name__)

RETRY_CAP_SECONDS = 600.0  # the doubling delay between background embedding attempts stops here


@dataclass
class IndexingState:
    """Progress shown by ``/api/status``. After a failed background embedding ``phase`` stays "error"
    with the failure in ``errors`` until the next attempt (``retry_at``, epoch seconds; None when none
    is planned). ``errors`` holds the current problems only: each attempt's failure replaces the
    previous one and a success removes it (the log keeps the history), so "ready" with ``attempts``
    > 1 means it recovered by itself; failed files stay listed."""

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
    attempts: int = 0  # embedding attempts so far
    retry_at: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def progress_line(done: int, total: int, seconds: float, progressed: int) -> str:
    """ "Tính vector: 480/1640 đoạn (29 %), 12,5 đoạn/giây, còn khoảng 1 phút 33 giây" for the terminal."""
    if total == 0:
        return "Tính vector: không có đoạn nào cần tính."
    line = f"Tính vector: {done}/{total} đoạn ({done * 100 // total} %)"
    if done >= total:
        return line + (f", xong sau {_duration(seconds)}" if seconds >= 1 else "")
    if progressed > 0 and seconds > 0:
        rate = progressed / seconds
        line += f", {rate:.1f} đoạn/giây".replace(".", ",") + f", còn khoảng {_duration((total - done) / rate)}"
    return line


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} giờ" if hours else "", f"{minutes} phút" if minutes else "", f"{secs} giây" if secs else ""]
    return " ".join(p for p in parts if p) or "0 giây"


class IndexingJob:
    """Runs document ingestion then vector sync, recording progress as it goes."""

    def __init__(self, settings: Settings, index: Index) -> None:
        self.settings = settings
        self.index = index
        self.state = IndexingState()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()  # ends the background retries (service shutdown, tests)
        self._embed_error: str | None = None  # this job's entry in state.errors
        # `serve --workers N`: where this (parent) process leaves its progress for the workers to show.
        self.state_file: Path | None = None

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
        self.publish()
        return results

    def publish(self) -> None:
        """Writes the state to ``state_file`` for the workers, whole or not at all (they may read it
        at any moment). Called on each change of phase, not on every embedded batch: the workers
        count the embedded chunks in the database themselves."""
        if self.state_file is None:
            return
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        try:
            tmp.write_text(json.dumps(self.state.as_dict(), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.state_file)
        except OSError as exc:
            log.warning("could not write indexing progress to %s: %s", self.state_file, exc)

    def embed(self, embedder=None, on_progress=None) -> bool:  # noqa: ANN001
        """One attempt to embed the chunks without a current vector; True when all have one. A failure
        is recorded and logged, never raised: lexical search keeps working without vectors."""
        from assistant.embeddings import make_embedder

        st = self.state
        st.phase, st.retry_at = "embedding", None
        st.attempts += 1
        self.publish()
        try:
            embedder = embedder or make_embedder(self.settings)

            def _progress(done: int, total: int) -> None:
                st.chunks_embedded, st.chunks_total = done, total
                if on_progress:
                    on_progress(done, total)

            result = self.index.sync_vectors(embedder, _progress)
        except Exception as exc:  # noqa: BLE001
            # A traceback for the unexpected, once: a retry usually fails the same way, and an outage
            # of the Chroma server is said in full by its message.
            log.error("vector embedding failed (attempt %d): %s: %s", st.attempts, type(exc).__name__, exc,
                      exc_info=st.attempts == 1 and not isinstance(exc, VectorStoreUnavailable))
            self._set_embed_error(f"Embedding failed: {exc}")
            st.phase, st.finished_at = "error", time.time()
            self.publish()
            return False
        self._set_embed_error(None)
        st.vectors_ready, st.phase, st.finished_at = True, "ready", time.time()
        self.publish()
        if st.attempts > 1:
            log.info("vector embedding succeeded on attempt %d (%d chunks embedded now); hybrid search is "
                     "available", st.attempts, result.embedded)
        return True

    def _set_embed_error(self, message: str | None) -> None:
        errors = self.state.errors
        if self._embed_error in errors:
            errors.remove(self._embed_error)
        self._embed_error = message
        if message:
            errors.append(message)

    def _embed_with_retries(self, on_progress) -> None:  # noqa: ANN001
        """``embed`` until it succeeds, waiting ``embedding_retry_seconds`` after the first failure and
        twice as long after each next one, up to RETRY_CAP_SECONDS. sync_vectors is incremental: a
        retry embeds only the chunks still without a vector."""
        delay = self.settings.embedding_retry_seconds
        while not self.embed(on_progress=on_progress):
            if delay <= 0:
                log.warning("vector embedding is not retried (ASSISTANT_EMBEDDING_RETRY_SECONDS=0): chunks "
                            "without a vector are found by lexical search only until a restart or `assistant ingest`")
                return
            self.state.retry_at = time.time() + delay
            self.publish()
            log.warning("next vector embedding attempt in %.1f s (at %s); until then chunks without a vector "
                        "are found by lexical search only",
                        delay, time.strftime("%H:%M:%S", time.localtime(self.state.retry_at)))
            if self._stop.wait(delay):
                self.state.retry_at = None
                self.publish()
                return
            delay = min(delay * 2, max(RETRY_CAP_SECONDS, self.settings.embedding_retry_seconds))

    def embed_in_background(self) -> threading.Thread:
        """Embeds in a daemon thread, retrying after failures (``stop`` ends the retries). Synchronous
        callers never retry: ``serve`` before its workers calls ``embed`` once, ``assistant ingest`` and
        the evals call ``sync_vectors`` directly."""
        last_log = [0.0]
        started = [0.0, 0]  # time and count of the first report of this attempt

        def _log(done: int, total: int) -> None:
            now = time.time()
            if done == 0 or done < started[1]:
                started[:] = [now, done]
            if now - last_log[0] > 10 or done == total:
                last_log[0] = now
                log.info("%s", progress_line(done, total, now - started[0], done - started[1]))

        self._stop.clear()
        self._thread = threading.Thread(target=self._embed_with_retries, args=(_log,), daemon=True,
                                        name="embedding")
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        """No further background attempt; one in progress runs to its end (the thread is a daemon)."""
        self._stop.set()


class DatabaseIndexingJob(IndexingJob):
    """A uvicorn worker of `assistant serve --workers N`: the parent process ingests and embeds,
    so this process reads progress instead of keeping its own. The counts come from the database
    (``vectors_ready`` means embedded == chunks in SQL); the parent's phase, failed files, errors,
    attempts and next retry from the file it publishes (``parent_state``). Every worker then
    reports the same state."""

    def __init__(self, settings: Settings, index: Index, ttl_seconds: float = 2.0,
                 parent_state: Path | None = None) -> None:
        self._ttl = ttl_seconds  # /api/search reads the state on every request: a few COUNTs at most every 2 s
        self._checked = float("-inf")
        self.parent_state = parent_state
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
        state = IndexingState(phase="ready" if done else "embedding", chunks_total=stats["chunks"],
                              chunks_embedded=stats["embedded"], lexical_ready=True, vectors_ready=done)
        parent = self._read_parent()
        if parent:
            for name in ("files_total", "files_done", "files_failed", "errors", "started_at", "finished_at",
                         "attempts", "retry_at"):
                setattr(state, name, parent[name])
            if not done and parent["phase"] == "error":
                state.phase = "error"
        return state

    def _read_parent(self) -> dict | None:
        """The parent's published state; None without one (an older parent, or `uvicorn` run by hand)."""
        if self.parent_state is None:
            return None
        try:
            data = json.loads(self.parent_state.read_text(encoding="utf-8"))
            known = set(IndexingState.__dataclass_fields__)
            if not isinstance(data, dict) or not known <= data.keys():
                raise ValueError("not an indexing state")
            return data
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("could not read the serving process's indexing progress from %s: %s", self.parent_state, exc)
            return None
