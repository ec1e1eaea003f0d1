"""`assistant serve --workers 2`: the workers' /api/status shows what the parent process is doing with the
vectors, here a failed embedding (no Chroma server listens) and when it will try again."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx

from evals.bench_load import assistant_server, service_env
from tests.assistant.test_indexing_retry import wait_for
from tests.conftest import free_port

DOC = "quyet-dinh-1597-QD-TTPVHCC-HN.txt"


def test_workers_report_the_parents_embedding_failure_and_retry(hanoi_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(hanoi_dir / DOC, corpus)
    (corpus / "hỏng.pdf").write_bytes(b"not a pdf")  # a failed file is shown by the workers too
    env = service_env(data_dir=str(tmp_path / "data"), corpus_dir=str(corpus), auth_disabled="true",
                      chroma_url=f"http://127.0.0.1:{free_port()}", chroma_timeout_seconds="2",
                      chroma_retry_seconds="0.1", embedding_retry_seconds="60") | {"TMPDIR": str(tmp_path)}
    with assistant_server(env, 2, tmp_path / "serve.log") as base:
        states: list[dict] = []

        def all_report_the_retry() -> bool:
            # New connections each time: the requests are spread over both workers.
            states[:] = [httpx.get(f"{base}/api/status", timeout=10).json()["indexing"] for _ in range(8)]
            return all(s["phase"] == "error" and s["retry_at"] for s in states)

        wait_for(all_report_the_retry, 40, "every /api/status showing the failed embedding and its next retry")
        for st in states:
            assert st["phase"] == "error" and st["retry_at"] > time.time() + 30, st
            assert st["attempts"] == 1 and not st["vectors_ready"] and st["lexical_ready"]
            assert st["files_total"] == 2 and st["files_failed"] == 1
            assert any("hỏng.pdf" in e for e in st["errors"]), st["errors"]
            assert any(e.startswith("Embedding failed") for e in st["errors"]), st["errors"]
            assert st["chunks_embedded"] == 0 and st["chunks_total"] > 0
    assert not list(tmp_path.glob("assistant-serve-*"))  # removed when the service stopped
