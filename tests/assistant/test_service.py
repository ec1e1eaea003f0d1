"""`assistant serve` as a real process over real HTTP."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port


def _serve(data: Path, corpus: Path | None, **extra_env: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_DATA_DIR"] = str(data)
    env.update(extra_env)
    if corpus:
        env["ASSISTANT_CORPUS_DIR"] = str(corpus)
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("service did not start")


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out.decode()


def test_serve_indexes_the_corpus_then_embeds_in_background(tmp_path, hanoi_dir):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("nghi-quyet-81-2025-NQ-HDND-HN.txt", "quyet-dinh-1609-QD-TTPVHCC-HN.txt"):
        shutil.copy(hanoi_dir / name, corpus)
    proc, base = _serve(tmp_path / "data", corpus, ASSISTANT_METRICS_OPEN="true", ASSISTANT_AUTH_DISABLED="true")
    try:
        # Serving starts only once the lexical index is committed: every document is there at once.
        assert httpx.get(f"{base}/api/status").json()["index"]["documents"] == 2
        seen_phases = set()
        deadline = time.time() + 300
        while time.time() < deadline:
            st = httpx.get(f"{base}/api/status").json()
            seen_phases.add(st["indexing"]["phase"])
            if st["indexing"]["phase"] == "ready":
                break
            time.sleep(0.5)
        assert st["indexing"]["phase"] == "ready", st
        assert st["index"]["embedded"] == st["index"]["chunks"] > 0
        assert st["indexing"]["files_total"] == 2 and st["indexing"]["files_failed"] == 0
        assert httpx.get(f"{base}/readyz").json() == {"ready": True, "reason": None}
    finally:
        out = _stop(proc)
    assert "Chỉ mục từ vựng sẵn sàng: 2 văn bản" in out


def test_serve_without_corpus_starts_empty_and_says_how_to_ingest(tmp_path):
    proc, base = _serve(tmp_path / "data", None)
    try:
        # Nothing but health and the demo page is open without a credential…
        assert httpx.get(f"{base}/api/status").status_code == 401
        page = httpx.get(f"{base}/").text
        key = re.search(r'data-key="(tlcv_[^"]+)"', page)
        assert key, "the demo page carries the chat-only widget key made by `serve`"
        headers = {"Authorization": f"Bearer {key.group(1)}", "Origin": base}
        # …and that key can chat from this page's origin, but not read the index status.
        r = httpx.post(f"{base}/api/chat", json={"question": "Điều 7 Luật Thủ đô"}, headers=headers, timeout=30)
        assert r.status_code == 200 and r.json()["declined"]
        assert httpx.get(f"{base}/api/status", headers=headers).status_code == 403
        foreign = headers | {"Origin": "https://evil.example"}
        assert httpx.post(f"{base}/api/chat", json={"question": "x"}, headers=foreign).status_code == 403
    finally:
        out = _stop(proc)
    assert "ASSISTANT_CORPUS_DIR" in out


def test_status_says_how_to_ingest_when_empty(tmp_path):
    proc, base = _serve(tmp_path / "data", None, ASSISTANT_AUTH_DISABLED="true")
    try:
        st = httpx.get(f"{base}/api/status").json()
        assert st["index"]["documents"] == 0 and "assistant ingest" in st["message"]
    finally:
        _stop(proc)


def test_a_burst_of_first_requests_after_start_is_answered(hanoi_settings):
    """The first requests after start arrive together: each opens the vector store and the query
    model lazily, and none may fail because another is doing it at the same moment."""
    import concurrent.futures

    proc, base = _serve(hanoi_settings.data_dir, None, ASSISTANT_AUTH_DISABLED="true",
                        ASSISTANT_RATE_LIMIT_CHAT="0")
    try:
        def ask(i: int) -> int:
            r = httpx.post(f"{base}/api/chat", json={"question": f"Thời hạn đăng ký khai tử là bao lâu? ({i})"},
                           timeout=120)
            return r.status_code

        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            codes = list(pool.map(ask, range(10)))
    finally:
        out = _stop(proc)
    assert codes == [200] * 10, out[-3000:]
