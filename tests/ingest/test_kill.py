"""Kill ingestion with SIGKILL mid-run, re-run it, and check the index is whole and consistent."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.index.schema import ArticleRow, ChunkRow
from assistant.index.store import Index
from assistant.settings import Settings
from ingest.pipeline import collect_files, ingest_files

SMALL = [
    "nghi-quyet-81-2025-NQ-HDND-HN.txt",
    "quyet-dinh-1597-QD-TTPVHCC-HN.txt",
    "quyet-dinh-1609-QD-TTPVHCC-HN.txt",
    "ke-hoach-308-KH-UBND-HN.txt",
]


def _ingest_cmd(data: Path, src: Path, embed: bool) -> list[str]:
    return [sys.executable, "-m", "assistant.cli", "--data-dir", str(data), "ingest", str(src), "--json",
            "--embed" if embed else "--no-embed"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ASSISTANT_DATABASE_URL", None)
    env.pop("ASSISTANT_CHROMA_URL", None)
    env.pop("ASSISTANT_EMBEDDING_CACHE_DIR", None)  # a cached vector would end the embedding before the kill
    return env


def _stats(data: Path) -> dict[str, int]:
    """Read progress straight from the SQLite file, without creating anything in it."""
    db = data / "index.sqlite3"
    counts = {"documents": 0, "embedded": 0, "chunks": 0}
    if not db.exists():
        return counts
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            for key, table in (("documents", "documents"), ("embedded", "chunk_vectors"), ("chunks", "chunks")):
                counts[key] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet, or the writer holds a lock
        pass
    return counts


def _kill_when(cmd: list[str], data: Path, ready, delay: float, timeout: float = 300) -> dict[str, int]:
    """Start ingestion, wait until ``ready(stats)``, wait ``delay`` more seconds, then SIGKILL it."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    deadline = time.time() + timeout
    try:
        while not ready(_stats(data)):
            assert proc.poll() is None, "ingestion finished before it could be killed"
            assert time.time() < deadline, "ingestion made no progress"
            time.sleep(0.05)
        time.sleep(delay)
        assert proc.poll() is None, "ingestion finished before it could be killed"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    return _stats(data)


def _assert_consistent(data: Path, src: Path, embedded: bool) -> None:
    settings = Settings(data_dir=data)
    files = collect_files([src])
    expected = {r.doc_id: (r.articles, r.rows) for r in ingest_files(files, None, settings, dry_run=True)}
    index = Index(settings)
    with index.sessions() as s:
        got_articles = dict(s.execute(select(ArticleRow.doc_id, func.count()).group_by(ArticleRow.doc_id)).all())
        got_chunks = dict(s.execute(select(ChunkRow.doc_id, func.count()).group_by(ChunkRow.doc_id)).all())
        chunk_ids = set(s.scalars(select(ChunkRow.id)))
    assert {d: (got_articles.get(d, 0), got_chunks.get(d, 0)) for d in expected} == expected
    stats = index.stats()
    assert stats["documents"] == len(expected)
    assert stats["lexical"] == stats["rows"] == len(chunk_ids)
    if embedded:
        with index.sessions() as s:  # article chunks and the units marked for embedding
            embeddable = set(s.scalars(select(ChunkRow.id).where(ChunkRow.embed.is_not(False))))
        assert index.vectors.all_ids() == embeddable
        assert stats["embedded"] == stats["chunks"]
    index.engine.dispose()


def test_killed_during_document_phase_then_rerun(tmp_path, hanoi_dir):
    data = tmp_path / "data"
    rng = random.Random(os.environ.get("KILL_SEED", "7"))
    first = _kill_when(_ingest_cmd(data, hanoi_dir, embed=False), data, lambda s: s["documents"] >= 2,
                       rng.uniform(0.0, 0.8))
    assert 2 <= first["documents"] < 28
    # Killed again on the re-run, after it skipped what was already there.
    _kill_when(_ingest_cmd(data, hanoi_dir, embed=False), data, lambda s: s["documents"] > first["documents"],
               rng.uniform(0.0, 0.3))
    done = subprocess.run(_ingest_cmd(data, hanoi_dir, embed=False), capture_output=True, env=_env(), timeout=600)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    _assert_consistent(data, hanoi_dir, embedded=False)


@pytest.mark.slow
def test_killed_during_embedding_then_rerun(tmp_path, hanoi_dir):
    src = tmp_path / "src"
    src.mkdir()
    for name in SMALL:
        shutil.copy(hanoi_dir / name, src)
    data = tmp_path / "data"
    partial = _kill_when(_ingest_cmd(data, src, embed=True), data, lambda s: s["embedded"] >= 16, 0.7)
    assert partial["documents"] == len(SMALL)  # SQL was committed before vectors…
    assert partial["embedded"] < partial["chunks"]  # …which were cut short
    done = subprocess.run(_ingest_cmd(data, src, embed=True), capture_output=True, env=_env(), timeout=900)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    _assert_consistent(data, src, embedded=True)
