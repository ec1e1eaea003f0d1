"""Kill ingestion with SIGKILL mid-run, re-run it, and check the index is whole and consistent."""

from __future__ import annotations

import os
import random
import shutil
import signal
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
    return env


def _kill_after(cmd: list[str], seconds: float) -> int | None:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    time.sleep(seconds)
    rc = proc.poll()
    if rc is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    return rc


def _assert_consistent(data: Path, src: Path, embedded: bool) -> None:
    settings = Settings(data_dir=data)
    files = collect_files([src])
    expected = {r.doc_id: (r.articles, r.chunks) for r in ingest_files(files, None, settings, dry_run=True)}
    index = Index(settings)
    with index.sessions() as s:
        got_articles = dict(s.execute(select(ArticleRow.doc_id, func.count()).group_by(ArticleRow.doc_id)).all())
        got_chunks = dict(s.execute(select(ChunkRow.doc_id, func.count()).group_by(ChunkRow.doc_id)).all())
        chunk_ids = set(s.scalars(select(ChunkRow.id)))
    assert {d: (got_articles.get(d, 0), got_chunks.get(d, 0)) for d in expected} == expected
    stats = index.stats()
    assert stats["documents"] == len(expected)
    assert stats["lexical"] == stats["chunks"] == len(chunk_ids)
    if embedded:
        assert index.vectors.all_ids() == chunk_ids
        assert stats["embedded"] == stats["chunks"]
    index.engine.dispose()


def test_killed_during_document_phase_then_rerun(tmp_path, hanoi_dir):
    data = tmp_path / "data"
    rng = random.Random(os.environ.get("KILL_SEED", "7"))
    for _ in range(2):
        rc = _kill_after(_ingest_cmd(data, hanoi_dir, embed=False), rng.uniform(3.0, 12.0))
        assert rc is None, "ingestion finished before it could be killed; kill earlier"
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
    rc = _kill_after(_ingest_cmd(data, src, embed=True), 12.0)
    assert rc is None
    partial = Index(Settings(data_dir=data)).stats()
    assert partial["documents"] == len(SMALL)  # SQL was committed before vectors…
    assert partial["embedded"] < partial["chunks"]  # …which were cut short
    done = subprocess.run(_ingest_cmd(data, src, embed=True), capture_output=True, env=_env(), timeout=900)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    _assert_consistent(data, src, embedded=True)
