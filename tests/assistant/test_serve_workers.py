"""`assistant serve --workers 2` as a real process tree over real HTTP."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

DOCS = ("nghi-quyet-81-2025-NQ-HDND-HN.txt", "quyet-dinh-1609-QD-TTPVHCC-HN.txt")
PID = re.compile(r'assistant_worker_info\{pid="(\d+)"\}')


def _stop(proc: subprocess.Popen) -> str:
    """SIGTERM to the parent (uvicorn stops its workers); the whole group is killed if it hangs."""
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=10)
    return out.decode()


@pytest.fixture(params=["embedded", "chroma-server"])
def vector_store(request, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for the vector store: embedded Chroma, or a real `chroma run` server."""
    if request.param == "embedded":
        yield {}
        return
    from evals.bench_load import chroma_server

    with chroma_server(tmp_path / "chroma", tmp_path / "chroma.log") as url:
        yield {"ASSISTANT_CHROMA_URL": url}


def test_two_workers_answer_from_one_index(tmp_path: Path, hanoi_dir: Path, vector_store: dict[str, str]) -> None:
    from assistant.index.store import Index
    from assistant.security.keys import KeyStore
    from assistant.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in DOCS:
        shutil.copy(hanoi_dir / name, corpus)
    data = tmp_path / "data"
    index = Index(Settings(data_dir=data, chroma_url=vector_store.get("ASSISTANT_CHROMA_URL")))
    admin = KeyStore(index.sessions).create("admin", "tests: serve --workers").plaintext
    index.engine.dispose()

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env |= {"ASSISTANT_DATA_DIR": str(data), "ASSISTANT_CORPUS_DIR": str(corpus), "COLUMNS": "200"} | vector_store
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--workers", "2", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {admin}"}
    try:
        deadline = time.time() + 240
        while True:
            if proc.poll() is not None:
                pytest.fail(proc.stdout.read().decode()[-3000:])
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                pytest.fail("the service did not start")
            time.sleep(0.3)

        # Embedded Chroma: vectors were computed before the workers started. Chroma server: the parent
        # computes them in the background. Either way each worker reads the progress from the database.
        deadline = time.time() + 180
        while True:
            status = httpx.get(f"{base}/api/status", headers=auth, timeout=30).json()
            if status["indexing"]["vectors_ready"] or time.time() > deadline:
                break
            assert status["indexing"]["phase"] == "embedding" and vector_store, status
            time.sleep(0.5)
        assert status["index"]["documents"] == 2
        assert status["index"]["embedded"] == status["index"]["chunks"] > 0
        assert status["indexing"]["vectors_ready"] is True and status["indexing"]["phase"] == "ready", status
        assert status["indexing"]["chunks_embedded"] == status["index"]["chunks"]

        # New connections are spread over both workers by the kernel: keep asking until two pids answered.
        pids: set[str] = set()

        def scrape(_: int) -> set[str]:
            return set(PID.findall(httpx.get(f"{base}/metrics", headers=auth, timeout=30).text))

        deadline = time.time() + 60
        with ThreadPoolExecutor(8) as pool:
            while len(pids) < 2 and time.time() < deadline:
                for got in pool.map(scrape, range(16)):
                    pids |= got
        assert len(pids) == 2, pids
        assert str(proc.pid) not in pids  # the parent only supervises

        r = httpx.post(f"{base}/api/chat", headers=auth, timeout=120,
                       json={"question": "Quyết định 1609/QĐ-TTPVHCC quy định về việc gì?"})
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["citations"] and not answer["declined"], answer
    finally:
        out = _stop(proc)
    assert ("Chroma nhúng không an toàn khi nhiều tiến trình cùng ghi" in out) == (not vector_store), out
    assert "Khởi động 2 tiến trình phục vụ" in out
    assert proc.returncode is not None
